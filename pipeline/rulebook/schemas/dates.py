"""Schema of ``kind: dates`` files: atom patterns, compositions, holidays and the word tables.

Several files of kind ``dates`` may exist (``dates.yaml``, ``dates_holidays.yaml``,
``dates_periods.yaml``); they are merged, so a rule in one file may use the macros
and tables of another.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from pipeline.rulebook.schemas.base import Rule, RuleFile, StrictModel

Unit = Literal[
    "year", "half", "quarter", "month", "week", "day", "hour", "minute", "second", "workday", "tradingday"
]  # fmt: skip
Grain = Literal["year", "half", "quarter", "month", "xun", "week", "day", "hour", "minute", "second"]


class DateRule(Rule):
    """An *atom*: a pattern (``regex``, ``{MACRO}`` placeholders) whose named groups a resolver reads.

    ``resolve`` picks the resolver:

    - ``calendar`` reads ``year``, ``month``, ``day``, ``hour``, ``minute``, ``second``,
      ``ampm`` (a word of ``ampm``), ``daypart`` (a word of ``day_parts``), ``halfhour``,
      ``quarterhour``, ``rel`` (a word of ``relative``), ``part`` (a word of ``parts``),
      ``quarter``, ``half``, ``weekday``, ``weekrel``, ``report``; ``params.kind: range``
      reads the end of a one-piece range from the same names with a ``2`` suffix
      (2025年1-6月) and ``params.kind: recurring`` gives the next occurrence (每周三);
    - ``now`` is the document's day (目前, 本公告日), ``fuzzy`` the days before it (近日);
    - ``duration`` reads ``n``/``unit`` (and ``n2``/``unit2``): 两年零三个月;
    - ``offset`` reads ``n``, ``unit``, ``dir`` (3天前, 两周后; ``params.mode: span`` for 近三年);
    - ``holiday`` reads ``holiday`` (a name of a ``holidays`` entry), ``year``/``rel`` and
      ``hpart`` (a word of ``holiday_parts``);
    - ``same_period`` is the period last spoken of, ``params.years`` later (上年同期);
    - ``report_period`` is the report period the document is about (报告期内);
    - ``decade`` reads ``century`` and ``decade`` (上世纪90年代).
    """

    pattern: str
    resolve: Literal[
        "calendar", "now", "fuzzy", "duration", "offset", "holiday", "same_period", "report_period", "decade"
    ] = "calendar"
    params: dict[str, Any] = Field(default_factory=dict)


class CompositionRule(Rule):
    """A pattern over atoms: ``{D}`` stands for a date atom, ``{DUR}`` a duration, ``{NOW}`` 目前/至今.

    Named groups ``a`` and ``b`` (dates) and ``d``/``d2`` (durations) say which atoms
    the ``result`` combines:

    - ``range``: ``a`` to ``b`` (自2019年1月1日至2020年6月30日);
    - ``since``: from ``a`` on, open end (2025年3月以来; ``params.after: true`` starts after ``a``);
    - ``until``: up to ``a`` (2025年之前; ``params.inclusive: true`` for 截至9月30日);
    - ``same``: ``a`` itself with the words around it (当地时间9月5日);
    - ``period_ending``: ``d`` (or ``params.months``) ending with ``a`` (截至9月30日止6个月);
    - ``window``: from ``a`` plus ``d`` for ``d2`` (公告之日起15个交易日后的6个月内).
    """

    pattern: str
    result: Literal["range", "since", "until", "same", "period_ending", "window"]
    params: dict[str, Any] = Field(default_factory=dict)


class RelativeWord(StrictModel):
    """A word meaning "this/last/next <unit>" (今年 = year +0, 上个月 = month -1).

    ``anchor: narrative`` counts from the time the text last spoke of (同年, 次日),
    falling back to the document date.
    """

    unit: Unit
    offset: int
    anchor: Literal["document", "narrative"] = "document"


class PartSpec(StrictModel):
    """A part of a period: months of a year (上半年), months of a quarter (季度末), days of a month (下旬).

    ``report: true`` marks a report period (半年报, 三季报): without a year it is the
    latest such period that had ended by the document date.
    """

    of: Literal["year", "quarter", "month", "day"]
    start: int
    length: int | None = None
    to_end: bool = False
    grain: Grain
    fuzzy: bool = False
    report: bool = False


class DayPart(StrictModel):
    """A part of a day in hours ``[start, end)`` (晚间 = 18..24) and the shift of a clock hour after it.

    ``shift: 12`` makes 下午3点 15:00 (an hour of 12 or more is left as it is).
    """

    start: int = Field(ge=0, le=24)
    end: int = Field(ge=0, le=24)
    shift: int = Field(default=0, ge=0, le=12)


class HolidaySpec(Rule):
    """A holiday: its names and how to find its day in a given year.

    ``calendar``: ``solar`` (``month``/``day``), ``lunar`` (lunar ``month``/``day``),
    ``term`` (a solar term, ``term: 清明``) or ``nth_weekday`` (``month``, ``weekday``
    0 = Monday, ``n``). ``offset`` moves the day (除夕 = 春节 - 1). ``days`` is the
    length of the break when the official schedule has none (元宵, or a year the
    library does not know). ``weak_names`` are names too ambiguous alone (清明, 五一):
    the ``{WEAK_HOLIDAY}`` macro matches them, for rules that want a holiday word after.
    """

    names: list[str] = Field(min_length=1)
    weak_names: list[str] = Field(default_factory=list)
    calendar: Literal["solar", "lunar", "term", "nth_weekday"]
    month: int | None = Field(default=None, ge=1, le=12)
    day: int | None = Field(default=None, ge=1, le=31)
    term: str | None = None
    weekday: int | None = Field(default=None, ge=0, le=6)
    n: int | None = Field(default=None, ge=1, le=5)
    offset: int = 0
    days: int = Field(default=1, ge=1)

    @model_validator(mode="after")
    def _fields_for_calendar(self) -> HolidaySpec:
        needed = {
            "solar": ("month", "day"),
            "lunar": ("month", "day"),
            "term": ("term",),
            "nth_weekday": ("month", "weekday", "n"),
        }[self.calendar]
        missing = [name for name in needed if getattr(self, name) is None]
        if missing:
            raise ValueError(f"a {self.calendar} holiday needs {', '.join(missing)}")
        return self


class HolidayPart(StrictModel):
    """A word after a holiday name: the official break (假期), days before (前夕), around (前后)."""

    mode: Literal["day", "break", "before", "after", "around"]
    days: int = 3
    fuzzy: bool = False


class DatesFile(RuleFile):
    """``kind: dates``."""

    kind: Literal["dates"]
    macros: dict[str, str] = Field(default_factory=dict)
    relative: dict[str, RelativeWord] = Field(default_factory=dict)
    parts: dict[str, PartSpec] = Field(default_factory=dict)
    day_parts: dict[str, DayPart] = Field(default_factory=dict)
    units: dict[str, Unit] = Field(default_factory=dict)
    holiday_parts: dict[str, HolidayPart] = Field(default_factory=dict)
    rules: list[DateRule] = Field(default_factory=list)
    holidays: list[HolidaySpec] = Field(default_factory=list)
    compositions: list[CompositionRule] = Field(default_factory=list)
