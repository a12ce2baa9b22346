"""The segment stage: jieba, through a private tokenizer fed from ``rules/``.

No global state: each pipeline owns its tokenizer, built from jieba's default
dictionary plus the lexicon, every organisation name and alias in the gazetteer and
every product name, so that names survive segmentation whole.

Two cores run the same algorithm on the same dictionary (``segmenter`` option):

* ``jieba``: the reference, pure Python;
* ``rjieba``: jieba-rs (a Rust port of jieba, same ``dict.txt``, same HMM) through its
  Python binding, about ten times faster. jieba-rs keeps an ASCII run such as
  ``002591.SZ`` or ``2019-09-16`` whole where jieba's HMM path splits it at
  punctuation, so such tokens are split here the way jieba does (its ``re_skip``);
  with that, its tokens agree with jieba's on the benchmark text (see
  ``benchmarks/segmenter.py``). It is the default when the package is installed.

Both cores take the lexicon (``add_word``, and ``split`` words at frequency 0).
"""

from __future__ import annotations

import logging
import re
import tempfile
from bisect import bisect_right
from collections.abc import Iterable
from importlib.util import find_spec
from itertools import repeat
from operator import itemgetter
from typing import Any

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


# jieba's finalseg splits a non-Chinese run into ASCII words and numbers (``re_skip``).
_JIEBA_SKIP = re.compile(r"([a-zA-Z0-9]+(?:\.\d+)?%?)")
# ASCII runs with punctuation inside (8-10, 002591.SZ, U.S.): the only places the cores differ.
_ASCII_PUNCT_RUN = re.compile(r"[A-Za-z0-9+#&._%\-]*[+#&._%\-][A-Za-z0-9+#&._%\-]*")
# An ASCII character that is not a letter or digit: a token without one is a single
# ``re_skip`` piece and is never split.
_ASCII_NOT_ALNUM = re.compile(r"[\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]")
BACKENDS = ("jieba", "rjieba")


def default_backend() -> str:
    """``rjieba`` when it is installed, else ``jieba``."""
    return "rjieba" if find_spec("rjieba") is not None else "jieba"


def split_words(rulebook: Rulebook) -> list[str]:
    """Words the lexicon asks jieba to forget (so they are split)."""
    lexicon = rulebook.get("lexicon")
    return list(lexicon.split) if isinstance(lexicon, LexiconFile) else []


class Segmenter:
    """A private tokenizer with the project's words; built on first use.

    ``backend`` picks the core (``jieba`` or ``rjieba``, see the module docstring);
    :attr:`tokenizer` is always a jieba tokenizer with the same words, for the stages
    that read jieba's dictionary itself (part-of-speech tags).
    """

    def __init__(
        self,
        words: Iterable[tuple[str, int | None, str | None]],
        forget: Iterable[str] = (),
        backend: str | None = None,
    ) -> None:
        self._words = list(words)
        self._forget = list(forget)
        self.backend = backend or default_backend()
        if self.backend not in BACKENDS:
            raise ValueError(f"unknown segmenter backend {self.backend!r} (known: {', '.join(BACKENDS)})")
        self._tokenizer: jieba.Tokenizer | None = None
        self._fast: Any = None

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

    @property
    def fast(self) -> Any:
        """The jieba-rs tokenizer with the same words (``rjieba`` backend only)."""
        if self._fast is None:
            import rjieba

            fast = rjieba.Jieba()
            for word, freq, tag in self._words:
                fast.add_word(word, freq, tag)
            for word in self._forget:
                fast.add_word(word, 0, None)  # as jieba's del_word does
            self._fast = fast
        return self._fast

    def spans(self, text: str, hmm: bool = True) -> list[tuple[str, int, int]]:
        """``(word, start, end)`` of every token of ``text``."""
        if self.backend == "jieba":
            return list(self.tokenizer.tokenize(text, HMM=hmm))
        spans = self.fast.tokenize(text, "default", hmm)
        if not hmm or not any(not _JIEBA_SKIP.fullmatch(m.group()) for m in _ASCII_PUNCT_RUN.finditer(text)):
            return list(spans)  # no ASCII run jieba would split: skip the token loop
        return self._split_ascii_runs(spans, text)

    def _split_ascii_runs(self, spans: list[tuple[str, int, int]], text: str) -> list[tuple[str, int, int]]:
        """Split ASCII runs the way jieba's HMM path does (``002591.SZ`` -> ``002591 . SZ``).

        Only a token holding an ASCII character other than a letter or digit can split,
        so only the tokens at such characters are looked at; the rest are copied.
        """
        starts = list(map(itemgetter(1), spans))
        at = sorted({bisect_right(starts, m.start()) - 1 for m in _ASCII_NOT_ALNUM.finditer(text)})
        out: list[tuple[str, int, int]] = []
        copied = 0
        for i in at:
            if i < 0:
                continue
            word, start, _end = spans[i]
            if len(word) > 1 and word.isascii():
                pieces = [p for p in _JIEBA_SKIP.split(word) if p]
                if len(pieces) > 1 and not self.fast.has_word(word):
                    out.extend(spans[copied:i])
                    for piece in pieces:
                        out.append((piece, start, start + len(piece)))
                        start += len(piece)
                    copied = i + 1
        out.extend(spans[copied:])
        return out

    def tokens(self, text: str) -> list[Token]:
        """Segment ``text`` into tokens with their offsets."""
        return _as_tokens(self.spans(text))

    def dictionary_tokens(self, text: str) -> list[Token]:
        """Segment with the dictionary only (no HMM guesses for unknown words)."""
        return _as_tokens(self.spans(text, hmm=False))

    def lcut(self, text: str) -> list[str]:
        """Segment ``text`` into words (like ``jieba.lcut``)."""
        return [word for word, _, _ in self.spans(text)]

    def __getstate__(self) -> dict[str, object]:
        # Worker processes rebuild the tokenizers instead of pickling their tries.
        return {"_words": self._words, "_forget": self._forget, "backend": self.backend}

    def __setstate__(self, state: dict[str, object]) -> None:
        self._words = state["_words"]  # type: ignore[assignment]
        self._forget = state["_forget"]  # type: ignore[assignment]
        self.backend = str(state.get("backend") or "jieba")
        self._tokenizer = None
        self._fast = None


def _as_tokens(spans: list[tuple[str, int, int]]) -> list[Token]:
    """The ``(word, start, end)`` triples as tokens.

    What ``Token._make`` does for each, without a Python call per token (a document
    has hundreds of them).
    """
    return list(map(tuple.__new__, repeat(Token, len(spans)), spans))


@stage_factory("segment")
def make_segment_stage(context: StageContext) -> SegmentStage:
    """Build the segment stage from the lexicon, gazetteer and products rules (``segmenter`` option: the core)."""
    return SegmentStage(shared_segmenter(context))


def shared_segmenter(context: StageContext) -> Segmenter:
    """The pipeline's one segmenter (stages that need word boundaries share it)."""
    segmenter = context.shared(
        "segmenter",
        lambda: Segmenter(
            lexicon_words(context.rulebook), split_words(context.rulebook), context.options.get("segmenter")
        ),
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
