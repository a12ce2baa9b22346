"""Cross-validated DuEE-fin figures on the tuning part, for tuning rules and thresholds.

The committed models were trained on the tuning part, so scoring them there flatters
them. This script trains K fold models (each on the tuning part minus one fold, fixed
epochs, same settings as ``make train-events``) and scores each fold with the model
that never saw it; the pooled figures are what rule and threshold changes are judged
by. The held-back part is not touched.

    nice .venv/bin/python benchmarks/events_cv.py --train          # train the fold models (~3 min)
    nice .venv/bin/python benchmarks/events_cv.py                  # score with them (~20 s)
    nice .venv/bin/python benchmarks/events_cv.py --rules /tmp/overlay.yaml --errors /tmp/cv_err.jsonl

The document gate (``pipeline/events/gate.py``) is fitted on these out-of-fold predictions:

    # record every event's gate features and label (no gate applied), then the nested-CV curve:
    nice .venv/bin/python benchmarks/events_cv.py --gate-record /tmp/gate_rows.jsonl
    .venv/bin/python benchmarks/events_cv.py --gate-sweep /tmp/gate_rows.jsonl
    # score with the gate (fold k's gate fitted on the other folds' rows), then fit the shipped one:
    nice .venv/bin/python benchmarks/events_cv.py --gate-from /tmp/gate_rows.jsonl --gate-threshold 0.3
    .venv/bin/python benchmarks/events_cv.py --gate-sweep /tmp/gate_rows.jsonl \\
        --fit-gate pipeline/models/events/gate.json --gate-threshold 0.3   # = make train-events-gate
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from collections import defaultdict, deque
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pipeline.core import Pipeline
from pipeline.events.datasets import DUEE_FIN_TYPES, GoldDoc, duee_fin_part
from pipeline.events.gate import EventGate, fit
from pipeline.events.scoring import PRF, DueeFinReport, Tuple3, duee_fin_view, evaluate_duee_fin, format_report
from pipeline.records import Document

DEFAULT_DIR = Path("/tmp/zhpipe-events-cv")
DOCUMENT_GRID = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
EVENT_GRID = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.96, 0.98)


def fold_of(doc_id: str, folds: int) -> int:
    """The fold of a tuning document (by a hash of its id, independent of the other splits)."""
    digest = hashlib.sha1(("cv-fold:" + doc_id).encode("utf-8"), usedforsecurity=False).hexdigest()
    return int(digest[:8], 16) % folds


def split(folds: int) -> list[list[GoldDoc]]:
    parts: list[list[GoldDoc]] = [[] for _ in range(folds)]
    for doc in duee_fin_part("tune"):
        parts[fold_of(doc.id, folds)].append(doc)
    return parts


class GateRecorder:
    """Collects, per document, its gold and the gate's features of it and of each event (with its tuples)."""

    def __init__(self, fold: int, rows: list[dict[str, Any]]) -> None:
        self.fold = fold
        self.rows = rows
        self.gate = EventGate(record=[])

    def __call__(self, doc: GoldDoc, record: Document, predicted: set[Tuple3], gold: set[Tuple3]) -> None:
        """Match the recorded drafts to the document's events (by type and trigger, in order)."""
        recorded = self.gate.record if self.gate.record is not None else []
        by_key: dict[tuple[str, int], deque[dict[str, float]]] = defaultdict(deque)
        for row in recorded[-1]["events"] if recorded else []:
            by_key[(row["type"], row["start"])].append(row["features"])
        events = []
        for event in record.events:
            queue = by_key.get((event.type, event.trigger.start))
            features = queue.popleft() if queue else None
            tuples = sorted({(event.type, role, text) for role, text in duee_fin_view(event)})
            events.append({"type": event.type, "features": features, "tuples": tuples})
        self.rows.append(
            {
                "doc": doc.id,
                "fold": self.fold,
                "gold": sorted(gold),
                "gold_types": sorted({e.type for e in doc.events}),
                "document": recorded[-1]["document"] if recorded else None,
                "events": events,
            }
        )
        recorded.clear()


def _event_rows(docs: Sequence[dict[str, Any]]) -> tuple[list[dict[str, float]], list[bool]]:
    pairs = [
        (e["features"], e["type"] in d["gold_types"])
        for d in docs
        for e in d["events"]
        if e["features"] is not None and e["type"] in DUEE_FIN_TYPES
    ]
    return [f for f, _ in pairs], [label for _, label in pairs]


def _document_rows(docs: Sequence[dict[str, Any]]) -> tuple[list[dict[str, float]], list[bool]]:
    kept = [d for d in docs if d["document"] is not None]
    return [d["document"] for d in kept], [bool(d["gold_types"]) for d in kept]


def fit_gate(docs: Sequence[dict[str, Any]], l2: float) -> EventGate:
    """A gate (both models, thresholds 0) fitted on recorded documents."""
    return EventGate(fit(*_document_rows(docs), l2=l2), fit(*_event_rows(docs), l2=l2))


def nested_gates(docs: Sequence[dict[str, Any]], folds: int, l2: float) -> list[EventGate]:
    """Fold k's gate, fitted on the other folds' recorded documents and events."""
    return [fit_gate([d for d in docs if d["fold"] != k], l2) for k in range(folds)]


def sweep(
    docs: Sequence[dict[str, Any]], gates: Sequence[EventGate], thresholds: Sequence[tuple[float, float]]
) -> list[str]:
    """Tuples F1 / type F1 / no-event FP / spurious type pairs per (document, event) threshold, offline.

    The gate is the extractor's last step, so dropping an event removes exactly its own
    tuples and, with the document's last event of the type, the type.
    """
    lines = ["doc  event  tuples P/R/F1          type P/R/F1            FP docs  spurious pairs  lost true pairs"]
    for t_doc, t_event in thresholds:
        tuples, types = PRF(), PRF()
        fp_docs = negatives = lost = 0
        for d in docs:
            gate = gates[d["fold"]]
            drop_all = (
                t_doc > 0
                and d["document"] is not None
                and gate.document is not None
                and gate.document.probability(d["document"]) < t_doc
            )
            pred: set[tuple[str, ...]] = set()
            pred_types: set[str] = set()
            before: set[str] = set()
            for e in d["events"]:
                if e["type"] not in DUEE_FIN_TYPES:
                    continue
                before.add(e["type"])
                if drop_all:
                    continue
                if (
                    e["features"] is not None
                    and t_event > 0
                    and gate.event is not None
                    and gate.event.probability(e["features"]) < t_event
                ):
                    continue
                pred |= {tuple(t) for t in e["tuples"]}
                pred_types.add(e["type"])
            gold_types = set(d["gold_types"])
            tuples.add(pred, {tuple(t) for t in d["gold"]})
            types.add(pred_types, gold_types)
            lost += len((before - pred_types) & gold_types)
            if not gold_types:
                negatives += 1
                fp_docs += bool(pred_types)
        lines.append(
            f"{t_doc:4.2f} {t_event:5.2f}  {tuples.precision:.3f}/{tuples.recall:.3f}/{tuples.f1:.4f}  "
            f"{types.precision:.3f}/{types.recall:.3f}/{types.f1:.4f}  {fp_docs:3d}/{negatives}  "
            f"{types.fp:14d}  {lost:15d}"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="where the fold models live")
    parser.add_argument("--train", action="store_true", help="(re)train the fold models first")
    parser.add_argument("--only", choices=["types", "roles"], help="retrain only this model")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--role-epochs", type=int, default=4)
    parser.add_argument("--rules", action="append", default=[], help="rule overlay folder or file")
    parser.add_argument("--sentences", action="store_true", help="role model also on FewFC/DuEE 1.0 sentences")
    parser.add_argument("--no-model", action="store_true", help="rules only")
    parser.add_argument("--errors", type=Path)
    parser.add_argument("--roles", type=int, default=30, help="how many roles to list")
    parser.add_argument("--gate-record", type=Path, help="write each document's events with gate features here")
    parser.add_argument("--gate-sweep", type=Path, help="nested-CV gate curve from a --gate-record file (no run)")
    parser.add_argument("--gate-from", type=Path, help="score with gates fitted on a --gate-record file")
    parser.add_argument("--gate-threshold", type=float, default=0.0, help="the document model's keep threshold")
    parser.add_argument("--event-threshold", type=float, default=0.0, help="the event model's keep threshold")
    parser.add_argument("--gate-l2", type=float, default=1.0, help="the gate's L2 penalty")
    parser.add_argument("--fit-gate", type=Path, help="with --gate-sweep: fit on all folds, write this gate")
    args = parser.parse_args(argv)

    if args.gate_sweep is not None:
        docs = [json.loads(line) for line in args.gate_sweep.open(encoding="utf-8")]
        gates = nested_gates(docs, args.folds, args.gate_l2)
        grid = [(t, 0.0) for t in DOCUMENT_GRID] + [(0.0, t) for t in EVENT_GRID[1:]]
        curve = sweep(docs, gates, grid)
        print("\n".join(curve))
        if args.fit_gate is not None:
            gate = fit_gate(docs, args.gate_l2)
            gate.document_threshold, gate.event_threshold = args.gate_threshold, args.event_threshold
            doc_labels, event_labels = _document_rows(docs)[1], _event_rows(docs)[1]
            gate.meta = {
                "trained_on": f"out-of-fold predictions on the DuEE-fin tuning part ({args.folds}-fold CV)",
                "documents": len(doc_labels),
                "documents_with_events": sum(doc_labels),
                "events": len(event_labels),
                "events_of_a_gold_type": sum(event_labels),
                "l2": args.gate_l2,
                "command": "make train-events-gate (benchmarks/events_cv.py --gate-record, --gate-sweep --fit-gate)",
                "cv_curve": curve,
            }
            gate.save(args.fit_gate)
            print(f"wrote {args.fit_gate}: {len(doc_labels)} documents, {len(event_labels)} events")
        return 0

    parts = split(args.folds)
    if args.train:
        from pipeline.events.train import train_roles, train_types

        for k in range(args.folds):
            train_docs = [d for j, part in enumerate(parts) if j != k for d in part]
            out = args.dir / f"fold{k}"
            if args.only in (None, "types"):
                train_types(out / "types", train_docs, [], args.epochs, log=lambda _m: None)
            if args.only in (None, "roles"):
                train_roles(
                    out / "roles", train_docs, [], args.role_epochs, log=lambda _m: None, with_sentences=args.sentences
                )
            print(f"fold {k}: trained on {len(train_docs)} documents")
    report = DueeFinReport()
    started = time.perf_counter()
    err = args.errors.open("w", encoding="utf-8") if args.errors else None
    recorded: list[dict[str, Any]] = []
    gates: list[EventGate] | None = None
    if args.gate_from is not None:
        gates = nested_gates(
            [json.loads(line) for line in args.gate_from.open(encoding="utf-8")], args.folds, args.gate_l2
        )
        for gate in gates:
            gate.document_threshold, gate.event_threshold = args.gate_threshold, args.event_threshold
    try:
        for k, part in enumerate(parts):
            model: object = False if args.no_model else str(args.dir / f"fold{k}")
            recorder = GateRecorder(k, recorded) if args.gate_record is not None else None
            gate_option: object = gates[k] if gates is not None else recorder.gate if recorder else True
            pipe = Pipeline.build(args.rules, events_model=model, events_gate=gate_option)
            evaluate_duee_fin(pipe, part, err, report, recorder)
    finally:
        if err is not None:
            err.close()
    if args.gate_record is not None:
        with args.gate_record.open("w", encoding="utf-8") as out:
            for row in recorded:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
    title = (
        f"DuEE-fin tuning part, {args.folds}-fold cross-validation: {report.documents} documents, "
        f"{time.perf_counter() - started:.1f}s"
    )
    print(format_report(report, title, args.roles))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
