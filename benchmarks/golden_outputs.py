"""Golden-output regression check: the pipeline's records before and after a change, compared exactly.

Speed work must not change what the pipeline finds. This script runs the whole
pipeline on the benchmark documents (``newstext.news_documents``, the same share
damaged by the corruption tool as in ``throughput.py``) and writes, per document,
its DATE and AMOUNT mentions and a digest of the whole record. ``--check`` runs
again and compares with a file written earlier: every DATE/AMOUNT mention must be
identical (label, text, offsets, raw offsets, value, source, confidence), and so
must the rest of the record.

    nice python benchmarks/golden_outputs.py --mb 2 --write /tmp/golden_before.jsonl
    ... change the code ...
    nice python benchmarks/golden_outputs.py --mb 2 --check /tmp/golden_before.jsonl

The file holds extracted values only (no document text beyond the mention texts);
keep it outside the repository.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from throughput import damaged_inputs

from pipeline.core import Pipeline
from pipeline.errors import PipelineError

LABELS = ("DATE", "AMOUNT")


def golden_rows(pipe: Pipeline, inputs: list[bytes]) -> Iterator[dict[str, Any]]:
    """One row per document: its DATE/AMOUNT mentions and the digest of its whole record."""
    for i, data in enumerate(inputs):
        try:
            record = pipe.process(data).to_dict()
        except PipelineError as exc:
            yield {"n": i, "error": str(exc)}
            continue
        blob = json.dumps(record, ensure_ascii=False, sort_keys=True).encode("utf-8")
        yield {
            "n": i,
            "doc_id": record["doc_id"],
            "mentions": [m for m in record["mentions"] if m["label"] in LABELS],
            "record_sha1": hashlib.sha1(blob, usedforsecurity=False).hexdigest(),
        }


def compare(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> tuple[int, int, list[str]]:
    """Documents whose DATE/AMOUNT mentions differ, whose records differ, and a few examples."""
    mention_diffs = record_diffs = 0
    examples: list[str] = []
    for old, new in zip(before, after, strict=True):
        if old.get("mentions") != new.get("mentions") or old.get("error") != new.get("error"):
            mention_diffs += 1
            if len(examples) < 5:
                old_m = {json.dumps(m, ensure_ascii=False, sort_keys=True) for m in old.get("mentions", [])}
                new_m = {json.dumps(m, ensure_ascii=False, sort_keys=True) for m in new.get("mentions", [])}
                examples.append(
                    f"document {old['n']}: lost {sorted(old_m - new_m)[:2]} gained {sorted(new_m - old_m)[:2]}"
                )
        if old.get("record_sha1") != new.get("record_sha1"):
            record_diffs += 1
    return mention_diffs, record_diffs, examples


def main() -> None:
    """Write or check the golden outputs."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=float, default=2.0, help="Size of the benchmark text (MB of UTF-8).")
    parser.add_argument("--damaged", type=float, default=0.2, help="Share of documents damaged (0-1).")
    parser.add_argument("--stages", default=None, help="Comma-separated stages (default: the pipeline's).")
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", type=Path, help="Write the golden outputs to this JSONL file.")
    group.add_argument("--check", type=Path, help="Compare with golden outputs written earlier.")
    args = parser.parse_args()

    inputs, _ = damaged_inputs(args.mb, args.damaged)
    pipe = Pipeline.build(stages=args.stages.split(",") if args.stages else None)
    rows = list(golden_rows(pipe, inputs))
    n_mentions = sum(len(r.get("mentions", [])) for r in rows)
    if args.write:
        with args.write.open("w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        print(f"{len(rows)} documents, {n_mentions} DATE/AMOUNT mentions written to {args.write}")
        return
    with args.check.open(encoding="utf-8") as fh:
        before = [json.loads(line) for line in fh]
    if len(before) != len(rows):
        sys.exit(f"{args.check} holds {len(before)} documents, this run {len(rows)}: use the same --mb/--damaged")
    mention_diffs, record_diffs, examples = compare(before, rows)
    print(f"{len(rows)} documents, {n_mentions} DATE/AMOUNT mentions")
    print(f"documents whose DATE/AMOUNT mentions differ: {mention_diffs}")
    print(f"documents whose whole record differs: {record_diffs}")
    for line in examples:
        print("  " + line)
    if mention_diffs or record_diffs:
        sys.exit(1)


if __name__ == "__main__":
    main()
