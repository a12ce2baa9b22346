"""Train the event-type sentence classifier: ``make train-events``.

    nice python -m pipeline.events.train --out pipeline/models/events

A spaCy ``textcat_multilabel`` over characters (``spacy.blank("zh")`` splits into
characters): a bag of character 1-3-grams (``TextCatBOW``), linear, small and fast,
which is what deciding "does this sentence report a buyback" mostly needs; the trigger
rules then place and fill the event. Labels are our 17 event types.

Training sentences (all reproducible from ``../shared/data``; nothing is downloaded):

- DuEE-fin dev, *tuning part only* (the held-back part is never read): a sentence is
  a positive for type T when it contains the trigger word of one of the document's
  gold T events; every other sentence is a negative for T. Documents without events
  give negatives. One tenth of the tuning part (by id hash) is kept as the model's
  own development set, used to pick the epoch and reported in ``training.json``.
- DuEE 1.0 train: types mapped by ``DUEE1_TYPES``; sentences of other types are
  negatives (mostly sport, entertainment, disasters), except a few close ones.
- FewFC train: ``FEWFC_TYPES`` with 投资 split by trigger (``FEWFC_INVEST_TRIGGERS``);
  担保, 起诉, 判决 sentences are negatives, 股份股权转让/签署合同 are left out.

``training.json`` beside the model records the data files' SHA-256, the counts, the
settings and the scores, so a reader can tell what the committed model was made from.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.events.datasets import (
    ALL_TYPES,
    DUEE1_AMBIGUOUS,
    DUEE1_TYPES,
    FEWFC_AMBIGUOUS,
    FEWFC_INVEST_TRIGGERS,
    FEWFC_TYPES,
    GoldDoc,
    data_dir,
    duee_fin_part,
    read_jsonl,
    role_mapped_sentences,
)
from pipeline.events.model import DEFAULT_MODEL_DIR, model_settings, role_model_settings, save_without_vocab
from pipeline.events.roles import FEATURES_FILE, role_label
from pipeline.textutil import sentence_spans
from pipeline.training import file_sha256

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.training import Example

# Roles whose value is an enumeration filled by the rules, not a span.
ENUM_ROLES = frozenset({"环节", "变动类型"})
SEED = 20251120


@dataclass(frozen=True, slots=True)
class Sentence:
    """One training sentence: its text, its event types, where it came from."""

    text: str
    types: frozenset[str]
    origin: str


def duee_fin_sentences(docs: Iterable[GoldDoc], normalize: Callable[[str], str]) -> list[Sentence]:
    """Sentences of DuEE-fin documents labelled by the gold triggers they contain."""
    out = []
    for doc in docs:
        text = normalize(doc.text)
        triggers: dict[str, set[str]] = {}
        for event in doc.events:
            if event.trigger:
                triggers.setdefault(event.type, set()).add(normalize(event.trigger))
        for start, end in sentence_spans(text):
            sentence = text[start:end].strip()
            if len(sentence) < 4:
                continue
            types = frozenset(t for t, words in triggers.items() if any(w in sentence for w in words))
            out.append(Sentence(sentence, types, "duee_fin"))
    return out


def duee1_sentences(normalize: Callable[[str], str], split: str = "train") -> list[Sentence]:
    """DuEE 1.0 sentences with mapped types; other types make negatives."""
    out = []
    for doc in read_jsonl(data_dir() / "duee1.0" / f"{split}.jsonl"):
        raw_types = {e.type for e in doc.events}
        types = frozenset(DUEE1_TYPES[t] for t in raw_types if t in DUEE1_TYPES)
        if not types and raw_types & DUEE1_AMBIGUOUS:
            continue
        out.append(Sentence(normalize(doc.text), types, "duee1.0"))
    return out


def fewfc_sentences(normalize: Callable[[str], str], split: str = "train") -> list[Sentence]:
    """FewFC sentences with mapped types (投资 by trigger); 担保/起诉/判决 make negatives."""
    out = []
    for doc in read_jsonl(data_dir() / "fewfc" / f"{split}.jsonl"):
        types: set[str] = set()
        for event in doc.events:
            if event.type == "投资":
                mapped = FEWFC_INVEST_TRIGGERS.get(event.trigger)
                if mapped:
                    types.add(mapped)
            elif event.type in FEWFC_TYPES:
                types.add(FEWFC_TYPES[event.type])
        if event_types_ambiguous(doc, types):
            continue
        out.append(Sentence(normalize(doc.text), frozenset(types), "fewfc"))
    return out


def event_types_ambiguous(doc: GoldDoc, mapped: set[str]) -> bool:
    """A FewFC sentence with no mapped type but an ambiguous or dropped one is left out."""
    if mapped:
        return False
    raw = {e.type for e in doc.events}
    return bool(raw & FEWFC_AMBIGUOUS) or "投资" in raw


def _scores(nlp: Any, sentences: Sequence[Sentence], threshold: float = 0.5) -> dict[str, Any]:
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    texts = [s.text for s in sentences]
    for sentence, doc in zip(sentences, nlp.pipe(texts, batch_size=256), strict=True):
        predicted = {label for label, p in doc.cats.items() if p >= threshold}
        for label in ALL_TYPES:
            if label in predicted and label in sentence.types:
                tp[label] += 1
            elif label in predicted:
                fp[label] += 1
            elif label in sentence.types:
                fn[label] += 1

    def f1(t: int, p: int, n: int) -> float:
        return 2 * t / (2 * t + p + n) if t else 0.0

    total = (sum(tp.values()), sum(fp.values()), sum(fn.values()))
    return {
        "micro_f1": round(f1(*total), 4),
        "tp_fp_fn": list(total),
        "by_type": {t: round(f1(tp[t], fp[t], fn[t]), 4) for t in ALL_TYPES if tp[t] + fn[t]},
    }


def train_types(
    out: Path,
    train_docs: Sequence[GoldDoc],
    dev_docs: Sequence[GoldDoc],
    epochs: int,
    max_train: int = 0,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Build the sentences, train, keep the best epoch on ``dev_docs`` (the last without), save to ``out``."""
    import spacy
    from spacy.training import Example
    from spacy.util import fix_random_seed  # type: ignore[attr-defined]

    from pipeline.core import Pipeline

    fix_random_seed(SEED)
    normalizer = Pipeline.build(stages=["normalize"]).normalizer()

    def normalize(text: str) -> str:
        return normalizer(text).text

    started = time.perf_counter()
    fin_train = duee_fin_sentences(train_docs, normalize)
    fin_dev = duee_fin_sentences(dev_docs, normalize)
    train_set = fin_train + duee1_sentences(normalize) + fewfc_sentences(normalize)
    dev_extra = duee1_sentences(normalize, "dev")[:600] + fewfc_sentences(normalize, "dev")[:600]
    rng = random.Random(SEED)  # noqa: S311 - shuffling, not security
    rng.shuffle(train_set)
    if max_train:
        train_set = train_set[:max_train]
    elapsed = time.perf_counter() - started
    log(f"{len(train_set)} training sentences, {len(fin_dev)} DuEE-fin model-dev sentences ({elapsed:.0f}s)")

    settings = model_settings()
    nlp = spacy.blank("zh")
    textcat = nlp.add_pipe("textcat_multilabel", config={"model": settings["model"], "threshold": 0.5})
    counts = Counter(t for s in train_set for t in s.types)
    labels = [t for t in ALL_TYPES if counts[t] >= settings["min_positives"]]
    for label in labels:
        textcat.add_label(label)  # type: ignore[attr-defined]

    def example(sentence: Sentence) -> Example:
        doc = nlp.make_doc(sentence.text)
        return Example.from_dict(doc, {"cats": {t: float(t in sentence.types) for t in labels}})

    examples = [example(s) for s in train_set]
    best, history = _fit_best_epoch(
        nlp,
        examples,
        epochs=epochs,
        rng=rng,
        batch_sizes=(16.0, 128.0, 1.05),
        dropout=settings["dropout"],
        score=lambda epoch: _scores(nlp, fin_dev) if fin_dev else {"micro_f1": float(epoch)},
        key="micro_f1",
        describe="DuEE-fin model-dev micro F1",
        log=log,
    )
    out.mkdir(parents=True, exist_ok=True)
    save_without_vocab(nlp, out)
    root = data_dir()
    files = [root / "duee_fin" / "dev.jsonl", root / "duee1.0" / "train.jsonl", root / "fewfc" / "train.jsonl"]
    origins = Counter(s.origin for s in train_set)
    positives = Counter(t for s in train_set for t in s.types)
    report = {
        "model": "spaCy textcat_multilabel over characters (spacy.blank('zh'))",
        "settings": settings,
        "seed": SEED,
        "epochs_run": epochs,
        "best_epoch": best[1],
        "data": {str(p.relative_to(root)): file_sha256(p) for p in files},
        "data_note": "DuEE-fin: tuning part only (pipeline.events.datasets.is_held_back is false); "
        "model-dev = is_model_dev(id) within it",
        "sentences": {"train": len(train_set), "by_origin": dict(origins), "positives": dict(positives)},
        "scores": {
            "duee_fin_model_dev": _scores(nlp, fin_dev) if fin_dev else None,
            "duee1_fewfc_dev_sample": _scores(nlp, dev_extra),
        },
        "history": history,
        "seconds": round(time.perf_counter() - started, 1),
    }
    (out / "training.json").write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    log(f"saved to {out} (best epoch {best[1]}, model-dev micro F1 {best[0]})")
    return report


@dataclass(frozen=True, slots=True)
class RoleExample:
    """One filler of one DuEE-fin document: its features and the ``type/role`` labels it has."""

    features: tuple[str, ...]
    labels: frozenset[str]


def role_examples(docs: Sequence[GoldDoc], log: Callable[[str], None] = print) -> list[RoleExample]:
    """Features of every filler of ``docs`` (rules-only pipeline), labelled by the gold tuples.

    A filler is a positive for ``T/R`` when its text equals, after normalisation, a gold
    argument text of role R of a type-T event of its document (DuEE-fin gives texts,
    not positions, so every occurrence counts).
    """
    from pipeline.core import Pipeline
    from pipeline.events.extractor import EventExtractor

    pipe = Pipeline.build(events_model=False)
    normalizer = pipe.normalizer()
    extractor = EventExtractor.from_rulebook(pipe.rulebook)
    out = []
    started = time.perf_counter()
    for i, doc in enumerate(docs):
        record = pipe.process(doc.text, doc_id=doc.id)
        gold: dict[str, set[str]] = {}
        for event in doc.events:
            for arg in event.arguments:
                if arg.role in ENUM_ROLES:
                    continue
                gold.setdefault(normalizer(arg.text).text, set()).add(role_label(event.type, arg.role))
        sentences = sentence_spans(record.text)
        fillers, _boilerplate = extractor.document_fillers(record.text, record.mentions)
        features = extractor.featurizer.document_features(record.text, sentences, fillers)
        for filler, feats in zip(fillers, features, strict=True):
            out.append(RoleExample(tuple(feats), frozenset(gold.get(filler.text, ()))))
        if (i + 1) % 200 == 0:
            log(f"  role features: {i + 1}/{len(docs)} documents ({time.perf_counter() - started:.0f}s)")
    return out


def _role_scores(
    nlp: Any, examples: Sequence[RoleExample], known: frozenset[str], threshold: float = 0.5
) -> dict[str, Any]:
    from spacy.tokens import Doc

    textcat = nlp.get_pipe("textcat_multilabel")
    docs = [Doc(nlp.vocab, words=[f for f in ex.features if f in known] or ["EMPTY"]) for ex in examples]
    tp = fp = fn = 0
    for ex, doc in zip(examples, textcat.pipe(docs, batch_size=256), strict=True):
        predicted = {label for label, p in doc.cats.items() if p >= threshold}
        tp += len(predicted & ex.labels)
        fp += len(predicted - ex.labels)
        fn += len(ex.labels - predicted)
    return {"f1": round(2 * tp / (2 * tp + fp + fn), 4) if tp else 0.0, "tp_fp_fn": [tp, fp, fn]}


def train_roles(
    out: Path,
    train_docs: Sequence[GoldDoc],
    dev_docs: Sequence[GoldDoc],
    epochs: int,
    log: Callable[[str], None] = print,
    with_sentences: bool = False,
) -> dict[str, Any]:
    """Train the role model on DuEE-fin documents; keep the best epoch on ``dev_docs`` (the last without).

    With ``with_sentences``, the FewFC and DuEE 1.0 train sentences of our types are
    added (their roles mapped by ``FEWFC_ROLES_TO_OURS`` and ``DUEE1_ROLES``): news
    sentences, which the DuEE-fin announcements alone would leave the model blind to.
    """
    import spacy
    from spacy.tokens import Doc
    from spacy.training import Example
    from spacy.util import fix_random_seed  # type: ignore[attr-defined]

    fix_random_seed(SEED)
    started = time.perf_counter()
    sentence_docs = [*role_mapped_sentences("fewfc"), *role_mapped_sentences("duee1.0")] if with_sentences else []
    train_set = role_examples([*train_docs, *sentence_docs], log)
    dev_set = role_examples(dev_docs, log)
    settings = role_model_settings()
    feature_counts = Counter(f for ex in train_set for f in set(ex.features))
    known = frozenset(f for f, n in feature_counts.items() if n >= settings["min_feature_count"])
    label_counts = Counter(label for ex in train_set for label in ex.labels)
    labels = sorted(label for label, n in label_counts.items() if n >= settings["min_positives"])
    log(
        f"{len(train_set)} training fillers ({sum(1 for e in train_set if e.labels)} with a role), "
        f"{len(known)} features, {len(labels)} labels ({time.perf_counter() - started:.0f}s)"
    )
    nlp = spacy.blank("zh")
    textcat = nlp.add_pipe("textcat_multilabel", config={"model": settings["model"], "threshold": 0.5})
    for label in labels:
        textcat.add_label(label)  # type: ignore[attr-defined]

    def example(ex: RoleExample) -> Example:
        doc = Doc(nlp.vocab, words=[f for f in ex.features if f in known] or ["EMPTY"])
        return Example.from_dict(doc, {"cats": {label: float(label in ex.labels) for label in labels}})

    examples = [example(ex) for ex in train_set]
    rng = random.Random(SEED)  # noqa: S311 - shuffling, not security
    best, history = _fit_best_epoch(
        nlp,
        examples,
        epochs=epochs,
        rng=rng,
        batch_sizes=(16.0, 64.0, 1.02),
        dropout=settings["dropout"],
        score=lambda epoch: _role_scores(nlp, dev_set, known) if dev_set else {"f1": float(epoch)},
        key="f1",
        describe="model-dev filler F1",
        name="roles ",
        log=log,
    )
    out.mkdir(parents=True, exist_ok=True)
    save_without_vocab(nlp, out)
    (out / FEATURES_FILE).write_text("\n".join(sorted(known)) + "\n", encoding="utf-8")
    root = data_dir()
    report = {
        "model": "spaCy textcat_multilabel over filler features (pipeline.events.roles.RoleFeaturizer)",
        "settings": settings,
        "seed": SEED,
        "epochs_run": epochs,
        "best_epoch": best[1],
        "data": {
            p: file_sha256(root / p)
            for p in ("duee_fin/dev.jsonl", *(("fewfc/train.jsonl", "duee1.0/train.jsonl") if with_sentences else ()))
        },
        "data_note": "DuEE-fin tuning part only (model-dev = is_model_dev(id) within it)"
        + (", plus FewFC and DuEE 1.0 train sentences of mapped types" if with_sentences else ""),
        "fillers": {"train": len(train_set), "dev": len(dev_set), "features": len(known), "labels": len(labels)},
        "positives": dict(sorted(label_counts.items())),
        "scores": {"duee_fin_model_dev_fillers": _role_scores(nlp, dev_set, known) if dev_set else None},
        "history": history,
        "seconds": round(time.perf_counter() - started, 1),
    }
    (out / "training.json").write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    log(f"saved to {out} (best epoch {best[1]}, model-dev filler F1 {best[0]})")
    return report


def _fit_best_epoch(
    nlp: Language,
    examples: list[Example],
    *,
    epochs: int,
    rng: random.Random,
    batch_sizes: tuple[float, float, float],
    dropout: float,
    score: Callable[[int], dict[str, float]],
    key: str,
    describe: str,
    log: Callable[[str], None],
    name: str = "",
) -> tuple[tuple[float, int], list[dict[str, Any]]]:
    """Train ``nlp`` for ``epochs`` and keep the weights of the epoch with the best ``score()[key]``.

    Both event models are trained this way: shuffled compounding minibatches, a score on
    the model-dev part after every epoch. Returns ``(best score, best epoch)`` and the
    per-epoch history (loss and scores) that goes into ``training.json``.
    """
    from spacy.util import compounding, minibatch  # type: ignore[attr-defined]

    optimizer = nlp.initialize(lambda: examples[:2000])
    best: tuple[float, int] = (-1.0, -1)
    history: list[dict[str, Any]] = []
    best_bytes = nlp.to_bytes()
    for epoch in range(epochs):
        rng.shuffle(examples)
        losses: dict[str, float] = {}
        for batch in minibatch(examples, size=compounding(*batch_sizes)):  # type: ignore[no-untyped-call]
            nlp.update(batch, sgd=optimizer, drop=dropout, losses=losses)
        scores = score(epoch)
        history.append({"epoch": epoch + 1, "loss": round(losses.get("textcat_multilabel", 0.0), 3), **scores})
        log(f"{name}epoch {epoch + 1}: loss {history[-1]['loss']}, {describe} {scores[key]}")
        if scores[key] > best[0]:
            best = (scores[key], epoch + 1)
            best_bytes = nlp.to_bytes()
    nlp.from_bytes(best_bytes)
    return best, history


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m pipeline.events.train [--out DIR] [--only types|roles]``."""
    parser = argparse.ArgumentParser(description="Train the event-type sentence classifier and the role model.")
    parser.add_argument("--out", type=Path, default=DEFAULT_MODEL_DIR)
    parser.add_argument("--only", choices=["types", "roles"], default=None)
    parser.add_argument("--epochs", type=int, default=4, help="sentence classifier epochs")
    parser.add_argument("--role-epochs", type=int, default=8)
    parser.add_argument("--max-train", type=int, default=0, help="use only the first N shuffled sentences")
    args = parser.parse_args(argv)
    train_docs, dev_docs = duee_fin_part("model_train"), duee_fin_part("model_dev")
    if args.only in (None, "types"):
        train_types(args.out / "types", train_docs, dev_docs, args.epochs, args.max_train)
    if args.only in (None, "roles"):
        train_roles(args.out / "roles", train_docs, dev_docs, args.role_epochs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
