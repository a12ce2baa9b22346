"""Cross-validated DuEE-fin figures on the tuning part, for tuning rules and thresholds.

The committed models were trained on the tuning part, so scoring them there flatters
them. This script trains K fold models (each on the tuning part minus one fold, fixed
epochs, same settings as ``make train-events``) and scores each fold with the model
that never saw it; the pooled figures are what rule and threshold changes are judged
by. The held-back part is not touched.

    nice .venv/bin/python benchmarks/events_cv.py --train          # train the fold models (~3 min)
    nice .venv/bin/python benchmarks/events_cv.py                  # score with them (~20 s)
    nice .venv/bin/python benchmarks/events_cv.py --rules /tmp/overlay.yaml --errors /tmp/cv_err.jsonl
"""

from __future__ import annotations

import argparse
import hashlib
import time
from pathlib import Path

from pipeline.core import Pipeline
from pipeline.events.datasets import GoldDoc, duee_fin_part
from pipeline.events.scoring import DueeFinReport, evaluate_duee_fin, format_report

DEFAULT_DIR = Path("/tmp/zhpipe-events-cv")


def fold_of(doc_id: str, folds: int) -> int:
    """The fold of a tuning document (by a hash of its id, independent of the other splits)."""
    digest = hashlib.sha1(("cv-fold:" + doc_id).encode("utf-8"), usedforsecurity=False).hexdigest()
    return int(digest[:8], 16) % folds


def split(folds: int) -> list[list[GoldDoc]]:
    parts: list[list[GoldDoc]] = [[] for _ in range(folds)]
    for doc in duee_fin_part("tune"):
        parts[fold_of(doc.id, folds)].append(doc)
    return parts


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
    args = parser.parse_args(argv)

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
    try:
        for k, part in enumerate(parts):
            model: object = False if args.no_model else str(args.dir / f"fold{k}")
            pipe = Pipeline.build(args.rules, events_model=model)
            evaluate_duee_fin(pipe, part, err, report)
    finally:
        if err is not None:
            err.close()
    title = (
        f"DuEE-fin tuning part, {args.folds}-fold cross-validation: {report.documents} documents, "
        f"{time.perf_counter() - started:.1f}s"
    )
    print(format_report(report, title, args.roles))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
