"""Inline rule examples as test cases (Duckling style): every example runs the pipeline.

``zhpipe rules test`` and the pytest suite both use :func:`collect_cases` and
:func:`run_case`, so a rule file's examples are its tests wherever they run.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pipeline.rulebook.loader import LoadedFile, Rulebook
from pipeline.rulebook.schemas.base import Example, Negative, RuleFile
from pipeline.rulebook.schemas.events import EventExample, EventsFile
from pipeline.rulebook.schemas.normalize import NormalizeFile, TransformExample

if TYPE_CHECKING:
    from pipeline.core import Pipeline

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


@dataclass(frozen=True, slots=True)
class Case:
    """One example of one rule (or a file's negative example)."""

    case_id: str
    path: str
    rule_id: str
    example: Example | Negative | EventExample | TransformExample
    label: str | None
    event_type: str | None
    reference_time: str
    positive: bool

    @property
    def xfail(self) -> str | None:
        """The reason this example is a known failure, if it is one."""
        return getattr(self.example, "xfail", None)


def _rule_items(model: RuleFile) -> Iterator[tuple[str, Any]]:
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, list):
            for item in value:
                rule_id = getattr(item, "id", None) or (f"{model.kind}.{item.name}" if hasattr(item, "name") else None)
                if rule_id and getattr(item, "examples", None):
                    yield rule_id, item


def cases_of_file(loaded: LoadedFile) -> Iterator[Case]:
    """Every example in one rule file, as cases."""
    model = loaded.model
    ref = model.reference_time or DEFAULT_REFERENCE_TIME
    label = KIND_LABELS.get(loaded.kind)
    path = str(loaded.path)
    for rule_id, item in _rule_items(model):
        event_type = getattr(item, "type", None) if isinstance(model, EventsFile) else None
        for i, example in enumerate(item.examples):
            yield Case(
                f"{loaded.path.name}::{rule_id}::{i}",
                path,
                rule_id,
                example,
                label,
                event_type,
                getattr(example, "ref", None) or ref,
                True,
            )
    if isinstance(model, NormalizeFile):
        for i, example in enumerate(model.examples):
            yield Case(f"{loaded.path.name}::examples::{i}", path, "normalize", example, None, None, ref, True)
    for i, negative in enumerate(model.negatives):
        yield Case(
            f"{loaded.path.name}::negatives::{i}",
            path,
            f"{loaded.kind}.negatives",
            negative,
            negative.label or label,
            negative.type,
            negative.ref or ref,
            False,
        )


def collect_cases(rulebook: Rulebook) -> list[Case]:
    """Every example of every rule file in ``rulebook``."""
    return [case for loaded in rulebook.files for case in cases_of_file(loaded)]


def _value_mismatch(expected: dict[str, Any], actual: dict[str, Any] | None) -> str | None:
    actual = actual or {}
    wrong = {k: (v, actual.get(k)) for k, v in expected.items() if actual.get(k) != v}
    if not wrong:
        return None
    return ", ".join(f"{k}: expected {v!r}, got {a!r}" for k, (v, a) in wrong.items())


def check(case: Case, pipeline: Pipeline) -> str | None:
    """Run one case; return what went wrong, or ``None`` when it holds."""
    example = case.example
    if isinstance(example, TransformExample):
        got = pipeline.normalize(example.text, simplify=example.simplify).text
        return None if got == example.expect else f"normalised to {got!r}, expected {example.expect!r}"
    doc = pipeline.process(example.text, doc_date=case.reference_time, doc_id="example")
    if isinstance(example, EventExample):
        wanted_type = example.type or case.event_type
        events = [e for e in doc.events if e.type == wanted_type]
        if not events:
            found = ", ".join(sorted({e.type for e in doc.events})) or "none"
            return f"no {wanted_type} event (events found: {found})"
        problems = []
        for event in events:
            args: dict[str, set[str]] = {}
            for a in event.arguments:
                args.setdefault(a.role, set()).add(a.text)
            missing = []
            for role, texts in example.arguments.items():
                for text in [texts] if isinstance(texts, str) else texts:
                    if text not in args.get(role, set()):
                        missing.append(f"{role}={text}")
            if example.status and event.status != example.status:
                missing.append(f"status={example.status} (got {event.status})")
            if not missing:
                return None
            got = "; ".join(f"{r}={'/'.join(sorted(t))}" for r, t in args.items())
            problems.append(f"missing {', '.join(missing)} (got {got})")
        return " | ".join(problems)
    if isinstance(example, Negative):
        if example.type:
            bad = [e for e in doc.events if e.type == example.type]
            return f"unexpected {example.type} event triggered by {bad[0].trigger.text!r}" if bad else None
        label = example.label or case.label
        span = None
        if example.span:
            pos = doc.text.find(example.span)
            span = (pos, pos + len(example.span)) if pos >= 0 else None
        bad_mentions = [
            m for m in doc.mentions if m.label == label and (span is None or (m.start < span[1] and span[0] < m.end))
        ]
        if bad_mentions:
            m = bad_mentions[0]
            return f"unexpected {m.label} {m.text!r} from {m.source}"
        return None
    label = example.label or case.label
    span_text = example.span or example.text
    candidates = [m for m in doc.mentions if m.label == label and m.text == span_text]
    if not candidates:
        near = [f"{m.label} {m.text!r} ({m.source})" for m in doc.mentions] or ["nothing"]
        return f"no {label} mention {span_text!r}; found {', '.join(near)}"
    mismatches = []
    for mention in candidates:
        wrong = _value_mismatch(example.value, mention.value.to_dict() if mention.value else None)
        if wrong is None:
            return None
        mismatches.append(f"{mention.source}: {wrong}")
    return "; ".join(mismatches)


def run_case(case: Case, pipeline: Pipeline) -> tuple[Outcome, str | None]:
    """Run a case and classify it: pass, fail, xfail (known failure) or xpass."""
    problem = check(case, pipeline)
    if case.xfail:
        return (
            ("xfail", f"{case.xfail}: {problem}") if problem else ("xpass", f"marked xfail ({case.xfail}) but passes")
        )
    return ("fail", problem) if problem else ("pass", None)
