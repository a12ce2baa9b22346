"""Train the character NER model on CLUENER2020 + MSRA (``make train-ner``).

Reproducible: fixed seed, fixed data order per epoch, a fixed number of epochs, CPU
only (one thread). About 30 CPU-minutes on an idle core; on a busy shared machine the
wall time is longer (``--minutes`` is only a safety stop, checked between epochs, and
a run it cuts short says so in its report). Keeps the epoch with the best dev score
(mean F1 of ORG and PERSON over both dev sets, weights averaged). The output folder holds the spaCy pipeline plus
``training.json``: the command, config, label map, SHA-256 of every data file read,
and the dev scores per epoch.

Usage::

    nice -n 10 python -m pipeline.training.ner --data ../shared/data --out pipeline/models/ner
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import shutil
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import spacy
from spacy.about import __version__ as spacy_version
from spacy.language import Language
from spacy.training import Example
from spacy.util import minibatch
from thinc.api import Adam, compounding, fix_random_seed

from pipeline.ner.data import EVALUATED_LABELS, LABEL_MAPS, MODEL_LABELS, Sentence, file_sha256, load_dataset
from pipeline.ner.features import make_doc
from pipeline.ner.scoring import SpanScorer
from pipeline.rulebook.loader import load_rulebook
from pipeline.stages.segment import Segmenter, lexicon_words, split_words

DATASETS = ("cluener2020", "msra_ner")

# Sized so the saved model stays under 20 MB: (4000 + 3 * 11000 + 8000) rows x 128 x 4 bytes.
MODEL_CONFIG: dict[str, Any] = {
    "@architectures": "spacy.TransitionBasedParser.v2",
    "state_type": "ner",
    "extra_state_tokens": False,
    "hidden_width": 64,
    "maxout_pieces": 2,
    "use_upper": True,
    "nO": None,
    "tok2vec": {
        "@architectures": "spacy.Tok2Vec.v2",
        "embed": {
            "@architectures": "spacy.MultiHashEmbed.v2",
            "width": 128,
            "attrs": ["ORTH", "LEMMA", "TAG", "NORM"],
            "rows": [4000, 11000, 11000, 8000],
            "include_static_vectors": False,
        },
        "encode": {
            "@architectures": "spacy.MaxoutWindowEncoder.v2",
            "width": 128,
            "depth": 4,
            "window_size": 1,
            "maxout_pieces": 3,
        },
    },
}


def new_pipeline() -> Language:
    """A blank Chinese pipeline (character tokens) with an untrained ``ner``."""
    nlp = spacy.blank("zh")
    nlp.add_pipe("ner", config={"model": MODEL_CONFIG})
    return nlp


def word_spans(segmenter: Segmenter, text: str) -> list[tuple[int, int]]:
    """The segmenter's word spans of ``text`` (the model's lexicon feature)."""
    return [(t.start, t.end) for t in segmenter.tokens(text)]


def to_examples(nlp: Language, segmenter: Segmenter, sentences: Iterable[Sentence]) -> list[Example]:
    """Training examples: a featurised character doc and its gold entities."""
    examples = []
    for sent in sentences:
        doc = make_doc(nlp.vocab, sent.text, word_spans(segmenter, sent.text))
        examples.append(Example.from_dict(doc, {"entities": [list(s) for s in sent.spans]}))
    return examples


def predict_spans(nlp: Language, docs: Sequence[Any]) -> list[list[tuple[int, int, str]]]:
    """Entity spans the model predicts for featurised docs (fresh copies are annotated)."""
    ner: Any = nlp.get_pipe("ner")
    out = []
    for doc in ner.pipe((d.copy() for d in docs), batch_size=256):
        out.append([(ent.start_char, ent.end_char, ent.label_) for ent in doc.ents])
    return out


def evaluate(nlp: Language, docs: Sequence[Any], sentences: Sequence[Sentence]) -> dict[str, Any]:
    """Strict span P/R/F1 per label of the model alone."""
    scorer = SpanScorer((*EVALUATED_LABELS, "LOC"))
    for sent, pred in zip(sentences, predict_spans(nlp, docs), strict=True):
        scorer.add(sent.spans, pred)
    return scorer.to_dict()


def selection_score(scores: dict[str, dict[str, Any]]) -> float:
    """One number to pick the best epoch: mean F1 of ORG and PERSON over the dev sets."""
    values = [scores[name][label]["f1"] for name in scores for label in EVALUATED_LABELS]
    return float(sum(values)) / len(values)


def train(
    data_dir: Path,
    out_dir: Path,
    *,
    max_epochs: int,
    minutes: float,
    seed: int,
    cluener_repeat: int,
    msra_fraction: float,
    dropout: float,
    learn_rate: float,
) -> dict[str, Any]:
    """Train, keep the best epoch in ``out_dir``, and return the training report."""
    started = time.monotonic()
    cpu_started = time.process_time()
    fix_random_seed(seed)
    rng = random.Random(seed)  # noqa: S311 - reproducible shuffling, not security
    rulebook = load_rulebook([])
    segmenter = Segmenter(lexicon_words(rulebook), split_words(rulebook))
    nlp = new_pipeline()

    train_sets = {name: load_dataset(data_dir, name, "train") for name in DATASETS}
    dev_sets = {name: load_dataset(data_dir, name, "dev") for name in DATASETS}
    msra = train_sets["msra_ner"]
    if msra_fraction < 1.0:
        msra = rng.sample(msra, int(len(msra) * msra_fraction))
    train_sentences = train_sets["cluener2020"] * cluener_repeat + msra
    log(f"featurising {len(train_sentences)} training sentences")
    train_examples = to_examples(nlp, segmenter, train_sentences)
    dev_docs = {
        name: [make_doc(nlp.vocab, s.text, word_spans(segmenter, s.text)) for s in sents]
        for name, sents in dev_sets.items()
    }
    nlp.initialize(lambda: train_examples[:2000])
    optimizer = Adam(learn_rate=learn_rate, L2=1e-6, grad_clip=1.0, use_averages=True)
    log(f"ready after {time.monotonic() - started:.0f}s")

    history: list[dict[str, Any]] = []
    best: dict[str, Any] | None = None
    epoch_seconds = 0.0
    for epoch in range(1, max_epochs + 1):
        epoch_start = time.monotonic()
        rng.shuffle(train_examples)
        losses: dict[str, float] = {}
        for batch in minibatch(train_examples, size=compounding(32.0, 128.0, 1.001)):  # type: ignore[no-untyped-call]
            nlp.update(batch, drop=dropout, sgd=optimizer, losses=losses)
        with nlp.use_params(optimizer.averages):
            scores = {name: evaluate(nlp, dev_docs[name], dev_sets[name]) for name in DATASETS}
            score = selection_score(scores)
            loss = round(float(losses.get("ner", 0.0)), 1)
            entry = {"epoch": epoch, "loss": loss, "score": round(score, 4), "dev": scores}
            history.append(entry)
            log(json.dumps(entry, ensure_ascii=False))
            if best is None or score > best["score"]:
                best = entry
                save(nlp, out_dir)
        epoch_seconds = max(epoch_seconds, time.monotonic() - epoch_start)
        elapsed = time.monotonic() - started
        if elapsed + epoch_seconds > minutes * 60:
            log(f"stopping early: {elapsed / 60:.1f} min spent, an epoch takes {epoch_seconds / 60:.1f} min")
            break

    assert best is not None
    report = {
        "command": " ".join(["python -m pipeline.training.ner", *sys.argv[1:]]),
        "seed": seed,
        "spacy_version": spacy_version,
        "python": platform.python_version(),
        "labels": list(MODEL_LABELS),
        "label_maps": LABEL_MAPS,
        "cluener_repeat": cluener_repeat,
        "msra_fraction": msra_fraction,
        "dropout": dropout,
        "learn_rate": learn_rate,
        "model_config": MODEL_CONFIG,
        "data": {
            f"{name}/{split}.jsonl": file_sha256(data_dir / name / f"{split}.jsonl")
            for name in DATASETS
            for split in ("train", "dev")
        },
        "train_sentences": len(train_sentences),
        "best_epoch": best["epoch"],
        "dev_scores": best["dev"],
        "history": history,
        "minutes": round((time.monotonic() - started) / 60, 1),
        "cpu_minutes": round((time.process_time() - cpu_started) / 60, 1),
        "stopped_early": len(history) < max_epochs,
    }
    (out_dir / "training.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return report


def save(nlp: Language, out_dir: Path) -> None:
    """Write the pipeline to ``out_dir`` (replacing the spaCy files, keeping others)."""
    tmp = out_dir.with_name(out_dir.name + ".tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    nlp.meta["name"] = "zhpipe_ner"
    nlp.meta["version"] = "1.0.0"
    nlp.meta["description"] = "Character NER (ORG, PERSON, LOC) trained on CLUENER2020 + MSRA train splits"
    major, minor = spacy_version.split(".")[:2]
    nlp.meta["spacy_version"] = f">={major}.{minor}.0,<{major}.{int(minor) + 1}.0"
    nlp.to_disk(tmp)
    out_dir.mkdir(parents=True, exist_ok=True)
    for item in tmp.iterdir():
        target = out_dir / item.name
        if target.is_dir():
            shutil.rmtree(target)
        item.replace(target)
    tmp.rmdir()


def log(message: str) -> None:
    """Progress to stderr with a timestamp."""
    print(time.strftime("%H:%M:%S"), message, file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=Path("../shared/data"), help="folder with the data sets")
    parser.add_argument("--out", type=Path, default=Path("pipeline/models/ner"), help="output folder")
    parser.add_argument("--max-epochs", type=int, default=4)
    parser.add_argument("--minutes", type=float, default=150.0, help="wall-time safety stop (between epochs)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cluener-repeat", type=int, default=2, help="CLUENER copies per epoch")
    parser.add_argument("--msra-fraction", type=float, default=0.6, help="share of MSRA train used")
    parser.add_argument("--dropout", type=float, default=0.15)
    parser.add_argument("--learn-rate", type=float, default=0.002)
    args = parser.parse_args(argv)
    report = train(
        args.data,
        args.out,
        max_epochs=args.max_epochs,
        minutes=args.minutes,
        seed=args.seed,
        cluener_repeat=args.cluener_repeat,
        msra_fraction=args.msra_fraction,
        dropout=args.dropout,
        learn_rate=args.learn_rate,
    )
    log(f"best epoch {report['best_epoch']}: {json.dumps(report['dev_scores'], ensure_ascii=False)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
