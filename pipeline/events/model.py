"""The event-type sentence classifier at run time (trained by :mod:`pipeline.events.train`).

The model is a spaCy ``textcat_multilabel`` committed under ``pipeline/models/events``
(with ``training.json``: data hashes, settings, scores). It gives each sentence a
probability per event type; the events stage uses it to confirm or veto trigger
matches (see :mod:`pipeline.stages.events`). Loading is lazy and happens once per
pipeline (``StageContext.shared``); nothing is downloaded.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pipeline.errors import ErrorCode, ModelError

# The committed models: ``types/`` (sentence classifier) and ``roles/`` (role model).
DEFAULT_MODEL_DIR = Path(__file__).resolve().parent.parent / "models" / "events"
MODEL_NAME = "events"
TRAIN_COMMAND = "make train-events"


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
        self.labels: tuple[str, ...] = tuple(textcat.labels)

    def scores(self, sentences: Sequence[str]) -> list[dict[str, float]]:
        """Probability of each type for each sentence, in order."""
        from pipeline.events.roles import predict_cats

        if not sentences:
            return []
        # The tokenizer and classifier of ``nlp.pipe`` in its batches, minus the writes into ``doc.cats``.
        docs = [self.nlp.make_doc(sentence) for sentence in sentences]
        return predict_cats(self.textcat, docs, self.labels, batch_size=64)
