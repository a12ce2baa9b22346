"""Scores: nervaluate's four schemes per label, value accuracy, DuEE-fin event tuples, errors.

Mentions are scored with `nervaluate <https://github.com/MantisAI/nervaluate>`_ (the
SemEval-2013 strict / exact / partial / type schemes), not a hand-written matcher.
nervaluate's spans are end-*inclusive*, ours end-exclusive: :func:`_entities` converts.

Events are scored the DuEE-fin way, as sets of ``(event type, role, argument text)``
tuples per document (the official metric, which does not need offsets), plus the F1
of the set of event types each document has. The per-document error list classifies
every disagreement: missed, spurious, wrong boundary, wrong label, wrong value for
mentions; missed and spurious events; missed, spurious and wrong-role arguments.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from nervaluate import Evaluator

from pipeline.evaluate.align import Alignment
from pipeline.evaluate.model import EvalDoc, EvalEvent, EvalMention
from pipeline.evaluate.rates import Rates

SCHEMES = ("strict", "exact", "partial", "type")
# Our scheme names -> nervaluate's.
_NERVALUATE = {"strict": "strict", "exact": "exact", "partial": "partial", "type": "ent_type"}
# The value fields compared per label ("normalised value equal").
VALUE_FIELDS: Mapping[str, tuple[str, ...]] = {
    "DATE": ("kind", "start", "end", "grain", "fuzzy", "duration"),
    "AMOUNT": ("kind", "value", "low", "high", "currency", "currency_implied", "unit", "qualifier"),
    "ORG": ("name", "type"),
    "PERSON": ("name",),
    "PRODUCT": ("name",),
}
_DECIMAL_FIELDS = frozenset({"value", "low", "high"})


# --- the pairs being scored ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScoredPair:
    """A gold document and the prediction for it, mapped onto the gold text.

    ``mentions`` are the predicted mentions with gold-text offsets; ``unaligned``
    those that have no counterpart in the gold text (they count as spurious).
    """

    gold: EvalDoc
    pred: EvalDoc
    alignment: Alignment
    mentions: tuple[EvalMention, ...]
    unaligned: tuple[EvalMention, ...]
    variant: str = ""

    @property
    def key(self) -> str:
        """The document id, with the damaged variant when there is one."""
        return f"{self.gold.doc_id}#{self.variant}" if self.variant else self.gold.doc_id


def pair(gold: EvalDoc, pred: EvalDoc, labels: Sequence[str], variant: str = "") -> ScoredPair:
    """Align ``pred`` to ``gold`` and keep the predicted mentions of ``labels`` in gold offsets."""
    alignment = Alignment(pred.text, gold.text)
    mapped, unaligned = [], []
    for m in pred.mentions:
        if m.label not in labels:
            continue
        span = alignment.span(m.start, m.end)
        if span is None:
            unaligned.append(m)
            continue
        mapped.append(
            EvalMention(m.label, span[0], span[1], gold.text[span[0] : span[1]], m.value, id=m.id, source=m.source)
        )
    mapped.sort(key=lambda m: (m.start, m.end))
    return ScoredPair(gold, pred, alignment, tuple(mapped), tuple(unaligned), variant)


# --- P/R/F1 ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PRF(Rates):
    """Counts with precision, recall and F1 (0 when undefined)."""

    correct: float
    predicted: int
    gold: int

    def counts(self) -> tuple[float, float, float]:
        """Return ``(correct, predicted, gold)``."""
        return self.correct, self.predicted, self.gold

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON shape used in metrics.json."""
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "correct": self.correct,
            "predicted": self.predicted,
            "gold": self.gold,
        }


def _entities(mentions: Iterable[EvalMention]) -> list[dict[str, Any]]:
    # nervaluate counts an entity's end as its last character: end-exclusive - 1.
    return [{"label": m.label, "start": m.start, "end": m.end - 1} for m in mentions]


def _result_dict(result: Any) -> dict[str, Any]:
    return {
        "precision": round(float(result.precision), 4),
        "recall": round(float(result.recall), 4),
        "f1": round(float(result.f1), 4),
        "correct": int(result.correct),
        "incorrect": int(result.incorrect),
        "partial": int(result.partial),
        "missed": int(result.missed),
        "spurious": int(result.spurious),
        "possible": int(result.possible),
        "actual": int(result.actual),
    }


def _empty_result() -> dict[str, Any]:
    keys = ("correct", "incorrect", "partial", "missed", "spurious", "possible", "actual")
    return {"precision": 0.0, "recall": 0.0, "f1": 0.0, **dict.fromkeys(keys, 0)}


def ner_scores(pairs: Sequence[ScoredPair], labels: Sequence[str]) -> dict[str, Any]:
    """Per-label and overall P/R/F1 under the four schemes (nervaluate).

    Returns ``{"overall": {scheme: counts}, "labels": {label: {scheme: counts}}}``.
    Unaligned predictions are added as spurious (they are not in the gold text).
    """
    true = [_entities(m for m in p.gold.mentions if m.label in labels) for p in pairs]
    pred = [_entities(p.mentions) for p in pairs]
    out: dict[str, Any] = {"overall": {}, "labels": {}}
    if any(true) or any(pred):
        results = Evaluator(true, pred, tags=list(labels), loader="dict").evaluate()
    else:
        results = {"overall": {}, "entities": {}}
    for scheme, name in _NERVALUATE.items():
        result = results["overall"].get(name)
        out["overall"][scheme] = _result_dict(result) if result is not None else _empty_result()
    for label in labels:
        per = results["entities"].get(label, {})
        out["labels"][label] = {
            scheme: _result_dict(per[name]) if name in per else _empty_result() for scheme, name in _NERVALUATE.items()
        }
    extra = Counter(m.label for p in pairs for m in p.unaligned)
    if extra:
        for label, n in extra.items():
            for scheme in SCHEMES:
                _add_spurious(out["labels"][label][scheme], n, scheme)
                _add_spurious(out["overall"][scheme], n, scheme)
    return out


def _add_spurious(counts: dict[str, Any], n: int, scheme: str) -> None:
    counts["spurious"] += n
    counts["actual"] += n
    credit = counts["correct"] + (0.5 * counts["partial"] if scheme in ("partial", "type") else 0)
    p = credit / counts["actual"] if counts["actual"] else 0.0
    r = credit / counts["possible"] if counts["possible"] else 0.0
    counts["precision"], counts["recall"] = round(p, 4), round(r, 4)
    counts["f1"] = round(2 * p * r / (p + r), 4) if p + r else 0.0


# --- values ----------------------------------------------------------------------------------


def _same_field(name: str, a: Any, b: Any) -> bool:
    if name in _DECIMAL_FIELDS and a is not None and b is not None:
        try:
            return Decimal(str(a)) == Decimal(str(b))
        except InvalidOperation:
            return str(a) == str(b)
    return bool(a == b)


def value_differences(label: str, gold: Mapping[str, Any] | None, pred: Mapping[str, Any] | None) -> list[str]:
    """The value fields of ``label`` on which ``pred`` differs from ``gold`` (empty when equal)."""
    if gold is None:
        return []
    if pred is None:
        return ["value"]
    defaults = {"fuzzy": False, "currency_implied": False}
    return [
        f
        for f in VALUE_FIELDS.get(label, ())
        if not _same_field(f, gold.get(f, defaults.get(f)), pred.get(f, defaults.get(f)))
    ]


def value_scores(pairs: Sequence[ScoredPair], labels: Sequence[str]) -> dict[str, Any]:
    """Value accuracy per label over strictly matched mentions (same label, same span).

    ``accuracy`` = equal values / matched mentions; ``recall`` = equal values / gold
    mentions that carry a value (so a missed mention counts against it).
    """
    out: dict[str, Any] = {}
    for label in labels:
        gold_n = matched = equal = 0
        fields: Counter[str] = Counter()
        for p in pairs:
            by_span = {(m.start, m.end): m for m in p.mentions if m.label == label}
            for g in p.gold.mentions:
                if g.label != label or g.value is None:
                    continue
                gold_n += 1
                hit = by_span.get((g.start, g.end))
                if hit is None:
                    continue
                matched += 1
                diff = value_differences(label, g.value, hit.value)
                if not diff:
                    equal += 1
                fields.update(diff)
        out[label] = {
            "gold": gold_n,
            "matched": matched,
            "equal": equal,
            "accuracy": round(equal / matched, 4) if matched else 0.0,
            "recall": round(equal / gold_n, 4) if gold_n else 0.0,
            "differing_fields": dict(fields.most_common()),
        }
    return out


# --- events -----------------------------------------------------------------------------------


def _norm(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def argument_text(p: ScoredPair, start: int | None, end: int | None, text: str) -> str:
    """A predicted argument's text as the gold text has it (through the alignment)."""
    if start is not None and end is not None and not p.alignment.identical:
        span = p.alignment.span(start, end)
        if span is not None:
            return p.gold.text[span[0] : span[1]]
    return text


def event_tuples(events: Iterable[EvalEvent], mapper: Any = None) -> set[tuple[str, str, str]]:
    """The DuEE-fin ``(type, role, argument)`` tuples of some events."""
    out = set()
    for e in events:
        for a in e.arguments:
            text = mapper(a.start, a.end, a.text) if mapper is not None else a.text
            if text:
                out.add((e.type, a.role, _norm(text)))
    return out


def _pred_tuples(p: ScoredPair) -> set[tuple[str, str, str]]:
    return event_tuples(p.pred.events, lambda s, e, t: argument_text(p, s, e, t))


def event_scores(pairs: Sequence[ScoredPair]) -> dict[str, Any]:
    """Tuple P/R/F1 (overall and per type), event-type P/R/F1, trigger-less."""
    tuple_tp = tuple_pred = tuple_gold = 0
    type_tp = type_pred = type_gold = 0
    per_type: dict[str, list[int]] = {}
    per_type_doc: dict[str, list[int]] = {}
    for p in pairs:
        gold = event_tuples(p.gold.events)
        pred = _pred_tuples(p)
        tuple_tp += len(gold & pred)
        tuple_pred += len(pred)
        tuple_gold += len(gold)
        for t in {x[0] for x in gold | pred}:
            g = {x for x in gold if x[0] == t}
            q = {x for x in pred if x[0] == t}
            row = per_type.setdefault(t, [0, 0, 0])
            row[0] += len(g & q)
            row[1] += len(q)
            row[2] += len(g)
        gold_types = {e.type for e in p.gold.events}
        pred_types = {e.type for e in p.pred.events}
        type_tp += len(gold_types & pred_types)
        type_pred += len(pred_types)
        type_gold += len(gold_types)
        for t in gold_types | pred_types:
            row = per_type_doc.setdefault(t, [0, 0, 0])
            row[0] += t in gold_types and t in pred_types
            row[1] += t in pred_types
            row[2] += t in gold_types
    return {
        "tuples": PRF(tuple_tp, tuple_pred, tuple_gold).to_dict(),
        "types": PRF(type_tp, type_pred, type_gold).to_dict(),
        "tuples_by_type": {t: PRF(*v).to_dict() for t, v in sorted(per_type.items())},
        "types_by_type": {t: PRF(*v).to_dict() for t, v in sorted(per_type_doc.items())},
        "status": _status_scores(pairs),
    }


def _status_scores(pairs: Sequence[ScoredPair]) -> dict[str, Any]:
    matched = same = 0
    for p in pairs:
        for g, q in match_events(p):
            if g is not None and q is not None:
                matched += 1
                same += g.status == q.status
    return {"matched_events": matched, "same_status": same, "accuracy": round(same / matched, 4) if matched else 0.0}


def match_events(p: ScoredPair) -> list[tuple[EvalEvent | None, EvalEvent | None]]:
    """Pair gold and predicted events of the same type by shared argument tuples (greedy).

    Unpaired events come out with ``None`` on the other side.
    """
    gold = list(p.gold.events)
    pred = list(p.pred.events)
    gold_sets = [event_tuples([e]) for e in gold]
    pred_sets = [event_tuples([e], lambda s, e_, t: argument_text(p, s, e_, t)) for e in pred]
    candidates = sorted(
        (
            (-len(gold_sets[i] & pred_sets[j]), i, j)
            for i, g in enumerate(gold)
            for j, q in enumerate(pred)
            if g.type == q.type
        ),
    )
    used_g: set[int] = set()
    used_p: set[int] = set()
    pairs: list[tuple[EvalEvent | None, EvalEvent | None]] = []
    for _score, i, j in candidates:
        if i in used_g or j in used_p:
            continue
        used_g.add(i)
        used_p.add(j)
        pairs.append((gold[i], pred[j]))
    pairs += [(g, None) for i, g in enumerate(gold) if i not in used_g]
    pairs += [(None, q) for j, q in enumerate(pred) if j not in used_p]
    return pairs


# --- the error list ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ErrorItem:
    """One disagreement, with the gold and predicted sides where they exist.

    ``start``/``end`` are gold-text offsets of the span to highlight.
    """

    kind: str
    label: str
    start: int | None
    end: int | None
    gold: Mapping[str, Any] | None = None
    pred: Mapping[str, Any] | None = None
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON shape used in metrics.json and errors.jsonl."""
        return {
            "kind": self.kind,
            "label": self.label,
            "start": self.start,
            "end": self.end,
            "gold": dict(self.gold) if self.gold is not None else None,
            "pred": dict(self.pred) if self.pred is not None else None,
            "detail": self.detail,
        }


ERROR_KINDS = (
    "missed",
    "spurious",
    "wrong_boundary",
    "wrong_label",
    "wrong_value",
    "missed_event",
    "spurious_event",
    "missed_argument",
    "spurious_argument",
    "wrong_role",
)


def _overlap(a: EvalMention, b: EvalMention) -> int:
    return max(0, min(a.end, b.end) - max(a.start, b.start))


def _brief(m: EvalMention) -> dict[str, Any]:
    return {"label": m.label, "text": m.text, "start": m.start, "end": m.end, "value": m.value}


@dataclass
class DocErrors:
    """The errors of one document."""

    key: str
    errors: list[ErrorItem] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Errors per kind."""
        return dict(Counter(e.kind for e in self.errors))


def mention_errors(p: ScoredPair) -> list[ErrorItem]:
    """Classify every mention disagreement of one document."""
    errors: list[ErrorItem] = []
    preds = list(p.mentions)
    used: set[int] = set()
    for g in p.gold.mentions:
        exact = [i for i, q in enumerate(preds) if i not in used and (q.start, q.end) == (g.start, g.end)]
        same_label = [i for i in exact if preds[i].label == g.label]
        if same_label:
            i = same_label[0]
            used.add(i)
            diff = value_differences(g.label, g.value, preds[i].value)
            if diff:
                errors.append(
                    ErrorItem("wrong_value", g.label, g.start, g.end, _brief(g), _brief(preds[i]), ", ".join(diff))
                )
            continue
        if exact:
            i = exact[0]
            used.add(i)
            errors.append(
                ErrorItem(
                    "wrong_label", g.label, g.start, g.end, _brief(g), _brief(preds[i]), f"predicted {preds[i].label}"
                )
            )
            continue
        overlapping = sorted(
            (i for i, q in enumerate(preds) if i not in used and _overlap(g, q)),
            key=lambda i: (preds[i].label != g.label, -_overlap(g, preds[i])),
        )
        if overlapping:
            i = overlapping[0]
            used.add(i)
            q = preds[i]
            note = f"predicted {q.text!r} at {q.start}:{q.end}"
            if q.label != g.label:
                note += f" as {q.label}"
            errors.append(ErrorItem("wrong_boundary", g.label, g.start, g.end, _brief(g), _brief(q), note))
            continue
        errors.append(ErrorItem("missed", g.label, g.start, g.end, _brief(g), None, ""))
    for i, q in enumerate(preds):
        if i not in used:
            errors.append(ErrorItem("spurious", q.label, q.start, q.end, None, _brief(q)))
    for q in p.unaligned:
        errors.append(
            ErrorItem(
                "spurious",
                q.label,
                None,
                None,
                None,
                _brief(q),
                "the predicted text has no counterpart in the gold text",
            )
        )
    return errors


def _event_brief(e: EvalEvent) -> dict[str, Any]:
    return {
        "type": e.type,
        "status": e.status,
        "trigger": e.trigger[0] if e.trigger else None,
        "arguments": [{"role": a.role, "text": a.text} for a in e.arguments],
    }


def event_errors(p: ScoredPair) -> list[ErrorItem]:
    """Classify every event disagreement of one document (events paired by :func:`match_events`)."""
    errors: list[ErrorItem] = []
    for g, q in match_events(p):
        if q is None and g is not None:
            start, end = (g.trigger[1], g.trigger[2]) if g.trigger else (None, None)
            errors.append(ErrorItem("missed_event", g.type, start, end, _event_brief(g), None, ""))
            continue
        if g is None and q is not None:
            start, end = None, None
            if q.trigger and q.trigger[1] is not None and q.trigger[2] is not None:
                span = p.alignment.span(q.trigger[1], q.trigger[2])
                start, end = span if span else (None, None)
            errors.append(ErrorItem("spurious_event", q.type, start, end, None, _event_brief(q), ""))
            continue
        assert g is not None and q is not None
        gold_args = {(a.role, _norm(a.text)): a for a in g.arguments}
        pred_args = {(a.role, _norm(argument_text(p, a.start, a.end, a.text))): a for a in q.arguments}
        gold_by_text: dict[str, list[str]] = {}
        for role, text in gold_args:
            gold_by_text.setdefault(text, []).append(role)
        wrong_role_texts = set()
        for (role, text), a in pred_args.items():
            if (role, text) in gold_args:
                continue
            other = [r for r in gold_by_text.get(text, []) if (r, text) not in pred_args]
            if other:
                wrong_role_texts.add((other[0], text))
                errors.append(
                    ErrorItem(
                        "wrong_role",
                        g.type,
                        *_arg_span(p, a, gold=False),
                        {"role": other[0], "text": a.text},
                        {"role": role, "text": a.text},
                        f"{a.text!r} is {other[0]}, predicted {role}",
                    )
                )
            else:
                errors.append(
                    ErrorItem(
                        "spurious_argument", g.type, *_arg_span(p, a, gold=False), None, {"role": role, "text": a.text}
                    )
                )
        for (role, text), a in gold_args.items():
            if (role, text) not in pred_args and (role, text) not in wrong_role_texts:
                errors.append(
                    ErrorItem(
                        "missed_argument", g.type, *_arg_span(p, a, gold=True), {"role": role, "text": a.text}, None
                    )
                )
    return errors


def _arg_span(p: ScoredPair, a: Any, *, gold: bool) -> tuple[int | None, int | None]:
    if a.start is None or a.end is None:
        return None, None
    if gold:
        return a.start, a.end
    span = p.alignment.span(a.start, a.end)
    return span if span else (None, None)


def document_errors(p: ScoredPair, *, ner: bool = True, events: bool = True) -> DocErrors:
    """All errors of one document, mentions first, in text order."""
    items = (mention_errors(p) if ner else []) + (event_errors(p) if events else [])
    items.sort(key=lambda e: (e.start is None, e.start or 0, e.kind))
    return DocErrors(p.key, items)
