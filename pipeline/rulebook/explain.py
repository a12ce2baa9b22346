"""``zhpipe rules explain``: which rules fired on a text, which lost and why, what came out.

It runs the pipeline with tracing on (:meth:`Pipeline.process_traced`) and lines up
four sources of evidence:

* the *pattern matches* of every rule (logged by :class:`SafePattern` while tracing),
  so a match that lost to another rule inside its own stage (dates, amounts) shows
  up with the rule that beat it (overlap: length, then priority);
* the *candidates* each stage proposed, and the mention stage's notes on the ones
  it overrode (overlap across stages: length, priority, confidence);
* the *gazetteer and product entries* found in the text that gave no candidate,
  with the check that held them back (a short alias not on a word boundary, a Latin
  alias inside a longer word, an ambiguous alias);
* the *event triggers* found in the text that made no event (inside a ``not_in``
  word, inside a name, no required role in the sentence, merged).

The final mentions and events follow. ``--json`` gives the same as data.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from pipeline.rulebook.examples import KIND_LABELS
from pipeline.rulebook.loader import rules_with_ids

if TYPE_CHECKING:
    from pipeline.core import Pipeline, TracedRun
    from pipeline.records import Document, Mention

_NAME_LABELS = ("ORG", "PERSON", "PRODUCT")


@dataclass(frozen=True, slots=True)
class Firing:
    """One rule that fired on a span, and what became of it."""

    rule: str
    label: str | None
    start: int
    end: int
    text: str
    fate: str  # kept, overridden, rejected, suppressed
    reason: str | None = None
    mention_id: str | None = None
    value: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    """Another decision a stage noted (a trigger excluded, an event dropped ...)."""

    stage: str
    action: str
    rule: str
    start: int
    end: int
    text: str
    detail: str


@dataclass
class Explanation:
    """Everything ``rules explain`` shows about one text."""

    document: Document
    firings: list[Firing] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    pattern_seconds: dict[str, float] = field(default_factory=dict)
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The explanation as JSON-ready data (the record under ``document``)."""
        return {
            "document": self.document.to_dict(),
            "firings": [asdict(f) for f in self.firings],
            "decisions": [asdict(d) for d in self.decisions],
            "pattern_seconds": {k: round(v, 6) for k, v in sorted(self.pattern_seconds.items())},
            "error": self.error,
        }


def _strip(source: str) -> str:
    return source.removeprefix("rule:")


def _rule_table(pipeline: Pipeline) -> dict[str, tuple[str, int]]:
    """``rule id -> (kind, priority)`` of every active rule."""
    table: dict[str, tuple[str, int]] = {}
    book = pipeline.rulebook
    for loaded in book.files:
        for rule_id, item, _loc in rules_with_ids(loaded.model):
            if book.is_active(loaded.kind, item):
                table[rule_id] = (loaded.kind, int(getattr(item, "priority", 0) or 0))
    return table


def explain(
    pipeline: Pipeline,
    data: str | bytes,
    *,
    doc_date: date | datetime | str | None = None,
    doc_id: str | None = None,
) -> Explanation:
    """Run ``data`` through ``pipeline`` with tracing and explain every rule decision."""
    run = pipeline.process_traced(data, doc_date=doc_date, doc_id=doc_id)
    doc = run.document
    out = Explanation(doc, pattern_seconds=run.pattern_seconds, error=str(run.error) if run.error else None)
    rules = _rule_table(pipeline)
    consumed: set[int] = set()
    out.firings.extend(_candidate_firings(run, consumed))
    out.firings.extend(_match_firings(run, rules, consumed))
    out.firings.extend(_entry_firings(pipeline, run))
    out.decisions.extend(
        Decision(e.stage, e.action, _strip(e.source), e.span[0], e.span[1], doc.text[e.span[0] : e.span[1]], e.detail)
        for i, e in enumerate(run.trace)
        if i not in consumed
    )
    out.decisions.extend(_silent_triggers(pipeline, run))
    out.firings.sort(key=lambda f: (f.start, -f.end, f.fate != "kept", f.rule))
    out.decisions.sort(key=lambda d: (d.start, d.end, d.rule))
    return out


def _mention_for(doc: Document, label: str, start: int, end: int, source: str) -> Mention | None:
    for m in doc.mentions:
        if m.label == label and m.start == start and m.end == end and m.source == source:
            return m
    return None


def _candidate_firings(run: TracedRun, consumed: set[int]) -> Iterable[Firing]:
    """Every candidate: kept as a mention, or overridden in the mention stage (with its note)."""
    doc = run.document
    notes = {(e.source, e.span): (i, e.detail) for i, e in enumerate(run.trace) if e.stage == "mentions"}
    seen: set[tuple[str, int, int, str]] = set()
    for cand in run.candidates:
        key = (cand.label, cand.start, cand.end, cand.source)
        if key in seen:
            continue
        seen.add(key)
        value = cand.value.to_dict() if cand.value is not None else None
        text = doc.text[cand.start : cand.end]
        mention = _mention_for(doc, cand.label, cand.start, cand.end, cand.source)
        if mention is not None:
            yield Firing(_strip(cand.source), cand.label, cand.start, cand.end, text, "kept", None, mention.id, value)
            continue
        note = notes.get((cand.source, (cand.start, cand.end)))
        if note is not None:
            consumed.add(note[0])
            reason = note[1]
        else:
            reason = "dropped by the mention stage"
        yield Firing(_strip(cand.source), cand.label, cand.start, cand.end, text, "overridden", reason, None, value)


def _match_firings(run: TracedRun, rules: dict[str, tuple[str, int]], consumed: set[int]) -> Iterable[Firing]:
    """Pattern matches that never became a candidate: beaten inside their stage, or rejected."""
    doc = run.document
    text = doc.text
    have = {(_strip(c.source), c.start, c.end) for c in run.candidates}
    stage_notes = {
        (_strip(e.source), e.span): (i, e) for i, e in enumerate(run.trace) if e.stage not in ("mentions", "events")
    }
    seen: set[tuple[str, int, int]] = set()
    for m in run.matches:
        if m.string is not text and m.string != text:
            continue  # a sentence or a shadow copy: offsets are not the document's
        key = (m.rule, m.start, m.end)
        if key in have or key in seen or m.start == m.end:
            continue
        seen.add(key)
        kind, priority = rules.get(m.rule, ("", 0))
        label = KIND_LABELS.get(kind)
        note = stage_notes.get((m.rule, (m.start, m.end)))
        if note is not None:
            consumed.add(note[0])
            fate, reason = "rejected", f"{note[1].action}: {note[1].detail}"
        else:
            fate, reason = _beaten_by(run, m.rule, label, m.start, m.end, priority, rules)
        yield Firing(m.rule, label, m.start, m.end, text[m.start : m.end], fate, reason)


def _beaten_by(
    run: TracedRun, rule: str, label: str | None, start: int, end: int, priority: int, rules: dict[str, tuple[str, int]]
) -> tuple[str, str]:
    """Why a match gave no candidate: the same-stage candidate that overlaps it, if any."""
    rivals = [
        c
        for c in run.candidates
        if (label is None or c.label == label) and c.start < end and start < c.end and _strip(c.source) in rules
    ]
    if not rivals:
        return "rejected", "matched, but its stage made nothing of it (no value could be resolved)"
    best = max(rivals, key=lambda c: (c.length, c.priority))
    length = end - start
    if best.length != length:
        why = f"longer match wins: {best.length} vs {length} characters"
    elif best.priority != priority:
        why = f"higher priority wins: {best.priority} vs {priority}"
    else:
        why = "same length and priority: the earlier match wins"
    text = run.document.text[best.start : best.end]
    return "overridden", f"overlaps {best.label} {text!r} from {best.source} ({why})"


def _entry_firings(pipeline: Pipeline, run: TracedRun) -> Iterable[Firing]:
    """Gazetteer and product names present in the text that gave no candidate, with the check that stopped them."""
    doc = run.document
    text = doc.text
    token_starts = {t.start for t in run.tokens}
    token_ends = {t.end for t in run.tokens}
    produced = {(c.label, c.start, c.end) for c in run.candidates}
    kept = [(m.label, m.start, m.end) for m in doc.mentions]
    book = pipeline.rulebook
    for kind, label, source in (("gazetteer", "ORG", "orgs.gazetteer"), ("products", "PRODUCT", "products.gazetteer")):
        model = book.get(kind)
        if model is None:
            continue
        ambiguous = set(getattr(model, "ambiguous", None) or [])
        for entry in getattr(model, "entries", None) or []:
            for alias in {entry.name, *getattr(entry, "aliases", [])}:
                for start in _occurrences(text, alias):
                    end = start + len(alias)
                    if (label, start, end) in produced:
                        continue
                    if any(lb == label and s <= start and end <= e for lb, s, e in kept):
                        continue  # inside a longer name that was kept
                    reason = _entry_reason(text, alias, start, end, token_starts, token_ends, ambiguous, run)
                    yield Firing(source, label, start, end, alias, "suppressed", f"{entry.name}: {reason}")


def _occurrences(text: str, word: str) -> Iterable[int]:
    if not word:
        return
    pos = text.find(word)
    while pos >= 0:
        yield pos
        pos = text.find(word, pos + 1)


def _entry_reason(
    text: str,
    alias: str,
    start: int,
    end: int,
    starts: set[int],
    ends: set[int],
    ambiguous: set[str],
    run: TracedRun,
) -> str:
    if alias.replace(" ", "").replace(".", "").isascii():
        before, after = text[start - 1 : start], text[end : end + 1]
        if (before.isascii() and before.isalnum()) or (after.isascii() and after.isalnum()):
            return "boundary: a Latin alias inside a longer Latin word"
    elif not (start in starts and end in ends):
        around = [t.text for t in run.tokens if t.end > start - 4 and t.start < end + 4]
        return f"boundary: not on segmenter word boundaries (tokens: {' | '.join(around)})"
    if alias in ambiguous:
        return "ambiguous alias, and the text names the organisation no other way"
    return "held back by the stage's context checks"


def _silent_triggers(pipeline: Pipeline, run: TracedRun) -> Iterable[Decision]:
    """Trigger words present in the text that made no event and have no note saying why."""
    model = pipeline.rulebook.get("events")
    if model is None:
        return
    doc = run.document
    text = doc.text
    used = {(e.type, e.trigger.start, e.trigger.end) for e in doc.events}
    noted = {(e.source, e.span) for e in run.trace if e.stage == "events"}
    names = [(m.start, m.end, m) for m in doc.mentions if m.label in _NAME_LABELS]
    for spec in getattr(model, "types", None) or []:
        found: list[tuple[int, int]] = []
        for word in sorted(set(spec.triggers), key=len, reverse=True):
            for start in _occurrences(text, word):
                end = start + len(word)
                if any(s < end and start < e for s, e in found):
                    continue  # a longer trigger word already covers it
                found.append((start, end))
        for start, end in found:
            if (spec.type, start, end) in used or (spec.id, (start, end)) in noted:
                continue
            inside = next((m for s, e, m in names if s < end and start < e), None)
            if inside is not None:
                detail = f"inside the {inside.label} mention {inside.text!r}: a trigger cannot be part of a name"
            else:
                detail = "merged into the event of another trigger of this type in the sentence or document"
            yield Decision("events", "trigger unused", spec.id, start, end, text[start:end], detail)


# ---------------------------------------------------------------------------
# Rendering


def _fmt_value(value: dict[str, Any] | None) -> str:
    if not value:
        return ""
    return " {" + ", ".join(f"{k}: {v}" for k, v in value.items() if v not in (None, False, "")) + "}"


def render(expl: Explanation, *, verbose: bool = False) -> str:
    """The explanation as text for a terminal."""
    doc = expl.document
    lines: list[str] = []
    anchor = f"doc_date {doc.doc_date.value} ({doc.doc_date.origin})" if doc.doc_date.value else "no doc_date"
    lines.append(f"text ({len(doc.text)} characters, {anchor}):")
    lines.extend(f"  {line}" for line in doc.text.splitlines() or [""])
    if doc.repairs:
        lines.append("")
        lines.append("repairs:")
        lines.extend(f"  {r.kind:<18} {r.before!r} -> {r.after!r}  ({r.source})" for r in doc.repairs)
    if expl.error:
        lines.append("")
        lines.append(f"FAILED: {expl.error}")
        lines.append("(what the stages made before the failure follows)")
    lines.append("")
    lines.append("rules that fired:")
    if not expl.firings:
        lines.append("  (none)")
    for f in expl.firings:
        head = f"  [{f.start}:{f.end}] {f.label or '-':<7} {f.text!r:<14} {f.rule:<30} {f.fate.upper()}"
        if f.fate == "kept":
            lines.append(f"{head} -> {f.mention_id}")
        else:
            lines.append(head)
            lines.append(f"      why: {f.reason}")
    if expl.decisions:
        lines.append("")
        lines.append("other decisions:")
        for d in expl.decisions:
            lines.append(f"  [{d.start}:{d.end}] {d.text!r} {d.stage}/{d.rule}: {d.action} ({d.detail})")
    lines.append("")
    lines.append("mentions:")
    if not doc.mentions:
        lines.append("  (none)")
    for m in doc.mentions:
        value = m.value.to_dict() if m.value is not None else None
        lines.append(f"  {m.id:<4} {m.label:<7} [{m.start}:{m.end}] {m.text!r} {m.source}{_fmt_value(value)}")
    lines.append("")
    lines.append("events:")
    if not doc.events:
        lines.append("  (none)")
    for e in doc.events:
        lines.append(
            f"  {e.id:<4} {e.type} trigger {e.trigger.text!r} [{e.trigger.start}:{e.trigger.end}] "
            f"{e.source} status {e.status} confidence {e.confidence:.2f}"
        )
        for a in e.arguments:
            where = f" [{a.start}:{a.end}]" if a.start is not None else ""
            lines.append(f"         {a.role}: {a.text!r}{where}" + (f" ({a.mention_id})" if a.mention_id else ""))
    if verbose and expl.pattern_seconds:
        lines.append("")
        lines.append("pattern time per rule (slowest first):")
        for rule, seconds in sorted(expl.pattern_seconds.items(), key=lambda kv: kv[1], reverse=True)[:15]:
            lines.append(f"  {seconds * 1000:8.2f} ms  {rule}")
    return "\n".join(lines) + "\n"


def firings_of(expl: Explanation, rule: str) -> Sequence[Firing]:
    """The firings of one rule (by id, ``rule:`` prefix optional)."""
    return [f for f in expl.firings if f.rule == _strip(rule)]
