"""Score the events stage on DuEE 1.0 dev for the DuEE 1.0 types that map onto ours.

DuEE-fin has no 裁员 or 产品发布; DuEE 1.0 (general news, sentence level) has both
(组织关系-裁员, 产品行为-发布) and five more types that are ours under other names
(``pipeline.events.datasets.DUEE1_TYPES``: 上市, 融资, 出售/收购, 辞/离职, 加盟, 解雇, 约谈).
So this is where the layoffs and product launches of the seed article's kind are measured:

- event type: per sentence, the set of mapped types (ours restricted to the mapped ones);
- arguments: ``(type, role, text)`` tuples in our role space, DuEE 1.0 roles mapped by
  ``DUEE1_ROLES`` (roles with no counterpart, or a different writing convention, are not
  scored, nor are our roles nothing maps onto, such as 裁员/比例).

Sentences whose only events are of the types close to ours without being them
(``DUEE1_AMBIGUOUS``: 退出, 停职, 解约, 解散) are skipped, as in training. The types
classifier is trained on DuEE 1.0 *train*; dev is not seen.

    nice .venv/bin/python benchmarks/events_duee1.py [--no-model] [--errors FILE]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from pipeline.core import Pipeline
from pipeline.events.datasets import DUEE1_AMBIGUOUS, DUEE1_TYPES, data_dir, read_jsonl
from pipeline.events.scoring import SentenceReport, duee1_scored_roles, duee1_tuples_gold, scored_tuples


def main(argv: list[str] | None = None) -> int:
    """Run the pipeline over DuEE 1.0 sentences and print (or dump as JSON) the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", default="dev")
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--no-model", action="store_true", help="rules only")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--errors", type=Path, help="write each sentence whose types or tuples differ (JSON lines)")
    args = parser.parse_args(argv)

    pipe = Pipeline.build(events_model=not args.no_model)
    normalizer = pipe.normalizer()
    roles = duee1_scored_roles()
    report = SentenceReport(tuple(sorted(roles)))
    errors = args.errors.open("w", encoding="utf-8") if args.errors else None
    started = time.perf_counter()
    try:
        for doc in read_jsonl(data_dir() / "duee1.0" / f"{args.split}.jsonl"):
            if args.limit and report.sentences >= args.limit:
                break
            if doc.events and all(e.type in DUEE1_AMBIGUOUS for e in doc.events):
                continue
            record = pipe.process(doc.text, doc_id=doc.id)
            predicted_types = {e.type for e in record.events if e.type in roles}
            gold_types = {DUEE1_TYPES[e.type] for e in doc.events if e.type in DUEE1_TYPES}
            predicted = scored_tuples(record.events, roles)
            gold = {(t, r, normalizer(x).text) for t, r, x in duee1_tuples_gold(doc.events)}
            report.add(predicted_types, gold_types, predicted, gold)
            if errors is not None and (predicted != gold or predicted_types != gold_types):
                row = {
                    "id": doc.id,
                    "text": doc.text,
                    "types": {"predicted": sorted(predicted_types), "gold": sorted(gold_types)},
                    "missed": sorted(gold - predicted),
                    "false": sorted(predicted - gold),
                }
                errors.write(json.dumps(row, ensure_ascii=False) + "\n")
    finally:
        if errors is not None:
            errors.close()
    elapsed = time.perf_counter() - started
    print(
        report.render(
            args.json,
            f"DuEE 1.0 {args.split}: {report.sentences} sentences, {elapsed:.1f}s",
            f"event type per sentence ({len(roles)} mapped types)",
            "arguments (type, role, text)",
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
