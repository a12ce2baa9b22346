"""The event-type sentence classifier at run time (trained by :mod:`pipeline.events.train`).

The model is a spaCy ``textcat_multilabel`` committed under ``pipeline/models/events``
(with ``training.json``: data hashes, settings, scores). It gives each sentence a
probability per event type; the events stage uses it to confirm or veto trigger
matches (see :mod:`pipeline.stages.events`). Loading is lazy and happens once per
pipeline (``StageContext.shared``); nothing is downloaded.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import chain
from pathlib import Path
from typing import Any

import numpy

from pipeline.errors import ErrorCode, ModelError

# The committed models: ``types/`` (sentence classifier) and ``roles/`` (role model).
DEFAULT_MODEL_DIR = Path(__file__).resolve().parent.parent / "models" / "events"
MODEL_NAME = "events"
TRAIN_COMMAND = "make train-events"
# ``nlp.pipe``'s batch size for the classifier (a batch of empty docs scores zero in spaCy).
_PIPE_BATCH = 64
# Whitespace as ``str.isspace`` sees it (``re``'s Unicode ``\s`` is the same test).
_HAS_SPACE = re.compile(r"\s").search
_SWALLOWED = re.compile(r"(?<=\S) ")
_TOKEN = re.compile(r"\S|\s+")


def model_settings() -> dict[str, Any]:
    """The sentence classifier's architecture and training settings (also in ``training.json``)."""
    return {
        "model": {
            "@architectures": "spacy.TextCatBOW.v3",
            "exclusive_classes": False,
            "ngram_size": 3,
            "no_output_layer": False,
            "length": 2**15,
        },
        "dropout": 0.2,
        "batch": "compounding(16, 128, 1.05)",
        "min_positives": 20,
    }


def role_model_settings() -> dict[str, Any]:
    """The role model's architecture and training settings (also in ``training.json``)."""
    return {
        "model": {
            "@architectures": "spacy.TextCatBOW.v3",
            "exclusive_classes": False,
            "ngram_size": 1,
            "no_output_layer": False,
            "length": 2**13,
        },
        "dropout": 0.1,
        "batch": "compounding(16, 64, 1.02)",
        "min_feature_count": 2,
        "min_positives": 3,
    }


def save_without_vocab(nlp: Any, path: Path) -> None:
    """Save a bag-of-features model without its string table.

    The hashed features need no strings at run time, and the table would hold every
    training feature (megabytes); the loaders pass ``exclude=["vocab"]``.
    """
    nlp.to_disk(path, exclude=["vocab"])


class EventTypeModel:
    """Sentence -> probability of each event type."""

    def __init__(self, path: Path = DEFAULT_MODEL_DIR / "types") -> None:
        """Load the model at ``path``.

        Raises:
            ModelError: the folder is missing (E301) or does not load (E302).

        """
        if not (path / "config.cfg").is_file():
            raise ModelError(ErrorCode.E301, name=MODEL_NAME, path=path, command=TRAIN_COMMAND)
        try:
            import spacy

            self.nlp = spacy.load(path, exclude=["vocab"])
        except Exception as exc:  # spaCy raises many kinds; all mean "cannot load"
            raise ModelError(ErrorCode.E302, name=MODEL_NAME, path=path, detail=repr(exc)) from exc
        self.path = path
        textcat: Any = self.nlp.get_pipe("textcat_multilabel")
        self.textcat = textcat
        from pipeline.events.inference import SentenceForward, bow_layers

        # Hash of each single character seen (a bounded set: the script's characters).
        self._char_hashes = _CharHashes()
        # The shortcut copies spaCy's character tokenizer; a model with another keeps make_doc.
        self._char_tokenizer = str(getattr(self.nlp.tokenizer, "segmenter", "")) in ("char", "Segmenter.char")
        self.labels: tuple[str, ...] = tuple(textcat.labels)
        # The document-at-once forward pass (pipeline.events.inference) when the model is
        # the character bag of n-grams it mirrors; else textcat.predict on bags or docs.
        layers = bow_layers(textcat) if self._char_tokenizer else None
        self._forward = SentenceForward(layers) if layers is not None else None

    def scores(self, sentences: Sequence[str]) -> list[dict[str, float]]:
        """Probability of each type for each sentence, in order."""
        if not sentences:
            return []
        if self._forward is not None:
            unigrams, sizes = self._token_ids(sentences)
            rows = self._forward.probabilities(unigrams, sizes, batch_size=_PIPE_BATCH)
            labels = self.labels
            return [dict(zip(labels, row, strict=True)) for row in rows.astype(numpy.float64).tolist()]
        return self.scores_by_bags(sentences)

    def scores_by_bags(self, sentences: Sequence[str]) -> list[dict[str, float]]:
        """:meth:`scores` through ``textcat.predict``, a bag of hashes (or a Doc) per sentence: the reference path."""
        from pipeline.events.roles import predict_cats

        if not sentences:
            return []
        # What ``nlp.pipe`` computes, in its batches, without building a Doc per sentence
        # nor writing ``doc.cats``: the model reads only the tokens' hashes.
        if self._char_tokenizer:
            bags = [self._bag(sentence) for sentence in sentences]
        else:
            bags = [self.nlp.make_doc(sentence) for sentence in sentences]
        return predict_cats(self.textcat, bags, self.labels, batch_size=_PIPE_BATCH)

    def _token_ids(self, sentences: Sequence[str]) -> tuple[Any, Any]:
        """The token hashes of all ``sentences`` one after another, and each one's number of tokens."""
        # A sentence without whitespace is one token per character (a str iterates over them).
        tokens = [char_tokens(s) if _HAS_SPACE(s) else s for s in sentences]
        sizes = numpy.fromiter(map(len, tokens), dtype=numpy.int64, count=len(tokens))
        ids = numpy.fromiter(
            map(self._char_hashes.__getitem__, chain.from_iterable(tokens)), dtype=numpy.uint64, count=int(sizes.sum())
        )
        return ids, sizes

    def _bag(self, sentence: str) -> Any:
        """The hashes of the tokens spaCy's character tokenizer makes of ``sentence``."""
        from pipeline.events.roles import FeatureBag

        return FeatureBag(numpy.fromiter(map(self._char_hashes.__getitem__, char_tokens(sentence)), dtype=numpy.uint64))


class _CharHashes(dict[str, int]):
    """Token -> string hash (spaCy's ``ORTH``), keeping single characters (a bounded set) once computed."""

    def __missing__(self, token: str) -> int:
        from spacy.strings import get_string_id

        h: int = get_string_id(token)
        if len(token) == 1:
            self[token] = h
        return h


def char_tokens(text: str) -> list[str]:
    """The tokens of spaCy's Chinese ``char`` tokenizer (``list(text)`` aligned by ``get_words_and_spaces``).

    Every non-space character is a token and swallows one ASCII space after it; any
    other run of whitespace is a token of its own.
    """
    # Dropping the swallowed spaces first cannot join two runs (a character precedes each).
    return _TOKEN.findall(_SWALLOWED.sub("", text))
