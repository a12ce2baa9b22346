"""Resolve the named groups of a date match to an interval, against the document date and the narrative.

The narrative is what the text has said so far: a bare ``10 月`` takes its year from
the last year spoken of earlier in the paragraph (``2024年1月 ... 10 月`` = 2024-10),
a bare ``27日`` its month, ``次日`` its day; ``上年同期`` shifts the last period
spoken of in the document; ``六年后`` right after ``六年前`` counts from that earlier
time rather than from the document date.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import NamedTuple

from pipeline.dates import holidays
from pipeline.dates.calendar import (
    GRAIN_ORDER,
    Interval,
    add_months,
    apply_duration,
    day_interval,
    finest,
    iso,
    iso_duration,
    midnight,
    month_interval,
    quarter_interval,
    safe_date,
    week_interval,
    year_interval,
)
from pipeline.numerals import digit_string, to_int
from pipeline.records import DateValue
from pipeline.rulebook.schemas.dates import DateRule, DatesFile, HolidaySpec, PartSpec, RelativeWord

Groups = Mapping[str, str | None]

_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 5}
_AFTER_WORDS = ("后", "以后", "之后", "过后", "未来", "今后")
# How far a bare month may lie after the document's month before it is read as last year's.
_FUTURE_MONTHS = 6
# Letters typed for 〇 in years (二O一九年).
_ZERO_LOOKALIKES = str.maketrans({"O": "〇", "o": "〇", "О": "〇", "Ｏ": "〇"})
_FRACTION_DOWN = {"year": ("month", 12), "month": ("day", 30), "week": ("day", 7), "day": ("hour", 24)}


class Unresolvable(ValueError):
    """The expression cannot be pinned down (no anchor, impossible date)."""


class Resolved(NamedTuple):
    """A resolved atom or composition: the record value plus what compositions need (a named tuple: see ``Atom``)."""

    value: DateValue
    interval: Interval | None = None
    parts: Mapping[str, float] | None = None
    explicit_year: bool = False
    now: bool = False
    relative: bool = False


@dataclass(slots=True)
class Narrative:
    """What the text has said so far.

    ``year``/``month``/``day`` and ``last`` hold within a paragraph; ``period`` (the
    last explicit year, half, quarter or month) and ``report`` (the last report
    period) hold for the whole document.
    """

    paragraph: int = -1
    year: int | None = None
    month: int | None = None
    day: date | None = None
    last: Interval | None = None
    last_sentence: int = -1
    sentence: int = 0
    period: Interval | None = None
    report: Interval | None = None
    seen: list[Interval] = field(default_factory=list)

    def new_paragraph(self, index: int) -> None:
        """Forget the paragraph-level anchors (a new paragraph starts its own story)."""
        self.paragraph = index
        self.year = self.month = None
        self.day = None
        self.last = None
        self.last_sentence = -1


@lru_cache(maxsize=4096)
def _small_number(text: str) -> int | None:
    """A month, day, hour or count as written (``十二``, ``08``, ``二〇``); ``None`` when it is none.

    Pure and called for nearly every date, with few distinct inputs: cached.
    """
    text = text.strip()
    value = to_int(text)
    if value is None:
        value = digit_string(text)
    return value


def point(iv: Interval, *, explicit_year: bool = False) -> Resolved:
    """A point value of an interval."""
    return Resolved(
        DateValue("point", iso(iv.start), iso(iv.end), iv.grain, iv.fuzzy),  # type: ignore[arg-type]
        iv,
        explicit_year=explicit_year,
    )


class DateResolver:
    """Turns the named groups of a match into a :class:`Resolved` value."""

    def __init__(self, rules: DatesFile) -> None:
        self.relative: Mapping[str, RelativeWord] = rules.relative
        self.parts: Mapping[str, PartSpec] = rules.parts
        self.day_parts = rules.day_parts
        self.units: Mapping[str, str] = rules.units
        self.holiday_parts = rules.holiday_parts
        self.holidays: dict[str, HolidaySpec] = {}
        for spec in rules.holidays:
            for name in (*spec.names, *spec.weak_names):
                self.holidays[name] = spec

    # -- entry point ----------------------------------------------------------
    def resolve(self, rule: DateRule, groups: Groups, ref: datetime | None, story: Narrative) -> Resolved:
        """Resolve one match; raises :class:`Unresolvable` when it cannot be pinned."""
        how = rule.resolve
        if how == "now":
            iv = day_interval(self._need(ref, "'now'").date()).with_fuzzy(bool(rule.params.get("fuzzy")))
            res = point(iv)
            return Resolved(res.value, iv, now=True)
        if how == "fuzzy":
            end = day_interval(self._need(ref, "a fuzzy date").date()).end
            days = int(rule.params.get("days", 14))
            iv = Interval(end - timedelta(days=days + 1), end, "day", True)
            return point(iv)
        if how == "duration":
            return self._duration(groups, rule)
        if how == "offset":
            return self._offset(rule, groups, ref, story)
        if how == "holiday":
            return self._holiday(groups, ref, story)
        if how == "same_period":
            return self._same_period(rule, groups, ref, story)
        if how == "report_period":
            base = story.report or story.period
            if base is None:
                raise Unresolvable("no report period spoken of before")
            if rule.params.get("at") == "end":
                return point(day_interval(base.end.date() - timedelta(days=1)))
            return point(base)
        if how == "decade":
            return self._decade(groups, ref)
        if rule.params.get("kind") == "range":
            return self._compact_range(groups, ref, story)
        if rule.params.get("kind") == "recurring":
            return self._recurring(groups, ref)
        iv = self.calendar(groups, ref, story)
        if rule.params.get("fuzzy"):
            iv = iv.with_fuzzy()
        res = point(iv, explicit_year=bool(groups.get("year")))
        if groups.get("rel") or groups.get("weekday") or groups.get("weekrel"):
            res = Resolved(res.value, iv, explicit_year=res.explicit_year, relative=True)
        return res

    def _compact_range(self, groups: Groups, ref: datetime | None, story: Narrative) -> Resolved:
        """A range written in one piece (2025年1-6月, 3月5日-7日): the end takes what it omits from the start."""
        first_groups = {k: v for k, v in groups.items() if not k.endswith("2")}
        second_groups = {k[:-1]: v for k, v in groups.items() if k.endswith("2") and v}
        first = self.calendar(first_groups, ref, story)
        explicit = bool(second_groups.get("year"))
        if not second_groups.get("year") and not second_groups.get("rel"):
            second_groups["year"] = str(first.start.year)
        if not second_groups.get("month") and second_groups.get("day"):
            second_groups["month"] = str(first.start.month)
        second = self.calendar(second_groups, ref, story)
        start = point(first, explicit_year=bool(groups.get("year")))
        return combine_range(start, point(second, explicit_year=explicit))

    def _recurring(self, g: Groups, ref: datetime | None) -> Resolved:
        """每周三, 每月15日, 每年3月: the first occurrence on or after the document date."""
        ref_ = self._need(ref, "a recurring date")
        today = ref_.date()
        if g.get("weekday"):
            days_ahead = (_WEEKDAYS[str(g["weekday"])] - today.weekday()) % 7
            iv = day_interval(today + timedelta(days=days_ahead))
        elif g.get("month"):
            month = self._small(g.get("month")) or 1
            day = self._small(g.get("day"))
            this_year = day_interval(safe_date(today.year, month, day)) if day else month_interval(today.year, month)
            iv = this_year if this_year.end.date() > today else this_year.shifted_years(1)
        else:
            iv = self._next_day_of_month(today, self._small(g.get("day")) or 1)
        value = DateValue("recurring", iso(iv.start), iso(iv.end), iv.grain, False)  # type: ignore[arg-type]
        return Resolved(value, iv)

    @staticmethod
    def _next_day_of_month(today: date, day: int) -> Interval:
        """The next day numbered ``day`` on or after ``today`` (skipping months too short for it)."""
        this_month = today.replace(day=1)
        for months in range(13):
            first = add_months(this_month, months)
            try:
                candidate = day_interval(date(first.year, first.month, day))
            except ValueError:
                continue
            if candidate.end.date() > today:
                return candidate
        raise Unresolvable(f"no month has a day {day}")

    @staticmethod
    def _need(ref: datetime | None, what: str) -> datetime:
        if ref is None:
            raise Unresolvable(f"{what} needs a document date")
        return ref

    # -- years ---------------------------------------------------------------
    @staticmethod
    def parse_year(text: str, ref: datetime | None = None) -> int:
        """A year written in digits (2025, ２０２５), digit by digit (二〇二五) or as 2 digits (18年)."""
        value = digit_string(text.strip().translate(_ZERO_LOOKALIKES))
        if value is None:
            raise Unresolvable(f"bad year {text!r}")
        if len(text.strip()) == 2:
            # 18年4月: two-digit years are this century unless that is well after the document.
            this_year = ref.year if ref is not None else 2000 + value
            value += 2000 if 2000 + value <= this_year + 5 else 1900
        return value

    def _relative_year(self, word: RelativeWord, ref: datetime | None, story: Narrative) -> int:
        if word.anchor == "narrative" and story.year is not None:
            return story.year + word.offset
        return self._need(ref, "a relative year").year + word.offset

    def _year_for(self, g: Groups, ref: datetime | None, story: Narrative, first_month: int | None) -> int:
        """The year of a date that may not say it: explicit, relative, from the story, or near the document date."""
        if g.get("year"):
            return self.parse_year(str(g["year"]), ref)
        rel = self.relative.get(g.get("rel") or "")
        if rel is not None and rel.unit == "year":
            return self._relative_year(rel, ref, story)
        if story.year is not None:
            return story.year
        ref = self._need(ref, "a date without a year")
        year = ref.year
        if first_month is not None and first_month - ref.month >= _FUTURE_MONTHS:
            # An article from January that mentions 11月 means last November.
            year -= 1
        return year

    # -- the calendar resolver -----------------------------------------------
    def calendar(self, g: Groups, ref: datetime | None, story: Narrative) -> Interval:
        """Resolve year/month/day/time, relative words, quarters and parts of periods."""
        rel = self.relative.get(g.get("rel") or "")
        month = self._small(g.get("month"))
        day = self._small(g.get("day"))
        if g.get("weekday") or (rel is not None and rel.unit == "week") or g.get("weekrel"):
            return self._week(g, ref, rel)
        if rel is not None and rel.unit == "day":
            anchor = story.day if rel.anchor == "narrative" and story.day is not None else None
            base = anchor or self._need(ref, "a relative day").date()
            return self._time_of_day(day_interval(base + timedelta(days=rel.offset)), g)
        if rel is not None and rel.unit == "month":
            if rel.anchor == "narrative" and story.year is not None and story.month is not None:
                base_month = date(story.year, story.month, 1)
            else:
                base_month = self._need(ref, "a relative month").date().replace(day=1)
            start = add_months(base_month, rel.offset)
            if day is not None:
                return self._time_of_day(day_interval(safe_date(start.year, start.month, day)), g)
            return self._apply_part(month_interval(start.year, start.month), g.get("part"), ref, story)
        if rel is not None and rel.unit == "quarter":
            ref_ = self._need(ref, "a relative quarter")
            q_start = add_months(date(ref_.year, 3 * ((ref_.month - 1) // 3) + 1, 1), 3 * rel.offset)
            return quarter_interval(q_start.year, (q_start.month - 1) // 3 + 1)
        if month is None and day is not None and not g.get("year") and rel is None:
            # A bare 27日: the month from the story, else the document's month.
            if story.month is not None and story.year is not None:
                year, month = story.year, story.month
            else:
                ref_ = self._need(ref, "a bare day")
                year, month = ref_.year, ref_.month
            return self._time_of_day(day_interval(safe_date(year, month, day)), g)
        if month is None and day is None and not g.get("year") and rel is None and not g.get("quarter"):
            if g.get("hour") or g.get("daypart"):
                # A time alone (下午3点): on the day last spoken of, else the document's day.
                base_day = story.day or self._need(ref, "a time of day").date()
                return self._time_of_day(day_interval(base_day), g)
            if g.get("half"):
                return self._half(g, ref, story)
            if g.get("part"):
                return self._bare_part(str(g["part"]), ref, story)
            raise Unresolvable("nothing to resolve")
        if g.get("quarter"):
            q = self._small(g.get("quarter")) or 1
            if not 1 <= q <= 4:
                raise Unresolvable(f"no quarter {q}")
            year = self._year_for(g, ref, story, 3 * (q - 1) + 1)
            return self._apply_part(quarter_interval(year, q), g.get("part"), ref, story)
        if g.get("half"):
            return self._half(g, ref, story)
        if month is None:
            part = g.get("part")
            spec = self.parts.get(part or "")
            if spec is not None and spec.report and not g.get("year") and rel is None and story.year is None:
                return self._bare_part(str(part), ref, story)
            year = self._year_for(g, ref, story, None)
            return self._apply_part(year_interval(year), part, ref, story)
        if not 1 <= month <= 12:
            raise Unresolvable(f"no month {month}")
        year = self._year_for(g, ref, story, month)
        if day is None:
            if g.get("daypart") or g.get("hour"):
                raise Unresolvable("a time of day needs a day")
            return self._apply_part(month_interval(year, month), g.get("part"), ref, story)
        return self._time_of_day(day_interval(safe_date(year, month, day)), g)

    @staticmethod
    def _small(text: str | None) -> int | None:
        if not text:
            return None
        return _small_number(text)

    def _half(self, g: Groups, ref: datetime | None, story: Narrative) -> Interval:
        half = self._small(g.get("half")) or 1
        year = self._year_for(g, ref, story, 1 if half == 1 else 7)
        start = date(year, 1 if half == 1 else 7, 1)
        return Interval(midnight(start), midnight(add_months(start, 6)), "half")

    def _bare_part(self, part: str, ref: datetime | None, story: Narrative) -> Interval:
        """年底, 月初, 下旬, 半年报 with no year or month: the story's, else the document's."""
        spec = self.parts.get(part)
        if spec is None:
            raise Unresolvable(f"unknown part {part!r}")
        if spec.of in ("month", "day"):
            if story.year is not None and story.month is not None:
                base = month_interval(story.year, story.month)
            else:
                ref_ = self._need(ref, "a part of a month")
                base = month_interval(ref_.year, ref_.month)
            return self._apply_part(base, part, ref, story)
        if story.year is not None:
            return self._apply_part(year_interval(story.year), part, ref, story)
        ref_ = self._need(ref, "a part of a year")
        result = self._apply_part(year_interval(ref_.year), part, ref, story)
        if spec.report and result.end > ref_:
            # A report (半年报) is published after its period: the latest that had ended.
            result = self._apply_part(year_interval(ref_.year - 1), part, ref, story)
        return result

    def _apply_part(self, base: Interval, part: str | None, ref: datetime | None, story: Narrative) -> Interval:
        if not part:
            return base
        spec = self.parts.get(part)
        if spec is None:
            raise Unresolvable(f"unknown part {part!r}")
        if spec.of in ("month", "day") and base.grain in ("year", "quarter"):
            # 今年底, 一季度末: a short part word after a year or a quarter is a part of it.
            spec = self.parts.get(("年" if base.grain == "year" else "季") + part, spec)
        if spec.of == "year":
            start = date(base.start.year, spec.start, 1)
            end = date(base.start.year + 1, 1, 1) if spec.to_end else add_months(start, spec.length or 1)
        elif spec.of == "quarter":
            start = add_months(base.start.date(), spec.start - 1)
            end = add_months(base.start.date(), 3) if spec.to_end else add_months(start, spec.length or 1)
        elif spec.of == "month":
            month_start = base.start.date().replace(day=1)
            start = month_start.replace(day=spec.start)
            end = add_months(month_start, 1) if spec.to_end else start + timedelta(days=spec.length or 1)
        else:
            return base
        return Interval(midnight(start), midnight(end), spec.grain, spec.fuzzy or base.fuzzy)

    def _time_of_day(self, day: Interval, g: Groups) -> Interval:
        hour = self._small(g.get("hour"))
        spec = self.day_parts.get(g.get("daypart") or "")
        if hour is None:
            if spec is None:
                return day
            return Interval(
                day.start + timedelta(hours=spec.start), day.start + timedelta(hours=spec.end), "hour", True
            )
        if hour > 24:
            raise Unresolvable(f"no hour {hour}")
        if spec is not None and spec.shift and hour < 12:
            hour += spec.shift
        minute = self._small(g.get("minute"))
        if g.get("halfhour"):
            minute = 30
        elif g.get("quarterhour"):
            minute = 45 if "三" in str(g["quarterhour"]) else 15
        second = self._small(g.get("second"))
        if (minute is not None and minute > 59) or (second is not None and second > 59):
            raise Unresolvable("minute or second out of range")
        start = day.start + timedelta(hours=hour, minutes=minute or 0, seconds=second or 0)
        if second is not None:
            return Interval(start, start + timedelta(seconds=1), "second")
        if minute is None:
            return Interval(start, start + timedelta(hours=1), "hour")
        return Interval(start, start + timedelta(minutes=1), "minute")

    def _week(self, g: Groups, ref: datetime | None, rel: RelativeWord | None) -> Interval:
        ref_ = self._need(ref, "a weekday")
        offset = 0
        weekrel = self.relative.get(g.get("weekrel") or "")
        if weekrel is not None:
            offset = weekrel.offset
        elif rel is not None:
            offset = rel.offset
        monday = ref_.date() - timedelta(days=ref_.weekday()) + timedelta(weeks=offset)
        weekday = g.get("weekday")
        if weekday == "末":
            saturday = monday + timedelta(days=5)
            return Interval(midnight(saturday), midnight(saturday + timedelta(days=2)), "day")
        if weekday:
            return self._time_of_day(day_interval(monday + timedelta(days=_WEEKDAYS[weekday])), g)
        return week_interval(monday)

    # -- durations and offsets -------------------------------------------------
    def count(self, text: str | None) -> float:
        """A count: 3, 三, 两, 十二, 半."""
        if text == "半":
            return 0.5
        value = self._small(text or "")
        if value is None:
            raise Unresolvable(f"bad count {text!r}")
        return float(value)

    def duration_parts(self, g: Groups) -> dict[str, float]:
        """``{unit: amount}`` of a duration match (两年零三个月 -> year 2, month 3)."""
        parts: dict[str, float] = {}
        for n_key, unit_key in (("n", "unit"), ("n2", "unit2")):
            if not g.get(n_key):
                continue
            unit_text = str(g.get(unit_key) or "").strip()
            unit = self.units.get(unit_text, "day")
            n = self.count(g[n_key])
            if n_key == "n" and (g.get("plushalf") or g.get("plushalf2") or "半" in unit_text):
                # 一年半, 两个半月: half a unit more.
                n += 0.5
            add_parts(parts, unit, n)
        if not parts:
            raise Unresolvable("empty duration")
        return parts

    def _duration(self, g: Groups, rule: DateRule) -> Resolved:
        parts = self.duration_parts(g)
        plain = {("day" if u in ("workday", "tradingday") else u): n for u, n in parts.items()}
        grain = max(plain, key=lambda u: GRAIN_ORDER.index(u) if u in GRAIN_ORDER else 6)
        fuzzy = (
            bool(g.get("more") or g.get("more2")) or "多" in str(g.get("unit") or "") or bool(rule.params.get("fuzzy"))
        )
        merged: dict[str, float] = {}
        for u, n in plain.items():
            merged[u] = merged.get(u, 0) + n
        value = DateValue("duration", None, None, grain, fuzzy, iso_duration(merged))  # type: ignore[arg-type]
        return Resolved(value, None, parts)

    def move(self, start: datetime, parts: Mapping[str, float], sign: int = 1) -> datetime:
        """``start`` moved by a duration; working and trading days follow the official calendar."""
        plain = {u: n for u, n in parts.items() if u not in ("workday", "tradingday")}
        moved = apply_duration(start, plain, sign)
        for unit in ("workday", "tradingday"):
            if unit in parts:
                day = holidays.add_business_days(moved.date(), sign * int(parts[unit]), trading=unit == "tradingday")
                moved = datetime.combine(day, moved.time())
        return moved

    def _offset(self, rule: DateRule, g: Groups, ref: datetime | None, story: Narrative) -> Resolved:
        ref_ = self._need(ref, "an offset")
        unit = self.units.get(str(g.get("unit") or "").strip(), "day")
        parts = self.duration_parts(g)
        direction = str(g.get("dir") or "")
        sign = 1 if direction in _AFTER_WORDS else -1
        today = day_interval(ref_.date())
        if rule.params.get("mode") == "span":
            if sign < 0:
                start = self.move(today.start, parts, -1)
                return Resolved(
                    DateValue("range", iso(start), iso(today.end), "day", False), Interval(start, today.end, "day")
                )
            end = self.move(today.end, parts, 1)
            return Resolved(
                DateValue("range", iso(today.start), iso(end), "day", False), Interval(today.start, end, "day")
            )
        anchor = today.start
        fuzzy = unit in ("year", "month", "quarter")
        if (
            sign > 0
            and story.last is not None
            and story.last.end <= today.start
            and story.sentence - story.last_sentence <= 1
        ):
            # 六年前 ... 。六年后: counted from the time just told, not from the document date.
            anchor = story.last.start
        target = self.move(anchor, parts, sign)
        if unit == "year":
            iv = year_interval(target.year).with_fuzzy(fuzzy)
        elif unit in ("month", "quarter"):
            iv = month_interval(target.year, target.month).with_fuzzy(fuzzy)
        elif unit in ("hour", "minute"):
            base = ref_ if anchor == today.start else anchor
            moved = self.move(base, parts, sign)
            iv = Interval(
                moved, moved + timedelta(hours=1) if unit == "hour" else moved + timedelta(minutes=1), unit, True
            )
        else:
            iv = day_interval(target.date())
        return point(iv)

    # -- holidays, periods, decades ---------------------------------------------
    def _holiday(self, g: Groups, ref: datetime | None, story: Narrative) -> Resolved:
        name = str(g.get("holiday") or "")
        spec = self.holidays.get(name)
        if spec is None:
            raise Unresolvable(f"unknown holiday {name!r}")
        day: date | None
        explicit = bool(g.get("year"))
        rel = self.relative.get(g.get("rel") or "")
        if g.get("year") or (rel is not None and rel.unit == "year") or story.year is not None:
            year = self._year_for(g, ref, story, None)
            day = holidays.holiday_date(spec, year)
        else:
            day = holidays.nearest_occurrence(spec, self._need(ref, "a holiday without a year").date())
        if day is None:
            raise Unresolvable(f"{name} has no date that year")
        part = self.holiday_parts.get(g.get("hpart") or "")
        mode = part.mode if part is not None else "day"
        if mode == "break":
            period = holidays.holiday_period(spec, day)
            iv = Interval(midnight(period.start), midnight(period.end), "day", not period.official and spec.days > 1)
        elif mode == "before":
            iv = Interval(midnight(day - timedelta(days=part.days if part else 3)), midnight(day), "day", True)
        elif mode == "after":
            iv = Interval(
                midnight(day + timedelta(days=1)),
                midnight(day + timedelta(days=1 + (part.days if part else 3))),
                "day",
                True,
            )
        elif mode == "around":
            days = part.days if part else 3
            iv = Interval(midnight(day - timedelta(days=days)), midnight(day + timedelta(days=days + 1)), "day", True)
        else:
            iv = day_interval(day)
        return point(iv, explicit_year=explicit)

    def _same_period(self, rule: DateRule, g: Groups, ref: datetime | None, story: Narrative) -> Resolved:
        """上年同期: the period last spoken of, ``params.years`` earlier; 2019年同期: that period in 2019."""
        target = self.parse_year(str(g["year"]), ref) if g.get("year") else None
        years = int(rule.params.get("years", -1))
        if story.period is not None:
            if target is not None:
                years = target - story.period.start.year
            return point(story.period.shifted_years(years))
        if target is not None:
            return point(year_interval(target).with_fuzzy())
        ref_ = self._need(ref, "同期 without an earlier period")
        return point(year_interval(ref_.year + years).with_fuzzy())

    def _decade(self, g: Groups, ref: datetime | None) -> Resolved:
        decade = self._small(g.get("decade"))
        if decade is None or decade % 10 or decade >= 100:
            raise Unresolvable(f"bad decade {g.get('decade')!r}")
        century_word = str(g.get("century") or "")
        if century_word in ("上世纪", "上个世纪", "20世纪", "二十世纪"):
            start_year = 1900 + decade
        elif century_word in ("本世纪", "21世纪", "二十一世纪"):
            start_year = 2000 + decade
        else:
            this_year = ref.year if ref is not None else 2000 + decade
            start_year = 2000 + decade if 2000 + decade <= this_year else 1900 + decade
        start, end, fuzzy = start_year, start_year + 10, False
        part = g.get("part") or ""
        if part == "初":
            end, fuzzy = start_year + 3, True
        elif part in ("中期", "中"):
            start, end, fuzzy = start_year + 3, start_year + 7, True
        elif part in ("末", "末期"):
            start, fuzzy = start_year + 7, True
        iv = Interval(datetime(start, 1, 1), datetime(end, 1, 1), "year", fuzzy)
        return Resolved(DateValue("range", iso(iv.start), iso(iv.end), "year", fuzzy), iv)


def add_parts(parts: dict[str, float], unit: str, n: float) -> None:
    """Add ``n`` ``unit`` to a duration, in whole units where it can (一年半 = 1 year 6 months)."""
    if unit == "quarter":
        unit, n = "month", n * 3
    if unit == "half":
        unit, n = "month", n * 6
    while not float(n).is_integer() and unit in _FRACTION_DOWN:
        smaller, factor = _FRACTION_DOWN[unit]
        whole = int(n)
        if whole:
            parts[unit] = parts.get(unit, 0) + whole
        unit, n = smaller, (n - whole) * factor
    parts[unit] = parts.get(unit, 0) + n


def combine_range(a: Resolved, b: Resolved) -> Resolved:
    """``a`` to ``b``; a ``b`` that says no year and falls before ``a`` is in the next year."""
    if a.interval is None or b.interval is None:
        raise Unresolvable("a range needs two dated ends")
    second = b.interval
    if not b.explicit_year and not b.now and second.start < a.interval.start:
        nudged = second.shifted_years(1)
        if nudged.start >= a.interval.start:
            second = nudged
    if second.end <= a.interval.start:
        raise Unresolvable("range ends before it starts")
    grain = finest(a.interval.grain, second.grain) if not b.now else a.interval.grain
    fuzzy = a.interval.fuzzy or (second.fuzzy and not b.now)
    iv = Interval(a.interval.start, second.end, grain, fuzzy)
    return Resolved(DateValue("range", iso(iv.start), iso(iv.end), grain, fuzzy), iv)  # type: ignore[arg-type]


def since(a: Resolved, after: bool = False) -> Resolved:
    """From ``a`` on (after ``a`` when ``after``), open end."""
    if a.interval is None:
        raise Unresolvable("since needs a dated start")
    start = a.interval.end if after else a.interval.start
    return Resolved(DateValue("since", iso(start), None, a.interval.grain, a.interval.fuzzy), None)  # type: ignore[arg-type]


def until(a: Resolved, inclusive: bool = False) -> Resolved:
    """Up to ``a`` (through ``a`` when ``inclusive``), open start."""
    if a.interval is None:
        raise Unresolvable("until needs a dated end")
    end = a.interval.end if inclusive else a.interval.start
    return Resolved(DateValue("until", None, iso(end), a.interval.grain, a.interval.fuzzy), None)  # type: ignore[arg-type]


def same(a: Resolved, b: Resolved | None = None) -> Resolved:
    """``a``, or the better of ``a`` and a parenthesised ``b``: the finer, else the explicit one (昨天（9月2日）)."""
    if b is None or b.interval is None or a.interval is None:
        return a
    finer_a, finer_b = GRAIN_ORDER.index(a.interval.grain), GRAIN_ORDER.index(b.interval.grain)
    if finer_b > finer_a or (finer_b == finer_a and a.relative and not b.relative):
        return b
    return a


def period_ending(resolver: DateResolver, a: Resolved, parts: Mapping[str, float]) -> Resolved:
    """A period of ``parts`` that ends with ``a`` (截至2019年9月30日止6个月 = 2019-04-01..2019-10-01)."""
    if a.interval is None:
        raise Unresolvable("a period needs a dated end")
    end = a.interval.end
    start = resolver.move(end, parts, -1)
    grain = max((u for u in parts if u in GRAIN_ORDER), key=GRAIN_ORDER.index, default="day")
    iv = Interval(start, end, grain, a.interval.fuzzy)
    return Resolved(DateValue("range", iso(start), iso(end), grain, iv.fuzzy), iv)  # type: ignore[arg-type]


def window(
    resolver: DateResolver, a: Resolved, delay: Mapping[str, float] | None, length: Mapping[str, float]
) -> Resolved:
    """From ``a`` plus ``delay`` for ``length`` (公告之日起15个交易日后的6个月内)."""
    if a.interval is None:
        raise Unresolvable("a window needs a dated start")
    start = a.interval.start
    if delay:
        start = resolver.move(start, delay, 1)
    end = resolver.move(start, length, 1)
    iv = Interval(start, end, "day", a.interval.fuzzy)
    return Resolved(DateValue("range", iso(start), iso(end), "day", iv.fuzzy), iv)
