"""Calendar arithmetic for the date resolver: intervals, month and year shifts, durations.

Every interval is ``[start, end)``, end exclusive, at a *grain* (the unit the text
spoke in: ``2025年8月`` is a month, ``8月6日晚间`` an hour-grain part of a day).
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

GRAIN_ORDER: tuple[str, ...] = (
    "year",
    "half",
    "quarter",
    "month",
    "xun",
    "week",
    "day",
    "hour",
    "minute",
    "second",
)
# ISO 8601 designators of the units a duration may carry; business days count as days.
_ISO_DATE_UNITS = (("year", "Y"), ("month", "M"), ("week", "W"), ("day", "D"))
_ISO_TIME_UNITS = (("hour", "H"), ("minute", "M"), ("second", "S"))


def iso(dt: datetime | None) -> str | None:
    """Format a datetime as ``YYYY-MM-DDTHH:MM:SS`` (``None`` stays ``None``)."""
    if dt is None:
        return None
    if type(dt) is datetime and dt.year >= 1000:
        # What strftime gives for four-digit years, several times faster (every DATE
        # value formats two of these).
        return f"{dt.year}-{dt.month:02d}-{dt.day:02d}T{dt.hour:02d}:{dt.minute:02d}:{dt.second:02d}"
    return dt.strftime("%Y-%m-%dT%H:%M:%S")


def midnight(d: date) -> datetime:
    """The start of day ``d``."""
    return datetime.combine(d, time.min)


def add_months(d: date, months: int) -> date:
    """Return the first day of the month ``months`` after the month of ``d``."""
    index = d.year * 12 + (d.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


def finest(a: str, b: str) -> str:
    """The finer of two grains (``day`` over ``month``)."""
    return a if GRAIN_ORDER.index(a) >= GRAIN_ORDER.index(b) else b


@dataclass(frozen=True, slots=True)
class Interval:
    """A resolved interval ``[start, end)`` at a grain."""

    start: datetime
    end: datetime
    grain: str
    fuzzy: bool = False

    def shifted_years(self, years: int) -> Interval:
        """The same interval ``years`` later (earlier when negative), day of month clamped."""
        return replace(self, start=shift(self.start, "year", years), end=shift(self.end, "year", years))

    def with_fuzzy(self, fuzzy: bool = True) -> Interval:
        """A copy marked (or not) as approximate."""
        return replace(self, fuzzy=self.fuzzy or fuzzy)


def year_interval(year: int) -> Interval:
    """The whole calendar year."""
    return Interval(datetime(year, 1, 1), datetime(year + 1, 1, 1), "year")


def month_interval(year: int, month: int) -> Interval:
    """The whole calendar month."""
    start = date(year, month, 1)
    return Interval(midnight(start), midnight(add_months(start, 1)), "month")


def day_interval(d: date) -> Interval:
    """The whole day."""
    start = midnight(d)
    return Interval(start, start + timedelta(days=1), "day")


def quarter_interval(year: int, quarter: int) -> Interval:
    """Quarter ``quarter`` (1-4) of ``year``."""
    start = date(year, 3 * (quarter - 1) + 1, 1)
    return Interval(midnight(start), midnight(add_months(start, 3)), "quarter")


def week_interval(monday: date) -> Interval:
    """The ISO week (Monday to Sunday) starting on ``monday``."""
    return Interval(midnight(monday), midnight(monday + timedelta(days=7)), "week")


def safe_date(year: int, month: int, day: int) -> date:
    """``date(year, month, day)``; raises ``ValueError`` with a clear message when impossible."""
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise ValueError(f"no such date {year}-{month}-{day}: {exc}") from None


def shift(start: datetime, unit: str, amount: float) -> datetime:
    """Move ``start`` by ``amount`` units (year, quarter, month, week, day, hour, minute, second).

    Month-based moves keep the day of month where it exists (31 Mar + 1 month = 30 Apr).
    """
    if unit in ("year", "half", "quarter", "month"):
        months = round(amount * {"year": 12, "half": 6, "quarter": 3, "month": 1}[unit])
        moved = add_months(start.date().replace(day=1), months)
        day = min(start.day, calendar.monthrange(moved.year, moved.month)[1])
        return datetime.combine(moved.replace(day=day), start.time())
    if unit == "week":
        return start + timedelta(weeks=amount)
    if unit == "hour":
        return start + timedelta(hours=amount)
    if unit == "minute":
        return start + timedelta(minutes=amount)
    if unit == "second":
        return start + timedelta(seconds=amount)
    return start + timedelta(days=amount)


def iso_duration(parts: Mapping[str, float]) -> str:
    """ISO 8601 duration of ``{unit: amount}`` (``{"year": 2, "month": 3}`` -> ``P2Y3M``)."""

    def fmt(n: float) -> str:
        return str(int(n)) if float(n).is_integer() else str(n)

    date_part = "".join(f"{fmt(parts[u])}{d}" for u, d in _ISO_DATE_UNITS if u in parts)
    time_part = "".join(f"{fmt(parts[u])}{d}" for u, d in _ISO_TIME_UNITS if u in parts)
    return "P" + date_part + ("T" + time_part if time_part else "") if date_part or time_part else "P0D"


def apply_duration(start: datetime, parts: Mapping[str, float], sign: int = 1) -> datetime:
    """``start`` moved by every part of a duration (largest unit first)."""
    moved = start
    for unit in ("year", "month", "week", "day", "hour", "minute", "second"):
        if unit in parts:
            moved = shift(moved, unit, sign * parts[unit])
    return moved
