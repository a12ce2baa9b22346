"""Train the character NER model on CLUENER2020 + MSRA (``make train-ner``).

The model is a spaCy ``tagger`` over one token per character whose network is
``zhpipe.CharTagger.v1`` (``pipeline/ner/layers.py``): hashed character, n-gram and
segmenter-word features, a dilated CNN, a softmax over BIOES tags (decoded into spans
by ``pipeline/ner/decode.py``).

Reproducible: fixed seed, fixed data order per epoch, CPU only (one thread). Model
selection never looks at the dev splits: a fixed share of each *train* split is held
out (``--holdout``), the epoch with the best held-out score (mean F1 of ORG and
PERSON over both sets, averaged weights) is kept, and the dev splits are scored once,
at the end, with that model. ``--minutes`` is a safety stop checked between epochs; a
run it cuts short says so in its report. The output folder holds the spaCy pipeline
plus ``training.json``: the command, configuration, label maps, SHA-256 of every data
file read, held-out scores per epoch, the dev scores, wall and CPU minutes; and
``names.tsv``, the person names of the sentences trained on (``pipeline/ner/names.py``).

Pretrained vectors (``--vectors``, on by default): before training, skip-gram vectors
of characters and of bigrams are learnt (gensim's word2vec, one worker, fixed seed and
hash, so the same data gives the same vectors) from the unlabelled text of every
*train* split in the data folder (``VECTOR_SETS``; the held-out sentences and every dev
split are left out), kept for the frequent keys only, and given to the network as a
fixed input (``pipeline.ner.layers.static_vectors``). gensim is a training-only
dependency (the ``train`` extra); the run-time model holds the vectors itself.

Usage::

    nice -n 10 python -m pipeline.training.ner --data ../shared/data --out pipeline/models/ner
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import random
import shutil
import sys
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np
import spacy
from numpy.typing import NDArray
from spacy.about import __version__ as spacy_version
from spacy.language import Language
from spacy.tokens import Doc
from spacy.training import Example
from thinc.api import Adam, Model, Ragged, fix_random_seed, set_dropout_rate, warmup_linear

from pipeline.core import Pipeline
from pipeline.ner.data import (
    EVALUATED_LABELS,
    LABEL_MAPS,
    MODEL_LABELS,
    Sentence,
    load_dataset,
    normalised,
    train_and_holdout,
)
from pipeline.ner.decode import Decoder, spans_to_tags, tag_names
from pipeline.ner.features import (
    BIGRAM,
    CHAR,
    FEATURE_NAMES,
    N_FEATURES,
    TRIGRAM,
    UNKNOWN_KEY,
    WORD,
    char_features,
    fold_text,
)
from pipeline.ner.layers import ENCODER_REF, FEATURES_KEY, STATIC_REF, set_static_vectors, use_numpy_blas
from pipeline.ner.model import COMPONENT
from pipeline.ner.names import NAME_SETS, build_names, trained_on
from pipeline.ner.scoring import SpanScorer
from pipeline.rulebook.loader import load_rulebook
from pipeline.stages.entities import dictionary_word_tags
from pipeline.stages.segment import Segmenter, lexicon_words, split_words
from pipeline.training import file_sha256

DATASETS = ("cluener2020", "msra_ner")
TAGS = tag_names(MODEL_LABELS)

# (5000 + 24000 + 12000 + 14000 + 256 + 1024) rows x 96 x 4 bytes = 21 MB on disk, plus
# the int8 pretrained vectors (VECTOR_KEYS rows x vector_widths bytes, and 8 bytes a key).
MODEL_CONFIG: dict[str, Any] = {
    "@architectures": "zhpipe.CharTagger.v1",
    "width": 96,
    "rows": [5000, 24000, 12000, 14000, 256, 1024],
    "dilations": [1, 2, 4, 8, 1],
    "n_tags": len(TAGS),
    "dropout": 0.1,
    "vectors": [CHAR, BIGRAM],
    "vector_widths": [64, 48],
}
# The train splits whose text the pretrained vectors are learnt from (their labels unused).
VECTOR_SETS = ("cluener2020", "msra_ner", "duee1.0", "fewfc")
# How many of the most frequent characters / bigrams keep a vector (bounds the model size).
VECTOR_KEYS = {CHAR: 7000, BIGRAM: 30000}
VECTOR_MIN_COUNT = 3


@dataclass(slots=True)
class Featurised:
    """One sentence ready for the network: feature keys and gold tag ids."""

    keys: NDArray[np.uint64]
    gold: NDArray[np.int32]
    sentence: Sentence


def vector_corpus(data_dir: Path, sets: Sequence[str], exclude: set[str]) -> tuple[list[str], dict[str, str]]:
    """The distinct folded texts of the sets' train splits, less the ``exclude`` ids, and each file's hash."""
    seen: set[str] = set()
    texts: list[str] = []
    hashes: dict[str, str] = {}
    for name in sets:
        path = data_dir / name / "train.jsonl"
        if not path.is_file():
            continue
        hashes[f"{name}/train.jsonl"] = file_sha256(path)
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                if not line.strip():
                    continue
                record = json.loads(line)
                text = fold_text(str(record.get("text", "")))
                if str(record.get("id")) in exclude or not text or text in seen:
                    continue
                seen.add(text)
                texts.append(text)
    return texts, hashes


def _stable_hash(value: str) -> int:
    """A hash that does not change between runs (gensim seeds each vector with it)."""
    return int.from_bytes(hashlib.blake2b(value.encode("utf-8"), digest_size=8).digest(), "little") >> 1


def pretrain_vectors(
    texts: Sequence[str], widths: Mapping[int, int], seed: int, epochs: int
) -> dict[int, tuple[NDArray[np.uint64], NDArray[np.float32]]]:
    """Skip-gram vectors of the frequent characters and bigrams of ``texts``, by feature column.

    The keys are those of ``pipeline.ner.features`` (a character's code point; a bigram's
    two packed code points), so the network finds a character's vector by its feature
    key. One gensim worker and a fixed hash make the result reproducible.
    """
    from gensim.models import Word2Vec  # training-only dependency (the ``train`` extra)

    out: dict[int, tuple[NDArray[np.uint64], NDArray[np.float32]]] = {}
    for column, width in widths.items():
        if column == CHAR:
            sentences = [list(text) for text in texts]
        elif column == BIGRAM:
            sentences = [[text[i : i + 2] for i in range(len(text) - 1)] for text in texts]
        else:
            raise ValueError(f"no pretrained vectors for feature column {FEATURE_NAMES[column]}")
        w2v = Word2Vec(
            sentences,
            vector_size=width,
            window=3,
            min_count=VECTOR_MIN_COUNT,
            max_final_vocab=VECTOR_KEYS[column],
            sg=1,
            negative=5,
            sample=1e-4,
            epochs=epochs,
            seed=seed,
            workers=1,
            hashfxn=_stable_hash,
        )
        tokens = list(w2v.wv.index_to_key)
        if column == CHAR:
            keys = [ord(t) for t in tokens]
        else:
            keys = [(ord(t[0]) << 21) | ord(t[1]) for t in tokens]
        vectors = np.asarray(w2v.wv.vectors, dtype=np.float32)
        # Unit length: the projection then weighs every key's vector alike.
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-6)
        out[column] = (np.array(keys, dtype=np.uint64), vectors)
        log(f"pretrained {len(keys)} {FEATURE_NAMES[column]} vectors of width {width}")
    return out


def person_pool(sentences: Iterable[Sentence]) -> list[str]:
    """The distinct PERSON names of ``sentences`` (two to eight characters), in a fixed order."""
    names = {s.text[a:b] for s in sentences for a, b, label in s.spans if label == "PERSON" and 2 <= b - a <= 8}
    return sorted(names)


def replace_persons(sentences: Sequence[Sentence], pool: Sequence[str], rate: float, seed: str) -> list[Sentence]:
    """Copies of ``sentences`` whose PERSON names are replaced by random names of ``pool``.

    Mention replacement, a data augmentation for small NER sets: the same context with
    another name (often a transliteration from the other data set, 卢卡申科 where the
    text had 张三) teaches the tagger to read the context around a name rather than
    remember the names it saw, which is what CLUENER's unseen names need. Each name is
    replaced with probability ``rate``; the other spans move along.
    """
    rng = random.Random(seed)  # noqa: S311 - reproducible sampling, not security
    out = []
    for sent in sentences:
        text, spans, shift, last = [], [], 0, 0
        for start, end, label in sent.spans:
            name = sent.text[start:end]
            if label == "PERSON" and pool and rng.random() < rate:
                name = rng.choice(pool)
            text.append(sent.text[last:start])
            new_start = start + shift
            text.append(name)
            spans.append((new_start, new_start + len(name), label))
            shift += len(name) - (end - start)
            last = end
        text.append(sent.text[last:])
        out.append(Sentence(sent.id, "".join(text), tuple(spans)))
    return out


def new_pipeline(model_config: dict[str, Any]) -> Language:
    """A blank Chinese pipeline (character tokens) with an untrained character tagger."""
    nlp = spacy.blank("zh")
    nlp.add_pipe(COMPONENT, config={"model": model_config})
    return nlp


def featurise(segmenter: Segmenter, word_tags: Mapping[str, str], sentences: Sequence[Sentence]) -> list[Featurised]:
    """Feature keys (with the project segmenter's words and tags) and gold tag ids of each sentence."""
    index = {tag: i for i, tag in enumerate(TAGS)}
    out = []
    for sent in sentences:
        words = [(t.start, t.end) for t in segmenter.tokens(sent.text)]
        gold = np.array([index[t] for t in spans_to_tags(len(sent.text), sent.spans)], dtype=np.int32)
        out.append(Featurised(char_features(sent.text, words, word_tags), gold, sent))
    return out


def ragged(items: Sequence[Featurised], ops: Any) -> Ragged:
    """One ragged batch of feature keys."""
    return Ragged(cast(Any, np.concatenate([f.keys for f in items])), ops.asarray1i([len(f.keys) for f in items]))


def drop_keys(keys: NDArray[np.uint64], rates: NDArray[np.float64], rng: np.random.Generator) -> NDArray[np.uint64]:
    """``keys`` with some replaced by the unknown key, at a rate per feature column.

    Word dropout for the hashed features: a model that sometimes has to do without the
    n-gram and word of a character learns to read its context, which is what it has
    for names it never saw.
    """
    mask = rng.random(keys.shape) < rates[None, :]
    return np.where(mask, UNKNOWN_KEY, keys)


def batches(items: list[Featurised], chars: int, rng: random.Random) -> Iterator[list[Featurised]]:
    """Shuffled batches of about ``chars`` characters."""
    order = list(range(len(items)))
    rng.shuffle(order)
    batch: list[Featurised] = []
    size = 0
    for i in order:
        batch.append(items[i])
        size += len(items[i].keys)
        if size >= chars:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def predict_spans(
    encoder: Model[Any, Any], decoder: Decoder, items: Sequence[Featurised]
) -> list[list[tuple[int, int, str]]]:
    """Decoded entity spans of each sentence (the same path as ``NerModel.spans_many``)."""
    out: list[list[tuple[int, int, str]]] = []
    for first in range(0, len(items), 512):
        chunk = items[first : first + 512]
        scores = encoder.predict(ragged(chunk, encoder.ops))
        found = decoder.decode(np.asarray(scores.dataXd), [len(f.keys) for f in chunk])
        out.extend([(s, e, label) for s, e, label, _sure in spans] for spans in found)
    return out


def evaluate(encoder: Model[Any, Any], decoder: Decoder, items: Sequence[Featurised]) -> dict[str, Any]:
    """Strict span P/R/F1 per label of the model alone."""
    scorer = SpanScorer(MODEL_LABELS)
    for item, pred in zip(items, predict_spans(encoder, decoder, items), strict=True):
        scorer.add(item.sentence.spans, pred)
    return scorer.to_dict()


def selection_score(scores: dict[str, dict[str, Any]]) -> float:
    """One number to pick the best epoch: mean F1 of ORG and PERSON over the held-out sets."""
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
    holdout: float,
    dropout: float,
    feature_dropout: float,
    learn_rate: float,
    batch_chars: int,
    patience: int,
    model_config: dict[str, Any],
    train_limit: int | None = None,
    raw_text: bool = False,
    vector_epochs: int = 5,
    augment_persons: float = 0.0,
) -> dict[str, Any]:
    """Train, keep the best epoch (held-out score) in ``out_dir``, and return the report.

    Every split is normalised by the pipeline's ``normalize`` stage first (the text the
    model stage sees at run time) unless ``raw_text``.
    """
    started = time.monotonic()
    cpu_started = time.process_time()
    fix_random_seed(seed)
    rng = random.Random(seed)  # noqa: S311 - reproducible shuffling, not security
    np_rng = np.random.default_rng(seed)
    # The character itself and its shape are always kept.
    drop_rates = np.array([feature_dropout if i in (BIGRAM, TRIGRAM, WORD) else 0.0 for i in range(N_FEATURES)])
    rulebook = load_rulebook([])
    segmenter = Segmenter(lexicon_words(rulebook), split_words(rulebook))
    word_tags = dictionary_word_tags()
    normalizer = Pipeline.build(stages=["normalize"]).normalizer()

    def prepared(sentences: list[Sentence]) -> list[Sentence]:
        return sentences if raw_text else normalised(sentences, normalizer)

    train_sets: dict[str, list[Sentence]] = {}
    held_sets: dict[str, list[Sentence]] = {}
    for name in DATASETS:
        trained_on, held_out = train_and_holdout(data_dir, name, holdout, seed, train_limit)
        train_sets[name], held_sets[name] = prepared(trained_on), prepared(held_out)
    vector_report: dict[str, Any] | None = None
    pretrained: dict[int, tuple[NDArray[np.uint64], NDArray[np.float32]]] = {}
    if model_config.get("vectors"):
        held_ids = {s.id for held in held_sets.values() for s in held}
        texts, vector_hashes = vector_corpus(data_dir, VECTOR_SETS, held_ids)
        log(f"pretraining vectors on {len(texts)} texts ({sum(map(len, texts))} characters)")
        widths = dict(zip(model_config["vectors"], model_config["vector_widths"], strict=True))
        pretrained = pretrain_vectors(texts, widths, seed, vector_epochs)
        vector_report = {
            "method": "gensim word2vec skip-gram, window 3, 5 negatives, sample 1e-4, one worker",
            "epochs": vector_epochs,
            "min_count": VECTOR_MIN_COUNT,
            "texts": len(texts),
            "characters": sum(map(len, texts)),
            "keys": {FEATURE_NAMES[c]: len(pretrained[c][0]) for c in pretrained},
            "data": vector_hashes,
        }
    log(f"featurising {sum(map(len, train_sets.values()))} training sentences")
    cluener_items = featurise(segmenter, word_tags, train_sets["cluener2020"])
    train_items = list(cluener_items)
    pool = person_pool(s for sentences in train_sets.values() for s in sentences)
    for copy in range(1, cluener_repeat):
        if augment_persons:
            # The extra copies of CLUENER read other names in the same contexts.
            augmented = replace_persons(train_sets["cluener2020"], pool, augment_persons, f"{seed}:augment:{copy}")
            train_items += featurise(segmenter, word_tags, augmented)
        else:
            train_items += cluener_items
    train_items += featurise(segmenter, word_tags, train_sets["msra_ner"])
    held_items = {name: featurise(segmenter, word_tags, held_sets[name]) for name in DATASETS}

    nlp = new_pipeline(model_config)
    tagger: Any = nlp.get_pipe(COMPONENT)
    tagger.initialize(lambda: [_example(nlp, f) for f in train_items[:50]], nlp=nlp, labels=TAGS)
    model = tagger.model
    use_numpy_blas(model)
    encoder = model.get_ref(ENCODER_REF)
    if pretrained:
        set_static_vectors(encoder.get_ref(STATIC_REF), [pretrained[c] for c in model_config["vectors"]])
    decoder = Decoder(tagger.labels)
    if list(tagger.labels) != TAGS:
        raise RuntimeError(f"tagger labels {tagger.labels} differ from {TAGS}")
    steps_per_epoch = sum(len(f.keys) for f in train_items) // batch_chars + 1
    schedule = warmup_linear(learn_rate, steps_per_epoch // 2, steps_per_epoch * max_epochs)
    optimizer = Adam(learn_rate=cast(Any, schedule), L2=1e-6, grad_clip=1.0, use_averages=True)
    log(f"ready after {time.monotonic() - started:.0f}s; {steps_per_epoch} updates per epoch")

    history: list[dict[str, Any]] = []
    best: dict[str, Any] | None = None
    epoch_seconds = 0.0
    for epoch in range(1, max_epochs + 1):
        epoch_start = time.monotonic()
        loss = 0.0
        set_dropout_rate(model, dropout)
        for batch in batches(train_items, batch_chars, rng):
            inputs = ragged(batch, encoder.ops)
            if feature_dropout:
                inputs = Ragged(cast(Any, drop_keys(np.asarray(inputs.dataXd), drop_rates, np_rng)), inputs.lengths)
            probs, backprop = encoder.begin_update(inputs)
            gold = np.concatenate([f.gold for f in batch])
            d_probs = np.asarray(probs.dataXd).copy()
            rows = np.arange(len(gold))
            loss += float(-np.log(np.maximum(d_probs[rows, gold], 1e-9)).sum())
            d_probs[rows, gold] -= 1.0
            d_probs /= len(gold)
            backprop(Ragged(cast(Any, d_probs), probs.lengths))
            model.finish_update(optimizer)
            optimizer.step_schedules()
        set_dropout_rate(model, 0.0)
        with model.use_params(optimizer.averages):
            scores = {name: evaluate(encoder, decoder, held_items[name]) for name in DATASETS}
            score = selection_score(scores)
            entry: dict[str, Any] = {
                "epoch": epoch,
                "loss": round(loss, 1),
                "heldout_score": round(score, 4),
                "heldout": scores,
            }
            history.append(entry)
            log(json.dumps(_short(entry), ensure_ascii=False))
            if best is None or score > best["heldout_score"]:
                best = entry
                save(nlp, out_dir)
        epoch_seconds = max(epoch_seconds, time.monotonic() - epoch_start)
        elapsed = time.monotonic() - started
        if epoch - best["epoch"] >= patience:
            log(f"stopping: no better held-out score for {patience} epochs")
            break
        if elapsed + epoch_seconds > minutes * 60:
            log(f"stopping early: {elapsed / 60:.1f} min spent, an epoch takes {epoch_seconds / 60:.1f} min")
            break

    assert best is not None
    # The dev splits, once, with the kept model.
    kept = spacy.load(out_dir)
    kept_model = kept.get_pipe(COMPONENT).model  # type: ignore[attr-defined]
    use_numpy_blas(kept_model)
    kept_encoder = kept_model.get_ref(ENCODER_REF)
    dev_sets = {name: prepared(load_dataset(data_dir, name, "dev")) for name in DATASETS}
    dev_items = {name: featurise(segmenter, word_tags, dev_sets[name]) for name in DATASETS}
    dev_scores = {name: evaluate(kept_encoder, decoder, dev_items[name]) for name in DATASETS}
    report = {
        "command": " ".join(["python -m pipeline.training.ner", *sys.argv[1:]]),
        "seed": seed,
        "spacy_version": spacy_version,
        "python": platform.python_version(),
        "labels": list(MODEL_LABELS),
        "tags": TAGS,
        "features": list(FEATURE_NAMES),
        "label_maps": LABEL_MAPS,
        "cluener_repeat": cluener_repeat,
        "augment_persons": augment_persons,
        "holdout": holdout,
        "text": "raw" if raw_text else "normalised",
        "train_limit": train_limit,
        "holdout_sentences": {name: len(held_sets[name]) for name in DATASETS},
        "train_sentences": {name: len(train_sets[name]) for name in DATASETS},
        "dropout": dropout,
        "feature_dropout": feature_dropout,
        "learn_rate": learn_rate,
        "batch_chars": batch_chars,
        "model_config": model_config,
        "pretrained_vectors": vector_report,
        "data": {
            f"{name}/{split}.jsonl": file_sha256(data_dir / name / f"{split}.jsonl")
            for name in DATASETS
            for split in ("train", "dev")
        },
        "best_epoch": best["epoch"],
        "heldout_scores": best["heldout"],
        "dev_scores": dev_scores,
        "history": history,
        "minutes": round((time.monotonic() - started) / 60, 1),
        "cpu_minutes": round((time.process_time() - cpu_started) / 60, 1),
        "stopped_early": len(history) < max_epochs,
        # The person names of the sentences trained on (pipeline/ner/names.py).
        "names": build_names([s for name in NAME_SETS for s in train_sets[name]], out_dir),
    }
    (out_dir / "training.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return report


def _example(nlp: Language, item: Featurised) -> Example:
    doc = Doc(nlp.vocab, words=list(item.sentence.text), spaces=[False] * len(item.sentence.text))
    doc.user_data[FEATURES_KEY] = item.keys
    return Example.from_dict(doc, {"tags": [TAGS[i] for i in item.gold]})


def _short(entry: dict[str, Any]) -> dict[str, Any]:
    """An epoch's entry with only the F1 of each label (for the log)."""
    held = {name: {label: s["f1"] for label, s in scores.items()} for name, scores in entry["heldout"].items()}
    return {**{k: v for k, v in entry.items() if k != "heldout"}, "heldout_f1": held}


def save(nlp: Language, out_dir: Path) -> None:
    """Write the pipeline to ``out_dir`` (replacing the spaCy files, keeping others)."""
    tmp = out_dir.with_name(out_dir.name + ".tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    nlp.meta["name"] = "zhpipe_ner"
    nlp.meta["version"] = "2.1.0"
    nlp.meta["description"] = "Character BIOES tagger (ORG, PERSON, LOC) trained on the CLUENER2020 + MSRA train splits"
    major, minor = spacy_version.split(".")[:2]
    nlp.meta["spacy_version"] = f">={major}.{minor}.0,<{major}.{int(minor) + 1}.0"
    nlp.to_disk(tmp)
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in ("ner",):  # components of earlier model versions
        if (out_dir / old).is_dir():
            shutil.rmtree(out_dir / old)
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
    parser.add_argument("--max-epochs", type=int, default=12)
    parser.add_argument("--minutes", type=float, default=150.0, help="wall-time safety stop (between epochs)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cluener-repeat", type=int, default=2, help="CLUENER copies per epoch")
    parser.add_argument("--holdout", type=float, default=0.05, help="share of each train split for selection")
    parser.add_argument("--dropout", type=float, default=0.1)
    parser.add_argument("--feature-dropout", type=float, default=0.15, help="n-gram/word key dropout in training")
    parser.add_argument("--learn-rate", type=float, default=0.002)
    parser.add_argument("--batch-chars", type=int, default=3000, help="characters per update")
    parser.add_argument("--patience", type=int, default=3, help="stop after this many epochs without progress")
    parser.add_argument("--width", type=int, default=MODEL_CONFIG["width"])
    parser.add_argument("--dilations", default=",".join(map(str, MODEL_CONFIG["dilations"])))
    parser.add_argument("--raw-text", action="store_true", help="train on the raw text, not the normalised")
    parser.add_argument("--train-limit", type=int, default=None, help="first N sentences of each train split (trials)")
    parser.add_argument(
        "--vectors", action=argparse.BooleanOptionalAction, default=True, help="pretrained character/bigram vectors"
    )
    parser.add_argument("--vector-epochs", type=int, default=5, help="word2vec epochs over the unlabelled text")
    parser.add_argument(
        "--augment-persons",
        type=float,
        default=0.0,
        help="in the extra CLUENER copies, replace each PERSON name by a random training name with this probability",
    )
    parser.add_argument(
        "--names-only",
        action="store_true",
        help="only (re)write the person-name lexicon of the model in --out, from the share its training.json records",
    )
    args = parser.parse_args(argv)
    if args.names_only:
        training = args.out / "training.json"
        previous = json.loads(training.read_text(encoding="utf-8"))
        previous["names"] = build_names(trained_on(args.data, previous), args.out)
        training.write_text(json.dumps(previous, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        log(f"names: {json.dumps(previous['names'], ensure_ascii=False)}")
        return 0
    config = {**MODEL_CONFIG, "width": args.width, "dilations": [int(d) for d in args.dilations.split(",")]}
    if not args.vectors:
        config["vectors"], config["vector_widths"] = [], []
    report = train(
        args.data,
        args.out,
        max_epochs=args.max_epochs,
        minutes=args.minutes,
        seed=args.seed,
        cluener_repeat=args.cluener_repeat,
        holdout=args.holdout,
        dropout=args.dropout,
        feature_dropout=args.feature_dropout,
        learn_rate=args.learn_rate,
        batch_chars=args.batch_chars,
        patience=args.patience,
        model_config=config,
        train_limit=args.train_limit,
        raw_text=args.raw_text,
        vector_epochs=args.vector_epochs,
        augment_persons=args.augment_persons,
    )
    log(f"best epoch {report['best_epoch']}: dev {json.dumps(report['dev_scores'], ensure_ascii=False)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
