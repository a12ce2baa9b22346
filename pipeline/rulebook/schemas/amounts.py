"""Schema of ``kind: amounts`` files: currencies, units, qualifiers and patterns."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from pipeline.rulebook.schemas.base import Rule, RuleFile, StrictModel

QualifierName = Literal["exact", "approx", "more_than", "less_than", "at_least", "at_most"]


class Currency(StrictModel):
    """An ISO 4217 code with the words and symbols that name it."""

    code: str = Field(pattern=r"^[A-Z]{3}$")
    names: list[str] = Field(default_factory=list)
    symbols: list[str] = Field(default_factory=list)
    # A unit worth a fraction of the main one (角 = 0.1, 分 = 0.01).
    minor: dict[str, str] = Field(default_factory=dict)


class AmountRule(Rule):
    """A pattern (``{MACRO}`` placeholders) whose named groups the resolver reads.

    Groups: ``qual`` (a qualifier word before), ``num``/``num2`` (numbers, ``num2``
    the top of a range), ``cur`` (currency name or symbol), ``unit`` (count unit),
    ``tail`` (a qualifier word after), ``per`` (每股 ...). ``params.kind`` fixes the
    kind (money, percent, count, shares).
    """

    pattern: str
    params: dict[str, Any] = Field(default_factory=dict)


class AmountsFile(RuleFile):
    """``kind: amounts``."""

    kind: Literal["amounts"]
    macros: dict[str, str] = Field(default_factory=dict)
    currencies: list[Currency] = Field(default_factory=list)
    qualifiers: dict[str, QualifierName] = Field(default_factory=dict)
    count_units: list[str] = Field(default_factory=list)
    share_units: list[str] = Field(default_factory=list)
    # Words before a bare number that make it money in the local currency (估值, 营收).
    implied_money_cues: list[str] = Field(default_factory=list)
    implied_currency: str = "CNY"
    rules: list[AmountRule] = Field(default_factory=list)
