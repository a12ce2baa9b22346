"""Schema of ``kind: amounts`` files: currencies, units, qualifiers, the left context and rules.

How the fields are used is described in ``rules/amounts.yaml`` and in
:mod:`pipeline.amounts`; this module only says what a valid file looks like, so a
typo in a rule file is an error with a line number rather than a silent no-op.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from pipeline.rulebook.schemas.base import Rule, RuleFile, StrictModel

QualifierName = Literal["exact", "approx", "more_than", "less_than", "at_least", "at_most"]
LeadName = Literal["fuzzy", "approx", "more_than", "less_than", "at_least", "at_most"]
AmountKindName = Literal["money", "percent", "count", "shares"]
# What a rule needs from the words before its match (see ``AmountParams.needs``).
Need = Literal["currency", "between", "qualifier", "big_unit", "digit_start", "grouped"]


class Currency(StrictModel):
    """An ISO 4217 code with the words and symbols that name it."""

    code: str = Field(pattern=r"^[A-Z]{3}$")
    # Names written after the number (3亿元, 500万美元).
    names: list[str] = Field(default_factory=list)
    # Names that may also be written before the number (人民币500万元, 港币426.9亿).
    prefixes: list[str] = Field(default_factory=list)
    # Symbols and codes written before the number (US$, ￥, RMB).
    symbols: list[str] = Field(default_factory=list)
    # Units worth a fraction of the main one (角 = 0.1, 分 = 0.01).
    minor: dict[str, str] = Field(default_factory=dict)


class AmountParams(StrictModel):
    """What a rule's match means beyond its named groups."""

    kind: AmountKindName = "count"
    # A fixed unit (每股, percentage_point); otherwise the ``unit`` group, if any.
    unit: str | None = None
    # Percent scale of the number: 0.01 for %, 0.1 for 成, 0.0001 for 基点.
    scale: str | None = None
    # A fixed currency (CNY for 两毛五): written, not implied.
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    # A fixed value (0.5 for 过半), for rules without a number.
    fixed: str | None = None
    # Numerals that, alone before the unit, are not counts (一家公司 is "a company").
    skip_numerals: list[str] = Field(default_factory=list)
    # The match only counts when the words before it give: a currency symbol or name
    # (``currency``), 介乎/介于 (``between``), a qualifier or lead word
    # (``qualifier``); ``big_unit``: the number must hold 万 or 亿; ``digit_start``: it
    # must start with a digit, not a unit (八亿 yes, 千亿 no, 十几亿 yes); ``grouped``: it
    # must have thousand separators (3,235,824.00).
    needs: list[Need] = Field(default_factory=list)
    # A regex the text before the match must not match (ending at the match): 得25分.
    not_after: str | None = Field(default=None, json_schema_extra={"regex": True})
    # A regex the clause before the match must contain (a price word before 25分).
    before: str | None = Field(default=None, json_schema_extra={"regex": True})


class AmountRule(Rule):
    """A pattern (``{MACRO}`` placeholders) whose named groups the resolver reads."""

    pattern: str
    params: AmountParams = Field(default_factory=AmountParams)


class AmountsFile(RuleFile):
    """``kind: amounts``."""

    kind: Literal["amounts"]
    macros: dict[str, str] = Field(default_factory=dict)
    # Put before every rule: where a match may start (not inside a number or a code).
    start_guard: str = Field(default="", json_schema_extra={"regex": True})
    # Checked right after the number shared by the number-first rules: what may follow
    # a number in any of them (fails fast on 2019年, 3天).
    after_number: str = Field(default="", json_schema_extra={"regex": True})
    # Read backwards from a match's start: qualifier, currency, sign ... (named groups).
    left_context: str = Field(default="", json_schema_extra={"regex": True})
    left_window: int = Field(default=16, ge=0, le=64)
    # Words the left context may end with besides the qualifier, lead and currency
    # words (每股为, 总股本的, 介乎, a minus sign, a space): it is read only after one.
    left_context_ends: list[str] = Field(default_factory=list)
    currencies: list[Currency] = Field(default_factory=list)
    qualifiers: dict[str, QualifierName] = Field(default_factory=dict)
    # Words that end with a qualifier but are not one (合约, 最近).
    qualifier_blockers: list[str] = Field(default_factory=list)
    # Words before a number that starts with a unit: 几十万 (fuzzy), 上亿 (at_least).
    leads: dict[str, LeadName] = Field(default_factory=dict)
    # Words with a numeral and a unit that are not amounts (七台河, 三只松鼠).
    not_amount_words: list[str] = Field(default_factory=list)
    count_units: list[str] = Field(default_factory=list)
    share_units: list[str] = Field(default_factory=list)
    # Words before a bare number that make it money in the local currency (估值, 营收).
    implied_money_cues: list[str] = Field(default_factory=list)
    # The same, right after the number (129亿并购, 20亿定增).
    implied_money_cues_after: list[str] = Field(default_factory=list)
    implied_currency: str = Field(default="CNY", pattern=r"^[A-Z]{3}$")
    cue_window: int = Field(default=12, ge=0, le=64)
    # Text before a price (ending at it) that makes it a price per share: 每股回购价介乎.
    per_share_context: str = Field(default="", json_schema_extra={"regex": True})
    rules: list[AmountRule] = Field(default_factory=list)
