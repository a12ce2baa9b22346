"""Invisible characters, odd spaces and full-width letters and digits."""

from __future__ import annotations

import regex

from pipeline.offsets import Edit

# Zero-width and formatting characters that carry nothing in running text.
_INVISIBLE = regex.compile(r"[\u200b\u200c\u200d\u2060\ufeff\u180e]+")
# The soft hyphen is invisible too, but it is also the byte 0xAD of mojibake read as
# Latin-1, so it goes with the spaces, after the mojibake pass.
_SOFT_HYPHEN = regex.compile(r"\u00ad+")
# Spaces that should be plain spaces; U+3000 included (indentation in Chinese pages).
_ODD_SPACE = regex.compile(r"[\u00a0\u2002-\u200a\u202f\u205f\u3000]")
# Full-width ASCII letters and digits, and the signs that belong to numbers.
_FULLWIDTH_ALNUM = regex.compile(r"[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\uff05]+")
_FULLWIDTH_NUMBER_SIGN = regex.compile(r"(?<=[0-9\uff10-\uff19])[\uff0e](?=[0-9\uff10-\uff19])")


def _fold(run: str) -> str:
    return "".join(chr(ord(c) - 0xFEE0) for c in run)


def invisible_edits(text: str) -> list[Edit]:
    """Propose removing zero-width characters and stray byte-order marks."""
    return [Edit(m.start(), m.end(), "", "invisible", "normalize.invisible") for m in _INVISIBLE.finditer(text)]


def space_edits(text: str) -> list[Edit]:
    """Propose turning NBSP, U+3000 and the other odd spaces into plain spaces, and dropping soft hyphens."""
    edits = [Edit(m.start(), m.end(), " ", "space", "normalize.space") for m in _ODD_SPACE.finditer(text)]
    edits += [Edit(m.start(), m.end(), "", "invisible", "normalize.invisible") for m in _SOFT_HYPHEN.finditer(text)]
    return edits


def width_edits(text: str) -> list[Edit]:
    """Propose folding full-width letters, digits, ``％`` and decimal points to ASCII.

    Chinese punctuation (，：？！（）“”) keeps its width: it is not folded.
    """
    edits = [
        Edit(m.start(), m.end(), _fold(m.group()), "width", "normalize.fullwidth")
        for m in _FULLWIDTH_ALNUM.finditer(text)
    ]
    if "\uff0e" in text:  # the look-behind keeps the engine from skipping to the sign: test for it first
        edits += [
            Edit(m.start(), m.end(), ".", "width", "normalize.fullwidth") for m in _FULLWIDTH_NUMBER_SIGN.finditer(text)
        ]
    return edits
