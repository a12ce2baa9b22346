"""Score the events stage on DuEE-fin dev (our held-back part by default).

Metrics (as issue 7 asks), computed by ``pipeline.events.scoring.evaluate_duee_fin``:

- DuEE-fin tuple metric: P/R/F1 over the per-document sets of (event type, role,
  argument text), micro-averaged (13 DuEE-fin types only: the data set annotates
  nothing else). 高管变动/变动类型 is compared verbatim (the event's trigger word).
- Event-type F1: per document, the set of DuEE-fin types it has.
- False-positive rate: share of documents without gold events where we output at
  least one DuEE-fin-type event (and, for information, any event at all).
- Gold argument texts are normalised like the documents (full-width digits,
  Traditional characters) before comparing: our arguments are cut from normalised text.

    nice .venv/bin/python benchmarks/events_duee_fin.py                 # held-back part
    nice .venv/bin/python benchmarks/events_duee_fin.py --part model_dev --errors /tmp/err.jsonl

The held-back part (``pipeline.events.datasets.is_held_back``) is never used for tuning
or training; only final figures are taken on it.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from pipeline.core import Pipeline
from pipeline.events.datasets import duee_fin_part
from pipeline.events.scoring import evaluate_duee_fin, format_report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", choices=["held_back", "tune", "model_dev", "model_train", "all"], default="held_back")
    parser.add_argument("--limit", type=int, default=0, help="only the first N documents")
    parser.add_argument("--errors", type=Path, help="write per-document misses and false hits here (JSONL)")
    parser.add_argument("--no-model", action="store_true", help="rules only (the events models switched off)")
    parser.add_argument("--model", help="models folder (default: the committed pipeline/models/events)")
    parser.add_argument("--rules", action="append", default=[], help="rule overlay folder or file")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    args = parser.parse_args(argv)

    docs = duee_fin_part(args.part)
    if args.limit:
        docs = docs[: args.limit]
    options: dict[str, object] = {"events_model": False} if args.no_model else {}
    if args.model:
        options["events_model"] = args.model
    pipe = Pipeline.build(args.rules, **options)
    started = time.perf_counter()
    err = args.errors.open("w", encoding="utf-8") if args.errors else None
    try:
        report = evaluate_duee_fin(pipe, docs, err)
    finally:
        if err is not None:
            err.close()
    elapsed = time.perf_counter() - started
    if args.json:
        json.dump(
            {"part": args.part, "seconds": round(elapsed, 1), **report.to_dict()},
            sys.stdout,
            ensure_ascii=False,
            indent=1,
        )
        print()
        return 0
    print(format_report(report, f"DuEE-fin dev, part {args.part}: {report.documents} documents, {elapsed:.1f}s"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
