"""The dates stage: find date and time expressions and resolve them to ISO intervals.

Rules (``kind: dates``) are patterns with named groups; this module reads the groups
and resolves them against the document date and the narrative: a bare ``10 月`` takes
its year from the last explicit year earlier in the same paragraph, else from the
document date. Every interval is end-exclusive.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import regex

from pipeline.numerals import digit_string, to_int
from pipeline.records import DateValue
from pipeline.rulebook.loader import Rulebook
from pipeline.rulebook.schemas.dates import DateRule, DatesFile, PartSpec, RelativeWord
from pipeline.stages.base import Candidate, StageContext, WorkDoc, stage_factory
from pipeline.textutil import compile_with_macros, paragraph_starts, select_non_overlapping

_GRAIN_ORDER = ["year", "half", "quarter", "month", "xun", "week", "day", "hour", "minute", "second"]
_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_ISO_UNITS = {"year": "Y", "month": "M", "week": "W", "day": "D", "workday": "D", "hour": "H", "minute": "M"}


def iso(dt: datetime | None) -> str | None:
    """Format a datetime as ``YYYY-MM-DDTHH:MM:SS`` (``None`` stays ``None``)."""
    return dt.strftime("%Y-%m-%dT%H:%M:%S") if dt is not None else None


def add_months(d: date, months: int) -> date:
    """Return the first day of the month ``months`` after the month of ``d``."""
    index = d.year * 12 + (d.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True, slots=True)
class Interval:
    """A resolved interval ``[start, end)`` at a grain."""

    start: datetime
    end: datetime
    grain: str
    fuzzy: bool = False


def year_interval(year: int) -> Interval:
    """The whole calendar year."""
    return Interval(datetime(year, 1, 1), datetime(year + 1, 1, 1), "year")


def month_interval(year: int, month: int) -> Interval:
    """The whole calendar month."""
    start = date(year, month, 1)
    return Interval(
        datetime.combine(start, datetime.min.time()),
        datetime.combine(add_months(start, 1), datetime.min.time()),
        "month",
    )


def day_interval(d: date) -> Interval:
    """The whole day."""
    start = datetime.combine(d, datetime.min.time())
    return Interval(start, start + timedelta(days=1), "day")


@dataclass(slots=True)
class Narrative:
    """What the text has said so far in the current paragraph (for bare months and days)."""

    paragraph: int = -1
    year: int | None = None
    month: int | None = None


class Unresolvable(ValueError):
    """The expression cannot be pinned down (no anchor, impossible date)."""


@dataclass(frozen=True, slots=True)
class CompiledDateRule:
    """A date rule with its compiled pattern."""

    rule: DateRule
    pattern: regex.Pattern[str]


class DateResolver:
    """Turns the named groups of a match into a :class:`DateValue`."""

    def __init__(self, rules: DatesFile) -> None:
        self.relative: Mapping[str, RelativeWord] = rules.relative
        self.parts: Mapping[str, PartSpec] = rules.parts
        self.ampm: Mapping[str, int] = rules.ampm
        self.units: Mapping[str, str] = rules.units

    # -- helpers ---------------------------------------------------------
    @staticmethod
    def _year(text: str) -> int:
        value = digit_string(text) if not text.isdigit() else int(text)
        if value is None:
            raise Unresolvable(f"bad year {text!r}")
        return value

    @staticmethod
    def _small(text: str | None) -> int | None:
        return to_int(text) if text else None

    def _anchor_year(
        self, groups: Mapping[str, str | None], ref: datetime | None, story: Narrative, month: int | None
    ) -> int:
        if groups.get("year"):
            return self._year(str(groups["year"]))
        rel = groups.get("rel")
        if rel and rel in self.relative and self.relative[rel].unit == "year":
            if ref is None:
                raise Unresolvable("relative year without a document date")
            return ref.year + self.relative[rel].offset
        if story.year is not None:
            return story.year
        if ref is None:
            raise Unresolvable("no year in the text and no document date")
        year = ref.year
        if month is not None and month - ref.month >= 6:
            # A month far after the document's own month is last year's (an article
            # from January that mentions 11月 means last November).
            year -= 1
        return year

    # -- resolvers -------------------------------------------------------
    def resolve(
        self, rule: DateRule, groups: Mapping[str, str | None], ref: datetime | None, story: Narrative
    ) -> DateValue:
        """Resolve one match; raises :class:`Unresolvable` when it cannot be pinned."""
        kind = rule.params.get("kind", "point")
        if rule.resolve == "now":
            if ref is None:
                raise Unresolvable("'now' without a document date")
            iv = day_interval(ref.date())
            return DateValue("point", iso(iv.start), iso(iv.end), "day", False)
        if rule.resolve == "fuzzy":
            if ref is None:
                raise Unresolvable("fuzzy date without a document date")
            days = int(rule.params.get("days", 14))
            end = day_interval(ref.date()).end
            return DateValue("point", iso(end - timedelta(days=days + 1)), iso(end), "day", True)
        if rule.resolve == "duration":
            return self._duration(groups)
        if rule.resolve == "offset":
            return self._offset(rule, groups, ref)
        first = self._calendar(groups, ref, story, suffix="")
        if kind == "range":
            second = self._calendar(groups, ref, story, suffix="2", inherit=first, inherit_groups=groups)
            grain = _finest(first.grain, second.grain)
            return DateValue("range", iso(first.start), iso(second.end), grain, first.fuzzy or second.fuzzy)  # type: ignore[arg-type]
        if kind == "since":
            return DateValue("since", iso(first.start), None, first.grain, first.fuzzy)  # type: ignore[arg-type]
        if kind == "until":
            end = first.end if rule.params.get("inclusive") else first.start
            return DateValue("until", None, iso(end), first.grain, first.fuzzy)  # type: ignore[arg-type]
        return DateValue("point", iso(first.start), iso(first.end), first.grain, first.fuzzy)  # type: ignore[arg-type]

    def _calendar(
        self,
        groups: Mapping[str, str | None],
        ref: datetime | None,
        story: Narrative,
        *,
        suffix: str,
        inherit: Interval | None = None,
        inherit_groups: Mapping[str, str | None] | None = None,
    ) -> Interval:
        g = {
            k[: -len(suffix)] if suffix and k.endswith(suffix) else k: v
            for k, v in groups.items()
            if (k.endswith(suffix) if suffix else not k.endswith("2"))
        }
        if suffix and inherit is not None:
            # The end of a range takes what it does not say from the start: 1-6月.
            if not g.get("year"):
                g["year"] = str(inherit.start.year)
            if not g.get("month") and g.get("day") and inherit_groups is not None:
                g["month"] = str(inherit.start.month)
        month = self._small(g.get("month"))
        day = self._small(g.get("day"))
        rel = g.get("rel")
        rel_word = self.relative.get(rel) if rel else None
        weekday = g.get("weekday")
        if weekday or (rel_word is not None and rel_word.unit == "week"):
            return self._week(g, ref, rel_word)
        if rel_word is not None and rel_word.unit == "day":
            if ref is None:
                raise Unresolvable("relative day without a document date")
            iv = day_interval(ref.date() + timedelta(days=rel_word.offset))
            return self._time_of_day(iv, g)
        if rel_word is not None and rel_word.unit == "month":
            if ref is None:
                raise Unresolvable("relative month without a document date")
            start = add_months(ref.date().replace(day=1), rel_word.offset)
            base = month_interval(start.year, start.month)
            if day is not None:
                base = day_interval(date(start.year, start.month, day))
            return self._apply_part(base, g)
        if month is None and day is not None and not g.get("year"):
            # A bare 27日: the month from the narrative, else the document's month.
            if story.month is not None and story.year is not None:
                year, month = story.year, story.month
            elif ref is not None:
                year, month = ref.year, ref.month
            else:
                raise Unresolvable("bare day without a month")
            return self._time_of_day(day_interval(_safe_date(year, month, day)), g)
        year_known = bool(g.get("year")) or (rel_word is not None and rel_word.unit == "year")
        if month is None and not year_known and not g.get("quarter"):
            raise Unresolvable("nothing to resolve")
        year = self._anchor_year(g, ref, story, month)
        if g.get("quarter"):
            q = self._small(g["quarter"]) or 1
            start = date(year, 3 * (q - 1) + 1, 1)
            return Interval(_dt(start), _dt(add_months(start, 3)), "quarter")
        if month is None:
            return self._apply_part(year_interval(year), g)
        if day is None:
            return self._apply_part(month_interval(year, month), g)
        return self._time_of_day(day_interval(_safe_date(year, month, day)), g)

    def _apply_part(self, base: Interval, g: Mapping[str, str | None]) -> Interval:
        part = g.get("part")
        if not part:
            return base
        spec = self.parts.get(part)
        if spec is None:
            raise Unresolvable(f"unknown part {part!r}")
        if spec.of == "year":
            start = date(base.start.year, spec.start, 1)
            end = date(base.start.year + 1, 1, 1) if spec.to_end else add_months(start, spec.length or 1)
        elif spec.of == "month":
            start = date(base.start.year, base.start.month, spec.start)
            end = base.end.date() if spec.to_end else start + timedelta(days=spec.length or 1)
        else:
            return base
        return Interval(_dt(start), _dt(end), spec.grain, spec.fuzzy)

    def _time_of_day(self, day: Interval, g: Mapping[str, str | None]) -> Interval:
        hour = self._small(g.get("hour"))
        if hour is None:
            return day
        shift = self.ampm.get(g.get("ampm") or "", 0)
        if shift and hour < 12:
            hour += shift
        minute = self._small(g.get("minute"))
        if g.get("halfhour"):
            minute = 30
        start = day.start + timedelta(hours=hour, minutes=minute or 0)
        if minute is None:
            return Interval(start, start + timedelta(hours=1), "hour")
        return Interval(start, start + timedelta(minutes=1), "minute")

    def _week(self, g: Mapping[str, str | None], ref: datetime | None, rel_word: RelativeWord | None) -> Interval:
        if ref is None:
            raise Unresolvable("week without a document date")
        offset = 0
        weekrel = g.get("weekrel")
        if weekrel and weekrel in self.relative:
            offset = self.relative[weekrel].offset
        elif rel_word is not None:
            offset = rel_word.offset
        monday = ref.date() - timedelta(days=ref.weekday()) + timedelta(weeks=offset)
        weekday = g.get("weekday")
        if weekday:
            return day_interval(monday + timedelta(days=_WEEKDAYS[weekday]))
        return Interval(_dt(monday), _dt(monday + timedelta(days=7)), "week")

    def _count(self, text: str | None) -> float:
        if text == "半":
            return 0.5
        value = to_int(text or "")
        if value is None:
            raise Unresolvable(f"bad count {text!r}")
        return float(value)

    def _duration(self, g: Mapping[str, str | None]) -> DateValue:
        parts: dict[str, float] = {}
        for n_key, unit_key in (("n", "unit"), ("n2", "unit2")):
            if not g.get(n_key):
                continue
            unit = self.units.get(str(g.get(unit_key)), "day")
            n = self._count(g[n_key])
            if unit == "year" and n == 0.5:
                unit, n = "month", 6
            if unit == "quarter":
                unit, n = "month", n * 3
            parts[unit] = parts.get(unit, 0) + n
        if not parts:
            raise Unresolvable("empty duration")
        grain = max(parts, key=lambda u: _GRAIN_ORDER.index("day" if u == "workday" else u))
        return DateValue("duration", None, None, "day" if grain == "workday" else grain, False, _iso_duration(parts))  # type: ignore[arg-type]

    def _offset(self, rule: DateRule, g: Mapping[str, str | None], ref: datetime | None) -> DateValue:
        if ref is None:
            raise Unresolvable("offset without a document date")
        unit = self.units.get(str(g.get("unit")), "day")
        n = self._count(g.get("n"))
        direction = str(g.get("dir") or "")
        sign = 1 if direction in ("后", "以后", "之后", "未来") else -1
        if rule.params.get("mode") == "span":
            today = day_interval(ref.date())
            start = _shift(today.start, unit, n * sign)
            if sign < 0:
                return DateValue("range", iso(start), iso(today.end), "day", False)
            return DateValue("range", iso(today.start), iso(start + timedelta(days=1)), "day", False)
        target = _shift(datetime.combine(ref.date(), datetime.min.time()), unit, n * sign)
        if unit == "year":
            iv = year_interval(target.year)
            return DateValue("point", iso(iv.start), iso(iv.end), "year", True)
        if unit == "month":
            iv = month_interval(target.year, target.month)
            return DateValue("point", iso(iv.start), iso(iv.end), "month", True)
        iv = day_interval(target.date())
        return DateValue("point", iso(iv.start), iso(iv.end), "day", False)


def _shift(start: datetime, unit: str, amount: float) -> datetime:
    if unit == "year":
        months = round(amount * 12)
        moved = add_months(start.date().replace(day=1), months)
        return datetime.combine(
            moved.replace(day=min(start.day, calendar.monthrange(moved.year, moved.month)[1])), start.time()
        )
    if unit in ("month", "quarter"):
        months = round(amount * (3 if unit == "quarter" else 1))
        moved = add_months(start.date().replace(day=1), months)
        return datetime.combine(
            moved.replace(day=min(start.day, calendar.monthrange(moved.year, moved.month)[1])), start.time()
        )
    if unit == "week":
        return start + timedelta(weeks=amount)
    if unit == "hour":
        return start + timedelta(hours=amount)
    return start + timedelta(days=amount)


def _iso_duration(parts: Mapping[str, float]) -> str:
    def fmt(n: float) -> str:
        return str(int(n)) if float(n).is_integer() else str(n)

    date_part = "".join(
        f"{fmt(parts[u])}{_ISO_UNITS[u]}" for u in ("year", "month", "week", "day", "workday") if u in parts
    )
    time_part = "".join(f"{fmt(parts[u])}{_ISO_UNITS[u]}" for u in ("hour", "minute") if u in parts)
    return "P" + date_part + ("T" + time_part if time_part else "")


def _finest(a: str, b: str) -> str:
    return a if _GRAIN_ORDER.index(a) >= _GRAIN_ORDER.index(b) else b


def _dt(d: date) -> datetime:
    return datetime.combine(d, datetime.min.time())


def _safe_date(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise Unresolvable(str(exc)) from None


class DateExtractor:
    """Finds date candidates with the compiled rules and resolves them in text order."""

    def __init__(self, rules: DatesFile) -> None:
        self.rules = rules
        self.compiled = [
            CompiledDateRule(r, compile_with_macros(r.pattern, rules.macros, rule_id=r.id)) for r in rules.rules
        ]
        self.resolver = DateResolver(rules)

    @classmethod
    def from_rulebook(cls, rulebook: Rulebook) -> DateExtractor:
        """Build the extractor from the merged ``dates`` rules."""
        rules = rulebook.get("dates")
        return cls(rules if isinstance(rules, DatesFile) else DatesFile(kind="dates"))

    def find(self, text: str) -> list[tuple[int, int, CompiledDateRule, dict[str, str | None]]]:
        """Return non-overlapping matches (longest first, then priority) in text order."""
        found: list[tuple[int, int, int, CompiledDateRule, dict[str, str | None]]] = []
        for compiled in self.compiled:
            for m in compiled.pattern.finditer(text, timeout=2.0):
                if m.end() > m.start():
                    found.append((m.start(), m.end(), compiled.rule.priority, compiled, m.groupdict()))
        chosen = select_non_overlapping(found, key=lambda f: (f[1] - f[0], f[2]))
        return [(s, e, c, g) for s, e, _p, c, g in sorted(chosen, key=lambda f: f[0])]

    def infer_doc_date(
        self, text: str, matches: list[tuple[int, int, CompiledDateRule, dict[str, str | None]]]
    ) -> datetime | None:
        """The latest absolute date in the text (an explicit year with month or day)."""
        latest: datetime | None = None
        for _s, _e, compiled, groups in matches:
            if not groups.get("year") or compiled.rule.resolve != "calendar":
                continue
            try:
                value = self.resolver.resolve(compiled.rule, groups, None, Narrative())
            except (Unresolvable, ValueError):
                continue
            stamp = value.start or value.end
            if stamp is None:
                continue
            when = datetime.fromisoformat(stamp)
            if latest is None or when > latest:
                latest = when
        return latest

    def extract(self, doc: WorkDoc) -> list[Candidate]:
        """Resolve every match of ``doc.text``; also infers the document date if unset."""
        text = doc.text
        matches = self.find(text)
        if doc.doc_date is None:
            inferred = self.infer_doc_date(text, matches)
            if inferred is not None:
                doc.doc_date = inferred
                doc.doc_date_origin = "text"
        paragraphs = paragraph_starts(text)
        story = Narrative()
        out: list[Candidate] = []
        para_index = 0
        for start, end, compiled, groups in matches:
            while para_index + 1 < len(paragraphs) and paragraphs[para_index + 1] <= start:
                para_index += 1
            if para_index != story.paragraph:
                story = Narrative(paragraph=para_index)
            try:
                value = self.resolver.resolve(compiled.rule, groups, doc.doc_date, story)
                confidence = 0.9 if value.fuzzy else 1.0
            except (Unresolvable, ValueError) as exc:
                doc.note("dates", "unresolved", compiled.rule.id, (start, end), str(exc))
                value = DateValue("point", None, None, "day", True)
                confidence = 0.3
            _remember(story, groups, value)
            out.append(
                Candidate("DATE", start, end, value, f"rule:{compiled.rule.id}", compiled.rule.priority, confidence)
            )
        return out


def _remember(story: Narrative, groups: Mapping[str, Any], value: DateValue) -> None:
    """Update the narrative with the year and month this mention pinned down."""
    if value.start is None or value.kind == "duration":
        return
    when = datetime.fromisoformat(value.start)
    if groups.get("year") or groups.get("month") or groups.get("rel"):
        story.year = when.year
    if groups.get("month") or groups.get("day"):
        story.month = when.month


@stage_factory("dates")
def make_dates_stage(context: StageContext) -> DatesStage:
    """Build the dates stage from the ``dates`` rules."""
    return DatesStage(DateExtractor.from_rulebook(context.rulebook))


class DatesStage:
    """Adds DATE candidates; sets the document date from the text when none was given."""

    name = "dates"
    requires: tuple[str, ...] = ("text",)
    assigns: tuple[str, ...] = ("candidates", "doc_date")

    def __init__(self, extractor: DateExtractor) -> None:
        self.extractor = extractor

    def __call__(self, doc: WorkDoc) -> None:
        """Find and resolve the dates of ``doc``."""
        doc.candidates.extend(self.extractor.extract(doc))


__all__ = ["DateExtractor", "DateResolver", "DatesStage", "Interval", "iso"]
