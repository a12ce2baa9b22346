"""Put the scores together: ``metrics.json``, the terminal table, and the F1 gate.

:func:`evaluate` turns predictions into an :class:`EvalResult`; :func:`check_gate`
compares it with ``--min-f1`` thresholds (``DATE=0.8`` is the strict F1 of DATE,
``DATE:partial=0.9`` another scheme, ``ALL`` the micro average over labels,
``EVENTS`` the DuEE-fin tuple F1, ``EVENT_TYPES`` the event-type F1).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from rich.console import Console
from rich.table import Table

from pipeline.errors import ErrorCode, GoldError
from pipeline.evaluate.runner import Prediction
from pipeline.evaluate.scoring import (
    SCHEMES,
    DocErrors,
    ScoredPair,
    document_errors,
    event_scores,
    ner_scores,
    pair,
    value_scores,
)

SPECIAL_KEYS = ("ALL", "EVENTS", "EVENT_TYPES")


@dataclass
class EvalResult:
    """Everything an evaluation measured, ready for JSON, the terminal and HTML."""

    meta: dict[str, Any]
    labels: list[str]
    task: str
    pairs: list[ScoredPair]
    ner: dict[str, Any] | None
    values: dict[str, Any] | None
    events: dict[str, Any] | None
    errors: list[DocErrors]
    failures: list[dict[str, str]] = field(default_factory=list)
    gate: dict[str, Any] = field(default_factory=dict)

    @property
    def realigned(self) -> list[ScoredPair]:
        """Pairs whose predicted text differs from the gold text (offsets went through the alignment)."""
        return [p for p in self.pairs if not p.alignment.identical]

    def alignment_summary(self) -> dict[str, Any]:
        """How many documents needed the character alignment, and how close they were."""
        realigned = self.realigned
        return {
            "documents": len(self.pairs),
            "realigned": len(realigned),
            "mean_similarity": round(sum(p.alignment.stats.similarity for p in realigned) / len(realigned), 4)
            if realigned
            else 1.0,
            "note": (
                f"{len(realigned)} of {len(self.pairs)} documents: the normalised text differs from the gold "
                "clean text; predicted offsets were mapped onto the gold text through a character alignment "
                "(difflib)."
            )
            if realigned
            else "every normalised text equals its gold clean text; offsets compared directly.",
        }

    def to_dict(self) -> dict[str, Any]:
        """The content of ``metrics.json``."""
        error_counts: Counter[str] = Counter()
        for doc in self.errors:
            error_counts.update(doc.counts())
        return {
            **self.meta,
            "task": self.task,
            "labels": self.labels,
            "documents": len(self.pairs),
            "alignment": self.alignment_summary(),
            "ner": self.ner,
            "values": self.values,
            "events": self.events,
            "error_counts": dict(error_counts.most_common()),
            "failures": self.failures,
            "gate": self.gate,
            "per_document": [
                {
                    "doc_id": p.key,
                    "alignment": p.alignment.stats.to_dict(),
                    "error_counts": e.counts(),
                    "errors": [x.to_dict() for x in e.errors],
                }
                for p, e in zip(self.pairs, self.errors, strict=True)
            ],
        }


def evaluate(
    predictions: Iterable[Prediction],
    *,
    labels: Sequence[str],
    task: str = "all",
    meta: Mapping[str, Any] | None = None,
    event_types: Collection[str] | None = None,
) -> EvalResult:
    """Score ``predictions`` against their gold documents.

    ``event_types``: when the gold annotates only some event types (DuEE-fin has 13),
    predicted events of other types are left out rather than counted as spurious.
    """
    pairs: list[ScoredPair] = []
    failures: list[dict[str, str]] = []
    for p in predictions:
        pred = p.pred
        if event_types is not None:
            pred = replace(pred, events=tuple(e for e in pred.events if e.type in event_types))
        pairs.append(pair(p.gold, pred, labels, p.variant))
        if p.failure:
            failures.append({"doc_id": p.gold.doc_id, "variant": p.variant, "message": p.failure})
    do_ner = task in ("all", "ner") and bool(labels)
    do_events = task in ("all", "events")
    return EvalResult(
        meta=dict(meta or {}),
        labels=list(labels),
        task=task,
        pairs=pairs,
        ner=ner_scores(pairs, labels) if do_ner else None,
        values=value_scores(pairs, [lb for lb in labels if lb in ("DATE", "AMOUNT", "ORG", "PERSON", "PRODUCT")])
        if do_ner
        else None,
        events=event_scores(pairs) if do_events else None,
        errors=[document_errors(p, ner=do_ner, events=do_events) for p in pairs],
        failures=failures,
    )


# --- the gate --------------------------------------------------------------------------------------


def parse_thresholds(items: Sequence[str], labels: Sequence[str]) -> dict[str, float]:
    """``["DATE=0.8", "AMOUNT:partial=0.9"]`` -> ``{"DATE:strict": 0.8, "AMOUNT:partial": 0.9}``.

    Raises:
        GoldError: an item is malformed or names an unknown label or scheme (E404).

    """
    out: dict[str, float] = {}
    for item in items:
        key, sep, number = item.partition("=")
        key = key.strip()
        try:
            threshold = float(number)
        except ValueError:
            threshold = -1.0
        if not sep or not 0.0 <= threshold <= 1.0:
            raise GoldError(ErrorCode.E404, option="--min-f1", detail=f"{item!r} is not LABEL=F1 with F1 in [0, 1]")
        name, _, scheme = key.partition(":")
        name, scheme = name.upper(), (scheme or "strict").lower()
        known = [*labels, *SPECIAL_KEYS]
        if name not in known:
            raise GoldError(ErrorCode.E404, option="--min-f1", detail=f"{name!r} is not one of {', '.join(known)}")
        if scheme not in SCHEMES:
            raise GoldError(ErrorCode.E404, option="--min-f1", detail=f"{scheme!r} is not one of {', '.join(SCHEMES)}")
        out[f"{name}:{scheme}" if name not in ("EVENTS", "EVENT_TYPES") else name] = threshold
    return out


def measured_f1(result: EvalResult, key: str) -> float | None:
    """The F1 a gate key refers to, or ``None`` when the evaluation did not measure it."""
    if key == "EVENTS":
        return result.events["tuples"]["f1"] if result.events else None
    if key == "EVENT_TYPES":
        return result.events["types"]["f1"] if result.events else None
    name, _, scheme = key.partition(":")
    if result.ner is None:
        return None
    if name == "ALL":
        return float(result.ner["overall"][scheme]["f1"])
    per = result.ner["labels"].get(name)
    return float(per[scheme]["f1"]) if per else None


def check_gate(result: EvalResult, thresholds: Mapping[str, float]) -> list[str]:
    """Messages for each threshold the result falls below (empty when all pass); also fills ``result.gate``."""
    failures: list[str] = []
    checks = []
    for key, threshold in thresholds.items():
        value = measured_f1(result, key)
        ok = value is not None and value >= threshold
        checks.append({"key": key, "min_f1": threshold, "f1": value, "passed": ok})
        if not ok:
            shown = "not measured" if value is None else f"{value:.4f}"
            failures.append(f"{key}: F1 {shown} is below the minimum {threshold:.4f}")
    result.gate = {"checks": checks, "passed": not failures}
    return failures


# --- the terminal ------------------------------------------------------------------------------------


def _f(x: float) -> str:
    return f"{x:.3f}"


def render_tables(result: EvalResult, console: Console) -> None:
    """Print the label table, value accuracy, event scores and error counts."""
    summary = result.alignment_summary()
    console.print(
        f"[bold]{len(result.pairs)} documents[/bold] ({result.meta.get('input', 'predictions')}); {summary['note']}"
    )
    if result.ner is not None:
        table = Table(title="Mentions: strict P / R / F1, then F1 under exact, partial, type (nervaluate)")
        columns = ("label", "P", "R", "F1", "exact", "partial", "type", "gold", "pred", "value acc")
        for column in columns:
            table.add_column(column, justify="left" if column == "label" else "right")
        rows = [(label, result.ner["labels"][label]) for label in result.labels]
        rows.append(("ALL", result.ner["overall"]))
        for label, per in rows:
            values = (result.values or {}).get(label)
            value_cell = (
                f"{values['accuracy']:.3f} ({values['equal']}/{values['matched']})" if values and values["gold"] else ""
            )
            strict = per["strict"]
            table.add_row(
                label,
                _f(strict["precision"]),
                _f(strict["recall"]),
                f"[bold]{_f(strict['f1'])}[/bold]",
                *(_f(per[s]["f1"]) for s in SCHEMES[1:]),
                str(strict["possible"]),
                str(strict["actual"]),
                value_cell,
                end_section=label == rows[-2][0],
            )
        console.print(table)
    if result.events is not None:
        table = Table(title="Events (DuEE-fin tuples: type, role, argument)")
        for column in ("", "precision", "recall", "F1", "correct", "pred", "gold"):
            table.add_column(column, justify="right" if column else "left")
        for name, row in (("tuples", result.events["tuples"]), ("event types", result.events["types"])):
            table.add_row(
                name,
                _f(row["precision"]),
                _f(row["recall"]),
                _f(row["f1"]),
                *(str(row[k]) for k in ("correct", "predicted", "gold")),
            )
        for etype, row in result.events["tuples_by_type"].items():
            table.add_row(
                f"  {etype}",
                _f(row["precision"]),
                _f(row["recall"]),
                _f(row["f1"]),
                *(str(row[k]) for k in ("correct", "predicted", "gold")),
            )
        console.print(table)
        status = result.events["status"]
        agreement = f"{status['accuracy']:.3f} ({status['same_status']}/{status['matched_events']})"
        console.print(f"event status agreement on matched events: {agreement}")
    counts: Counter[str] = Counter()
    for doc in result.errors:
        counts.update(doc.counts())
    if counts:
        console.print("errors: " + ", ".join(f"{k} {v}" for k, v in counts.most_common()))
    if result.failures:
        console.print(
            f"[red]{len(result.failures)} document(s) could not be processed[/red] (see metrics.json failures)"
        )
