"""Schema of ``kind: lexicon`` files: words the segmenter must keep whole."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from pipeline.rulebook.schemas.base import RuleFile, StrictModel


class LexiconWord(StrictModel):
    """One dictionary word; ``freq`` and ``tag`` follow jieba's user dictionary format."""

    word: str = Field(min_length=1)
    freq: int | None = None
    tag: str | None = None


class SegmentExample(StrictModel):
    """Segmenting ``text`` must give each of ``words`` as one token.

    A lexicon file's negatives (``{text, span}``) say the opposite: ``span`` must not
    come out as one token (a word listed under ``split``, or two words jieba glues).
    """

    text: str
    words: list[str] = Field(min_length=1)
    xfail: str | None = None


class LexiconFile(RuleFile):
    """``kind: lexicon``: extra words, and words to split (``del``)."""

    kind: Literal["lexicon"]
    words: list[LexiconWord] = Field(default_factory=list)
    split: list[str] = Field(default_factory=list)
    examples: list[SegmentExample] = Field(default_factory=list)
