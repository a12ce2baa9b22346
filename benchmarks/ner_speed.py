"""Speed of the NER model stage and of the whole pipeline with and without it.

On the benchmark news text (``newstext.py``), in one process, timed in CPU seconds of
the process (so other jobs on a shared machine do not distort the figures): the full pipeline
with the model, the full pipeline rules-only (``ner=False``), and the model stage on
its own (given the segmenter's tokens). Reports characters per second of each and
the share of the pipeline's time the model takes.

    nice python benchmarks/ner_speed.py --mb 0.2
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from newstext import news_documents

from pipeline.core import Pipeline
from pipeline.stages.base import WorkDoc


def run_pipeline(pipe: Pipeline, docs: list[str]) -> float:
    """Seconds to process every document."""
    started = time.process_time()
    for text in docs:
        pipe.process(text)
    return time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=0.2)
    args = parser.parse_args()
    docs = news_documents(args.mb)
    chars = sum(len(d) for d in docs)

    with_model = Pipeline.build()
    rules_only = Pipeline.build(ner=False)
    run_pipeline(with_model, docs[:20])  # warm up (jieba, spaCy)
    run_pipeline(rules_only, docs[:20])

    full_seconds = run_pipeline(with_model, docs)
    rules_seconds = run_pipeline(rules_only, docs)

    # The model stage alone, on documents already normalised and segmented.
    prepared = []
    for text in docs:
        work = WorkDoc(raw=text, doc_id="bench")
        for stage in with_model.stages:
            if stage.name in ("normalize", "segment"):
                stage(work)
        prepared.append(work)
    ner = with_model.stage("ner")
    started = time.process_time()
    for work in prepared:
        ner(work)
    ner_seconds = time.process_time() - started

    report = {
        "documents": len(docs),
        "chars": chars,
        "chars_per_second": {
            "pipeline_with_model": round(chars / full_seconds),
            "pipeline_rules_only": round(chars / rules_seconds),
            "model_stage": round(chars / ner_seconds),
        },
        "model_share_of_pipeline_time": round(ner_seconds / full_seconds, 3),
        "rules_only_speedup": round(full_seconds / rules_seconds, 2),
    }
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
