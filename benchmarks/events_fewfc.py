"""Score the events stage on FewFC dev for the FewFC types that map onto ours.

The mapping is the one issue 7 gives: 中标 -> 中标, 收购 -> 企业收购, 减持 -> 股东减持,
质押 -> 质押, 投资 -> 企业融资. FewFC is sentence level, so:

- event type: per sentence, the set of mapped types (ours restricted to the five);
- arguments: (type, role, text) tuples in FewFC's role space, our roles mapped by
  ``pipeline.events.scoring.FEWFC_ROLES`` (sub-org/sub-per taken as sub, obj-org/obj-per
  as obj; FewFC roles with no counterpart of ours, such as 收购/way, are not scored).

Note that FewFC 投资 is mostly a stake purchase (收购 X 的股权), which DuEE-fin calls
企业收购, so the 企业融资 row measures the two schemes' disagreement as much as the
extractor. FewFC's own 股份股权转让/签署合同/担保/起诉/判决 are not scored.

    nice .venv/bin/python benchmarks/events_fewfc.py
"""

from __future__ import annotations

import argparse
import time

from pipeline.core import Pipeline
from pipeline.events.datasets import FEWFC_INVEST_TRIGGERS, FEWFC_TYPES, GoldEvent, data_dir, read_jsonl
from pipeline.events.scoring import SentenceReport, fewfc_tuples_gold, fewfc_tuples_predicted


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", default="dev")
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--no-model", action="store_true", help="rules only")
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--invest-by-trigger",
        action="store_true",
        help="map FewFC 投资 by its trigger (收购 -> 企业收购, 增持 -> 股东增持, 投资 -> 企业融资) as in training",
    )
    args = parser.parse_args(argv)

    pipe = Pipeline.build(events_model=not args.no_model)
    normalizer = pipe.normalizer()
    ours = set(FEWFC_TYPES.values())
    report = SentenceReport(tuple(sorted(ours)))
    started = time.perf_counter()
    for doc in read_jsonl(data_dir() / "fewfc" / f"{args.split}.jsonl"):
        if args.limit and report.sentences >= args.limit:
            break
        gold_events = []
        for e in doc.events:
            mapped = FEWFC_TYPES.get(e.type)
            if e.type == "投资" and args.invest_by_trigger:
                mapped = FEWFC_INVEST_TRIGGERS.get(e.trigger)
            if mapped in ours:
                gold_events.append(GoldEvent(mapped, e.trigger, e.arguments))
        record = pipe.process(doc.text, doc_id=doc.id)
        predicted = [e for e in record.events if e.type in ours]
        gold = {(t, r, normalizer(x).text) for t, r, x in fewfc_tuples_gold(gold_events)}
        report.add({e.type for e in predicted}, {e.type for e in gold_events}, fewfc_tuples_predicted(predicted), gold)
    elapsed = time.perf_counter() - started
    print(
        report.render(
            args.json,
            f"FewFC {args.split}: {report.sentences} sentences, {elapsed:.1f}s",
            "event type per sentence (5 mapped types)",
            "arguments (type, FewFC role, text)",
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
