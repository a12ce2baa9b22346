"""Byte-level views of text for the mojibake repairs: how each character was misread.

Mojibake is bytes of one encoding decoded with another. To undo it the repair
re-encodes each character with the codec that misread it (getting the bytes back)
and decodes those bytes with the codec they were written in. This module holds the
per-character encoders, the strict decoders, the "forward" decoders that reproduce
the damage (used to check that a candidate explains what we see), and small
automata that tell where a byte run can be valid text in the original encoding.

A character that stands for a byte lost in decoding (U+FFFD, or ``?`` after a
second, lossy re-encoding) becomes a *hole*: one byte of unknown value.
"""

from __future__ import annotations

import codecs
from functools import lru_cache
from typing import Any

from pipeline.memo import remember

HOLE = -1  # U+FFFD: one byte the misreading decoder could not decode
QMARK = -2  # "?": a literal question mark, or a lost byte written as "?"
# "€" read by a GBK decoder: the single byte 0x80, or the pair A2 E3 (GB18030 put the
# euro sign there too: 面。 = E9 9D A2 E3 80 82 reads 闈€€ with a lost byte).
EURO = -3
EURO_BYTES = (b"\x80", b"\xa2\xe3")

Unit = bytes | int | None  # the bytes of one observed character, a hole, or None (cannot be misread bytes)


def _sloppy_cp1252_tables() -> tuple[str, dict[str, int]]:
    decode = []
    for b in range(256):
        try:
            decode.append(bytes([b]).decode("cp1252"))
        except UnicodeDecodeError:
            decode.append(chr(b))  # the five undefined bytes read as Latin-1, as browsers do
    table = "".join(decode)
    encode = {ch: b for b, ch in enumerate(table)}
    for b in range(0x80, 0xA0):
        encode.setdefault(chr(b), b)  # Latin-1 reads these bytes as C1 controls
    return table, encode


SLOPPY_CP1252_DECODE, SLOPPY_CP1252_ENCODE = _sloppy_cp1252_tables()
# Bytes a strict cp1252 decoder cannot decode: where a lost byte may hide.
CP1252_UNDEFINED = (0x81, 0x8D, 0x8F, 0x90, 0x9D)


def sloppy_cp1252_decode(data: bytes) -> str:
    """Decode as Windows-1252 with its five undefined bytes read as Latin-1 (never fails)."""
    return data.decode("latin-1").translate(_LATIN1_TO_SLOPPY)


_LATIN1_TO_SLOPPY = {b: SLOPPY_CP1252_DECODE[b] for b in range(0x80, 0xA0)}


def sloppy_cp1252_encode(text: str) -> bytes | None:
    """Encode as sloppy Windows-1252; ``None`` when a character has no byte."""
    out = bytearray()
    for ch in text:
        b = SLOPPY_CP1252_ENCODE.get(ch)
        if b is None:
            return None
        out.append(b)
    return bytes(out)


@lru_cache(maxsize=65536)
def unit_bytes(ch: str, misread: str) -> Unit:
    """The bytes that ``misread`` turned into ``ch``; a hole marker; or ``None``."""
    if ch == "\ufffd":
        return HOLE
    if ch == "?":
        return QMARK
    if misread == "cp1252":
        b = SLOPPY_CP1252_ENCODE.get(ch)
        return None if b is None else bytes([b])
    if ch.isascii():
        return ch.encode("ascii")
    if ch == "\u20ac" and misread == "gbk":
        return EURO  # the WHATWG and Windows GBK decoders read 0x80 (and A2 E3) as the euro sign
    pair = _browser_pairs(misread).get(ch)
    if pair is not None:
        return pair
    for codec in _ENCODERS[misread]:
        try:
            data = ch.encode(codec)
        except UnicodeEncodeError:
            continue
        if len(data) <= 2:
            return data
    return None


@lru_cache(maxsize=2)
def _browser_pairs(misread: str) -> dict[str, bytes]:
    """The byte pair the browser's decoder reads as each character (its exact inverse)."""
    decode = decode_whatwg_gbk if misread == "gbk" else decode_whatwg_big5
    table: dict[str, bytes] = {}
    trails = [*range(0x40, 0x7F), *range(0x80, 0xFF)]
    for lead in range(0x81, 0xFF):
        for trail in trails:
            pair = bytes((lead, trail))
            ch = decode(pair)
            if len(ch) == 1 and ch != "\ufffd":
                table.setdefault(ch, pair)
    return table


# GB18030 reads GBK's user-defined areas as private-use characters; Big5 pages are
# often cp950 (Microsoft's Big5, with a few more characters).
_ENCODERS: dict[str, tuple[str, ...]] = {"gbk": ("gbk", "gb18030"), "big5": ("big5", "cp950", "big5hkscs")}
_DECODERS: dict[str, tuple[str, ...]] = {
    "gbk": ("gbk", "gb18030"),
    "big5": ("big5", "cp950", "big5hkscs"),
    "utf-8": ("utf-8",),
}


# --- the decoders browsers use (WHATWG Encoding Standard) ---------------------------
#
# Most mojibake on the web was made by a browser or by Windows, whose GBK decoder is
# GB18030 (user-defined areas read as private use, 0x80 read as the euro sign) and
# whose Big5 decoder is Big5-HKSCS. On an invalid pair they drop only the lead byte
# and keep an ASCII trail byte, which is why U+FFFD so often sits next to ASCII.
# Python's own "gbk" and "gb18030" codecs differ (the first rejects the user-defined
# areas, the second may swallow ASCII after a broken four-byte sequence).


# What each byte pair decodes to (None: the codec rejects it), per codec: the browser
# decoders below read every candidate of every repair, pair by pair, and a pair's
# decoding (an exception when it fails) cost more than a look-up.
_PAIR_CACHE = 1 << 16  # more than there are byte pairs with a lead byte from 0x81
_PAIRS: dict[str, dict[bytes, str | None]] = {"gb18030": {}, "big5hkscs": {}}


def _pair_char(pairs: dict[bytes, str | None], pair: bytes, codec: str) -> str | None:
    """``pair`` decoded strictly with ``codec`` (None if it cannot be), looked up in and kept in ``pairs``."""
    known = pairs.get(pair, "")  # "": not seen yet (no pair decodes to nothing)
    if known != "":
        return known
    try:
        decoded: str | None = pair.decode(codec)
    except UnicodeDecodeError:
        decoded = None
    return remember(pairs, pair, decoded, _PAIR_CACHE)


def decode_whatwg_gbk(data: bytes) -> str:
    """Decode ``data`` as the WHATWG ``gbk``/``gb18030`` decoder does (never fails)."""
    pairs = _PAIRS["gb18030"]
    out: list[str] = []
    i = 0
    n = len(data)
    while i < n:
        b = data[i]
        if b < 0x80:
            out.append(chr(b))
            i += 1
            continue
        if b == 0x80:
            out.append("\u20ac")
            i += 1
            continue
        if b == 0xFF or i + 1 >= n:
            out.append("\ufffd")
            i += 1
            continue
        second = data[i + 1]
        if 0x30 <= second <= 0x39:
            if i + 3 < n and 0x81 <= data[i + 2] <= 0xFE and 0x30 <= data[i + 3] <= 0x39:
                try:
                    out.append(data[i : i + 4].decode("gb18030"))
                except UnicodeDecodeError:
                    out.append("\ufffd")
                i += 4
            else:
                out.append("\ufffd")
                i += 1  # the lead only: what follows is read again
            continue
        if 0x40 <= second <= 0x7E or 0x80 <= second <= 0xFE:
            ch = _pair_char(pairs, data[i : i + 2], "gb18030")
            if ch is not None:
                out.append(ch)
                i += 2
                continue
        out.append("\ufffd")
        i += 1 if second < 0x80 else 2
    return "".join(out)


def decode_whatwg_big5(data: bytes) -> str:
    """Decode ``data`` as the WHATWG ``big5`` decoder (Big5-HKSCS) does (never fails)."""
    pairs = _PAIRS["big5hkscs"]
    out: list[str] = []
    i = 0
    n = len(data)
    while i < n:
        b = data[i]
        if b < 0x80:
            out.append(chr(b))
            i += 1
            continue
        if not 0x81 <= b <= 0xFE or i + 1 >= n:
            out.append("\ufffd")
            i += 1
            continue
        second = data[i + 1]
        if 0x40 <= second <= 0x7E or 0xA1 <= second <= 0xFE:
            ch = _pair_char(pairs, data[i : i + 2], "big5hkscs")
            if ch is not None:
                out.append(ch)
                i += 2
                continue
        out.append("\ufffd")
        i += 1 if second < 0x80 else 2
    return "".join(out)


def forward(data: bytes, misread: str) -> tuple[str, ...]:
    """What each misreading decoder makes of ``data`` (lost bytes as U+FFFD)."""
    return tuple(_forward_one(data, misread, codec) for codec in _FORWARD[misread])


_FORWARD: dict[str, tuple[str, ...]] = {
    "gbk": ("gbk", "gb18030", "whatwg-gbk"),
    "big5": ("whatwg-big5",),
    "cp1252": ("sloppy", "latin-1", "cp1252"),
}


def _forward_one(data: bytes, misread: str, codec: str) -> str:
    if codec == "sloppy":
        return sloppy_cp1252_decode(data)
    if codec == "whatwg-gbk":
        return decode_whatwg_gbk(data)
    if codec == "whatwg-big5":
        return decode_whatwg_big5(data)
    return data.decode(codec, errors="replace")


def explains(observed: str, data: bytes, misread: str) -> bool:
    """True when misreading ``data`` gives exactly ``observed`` (a lost byte may show as ``?``)."""
    for codec in _FORWARD[misread]:
        produced = _forward_one(data, misread, codec)
        if produced == observed:
            return True
        if (
            len(produced) == len(observed)
            and "?" in observed
            and all(p == o or (p == "\ufffd" and o == "?") for p, o in zip(produced, observed, strict=True))
        ):
            return True
    return False


@lru_cache(maxsize=4)
def lost_pairs(misread: str) -> tuple[bytes, ...]:
    """Byte pairs the browser's decoder turns into one U+FFFD, consuming both bytes.

    Such a U+FFFD is a hole two bytes wide (Big5 has many: every trail byte from
    0x80 to 0xA0 and the unassigned codes).
    """
    if misread == "cp1252":
        return ()
    decode = decode_whatwg_gbk if misread == "gbk" else decode_whatwg_big5
    out = []
    for lead in range(0x81, 0xFF):
        for trail in range(0x80, 0x100):
            pair = bytes((lead, trail))
            if decode(pair) == "\ufffd":
                out.append(pair)
    return tuple(out)


def decode_strict(data: bytes, original: str) -> str | None:
    """Decode ``data`` in ``original`` without errors, or ``None``."""
    for codec in _DECODERS[original]:
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            continue
    return None


def decode_prefix(data: bytes, original: str) -> str | None:
    """Decode ``data`` in ``original``, allowing an unfinished character at the end; ``None`` if invalid."""
    for codec in _DECODERS[original]:
        try:
            return str(_incremental(codec)("strict").decode(data, final=False))
        except UnicodeDecodeError:
            continue
    return None


@lru_cache(maxsize=16)
def _incremental(codec: str) -> Any:
    return codecs.getincrementaldecoder(codec)


def char_length(lead: int, original: str) -> int:
    """Length in bytes of the character that starts with ``lead`` (0: not a valid start)."""
    if lead < 0x80:
        return 1
    if original == "utf-8":
        if 0xC2 <= lead <= 0xDF:
            return 2
        if 0xE0 <= lead <= 0xEF:
            return 3
        if 0xF0 <= lead <= 0xF4:
            return 4
        return 0
    return 2 if 0x81 <= lead <= 0xFE else 0


# --- automata: can a byte run be valid text in the original encoding? ------------
#
# States are bit masks. For UTF-8, bit k means "k continuation bytes still due";
# for the double-byte codecs, bit 0 is "between characters" and bit 1 "a trail byte
# is due". A hole may be any byte from 0x80 up (what a decoder fails on).

_TRAIL_OK = {
    "gbk": lambda b: 0x40 <= b <= 0x7E or 0x80 <= b <= 0xFE,
    "big5": lambda b: 0x40 <= b <= 0x7E or 0xA1 <= b <= 0xFE,
}


def _build_step(original: str) -> list[list[int]]:
    """``table[mask][byte]`` -> next mask; index 256 is a hole, 257 a question mark, 258 a euro sign."""
    masks = 16 if original == "utf-8" else 4
    table = [[0] * 259 for _ in range(masks)]
    for mask in range(masks):
        for b in range(256):
            table[mask][b] = _step_byte(mask, b, original)
        one = 0
        for b in range(0x80, 0x100):
            one |= _step_byte(mask, b, original)
        two = 0
        for b in range(0x80, 0x100):
            two |= _step_byte(one, b, original)
        table[mask][256] = one | two
        table[mask][257] = one | two | _step_byte(mask, 0x3F, original)
        euro_pair = _step_byte(_step_byte(mask, 0xA2, original), 0xE3, original)
        table[mask][258] = _step_byte(mask, 0x80, original) | euro_pair
    return table


def is_hole(unit: Unit) -> bool:
    """True for a lost byte (U+FFFD or ``?``); the euro sign's two readings are no loss."""
    return isinstance(unit, int) and unit != EURO


def _step_byte(mask: int, b: int, original: str) -> int:
    out = 0
    if original == "utf-8":
        if mask & 1:
            n = char_length(b, "utf-8")
            if n:
                out |= 1 << (n - 1)
        for k in (1, 2, 3):
            if mask & (1 << k) and 0x80 <= b <= 0xBF:
                out |= 1 << (k - 1)
        return out
    if mask & 1:
        if b < 0x80:
            out |= 1
        elif 0x81 <= b <= 0xFE:
            out |= 2
    if mask & 2 and _TRAIL_OK[original](b):
        out |= 1
    return out


_SPECIAL_COLUMN = {HOLE: 256, QMARK: 257, EURO: 258}
_STEPS: dict[str, list[list[int]]] = {name: _build_step(name) for name in ("utf-8", "gbk", "big5")}


def step_unit(mask: int, unit: bytes | int, original: str) -> int:
    """Advance the automaton of ``original`` over one observed unit."""
    table = _STEPS[original]
    if isinstance(unit, int):
        return table[mask][_SPECIAL_COLUMN[unit]]
    for b in unit:
        mask = table[mask][b]
        if not mask:
            return 0
    return mask


_UNIT_STEPS: dict[str, dict[tuple[int, bytes | int], int]] = {name: {} for name in _STEPS}


def unit_steps(original: str) -> dict[tuple[int, bytes | int], int]:
    """A memo of :func:`step_unit` for ``original``: ``(mask, unit)`` -> next mask, filled by its callers.

    Observed units are the bytes of one character (or a hole marker), so the
    distinct pairs number a few thousand; a caller that walks many units looks each
    up here and computes (and stores) only the new ones.
    """
    return _UNIT_STEPS[original]
