"""Character documents for the NER model, with the features its embedding reads.

The model sees one spaCy token per character, so that every entity boundary of the
training data survives tokenisation. Four hashed features describe each character,
all stored in ordinary token attributes so that spaCy's own ``MultiHashEmbed`` reads
them (no custom layer, so the saved model needs no code of ours to run):

* ``ORTH``: the character, width-folded and lower-cased (``Ａ`` -> ``a``);
* ``LEMMA``: the bigram ending at the character (previous + this);
* ``TAG``: the bigram starting at the character (this + next);
* ``NORM``: the segmenter word the character sits in with its position in it
  (``B:北京大学``, ``S:的``) -- a soft lexicon feature that helps boundaries.

The same function builds the documents for training and for inference, so the
features cannot drift apart.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from spacy.attrs import LEMMA, NORM, TAG
from spacy.strings import hash_string  # type: ignore[attr-defined]
from spacy.tokens import Doc
from spacy.vocab import Vocab

# Where no word boundary information is given, every character is its own word.
_SINGLE = "S"
# Longer words are rare and their identity adds little over the bigrams; they share
# one feature per position and length bucket.
_MAX_WORD_FEATURE = 8
_BOUNDARY = "<s>"


@lru_cache(maxsize=65536)
def fold_char(ch: str) -> str:
    """The character as the model sees it: NFKC width-folded, lower-cased, one character."""
    folded = unicodedata.normalize("NFKC", ch).lower()
    if len(folded) != 1:
        return ch
    if folded.isspace():
        return " "
    return folded


def word_spans_to_features(text: str, words: Sequence[tuple[int, int]] | None) -> list[str]:
    """The word feature of every character of ``text`` from the word spans covering it."""
    feats = [_SINGLE] * len(text)
    if not words:
        return [f"S:{fold_char(ch)}" for ch in text]
    for start, end in words:
        if end <= start:
            continue
        word = "".join(fold_char(ch) for ch in text[start:end])
        if end - start == 1:
            feats[start] = f"S:{word}"
            continue
        ident = word if end - start <= _MAX_WORD_FEATURE else f"#{min(end - start, 16)}"
        feats[start] = f"B:{ident}"
        for i in range(start + 1, end - 1):
            feats[i] = f"M:{ident}"
        feats[end - 1] = f"E:{ident}"
    return feats


def make_doc(vocab: Vocab, text: str, words: Sequence[tuple[int, int]] | None = None) -> Doc:
    """A spaCy ``Doc`` of one token per character of ``text``, with the model's features.

    Args:
        vocab: the model's vocabulary (``nlp.vocab``).
        text: the text; offsets in the doc are offsets in ``text``.
        words: the segmenter's word spans ``(start, end)``; without them each character
            counts as a one-character word (the model is then less accurate).

    """
    chars = [fold_char(ch) for ch in text]
    doc = Doc(vocab, words=chars, spaces=[False] * len(chars))
    if not chars:
        return doc
    # Hashes only: the feature strings are never looked up, and keeping them in the
    # StringStore would grow the saved vocabulary by megabytes of bigrams.
    padded = [_BOUNDARY, *chars, _BOUNDARY]
    left = [hash_string(padded[i] + padded[i + 1]) for i in range(len(chars))]
    right = [hash_string(padded[i + 1] + padded[i + 2]) for i in range(len(chars))]
    word = [hash_string(f) for f in word_spans_to_features(text, words)]
    array = np.array([left, right, word], dtype="uint64").T
    doc.from_array([LEMMA, TAG, NORM], array)  # type: ignore[arg-type]
    return doc
