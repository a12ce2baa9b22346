"""Loading the committed NER model and running it over texts.

The model lives in ``pipeline/models/ner/`` (a spaCy pipeline saved with
``nlp.to_disk``: a ``tagger`` whose network is ``pipeline.ner.layers``); loading reads
only that folder, never the network. At run time the network is fed feature keys
directly (no ``Doc`` per text), a batch of pieces at a time, and its tag
probabilities are decoded into spans by ``pipeline.ner.decode``.
"""

from __future__ import annotations

import json
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from spacy.language import Language

import pipeline.ner.layers  # noqa: F401 - registers the network's architecture with spaCy
from pipeline.errors import ErrorCode, ModelError
from pipeline.ner.decode import OUTSIDE, Decoder
from pipeline.ner.features import char_features
from pipeline.ner.inference import FastEncoder
from pipeline.ner.layers import ENCODER_REF, use_numpy_blas

MODEL_NAME = "ner"
COMPONENT = "tagger"
TRAIN_COMMAND = "make train-ner"
# Long texts are cut into pieces at sentence ends (the network sees 16 characters
# either side, so little is lost), and pieces are run in batches of about this many
# characters: large enough for efficient matrix products, small enough that the
# activations stay in the CPU cache (larger batches were slower per character).
_PIECE = 1000
_BATCH_CHARS = 4000

WordSpans = Sequence[tuple[int, int]]


def default_model_path() -> Path:
    """Where the committed model lives inside the package."""
    return Path(__file__).resolve().parent.parent / "models" / "ner"


def describe_model(path: Path) -> dict[str, object]:
    """Name, version, folder and training-data hashes of the model at ``path``, without loading it."""
    meta_file = path / "meta.json"
    meta = json.loads(meta_file.read_text(encoding="utf-8")) if meta_file.is_file() else {}
    info: dict[str, object] = {"name": meta.get("name"), "version": meta.get("version"), "path": str(path)}
    training = path / "training.json"
    if training.is_file():
        report = json.loads(training.read_text(encoding="utf-8"))
        info["data"] = report.get("data")
        info["best_epoch"] = report.get("best_epoch")
    return info


@dataclass(frozen=True, slots=True)
class EntitySpan:
    """One entity the model found: character span, label, and how sure the model is (0-1)."""

    start: int
    end: int
    label: str
    confidence: float = 1.0


class NerModel:
    """The character NER model: entity spans for texts and their segmenter words."""

    def __init__(self, nlp: Language, path: Path) -> None:
        self.nlp = nlp
        self.path = path
        tagger: Any = nlp.get_pipe(COMPONENT)
        use_numpy_blas(tagger.model)
        self.encoder = tagger.model.get_ref(ENCODER_REF)
        self.forward = FastEncoder(self.encoder)
        self.decoder = Decoder(tagger.labels)
        self.labels: tuple[str, ...] = tuple(sorted({label for label in self.decoder.labels if label}))

    @classmethod
    def load(cls, path: Path | None = None) -> NerModel:
        """Load the model from ``path`` (default: the committed model).

        Raises:
            ModelError: the folder is missing (E301) or is not a loadable model (E302).

        """
        import spacy

        path = Path(path) if path is not None else default_model_path()
        if not (path / "config.cfg").is_file():
            raise ModelError(ErrorCode.E301, name=MODEL_NAME, path=path, command=TRAIN_COMMAND)
        try:
            nlp = spacy.load(path)
        except Exception as exc:  # spaCy raises many kinds; all mean the same to the user
            raise ModelError(ErrorCode.E302, name=MODEL_NAME, path=path, detail=f"{type(exc).__name__}: {exc}") from exc
        tagger = nlp.get_pipe(COMPONENT) if COMPONENT in nlp.pipe_names else None
        model = getattr(tagger, "model", None)
        if model is None or not model.has_ref(ENCODER_REF) or OUTSIDE not in getattr(tagger, "labels", ()):
            detail = f"the pipeline has no '{COMPONENT}' component with the zhpipe.CharTagger network and BIOES tags"
            raise ModelError(ErrorCode.E302, name=MODEL_NAME, path=path, detail=detail)
        return cls(nlp, path)

    def info(self) -> dict[str, object]:
        """Name, version, folder and training-data hashes of the model (for manifests)."""
        return describe_model(self.path)

    def spans(
        self, text: str, words: WordSpans | None = None, word_tags: Mapping[str, str] | None = None
    ) -> list[EntitySpan]:
        """Entities in ``text``.

        Args:
            text: the text.
            words: the segmenter's word spans (a feature of the model).
            word_tags: the segmenter dictionary's part-of-speech tag of each word (a
                feature of the model; ``pipeline.stages.entities.shared_word_tags``).

        """
        return self.spans_many([(text, words)], word_tags)[0]

    def spans_many(
        self, items: Sequence[tuple[str, WordSpans | None]], word_tags: Mapping[str, str] | None = None
    ) -> list[list[EntitySpan]]:
        """Entities of many ``(text, words)`` at once (batched: faster than one by one)."""
        out: list[list[EntitySpan]] = [[] for _ in items]
        for batch in _batches(_all_pieces(items)):
            keys = [char_features(text, words, word_tags) for _item, _offset, text, words in batch]
            lengths = [len(k) for k in keys]
            found = self.decoder.decode(self.forward(np.concatenate(keys), lengths), lengths)
            for (item, offset, _text, _words), spans in zip(batch, found, strict=True):
                out[item].extend(EntitySpan(offset + s, offset + e, label, sure) for s, e, label, sure in spans)
        return out


Piece = tuple[int, int, str, list[tuple[int, int]] | None]


def _all_pieces(items: Sequence[tuple[str, WordSpans | None]]) -> Iterator[Piece]:
    """``(item index, offset, piece text, piece words)`` of every non-empty piece of every text."""
    for item, (text, words) in enumerate(items):
        ordered = sorted(words) if words else []
        starts = [s for s, _e in ordered]
        for start, end in _pieces(text):
            piece_words = None
            if ordered:
                first, last = bisect_left(starts, start), bisect_left(starts, end)
                piece_words = [(s - start, e - start) for s, e in ordered[first:last] if e <= end]
            yield item, start, text[start:end], piece_words


def _batches(pieces: Iterable[Piece]) -> Iterator[list[Piece]]:
    batch: list[Piece] = []
    size = 0
    for piece in pieces:
        batch.append(piece)
        size += len(piece[2])
        if size >= _BATCH_CHARS:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _pieces(text: str) -> list[tuple[int, int]]:
    """Cut ``text`` into pieces of about ``_PIECE`` characters, at line or sentence ends."""
    if len(text) <= _PIECE:
        return [(0, len(text))] if text else []
    pieces = []
    start = 0
    while start < len(text):
        end = min(len(text), start + _PIECE)
        if end < len(text):
            cut = max(text.rfind(ch, start, end) for ch in "\n。！？；")
            if cut > start:
                end = cut + 1
        pieces.append((start, end))
        start = end
    return pieces
