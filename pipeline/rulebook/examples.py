"""Inline rule examples as test cases (Duckling style): every example runs the pipeline.

``zhpipe rules test`` and the pytest suite both use :func:`collect_cases` and
:func:`evaluate`, so a rule file's examples are its tests wherever they run.

What an example asserts depends on its kind of file:

* a positive example of a mention rule (dates, amounts, gazetteer, org_patterns,
  persons, products): a mention with that label and text, whose value has the
  listed fields;
* a positive example of an event type: an event of that type whose arguments
  include the listed role fillers (and the status, if given);
* a normalize example: normalising ``text`` gives exactly ``expect``;
* a lexicon example: each of ``words`` comes out of the segmenter as one token;
* a negative: no mention of the file's label (overlapping ``span``, if given); in
  an events file no event of ``type`` (of any type without one); in a normalize
  file ``span`` (or the whole text) survives normalisation; in a lexicon file
  ``span`` is not one token.

An example with ``xfail: <reason>`` is a known failure: reported apart, and an
error once it passes (so the mark is removed when the rule is fixed).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pipeline.errors import PipelineError
from pipeline.rulebook.loader import LoadedFile, Rulebook, list_items
from pipeline.rulebook.schemas.base import Example, Negative, RuleFile
from pipeline.rulebook.schemas.events import EventExample
from pipeline.rulebook.schemas.lexicon import SegmentExample
from pipeline.rulebook.schemas.normalize import TransformExample
from pipeline.rulebook.yamlsrc import LineIndex

if TYPE_CHECKING:
    from pipeline.core import Pipeline
    from pipeline.records import Document

DEFAULT_REFERENCE_TIME = "2025-11-20T10:00:00"
KIND_LABELS = {
    "dates": "DATE",
    "amounts": "AMOUNT",
    "gazetteer": "ORG",
    "org_patterns": "ORG",
    "persons": "PERSON",
    "products": "PRODUCT",
}
Outcome = Literal["pass", "fail", "xfail", "xpass"]
AnyExample = Example | Negative | EventExample | TransformExample | SegmentExample


@dataclass(frozen=True, slots=True)
class Case:
    """One example of one rule (or a file's negative example), with where it is written."""

    case_id: str
    path: str
    rule_id: str
    example: AnyExample
    label: str | None
    event_type: str | None
    reference_time: str
    positive: bool
    kind: str = ""
    line: int | None = None
    # The source a positive example's mention or event should carry (``rule:<id>``);
    # ``None`` for entries without an id (gazetteer entries) and for negatives.
    credit: str | None = None

    @property
    def xfail(self) -> str | None:
        """The reason this example is a known failure, if it is one."""
        return getattr(self.example, "xfail", None)

    @property
    def location(self) -> str:
        """``path:line`` of the example, as an editor or a terminal links it."""
        return f"{self.path}:{self.line}" if self.line else self.path


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a case failed: what the example expects and what the pipeline gave."""

    expected: str
    got: str

    def __str__(self) -> str:
        return f"expected {self.expected}; got {self.got}"


@dataclass(frozen=True, slots=True)
class CaseResult:
    """The outcome of one case (``problem`` is set for fail and xfail)."""

    case: Case
    outcome: Outcome
    problem: Problem | None
    seconds: float
    # Set when a positive example passes, but through another rule than its own.
    uncredited: str | None = None


def _rule_items(model: RuleFile) -> Iterator[tuple[str, str, int, Any]]:
    """``(rule id, list field, index, item)`` of every item that has examples."""
    for name, i, item in list_items(model):
        rule_id = getattr(item, "id", None) or (
            f"{model.kind}.{item.name}" if isinstance(getattr(item, "name", None), str) else None
        )
        if rule_id and getattr(item, "examples", None):
            yield rule_id, name, i, item


def _display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def cases_of_file(loaded: LoadedFile, rulebook: Rulebook | None = None) -> Iterator[Case]:
    """Every example in one rule file, as cases (rules replaced by an overlay are left out)."""
    model = loaded.model
    ref = model.reference_time or DEFAULT_REFERENCE_TIME
    label = KIND_LABELS.get(loaded.kind)
    path = _display_path(loaded.path)
    prefix = loaded.path.name if loaded.layer == 0 else f"{loaded.path.parent.name}/{loaded.path.name}"
    lines = LineIndex.of(loaded.path)
    for rule_id, field_name, index, item in _rule_items(model):
        if rulebook is not None and not rulebook.is_active(loaded.kind, item):
            continue
        event_type = getattr(item, "type", None) if loaded.kind == "events" else None
        for i, example in enumerate(item.examples):
            yield Case(
                f"{prefix}::{rule_id}::{i}",
                path,
                rule_id,
                example,
                label,
                event_type,
                getattr(example, "ref", None) or ref,
                True,
                loaded.kind,
                lines.line((field_name, index, "examples", i)),
                f"rule:{item.id}" if isinstance(getattr(item, "id", None), str) else None,
            )
    for i, example in enumerate(getattr(model, "examples", None) or []):
        yield Case(
            f"{prefix}::examples::{i}",
            path,
            loaded.kind,
            example,
            label,
            None,
            getattr(example, "ref", None) or ref,
            True,
            loaded.kind,
            lines.line(("examples", i)),
        )
    for i, negative in enumerate(model.negatives):
        yield Case(
            f"{prefix}::negatives::{i}",
            path,
            f"{loaded.kind}.negatives",
            negative,
            negative.label or label,
            negative.type,
            negative.ref or ref,
            False,
            loaded.kind,
            lines.line(("negatives", i)),
        )


def collect_cases(rulebook: Rulebook) -> list[Case]:
    """Every example of every rule file in ``rulebook``."""
    return [case for loaded in rulebook.files for case in cases_of_file(loaded, rulebook)]


# ---------------------------------------------------------------------------
# Checking one case


def _show_value(value: dict[str, Any]) -> str:
    return "{" + ", ".join(f"{k}: {v!r}" for k, v in value.items()) + "}"


def _mention_line(m: Any) -> str:
    value = m.value.to_dict() if m.value is not None else {}
    return f"{m.label} {m.text!r} from {m.source} {_show_value(value)}"


def _value_mismatch(expected: dict[str, Any], actual: dict[str, Any] | None) -> str | None:
    actual = actual or {}
    wrong = {k: (v, actual.get(k)) for k, v in expected.items() if actual.get(k) != v}
    if not wrong:
        return None
    return ", ".join(f"{k}={a!r}" for k, (_v, a) in wrong.items())


def _check_mention(example: Example, case: Case, doc: Document) -> tuple[Problem | None, set[str]]:
    label = example.label or case.label
    span_text = example.span or example.text
    expected = f"{label} {span_text!r}" + (f" with {_show_value(example.value)}" if example.value else "")
    candidates = [m for m in doc.mentions if m.label == label and m.text == span_text]
    if not candidates:
        found = "; ".join(_mention_line(m) for m in doc.mentions) or "no mentions"
        return Problem(expected, found), set()
    mismatches = []
    sources = set()
    for mention in candidates:
        wrong = _value_mismatch(example.value, mention.value.to_dict() if mention.value else None)
        if wrong is None:
            sources.add(mention.source)
        else:
            mismatches.append(f"{label} {mention.text!r} from {mention.source} with {wrong}")
    return (None, sources) if sources else (Problem(expected, "; ".join(mismatches)), set())


def _check_event(example: EventExample, case: Case, doc: Document) -> tuple[Problem | None, set[str]]:
    wanted_type = example.type or case.event_type
    wanted = [f"{role}={t}" for role, texts in example.arguments.items() for t in _texts(texts)]
    if example.status:
        wanted.append(f"status={example.status}")
    expected = f"{wanted_type} event" + (f" with {', '.join(wanted)}" if wanted else "")
    events = [e for e in doc.events if e.type == wanted_type]
    if not events:
        found = ", ".join(f"{e.type} ({e.source})" for e in doc.events) or "none"
        return Problem(expected, f"no {wanted_type} event (events: {found})"), set()
    problems = []
    sources = set()
    for event in events:
        args: dict[str, list[str]] = {}
        for a in event.arguments:
            args.setdefault(a.role, []).append(a.text)
        missing = [
            f"{role}={text}"
            for role, texts in example.arguments.items()
            for text in _texts(texts)
            if text not in args.get(role, [])
        ]
        if example.status and event.status != example.status:
            missing.append(f"status={example.status}")
        if not missing:
            sources.add(event.source)
            continue
        got = "; ".join(f"{r}={'/'.join(t)}" for r, t in args.items()) or "no arguments"
        problems.append(f"{event.type} from {event.source} [{event.status}] with {got} (missing {', '.join(missing)})")
    return (None, sources) if sources else (Problem(expected, " | ".join(problems)), set())


def _texts(texts: str | list[str]) -> list[str]:
    return [texts] if isinstance(texts, str) else list(texts)


def _check_negative(example: Negative, case: Case, doc: Document) -> Problem | None:
    if case.kind == "events" or example.type:
        bad = [e for e in doc.events if example.type is None or e.type == example.type]
        if not bad:
            return None
        what = f"no {example.type} event" if example.type else "no event"
        return Problem(what, f"{bad[0].type} from {bad[0].source} triggered by {bad[0].trigger.text!r}")
    label = example.label or case.label
    span = None
    if example.span:
        pos = doc.text.find(example.span)
        if pos < 0:
            return Problem(f"span {example.span!r} in the text", f"normalised text {doc.text!r}")
        span = (pos, pos + len(example.span))
    bad_mentions = [
        m
        for m in doc.mentions
        if (label is None or m.label == label) and (span is None or (m.start < span[1] and span[0] < m.end))
    ]
    if bad_mentions:
        where = f" over {example.span!r}" if example.span else ""
        return Problem(f"no {label or 'mention'}{where}", _mention_line(bad_mentions[0]))
    return None


def check_case(case: Case, pipeline: Pipeline) -> Problem | None:
    """Run one case; return what went wrong, or ``None`` when it holds."""
    return _run(case, pipeline)[0]


def _run(case: Case, pipeline: Pipeline) -> tuple[Problem | None, set[str]]:
    """The problem (if any) and the sources of the mentions or events that satisfied the case."""
    example = case.example
    try:
        if isinstance(example, TransformExample):
            got = pipeline.normalize(example.text, simplify=example.simplify).text
            return (None if got == example.expect else Problem(repr(example.expect), repr(got))), set()
        if case.kind == "normalize" and isinstance(example, Negative):
            got = pipeline.normalize(example.text).text
            keep = example.span or example.text
            return (None if keep in got else Problem(f"{keep!r} kept", repr(got))), set()
        if isinstance(example, SegmentExample) or (case.kind == "lexicon" and isinstance(example, Negative)):
            return _check_tokens(example, pipeline), set()
        doc = pipeline.process(example.text, doc_date=case.reference_time, doc_id="example")
    except PipelineError as exc:
        return Problem("the example to run", str(exc)), set()
    if isinstance(example, EventExample):
        return _check_event(example, case, doc)
    if isinstance(example, Negative):
        return _check_negative(example, case, doc), set()
    return _check_mention(example, case, doc)


def _check_tokens(example: SegmentExample | Negative, pipeline: Pipeline) -> Problem | None:
    run = pipeline.process_traced(example.text, doc_id="example")
    tokens = [t.text for t in run.tokens]
    shown = " | ".join(tokens)
    if isinstance(example, SegmentExample):
        missing = [w for w in example.words if w not in tokens]
        return Problem(f"tokens {', '.join(example.words)}", shown) if missing else None
    if example.span is None:
        return Problem("a span that must not be one token", "a negative without span")
    return Problem(f"{example.span!r} split", shown) if example.span in tokens else None


def evaluate(case: Case, pipeline: Pipeline) -> CaseResult:
    """Run a case and classify it: pass, fail, xfail (known failure) or xpass."""
    started = time.perf_counter()
    problem, sources = _run(case, pipeline)
    seconds = time.perf_counter() - started
    if case.xfail:
        if problem is None:
            return CaseResult(case, "xpass", Problem(f"a failure ({case.xfail})", "it passes: remove xfail"), seconds)
        return CaseResult(case, "xfail", problem, seconds)
    if problem is not None:
        return CaseResult(case, "fail", problem, seconds)
    uncredited = None
    if case.credit is not None and sources and case.credit not in sources:
        uncredited = f"made by {', '.join(sorted(sources))}, not by {case.credit}"
    return CaseResult(case, "pass", None, seconds, uncredited)


def check(case: Case, pipeline: Pipeline) -> str | None:
    """Run one case; return what went wrong as one line, or ``None`` when it holds."""
    problem = check_case(case, pipeline)
    return None if problem is None else str(problem)


def run_case(case: Case, pipeline: Pipeline) -> tuple[Outcome, str | None]:
    """Run a case and classify it: pass, fail, xfail (known failure) or xpass."""
    result = evaluate(case, pipeline)
    message = None if result.problem is None else str(result.problem)
    if result.outcome == "xfail":
        message = f"{case.xfail}: {message}"
    return result.outcome, message
