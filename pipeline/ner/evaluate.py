"""Score ORG and PERSON on the NER dev splits: the model alone, the rules alone, or both.

Strict spans: a mention counts only with exactly the gold start, end and label.
CLUENER ``company``/``organization``/``government`` are ORG and ``name`` is PERSON;
MSRA ``ORG`` is ORG and ``PER`` is PERSON (the label maps of ``pipeline.ner.data``).
The pipeline modes run the real entity stages (normalise, segment, entities, [ner],
mentions) on every sentence and compare raw-text offsets, so normalisation is included;
the ``model`` mode runs the model on the normalised text too (what the ``ner`` stage
reads) and maps its spans back to raw offsets.

    python -m pipeline.ner.evaluate --data ../shared/data --mode pipeline
    python -m pipeline.ner.evaluate --data ../shared/data --mode model
    python -m pipeline.ner.evaluate --data ../shared/data --mode rules
    python -m pipeline.ner.evaluate --data ../shared/data --split holdout   # tuning
    python -m pipeline.ner.evaluate --split holdout --errors /tmp/errors.jsonl

``--errors PATH`` (pipeline and rules modes) also writes every sentence with a missed or
spurious ORG/PERSON span as one JSON line: the gold spans it missed, the spans it made
wrongly (with the rule or model behind them and their confidence), and every span the
model reads there at any confidence (``LOC`` too), which tells a miss the model never saw
from one the merge dropped or a place read instead of an organisation.

``--split holdout`` scores the part of the *train* splits the model was not trained on
(the share and seed recorded in the model's ``training.json``): rules and merge are
tuned there, so the dev splits are scored only for the report.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pipeline.core import Pipeline
from pipeline.ner.data import EVALUATED_LABELS, Sentence, load_dataset, train_and_holdout
from pipeline.ner.model import NerModel, default_model_path
from pipeline.ner.scoring import SpanScorer
from pipeline.stages.entities import dictionary_word_tags
from pipeline.stages.normalize import Normalizer
from pipeline.stages.segment import Segmenter

DATASETS = ("cluener2020", "msra_ner")
ENTITY_STAGES = ("normalize", "segment", "entities", "ner", "mentions")
MODES = ("pipeline", "rules", "model")
SPLITS = ("dev", "holdout")


def pipeline_for(mode: str, model_path: Path | None = None) -> Pipeline:
    """The entity stages of the pipeline, with the model (``pipeline``) or without (``rules``)."""
    options: dict[str, Any] = {"ner": mode == "pipeline"}
    if model_path is not None:
        options["ner_model"] = str(model_path)
    return Pipeline.build(stages=ENTITY_STAGES, **options)


def score_pipeline(
    pipe: Pipeline, sentences: Sequence[Sentence], errors: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """Strict span scores of the pipeline's ORG and PERSON mentions (raw offsets).

    With ``errors`` every sentence with a missed or spurious span is appended to it
    (``error_row``).
    """
    scorer = SpanScorer(EVALUATED_LABELS)
    for sent in sentences:
        record = pipe.process(sent.text, doc_id=sent.id)
        pred = [(m.raw_start, m.raw_end, m.label) for m in record.mentions]
        scorer.add(sent.spans, pred)
        if errors is not None:
            found = {(m.raw_start, m.raw_end, m.label): (m.source, round(m.confidence, 3)) for m in record.mentions}
            row = error_row(sent, found)
            if row is not None:
                errors.append(row)
    return scorer.to_dict()


def error_row(sent: Sentence, found: dict[tuple[int, int, str], tuple[str, float]]) -> dict[str, Any] | None:
    """What one sentence got wrong, or None when its ORG and PERSON spans are all right.

    Args:
        sent: the annotated sentence.
        found: the predicted spans (raw offsets) with the source and confidence of each.

    """
    gold = {span for span in sent.spans if span[2] in EVALUATED_LABELS}
    pred = {span for span in found if span[2] in EVALUATED_LABELS}
    if gold == pred:
        return None
    text = sent.text
    return {
        "id": sent.id,
        "text": text,
        "missed": [[s, e, label, text[s:e]] for s, e, label in sorted(gold - pred)],
        "spurious": [[s, e, label, text[s:e], *found[(s, e, label)]] for s, e, label in sorted(pred - gold)],
        "gold": [[s, e, label, text[s:e]] for s, e, label in sent.spans],
    }


def add_model_readings(pipe: Pipeline, rows: list[dict[str, Any]]) -> None:
    """Add to each error row the spans the model reads in its sentence, at any confidence (raw offsets)."""
    ner = pipe.stage("ner")
    model = getattr(ner, "model", None)
    if model is None or not rows:
        return
    segmenter = pipe.stage("segment").segmenter  # type: ignore[attr-defined]
    normalizer = pipe.normalizer()
    norms = [normalizer(row["text"]) for row in rows]
    items = [(n.text, [(t.start, t.end) for t in segmenter.tokens(n.text)]) for n in norms]
    for row, norm, spans in zip(rows, norms, model.spans_many(items, dictionary_word_tags()), strict=True):
        readings = []
        for span in spans:
            start, end = norm.to_raw_span(span.start, span.end)
            readings.append([start, end, span.label, row["text"][start:end], round(span.confidence, 3)])
        row["model"] = readings


def score_model(
    model: NerModel, segmenter: Segmenter, sentences: Sequence[Sentence], normalizer: Normalizer | None = None
) -> dict[str, Any]:
    """Strict span scores of the model alone (segmenter words and their tags as its features).

    With a ``normalizer`` the model reads the normalised text, as in the pipeline, and
    its spans are mapped back to raw offsets.
    """
    scorer = SpanScorer(EVALUATED_LABELS)
    norms = [normalizer(s.text) if normalizer is not None else None for s in sentences]
    texts = [n.text if n is not None else s.text for s, n in zip(sentences, norms, strict=True)]
    items = [(text, [(t.start, t.end) for t in segmenter.tokens(text)]) for text in texts]
    found_all = model.spans_many(items, dictionary_word_tags())
    for sent, norm, found in zip(sentences, norms, found_all, strict=True):
        spans = [(s.start, s.end, s.label) for s in found]
        if norm is not None:
            spans = [(*norm.to_raw_span(start, end), label) for start, end, label in spans]
        scorer.add(sent.spans, spans)
    return scorer.to_dict()


def load_sentences(data_dir: Path, name: str, split: str, model_path: Path) -> list[Sentence]:
    """The ``dev`` split of a data set, or the ``holdout`` part of its train split."""
    if split == "dev":
        return load_dataset(data_dir, name, "dev")
    report = json.loads((model_path / "training.json").read_text(encoding="utf-8"))
    _kept, held = train_and_holdout(data_dir, name, report["holdout"], report["seed"], report.get("train_limit"))
    return held


def evaluate(
    data_dir: Path,
    mode: str,
    model_path: Path | None = None,
    limit: int | None = None,
    split: str = "dev",
    errors: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Scores of ``mode`` on each data set's ``split``, with the time taken.

    With ``errors`` (pipeline and rules modes) the sentences with wrong spans are
    appended to it, each with its data set's name and the model's readings.
    """
    if errors is not None and mode == "model":
        raise ValueError("error listings are for the pipeline and rules modes")
    results: dict[str, Any] = {"mode": mode, "split": split}
    pipe = pipeline_for("pipeline" if mode == "model" else mode, model_path)
    for name in DATASETS:
        sentences = load_sentences(data_dir, name, split, model_path or default_model_path())[:limit]
        started = time.perf_counter()
        if mode == "model":
            model = pipe.stage("ner").model  # type: ignore[attr-defined]
            segmenter = pipe.stage("segment").segmenter  # type: ignore[attr-defined]
            scores = score_model(model, segmenter, sentences, pipe.normalizer())
        else:
            rows: list[dict[str, Any]] | None = [] if errors is not None else None
            scores = score_pipeline(pipe, sentences, rows)
        seconds = time.perf_counter() - started
        if errors is not None and rows is not None:
            add_model_readings(pipe, rows)
            errors.extend({"set": name, **row} for row in rows)
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
    parser.add_argument("--split", choices=SPLITS, default="dev", help="dev, or the held-out part of train")
    parser.add_argument("--errors", type=Path, default=None, help="write the sentences with wrong spans here (JSONL)")
    args = parser.parse_args(argv)
    if args.errors is not None and args.mode == "model":
        parser.error("--errors needs --mode pipeline or rules")
    errors: list[dict[str, Any]] | None = [] if args.errors is not None else None
    results = evaluate(args.data, args.mode, args.model, args.limit, args.split, errors)
    if args.errors is not None and errors is not None:
        with args.errors.open("w", encoding="utf-8") as fh:
            for row in errors:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(json.dumps(results, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
