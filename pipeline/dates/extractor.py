"""Find date expressions in two passes and resolve them in text order.

1. *Atoms*: every ``rules`` pattern runs over the text; overlapping matches are
   settled longest first, then by priority. Each atom is resolved in text order, so
   the narrative (the year, month and day the text last spoke of) is up to date.
2. *Compositions*: the text is rewritten as a *skeleton* in which each atom is one
   private-use character (``{D}`` a date, ``{DUR}`` a duration, ``{NOW}`` 目前/至今),
   and the ``compositions`` patterns run over it: ``{D}至{D}`` is a range,
   ``截至{D}`` an inclusive until, ``截至{D}止{DUR}`` a period ending then. One rule
   for ranges thus covers every pair of date forms.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

import regex

from pipeline.dates.calendar import GRAIN_ORDER
from pipeline.dates.resolver import (
    DateResolver,
    Narrative,
    Resolved,
    Unresolvable,
    combine_range,
    period_ending,
    same,
    since,
    until,
    window,
)
from pipeline.errors import ErrorCode, RuleError
from pipeline.records import DateValue
from pipeline.rulebook.loader import Rulebook
from pipeline.rulebook.patterns import PatternGate, SafePattern, active_scope, scan_each
from pipeline.rulebook.schemas.dates import CompositionRule, DateRule, DatesFile
from pipeline.rulebook.yamlsrc import line_of
from pipeline.textutil import compile_with_macros, paragraph_starts, select_non_overlapping

POINT, DURATION, NOW = "\ue000", "\ue001", "\ue002"
SKELETON_MACROS = {"D": f"[{POINT}{NOW}]", "DUR": DURATION, "NOW": NOW}
# Sentence ends; an ASCII "?" is left out: in damaged Chinese text it marks lost bytes.
_SENTENCE_ENDS = "。！？!；;\n"
_COMPOSITION_PRIORITY = 10
_MONTH = GRAIN_ORDER.index("month")
_DAY = GRAIN_ORDER.index("day")
_UNRESOLVED = DateValue("point", None, None, "day", True)


# Atom, Found and Resolved are named tuples rather than frozen dataclasses: a document
# makes several of each per date, and a frozen dataclass takes three times as long to
# build (every field set through object.__setattr__).
class Atom(NamedTuple):
    """One settled match of an atom rule."""

    start: int
    end: int
    rule: DateRule
    groups: dict[str, str | None]


class Found(NamedTuple):
    """A date expression with its resolution (``None`` when it could not be resolved)."""

    start: int
    end: int
    rule_id: str
    priority: int
    resolved: Resolved | None
    reason: str = ""

    @property
    def value(self) -> DateValue:
        """The record value (unresolved expressions get an empty fuzzy point)."""
        return self.resolved.value if self.resolved is not None else _UNRESOLVED


def holiday_alternation(rules: DatesFile, weak: bool = False) -> str:
    """A pattern matching every holiday name (or weak name), longest first: ``{HOLIDAY}``, ``{WEAK_HOLIDAY}``."""
    names = {name for spec in rules.holidays for name in (spec.weak_names if weak else spec.names)}
    return table_alternation(sorted(names))


def table_alternation(words: Sequence[str]) -> str:
    """A pattern matching any of ``words``, longest first."""
    return "|".join(regex.escape(w) for w in sorted(words, key=len, reverse=True)) or "(?!)"


def gated_scan(
    patterns: Sequence[SafePattern], gate: PatternGate | None, text: str
) -> list[list[regex.Match[str]]] | None:
    """``scan_each`` of ``patterns`` behind ``gate`` (if any); ``None`` when the gate rules them all out.

    Most short documents (a headline) hold no date: for them the work around a scan
    (a result list per pattern, the settling of overlaps, the narrative) costs more
    than the gate itself. With the document's budget spent, ``scan_each`` runs anyway
    to raise the timeout (E206) where it always did.
    """
    if gate is None:
        return scan_each(patterns, text, timeout=5.0)
    scope = active_scope()
    deadline = scope.deadline if scope is not None else None
    possible = gate.possible(text, deadline)
    if possible is not None and not possible and (deadline is None or deadline.remaining() > 0):
        return None
    return scan_each(patterns, text, timeout=5.0, possible=possible, screened=not gate.loose)


class _RuleLines(Mapping[str, str]):
    """``path:line`` of each date rule by id, for error messages.

    A line is found by parsing the rule file again, a second per file for the
    built-in one: so only when a rule fails to compile, never while building.
    """

    def __init__(self, places: Mapping[str, tuple[Path, tuple[str, int]]]) -> None:
        self._places = places

    def __getitem__(self, rule_id: str) -> str:
        path, location = self._places[rule_id]
        return f"{path}:{line_of(path, location) or 1}"

    def __iter__(self) -> Iterator[str]:
        return iter(self._places)

    def __len__(self) -> int:
        return len(self._places)


class DateExtractor:
    """Finds, composes and resolves date expressions with the merged ``dates`` rules."""

    def __init__(self, rules: DatesFile, where: Mapping[str, str] | None = None) -> None:
        self.rules = rules
        macros = {
            "HOLIDAY": holiday_alternation(rules),
            "WEAK_HOLIDAY": holiday_alternation(rules, weak=True),
            "HOLIDAY_PART": table_alternation(list(rules.holiday_parts)),
            "DAY_PART": table_alternation(list(rules.day_parts)),
            **rules.macros,
        }
        where = where or {}
        self.atom_rules = [(r, self._compile(r, macros, where)) for r in rules.rules]
        self.composition_rules = [
            (c, self._compile(c, {**macros, **SKELETON_MACROS}, where)) for c in rules.compositions
        ]
        self._atom_patterns = [pattern for _rule, pattern in self.atom_rules]
        self._composition_patterns = [pattern for _rule, pattern in self.composition_rules]
        # One RE2 scan of a text rules out the patterns that cannot match in it (most of them).
        self._atom_gate = PatternGate(self._atom_patterns, "dates.atoms (gate)")
        self._composition_gate = PatternGate(self._composition_patterns, "dates.compositions (gate)")
        self.resolver = DateResolver(rules)

    @staticmethod
    def _compile(rule: DateRule | CompositionRule, macros: Mapping[str, str], where: Mapping[str, str]) -> SafePattern:
        try:
            return compile_with_macros(rule.pattern, macros, rule_id=rule.id)
        except (regex.error, ValueError) as exc:
            path, _, line = where.get(rule.id, "rules/dates.yaml:1").rpartition(":")
            raise RuleError(ErrorCode.E204, path=path, line=line, rule_id=rule.id, detail=str(exc)) from None

    @classmethod
    def from_rulebook(cls, rulebook: Rulebook) -> DateExtractor:
        """Build the extractor from the merged ``dates`` rules (errors name the file and line)."""
        rules = rulebook.get("dates")
        places: dict[str, tuple[Path, tuple[str, int]]] = {}
        for loaded in rulebook.files:
            model = loaded.model
            if not isinstance(model, DatesFile):
                continue
            for field_name in ("rules", "compositions"):
                for i, item in enumerate(getattr(model, field_name)):
                    places[item.id] = (loaded.path, (field_name, i))
        return cls(rules if isinstance(rules, DatesFile) else DatesFile(kind="dates"), _RuleLines(places))

    # -- pass 1: atoms ----------------------------------------------------------
    def find_atoms(self, text: str) -> list[Atom]:
        """Non-overlapping atom matches (longest first, then priority), in text order."""
        scans = gated_scan(self._atom_patterns, self._atom_gate, text)
        if scans is None:
            return []
        found: list[tuple[int, int, int, int, regex.Match[str]]] = []
        for index, matches in enumerate(scans):
            if matches:
                priority = self.atom_rules[index][0].priority
                for m in matches:
                    start, end = m.span()
                    if end > start:
                        found.append((start, end, priority, index, m))
        chosen = select_non_overlapping(found, key=lambda f: (f[1] - f[0], f[2]))
        chosen.sort(key=lambda f: f[0])
        rules = self.atom_rules
        # Only the chosen matches' groups are read (most matches lose to a longer one).
        return [Atom(s, e, rules[i][0], m.groupdict()) for s, e, _p, i, m in chosen]

    def resolve_atoms(self, text: str, atoms: Sequence[Atom], ref: datetime | None) -> list[Found]:
        """Resolve atoms in text order, keeping the narrative up to date."""
        if not atoms:
            return []
        paragraphs = paragraph_starts(text)
        story = Narrative()
        out: list[Found] = []
        # The sentence of an atom is the number of sentence ends before it, counted on from
        # the atom before (a few counts per atom, not a match object per end of the text).
        sentence = counted = 0
        for atom in atoms:
            para = bisect_right(paragraphs, atom.start) - 1
            if para != story.paragraph:
                story.new_paragraph(para)
            if atom.start < counted:
                sentence = counted = 0
            for end in _SENTENCE_ENDS:
                sentence += text.count(end, counted, atom.start)
            counted = atom.start
            story.sentence = sentence
            try:
                resolved: Resolved | None = self.resolver.resolve(atom.rule, atom.groups, ref, story)
                reason = ""
            except (Unresolvable, ValueError) as exc:
                resolved, reason = None, str(exc)
            if resolved is not None:
                self._remember(story, atom, resolved)
            out.append(Found(atom.start, atom.end, atom.rule.id, atom.rule.priority, resolved, reason))
        return out

    def _remember(self, story: Narrative, atom: Atom, res: Resolved) -> None:
        """Update the narrative with what this expression pinned down."""
        iv = res.interval
        if iv is None or res.value.kind in ("duration", "recurring") or atom.rule.resolve == "fuzzy":
            return
        grain = GRAIN_ORDER.index(iv.grain) if iv.grain in GRAIN_ORDER else 0
        story.year = iv.start.year
        if grain >= _MONTH and iv.grain != "week":
            story.month = iv.start.month
        if grain >= _DAY:
            story.day = iv.start.date()
        story.last = iv
        story.last_sentence = story.sentence
        derived = atom.rule.resolve in ("same_period", "report_period")
        is_period = iv.grain in ("year", "half", "quarter", "month") and res.value.kind == "point"
        if is_period and not res.now and not iv.fuzzy and not derived:
            story.period = iv
        part = self.resolver.parts.get(atom.groups.get("part") or "")
        if atom.rule.params.get("report") or atom.groups.get("report") or (part is not None and part.report):
            story.report = iv

    # -- pass 2: compositions -----------------------------------------------------
    def compose(self, text: str, found: Sequence[Found]) -> list[Found]:
        """Combine atoms with the composition rules; atoms not taken stay as they are."""
        if not found or not self.composition_rules:
            return list(found)
        pieces: list[str] = []
        sk_starts: list[int] = []
        pos = sk = 0
        for f in found:
            pieces.append(text[pos : f.start])
            sk += f.start - pos
            sk_starts.append(sk)
            pieces.append(self._placeholder(f))
            sk += 1
            pos = f.end
        pieces.append(text[pos:])
        skeleton = "".join(pieces)
        index_of = {p: i for i, p in enumerate(sk_starts)}

        def text_start(p: int) -> int:
            k = bisect_right(sk_starts, p) - 1
            if k < 0:
                return p
            return found[k].start if p == sk_starts[k] else found[k].end + (p - sk_starts[k] - 1)

        def text_end(p: int) -> int:
            k = bisect_right(sk_starts, p - 1) - 1
            if k >= 0 and p - 1 == sk_starts[k]:
                return found[k].end
            return text_start(p - 1) + 1

        scans = gated_scan(self._composition_patterns, self._composition_gate, skeleton)
        if scans is None:
            return list(found)
        matches: list[tuple[int, int, int, CompositionRule, Any]] = []
        for (rule, _pattern), found_here in zip(self.composition_rules, scans, strict=True):
            for m in found_here:
                s, e = text_start(m.start()), text_end(m.end())
                if e <= s:
                    continue
                matches.append((s, e, rule.priority, rule, m))
        chosen = select_non_overlapping(matches, key=lambda c: (c[1] - c[0], c[2]))
        taken: set[int] = set()
        composed: list[Found] = []
        for s, e, _p, rule, m in chosen:
            groups = [g for g in ("a", "b", "d", "d2") if g in m.re.groupindex and m.start(g) >= 0]
            members = [index_of[m.start(g)] for g in groups]
            atoms = {g: found[index_of[m.start(g)]] for g in groups}
            try:
                resolved: Resolved | None = self._combine(rule, atoms)
                reason = ""
            except (Unresolvable, ValueError) as exc:
                resolved, reason = None, str(exc)
            inside = [i for i in range(len(found)) if s <= found[i].start and found[i].end <= e]
            taken.update(inside or members)
            composed.append(Found(s, e, rule.id, rule.priority + _COMPOSITION_PRIORITY, resolved, reason))
        rest = [f for i, f in enumerate(found) if i not in taken]
        return sorted(rest + composed, key=lambda f: f.start)

    @staticmethod
    def _placeholder(f: Found) -> str:
        if f.resolved is not None and f.resolved.value.kind == "duration":
            return DURATION
        if f.resolved is not None and f.resolved.now:
            return NOW
        return POINT

    def _combine(self, rule: CompositionRule, atoms: Mapping[str, Found]) -> Resolved:
        def need(group: str) -> Resolved:
            f = atoms.get(group)
            if f is None or f.resolved is None:
                raise Unresolvable(f"{rule.id}: part {group!r} is unresolved ({f.reason if f else 'missing'})")
            return f.resolved

        params = rule.params
        if rule.result == "range":
            return combine_range(need("a"), need("b"))
        if rule.result == "since":
            return since(need("a"), after=bool(params.get("after")))
        if rule.result == "until":
            return until(need("a"), inclusive=bool(params.get("inclusive")))
        if rule.result == "same":
            return same(need("a"), need("b") if "b" in atoms else None)
        if rule.result == "period_ending":
            if "d" in atoms:
                parts = need("d").parts or {}
            else:
                parts = {"month": float(params.get("months", 12))}
            return period_ending(self.resolver, need("a"), parts)
        if rule.result == "window":
            delay = need("d").parts if "d" in atoms else None
            length = need("d2").parts or {}
            return window(self.resolver, need("a"), delay, length)
        raise Unresolvable(f"unknown composition result {rule.result!r}")

    # -- the document ---------------------------------------------------------------
    def infer_doc_date(self, atoms: Sequence[Atom]) -> datetime | None:
        """The latest absolute date in the text: explicit year with a day, else with a month."""
        best: dict[str, datetime] = {}
        for atom in atoms:
            if not atom.groups.get("year") or atom.rule.resolve != "calendar" or atom.rule.params.get("kind"):
                continue
            try:
                iv = self.resolver.calendar(atom.groups, None, Narrative())
            except (Unresolvable, ValueError):
                continue
            level = "day" if GRAIN_ORDER.index(iv.grain) >= _DAY else "month" if iv.grain in ("month", "xun") else None
            if level is not None and (level not in best or iv.start > best[level]):
                best[level] = iv.start
        found = best.get("day") or best.get("month")
        return datetime(found.year, found.month, found.day) if found is not None else None

    def find(self, text: str, ref: datetime | None) -> list[Found]:
        """Every date expression of ``text``, resolved against ``ref``."""
        atoms = self.find_atoms(text)
        return self.compose(text, self.resolve_atoms(text, atoms, ref))


__all__ = ["Atom", "DateExtractor", "Found"]
