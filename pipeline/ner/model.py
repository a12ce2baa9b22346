"""Loading the committed NER model and running it over a text.

The model lives in ``pipeline/models/ner/`` (a spaCy pipeline saved with
``nlp.to_disk``); loading reads only that folder, never the network.
"""

from __future__ import annotations

import json
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from spacy.language import Language

from pipeline.errors import ErrorCode, ModelError
from pipeline.ner.features import make_doc

MODEL_NAME = "ner"
TRAIN_COMMAND = "make train-ner"
# Very long documents are cut into pieces at sentence ends before the model sees
# them: the transition-based parser keeps per-document state, and pieces of this
# size keep its memory flat without cutting any sentence short.
_PIECE = 2000


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
    """One entity the model found: character span and label."""

    start: int
    end: int
    label: str


class NerModel:
    """The character NER model: spans for a text and its segmenter words."""

    def __init__(self, nlp: Language, path: Path) -> None:
        self.nlp = nlp
        self.path = path
        self.ner = nlp.get_pipe("ner")
        self.labels: tuple[str, ...] = tuple(self.ner.labels)  # type: ignore[attr-defined]

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
        if "ner" not in nlp.pipe_names:
            raise ModelError(ErrorCode.E302, name=MODEL_NAME, path=path, detail="the pipeline has no 'ner' component")
        return cls(nlp, path)

    def info(self) -> dict[str, object]:
        """Name, version, folder and training-data hashes of the model (for manifests)."""
        return describe_model(self.path)

    def spans(self, text: str, words: Sequence[tuple[int, int]] | None = None) -> list[EntitySpan]:
        """Entities in ``text``; ``words`` are the segmenter's word spans (the lexicon feature)."""
        out: list[EntitySpan] = []
        ordered = sorted(words or ())
        starts = [s for s, _e in ordered]
        for start, end in _pieces(text):
            first, last = bisect_left(starts, start), bisect_left(starts, end)
            piece_words = [(s - start, e - start) for s, e in ordered[first:last] if e <= end]
            doc = make_doc(self.nlp.vocab, text[start:end], piece_words or None)
            doc = self.ner(doc)
            out.extend(EntitySpan(start + ent.start_char, start + ent.end_char, ent.label_) for ent in doc.ents)
        return out


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
