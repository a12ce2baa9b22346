"""Speed of the events stage, with its models and rules-only, and its share of the pipeline.

On the benchmark news text (``newstext.py``, a share damaged as in ``throughput.py``),
in one process, timed in CPU seconds of the process (other jobs on a shared machine
distort the figures less): every document is first run through the stages before
``events``; then the events stage alone runs over all of them with its models
(the default) and rules-only (``events_model=False``), best of ``--repeat`` passes.
The stages before it are timed on the same documents, for the stage's share.

    nice python benchmarks/events_speed.py --mb 0.5
    nice python benchmarks/events_speed.py --mb 0.5 --ner   # mentions from the NER model too
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from throughput import damaged_inputs

from pipeline.core import Pipeline
from pipeline.rulebook.patterns import Deadline, pattern_scope
from pipeline.stages.base import Stage, WorkDoc

RULE_STAGES = ("normalize", "segment", "dates", "amounts", "entities", "mentions", "events")


def time_stage(stage: Stage, docs: list[WorkDoc], repeat: int, budget: float) -> float:
    """Best CPU seconds of ``repeat`` passes of ``stage`` over every document.

    Each call runs within its document's pattern budget, as ``Pipeline.run_stages`` runs
    it: outside a ``pattern_scope`` every rule's required-character test scans the
    whole text instead of reading the document's character set once, which the
    pipeline never pays (about a sixth of the stage's time).
    """
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        for doc in docs:
            with pattern_scope(Deadline(budget, doc.doc_id)):
                stage(doc)
        best = min(best, time.process_time() - started)
    return best


def main() -> None:
    """Print the events stage's speed with and without its models, as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=0.5, help="Size of the benchmark text (MB of UTF-8).")
    parser.add_argument("--damaged", type=float, default=0.2, help="Share of documents damaged (0-1).")
    parser.add_argument("--ner", action="store_true", help="Run the NER model stage before events too.")
    parser.add_argument("--repeat", type=int, default=2, help="Passes of the events stage; the best is kept.")
    args = parser.parse_args()

    inputs, _ = damaged_inputs(args.mb, args.damaged)
    names = list(RULE_STAGES)
    if args.ner:
        names.insert(names.index("mentions"), "ner")
    with_models = Pipeline.build(stages=names)
    rules_only = Pipeline.build(stages=names, events_model=False)

    docs: list[WorkDoc] = []
    before_seconds = 0.0
    for data in inputs:
        doc = with_models.new_doc(data, doc_id=None, doc_date=None, source=None, meta={})
        started = time.process_time()
        with pattern_scope(Deadline(with_models.pattern_budget, doc.doc_id)):
            for stage in with_models.stages[:-1]:
                stage(doc)
        before_seconds += time.process_time() - started
        docs.append(doc)
    chars = sum(len(doc.text) for doc in docs)
    model_stage, rules_stage = with_models.stages[-1], rules_only.stages[-1]
    budget = with_models.pattern_budget
    time_stage(model_stage, docs[:20], 1, budget)  # warm up (spaCy, regex caches)
    time_stage(rules_stage, docs[:20], 1, budget)
    model_seconds = time_stage(model_stage, docs, args.repeat, budget)
    rules_seconds = time_stage(rules_stage, docs, args.repeat, budget)
    report = {
        "documents": len(docs),
        "chars": chars,
        "stages": names,
        "cpu_seconds": {
            "stages_before_events": round(before_seconds, 3),
            "events_with_models": round(model_seconds, 3),
            "events_rules_only": round(rules_seconds, 3),
        },
        "chars_per_second": {
            "events_with_models": round(chars / model_seconds),
            "events_rules_only": round(chars / rules_seconds),
            "pipeline_with_event_models": round(chars / (before_seconds + model_seconds)),
            "pipeline_rules_only_events": round(chars / (before_seconds + rules_seconds)),
        },
        "events_share_of_pipeline": {
            "with_models": round(model_seconds / (before_seconds + model_seconds), 3),
            "rules_only": round(rules_seconds / (before_seconds + rules_seconds), 3),
        },
    }
    print(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
