"""Holidays with their real dates, and working / trading days.

Lunar festivals (春节, 元宵, 端午, 中秋 ...) and solar terms (清明, 冬至) come from
``lunar-python`` (6tail's calendar library: pure Python, no data download, kept up to
date and carrying the State Council's yearly holiday schedule). The schedule gives
the real official break around a festival (``国庆假期`` 2025 = 10-01..10-08, shared
with 中秋 that year) and the make-up working days, which is what counting
``5个工作日`` or ``15个交易日`` needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from lunar_python import Lunar, Solar
from lunar_python.util import HolidayUtil

from pipeline.rulebook.schemas.dates import HolidaySpec


@dataclass(frozen=True, slots=True)
class HolidayPeriod:
    """A holiday's days: ``[start, end)``; ``official`` when the State Council schedule says so."""

    start: date
    end: date
    official: bool


@lru_cache(maxsize=4096)
def _official(day: date) -> tuple[str, bool] | None:
    """The official schedule entry of ``day``: (name, is a make-up working day), or ``None``."""
    entry = HolidayUtil.getHoliday(day.year, day.month, day.day)
    if entry is None:
        return None
    return str(entry.getName()), bool(entry.isWork())


@lru_cache(maxsize=64)
def schedule_known(year: int) -> bool:
    """Whether the library has the official holiday schedule of ``year``."""
    return bool(HolidayUtil.getHolidays(year))


def is_day_off(day: date) -> bool:
    """An official holiday (not a make-up working day)."""
    entry = _official(day)
    return entry is not None and not entry[1]


def is_working_day(day: date) -> bool:
    """A working day: Monday-Friday outside official holidays, or a make-up working day."""
    entry = _official(day)
    if entry is not None:
        return entry[1]
    return day.weekday() < 5


def is_trading_day(day: date) -> bool:
    """A mainland exchange trading day: Monday-Friday outside official holidays.

    Exchanges stay closed on make-up Saturdays and Sundays, unlike offices.
    """
    return day.weekday() < 5 and not is_day_off(day)


def add_business_days(start: date, count: int, *, trading: bool = False) -> date:
    """The day ``count`` working (or trading) days after ``start`` (before it when negative)."""
    test = is_trading_day if trading else is_working_day
    step = 1 if count >= 0 else -1
    day = start
    remaining = abs(count)
    while remaining:
        day += timedelta(days=step)
        if test(day):
            remaining -= 1
    return day


def _term_date(term: str, year: int) -> date | None:
    """The day of solar term ``term`` (清明, 冬至 ...) in Gregorian ``year``."""
    for lunar_year_day in (Solar.fromYmd(year, 7, 1), Solar.fromYmd(year + 1, 7, 1)):
        table = lunar_year_day.getLunar().getJieQiTable()
        solar = table.get(term)
        if solar is not None and solar.getYear() == year:
            return date(solar.getYear(), solar.getMonth(), solar.getDay())
    return None


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The ``n``-th ``weekday`` (0 = Monday) of a month (母亲节 = 2nd Sunday of May)."""
    first = date(year, month, 1)
    offset = (weekday - first.weekday()) % 7
    return first + timedelta(days=offset + 7 * (n - 1))


def holiday_date(spec: HolidaySpec, year: int) -> date | None:
    """The day of holiday ``spec`` in Gregorian ``year`` (``None`` if it has none that year)."""
    return _holiday_date(spec.calendar, spec.month, spec.day, spec.term, spec.weekday, spec.n, spec.offset, year)


@lru_cache(maxsize=4096)
def _holiday_date(
    kind: str,
    month: int | None,
    day: int | None,
    term: str | None,
    weekday: int | None,
    n: int | None,
    offset: int,
    year: int,
) -> date | None:
    base: date | None
    if kind == "solar":
        base = date(year, month or 1, day or 1)
    elif kind == "nth_weekday":
        base = _nth_weekday(year, month or 1, weekday or 0, n or 1)
    elif kind == "term":
        base = _term_date(term or "", year)
    else:
        # A lunar date falls in Gregorian year Y either in lunar year Y or (for the
        # 12th lunar month, 腊八 and 小年) in lunar year Y-1; 除夕 is 春节 minus a day.
        for lunar_year in (year, year - 1):
            solar = Lunar.fromYmd(lunar_year, month or 1, day or 1).getSolar()
            candidate = date(solar.getYear(), solar.getMonth(), solar.getDay()) + timedelta(days=offset)
            if candidate.year == year:
                return candidate
        return None
    return base + timedelta(days=offset) if base is not None else None


def nearest_occurrence(spec: HolidaySpec, ref: date) -> date | None:
    """The occurrence of ``spec`` nearest to ``ref`` (this year's, last year's or next year's)."""
    found = [d for y in (ref.year - 1, ref.year, ref.year + 1) if (d := holiday_date(spec, y)) is not None]
    return min(found, key=lambda d: abs((d - ref).days)) if found else None


def holiday_period(spec: HolidaySpec, day: date) -> HolidayPeriod:
    """The break around the holiday on ``day``: the official run of days off, else ``spec.days`` days."""
    if is_day_off(day):
        name = _official(day)
        start = end = day
        while _official(start - timedelta(days=1)) == name:
            start -= timedelta(days=1)
        while _official(end + timedelta(days=1)) == name:
            end += timedelta(days=1)
        return HolidayPeriod(start, end + timedelta(days=1), True)
    return HolidayPeriod(day, day + timedelta(days=max(1, spec.days)), False)
