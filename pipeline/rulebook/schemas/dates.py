"""Schema of ``kind: dates`` files: patterns with named groups plus the word tables they use."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from pipeline.rulebook.schemas.base import Rule, RuleFile, StrictModel

Unit = Literal["year", "half", "quarter", "month", "week", "day", "hour", "minute", "second", "workday"]


class DateRule(Rule):
    """A pattern (``regex``, ``{MACRO}`` placeholders) whose named groups the resolver reads.

    Groups the ``calendar`` resolver understands: ``year``, ``month``, ``day``,
    ``hour``, ``minute``, ``ampm``, ``rel`` (a word of the ``relative`` table),
    ``part`` (a word of the ``parts`` table), ``quarter``, ``half``, ``weekday``,
    ``weekrel``, and the same names with a ``2`` suffix for the end of a range.
    ``params.kind`` turns the result into ``since``/``until``/``range``.
    """

    pattern: str
    resolve: Literal["calendar", "now", "fuzzy", "duration", "offset"] = "calendar"
    params: dict[str, Any] = Field(default_factory=dict)


class RelativeWord(StrictModel):
    """A word meaning "this/last/next <unit>" (今年 = year +0, 上个月 = month -1)."""

    unit: Unit
    offset: int


class PartSpec(StrictModel):
    """A part of a period: months of a year (上半年) or days of a month (下旬)."""

    of: Literal["year", "month", "day"]
    start: int
    length: int | None = None
    to_end: bool = False
    grain: Literal["year", "half", "quarter", "month", "xun", "week", "day", "hour"]
    fuzzy: bool = False


class DatesFile(RuleFile):
    """``kind: dates``."""

    kind: Literal["dates"]
    macros: dict[str, str] = Field(default_factory=dict)
    relative: dict[str, RelativeWord] = Field(default_factory=dict)
    parts: dict[str, PartSpec] = Field(default_factory=dict)
    ampm: dict[str, int] = Field(default_factory=dict)
    units: dict[str, Unit] = Field(default_factory=dict)
    rules: list[DateRule] = Field(default_factory=list)
