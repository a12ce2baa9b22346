"""Make damaged Chinese text the way the web damages it, to test and benchmark repairs.

Each kind reproduces a real mechanism, not just its look:

* ``pinyin_traditional``: a "伪原创" spam converter converts Simplified text character
  by character to Traditional (着 -> 著 too), encodes it as GBK, replaces the bytes of
  each character of a per-site set by the bytes of ``X(pīnyīn)`` (so a match can
  straddle two characters: 家帶 = ``BC D2 8E A7`` holds 規 = ``D2 8E``), and decodes
  the bytes as GBK again, invalid pairs becoming ``?`` and user-defined-area pairs
  dropped.
* ``traditional``: the same character-by-character conversion, nothing else.
* ``utf8_as_gbk``: UTF-8 bytes decoded as GBK (``浣犲ソ``) the way browsers and
  Windows do it (the WHATWG decoder: user-defined areas become private-use
  characters, 0x80 the euro sign, a lead byte before ASCII U+FFFD).
* ``utf8_as_gbk_qmark``: the same, then saved as GBK again, so every U+FFFD became
  ``?`` (the familiar ``鈥?``): a byte lost next to ASCII.
* ``gbk_as_latin1``, ``utf8_as_cp1252``, ``double_utf8``: the Western code pages.
* ``big5_as_gbk``, ``gbk_as_big5``: the two Chinese code pages confused (Taiwan-style
  Traditional text as Big5 read by a GBK decoder, GBK read by a Big5 decoder).

Where a legacy encoder meets a character its code page lacks, it writes a numeric
character reference (``&#8226;``), as browsers and content systems do; only the spam
converter, which is careless by design, writes ``?``.
* ``lost_bytes``: U+FFFD runs and 锟斤拷 where bytes were lost (not recoverable).
* ``html_entities``, ``fullwidth``: markup escapes and full-width letters and digits.

``scope`` damages the whole document, one paragraph, or one clause inside clean text.
The result keeps the clean original so a benchmark can score the repair.
"""

from __future__ import annotations

import html
import random
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal, get_args

import regex
from pypinyin import Style, pinyin

from pipeline.repair.codecs import decode_whatwg_big5, decode_whatwg_gbk
from pipeline.repair.t2s import _converter

Kind = Literal[
    "pinyin_traditional",
    "traditional",
    "utf8_as_gbk",
    "utf8_as_gbk_qmark",
    "gbk_as_latin1",
    "utf8_as_cp1252",
    "double_utf8",
    "big5_as_gbk",
    "gbk_as_big5",
    "lost_bytes",
    "html_entities",
    "fullwidth",
]
Scope = Literal["document", "paragraph", "clause"]
KINDS: tuple[Kind, ...] = get_args(Kind)
SCOPES: tuple[Scope, ...] = get_args(Scope)
# Kinds whose damage destroys information: a repair can only mark them.
LOSSY_KINDS = frozenset({"lost_bytes"})

_HAN = regex.compile(r"\p{Han}")
_CLAUSE = regex.compile(r"[^，。；！？,;!?\n]{6,}")


@dataclass(frozen=True, slots=True)
class Corrupted:
    """A damaged text with its clean original.

    ``text`` is the damaged text as it arrives and ``data`` its UTF-8 bytes (the
    damage happened upstream, as it does on the web). ``span`` is the damaged part
    of the clean text (``clean[span[0]:span[1]]``) and ``damaged_span`` the same part
    in ``text``.
    """

    kind: str
    scope: str
    clean: str
    text: str
    data: bytes
    span: tuple[int, int]
    damaged_span: tuple[int, int]


# --- byte-level helpers -------------------------------------------------------


def _is_gbk_user_defined(lead: int, trail: int) -> bool:
    """GBK's user-defined areas (AAA1-AFFE, F8A1-FEFE, A140-A7A0), which converters drop."""
    return (
        (0xAA <= lead <= 0xAF and trail >= 0xA1)
        or (0xF8 <= lead <= 0xFE and trail >= 0xA1)
        or (0xA1 <= lead <= 0xA7 and trail <= 0xA0)
    )


def decode_gbk_lossy(data: bytes) -> str:
    """Decode GBK the way a careless converter does: invalid pairs -> ``?``, user-defined pairs dropped."""
    out: list[str] = []
    i = 0
    n = len(data)
    while i < n:
        b = data[i]
        if b < 0x80:
            out.append(chr(b))
            i += 1
            continue
        if i + 1 >= n:
            out.append("?")
            break
        trail = data[i + 1]
        pair = data[i : i + 2]
        if _is_gbk_user_defined(b, trail):
            i += 2
            continue
        try:
            out.append(pair.decode("gbk"))
        except UnicodeDecodeError:
            out.append("?")
        i += 2
    return "".join(out)


# Where the converters' one-character tables differ from OpenCC's first choice: they
# turn the particle 着 into 著 as well.
_NAIVE_TABLE = {"着": "著"}


@lru_cache(maxsize=65536)
def _char_to_traditional(ch: str) -> str:
    return _NAIVE_TABLE.get(ch) or str(_converter("s2t").convert(ch))


def to_traditional_by_char(text: str) -> str:
    """Simplified to Traditional one character at a time (the converter's naive table)."""
    return "".join(_char_to_traditional(ch) if _HAN.match(ch) else ch for ch in text)


@lru_cache(maxsize=65536)
def _char_to_taiwan(ch: str) -> str:
    return str(_converter("s2tw").convert(ch))


def to_taiwan_by_char(text: str) -> str:
    """Simplified to Taiwan-standard Traditional (the forms Big5 has), one character at a time."""
    return "".join(_char_to_taiwan(ch) if _HAN.match(ch) else ch for ch in text)


@lru_cache(maxsize=65536)
def _default_reading(ch: str) -> str:
    found = pinyin(ch, style=Style.TONE, heteronym=False, errors="ignore")
    return found[0][0] if found and found[0] else ""


def spam_convert(text: str, rng: random.Random, share: float = 0.35) -> str:
    """The pinyin-annotating spam converter, byte for byte (see the module docstring)."""
    return annotate_sites(text, spam_sites(text, rng, share))


def spam_sites(text: str, rng: random.Random, share: float = 0.35) -> list[str]:
    """The characters the spam converter annotates in ``text``: each Traditional one with chance ``share``.

    One draw per distinct character, in code point order: the same ``rng`` state gives
    the same site set for the same characters (see :func:`explains_damage`).
    """
    chars = sorted({ch for ch in to_traditional_by_char(text) if _HAN.match(ch)})
    return [ch for ch in chars if rng.random() < share]


def annotate_sites(text: str, site_set: Sequence[str]) -> str:
    """What the spam converter makes of ``text`` when it annotates the characters of ``site_set``."""
    traditional = to_traditional_by_char(text)
    data = traditional.encode("gbk", errors="replace")
    for ch in site_set:
        reading = _default_reading(ch)
        if not reading:
            continue
        try:
            needle = ch.encode("gbk")
            replacement = (ch + "(" + reading + ")").encode("gbk")
        except UnicodeEncodeError:
            continue
        data = data.replace(needle, replacement)
    return decode_gbk_lossy(data)


def _sloppy_cp1252(data: bytes) -> str:
    """cp1252 with the five undefined bytes read as Latin-1, as ftfy's 'sloppy' codec does."""
    return "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in data)


def damage(segment: str, kind: Kind, rng: random.Random) -> str:
    """Damage one piece of clean text with ``kind``."""
    if kind == "pinyin_traditional":
        return spam_convert(segment, rng)
    if kind == "traditional":
        return to_traditional_by_char(segment)
    if kind == "utf8_as_gbk":
        return decode_whatwg_gbk(segment.encode("utf-8"))
    if kind == "utf8_as_gbk_qmark":
        return decode_whatwg_gbk(segment.encode("utf-8")).replace("\ufffd", "?")
    if kind == "gbk_as_latin1":
        return segment.encode("gbk", errors="xmlcharrefreplace").decode("latin-1")
    if kind == "utf8_as_cp1252":
        return _sloppy_cp1252(segment.encode("utf-8"))
    if kind == "double_utf8":
        # Encoded twice: the mis-read text was itself stored as UTF-8 and mis-read again.
        return _sloppy_cp1252(_sloppy_cp1252(segment.encode("utf-8")).encode("utf-8"))
    if kind == "big5_as_gbk":
        return decode_whatwg_gbk(to_taiwan_by_char(segment).encode("big5", errors="xmlcharrefreplace"))
    if kind == "gbk_as_big5":
        return decode_whatwg_big5(segment.encode("gbk", errors="xmlcharrefreplace"))
    if kind == "lost_bytes":
        return _lose_bytes(segment, rng)
    if kind == "html_entities":
        return _escape_html(segment, rng)
    if kind == "fullwidth":
        return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in segment)
    raise ValueError(f"unknown corruption kind {kind!r} (known: {', '.join(KINDS)})")


def _lose_bytes(segment: str, rng: random.Random) -> str:
    chars = list(segment)
    for i in _lost_byte_offsets(segment, rng):
        chars[i] = rng.choice(["\ufffd", "锟斤拷", "\ufffd\ufffd"])
    return "".join(chars)


def _lost_byte_offsets(segment: str, rng: random.Random) -> list[int]:
    """The offsets of the Han characters ``lost_bytes`` replaces (the first draw of its ``rng``)."""
    han = [i for i, c in enumerate(segment) if _HAN.match(c)]
    return rng.sample(han, k=max(1, len(han) // 12)) if han else []


def _escape_html(segment: str, rng: random.Random) -> str:
    out = []
    for ch in segment:
        roll = rng.random()
        if roll < 0.08 and not ch.isspace():
            out.append(f"&#{ord(ch)};")
        elif roll < 0.12 and not ch.isspace():
            out.append(f"&#x{ord(ch):x};")
        elif ch in '&<>"' and roll < 0.6:
            out.append(html.escape(ch) if roll < 0.4 else html.escape(html.escape(ch)))
        else:
            out.append(ch)
    return "".join(out)


def _pick_span(clean: str, scope: Scope, rng: random.Random) -> tuple[int, int]:
    if scope == "document":
        return 0, len(clean)
    lines = [(m.start(), m.end()) for m in regex.finditer(r"[^\n]+", clean) if _HAN.search(m.group())]
    if not lines:
        return 0, len(clean)
    if scope == "paragraph":
        return rng.choice(lines)
    clauses = [(m.start(), m.end()) for m in _CLAUSE.finditer(clean) if len(_HAN.findall(m.group())) >= 4]
    return rng.choice(clauses) if clauses else rng.choice(lines)


def corrupt(clean: str, kind: Kind, scope: Scope = "document", seed: int = 0) -> Corrupted:
    """Damage ``clean`` with ``kind`` over ``scope`` (deterministic for a given ``seed``)."""
    rng = random.Random(f"{kind}:{scope}:{seed}")  # noqa: S311 - reproducible damage, not security
    start, end = _pick_span(clean, scope, rng)
    damaged = damage(clean[start:end], kind, rng)
    text = clean[:start] + damaged + clean[end:]
    # The damage happened upstream: what arrives is the damaged text, stored as UTF-8.
    return Corrupted(kind, scope, clean, text, text.encode("utf-8"), (start, end), (start, start + len(damaged)))


# --- what no repair can restore ----------------------------------------------------


def _encodable_through(ch: str, kind: Kind) -> bool:
    """Whether ``ch`` survives the code page of ``kind`` on its own (only the spam converter loses any).

    The converter encodes with ``?`` for what GBK lacks (•, ², U+00A0) and drops pairs
    of the user-defined areas (private-use glyphs), so such a character is gone before
    any repair sees the text; the other kinds write a character reference or keep it.
    """
    if kind != "pinyin_traditional":
        return True
    traditional = _char_to_traditional(ch) if _HAN.match(ch) else ch
    try:
        data = traditional.encode("gbk")
    except UnicodeEncodeError:
        return False
    return decode_gbk_lossy(data) == traditional


def _merged_by_conversion(segment: str, kind: Kind) -> list[int]:
    """Offsets in ``segment`` of characters the kind's one-to-one table merges with another one.

    The inverse conversion (OpenCC ``t2s`` of the converted segment) picks one
    Simplified character per Traditional one; where it picks another character whose
    Traditional form is the same (馀 and 余 both become 餘), another clean text gives the
    identical damaged text, and the written variant cannot be known.
    """
    if kind in ("pinyin_traditional", "traditional"):
        forward = _char_to_traditional
        converted = to_traditional_by_char(segment)
    elif kind == "big5_as_gbk":
        forward = _char_to_taiwan
        converted = to_taiwan_by_char(segment)
    else:
        return []
    back = str(_converter("t2s").convert(converted))
    if len(back) != len(segment):  # a phrase of another length: judge each character alone
        back = "".join(str(_converter("t2s").convert(c)) for c in converted)
    return [
        j
        for j, (want, got) in enumerate(zip(segment, back, strict=False))
        # 着 -> 著 is the converter's own merge, which context (著名 / 看着) mostly
        # decides: left uncounted rather than overstated.
        if want != got
        and want not in _NAIVE_TABLE
        and _HAN.match(want)
        and len(got) == 1
        and forward(got) == forward(want)
    ]


def _swapped(ch: str) -> str:
    """Another character of the same class (a digit for a digit, a letter for a letter)."""
    if ch.isdigit():
        return "1" if ch == "0" else "0"
    return "b" if ch.lower() == "a" else "a"


def unrecoverable_positions(clean: str, kind: Kind, scope: Scope = "document", seed: int = 0) -> list[int]:
    """Offsets in ``clean`` of characters that no repair can restore from ``corrupt(clean, kind, scope, seed)``.

    A character counts when another clean text gives the identical damaged text, found
    with the damage itself: (a) the kind's code page loses it (checked on ``clean`` as
    it is, before any folding of widths or spaces); (b) the kind's conversion table
    merges it with another character that the inverse conversion gives instead (馀 ->
    餘 -> 余); (c) an ASCII letter or digit swapped for another leaves the damaged text
    unchanged (swallowed into a ``?`` by the out-of-step spam converter); (d) the
    characters ``lost_bytes`` replaces by U+FFFD or 锟斤拷. Bytes that a
    mis-decoding loses next to ASCII (``鈥?``) are not counted: the repair guesses them
    from the remaining bytes and the context, which usually decide.
    """
    damaged = corrupt(clean, kind, scope, seed)
    start, end = damaged.span
    segment = clean[start:end]
    lost = {start + j for j, ch in enumerate(segment) if not _encodable_through(ch, kind)}
    lost.update(start + j for j in _merged_by_conversion(segment, kind))
    if kind == "lost_bytes":
        # The same draws as corrupt(): the span, then the characters replaced.
        rng = random.Random(f"{kind}:{scope}:{seed}")  # noqa: S311 - reproducible damage, not security
        _pick_span(clean, scope, rng)
        lost.update(start + j for j in _lost_byte_offsets(segment, rng))
        return sorted(lost)
    for j in range(start, end):
        ch = clean[j]
        if j in lost or not (ch.isascii() and ch.isalnum()):
            continue
        # Same class, so the damage's random choices (made over Han characters) stay the same.
        other = clean[:j] + _swapped(ch) + clean[j + 1 :]
        if corrupt(other, kind, scope, seed).text == damaged.text:
            lost.add(j)
    return sorted(lost)


def explains_damage(clean: str, repaired: str, kind: Kind, scope: Scope = "document", seed: int = 0) -> bool:
    """Whether ``repaired``, damaged the same way, gives the same text as ``clean`` does.

    A repair that misses the clean text but passes this check made no mistake the
    damaged text could show: it picked another text with the same damage (the other
    character of a byte lost next to ASCII, ``：`` for ``，``), a choice only context
    can make. A miss that fails it left damage in or chose something the bytes rule
    out. ``repaired`` is compared as the normaliser writes it (widths folded), so where
    it is as long as ``clean``, each character that ``fold`` maps from ``clean``'s
    character there is given ``clean``'s form back (``Ａ`` for ``A``) before damaging.

    Args:
        clean: The clean original.
        repaired: The repair's output for ``corrupt(clean, kind, scope, seed)``.
        kind: The damage.
        scope: The scope the damage was applied to.
        seed: The seed of the damage.

    Returns:
        True when ``corrupt(repaired, kind, scope, seed)`` equals the damaged text.

    """
    damaged = corrupt(clean, kind, scope, seed).text
    if len(repaired) == len(clean):
        repaired = "".join(
            was if now != was and unicodedata.normalize("NFKC", was) == now else now
            for was, now in zip(clean, repaired, strict=True)
        )
    if corrupt(repaired, kind, scope, seed).text == damaged:
        return True
    if kind != "pinyin_traditional":
        return False
    # The converter draws its site set once per distinct character, so a repaired text
    # with one character more or less (陈先生资 for 陈先生全资) draws another set from the
    # same seed; the damage it must explain is that of the clean text's own site set.
    rng = random.Random(f"{kind}:{scope}:{seed}")  # noqa: S311 - the damage's own draws
    start, end = _pick_span(clean, scope, rng)
    sites = spam_sites(clean[start:end], rng)
    shift = len(repaired) - len(clean)
    if end + shift < start or repaired[:start] != clean[:start] or repaired[end + shift :] != clean[end:]:
        return False
    return repaired[:start] + annotate_sites(repaired[start : end + shift], sites) + repaired[end + shift :] == damaged
