"""Character features of the NER model, computed with numpy for a whole text at once.

The model sees one position per character, so that every entity boundary of the
training data survives tokenisation. Each character is described by a row of
``N_FEATURES`` unsigned 64-bit keys; the model's hashed embedding tables turn every key
into a vector and add them up (``pipeline/ner/layers.py``). The columns:

* ``CHAR``: the character, width-folded and lower-cased (``Ａ`` -> ``a``);
* ``BIGRAM``: the character and the next one (the bigram *ending* at a character is the
  previous position's, which the first convolution sees anyway);
* ``TRIGRAM``: the previous, this and the next character;
* ``WORD``: the segmenter word the character sits in with its position in it
  (``B``/``M``/``E``/``S``) -- a soft lexicon feature that helps boundaries;
* ``SHAPE``: the character class (Han, Latin, digit, punctuation, space, other) with
  the position and length of its word, which generalises to unseen words;
* ``WORD_TAG``: the dictionary part-of-speech tag of that word (jieba's ``nr`` person,
  ``ns`` place, ``nt`` organisation ...) with the position: the segmenter's dictionary
  knows far more names than the NER training data.

Code points fit in 21 bits, so the n-gram keys are exact (packed code points), not
hashed strings. The same function serves training and inference, so the features
cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from itertools import chain, repeat

import numpy as np
from numpy.typing import NDArray
from spacy.strings import hash_string  # type: ignore[attr-defined]

CHAR, BIGRAM, TRIGRAM, WORD, SHAPE, WORD_TAG = range(6)
N_FEATURES = 6
FEATURE_NAMES = ("char", "bigram", "trigram", "word", "shape", "word_tag")
# No column ever holds this key (all are below 2**63); training puts it in place of
# dropped features.
UNKNOWN_KEY = np.uint64(1 << 63)

# Words longer than this share one key per length bucket: their identity adds little
# over the n-grams, and they would crowd the table.
_MAX_WORD_KEY = 8
_POSITIONS = {"B": 0, "M": 1, "E": 2, "S": 3}
# Outside the text (before the first and after the last character).
_PAD = 0x10FFFF + 1
_HAN, _LATIN, _DIGIT, _PUNCT, _SPACE, _OTHER = range(6)
_NO_TAG = "?"
# Every SHAPE key (class << 8 | position << 4 | length) is below this.
SHAPE_KEYS = (_OTHER + 1) << 8


def _fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in range(0xFF01, 0xFF5F):  # full-width ASCII
        table[code] = chr(code - 0xFEE0).lower()
    for code in range(ord("A"), ord("Z") + 1):
        table[code] = chr(code).lower()
    for ch in "\u3000\u00a0\t\r\n\u2002\u2003\u2009\u200b":
        table[ord(ch)] = " "
    return table


_FOLD = _fold_table()
# The same folding as a code point table (every folded character is in the BMP): a
# numpy gather over a text is several times faster than ``str.translate`` on Han text.
_FOLD_BMP = np.arange(0x10000, dtype=np.uint32)
_FOLD_BMP[list(_FOLD)] = [ord(ch) for ch in _FOLD.values()]


@lru_cache(maxsize=65536)
def fold_char(ch: str) -> str:
    """The character as the model sees it: width-folded, lower-cased, spaces unified."""
    return ch.translate(_FOLD)


def fold_text(text: str) -> str:
    """:func:`fold_char` over a text; keeps its length, so offsets are unchanged."""
    return text.translate(_FOLD)


def code_points(text: str) -> NDArray[np.uint64]:
    """The folded text's code points as an array (one per character)."""
    return np.frombuffer(fold_text(text).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)


def _folded_code_points(text: str) -> tuple[str, NDArray[np.uint64]]:
    """:func:`fold_text` of ``text`` and its code points."""
    raw = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    cps = _FOLD_BMP.take(np.minimum(raw, 0xFFFF))
    beyond = raw > 0xFFFF
    if beyond.any():
        cps[beyond] = raw[beyond]
    folded = cps.tobytes().decode("utf-32-le") if (cps != raw).any() else text
    return folded, cps.astype(np.uint64)


def _char_classes(cps: NDArray[np.uint64]) -> NDArray[np.uint64]:
    classes = np.full(cps.shape, _OTHER, dtype=np.uint64)
    han = ((cps >= 0x4E00) & (cps <= 0x9FFF)) | ((cps >= 0x3400) & (cps <= 0x4DBF))
    han |= (cps >= 0x20000) & (cps <= 0x2FFFF)
    latin = ((cps >= ord("a")) & (cps <= ord("z"))) | ((cps >= 0xC0) & (cps <= 0x24F))
    digit = (cps >= ord("0")) & (cps <= ord("9"))
    punct = ((cps >= 0x21) & (cps <= 0x2F)) | ((cps >= 0x3A) & (cps <= 0x40)) | ((cps >= 0x5B) & (cps <= 0x60))
    punct |= ((cps >= 0x7B) & (cps <= 0x7E)) | ((cps >= 0x2010) & (cps <= 0x206F)) | ((cps >= 0x3001) & (cps <= 0x303F))
    punct |= (cps >= 0xFF01) & (cps <= 0xFF65)
    classes[han] = _HAN
    classes[latin] = _LATIN
    classes[digit] = _DIGIT
    classes[punct] = _PUNCT
    classes[cps == ord(" ")] = _SPACE
    return classes


def word_spans_to_features(text: str, words: Sequence[tuple[int, int]] | None) -> list[str]:
    """The word feature of every character as a readable string (``B:北京大学``, ``S:的``).

    The model uses the hashed form (:func:`char_features`); this spells it out for
    tests and debugging. Characters no word covers count as one-character words.
    """
    folded = fold_text(text)
    feats = [f"S:{ch}" for ch in folded]
    for start, end in words or ():
        if end - start < 2:
            continue
        word = folded[start:end]
        ident = word if end - start <= _MAX_WORD_KEY else f"#{min(end - start, 16)}"
        feats[start] = f"B:{ident}"
        for i in range(start + 1, end - 1):
            feats[i] = f"M:{ident}"
        feats[end - 1] = f"E:{ident}"
    return feats


def char_features(
    text: str, words: Sequence[tuple[int, int]] | None = None, word_tags: Mapping[str, str] | None = None
) -> NDArray[np.uint64]:
    """The ``(len(text), N_FEATURES)`` key matrix of ``text``.

    Args:
        text: the text; row ``i`` describes ``text[i]``.
        words: the segmenter's word spans ``(start, end)``, sorted, not overlapping;
            without them every character counts as a one-character word (the model is
            then less accurate).
        word_tags: the segmenter dictionary's part-of-speech tag of each word; words
            it lacks (and every word, without it) get the tag ``?``.

    """
    n = len(text)
    out = np.zeros((n, N_FEATURES), dtype=np.uint64)
    if not n:
        return out
    folded, cps = _folded_code_points(text)
    padded = np.full(n + 2, _PAD, dtype=np.uint64)
    padded[1:-1] = cps
    out[:, CHAR] = cps
    out[:, BIGRAM] = (cps << np.uint64(21)) | padded[2:]
    out[:, TRIGRAM] = (padded[:-2] << np.uint64(42)) | (cps << np.uint64(21)) | padded[2:]

    # Word keys: single characters by default, then every longer word over its span.
    position = np.full(n, _POSITIONS["S"], dtype=np.uint64)
    length = np.ones(n, dtype=np.uint64)
    word_keys = cps << np.uint64(2)  # S:<char>, distinct from any hashed word key below
    tag_keys = np.full(n, _tag_key(_NO_TAG), dtype=np.uint64)
    bounds = np.fromiter(chain.from_iterable(words or ()), dtype=np.intp).reshape(-1, 2)
    bounds = bounds[(bounds[:, 1] > bounds[:, 0]) & (bounds[:, 0] >= 0) & (bounds[:, 1] <= n)]
    starts, ends = bounds[:, 0], bounds[:, 1]
    if (ends[:-1] <= starts[1:]).all():
        # Sorted words that do not overlap (what the segmenter gives): every word's
        # keys are written at once, which is what the loop below does one word at a time.
        _spread_words(folded, text, starts, ends, word_tags, word_keys, position, length, tag_keys)
    else:
        for start, end in bounds.tolist():
            size = end - start
            if word_tags is not None:
                tag_keys[start:end] = _tag_key(word_tags.get(text[start:end], _NO_TAG))
            if size < 2:
                continue
            word_keys[start:end] = _word_key(folded[start:end] if size <= _MAX_WORD_KEY else f"#{min(size, 16)}")
            position[start] = _POSITIONS["B"]
            position[start + 1 : end - 1] = _POSITIONS["M"]
            position[end - 1] = _POSITIONS["E"]
            length[start:end] = min(size, 8)
    out[:, WORD] = word_keys | position
    out[:, SHAPE] = (_char_classes(cps) << np.uint64(8)) | (position << np.uint64(4)) | length
    out[:, WORD_TAG] = (tag_keys << np.uint64(8)) | (position << np.uint64(4)) | length
    return out


def _spread_words(
    folded: str,
    text: str,
    starts: NDArray[np.intp],
    ends: NDArray[np.intp],
    word_tags: Mapping[str, str] | None,
    word_keys: NDArray[np.uint64],
    position: NDArray[np.uint64],
    length: NDArray[np.uint64],
    tag_keys: NDArray[np.uint64],
) -> None:
    """Write the keys of the sorted, non-overlapping words ``starts[k]:ends[k]`` over their characters, in place."""
    if not len(starts):
        return
    sizes = ends - starts
    # map() over the slices: a comprehension's per-word bytecode costs more than the lookups.
    if word_tags is not None:
        names = list(
            map(word_tags.get, map(text.__getitem__, map(slice, starts.tolist(), ends.tolist())), repeat(_NO_TAG))
        )
        # A text has a few dozen distinct tags among hundreds of words: key each once.
        key_of = {name: _tag_key(name) for name in set(names)}
        tags = np.fromiter(map(key_of.__getitem__, names), dtype=np.uint64, count=len(names))
        tag_keys[_covered(starts, sizes)] = np.repeat(tags, sizes)
    long = sizes >= 2
    if not long.any():
        return
    starts, ends, sizes = starts[long], ends[long], sizes[long]
    idents = list(map(folded.__getitem__, map(slice, starts.tolist(), ends.tolist())))
    for k in np.flatnonzero(sizes > _MAX_WORD_KEY).tolist():
        idents[k] = f"#{min(int(sizes[k]), 16)}"
    keys = np.fromiter(map(_word_key, idents), dtype=np.uint64, count=len(idents))
    covered = _covered(starts, sizes)
    word_keys[covered] = np.repeat(keys, sizes)
    position[covered] = _POSITIONS["M"]
    position[starts] = _POSITIONS["B"]
    position[ends - 1] = _POSITIONS["E"]
    length[covered] = np.repeat(np.minimum(sizes, 8).astype(np.uint64), sizes)


def _covered(starts: NDArray[np.intp], sizes: NDArray[np.intp]) -> NDArray[np.intp]:
    """The positions ``start .. start + size - 1`` of every span, one after another."""
    before = np.cumsum(sizes) - sizes
    positions: NDArray[np.intp] = np.arange(int(sizes.sum()), dtype=np.intp) + np.repeat(starts - before, sizes)
    return positions


@lru_cache(maxsize=1024)
def _tag_key(tag: str) -> int:
    return int(hash_string(tag)) & 0xFFFFFFFF


@lru_cache(maxsize=200_000)
def _word_key(word: str) -> int:
    # Low two bits carry the position; bit 62 keeps hashed words apart from S:<char> keys.
    return (int(hash_string(word)) & ~3 & ((1 << 62) - 1)) | (1 << 62)
