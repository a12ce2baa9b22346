"""Score ORG and PERSON on the NER dev splits: the model alone, the rules alone, or both.

Strict spans: a mention counts only with exactly the gold start, end and label.
CLUENER ``company``/``organization``/``government`` are ORG and ``name`` is PERSON;
MSRA ``ORG`` is ORG and ``PER`` is PERSON (the label maps of ``pipeline.ner.data``).
The pipeline modes run the real entity stages (normalise, segment, entities, [ner],
mentions) on every sentence and compare raw-text offsets, so normalisation is included.

    python -m pipeline.ner.evaluate --data ../shared/data --mode pipeline
    python -m pipeline.ner.evaluate --data ../shared/data --mode model
    python -m pipeline.ner.evaluate --data ../shared/data --mode rules
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pipeline.core import Pipeline
from pipeline.ner.data import EVALUATED_LABELS, Sentence, load_dataset
from pipeline.ner.model import NerModel
from pipeline.ner.scoring import SpanScorer
from pipeline.stages.segment import Segmenter

DATASETS = ("cluener2020", "msra_ner")
ENTITY_STAGES = ("normalize", "segment", "entities", "ner", "mentions")
MODES = ("pipeline", "rules", "model")


def pipeline_for(mode: str, model_path: Path | None = None) -> Pipeline:
    """The entity stages of the pipeline, with the model (``pipeline``) or without (``rules``)."""
    options: dict[str, Any] = {"ner": mode == "pipeline"}
    if model_path is not None:
        options["ner_model"] = str(model_path)
    return Pipeline.build(stages=ENTITY_STAGES, **options)


def score_pipeline(pipe: Pipeline, sentences: Sequence[Sentence]) -> dict[str, Any]:
    """Strict span scores of the pipeline's ORG and PERSON mentions (raw offsets)."""
    scorer = SpanScorer(EVALUATED_LABELS)
    for sent in sentences:
        record = pipe.process(sent.text, doc_id=sent.id)
        pred = [(m.raw_start, m.raw_end, m.label) for m in record.mentions]
        scorer.add(sent.spans, pred)
    return scorer.to_dict()


def score_model(model: NerModel, segmenter: Segmenter, sentences: Sequence[Sentence]) -> dict[str, Any]:
    """Strict span scores of the model alone (segmenter words as its features)."""
    scorer = SpanScorer(EVALUATED_LABELS)
    for sent in sentences:
        words = [(t.start, t.end) for t in segmenter.tokens(sent.text)]
        scorer.add(sent.spans, [(s.start, s.end, s.label) for s in model.spans(sent.text, words)])
    return scorer.to_dict()


def evaluate(data_dir: Path, mode: str, model_path: Path | None = None, limit: int | None = None) -> dict[str, Any]:
    """Scores of ``mode`` on each dev set, with the time taken."""
    results: dict[str, Any] = {"mode": mode}
    pipe = pipeline_for("pipeline" if mode == "model" else mode, model_path)
    for name in DATASETS:
        sentences = load_dataset(data_dir, name, "dev")[:limit]
        started = time.perf_counter()
        if mode == "model":
            model = pipe.stage("ner").model  # type: ignore[attr-defined]
            segmenter = pipe.stage("segment").segmenter  # type: ignore[attr-defined]
            scores = score_model(model, segmenter, sentences)
        else:
            scores = score_pipeline(pipe, sentences)
        seconds = time.perf_counter() - started
        chars = sum(len(s.text) for s in sentences)
        results[name] = {"sentences": len(sentences), "chars_per_second": round(chars / seconds), **scores}
    return results


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point: prints the scores as JSON."""
    parser = argparse.ArgumentParser(description="Score ORG/PERSON on the CLUENER and MSRA dev splits.")
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--mode", choices=MODES, default="pipeline")
    parser.add_argument("--model", type=Path, default=None, help="model folder (default: the committed one)")
    parser.add_argument("--limit", type=int, default=None, help="first N sentences of each set")
    args = parser.parse_args(argv)
    print(json.dumps(evaluate(args.data, args.mode, args.model, args.limit), ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
