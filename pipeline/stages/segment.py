"""The segment stage: jieba, through a private ``jieba.Tokenizer`` fed from ``rules/``.

No global state: each pipeline owns its tokenizer, built from jieba's default
dictionary plus the lexicon, every organisation name and alias in the gazetteer and
every product name, so that names survive segmentation whole.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterable

import jieba

from pipeline.rulebook.loader import Rulebook
from pipeline.rulebook.schemas.entities import GazetteerFile, ProductsFile
from pipeline.rulebook.schemas.lexicon import LexiconFile
from pipeline.stages.base import StageContext, Token, WorkDoc, stage_factory

# jieba logs its dictionary loading at INFO on import; that is noise in a batch job.
jieba.setLogLevel(logging.WARNING)


def lexicon_words(rulebook: Rulebook) -> list[tuple[str, int | None, str | None]]:
    """Every word the segmenter must know: lexicon entries, organisation and product names."""
    words: list[tuple[str, int | None, str | None]] = []
    lexicon = rulebook.get("lexicon")
    if isinstance(lexicon, LexiconFile):
        words.extend((w.word, w.freq, w.tag) for w in lexicon.words)
    gazetteer = rulebook.get("gazetteer")
    if isinstance(gazetteer, GazetteerFile):
        for entry in gazetteer.entries:
            # Two-character aliases (字节, 阿里) are left to jieba's own dictionary: the
            # entity rules check them against its word boundaries, which must not be
            # forced by the aliases themselves.
            words.extend(
                (name, None, "nt") for name in (entry.name, *entry.aliases) if " " not in name and len(name) > 2
            )
    products = rulebook.get("products")
    if isinstance(products, ProductsFile):
        for product in products.entries:
            words.extend((name, None, "nz") for name in (product.name, *product.aliases) if " " not in name)
    return words


def split_words(rulebook: Rulebook) -> list[str]:
    """Words the lexicon asks jieba to forget (so they are split)."""
    lexicon = rulebook.get("lexicon")
    return list(lexicon.split) if isinstance(lexicon, LexiconFile) else []


class Segmenter:
    """A private jieba tokenizer with the project's words; built on first use."""

    def __init__(self, words: Iterable[tuple[str, int | None, str | None]], forget: Iterable[str] = ()) -> None:
        self._words = list(words)
        self._forget = list(forget)
        self._tokenizer: jieba.Tokenizer | None = None

    @property
    def tokenizer(self) -> jieba.Tokenizer:
        """The jieba tokenizer, initialised (about half a second) the first time it is needed."""
        if self._tokenizer is None:
            tokenizer = jieba.Tokenizer()
            tokenizer.tmp_dir = tempfile.gettempdir()
            tokenizer.initialize()
            for word, freq, tag in self._words:
                tokenizer.add_word(word, freq, tag)
            for word in self._forget:
                tokenizer.del_word(word)
            self._tokenizer = tokenizer
        return self._tokenizer

    def tokens(self, text: str) -> list[Token]:
        """Segment ``text`` into tokens with their offsets."""
        return [Token(word, start, end) for word, start, end in self.tokenizer.tokenize(text)]

    def dictionary_tokens(self, text: str) -> list[Token]:
        """Segment with the dictionary only (no HMM guesses for unknown words)."""
        return [Token(word, start, end) for word, start, end in self.tokenizer.tokenize(text, HMM=False)]

    def lcut(self, text: str) -> list[str]:
        """Segment ``text`` into words (like ``jieba.lcut``)."""
        return list(self.tokenizer.lcut(text))

    def __getstate__(self) -> dict[str, object]:
        # Worker processes rebuild the tokenizer instead of pickling jieba's tries.
        return {"_words": self._words, "_forget": self._forget, "_tokenizer": None}

    def __setstate__(self, state: dict[str, object]) -> None:
        self._words = state["_words"]  # type: ignore[assignment]
        self._forget = state["_forget"]  # type: ignore[assignment]
        self._tokenizer = None


@stage_factory("segment")
def make_segment_stage(context: StageContext) -> SegmentStage:
    """Build the segment stage from the lexicon, gazetteer and products rules."""
    return SegmentStage(shared_segmenter(context))


def shared_segmenter(context: StageContext) -> Segmenter:
    """The pipeline's one segmenter (stages that need word boundaries share it)."""
    segmenter = context.shared(
        "segmenter", lambda: Segmenter(lexicon_words(context.rulebook), split_words(context.rulebook))
    )
    assert isinstance(segmenter, Segmenter)
    return segmenter


class SegmentStage:
    """Fills ``tokens``."""

    name = "segment"
    requires: tuple[str, ...] = ("text",)
    assigns: tuple[str, ...] = ("tokens",)

    def __init__(self, segmenter: Segmenter) -> None:
        self.segmenter = segmenter

    def __call__(self, doc: WorkDoc) -> None:
        """Segment ``doc.text``."""
        doc.tokens = self.segmenter.tokens(doc.text)
