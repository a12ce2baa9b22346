"""Find mojibake inside otherwise clean text and undo it by codec round trips.

How a run is repaired:

1. **Detect.** A character-class detector marks characters that clean Chinese text
   rarely has (Latin-1 letters, Cyrillic, Greek, kana, box drawing, private use,
   U+FFFD, hanzi the language model has hardly seen ...). Two of them close together,
   or one of the tell-tale signs (鈥 銆 锛, U+FFFD, private use), open a window.
2. **Round trip.** For every damage :data:`MECHANISMS` knows (UTF-8 read as GBK,
   GBK read as cp1252 ...), each character of the window is encoded back with the
   codec that misread it; an automaton finds the byte runs that are valid text in the
   codec they were written in. A lost byte (U+FFFD, or ``?``) is a hole: every value
   that explains what we see is tried and the language model picks one.
3. **Choose.** The decoded run is cut into *blocks* (the smallest pieces where both
   readings start and end on the same byte) and a Viterbi pass over keep/convert per
   block, scored by the character language model with a penalty per switch, finds
   where the damage starts and ends. A region is repaired only when it explains the
   observed text exactly, beats keeping it by a margin, and shows enough evidence.
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import numpy as np
import regex

from pipeline.memo import remember
from pipeline.offsets import Edit
from pipeline.repair.codecs import (
    CP1252_UNDEFINED,
    EURO,
    EURO_BYTES,
    HOLE,
    QMARK,
    Unit,
    char_length,
    decode_prefix,
    decode_strict,
    explains,
    forward,
    is_hole,
    lost_pairs,
    step_unit,
    unit_bytes,
    unit_steps,
)
from pipeline.repair.digit_marks import default_digit_mark_model
from pipeline.repair.line_ends import article_chance, default_line_end_model
from pipeline.repair.lm import CharLM, DocumentCache, WordModel, default_word_model, left_context, right_context
from pipeline.repair.t2s import Simplifier, to_simplified, to_simplified_many


@dataclass(frozen=True, slots=True)
class Mechanism:
    """One way text gets damaged: bytes in ``original`` decoded as ``misread``.

    ``layers`` is 2 when the damage happened twice (UTF-8 read as cp1252, stored as
    UTF-8, read as cp1252 again). ``traditional`` says the repaired text is usually
    Traditional (Big5), so it is scored after conversion to Simplified.
    """

    name: str
    misread: str
    original: str
    layers: int = 1
    traditional: bool = False


MECHANISMS: tuple[Mechanism, ...] = (
    Mechanism("utf8_as_gbk", "gbk", "utf-8"),
    Mechanism("utf8_as_cp1252", "cp1252", "utf-8"),
    Mechanism("double_utf8", "cp1252", "utf-8", layers=2),
    Mechanism("gbk_as_cp1252", "cp1252", "gbk"),
    Mechanism("big5_as_gbk", "gbk", "big5", traditional=True),
    Mechanism("gbk_as_big5", "big5", "gbk"),
    Mechanism("utf8_as_big5", "big5", "utf-8"),
)

# Runs that are lost bytes themselves (UTF-8 EF BF BD read as GBK, MSVC fill bytes):
# never material for a repair; the lost-bytes pass marks them.
LOST_RUN = regex.compile(r"(?:锟斤拷|烫烫烫|屯屯屯)+")

# Characters a decoder produces from misread bytes that clean Chinese text rarely has.
_ODD_CLASSES = (
    r"\u0080-\u009f\u00a1-\u00ff\u0100-\u024f\u0250-\u02ff\u0370-\u03ff\u0400-\u04ff"
    r"\u2500-\u259f\u3040-\u30ff\u3100-\u312f"
    r"\ue000-\uf8ff\uf900-\ufaff\ufe30-\ufe4f\uff61-\uff9f\ufffd\u3400-\u4dbf"
    r"ƒˆŠ‹ŒŽ˜™š›œžŸ‚„†‡‰"
)
# Signs that are enough alone: a lost byte, private use, C1 controls, the first
# halves of UTF-8 punctuation read as GBK (“ -> 鈥, 。 -> 銆, ， -> 锛), and a UTF-8
# lead and continuation byte read as cp1252 (■ -> â– ).
_STRONG = re.compile(
    r"[\ufffd\ue000-\uf8ff\u0080-\u009f鈥銆锛]"
    # A UTF-8 lead byte read as cp1252 (Â-ô) before a continuation byte read as cp1252.
    r"|[\u00c2-\u00f4][\u00a0-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    r"\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
)
# Symbols Chinese text uses on purpose (°C, 3×4, 阿尔伯特·爱因斯坦, €).
_NOT_ODD = frozenset("°×÷·™€")
EURO_SIGN = "\u20ac"

HISTORY = 8  # characters of history the LM is given (more than its order: spaces do not count)
WINDOW = 16  # characters of context on each side of a detected spot
GIBBERISH_LOGPROB = -7.0  # nats per symbol: clean news reads at about -3.2, mojibake below -8
GIBBERISH_MIN_SYMBOLS = 4
LOCAL_GIBBERISH_LOGPROB = -9.0  # nats per symbol around a run of rare characters (clean names: above -8.5)
BRACKET_PENALTY = 16.0  # nats per bracket left without its partner on the line, when a guess is a bracket
# How much evidence a region needs: alone; in a text that shows the same damage
# elsewhere; in a text misread from end to end (most of it repaired this way).
STRICT, DOCUMENT, EVERYWHERE = 0, 1, 2
EVERYWHERE_SHARE = 0.6  # share of the non-ASCII characters repaired by one mechanism
DOCUMENT_EVIDENCE = 30.0  # nats of repairs by one mechanism that make it the text's known damage
RARE_COUNT = 50  # a hanzi seen fewer times in training is rare (names, and misread bytes)
SWITCH_PENALTY = 6.0  # nats per switch between kept and repaired text
MIN_GAIN = 10.0  # nats a repaired region must gain over the text as it is
UTF8_PATTERN_BONUS = 6.0  # nats per three-byte character read back from cp1252 letters
CONTEXT_UNITS = 6  # observed characters on each side when a hole is filled
MAX_HOLE_GROUP = 2  # adjacent lost bytes filled together at most
MAX_COMBINATIONS = 8192  # byte values tried for one group of lost bytes
MAX_CHECKED = 300  # best-scoring fills checked against what we see
MAX_OPTIONS = 300  # byte pairs tried for one lost pair (the LM's likeliest between its neighbours)
VITERBI_CACHE = 1024  # batches of Viterbi scores a repairer keeps (see Repairer._viterbi_scores)
CLASS_CACHE = 1 << 18  # characters whose class a detector keeps
CONVERT_CACHE = 1 << 15  # texts whose Simplified form a repairer keeps (contexts, blocks)
UNITS_CACHE = 4096  # windows whose observed units a repairer keeps, per misreading codec
PAIR_SPLITS = 64  # candidate lists of lost pairs a repairer keeps split (see Repairer._pair_options)
FILL_CACHE = 4096  # filled spans a repairer keeps (see Repairer._fill_holes)
KEEP_FILLS = 24  # fills per group kept for the second look, in the repaired document with its cache
# A guessed lost byte is weighed again in the repaired text with jieba's dictionary as
# well (:class:`WordModel`): nats of the character model per nat of word cohesion, and
# how many characters on each side may form a word with the guess.
WORD_WEIGHT = 0.5
WORD_CONTEXT = 4
# In the LM's training text a sentence with a question word (为何, 是否, 吗 ...) ends with
# ？ in 28% of cases, one without in 1%: a guess of ？ at the end of such a sentence gains
# this much (nats; the LM sees four characters back, 为何 is often further).
QUESTION_BONUS = 3.0
QUESTION_REACH = 40  # characters back to look for the sentence's question word
# The script of the text around a span (see Repairer._in_simplified_text): characters
# looked at on each side, and the hanzi needed among them to say.
SCRIPT_REACH = 64
SCRIPT_MIN_HANZI = 8
# A guess's twins (the same options after the same characters, see _twin_guesses) do
# not vote for it in the document cache: characters of left context that make twins,
# and how far apart (characters) two guesses must be for their cache n-grams not to meet.
TWIN_CONTEXT = 2
TWIN_APART = 16
ENDS_HERE_PRIOR = 4.0  # nats: a damaged run that ends right at a lost byte is less likely


@dataclass(frozen=True, slots=True)
class Region:
    """A proposed repair: ``text[start:end]`` -> ``replacement``."""

    start: int
    end: int
    replacement: str
    mechanism: str
    gain: float
    holes: int
    pieces: tuple[tuple[int, int, str], ...] = ()  # the changed blocks: (start, end, original)
    # Blocks that hold a guessed lost byte: (start, end, the guesses that explain it, best first).
    choices: tuple[tuple[int, int, tuple[str, ...]], ...] = ()


# What the Viterbi over a span's blocks scores: the blocks kept, converted (None: cannot be), the contexts around.
ViterbiRequest = tuple[Sequence[str | None], Sequence[str | None], str, str]
FillGroups = tuple[tuple[tuple[int, ...], tuple[tuple[bytes, ...], ...]], ...]


@dataclass(frozen=True, slots=True)
class SpanPlan:
    """A filled span cut into blocks, ready for its Viterbi pass (see :meth:`Repairer._span_plan`)."""

    s: int  # the span's first unit, in the window
    blocks: list[Block]
    filled: list[bytes]  # the bytes of each unit of the span, lost bytes guessed
    alternatives: dict[int, tuple[int, tuple[str, ...]]]  # (see :meth:`Repairer._block_alternatives`)
    keep_s: list[str | None]  # each block kept, as the LM reads it
    conv_s: list[str | None]  # each block converted (None: cannot be), as the LM reads it
    keep_v: list[str | None]  # each block kept, as the Viterbi pass reads it
    left: str  # the contexts around the span, as the LM reads them
    right: str

    @property
    def viterbi(self) -> ViterbiRequest:
        """What the span's Viterbi pass scores (see :meth:`Repairer._viterbi_scores_many`)."""
        return (self.keep_v, self.conv_s, self.left, self.right)


# Judges the blocks [lo, hi) of a span as one region (Repairer._judge); the flag: backed by a neighbour.
JudgeBlocks = Callable[[int, int, bool], "Region | None"]


@dataclass(frozen=True, slots=True)
class Fill:
    """The bytes of a span with its lost bytes guessed, and the other guesses of each group."""

    values: list[bytes]
    # (unit indices of a group of lost bytes, its fills that explain what we see, the chosen first)
    groups: list[tuple[tuple[int, ...], list[tuple[bytes, ...]]]]


def _char_ranges(chars: Sequence[str]) -> str:
    """A regex character-class body for ``chars`` (sorted), with runs written as ranges."""
    out: list[str] = []
    i = 0
    while i < len(chars):
        j = i
        while j + 1 < len(chars) and ord(chars[j + 1]) == ord(chars[j]) + 1:
            j += 1
        first, last = re.escape(chars[i]), re.escape(chars[j])
        out.append(first if i == j else f"{first}-{last}")
        i = j + 1
    return "".join(out)


# The class letters of :meth:`Detector.classes`: ASCII; U+FFFD; odd (see
# :meth:`Detector.is_odd`) and a hanzi; odd and not a hanzi; a Latin-1 letter or sign
# that is not odd (°, ×); rare (see :meth:`Detector.is_rare`) and not odd; common.
CHAR_CLASSES = "ahOolrc"
_ODD_LETTERS = "hOo"
_RARE_LETTERS = "hOor"


class _ClassMemo(dict[int, str]):
    """Code point -> class letter, worked out on first use (``str.translate`` reads it)."""

    def __init__(self, classify: Callable[[str], str]) -> None:
        super().__init__()
        self._classify = classify

    def __missing__(self, code: int) -> str:
        return remember(self, code, self._classify(chr(code)), CLASS_CACHE)


class _UnitMemo(dict[str, Unit]):
    """Character -> :func:`unit_bytes` for one misreading codec, worked out on first use.

    A window's units are read through ``map(memo.__getitem__, window)``, in C but for
    the characters first seen.
    """

    def __init__(self, misread: str) -> None:
        super().__init__()
        self._misread = misread

    def __missing__(self, ch: str) -> Unit:
        return remember(self, ch, unit_bytes(ch, self._misread), CLASS_CACHE)


class Detector:
    """Marks characters that look like decoding damage, given what the LM knows.

    A hanzi is odd when neither it nor its Simplified form was seen at least
    ``min_count`` times in the training text.
    """

    def __init__(self, lm: CharLM, min_count: int = 3, rare_count: int = RARE_COUNT) -> None:
        self.lm = lm
        self.min_count = min_count
        self.rare_count = rare_count
        self._odd = regex.compile(f"[{_ODD_CLASSES}]")
        self._maybe_odd = self._build_scanner(min_count)
        self._maybe_rare = self._build_scanner(rare_count)
        self._classes = _ClassMemo(self._char_class)

    def _build_scanner(self, min_count: int) -> re.Pattern[str]:
        """A regex that finds every character that might be odd (a superset), fast.

        Everything else (ASCII, hanzi seen ``min_count`` times in either script,
        common punctuation) is known not to be; clean text rarely has a match, so
        it costs one C scan.
        """
        fine: set[str] = set()
        candidates = [chr(c) for c in range(0x4E00, 0xA000)] + [chr(c) for c in range(0x2000, 0x3040)]
        candidates += [chr(c) for c in range(0xFF00, 0xFF61)]
        simplified = to_simplified("".join(candidates))
        aligned = len(simplified) == len(candidates)
        for i, ch in enumerate(candidates):
            if ch in _NOT_ODD or self._odd.match(ch):
                continue
            if "\u4e00" <= ch <= "\u9fff":
                simple = simplified[i] if aligned else to_simplified(ch)
                if self.lm.count(ch) >= min_count or (len(simple) == 1 and self.lm.count(simple) >= min_count):
                    fine.add(ch)
            else:
                fine.add(ch)
        fine.update(_NOT_ODD)
        ranges = _char_ranges(sorted(fine, key=ord))
        return re.compile(f"[^\\x00-\\x7f{ranges}]")

    @lru_cache(maxsize=131072)  # noqa: B019 - one detector per pipeline, bounded cache
    def is_odd(self, ch: str) -> bool:
        """True when ``ch`` looks like a decoding artefact in Chinese text."""
        if ch in _NOT_ODD or ch.isascii():
            return False
        if self._odd.match(ch):
            return True
        if "\u4e00" <= ch <= "\u9fff":
            if self.lm.count(ch) >= self.min_count:
                return False
            simple = to_simplified(ch)
            return not (len(simple) == 1 and self.lm.count(simple) >= self.min_count)
        return False

    def classes(self, text: str) -> str:
        """``text`` with each character replaced by its class letter (:data:`CHAR_CLASSES`), for counting.

        The judges count odd and rare characters of every candidate piece; a
        translation through a memo of each character's class does it in one C call.
        """
        return text.translate(self._classes)

    def _char_class(self, ch: str) -> str:
        """The class letter of one character (see :data:`CHAR_CLASSES`)."""
        if ch.isascii():
            return "a"
        if ch == "\ufffd":
            return "h"
        if self.is_odd(ch):
            return "O" if _HANZI_OR_LOST.match(ch) else "o"
        if "\u0080" <= ch <= "\u00ff":
            return "l"
        return "r" if self.is_rare(ch) else "c"

    def odd_positions(self, text: str) -> list[int]:
        """Positions of odd characters (a fast scan; most clean text has few)."""
        # Only the scanner's candidates are classed: translating a whole long clean text
        # through the class memo (``classes``) would cost more than the scan saves.
        classes = self._classes
        return [m.start() for m in self._maybe_odd.finditer(text) if classes[ord(m.group())] in _ODD_LETTERS]

    @lru_cache(maxsize=131072)  # noqa: B019 - one detector per pipeline, bounded cache
    def is_rare(self, ch: str) -> bool:
        """True for an odd character, or a hanzi seen fewer than ``rare_count`` times (in either script)."""
        if self.is_odd(ch):
            return True
        if "\u4e00" <= ch <= "\u9fff":
            simple = to_simplified(ch)
            seen = max(self.lm.count(ch), self.lm.count(simple) if len(simple) == 1 else 0)
            return seen < self.rare_count
        return False

    def rare_positions(self, text: str) -> list[int]:
        """Positions of rare (or odd) characters."""
        classes = self._classes
        return [m.start() for m in self._maybe_rare.finditer(text) if classes[ord(m.group())] in _RARE_LETTERS]

    def _gibberish_clusters(self, text: str, odd: Sequence[int]) -> list[int]:
        """Starts of runs of rare characters that read as gibberish where they stand.

        Misread bytes often make characters that are each real but never stand
        together (莉ⅲ种講湮盟崝酗 for 产品销量大幅增长); rare characters close
        together, one of them odd, are checked with the LM, all such spots of the
        text in one batch. ``odd`` is :meth:`odd_positions` of ``text``.
        """
        if not odd:
            return []
        rare = self.rare_positions(text)
        clusters: list[tuple[int, int]] = []
        first = prev = -1
        for pos in rare:
            if prev >= 0 and pos - prev <= 3 and "\n" not in text[prev:pos]:
                prev = pos
                continue
            if first >= 0 and prev > first:
                clusters.append((first, prev))
            first = prev = pos
        if first >= 0 and prev > first:
            clusters.append((first, prev))
        # A run of rare characters without an odd one is a name or a term (翔鹭钨业, 玖仟肆佰).
        odd_set = set(odd)
        clusters = [(a, b) for a, b in clusters if any(p in odd_set for p in range(a, b + 1))]
        if not clusters:
            return []
        lefts: list[str] = []
        pieces: list[str] = []
        for a, b in clusters:
            lo, hi = max(0, a - 1), b + 2
            if "\n" in text[lo:a]:
                lo = a
            lefts.append(left_context(text, lo))
            pieces.append(text[lo:hi].split("\n")[0])
        # One OpenCC call for every piece (none holds a line break: see to_simplified_many).
        items = [
            (left, simple if len(simple) == len(piece) else piece)
            for left, piece, simple in zip(lefts, pieces, to_simplified_many(pieces), strict=True)
        ]
        scores = self.lm.score_items(items)
        return [
            a
            for (a, _b), (_left, piece), score in zip(clusters, items, scores, strict=True)
            if score / max(1, len(self.lm.ids(piece))) < LOCAL_GIBBERISH_LOGPROB
        ]

    def windows(self, text: str) -> list[tuple[int, int]]:
        """Spans of ``text`` worth a closer look, each within one line."""
        return self.windows_and_odd(text)[0]

    def windows_and_odd(self, text: str) -> tuple[list[tuple[int, int]], list[int]]:
        """:meth:`windows`, and :meth:`odd_positions` of ``text``, which it finds on the way."""
        odd = self.odd_positions(text)
        return self._windows(text, odd), odd

    def _windows(self, text: str, odd: list[int]) -> list[tuple[int, int]]:
        """:meth:`windows`, given ``odd``, the :meth:`odd_positions` of ``text``."""
        spots: list[int] = []
        strong = {m.start() for m in _STRONG.finditer(text)}
        for a, b in itertools.pairwise(odd):
            if b - a <= 3 and "\n" not in text[a:b]:
                spots.extend((a, b))
        spots.extend(strong)
        spots.extend(_utf8_lead_before_qmark(text))
        spots.extend(self._gibberish_clusters(text, odd))
        # A line with an odd character that reads like gibberish as a whole (misread
        # bytes that happen to be common characters) is looked at from end to end.
        # The lines with an odd character, each with how many it has (odd is in order).
        lines: list[tuple[int, int, int]] = []
        k = 0
        while k < len(odd):
            pos = odd[k]
            line_start = text.rfind("\n", 0, pos) + 1
            line_end = text.find("\n", pos)
            if line_end < 0:
                line_end = len(text)
            count = bisect.bisect_left(odd, line_end, k) - k
            lines.append((line_start, line_end, count))
            k += count
        for line_start, line_end, count in lines:
            if count < 2:
                continue  # one rare character is a name, not a reason to read the line
            line = text[line_start:line_end]
            symbols = len(self.lm.ids(line))
            if symbols >= GIBBERISH_MIN_SYMBOLS:
                simple = to_simplified(line)
                score = self.lm.score(simple if len(simple) == len(line) else line, "\n", "\n")
                if score / symbols < GIBBERISH_LOGPROB:
                    spots.extend(range(line_start, line_end, WINDOW))
        if not spots:
            return []
        spots = _reach_odd(text, sorted(set(spots)), odd)
        out: list[tuple[int, int]] = []
        for pos in spots:
            line_start = text.rfind("\n", 0, pos) + 1
            line_end = text.find("\n", pos)
            if line_end < 0:
                line_end = len(text)
            start = max(line_start, pos - WINDOW)
            end = min(line_end, pos + WINDOW + 1)
            if out and start <= out[-1][1] and line_start <= out[-1][0]:
                out[-1] = (out[-1][0], max(out[-1][1], end))
            else:
                out.append((start, end))
        return out


def _reach_odd(text: str, spots: list[int], odd: Sequence[int]) -> list[int]:
    """``spots`` and every odd character on the same line within reach of one, and so on (sorted).

    An odd character alone opens no window, but one just past the end of a spot's
    window (:data:`WINDOW` characters, and as many again) is most likely the same
    damage going on (a clause ending in 港元, Big5 read as GBK, ends in じ).
    """
    if not odd:
        return spots
    have = set(spots)
    pending = [p for p in odd if p not in have]
    while pending:
        ordered = sorted(have)
        reached = []
        for p in pending:
            k = bisect.bisect_left(ordered, p)
            near = [q for q in ordered[max(0, k - 1) : k + 1] if abs(q - p) <= 2 * WINDOW]
            if any("\n" not in text[min(p, q) : max(p, q)] for q in near):
                reached.append(p)
        if not reached:
            break
        have.update(reached)
        pending = [p for p in pending if p not in have]
    return sorted(have)


@lru_cache(maxsize=1)
def _utf8_lead_pairs() -> frozenset[str]:
    """Characters a GBK decoder makes of the first two bytes of a three-byte UTF-8 character.

    They are rare hanzi (GBK rows E0-EF with trail bytes 80-BF); followed by ``?``
    they are the familiar ``鈥?`` (the third byte lost before ASCII, written as ``?``).
    """
    out: set[str] = set()
    for lead in range(0xE0, 0xF0):
        low, high = (0xA0, 0xBF) if lead == 0xE0 else (0x80, 0x9F) if lead == 0xED else (0x80, 0xBF)
        for trail in range(low, high + 1):
            ch = decode_strict(bytes((lead, trail)), "gbk")
            if ch is not None and len(ch) == 1:
                out.add(ch)
    return frozenset(out)


def _utf8_lead_before_qmark(text: str) -> list[int]:
    """Positions of such characters right before ``?``: one is enough to look (2020骞?6鏈?4鏃?)."""
    if "?" not in text:
        return []
    leads = _utf8_lead_pairs()
    return [m.start() - 1 for m in _QMARK.finditer(text, 1) if text[m.start() - 1] in leads]


_QMARK = re.compile(r"\?")


# --- spans, holes and blocks -------------------------------------------------------


def find_spans(units: Sequence[Unit], original: str) -> list[tuple[int, int]]:
    """Maximal runs of units whose bytes can be valid text in ``original``."""
    spans: list[tuple[int, int]] = []
    # Every window is walked once per mechanism: each (state, unit) step is worked out
    # once per process (a few thousand distinct pairs) and then only looked up.
    steps = unit_steps(original)
    n = len(units)
    i = 0
    while i < n:
        if units[i] is None:
            i += 1
            continue
        mask = 1
        last_ok = -1
        k = i
        while k < n:
            unit = units[k]
            if unit is None:
                break
            mask = _memo_step(steps, mask, unit, original)
            if not mask:
                break
            k += 1
            if mask & 1:
                last_ok = k
        if last_ok > i:
            spans.append((i, last_ok))
            i = last_ok
        else:
            i += 1
    return spans


def _walk(pieces: Sequence[bytes | None], original: str) -> int:
    """The automaton state of ``original`` after the known ``pieces`` (up to the first unknown one).

    The lost bytes of a span are filled one group after another, each from the span
    start: every step is looked up in the memo :func:`find_spans` fills.
    """
    steps = unit_steps(original)
    mask = 1
    for piece in pieces:
        if piece is None:
            break
        mask = _memo_step(steps, mask, piece, original)
    return mask


def _memo_step(steps: dict[tuple[int, bytes | int], int], mask: int, unit: bytes | int, original: str) -> int:
    """:func:`step_unit`, looked up in and kept in the memo ``steps`` of ``original``."""
    key = (mask, unit)
    nxt = steps.get(key)
    if nxt is None:
        nxt = remember(steps, key, step_unit(mask, unit, original), STEP_CACHE)
    return nxt


def parse_chars(data: bytes, original: str) -> list[tuple[str | None, int]]:
    """Split ``data`` into characters of ``original``: ``(char or None if invalid, byte length)``."""
    out: list[tuple[str | None, int]] = []
    # Every span of every window and mechanism is parsed: per-byte lengths from a
    # table and each piece decoded once per process (the same few hundred recur).
    lengths = _CHAR_LENGTHS[original]
    pieces = _PARSED[original]
    pos = 0
    n = len(data)
    while pos < n:
        length = lengths[data[pos]]
        piece = data[pos : pos + length]
        parsed = pieces.get(piece)
        if parsed is None:
            decoded = decode_strict(piece, original) if len(piece) == length else None
            parsed = remember(pieces, piece, (decoded, len(piece)), PARSED_CACHE)
        out.append(parsed)
        pos += len(piece)
    return out


STEP_CACHE = 65536  # (state, unit) steps per encoding find_spans keeps
PARSED_CACHE = 65536  # byte pieces per original encoding whose decoding parse_chars keeps
# Length in bytes of the character each lead byte starts (1 for a byte that starts none, as parse_chars reads it).
_CHAR_LENGTHS: dict[str, tuple[int, ...]] = {
    name: tuple(char_length(b, name) or 1 for b in range(256)) for name in ("utf-8", "gbk", "big5")
}
_PARSED: dict[str, dict[bytes, tuple[str | None, int]]] = {name: {} for name in _CHAR_LENGTHS}


class Block(NamedTuple):
    """Observed characters ``[obs_start, obs_end)`` that stand for ``original`` (None: cannot).

    A named tuple (immutable, and made several times faster than a frozen dataclass):
    every span of every window and mechanism is cut into blocks.
    """

    obs_start: int
    obs_end: int
    original: str | None


def make_blocks(unit_lengths: Sequence[int], chars: Sequence[tuple[str | None, int]], offset: int) -> list[Block]:
    """Group observed units and original characters that cover the same bytes."""
    blocks: list[Block] = []
    i = j = 0
    bi = bj = 0
    start_i = start_j = 0
    n_units, n_chars = len(unit_lengths), len(chars)
    while i < n_units or j < n_chars:
        if (bi <= bj and i < n_units) or j >= n_chars:
            bi += unit_lengths[i]
            i += 1
        else:
            bj += chars[j][1]
            j += 1
        if bi == bj:
            if j - start_j == 1:
                text = chars[start_j][0]  # most blocks: one unit, one character
            else:
                parts = [c for c, _ in chars[start_j:j]]
                text = None if None in parts else "".join(parts)  # type: ignore[arg-type]  # no None left
            blocks.append(Block(offset + start_i, offset + i, text))
            start_i, start_j = i, j
    if start_i < n_units:
        blocks.append(Block(offset + start_i, offset + n_units, None))
    return blocks


class Repairer:
    """Proposes mojibake repairs for one text; holds the LM and the detector."""

    def __init__(
        self, lm: CharLM, mechanisms: Sequence[Mechanism] = MECHANISMS, simplifier: Simplifier | None = None
    ) -> None:
        self.lm = lm
        self.detector = Detector(lm)
        self.mechanisms = tuple(mechanisms)
        self.simplifier = simplifier or Simplifier(lm)
        self._words: WordModel | None = None
        # Filled spans (see :meth:`_fill_holes`): key -> (values, groups) or a hole's offset or None.
        self._viterbi_kept: dict[tuple[object, ...], list[float]] = {}  # (see :meth:`_viterbi_scores`)
        self._pair_splits: dict[tuple[tuple[bytes, ...], str, bool], tuple[list[bytes], list[bytes], list[str]]] = {}
        self._fills: dict[tuple[object, ...], tuple[tuple[bytes, ...], FillGroups] | int | None] = {}
        self._converted: dict[str, str] = {}  # text -> Simplified (see :meth:`_convert`)
        self._units: dict[tuple[str, str], tuple[Unit, ...]] = {}  # (window, misread) -> units
        self._unit_memos: dict[str, _UnitMemo] = {}  # misread -> character -> unit

    @property
    def words(self) -> WordModel:
        """The word model of jieba's dictionary, loaded when a guess is first weighed (never for clean text)."""
        if self._words is None:
            self._words = default_word_model()
        return self._words

    # -- scoring helpers --

    def _simplified(self, text: str) -> str:
        """``text`` as the LM reads it: Simplified, one-to-many characters decided in context."""
        if not text:
            return text
        converted = self._convert(text)
        return converted if len(converted) == len(text) else text

    def _convert(self, text: str) -> str:
        """``self.simplifier.convert(text)``, kept: the same contexts and blocks come back under every mechanism."""
        known = self._converted.get(text)
        if known is None:
            known = remember(self._converted, text, self.simplifier.convert(text), CONVERT_CACHE)
        return known

    def _window_units(self, window: str, misread: str) -> tuple[Unit, ...]:
        """The bytes each character of ``window`` was misread from (:func:`unit_bytes`), kept per codec.

        Mechanisms that share a misreading codec (three read as cp1252, two as GBK or
        Big5) walk the same window; each reads a copy.
        """
        key = (window, misread)
        known = self._units.get(key)
        if known is None:
            memo = self._unit_memos.get(misread)
            if memo is None:
                memo = self._unit_memos[misread] = _UnitMemo(misread)
            known = remember(self._units, key, tuple(map(memo.__getitem__, window)), UNITS_CACHE)
        return known

    # -- public --

    def regions(self, text: str) -> list[Region]:
        """Non-overlapping repairs for ``text``, best first resolved."""
        windows, text_odd = self.detector.windows_and_odd(text)
        if not windows:
            return []
        protected = [m.span() for m in LOST_RUN.finditer(text)]
        # Each window is read by one mechanism after another, all windows still open at
        # once (their Viterbi passes in one LM call); the regions are kept per window,
        # in the order a window-by-window reading finds them.
        per_window: list[list[Region]] = [[] for _ in windows]
        # The odd characters of each window, relative to its start: a character's class
        # does not depend on its neighbours, so they are the text's that fall inside.
        odds = [
            [p - start for p in text_odd[bisect.bisect_left(text_odd, start) : bisect.bisect_left(text_odd, end)]]
            for start, end in windows
        ]
        open_windows = list(range(len(windows)))
        for mech in self.mechanisms:
            if not open_windows:
                break
            results = self._windows_regions(text, [windows[w] for w in open_windows], mech, protected)
            still_open: list[int] = []
            for w, regions in zip(open_windows, results, strict=True):
                per_window[w].extend(regions)
                start, end = windows[w]
                odd = odds[w]
                # A mechanism that explains (nearly) every odd character of the window
                # settles it; the others would only spend time finding worse stories.
                if not (
                    odd
                    and all(r.gain >= 3 * MIN_GAIN for r in regions)
                    and _covered(odd, start, end, regions) >= 0.95 * len(odd)
                ):
                    still_open.append(w)
            open_windows = still_open
        found = [region for regions in per_window for region in regions]
        chosen = _non_overlapping(found)
        # Damage the text shows plainly is looked for in the rest of it with less
        # evidence: a short line (щ戈 for 投资) or a lost byte next to common
        # characters is hard to judge alone, easy once the document is known to be
        # misread that way.
        for mech in self._established(chosen):
            if self._everywhere(text, chosen, mech):
                # The whole text was misread this way: every line is read again, and
                # keeping a piece as it is now needs the evidence (杨 misread is 法,
                # and 法律师表示 reads well, but not in a text misread from end to end).
                lines = [(m.start(), m.end()) for m in _NON_ASCII_LINE.finditer(text)]
                again = [r for rs in self._windows_regions(text, lines, mech, protected, EVERYWHERE) for r in rs]
                # The second reading is the better one where they overlap.
                found = [*again, *(r for r in chosen if all(r.end <= a.start or r.start >= a.end for a in again))]
            else:
                suspect = self._windows_regions(text, self._suspect_lines(text, chosen), mech, protected, DOCUMENT)
                found.extend(r for rs in suspect for r in rs)
            chosen = _non_overlapping(found)
        return self._rescore_choices(text, chosen)

    def _everywhere(self, text: str, chosen: Sequence[Region], mech: Mechanism) -> bool:
        """True when ``mech``'s repairs cover most of the text's non-ASCII characters."""
        non_ascii = len(text) - len(text.encode("ascii", "ignore"))
        covered = sum(
            len(text[r.start : r.end]) - len(text[r.start : r.end].encode("ascii", "ignore"))
            for r in chosen
            if r.mechanism == mech.name
        )
        return non_ascii > 0 and covered >= EVERYWHERE_SHARE * non_ascii

    def _established(self, chosen: Sequence[Region]) -> list[Mechanism]:
        """Mechanisms whose repairs in this text add up to :data:`DOCUMENT_EVIDENCE` nats."""
        gains: dict[str, float] = {}
        for region in chosen:
            gains[region.mechanism] = gains.get(region.mechanism, 0.0) + region.gain
        return [m for m in self.mechanisms if gains.get(m.name, 0.0) >= DOCUMENT_EVIDENCE]

    def _suspect_lines(self, text: str, chosen: Sequence[Region]) -> list[tuple[int, int]]:
        """Line pieces outside ``chosen`` with a rare character or a lost byte."""
        out: list[tuple[int, int]] = []
        bounds = sorted((r.start, r.end) for r in chosen)
        marks = set(self.detector.rare_positions(text))
        marks.update(m.start() for m in _LOST_MARK.finditer(text))
        if not marks:
            return []
        pos = 0
        for line in text.split("\n"):
            line_end = pos + len(line)
            # The pieces of the line between repaired regions.
            cuts = [(max(a, pos), min(b, line_end)) for a, b in bounds if a < line_end and b > pos]
            start = pos
            for a, b in [*cuts, (line_end, line_end)]:
                if any(start <= m < a for m in marks):
                    out.append((start, a))
                start = max(start, b)
            pos = line_end + 1
        return out

    def edits(self, text: str) -> list[Edit]:
        """The repairs of :meth:`regions` as edits of kind ``mojibake``."""
        # One edit per block (the smallest piece whose bytes both readings share), so
        # that every repaired character maps back to the few raw characters it came from.
        edits: list[Edit] = []
        for r in self.regions(text):
            confidence = round(1.0 - math.exp(-max(0.0, r.gain - MIN_GAIN) / 10.0) * (0.5 if r.holes else 1.0), 3)
            source = f"model:charlm/{r.mechanism}"
            pieces = r.pieces or ((r.start, r.end, r.replacement),)
            edits.extend(Edit(s, e, rep, "mojibake", source, confidence=confidence) for s, e, rep in pieces)
        return edits

    # -- one window, one mechanism --

    def _windows_regions(
        self,
        text: str,
        windows: Sequence[tuple[int, int]],
        mech: Mechanism,
        protected: list[tuple[int, int]],
        relaxed: int = STRICT,
    ) -> list[list[Region]]:
        """The regions ``mech`` explains in each window ``text[start:end]`` of ``windows``, per window.

        Windows (and their spans) are independent: every span of every window is
        planned first and their Viterbi passes scored in one LM call (the lines of a
        text read again are many, most with a span or two).
        """
        planned = [self._window_plans(text, start, end, mech, protected, relaxed) for start, end in windows]
        all_scores = iter(self._viterbi_scores_many([plan.viterbi for _, plans in planned for plan in plans]))
        out: list[list[Region]] = []
        for (start, end), (units, plans) in zip(windows, planned, strict=True):
            window = text[start:end]
            regions: list[Region] = []
            for plan in plans:
                regions.extend(self._span_regions(text, start, window, plan, next(all_scores), mech, units, relaxed))
            out.append(regions)
        return out

    def _window_plans(
        self,
        text: str,
        start: int,
        end: int,
        mech: Mechanism,
        protected: list[tuple[int, int]],
        relaxed: int = STRICT,
    ) -> tuple[list[Unit], list[SpanPlan]]:
        """The units of the window ``text[start:end]`` as ``mech`` reads them and the plans of its spans."""
        window = text[start:end]
        # What follows the window (a line break is the end of a sentence to the LM).
        after_window = text[end : end + 2] if end < len(text) else "\n"
        # Whether the window starts a line (the LM knows how lines begin: 但 is likelier there than 使).
        before_window = "\n" if start == 0 or text[start - 1] == "\n" else ""
        units = list(self._window_units(window, mech.misread))
        for ps, pe in protected:
            for k in range(max(ps, start), min(pe, end)):
                units[k - start] = None
        # A decoder that read a byte 0x80 as the euro sign somewhere in the text (the
        # WHATWG and Windows GBK decoders) never lost one: a lost byte is not 0x80 (一
        # before a digit, E4 B8 80, shows as 涓€ in such a text, never as 涓 and U+FFFD).
        euro_seen = mech.misread == "gbk" and EURO_SIGN in text
        tried: set[int] = set()
        while True:
            plans: list[SpanPlan] = []
            split_at = None
            for s, e in find_spans(units, mech.original):
                if not any(isinstance(u, bytes) and not u.isascii() for u in units[s:e]):
                    continue
                if not self._enough_evidence(window[s:e], mech, ratio=False, relaxed=relaxed):
                    continue  # no region inside can pass the judge: skip the costly part
                filled = self._fill_holes(window, units, s, e, mech, after_window, before_window, euro_seen)
                if filled is None:
                    continue
                if isinstance(filled, int):
                    # A lost byte nothing explains: first end the run right after it (the
                    # damage may stop there), then give the hole up.
                    if filled not in tried and filled + 1 < e:
                        tried.add(filled)
                        split_at = filled + 1
                    else:
                        split_at = filled
                    break
                plan = self._span_plan(text, start, window, filled, s, e, mech, relaxed)
                if plan is not None:
                    plans.append(plan)
            if split_at is None:
                return units, plans
            units[split_at] = None

    def _fill_holes(
        self,
        window: str,
        units: list[Unit],
        s: int,
        e: int,
        mech: Mechanism,
        after_window: str = "",
        before_window: str = "",
        euro_seen: bool = False,
    ) -> Fill | int | None:
        """:meth:`_fill_span`, kept: the same span with the same surroundings is filled once.

        A document's damage is read twice (in windows, then line by line when the text
        is misread from end to end; a lost byte nothing explains starts the window's
        spans over) and the same holes come back with the same neighbours. A fill
        depends only on the span's characters and units, the character and unit just
        after it (or what follows the window), whether a line starts just before it,
        the mechanism and ``euro_seen``; indices are kept relative to the span start.
        """
        if not any(isinstance(units[k], int) for k in range(s, e)) or mech.layers > 1:
            return self._fill_span(window, units, s, e, mech, after_window, before_window, euro_seen)
        key = (
            mech,
            euro_seen,
            window[s:e],
            tuple(units[s : e + 1]),
            window[e] if e < len(window) else (None, after_window),
            window[s - 1] == "\n" if s else (None, before_window),
        )
        kept = self._fills.get(key)
        if kept is None:
            filled = self._fill_span(window, units, s, e, mech, after_window, before_window, euro_seen)
            if isinstance(filled, Fill):
                groups = tuple((tuple(k - s for k in group), tuple(combos)) for group, combos in filled.groups)
                kept = (tuple(filled.values), groups)
            else:
                kept = filled if filled is None else filled - s
            remember(self._fills, key, kept, FILL_CACHE)
        if kept is None or isinstance(kept, int):
            return kept if kept is None else kept + s
        values, groups = kept
        return Fill(list(values), [(tuple(k + s for k in group), list(combos)) for group, combos in groups])

    def _fill_span(
        self,
        window: str,
        units: list[Unit],
        s: int,
        e: int,
        mech: Mechanism,
        after_window: str = "",
        before_window: str = "",
        euro_seen: bool = False,
    ) -> Fill | int | None:
        """Concrete bytes for every unit of ``[s, e)``; the index of an unfillable hole; or None.

        Groups of adjacent lost bytes are filled from left to right, each ranked by
        the LM with the known bytes around it; then each group is chosen again among
        its best few with its neighbours filled (a guess is judged by the guesses
        after it too: 东吴证?担任保荐?商 is 证券 and 券商).
        """
        filled: list[bytes | None] = [u if isinstance(u, bytes) else None for u in units[s:e]]
        holes = [k for k in range(s, e) if isinstance(units[k], int)]
        if not holes:
            return Fill([b for b in filled if b is not None], [])
        if mech.layers > 1:
            return holes[0]
        groups: list[list[int]] = []
        for k in holes:
            if groups and k - groups[-1][-1] <= 1:
                groups[-1].append(k)
            else:
                groups.append([k])
        ranked: list[list[tuple[bytes, ...]]] = []
        for group in groups:
            if sum(1 for k in group if units[k] != EURO) > MAX_HOLE_GROUP:
                return group[0]
            choices = self._best_fills(window, units, filled, s, e, group, mech, after_window, before_window, euro_seen)
            if not choices:
                if all(units[k] == QMARK for k in group):
                    for k in group:
                        filled[k - s] = b"?"
                    ranked.append([])
                    continue
                return group[0]
            ranked.append(choices)
            for k, value in zip(group, choices[0], strict=True):
                filled[k - s] = value
        if len(groups) > 1:
            self._refine_fills(window, filled, s, e, groups, ranked, mech, after_window, before_window)
        alternatives: list[tuple[tuple[int, ...], list[tuple[bytes, ...]]]] = []
        for group, choices in zip(groups, ranked, strict=True):
            current = tuple(filled[k - s] or b"?" for k in group)
            alternatives.append((tuple(group), [current, *(c for c in choices if c != current)]))
        return Fill([b if b is not None else b"?" for b in filled], alternatives)

    def _refine_fills(
        self,
        window: str,
        filled: list[bytes | None],
        s: int,
        e: int,
        groups: list[list[int]],
        ranked: list[list[tuple[bytes, ...]]],
        mech: Mechanism,
        after_window: str,
        before_window: str = "",
    ) -> None:
        """Choose each group's fill again among its best few, every other group filled."""
        for _round in range(2):
            changed = False
            for group, choices in zip(groups, ranked, strict=True):
                if len(choices) < 2:
                    continue
                a = self._boundary_before(filled, s, max(s, group[0] - 2 * CONTEXT_UNITS), mech.original)
                b = min(e, group[-1] + 1 + 2 * CONTEXT_UNITS)
                texts: list[str] = []
                kept: list[tuple[bytes, ...]] = []
                # The group's holes are adjacent units: only the bytes between these two change.
                head = b"".join(filled[k - s] or b"?" for k in range(a, group[0]))
                tail = b"".join(filled[k - s] or b"?" for k in range(group[-1] + 1, b))
                for combo in choices:
                    decoded = decode_prefix(head + b"".join(v or b"?" for v in combo) + tail, mech.original)
                    if decoded is not None:
                        texts.append(decoded)
                        kept.append(combo)
                if len(kept) < 2:
                    continue
                left, right = self._line_ends(window, s, e, a, b, after_window, before_window)
                scores = self.lm.score_many(self._fill_texts(texts, mech), left, right)
                best = kept[max(range(len(kept)), key=lambda i: scores[i])]
                current = tuple(filled[k - s] for k in group)
                if best != current:
                    for k, value in zip(group, best, strict=True):
                        filled[k - s] = value
                    changed = True
            if not changed:
                return

    @staticmethod
    def _line_ends(
        window: str, s: int, e: int, a: int, b: int, after_window: str, before_window: str
    ) -> tuple[str, str]:
        """The context the LM gets around candidate text ``[a, b)`` of span ``[s, e)``: line breaks only.

        The observed characters outside the span may be damage themselves, but a line
        break next to it is a line break: a line's first and last characters are
        guessed as such (a lost ``；`` at a line end, ``但`` starting a line).
        """
        left = ""
        if a == s:
            left = before_window if s == 0 else ("\n" if window[s - 1] == "\n" else "")
        right = ""
        if b >= len(window):
            right = after_window
        elif b == e and window[e] == "\n":
            right = "\n"
        return left, right

    def _fill_texts(self, texts: list[str], mech: Mechanism) -> list[str]:
        """Candidate texts as the LM reads them (Simplified where the damage was Traditional)."""
        if mech.traditional or any(self._simplified(t) != t for t in texts[:1]):
            return self.simplifier.convert_many(texts)
        return texts

    def _best_fills(
        self,
        window: str,
        units: list[Unit],
        filled: list[bytes | None],
        s: int,
        e: int,
        group: list[int],
        mech: Mechanism,
        after_window: str = "",
        before_window: str = "",
        euro_seen: bool = False,
    ) -> list[tuple[bytes, ...]]:
        """The best few fills of one group of lost bytes that explain what we see, best first."""
        # Start on a block boundary: parse the known bytes from the span start.
        a = self._boundary_before(filled, s, max(s, group[0] - CONTEXT_UNITS), mech.original)
        b = min(e, group[-1] + 1 + CONTEXT_UNITS)
        for k in range(group[-1] + 1, b):
            if filled[k - s] is None:
                b = k
                break
        before = b"".join(filled[k - s] or b"" for k in range(a, group[0]))
        between = [b"".join(filled[k - s] or b"" for k in range(x + 1, y)) for x, y in itertools.pairwise(group)]
        after = b"".join(filled[k - s] or b"" for k in range(group[-1] + 1, b))
        # An ASCII character right after the span is a byte of the original text too
        # (every misreading decoder keeps ASCII): a fill must go on validly into it. A
        # lone lead byte before a line break would leave a character unfinished, and
        # reads as one character less, which the LM prefers (股权\n came out 股\n).
        # What follows the window stands for the text's end too.
        closing = b""
        if b == e:
            next_char = window[e] if e < len(window) else after_window[:1]
            if next_char.isascii():
                closing = next_char.encode("ascii")
        # As if the damage went on after the hole, and as if it ended there (a damaged
        # clause pasted into clean text ends with its lost byte); the second explains
        # less, so it pays a prior. Damage that ends at the hole is followed by clean
        # text, not by more damage.
        after_char = window[group[-1] + 1] if group[-1] + 1 < len(window) else ""
        tiers = (False, True) if not (after_char and self.detector.is_odd(after_char)) else (False,)
        context = decode_prefix(before, mech.original) or ""
        following = decode_prefix(after, mech.original) or ""
        # Score in the script of the context: a Traditional fill inside Simplified text is unlikely.
        traditional = mech.traditional or self._simplified(context) != context
        # (combo, its bytes up to the hole, decoded text, prior, ends here)
        pending: list[tuple[tuple[bytes, ...], bytes, str, float, bool]] = []
        seen: set[tuple[bytes, ...]] = set()
        for ends_here in tiers:
            options = self._hole_values(window, units, filled, s, group, mech, ends_here, euro_seen)
            if any(not values for values in options):
                continue
            options = self._prune_options(options, group, context, following, mech)
            for combo in itertools.product(*options):
                if combo in seen:
                    continue
                core = before + combo[0]
                for value, gap in zip(combo[1:], between, strict=True):
                    core += gap + value
                # Damage that ends at the hole must end on a whole character.
                if ends_here:
                    decoded = decode_strict(core, mech.original)
                else:
                    decoded = decode_prefix(core + after, mech.original)
                    if closing and decoded is not None and decode_prefix(core + after + closing, mech.original) is None:
                        decoded = None
                if decoded is None:
                    continue
                seen.add(combo)
                pending.append((combo, core, decoded, ENDS_HERE_PRIOR if ends_here else 0.0, ends_here))
        if not pending:
            return []
        # Rank by the language model first; check that a candidate explains what we
        # see (the costly part) only in that order, and keep the first few that do.
        texts = [d for _, _, d, _, _ in pending]
        left, right = self._line_ends(window, s, e, a, b, after_window, before_window)
        scored_texts = self.simplifier.convert_many(texts) if traditional else texts
        scores = self.lm.score_many(scored_texts, left, right)
        order = sorted(range(len(pending)), key=lambda i: scores[i] - pending[i][3], reverse=True)
        out: list[tuple[bytes, ...]] = []
        for i in order[:MAX_CHECKED]:
            combo, core, _decoded, _prior, ends_here = pending[i]
            if ends_here:
                ok = explains(window[a : group[-1] + 1], core, mech.misread) and explains(
                    window[group[-1] + 1 : b], after, mech.misread
                )
            else:
                ok = explains(window[a:b], core + after, mech.misread)
            if ok:
                out.append(combo)
                if len(out) >= KEEP_FILLS:
                    break
        return out

    def _prune_options(
        self, options: list[list[bytes]], group: list[int], context: str, following: str, mech: Mechanism
    ) -> list[list[bytes]]:
        """Fewer byte pairs to try where a hole may be any of thousands (a pair the decoder rejected).

        A rejected pair is a whole character: the ones the LM finds likeliest between
        the characters around the hole are kept (a few hundred; fewer when several
        holes are filled together, so that their combinations stay few).
        """
        if math.prod(len(v) for v in options) <= MAX_COMBINATIONS and all(len(v) <= MAX_OPTIONS for v in options):
            return options
        limit = min(MAX_OPTIONS, int(MAX_COMBINATIONS ** (1 / len(options))))
        out: list[list[bytes]] = []
        for n, values in enumerate(options):
            if len(values) <= limit:
                out.append(values)
                continue
            singles, usable, chars = self._pair_options(tuple(values), mech)
            left = context[-HISTORY:] if n == 0 else ""
            right = following[:2] if n == len(options) - 1 else ""
            scores = self.lm.score_chars(chars, left, right)
            # A stable sort, best first, ties in their given order (as sorted() would).
            best = np.argsort(-scores, kind="stable")[: max(0, limit - len(singles))]
            out.append(singles + [usable[i] for i in best.tolist()])
        return out

    def _pair_options(self, values: tuple[bytes, ...], mech: Mechanism) -> tuple[list[bytes], list[bytes], list[str]]:
        """A hole's candidate values split for :meth:`_prune_options`: not pairs; pairs that are characters; those.

        The characters are as the LM reads them (Simplified where the damage was
        Traditional). The same few automaton states give the same few thousand
        candidates at every hole of a document, so each split is worked out once.
        """
        key = (values, mech.original, mech.traditional)
        known = self._pair_splits.get(key)
        if known is None:
            get = _pair_chars(mech.original).get
            usable = [(v, c) for v in values if (c := get(v)) is not None]
            chars = [c for _, c in usable]
            if mech.traditional:
                chars = to_simplified_many(chars)
            known = remember(
                self._pair_splits, key, ([v for v in values if len(v) != 2], [v for v, _ in usable], chars), PAIR_SPLITS
            )
        singles, usable_values, chars = known
        return list(singles), usable_values, chars

    @staticmethod
    def _hole_values(
        window: str,
        units: list[Unit],
        filled: list[bytes | None],
        s: int,
        group: list[int],
        mech: Mechanism,
        ends_here: bool,
        euro_seen: bool = False,
    ) -> list[list[bytes]]:
        """Byte strings each hole of ``group`` may stand for, before the language model is asked.

        A value must continue valid text in the original encoding (the automaton state
        before the hole), and a misreading decoder must fail on it where it stands: one
        byte before ASCII (browsers read the ASCII byte again), or a pair the decoder
        rejects as a whole. With ``euro_seen`` the decoder is one that reads 0x80 as
        the euro sign: a lost byte is never 0x80.
        """
        mask = _walk(filled[: group[0] - s], mech.original)
        options: list[list[bytes]] = []
        for k in group:
            if units[k] == EURO:
                options.append([v for v in EURO_BYTES if step_unit(mask, v, mech.original)])
                mask = step_unit(mask, EURO, mech.original)
                continue
            nxt = units[k + 1] if k + 1 < len(units) and k + 1 not in group else None
            next_bytes = nxt if isinstance(nxt, bytes) and not ends_here else b""
            # Before another lost byte (U+FFFD) a lone byte is lost only if the decoder
            # rejects it whatever byte follows: a lead byte would have taken the next
            # byte (0x80 and up) with it into one U+FFFD (two holes are two pairs, 权人).
            before_hole = k + 1 in group and units[k + 1] == HOLE and mech.misread != "cp1252"
            values = list(_lost_singles(mask, mech.original, mech.misread, euro_seen, next_bytes[:1], before_hole))
            if not (next_bytes and next_bytes[0] < 0x80):
                # A rejected pair swallows both bytes unless the second is ASCII.
                values += _lost_pairs_after(mask, mech.misread, mech.original)
            if units[k] == QMARK and step_unit(mask, b"?", mech.original):
                values.append(b"?")
            options.append(values)
            unit = units[k]
            mask = step_unit(mask, unit if isinstance(unit, int) else HOLE, mech.original)
        return options

    @staticmethod
    def _boundary_before(filled: list[bytes | None], s: int, lowest: int, original: str) -> int:
        """The last unit index ``<= lowest`` where an observed and an original character both start."""
        best = s
        offset = 0
        boundary = 0  # the next original character boundary at or after ``offset``
        # The known bytes up to ``lowest`` (or the first unknown unit), read one boundary at a time.
        pieces: list[bytes] = []
        for piece in filled[: lowest + 1 - s]:
            if piece is None:
                break
            pieces.append(piece)
        known = b"".join(pieces)
        lengths = _CHAR_LENGTHS[original]
        for k in range(s, lowest + 1):
            while boundary < offset:
                boundary += lengths[known[boundary]]
            if boundary == offset:
                best = k
            if k - s >= len(pieces):
                break
            offset += len(pieces[k - s])
        return best

    def _span_plan(
        self,
        text: str,
        offset: int,
        window: str,
        fill: Fill,
        s: int,
        e: int,
        mech: Mechanism,
        relaxed: int = STRICT,
    ) -> SpanPlan | None:
        """The blocks of a filled span and what its Viterbi pass needs; None when no region can come of it."""
        filled = fill.values
        data = b"".join(filled)
        chars = parse_chars(data, mech.original)
        blocks = make_blocks([len(p) for p in filled], chars, s)
        if mech.layers > 1:
            blocks = self._second_layer(window, blocks, mech)
        keep = [window[b.obs_start : b.obs_end] for b in blocks]
        conv = [b.original for b in blocks]
        changed = [(k, c) for k, c in zip(keep, conv, strict=True) if c is not None and c != k]
        if not changed:
            return None
        # (A block that reads the same both ways has as many rare characters both ways.)
        if not relaxed and not any(self._rare_count(c) < self._rare_count(k) for k, c in changed):
            # Undoing damage that is not there never turns a rare character into a
            # common one; no region of this span can pass the judge (a quick exit).
            return None
        alternatives = self._block_alternatives(blocks, fill, s, mech) if fill.groups else {}
        keep_s = self._score_space(keep)
        conv_s = self._score_space(conv)
        left = self._simplified(left_context(text, offset + s))
        right = self._simplified(right_context(text, offset + e))
        # Where each block's damage starts and ends: in Simplified text a Traditional
        # character is kept as the LM reads it, not as t2s would make it (a misread
        # clause ending in 賬 is 张姐, not 张账); whether there is damage at all is
        # judged in the Simplified script as before (see :meth:`_judge`).
        keep_v: list[str | None] = list(keep) if self._in_simplified_text(text, offset + s, offset + e) else keep_s
        return SpanPlan(s, blocks, filled, alternatives, keep_s, conv_s, keep_v, left, right)

    def _span_regions(
        self,
        text: str,
        offset: int,
        window: str,
        plan: SpanPlan,
        scores: list[float],
        mech: Mechanism,
        units: list[Unit],
        relaxed: int = STRICT,
    ) -> list[Region]:
        """The regions of a planned span, given its Viterbi scores (:meth:`_viterbi_scores_many`)."""
        blocks, keep_s, conv_s = plan.blocks, plan.keep_s, plan.conv_s
        choice = _viterbi_path(scores, conv_s, relaxed == EVERYWHERE)
        choice = self._refine_edges(
            choice, plan.keep_v, conv_s, plan.left, plan.right, convert_first=relaxed == EVERYWHERE
        )

        def judge(lo: int, hi: int, backed: bool = False) -> Region | None:
            return self._judge(
                text, offset, window, blocks[lo:hi], keep_s[lo:hi], conv_s[lo:hi], plan.filled, plan.s, units, mech,
                relaxed, plan.alternatives, backed,
            )  # fmt: skip

        regions: list[Region] = []
        i = 0
        n = len(blocks)
        while i < n:
            if not choice[i]:
                i += 1
                continue
            j = i
            while j < n and choice[j]:
                j += 1
            region = judge(i, j)
            if region is not None:
                regions.append(region)
            else:
                # A wrong guess for a lost byte can spoil a long region: judge the
                # pieces between the blocks that hold lost bytes on their own.
                start = i
                claimed: set[int] = set()  # hole blocks a piece took in (see _with_edge_holes)
                for k in range(i, j + 1):
                    has_hole = k < j and any(is_hole(units[u]) for u in range(blocks[k].obs_start, blocks[k].obs_end))
                    if k == j or has_hole:
                        if k > start and (start, k) != (i, j):
                            piece = judge(start, k)
                            if piece is not None:
                                regions.append(_with_edge_holes(judge, piece, start, k, (i, j), claimed))
                        start = k + 1
            i = j
        return regions

    def _second_layer(self, window: str, blocks: list[Block], mech: Mechanism) -> list[Block]:
        """Undo the damage once more inside the text the first layer produced."""
        out: list[Block] = []
        group: list[Block] = []
        for block in blocks:
            if block.original is None:
                out.extend(self._second_layer_group(group))
                group = []
                out.append(block)
            else:
                group.append(block)
        out.extend(self._second_layer_group(group))
        return out

    def _second_layer_group(self, group: list[Block]) -> list[Block]:
        if not group:
            return []
        mids = [b.original or "" for b in group]
        mid_text = "".join(mids)
        units = [unit_bytes(ch, "cp1252") for ch in mid_text]
        if any(not isinstance(u, bytes) for u in units):
            return [Block(b.obs_start, b.obs_end, None) for b in group]
        data = b"".join(u for u in units if isinstance(u, bytes))
        chars = parse_chars(data, "utf-8")
        inner = make_blocks([1] * len(data), chars, 0)
        # Map positions in the middle text back to observed blocks.
        mid_to_block: list[int] = []
        for idx, mid in enumerate(mids):
            mid_to_block.extend([idx] * len(mid))
        block_starts = set(itertools.accumulate((len(m) for m in mids), initial=0))
        out: list[Block] = []
        pending_start = 0
        pending_text: list[str | None] = []
        for blk in inner:
            pending_text.append(blk.original)
            if blk.obs_end in block_starts:
                first = mid_to_block[pending_start]
                last = mid_to_block[blk.obs_end - 1]
                original = None if any(t is None for t in pending_text) else "".join(t or "" for t in pending_text)
                out.append(Block(group[first].obs_start, group[last].obs_end, original))
                pending_start = blk.obs_end
                pending_text = []
        if pending_text:
            first = mid_to_block[pending_start]
            out.append(Block(group[first].obs_start, group[-1].obs_end, None))
        return out

    @staticmethod
    def _block_alternatives(
        blocks: list[Block], fill: Fill, s: int, mech: Mechanism
    ) -> dict[int, tuple[int, tuple[str, ...]]]:
        """For each run of blocks that holds one group of guessed bytes: where it ends, its text under each guess.

        The run is one block, or several when the group is adjacent lost pairs, each a
        character of its own (人群 read by Big5 as two U+FFFD). Only guesses that keep
        every block's length in characters are offered, so that a later choice among
        them (:meth:`Repairer._rescore_choices`) changes no offsets; the first is the
        chosen one. Keyed by the first block's start.
        """
        out: dict[int, tuple[int, tuple[str, ...]]] = {}
        if mech.layers > 1:
            return out
        for group, combos in fill.groups:
            run = [b for b in blocks if b.obs_end > group[0] and b.obs_start <= group[-1]]
            if not run or any(b.original is None for b in run) or len(combos) < 2:
                continue
            texts: list[str] = []
            for combo in combos:
                values = list(fill.values)
                for k, value in zip(group, combo, strict=True):
                    values[k - s] = value
                parts = [decode_strict(b"".join(values[b.obs_start - s : b.obs_end - s]), mech.original) for b in run]
                if any(p is None or len(p) != len(b.original or "") for p, b in zip(parts, run, strict=True)):
                    continue
                decoded = "".join(p or "" for p in parts)
                if decoded not in texts:
                    texts.append(decoded)
            if texts and texts[0] == "".join(b.original or "" for b in run):
                out[run[0].obs_start] = (run[-1].obs_end, tuple(texts))
        return out

    def _rescore_choices(self, text: str, chosen: list[Region]) -> list[Region]:
        """Choose every guessed lost byte again, in the repaired text, with the document as a second model.

        The first guesses were made one window at a time, in damaged surroundings; now
        the whole text is repaired, each guess is weighed with both neighbours whole
        and with what the document says elsewhere (:class:`DocumentCache`; the guess
        being weighed is taken out of it first, so that it does not vote for itself, and
        so are its twins, see :func:`_twin_guesses`).
        """
        if not any(r.choices for r in chosen):
            return chosen
        pieces = sorted(p for r in chosen for p in (r.pieces or ((r.start, r.end, r.replacement),)))
        parts: list[str] = []
        where: dict[int, int] = {}  # raw start of a piece -> its start in the repaired text
        pos = size = 0
        for start, end, original in pieces:
            parts.append(text[pos:start])
            size += start - pos
            where[start] = size
            parts.append(original)
            size += len(original)
            pos = end
        parts.append(text[pos:])
        joined = "".join(parts)
        repaired = list(self._simplified_document(joined))
        traditional_mechanisms = {m.name for m in self.mechanisms if m.traditional}
        cache = DocumentCache(self.lm, "".join(repaired))
        article = self._article_chance("".join(repaired), chosen, where)
        twins = _twin_guesses(joined, chosen, where)
        out: list[Region] = []
        for r in chosen:
            if not r.choices:
                out.append(r)
                continue
            decided: dict[int, str] = {}
            for start, _end, options in r.choices:
                at = where.get(start)
                if at is None:
                    continue
                width = len(options[0])
                current = "".join(repaired)
                left = left_context(current, at)
                right = right_context(current, at + width)
                now = current[at : at + width]
                cache.update(self.lm, left, now, right, -1)
                # A guess made among the same options after the same characters was made by
                # the same model from the same evidence: its vote would only repeat the
                # first look's opinion (为何扛跌！ twice, each voting for the other's ！), so
                # it is taken out too while this one is weighed.
                others = [
                    (left_context(current, o), current[o : o + width], right_context(current, o + width))
                    for o in twins.get(at, ())
                ]
                for o_left, o_now, o_right in others:
                    cache.update(self.lm, o_left, o_now, o_right, -1)
                # In the script of the surroundings, as the first guesses were scored: in
                # Simplified text a Traditional-only option (號 for the lost byte of 虾) is
                # unlikely, however common its Simplified form (号).
                around = left_context(joined, at) + right_context(joined, at + width)
                if r.mechanism in traditional_mechanisms or self._simplified(around) != around:
                    simple = [self._simplified(o) for o in options]
                else:
                    simple = list(options)
                scores = self._choice_scores(current, at, options, simple, cache, article)
                for o_left, o_now, o_right in others:
                    cache.update(self.lm, o_left, o_now, o_right, 1)
                best = max(range(len(options)), key=lambda i: scores[i])
                cache.update(self.lm, left, simple[best], right, 1)
                if best:
                    decided[start] = options[best]
                    repaired[at : at + width] = simple[best]
            if not decided:
                out.append(r)
                continue
            new_pieces = _split_decided(r.pieces, r.choices, decided)
            replacement = r.replacement
            if not r.pieces:
                replacement = decided.get(r.start, r.replacement)
            out.append(dataclasses.replace(r, pieces=new_pieces, replacement=replacement))
        return out

    def _choice_scores(
        self,
        current: str,
        at: int,
        options: tuple[str, ...],
        simple: list[str],
        cache: DocumentCache,
        article: float | None = None,
    ) -> list[float]:
        """How well each option of the guessed block at ``at`` reads in ``current``, the repaired text.

        ``article`` is the chance that the text is a news article rather than lone
        sentences, from its lines and their intact ends (:meth:`_article_chance`); ``None``: unknown.
        """
        width = len(options[0])
        left = left_context(current, at)
        right = right_context(current, at + width)
        # A mark between two numbers is weighed by the numbers' shape (see
        # pipeline.repair.digit_marks): 1，990 is a thousands separator, 11：30 a time. The
        # document cache is blind to that shape (digits fold to one LM symbol), so its
        # 1，990 would vote for 9，30: there the LM reads without it.
        shaped = default_digit_mark_model().corrections(simple, current, at, at + width) if width == 1 else None
        between_numbers = shaped is not None and any(shaped)
        scores = self.lm.score_many(simple, left, right, cache=None if between_numbers else cache)
        if between_numbers:
            scores = [sc + g for sc, g in zip(scores, shaped or (), strict=True)]
        if WORD_WEIGHT:
            head, tail = _line_piece(current, at, at + width, WORD_CONTEXT)
            words = self.words.score_middles(head, simple, tail)
            scores = [sc + WORD_WEIGHT * w for sc, w in zip(scores, words, strict=True)]
        if QUESTION_BONUS and "\uff1f" in simple:
            # A question word anywhere in the sentence (为何 … 扛跌?) asks for a question
            # mark at its end, further back than the LM sees.
            sentence = _SENTENCE_END.split(current[max(0, at - QUESTION_REACH) : at])[-1]
            if _QUESTION_CUE.search(sentence):
                scores = [sc + QUESTION_BONUS * (o == "\uff1f") for sc, o in zip(scores, simple, strict=True)]
        after = at + width
        ends_long_line = (after == len(current) or current[after] == "\n") and (
            after - (current.rfind("\n", 0, at) + 1) > self.lm.long_line
        )
        if ends_long_line and self.lm.long_line_ends:
            # The guess ends a long line: the LM learned line ends from every line alike,
            # and its training text ends short lines with ， often, long ones almost never.
            ratios = self.lm.long_line_ends
            scores = [sc + ratios.get(o, 0.0) for sc, o in zip(scores, simple, strict=True)]
        elif article is not None and (after == len(current) or current[after] == "\n"):
            # A shorter line: how it ends depends on the kind of text (see pipeline.repair.line_ends).
            next_end = current.find("\n", after + 1)
            next_line = current[after + 1 : len(current) if next_end < 0 else next_end]
            bonus = default_line_end_model().corrections(simple, article, next_line)
            scores = [sc + b for sc, b in zip(scores, bonus, strict=True)]
        if any(_BRACKETS.search(o) for o in options):
            line_start = current.rfind("\n", 0, at) + 1
            line_end = current.find("\n", at + width)
            line_end = len(current) if line_end < 0 else line_end
            head, tail = current[line_start:at], current[at + width : line_end]
            scores = [
                sc - BRACKET_PENALTY * _unmatched_brackets(head + o + tail)
                for sc, o in zip(scores, simple, strict=True)
            ]
        return scores

    @staticmethod
    def _article_chance(repaired: str, chosen: Sequence[Region], where: dict[int, int]) -> float | None:
        """The chance that ``repaired`` (the repaired text) is a news article, from its lines and their intact ends.

        ``None`` when no guess ends a line (the chance is then never asked for).
        """
        guessed: set[int] = set()
        for r in chosen:
            for start, _end, options in r.choices:
                at = where.get(start)
                if at is not None:
                    guessed.update(range(at, at + len(options[0])))
        if not any(p + 1 == len(repaired) or repaired[p + 1] == "\n" for p in guessed):
            return None
        lines = repaired.split("\n")
        ends: list[str] = []
        pos = 0
        for line in lines:
            stripped = line.rstrip()
            if stripped.strip() and pos + len(stripped) - 1 not in guessed:
                ends.append(stripped[-1])
            pos += len(line) + 1
        return article_chance(default_line_end_model().article_log_odds(lines, ends))

    def _in_simplified_text(self, text: str, start: int, end: int) -> bool:
        """True when the hanzi around ``text[start:end]`` (not inside it) are Simplified text.

        At least :data:`SCRIPT_MIN_HANZI` hanzi within :data:`SCRIPT_REACH` characters
        on either side, none of which OpenCC's t2s changes; a text misread from end to
        end (Big5 mojibake is full of Traditional characters) or Traditional text is not.
        """
        around = text[max(0, start - SCRIPT_REACH) : start] + text[end : end + SCRIPT_REACH]
        hanzi = "".join(_HANZI.findall(around))
        return len(hanzi) >= SCRIPT_MIN_HANZI and to_simplified(hanzi) == hanzi

    def _simplified_document(self, text: str) -> str:
        """``text`` in Simplified characters where that keeps its length (OpenCC alone: fast)."""
        simple = to_simplified(text)
        return simple if len(simple) == len(text) else text

    def _rare_count(self, text: str) -> int:
        """How many rare characters (see :meth:`Detector.is_rare`) ``text`` holds."""
        classes = self.detector.classes(text)
        return classes.count("O") + classes.count("o") + classes.count("h") + classes.count("r")

    def _odd_letters(self, text: str) -> int:
        """How many odd characters (see :meth:`Detector.is_odd`) other than hanzi and lost bytes ``text`` holds."""
        return self.detector.classes(text).count("o")

    def _score_space(self, texts: Sequence[str | None]) -> list[str | None]:
        """Texts as the LM sees them: converted to Simplified when that keeps their length."""
        joined = "".join(t or "" for t in texts)
        converted = self._convert(joined)
        if len(converted) != len(joined):
            return [None if t is None else self._simplified(t) for t in texts]
        out: list[str | None] = []
        pos = 0
        for t in texts:
            if t is None:
                out.append(None)
                continue
            out.append(converted[pos : pos + len(t)])
            pos += len(t)
        return out

    def _viterbi(
        self, keep: list[str | None], conv: list[str | None], left: str, right: str, convert_first: bool = False
    ) -> list[bool]:
        """Keep (False) or convert (True) per block, by LM score with a penalty per switch.

        The text around is taken as kept (a switch into the repair and one out of it
        are paid), or with ``convert_first`` as damaged too (keeping a piece pays).

        Each block is scored after the text as it reads when the blocks before it
        are all kept, or all converted (switches are rare and penalised, so the
        history of the other path hardly matters); that puts every score in one
        batch of the LM.
        """
        return _viterbi_path(self._viterbi_scores(keep, conv, left, right), conv, convert_first)

    def _viterbi_scores(self, keep: list[str | None], conv: list[str | None], left: str, right: str) -> list[float]:
        """The LM scores :meth:`_viterbi` weighs (see :meth:`_viterbi_scores_many`)."""
        return self._viterbi_scores_many([(keep, conv, left, right)])[0]

    def _viterbi_scores_many(self, requests: Sequence[ViterbiRequest]) -> list[list[float]]:
        """The LM scores :meth:`_viterbi` weighs, for each ``(keep, conv, left, right)``, in one LM call.

        Per request: each block kept and converted, after either path, then ``right``
        (:func:`_viterbi_path` reads them four per block). The spans of a window are
        scored together (a call per span cost more than its lookups), each total the
        very float a call of its own gives (see :meth:`CharLM.score_indexed`).

        The same blocks between the same contexts come back when a text misread from
        end to end is read again line by line (with ``convert_first``, which changes
        the weighing, not the scores): each request is scored once (kept per repairer).
        """
        out: list[list[float] | None] = [None] * len(requests)
        pending: dict[tuple[object, ...], list[int]] = {}
        for i, (keep, conv, left, right) in enumerate(requests):
            key = (tuple(keep), tuple(conv), left[-HISTORY:], right)
            known = self._viterbi_kept.get(key)
            if known is not None:
                out[i] = known
            else:
                pending.setdefault(key, []).append(i)
        if pending:
            histories: list[str] = []
            texts: list[str] = []
            which_history: list[int] = []
            which_text: list[int] = []
            batch_starts: list[int] = []
            for places in pending.values():
                keep, conv, left, right = requests[places[0]]
                batch_starts.append(len(which_text))
                n = len(keep)
                h, t = len(histories), len(texts)
                run_kept = run_conv = left[-HISTORY:]
                for i, (k_text, c_text) in enumerate(zip(keep, conv, strict=True)):
                    # Each block after the kept path's text, then after the converted path's.
                    histories.append(run_kept)
                    histories.append(run_conv)
                    which_history.extend((h + 2 * i, h + 2 * i, h + 2 * i + 1, h + 2 * i + 1))
                    which_text.extend((t + i, t + n + i, t + i, t + n + i))
                    # Only the last HISTORY characters are ever read: keep the runs that short.
                    k_item = k_text or ""
                    run_kept = (run_kept + k_item)[-HISTORY:]
                    run_conv = (run_conv + (c_text if c_text is not None else k_item))[-HISTORY:]
                histories.append(run_kept)
                histories.append(run_conv)
                texts.extend(k or "" for k in keep)
                texts.extend(c or "" for c in conv)
                texts.append(right)
                which_history.extend((h + 2 * n, h + 2 * n + 1))
                which_text.extend((t + 2 * n, t + 2 * n))
            scores = self.lm.score_indexed(
                histories,
                texts,
                np.asarray(which_history, dtype=np.int64),
                np.asarray(which_text, dtype=np.int64),
                batch_starts,
            )
            for (request_key, places), first, last in zip(
                pending.items(), batch_starts, [*batch_starts[1:], len(scores)], strict=True
            ):
                batch = remember(self._viterbi_kept, request_key, scores[first:last], VITERBI_CACHE)
                for i in places:
                    out[i] = batch
        return out  # type: ignore[return-value]  # every request has its scores now

    def _refine_edges(
        self,
        choice: list[bool],
        keep: list[str | None],
        conv: list[str | None],
        left: str,
        right: str,
        convert_first: bool = False,
    ) -> list[bool]:
        """Move the ends of each converted run by one block where the LM, reading the real text, says so.

        :meth:`_viterbi` scores a block after the text as it reads with every block
        before it kept, or every one converted: at the ends of a run the path it
        scores is not the one it chooses (a damaged clause's last character, 美 read
        as 藝, was judged after 她们的 in mojibake). Here each end is weighed again,
        the two paths scored over the same few characters with their true history.
        """
        n = len(choice)
        if n < 2 or not any(choice):
            return choice
        path = list(choice)
        for _round in range(2):
            changed = False
            for b in range(n):
                at_edge = (b > 0 and path[b - 1] != path[b]) or (b + 1 < n and path[b + 1] != path[b])
                if not at_edge or (not path[b] and conv[b] is None):
                    continue
                flipped = list(path)
                flipped[b] = not path[b]
                now, then = self._local_scores([path, flipped], b, keep, conv, left, right, convert_first)
                if then > now:
                    path = flipped
                    changed = True
            if not changed:
                break
        return path

    def _local_scores(
        self,
        paths: list[list[bool]],
        b: int,
        keep: list[str | None],
        conv: list[str | None],
        left: str,
        right: str,
        convert_first: bool,
    ) -> list[float]:
        """LM score of each path from block ``b`` until the LM no longer remembers it, less its switches."""
        need = self.lm.order - 1
        all_texts = [
            [(c if on and c is not None else k or "") for k, c, on in zip(keep, conv, path, strict=True)]
            for path in paths
        ]
        # Every path is scored up to the same block: until the LM has forgotten block ``b`` in each.
        end = b + 1
        for texts in all_texts:
            j, ahead = b + 1, 0
            while j < len(texts) and ahead < need:
                ahead += len(self.lm.ids(texts[j]))
                j += 1
            end = max(end, j)
        out: list[tuple[str, str]] = []
        penalties: list[float] = []
        for path, texts in zip(paths, all_texts, strict=True):
            history = (left if b <= HISTORY else "") + "".join(texts[max(0, b - HISTORY) : b])
            middle = "".join(texts[b:end]) + (right if end == len(texts) else "")
            out.append((history[-HISTORY:], middle))
            edges = [convert_first, *path, convert_first]
            penalties.append(SWITCH_PENALTY * sum(1 for x, y in itertools.pairwise(edges) if x != y))
        scores = self.lm.score_items(out)
        return [sc - pen for sc, pen in zip(scores, penalties, strict=True)]

    def _enough_evidence(
        self,
        observed: str,
        mech: Mechanism,
        ratio: bool = True,
        keep_rate: float | None = None,
        relaxed: int = STRICT,
    ) -> bool:
        """Enough odd or rare characters (lost bytes do not count) to call ``observed`` damaged.

        An odd character, or two rare ones that read as gibberish (``keep_rate``, the
        LM's nats per symbol of the text as it is, below :data:`GIBBERISH_LOGPROB`).
        With ``ratio``, a quarter of the non-ASCII characters must be rare or the text
        must read as gibberish. ``relaxed`` (the document shows this damage elsewhere):
        one rare character is enough.
        """
        classes = self.detector.classes(observed)
        non_ascii = len(classes) - classes.count("a") - classes.count("h")
        odd = classes.count("O") + classes.count("o")
        if mech.misread == "cp1252":
            odd += classes.count("l")  # a Latin-1 character is a misread byte here (°, ×)
        rare = odd + classes.count("r")
        gibberish = keep_rate is not None and keep_rate < GIBBERISH_LOGPROB
        if relaxed:
            return rare >= 1 or gibberish or not ratio
        if odd == 0 and rare < 2:
            return False
        if not ratio:
            return True
        if odd == 0:
            return gibberish
        return rare * 4 >= non_ascii or gibberish

    def _judge(
        self,
        text: str,
        offset: int,
        window: str,
        blocks: list[Block],
        keep_s: list[str | None],
        conv_s: list[str | None],
        filled: list[bytes],
        s: int,
        units: list[Unit],
        mech: Mechanism,
        relaxed: int = STRICT,
        alternatives: dict[int, tuple[int, tuple[str, ...]]] | None = None,
        backed: bool = False,
    ) -> Region | None:
        """Accept a repaired region only with enough gain and evidence, and if it explains the text."""
        obs_start, obs_end = blocks[0].obs_start, blocks[-1].obs_end
        observed = window[obs_start:obs_end]
        replacement = "".join(b.original or "" for b in blocks)
        if replacement == observed:
            return None
        abs_start, abs_end = offset + obs_start, offset + obs_end
        left = self._simplified(left_context(text, abs_start))
        right = self._simplified(right_context(text, abs_end))
        keep_text = "".join(k or "" for k in keep_s)
        conv_text = "".join(c or "" for c in conv_s)
        kept, conv = self.lm.score_many([keep_text, conv_text], left, right)
        gain = conv - kept
        if mech.misread == "cp1252" and mech.original == "utf-8":
            # Latin-1 letters that happen to form valid multi-byte UTF-8 are rare in
            # real text (ftfy's insight): each such character is evidence of its own.
            gain += UTF8_PATTERN_BONUS * sum(1 for b in blocks for ch in b.original or "" if ord(ch) >= 0x800)
        if gain < (-2 * SWITCH_PENALTY if relaxed == EVERYWHERE else MIN_GAIN):
            return None
        keep_rate = kept / max(1, len(self.lm.ids(keep_text + right)))
        if not self._enough_evidence(observed, mech, keep_rate=keep_rate, relaxed=relaxed) or _foreign_word(observed):
            return None
        # Control characters are never what was meant; odd spaces (U+3000) are.
        if not replacement.isprintable() and any(
            _control(ch, mech.misread == "cp1252", mech.original == "utf-8") for ch in replacement
        ):
            return None
        if _stray_mark(text[abs_start - 1] if abs_start else "", replacement):
            # A combining mark on a hanzi or a punctuation mark is no text anyone wrote
            # (通 is GBK CD A8, the UTF-8 of U+0368: in a text misread from end to end a
            # clean 百事通 became 百事ͨ).
            return None
        if relaxed and self._odd_letters(replacement) > self._odd_letters(observed):
            # With less evidence, a repair must not bring in more odd letters than the
            # text it replaces has: a rare hanzi in clean lines of a damaged document
            # (冶, 叶) is not a Cyrillic or Latin letter misread (ұ, Ҷ read as GBK).
            return None
        if mech.layers == 1:
            data = b"".join(filled[obs_start - s : obs_end - s])
            if not explains(observed, data, mech.misread):
                return None
        holes = sum(1 for u in units[obs_start:obs_end] if is_hole(u))
        if holes and not relaxed and not backed:
            # Lost bytes in clean text (U+FFFD, ?) are not mojibake: guessing them must
            # be backed by two odd characters, or by one and a second lost byte that the
            # same damage explains (浜�2020骞�9鏈�17鏃� is 于2020年9月17日), or by three.
            classes = self.detector.classes(observed)
            odd = classes.count("O") + classes.count("o")
            with_holes = sum(1 for b in blocks if any(is_hole(units[u]) for u in range(b.obs_start, b.obs_end)))
            if odd < 2 and not (odd == 1 and with_holes >= 2) and with_holes < 3:
                return None
        # Report only what changed: drop the unchanged characters at both ends.
        head = 0
        while head < min(len(observed), len(replacement)) and observed[head] == replacement[head]:
            head += 1
        tail = 0
        while (
            tail < min(len(observed), len(replacement)) - head
            and observed[len(observed) - 1 - tail] == replacement[len(replacement) - 1 - tail]
        ):
            tail += 1
        pieces = tuple(
            (offset + b.obs_start, offset + b.obs_end, b.original)
            for b in blocks
            if b.original is not None and b.original != window[b.obs_start : b.obs_end]
        )
        choices = tuple(
            (offset + b.obs_start, offset + alternatives[b.obs_start][0], alternatives[b.obs_start][1])
            for b in blocks
            if alternatives
            and b.obs_start in alternatives
            and len(alternatives[b.obs_start][1]) > 1
            and alternatives[b.obs_start][0] <= obs_end
        )
        return Region(
            abs_start + head,
            abs_end - tail,
            replacement[head : len(replacement) - tail],
            mech.name,
            gain,
            holes,
            pieces,
            choices,
        )


_PAIRS = {
    "（": "）",
    "【": "】",
    "《": "》",
    "〈": "〉",
    "「": "」",
    "『": "』",
    "〔": "〕",
    "［": "］",
    "｛": "｝",
    "“": "”",
}
_CLOSING = {close: open_ for open_, close in _PAIRS.items()}
_BRACKETS = re.compile("[" + re.escape("".join(_PAIRS) + "".join(_CLOSING)) + "]")


def _unmatched_brackets(line: str) -> int:
    """How many brackets of ``line`` have no partner (（…） 【…】 《…》 “…” ...)."""
    stack: list[str] = []
    unmatched = 0
    for m in _BRACKETS.finditer(line):
        ch = m.group()
        if ch in _PAIRS:
            stack.append(ch)
        elif stack and stack[-1] == _CLOSING[ch]:
            stack.pop()
        elif _CLOSING[ch] in stack:
            # Close the nearest matching bracket; the ones opened since stay unmatched.
            while stack[-1] != _CLOSING[ch]:
                stack.pop()
                unmatched += 1
            stack.pop()
        else:
            unmatched += 1
    return unmatched + len(stack)


def _with_edge_holes(
    judge: JudgeBlocks, piece: Region, a: int, b: int, run: tuple[int, int], claimed: set[int]
) -> Region:
    """``piece`` (blocks ``[a, b)``, accepted alone) with a lost-byte block next to it, if that reads better.

    A lost byte in clean text is no evidence of mojibake (:meth:`Repairer._judge` wants odd
    characters around it), but one right next to a run the judge accepts on its own
    is that run's damage going on (a misread clause that starts with a lost pair:
    ，\ufffd赽請輿乾 is ，妻子叫林爱茹). Each side is tried once, within the converted
    run ``run``; a hole block goes to one piece only (``claimed``, updated here), so
    that two pieces never overlap on it.
    """
    best = piece
    lo, hi = a, b
    for side in (-1, 1):
        hole = lo - 1 if side < 0 else hi
        if not run[0] <= hole < run[1] or hole in claimed:
            continue
        new_lo, new_hi = (hole, hi) if side < 0 else (lo, hole + 1)
        extended = judge(new_lo, new_hi, True)
        if extended is not None and extended.gain > best.gain:
            best = extended
            lo, hi = new_lo, new_hi
            claimed.add(hole)
    return best


def _split_decided(
    pieces: tuple[tuple[int, int, str], ...],
    choices: tuple[tuple[int, int, tuple[str, ...]], ...],
    decided: dict[int, str],
) -> tuple[tuple[int, int, str], ...]:
    """``pieces`` with the texts ``decided`` for the choices starting at their starts.

    A choice may span several pieces (adjacent lost pairs): its text is cut into the
    pieces in order, each as long as its text was (the choices keep every length).
    """
    ends = {start: end for start, end, _options in choices}
    out: list[tuple[int, int, str]] = []
    text, end = "", -1
    for a, b, o in pieces:
        if a in decided:
            text, end = decided[a], ends[a]
        if a < end and text:
            out.append((a, b, text[: len(o)]))
            text = text[len(o) :]
        else:
            out.append((a, b, o))
    return tuple(out)


def _line_piece(text: str, start: int, end: int, width: int) -> tuple[str, str]:
    """Up to ``width`` characters of ``text`` on each side of ``[start, end)``, within its line."""
    head = text[max(0, start - width) : start]
    head = head[head.rfind("\n") + 1 :]
    tail = text[end : end + width]
    cut = tail.find("\n")
    return head, tail if cut < 0 else tail[:cut]


def _control(ch: str, latin: bool, utf8: bool = False) -> bool:
    """A control or other non-printing character (line breaks, tabs and odd spaces are fine).

    Undone cp1252 damage keeps U+3000 only: a no-break space there is more often
    the 0xA0 of a layer of damage still to undo. A private-use character read back
    whole from Chinese code pages, or from three UTF-8 bytes (``utf8``: EE 8E AC read
    as cp1252 is ``îŽ¬``, no accident of Latin text), is a glyph the page meant (〇 in
    some fonts' PUA); one byte pair of GBK read as cp1252 letters is not enough.
    """
    if ch.isprintable() or ch in "\n\t\u3000":
        return False
    if (utf8 or not latin) and "\ue000" <= ch <= "\uf8ff":
        return False
    return latin or not (ch.isspace() and ord(ch) >= 0xA0)


def _stray_mark(before: str, replacement: str) -> bool:
    """True when ``replacement`` (after ``before``) has a combining mark on something that takes none.

    Combining marks (Unicode category M) sit on letters of alphabetic scripts
    (Müller written with U+0308, Vietnamese); on a hanzi, a digit, a punctuation mark,
    a space or at the start of the text they are misread bytes. Variation selectors
    (❤️, 1️⃣, a hanzi's ideographic variant) may follow anything.
    """
    if replacement.isascii():
        return False
    previous = before
    for ch in replacement:
        if unicodedata.category(ch).startswith("M") and not _VARIATION.match(ch) and not _takes_marks(previous):
            return True
        previous = ch
    return False


_VARIATION = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef]")


def _takes_marks(ch: str) -> bool:
    """True for a letter of an alphabetic script (below the CJK blocks) or a combining mark itself."""
    if not ch:
        return False
    return (ch.isalpha() and ord(ch) < 0x2E80) or unicodedata.category(ch).startswith("M")


def _covered(odd: Sequence[int], start: int, end: int, regions: Sequence[Region]) -> int:
    """How many of the window's odd characters (``odd``: offsets in ``[start, end)``) fall inside a region."""
    inside = bytearray(end - start)
    for r in regions:
        lo, hi = max(r.start, start) - start, min(r.end, end) - start
        if hi > lo:
            inside[lo:hi] = b"\x01" * (hi - lo)
    return sum(inside[i] for i in odd)


def _viterbi_path(scores: Sequence[float], conv: Sequence[str | None], convert_first: bool) -> list[bool]:
    """The best keep (False) / convert (True) path over the blocks, given :meth:`Repairer._viterbi_scores`.

    ``conv[i]`` None: block ``i`` cannot be converted. See :meth:`Repairer._viterbi`.
    """
    n = len(conv)
    outside = convert_first
    # The two states in plain floats (this loop runs for every block of every span):
    # ``kept``/``conv_best`` are the best totals ending kept/converted, and each
    # step is the very same arithmetic as a max over (total, previous state) pairs,
    # a tie going to the converted previous state.
    minus_inf = -math.inf
    kept = 0.0 if not outside else -SWITCH_PENALTY
    conv_best = 0.0 if outside else -SWITCH_PENALTY
    back: list[tuple[bool, bool | None]] = []  # per block: the previous state of kept, of converted
    for i in range(n):
        base = 4 * i
        # Kept now: from kept (no switch) or from converted (a switch).
        from_kept = kept + scores[base] - 0.0 if kept > minus_inf else None
        from_conv = conv_best + scores[base + 2] - SWITCH_PENALTY if conv_best > minus_inf else None
        new_kept, link_kept = _best_of(from_kept, from_conv)
        if conv[i] is None:
            new_conv, link_conv = minus_inf, None
        else:
            from_kept = kept + scores[base + 1] - SWITCH_PENALTY if kept > minus_inf else None
            from_conv = conv_best + scores[base + 3] - 0.0 if conv_best > minus_inf else None
            new_conv, link_conv = _best_of(from_kept, from_conv)
        kept, conv_best = new_kept, new_conv
        back.append((link_kept, link_conv))
    final_kept = kept + scores[4 * n] - (SWITCH_PENALTY if outside else 0.0)
    final_conv = conv_best + scores[4 * n + 1] - (0.0 if outside else SWITCH_PENALTY)
    # The first state of the finals (kept, unless there are no blocks and the
    # text around is converted) wins a tie.
    if n or not outside:
        state = final_conv > final_kept
    else:
        state = not final_kept > final_conv
    path: list[bool] = []
    for link_kept, link_conv in reversed(back):
        path.append(state)
        link = link_conv if state else link_kept
        state = False if link is None else link
    return path[::-1]


def _best_of(from_kept: float | None, from_conv: float | None) -> tuple[float, bool]:
    """The better of two ways into a Viterbi state and where it came from (converted on a tie).

    ``None`` is a way that does not exist. The same choice as ``max`` over
    ``(total, came_from_converted)`` pairs.
    """
    if from_conv is None:
        if from_kept is None:
            raise ValueError("no way into a Viterbi state")
        return from_kept, False
    if from_kept is None or from_conv >= from_kept:
        return from_conv, True
    return from_kept, False


def _non_overlapping(found: Sequence[Region]) -> list[Region]:
    """The best regions that do not overlap (highest gain first), in text order."""
    chosen: list[Region] = []
    for region in sorted(found, key=lambda r: -r.gain):
        if all(region.end <= c.start or region.start >= c.end for c in chosen):
            chosen.append(region)
    chosen.sort(key=lambda r: r.start)
    return chosen


_LOST_MARK = re.compile(r"[\ufffd?]")
_SENTENCE_END = re.compile(r"[\n\u3002\uff01\uff1f!?]")
_QUESTION_CUE = re.compile("为何|为什么|为啥|何以|岂|是否|怎么|怎样|如何|哪|谁|多少|什么|吗|呢|难道|何时")
_HANZI = re.compile(r"[\u4e00-\u9fff]")
_HANZI_OR_LOST = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufffd]")
_NON_ASCII_LINE = re.compile(r"[^\n]*[^\x00-\x7f][^\n]*")


def _twin_guesses(joined: str, chosen: Sequence[Region], where: dict[int, int]) -> dict[int, list[int]]:
    """For each guessed block (by its start in ``joined``, the repaired text), the other guesses that are its twins.

    Twins are guesses among the same options after the same :data:`TWIN_CONTEXT`
    characters, far enough apart that their n-grams in a :class:`DocumentCache` do not
    overlap: the first look guessed them alike from the same evidence.
    """
    groups: dict[tuple[str, tuple[str, ...]], list[int]] = {}
    for r in chosen:
        for start, _end, options in r.choices:
            at = where.get(start)
            if at is None or at < TWIN_CONTEXT:
                continue
            key = (joined[at - TWIN_CONTEXT : at], tuple(sorted(options)))
            groups.setdefault(key, []).append(at)
    twins: dict[int, list[int]] = {}
    for members in groups.values():
        if len(members) < 2:
            continue
        for at in members:
            far = [o for o in members if abs(o - at) > TWIN_APART]
            if far:
                twins[at] = far
    return twins


@lru_cache(maxsize=4096)
def _lost_singles(
    mask: int, original: str, misread: str, euro_seen: bool, next_byte: bytes, before_hole: bool
) -> tuple[bytes, ...]:
    """The lone bytes a hole may be: valid ``original`` text from automaton state ``mask`` that ``misread`` loses.

    ``next_byte`` is the observed byte after the hole (b"" for none); with
    ``before_hole`` another lost byte follows. The same few states and neighbours
    come back at every hole of a document, so the answer is kept.
    """
    if misread == "cp1252":
        singles = [bytes([v]) for v in CP1252_UNDEFINED]
    else:
        singles = [bytes([v]) for v in range(0x81 if euro_seen else 0x80, 0x100)]
    return tuple(
        v
        for v in singles
        if step_unit(mask, v, original)
        and (not next_byte or _fails_alone(v + next_byte, misread))
        and (not before_hole or _fails_before_any(v, misread))
    )


@lru_cache(maxsize=64)
def _lost_pairs_after(mask: int, misread: str, original: str) -> list[bytes]:
    """The pairs ``misread`` rejects whole that continue valid ``original`` text from automaton state ``mask``."""
    return [p for p in lost_pairs(misread) if step_unit(mask, p, original)]


@lru_cache(maxsize=8)
def _pair_chars(original: str) -> dict[bytes, str]:
    """Every byte pair that is one character in ``original`` (a double-byte code page), with it."""
    if original == "utf-8":
        return {}
    table: dict[bytes, str] = {}
    for lead in range(0x81, 0xFF):
        for trail in range(0x40, 0x100):
            pair = bytes((lead, trail))
            ch = decode_strict(pair, original)
            if ch is not None and len(ch) == 1:
                table[pair] = ch
    return table


@lru_cache(maxsize=65536)
def _fails_alone(pair: bytes, misread: str) -> bool:
    """True when a misreading decoder turns the first byte of ``pair`` alone into U+FFFD."""
    return any(out.startswith("\ufffd") and len(out) == 2 for out in forward(pair, misread))


@lru_cache(maxsize=1024)
def _fails_before_any(byte: bytes, misread: str) -> bool:
    """True when a misreading decoder turns ``byte`` alone into U+FFFD before any byte from 0x80 up."""
    return all(_fails_alone(byte + bytes([trail]), misread) for trail in range(0x80, 0x100))


_KANA = regex.compile(r"[\u3040-\u30ff\uff66-\uff9f]")
_KANA_WORD = regex.compile(r"[\u3040-\u30ff\uff66-\uff9f]{2,}")
_SCRIPT_WORDS = (
    regex.compile(r"[\u0400-\u04ff]+"),  # Cyrillic
    regex.compile(r"[\u0370-\u03ff]+"),  # Greek
    regex.compile(r"[\uac00-\ud7af\u1100-\u11ff]+"),  # Hangul
)
_NOT_LETTER = re.compile(r"[\x00-\x7f\s]+")


def _foreign_word(observed: str) -> bool:
    """True when ``observed`` reads as a word of another script (Москва, 東京タワー).

    Misread bytes scatter such letters among hanzi, digits and symbols (月 in Big5 read
    as GBK is る); a run that is all Cyrillic, Greek or Hangul, or mostly kana with
    kana side by side, is more likely a word someone wrote.
    """
    letters = _NOT_LETTER.sub("", observed)  # (\s is str.isspace, as the judge reads spaces)
    if len(letters) < 2:
        return False
    if any(script.fullmatch(letters) for script in _SCRIPT_WORDS):
        return True
    kana = len(_KANA.findall(letters))
    return kana * 2 >= len(letters) and _KANA_WORD.search(observed) is not None


def mojibake_edits(text: str, repairer: Repairer) -> list[Edit]:
    """Propose the mojibake repairs of ``text``."""
    return repairer.edits(text)
