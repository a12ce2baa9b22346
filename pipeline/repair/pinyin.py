"""Undo the pinyin annotations of "伪原创" spam converters, at the byte level.

The converter turns Simplified text into Traditional character by character,
encodes it as GBK, and replaces the bytes of each character X of a per-site set by
the bytes of ``X(pīnyīn)``; then it decodes the bytes as GBK again, writing ``?`` for
an invalid pair and dropping pairs from the user-defined areas. The replacement
works on bytes, so it can match the last byte of one character and the first of the
next: 家帶著清華 is ``BC D2|8E A7|D6 F8|C7 E5|C8 41`` and 規 (``D2 8E``) matches across
家|帶, which gives ``家?guī)е迦A``: the ``(`` pairs with ``8E`` into ``?``, and the
decoder reads the rest one byte off (``A7 D6`` е, ``F8 C7`` dropped, ``E5 C8`` 迦) until
an ASCII byte (``41``) puts it back in step.

The repair works on the same bytes. Each line is turned back into GBK bytes; an
annotation is taken out where the two bytes before its ``(`` are a character whose
reading it is (pypinyin's), and a ``?pīnyīn)`` becomes the one byte the ``?`` hid
(the candidates are the characters that start with the byte before it and have that
reading). The bytes are then decoded in step again. Where the decoder was out of
step, a dropped user-defined pair may be missing: every place and value is tried.
The character language model ranks the candidates.

Annotations are removed only where the pinyin is a reading of the character before
it, and, outside a converted text, only on common characters: ``智能體(Agent)``,
``張三(Zhang San)`` and a gloss on a rare character such as ``槑(méi)`` stay.
"""

from __future__ import annotations

import bisect
import codecs
import dataclasses
import difflib
import itertools
import math
import re
import threading
import unicodedata
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt
import regex
from pypinyin import Style, pinyin
from pypinyin.pinyin_dict import pinyin_dict

from pipeline.offsets import Edit
from pipeline.repair.lm import NO_SYMBOL, CharLM, DocumentCache, WordModel, default_word_model
from pipeline.repair.t2s import Simplifier, _converter, to_simplified

_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿê"
_SYLLABLE = rf"[a-z{_TONED}]{{1,7}}"
# A CJK character followed by one pinyin syllable in ASCII or full-width parentheses.
ANNOTATION = regex.compile(rf"(?P<char>\p{{Han}})[(（](?P<py>{_SYLLABLE})[)）]")
# The parenthesised syllable alone: a cheap first scan (the character is checked after).
_PARENS = regex.compile(rf"[(（](?P<py>{_SYLLABLE})[)）]")
# What a straddling annotation leaves: its "(" went into the "?" ...
STRADDLE = regex.compile(rf"\?(?P<py>{_SYLLABLE})\)")
# ... or, when the hidden byte was the lead of a symbol row (A1-A7, punctuation),
# into a user-defined pair that the converter dropped: no "?" at all.
STRADDLE_DROPPED = regex.compile(rf"(?P<py>{_SYLLABLE})\)")
_HAN = regex.compile(r"\p{Han}")
# A straddle's debris and what the decoder read out of step after it, up to an ASCII character.
_OUT_OF_STEP_DEBRIS = regex.compile(rf"(?:\?|(?<![(（a-z{_TONED}]){_SYLLABLE}\))[^\x00-\x7f]*")
# A line started with a run of spaces (an indent).
_INDENT = regex.compile(r"(?m)^ {2,}\S")
_BYTE_ANNOTATION = regex.compile(rf"\((?P<py>{_SYLLABLE})\)")

COMMON_COUNT = 20  # a character seen this often in training is common: nobody glosses it
SPAM_MIN_ANNOTATIONS = 3  # this many reading-matching annotations make a text "converted"
# Nats a restored dropped pair must gain (4.0 before the fairer reading below; read
# fairly, 2.0 is one tuning-share document better than 3.0).
DROP_MARGIN = 2.0
# A text with a pair put back is read over the pair's bytes more than the text without
# it: over the same bytes of what follows. Read over as many bytes, it was spared the
# cost of the window's last character, and a pair won on that alone (曾 before 在, ，不
# for ；). Used out of step (_best_drop), before a "?py)" (_restore_after_drops), and
# once per pair for two pairs in one stretch (_best_two_drops).
PAIR_READ_EXTRA = 2
# Nats a whole character put back inside a pair restored before a "?py)" must gain: the
# pair is known to be there, and only characters with both bytes in the dropped ranges
# are tried. (Read over the same bytes as the text without it; the tuning share is the
# same anywhere from 0 to 2.) Inside a pair put back after a straddle (_widen_drop) the
# candidates are weighed with the dictionary as well and need only read better: with a
# margin of 1.0 there, ，但是今天 and ，精明的 lost to ，是今天 and ，明的 by 0.6 and 0.1 nats.
WIDEN_MARGIN = 1.0
# Nats a dropped pair between two straddles in a row (司?jiù)?rì)披) must gain. The
# reading without it needs the second character replaced before the first, whose
# replacement would otherwise have destroyed it, and an owner that makes both bytes
# (the straddle's hidden byte is the second character's lead); the reading with it
# needs only the character the pair completes, which the model prices. So the margin
# is a small one, for picking the best of hundreds of pairs: 2.0 kept 司咎天接 (咎, seen
# nowhere in the text, the owner of 司's trail and 天's lead) against 司全天接 (救, which
# the text annotates, and 全's trail with 天's lead dropped), 0.87 nats better. On the
# tuning share 0.0 and 0.5 give the same outputs, 1.0 that of 2.0.
CHAINED_DROP_MARGIN = 0.5
# Nats a dropped pair before a "?py)" out of step must gain: the place is known and the
# pair must end in a lead with the annotation's reading (about one trail byte in
# twelve, AA-AF and F8-FE, makes a pair the converter drops: e**-2.5), but hundreds of
# pairs are tried. Set on the tuning share between 3.0 (a spurious 曾 before 在) and
# 4.0 (浙江中胤 short of it by a rounding error), when the candidates were read over as
# many bytes as the text without the pair (see PAIR_READ_EXTRA); read fairly, the
# tuning share is the same from 1.5 to 3.5.
AFTER_DROP_MARGIN = 3.5
MAX_SLOT_COMBINATIONS = 4096
# Rounds of dropped pairs searched again in a stretch after the first (see _further_drops).
MAX_DROP_ROUNDS = 6
# Restored pairs before a "?py)" tried with a whole character inside (8 gives the same
# outputs on the tuning share's 333 pinyin documents, 10% slower).
WIDEN_SHORTLIST = 2
# Nats a whole character put back inside a "?" out of step must gain (有限公司( for
# 有限公(: 19 nats). The model likes a line to end with a mark: 範圍。 for a title's
# 範圍 at a line end gained 5.
QUESTION_WIDEN_MARGIN = 8.0
GROUP_GAP = 8  # bytes: slots closer than this are chosen together
WINDOW_BYTES = 24  # bytes of context on each side when a group of slots is scored
OUT_OF_STEP_REACH = 8  # stream bytes after a straddle within which the decoder may still be out of step
SLOT_ALTERNATIVES = 6  # hidden-byte values weighed again with the dropped pairs after them
FOREIGN_ALTERNATIVES = 2  # ... and values that read best before FOREIGN_PENALTY, besides those
DROP_SHORTLIST = 64  # dropped pairs tried again with a straddle's runner-up hidden bytes ...
NEAR_SLOT = 4  # ... besides every pair this close to it
# Candidates of one out-of-step stretch read in full once there are more than
# DROP_PRUNE_FROM: the DROP_PRUNE_KEEP best by an estimate (see _drop_estimates), the
# DROP_PRUNE_PER_PLACE best of each place, and every other within DROP_PRUNE_MARGIN
# nats of the last of those. Read in full, hardly one in ten of the thousands tried.
DROP_PRUNE_FROM = 256
DROP_PRUNE_KEEP = 128
DROP_PRUNE_PER_PLACE = 12
DROP_PRUNE_MARGIN = 4.0
ESTIMATE_CONTEXT = 6  # characters on each side of a candidate's two that the estimate converts with them
DOUBLE_SHORTLIST = 4  # pairs per place (the best alone there) combined when two pairs were dropped
RECHECK_SHORTLIST = 8  # ... and pairs per place (the best with the other in place) combined again
FREQUENCY_PRIOR = 0.5  # nats per unit of log frequency of a straddle owner not seen in the text
SITE_PRIOR = 8.0  # nats for a straddle owner that the text annotates elsewhere
UNWRITTEN_OWNER_PENALTY = 2 * SITE_PRIOR  # ... and against one the converter never writes (see _Site.prior)
INVALID_PENALTY = 15.0  # nats per byte pair that decodes to no character
FOREIGN_PENALTY = 4.0  # nats per hanzi a character-by-character Simplified->Traditional table never writes
# The model's mean cost of a character of news text it never saw (3.17 nats on the
# tuning share): what a character the stretch lacks at a line end is charged.
CHAR_NATS = 3.2
# Nats for a "(" or ")" a "?" swallowed that the line's nearest other parenthesis
# closes or opens (against one that it does not): the model sees a few characters.
PAREN_PRIOR = 4.0
NON_DEFAULT_PENALTY = 2.0  # nats for a straddle owner read with another than its default reading
# Candidates are weighed with jieba's dictionary as well (:class:`WordModel`, as the
# lost-byte guesses of the mojibake repair are): nats of the character model per nat
# of word cohesion. The model is trained on a few million characters and hardly tells
# 大喊大叫 from 大喊大教 (0.4 nats, less than 教's frequency prior); the dictionary
# knows the idiom. Only the candidates within WORD_WINDOW nats of the best (at most
# WORD_SHORTLIST of them) are weighed so: a batch can hold thousands.
WORD_WEIGHT = 0.5
# The document's own text read in step (annotations out, the stretches out of step cut
# away) is mixed into the model's probabilities with this weight (a cache model, as in
# the mojibake repair's second look: :class:`DocumentCache`), for the same shortlist
# as the dictionary: a document that writes 每根細鋼纜 tells 由２９０根細鋼纜 from 福寶.
CACHE_WEIGHT = 0.2
WORD_WINDOW = 12.0
WORD_SHORTLIST = 48


def normalize_syllable(syllable: str) -> str:
    """NFC-normalise a syllable and spell ü the way pypinyin does."""
    return unicodedata.normalize("NFC", syllable.strip().lower()).replace("v", "ü")


@lru_cache(maxsize=65536)
def readings(char: str) -> frozenset[str]:
    """Every toned reading pypinyin knows for ``char`` (heteronyms included)."""
    found = pinyin(char, style=Style.TONE, heteronym=True, errors="ignore")
    if not found:
        return frozenset()
    return frozenset(normalize_syllable(p) for p in found[0])


@lru_cache(maxsize=65536)
def default_reading(char: str) -> str:
    """The one reading pypinyin gives ``char`` without heteronyms (what a converter's table writes)."""
    found = pinyin(char, style=Style.TONE, heteronym=False, errors="ignore")
    return normalize_syllable(found[0][0]) if found and found[0] else ""


def is_reading(char: str, syllable: str) -> bool:
    """True when ``syllable`` is one of ``char``'s readings."""
    return normalize_syllable(syllable) in readings(char)


# The trail bytes a two-byte GBK character may have.
_GBK_TRAILS = (*range(0x40, 0x7F), *range(0x80, 0xFF))


@lru_cache(maxsize=1)
def _gbk_pairs() -> tuple[tuple[int, ...], str]:
    """Every two-byte pair GBK decodes, in byte order: the pairs (``lead << 8 | trail``) and their characters."""
    codes = [lead << 8 | trail for lead in range(0x81, 0xFF) for trail in _GBK_TRAILS]
    # One decode of all the pairs joined by line breaks, not 32k small ones: a line
    # break is never a trail byte, so the pieces stay one per pair, and a pair that
    # is no character leaves a U+FFFD in its piece (GBK decodes nothing to one).
    # Ints and strings, not a tuple per pair: tens of thousands of new containers
    # would wake the garbage collector over every object loaded so far (3x the time).
    joined = b"\n".join(code.to_bytes(2, "big") for code in codes)
    pieces = joined.decode("gbk", errors="replace").split("\n")
    valid = [(len(piece) == 1 and piece != "\ufffd") for piece in pieces]
    return (
        tuple(itertools.compress(codes, valid)),
        "".join(itertools.compress(pieces, valid)),
    )


def _table_readings(char: str) -> frozenset[str]:
    """:func:`readings` of one character read straight off pypinyin's code point table.

    That table is what :func:`pypinyin.pinyin` looks a single character up in, without
    the cost of its segmentation and style conversion per call (a test checks that the
    two agree on every GBK character).
    """
    listed = pinyin_dict.get(ord(char))
    return _listed_readings(listed) if listed else frozenset()


@lru_cache(maxsize=8192)
def _listed_readings(listed: str) -> frozenset[str]:
    """The readings of one entry of pypinyin's table (``"zhōng,zhòng"``), normalised (a few thousand differ)."""
    return frozenset(normalize_syllable(p) for p in listed.split(","))


@lru_cache(maxsize=1)
def _gbk_by_lead() -> dict[int, dict[str, tuple[int, ...]]]:
    """For each GBK lead byte: reading -> trail bytes of the characters with that reading."""
    by_reading: dict[str, list[int]] = defaultdict(list)
    for code, ch in zip(*_gbk_pairs(), strict=True):
        for reading in _table_readings(ch):
            by_reading[reading].append(code)
    # Grouped per reading first (pairs in byte order, so each lead's trails in a row):
    # a list per lead and reading would be twice the containers for the collector.
    table: dict[int, dict[str, tuple[int, ...]]] = {lead: {} for lead in range(0x81, 0xFF)}
    for reading, codes in by_reading.items():
        for lead, group in itertools.groupby(codes, key=lambda code: code >> 8):
            table[lead][reading] = tuple(code & 0xFF for code in group)
    return {lead: by for lead, by in table.items() if by}


@lru_cache(maxsize=1)
def _gbk_han() -> tuple[str, ...]:
    """Every hanzi GBK has."""
    return tuple(ch for ch in _gbk_pairs()[1] if _HAN.match(ch))


@lru_cache(maxsize=1)
def _converter_alphabet() -> frozenset[str]:
    """The hanzi a character-by-character Simplified -> Traditional converter writes.

    The converter maps each character alone through its table (OpenCC's ``s2t`` is
    the model of it), so its output holds the table's images and nothing else: a
    Simplified-only form (协, 后) or a variant no Simplified character maps to (輓)
    in a candidate reading is a sign that the candidate is wrong.
    """
    han = _gbk_han()
    # Its input is Simplified text: the characters t2s leaves as they are. No phrase
    # of OpenCC's holds a line break, so joined by them each character converts alone.
    simplified = str(_converter("t2s").convert("\n".join(han))).split("\n")
    inputs = [ch for ch, simple in zip(han, simplified, strict=True) if ch == simple]
    images = str(_converter("s2t").convert("\n".join(inputs))).split("\n")
    # Their tables turn the particle 着 into 著 as well (OpenCC keeps it).
    return (frozenset(images) | {"著"}) - {"着"}


@lru_cache(maxsize=1)
def _foreign_deletions() -> dict[int, None]:
    """A ``str.translate`` table deleting the GBK hanzi the converter never writes, and GBK's Cyrillic letters.

    The character model reads a Cyrillic letter as a Latin one (see
    :func:`pipeline.repair.lm.fold_symbol`), which is cheap between hanzi (A股), but in
    the Chinese text a converter works on it is as unlikely as a foreign hanzi: a
    dropped pair put back as ``FA A7`` read 範圍Я汽車 for 範圍至汽車 (``FA D6``).
    """
    alphabet = _converter_alphabet()
    table: dict[int, None] = {ord(ch): None for ch in _gbk_han() if ch not in alphabet}
    for trail in range(0xA1, 0xF2):
        letter = bytes((0xA7, trail)).decode("gbk", errors="ignore")
        if letter.isalpha():
            table[ord(letter)] = None
    return table


@lru_cache(maxsize=1)
def _unwritable() -> frozenset[str]:
    """What :func:`_foreign_deletions` deletes, as characters."""
    return frozenset(chr(code) for code in _foreign_deletions())


def _foreign(text: str) -> int:
    """How many hanzi of ``text`` (decoded from GBK) the converter would never have written (Cyrillic letters too)."""
    return len(text) - len(text.translate(_foreign_deletions()))


@lru_cache(maxsize=1)
def _foreign_pattern() -> re.Pattern[str]:
    """A character class of what :func:`_foreign_deletions` deletes (a line break is never in it)."""
    return re.compile("[" + "".join(re.escape(chr(code)) for code in sorted(_foreign_deletions())) + "]")


def _foreign_many(texts: Sequence[str]) -> list[int]:
    """:func:`_foreign` of each text, with one regex scan of the batch joined by line breaks.

    Thousands of candidates are weighed at a time and few hold such a character: a
    ``translate`` per text cost more than the scan.
    """
    counts = [0] * len(texts)
    next_start = list(itertools.accumulate(len(text) + 1 for text in texts))
    for match in _foreign_pattern().finditer("\n".join(texts)):
        counts[bisect.bisect_right(next_start, match.start())] += 1
    return counts


def _is_gbk_user_defined(lead: int, trail: int) -> bool:
    """GBK's user-defined areas, which a careless converter drops when it decodes."""
    return (
        (0xAA <= lead <= 0xAF and trail >= 0xA1)
        or (0xF8 <= lead <= 0xFE and trail >= 0xA1)
        or (0xA1 <= lead <= 0xA7 and 0x40 <= trail <= 0xA0)
    )


@lru_cache(maxsize=1)
def _dropped_pairs() -> tuple[tuple[int, int], ...]:
    r"""Every user-defined pair ``(t, l)`` that could sit between two characters out of step.

    ``t`` ends one character and ``l`` starts the next (a lead byte), or ``l`` is an
    ASCII character after it (``。\n``: the converter's test takes A1-A7 with any
    byte up to A0 as user-defined, so the line break goes with the pair).
    """
    out = []
    for t in range(0xA1, 0xFF):
        for lead in range(0x81, 0xFF):
            if _is_gbk_user_defined(t, lead):
                out.append((t, lead))
    for t in range(0xA1, 0xA8):
        out.extend((t, x) for x in _SWALLOWED)
    return tuple(out)


@lru_cache(maxsize=65536)
def _gbk_char(pair: bytes) -> str | None:
    """The GBK character of a two-byte pair (not a user-defined one), or ``None``."""
    if len(pair) != 2 or _is_gbk_user_defined(pair[0], pair[1]):
        return None
    try:
        return pair.decode("gbk")
    except UnicodeDecodeError:
        return None


def prepare_tables() -> None:
    """Build the repair's one-off tables now rather than in the first damaged document's run.

    They cost a few tenths of a second together. Called when the normalise stage is
    built, so that the worker processes a batch forks afterwards inherit them, as they
    do the models, instead of each paying for them again.
    """
    _gbk_by_lead()
    _foreign_pattern()  # _foreign_deletions, _converter_alphabet and _gbk_han with it
    _unwritable()
    _dropped_pairs()
    _writable_trails()


@dataclass(slots=True)
class _Slot:
    """A byte the ``?`` of a straddling annotation hid: one of ``values``.

    When the byte before it is itself a slot (two annotations in a row), ``after``
    is that slot's position and ``allowed`` says which values go with each of its.
    """

    values: tuple[int, ...]
    after: int | None = None
    allowed: dict[int, tuple[int, ...]] | None = None
    prior: dict[int, float] | None = None
    # One of the two bytes of a "?" read out of step right after a straddle (see _stream).
    in_pair: bool = False


@dataclass(frozen=True, slots=True)
class _Site:
    """What the text says about the converter's site set (the characters it annotates).

    It annotates every occurrence of a site character: one annotated in step
    elsewhere is a likely owner of a straddling annotation's bytes; one that
    stands elsewhere without an annotation is not in the set. Of the others, common
    characters are the likelier owners (converters list common characters).
    """

    annotated: set[tuple[str, str]]
    plain: frozenset[str]
    lm: CharLM
    # The text starts lines with runs of spaces: a "?" before such a run may have
    # swallowed a line break (see _restore_question_marks).
    indented: bool = False

    @property
    def chars(self) -> frozenset[str]:
        """The characters the text annotates: the converter annotates every occurrence of each."""
        return frozenset(c for c, _ in self.annotated)

    def prior(self, char: str, syllable: str) -> float:
        """Nats for ``char`` (read ``syllable``) owning a straddling annotation."""
        if (char, syllable) in self.annotated:
            return SITE_PRIOR
        if char in self.plain:
            return -SITE_PRIOR / 2
        simple = to_simplified(char)
        prior = FREQUENCY_PRIOR * math.log1p(max(self.lm.count(char), self.lm.count(simple) if len(simple) == 1 else 0))
        # The converter annotates a character with one reading, its table's default:
        # an owner read another way (撕 read xī, not sī) is unlikely.
        if syllable != default_reading(char):
            prior -= NON_DEFAULT_PENALTY
        if char not in _converter_alphabet():
            # The site set is drawn from the converter's own Traditional output, which
            # holds no Simplified-only form: 赵 (D5 D4) owning a "?zhào)" is as unlikely
            # as a 赵 in a candidate's text (where it costs as much), while 照 (D5 D5) can.
            prior -= UNWRITTEN_OWNER_PENALTY
        return prior


@dataclass(slots=True)
class _Stream:
    """A line as GBK bytes with its annotations taken out.

    ``origin[k]`` is the index in the line of the character byte ``k`` came from;
    slots are bytes still to choose.
    """

    items: list[int | _Slot]
    origin: list[int]
    # Byte positions of an ASCII trail byte whose character's lead went with a pair
    # the converter dropped (兒?hé)t(yī)院: 醫 is E1 74, its E1 dropped with AF): reading.
    lead_dropped: dict[int, str] = dataclasses.field(default_factory=dict)
    # Slots of a ``?py)`` after a straddle whose character's lead may have gone with a
    # dropped pair (司?jiù)?rì)披 is 司同日披: 同's trail AC and 日's lead C8 dropped):
    # reading, and whether the drop is certain (no lead before the slot has the reading).
    after_drop: dict[int, tuple[str, bool]] = dataclasses.field(default_factory=dict)
    # Those of them where the pair was no GBK character and became a "?" instead
    # (指?fù)??méi)體 is 指定媒體: 定's trail A8 and 媒's lead C3 read as one "?").
    after_invalid: set[int] = dataclasses.field(default_factory=set)
    site: _Site | None = None
    # Those of them where the pair may not have been dropped at all (see _stream).
    optional_drop: set[int] = dataclasses.field(default_factory=set)


class PinyinRepairer:
    """Finds and undoes spam-converter annotations; the LM ranks byte-level candidates."""

    def __init__(self, lm: CharLM, simplifier: Simplifier | None = None) -> None:
        self.lm = lm
        self.simplifier = simplifier or Simplifier(lm)
        self._words: WordModel | None = None
        # The cache of the document being repaired (see edits and _document_cache), per
        # thread: a pipeline may share one repairer between threads.
        self._local = threading.local()
        self._symbols: dict[str, int] | None = None  # see _estimate_symbols

    @property
    def words(self) -> WordModel:
        """The word model of jieba's dictionary (loaded on first use: only converted text needs it)."""
        if self._words is None:
            self._words = default_word_model()
        return self._words

    # -- deciding what counts --

    def is_common(self, char: str) -> bool:
        """A character so frequent that an annotation on it is no reader's gloss."""
        simple = to_simplified(char)
        return max(self.lm.count(char), self.lm.count(simple) if len(simple) == 1 else 0) >= COMMON_COUNT

    @staticmethod
    def annotations(text: str) -> list[tuple[int, int, str, str]]:
        """``(char position, end, char, syllable)`` of every ``X(pīnyīn)`` with X a hanzi."""
        out = []
        for m in _PARENS.finditer(text):
            i = m.start() - 1
            if i >= 0 and _HAN.match(text[i]):
                out.append((i, m.end(), text[i], m.group("py")))
        return out

    def is_converted(self, text: str) -> bool:
        """True when ``text`` carries a spam converter's annotations."""
        found = self.annotations(text)
        if not found:
            return False
        if "?" in text and STRADDLE.search(text) is not None:
            return True
        hits = sum(1 for _, _, char, py in found if is_reading(char, py))
        return hits >= SPAM_MIN_ANNOTATIONS

    # -- edits --

    def edits(self, text: str) -> list[Edit]:
        """Propose the edits that take the annotations out of ``text``."""
        if "(" not in text and "（" not in text and ")" not in text:
            return []
        if not self.is_converted(text):
            return [
                Edit(i + 1, end, "", "pinyin_annotation", "normalize.pinyin_annotation")
                for i, end, char, py in self.annotations(text)
                if is_reading(char, py) and self.is_common(char)
            ]
        # The converter annotates every occurrence of a character of its site set, so
        # the characters annotated in step elsewhere in the text are the likely
        # owners of a straddling annotation's byte.
        annotated = {
            (char, normalize_syllable(py)) for _, _, char, py in self.annotations(text) if is_reading(char, py)
        }
        # A character standing without an annotation says it is no site character only
        # where the converter went: on the lines it annotated (a damaged paragraph in
        # clean text: 作 in the clean lines is no sign that ?zuò) is not 作), between the
        # first and the last annotation (a damaged clause in a clean line: 中行 after it
        # is no sign that 中?xíng) is not 行).
        converted = "".join(
            line[found[0].start() : found[-1].end()]
            for line in text.splitlines()
            if (found := list(STRADDLE_DROPPED.finditer(line)))
        )
        site = _Site(
            annotated,
            frozenset(_HAN.findall(converted)) - {c for c, _ in annotated},
            self.lm,
            _INDENT.search(text) is not None,
        )
        edits: list[Edit] = []
        pos = 0
        self._local.cache = self._document_cache(text) if CACHE_WEIGHT else None
        try:
            for line in text.splitlines(keepends=True):
                if "(" in line or ")" in line or "（" in line:
                    if line.endswith(("\n", "\r")):
                        edits.extend(self._line_edits(line, pos, site))
                    else:
                        # The text's end is a line's end as well: read with a line break
                        # after it, the model weighs how a candidate ends the text (高中。,
                        # not 高中、, for a "?" that hid the last byte); without one it
                        # sees no end at all. Nothing is ever put in place of that break.
                        edits.extend(e for e in self._line_edits(line + "\n", pos, site) if e.end <= pos + len(line))
                pos += len(line)
        finally:
            self._local.cache = None
        return edits

    def _document_cache(self, text: str) -> DocumentCache:
        """A cache model of what ``text`` says where the converter's decoder read it in step.

        From a straddle's debris (``?`` or ``pīn)``) to the next ASCII character the
        decoder was out of step, and that garbled stretch is cut out (it would vote for
        the reading without a pair put back); then the annotations whose reading fits
        the character before them are taken out.
        """
        pieces: list[str] = []
        for line in text.splitlines():
            line = _OUT_OF_STEP_DEBRIS.sub("\n", line)
            pieces.append(
                ANNOTATION.sub(
                    lambda m: m.group("char") if is_reading(m.group("char"), m.group("py")) else m.group(0), line
                )
            )
        return DocumentCache(self.lm, self.simplifier.convert("\n".join(pieces)), CACHE_WEIGHT)

    def _line_edits(self, line: str, offset: int, site: _Site | None = None) -> list[Edit]:
        site = site or _Site(set(), frozenset(), self.lm)
        stream = self._stream(line, site)
        if stream is None:
            return self._aligned_edits(line, offset)
        restored = self._restore(line, stream)
        if any(isinstance(x, _Slot) and x.in_pair for x in stream.items):
            # A "?" right after a straddle is read as two bytes (see _out_of_step_pair),
            # unless the line reads better with it as one: the pair's second byte may
            # have been the lead of a mark whose trail went into a dropped pair with a
            # line break (”）。\n read as ”?: A9 A1 the "?", A3 0A dropped).
            single = self._stream(line, site, pairs=False)
            other = self._restore(line, single) if single is not None else None
            if restored is None or (other is not None and other != restored):
                candidates = [c for c in (restored, other) if c is not None]
                scores = self._scores(candidates)
                restored = candidates[max(range(len(candidates)), key=lambda n: scores[n])]
        if restored is None or restored == line:
            return self._aligned_edits(line, offset)
        return self._diff_edits(line, restored, offset)

    def _aligned_edits(self, line: str, offset: int) -> list[Edit]:
        return [
            Edit(offset + m.start("char") + 1, offset + m.end(), "", "pinyin_annotation", "normalize.pinyin_annotation")
            for m in ANNOTATION.finditer(line)
            if is_reading(m.group("char"), m.group("py"))
        ]

    @staticmethod
    def _diff_edits(line: str, restored: str, offset: int) -> list[Edit]:
        edits: list[Edit] = []
        matcher = difflib.SequenceMatcher(None, line, restored, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                continue
            removed = line[i1:i2]
            if tag == "delete" and _BYTE_ANNOTATION.fullmatch(removed.replace("（", "(").replace("）", ")")):
                edits.append(Edit(offset + i1, offset + i2, "", "pinyin_annotation", "normalize.pinyin_annotation"))
            else:
                edits.append(
                    Edit(offset + i1, offset + i2, restored[j1:j2], "pinyin_straddle", "model:charlm/pinyin_straddle")
                )
        return edits

    # -- the byte level --

    def _stream(self, line: str, site: _Site, pairs: bool = True) -> _Stream | None:
        """The line's bytes with the annotations out; ``None`` if it is not all GBK.

        With ``pairs``, a ``?`` right after a straddle stands for two bytes (see
        :func:`_out_of_step_pair`); without, for one.
        """
        items: list[int | _Slot] = []
        lead_dropped: dict[int, str] = {}
        after_drop: dict[int, tuple[str, bool]] = {}
        after_invalid: set[int] = set()
        optional_drop: set[int] = set()
        in_step_from = 0  # items before this were read before the decoder was last in step
        in_step_before = 0  # ... and its value before the last ASCII byte put it back in step
        origin: list[int] = []
        by_lead = None
        i = 0
        n = len(line)
        while i < n:
            ch = line[i]
            if ch == "?" and i + 1 < n and line[i + 1] == "?" and items and isinstance(items[-1], int):
                m = STRADDLE.match(line, i + 1)
                if m is not None:
                    # "??pīn)": the first "?" is 0x80 (a trail byte the decoder took for a
                    # lead) with the lead of the annotated character; the second hides
                    # that character's trail and the "(".
                    by_lead = by_lead or _gbk_by_lead()
                    syllable = normalize_syllable(m.group("py"))
                    leads = tuple(lead for lead, by in by_lead.items() if syllable in by)
                    if leads:
                        prior = {
                            lead: max(
                                site.prior(_gbk_char(bytes((lead, t))) or "", syllable) for t in by_lead[lead][syllable]
                            )
                            for lead in leads
                        }
                        items.extend((0x80, _Slot(leads, prior=prior)))
                        origin.extend((i, i))
                        i += 1
                        continue
            if ch == "?" and i + 1 < n and line[i + 1] == "?" and items and isinstance(items[-1], _Slot):
                m = STRADDLE.match(line, i + 1)
                if m is not None:
                    # "py)??pīn)": right after a straddle the decoder is out of step; it
                    # read the straddled character's trail with the annotated
                    # character's lead, no GBK character (the first "?"), then that
                    # character's trail with the "(" (the second).
                    by_lead = by_lead or _gbk_by_lead()
                    syllable = normalize_syllable(m.group("py"))
                    owner_trails = tuple(sorted({t for by in by_lead.values() for t in by.get(syllable, ())}))
                    if owner_trails:
                        after_drop[len(items)] = (syllable, True)
                        after_invalid.add(len(items))
                        items.append(_Slot(owner_trails, len(items) - 1))
                        origin.append(i)
                        i = m.end()
                        continue
            if pairs and ch == "?" and items and isinstance(items[-1], _Slot) and STRADDLE.match(line, i) is None:
                two = _out_of_step_pair(items[-1], len(items) - 1, line[i + 1 : i + 2])
                if two is not None:
                    # Right after a straddle the decoder reads the straddled character's
                    # trail with the next character's lead: two bytes, no GBK character,
                    # one "?" (北?běn)?翟?yuè) is 北京５月: 京's trail A9 with ５'s lead A3).
                    # Read as one byte, the rest of the stretch would decode one byte off.
                    items.extend(two)
                    origin.extend((i, i))
                    i += 1
                    continue
            if ch == "?":
                m = STRADDLE.match(line, i)
                prev = items[-1] if items else None
                if m is not None and prev is not None:
                    by_lead = by_lead or _gbk_by_lead()
                    syllable = normalize_syllable(m.group("py"))
                    slot = None
                    if isinstance(prev, int) and prev >= 0x81:
                        trails = by_lead.get(prev, {}).get(syllable)
                        if trails:
                            prior = {t: site.prior(_gbk_char(bytes((prev, t))) or "", syllable) for t in trails}
                            slot = _Slot(trails, prior=prior)
                    elif isinstance(prev, _Slot):
                        allowed = {v: by_lead.get(v, {}).get(syllable, ()) for v in prev.values}
                        allowed = {v: t for v, t in allowed.items() if t}
                        values = tuple(sorted({t for ts in allowed.values() for t in ts}))
                        # The same prior as an unchained owner's (annotated elsewhere,
                        # else how common): not only the site's known characters.
                        chained_prior: dict[int, float] = {}
                        for v, ts in allowed.items():
                            for t in ts:
                                owner = site.prior(_gbk_char(bytes((v, t))) or "", syllable)
                                chained_prior[t] = max(chained_prior.get(t, owner), owner)
                        slot = _Slot(values, len(items) - 1, allowed, chained_prior) if values else None
                    # Out of step since a straddle until an ASCII byte put the decoder
                    # back in step (the run can be long: 日?qǐng)蟆飞系摹墩憬?zhōng)).
                    out_of_step = any(isinstance(x, _Slot) for x in items[-OUT_OF_STEP_REACH:]) or any(
                        isinstance(x, _Slot) for x in items[in_step_from:]
                    )
                    if out_of_step:
                        # Read out of step since a straddle, the decoder may have dropped
                        # the annotated character's lead with the byte before it.
                        if slot is None:
                            trails = tuple(sorted({t for by in by_lead.values() for t in by.get(syllable, ())}))
                            # Right after a straddle, whose hidden byte then leads the
                            # character the dropped pair began: chosen again with it.
                            after = len(items) - 1 if isinstance(prev, _Slot) else None
                            slot = _Slot(trails, after) if trails else None
                            if slot is not None:
                                after_drop[len(items)] = (syllable, True)
                        else:
                            after_drop[len(items)] = (syllable, False)
                    if slot is not None:
                        items.append(slot)
                        origin.append(i)
                        i = m.end()
                        continue
            if "a" <= ch <= "z" or ch in _TONED:
                m = STRADDLE_DROPPED.match(line, i)
                prev = items[-1] if items else None
                before = line[i - 1] if i else ""
                if (
                    m is not None
                    and isinstance(prev, int)
                    and prev >= 0x81
                    and before not in "(（?"
                    and (before == ")" or not before.isascii())
                    and before not in _TONED
                ):
                    by_lead = by_lead or _gbk_by_lead()
                    syllable = normalize_syllable(m.group("py"))
                    trails = tuple(t for t in by_lead.get(prev, {}).get(syllable, ()) if 0xA1 <= t <= 0xA7)
                    if trails:
                        prior = {t: site.prior(_gbk_char(bytes((prev, t))) or "", syllable) for t in trails}
                        items.append(_Slot(trails, prior=prior))
                        origin.append(i)
                        i = m.end()
                        continue
                if m is not None and isinstance(prev, _Slot) and before == ")":
                    # "py)" right after a straddle (的?nán)xī)也 is 的消息也: 南 straddled
                    # 的|消; out of step, the decoder dropped 消's trail with 息's lead,
                    # then 息's trail with the "(" (both user-defined pairs). The
                    # annotated character's trail is one that pairs with "(" so.
                    by_lead = by_lead or _gbk_by_lead()
                    syllable = normalize_syllable(m.group("py"))
                    trails = tuple(
                        sorted({t for by in by_lead.values() for t in by.get(syllable, ()) if 0xA1 <= t <= 0xA7})
                    )
                    if trails:
                        # Or nothing was dropped: the straddle's hidden byte is the annotated
                        # character's lead, and only its trail went with the "(" (有?xíng)xiào)
                        # is 有效: 行 straddled 有|效, whose D0 it hid). Then the text as it
                        # reads with such a pair is weighed against the pairs put back.
                        own = {
                            v: fitting
                            for v in prev.values
                            if (fitting := tuple(t for t in by_lead.get(v, {}).get(syllable, ()) if 0xA1 <= t <= 0xA7))
                        }
                        after_drop[len(items)] = (syllable, not own)
                        if own:
                            optional_drop.add(len(items))
                        # Chained: the straddle's byte is chosen again with the dropped bytes.
                        items.append(_Slot(trails, len(items) - 1, own or None))
                        origin.append(i)
                        i = m.end()
                        continue
                if (
                    m is not None
                    and isinstance(prev, int)
                    and prev >= 0x81
                    and not before.isascii()
                    and any(isinstance(x, _Slot) for x in items[in_step_from:])
                ):
                    # "py)" further on in a stretch read out of step since a straddle
                    # (質押?hé)猓渌鼡bǎo)條 is 質押外，其它擔保條: 擔's trail FA went with
                    # 保's lead B1, 保's trail A3 with the "(", both pairs dropped). The
                    # byte before is a lead whose trail went with the dropped pair: the
                    # pair and the annotated character are put back together (see
                    # _restore_after_drops), its trail one that pairs with "(" so.
                    by_lead = by_lead or _gbk_by_lead()
                    syllable = normalize_syllable(m.group("py"))
                    trails = tuple(
                        sorted({t for by in by_lead.values() for t in by.get(syllable, ()) if 0xA1 <= t <= 0xA7})
                    )
                    if trails:
                        after_drop[len(items)] = (syllable, True)
                        items.append(_Slot(trails))
                        origin.append(i)
                        i = m.end()
                        continue
            if ch in "(（":
                byte_m = _BYTE_ANNOTATION.match(line.replace("（", "(").replace("）", ")"), i)
                if byte_m is not None and len(items) >= 2 and all(isinstance(x, int) for x in items[-2:]):
                    pair = bytes(x for x in items[-2:] if isinstance(x, int))
                    needle = _gbk_char(pair)
                    if needle is not None and is_reading(needle, byte_m.group("py")):
                        i = byte_m.end()
                        in_step_from = len(items)  # its "(" was read in step
                        continue
                straddle = items[-2] if len(items) >= 2 else None
                ascii_trail = items[-1] if items and isinstance(items[-1], int) and 0x40 <= items[-1] <= 0x7E else None
                if byte_m is not None and isinstance(straddle, _Slot) and ascii_trail is not None:
                    # "?gāi)p(sǔn)": the annotated character is the straddle's hidden
                    # byte with this ASCII trail (損 is 93 70, its 93 hidden by 該's
                    # "?"): only the hidden values that make it so are kept.
                    fitting = tuple(
                        v
                        for v in straddle.values
                        if is_reading(_gbk_char(bytes((v, ascii_trail))) or "", byte_m.group("py"))
                    )
                    if fitting:
                        items[-2] = dataclasses.replace(straddle, values=fitting)
                        i = byte_m.end()
                        continue
                if (
                    byte_m is not None
                    and (
                        any(isinstance(x, _Slot) for x in items[-4:])
                        # Or further back, with the decoder out of step since (業”bǎo)┖妫@(huò)
                        # is 業”）函告，獲: 獲 is AB 40, its AB dropped with ，'s trail AC).
                        or any(isinstance(x, _Slot) for x in items[in_step_before:-1])
                    )
                    and items
                    and isinstance(items[-1], int)
                    and 0x40 <= items[-1] <= 0x7E
                ):
                    # An annotation after an ASCII byte soon after a straddle: the byte is
                    # the trail of the annotated character, whose lead the out-of-step
                    # decoder dropped with the byte before it.
                    by_lead = by_lead or _gbk_by_lead()
                    syllable = normalize_syllable(byte_m.group("py"))
                    if any(items[-1] in by.get(syllable, ()) for by in by_lead.values()):
                        lead_dropped[len(items) - 1] = syllable
                        i = byte_m.end()
                        continue
            try:
                data = ch.encode("gbk")
            except UnicodeEncodeError:
                return None
            items.extend(data)
            origin.extend([i] * len(data))
            if len(data) == 1:
                in_step_before, in_step_from = in_step_from, len(items)
            i += 1
        return _Stream(items, origin, lead_dropped, after_drop, after_invalid, site, optional_drop)

    def _restore(self, line: str, stream: _Stream) -> str | None:
        slots = [k for k, x in enumerate(stream.items) if isinstance(x, _Slot)]
        if not slots:
            decoded = self._decode(bytes(x for x in stream.items if isinstance(x, int)))
            return decoded
        options = [stream.items[k].values for k in slots]  # type: ignore[union-attr]
        if any(not o for o in options):
            return None
        # Slots far apart are independent: choose them group by group (a group is a
        # run of slots close together or chained), each scored in its own window.
        groups: list[list[int]] = []
        for k in slots:
            slot = stream.items[k]
            assert isinstance(slot, _Slot)
            if groups and (k - groups[-1][-1] <= GROUP_GAP or slot.after is not None):
                groups[-1].append(k)
            else:
                groups.append([k])
        current = bytearray(x if isinstance(x, int) else x.values[0] for x in stream.items)
        alternatives: dict[int, list[tuple[int, float]]] = {}
        # Groups whose window held a "?" still to read back: (group, combos, their priors).
        unread: list[tuple[list[int], list[tuple[int, ...]], list[float]]] = []
        for group in groups:
            members = [slots.index(k) for k in group]
            if any(isinstance(x := stream.items[k], _Slot) and x.in_pair for k in group):
                # Hundreds of byte pairs, few of them consistent: built consistent.
                combos = list(itertools.islice(_consistent_combos(stream, group), MAX_SLOT_COMBINATIONS))
            else:
                combos = [
                    combo
                    for combo in itertools.islice(
                        itertools.product(*(options[m] for m in members)), MAX_SLOT_COMBINATIONS
                    )
                    if self._consistent(stream, group, combo)
                ]
            lo = _char_start_before(bytes(current), max(0, group[0] - WINDOW_BYTES))
            hi = min(len(current), group[-1] + WINDOW_BYTES)
            texts: list[str] = []
            kept: list[tuple[int, ...]] = []
            bonuses: list[float] = []
            for combo in combos:
                trial = bytearray(current)
                for k, value in zip(group, combo, strict=True):
                    trial[k] = value
                if any(trial[k] < 0x80 and _starts_char(bytes(trial), k) for k in group):
                    continue  # a hidden byte is never a character of its own
                kept.append(combo)
                texts.append(self._decode(bytes(trial[lo:hi])))
                bonus = 0.0
                for k, value in zip(group, combo, strict=True):
                    slot = stream.items[k]
                    if isinstance(slot, _Slot) and slot.prior:
                        bonus += slot.prior.get(value, 0.0)
                bonuses.append(bonus)
            if not kept:
                return None
            if any(current[p] == 0x3F and line[stream.origin[p]] == "?" for p in range(lo, hi)):
                # A "?" in the window may stand for two bytes (see _restore_question_marks):
                # read with one, what follows it is decoded a byte off. Chosen again once
                # the "?" is read back (see _rechoose).
                unread.append((group, kept, bonuses))
            plain = [sc + b for sc, b in zip(self._scores(texts, foreign=False, words=True), bonuses, strict=True)]
            scores = [sc - FOREIGN_PENALTY * _foreign(text) for sc, text in zip(plain, texts, strict=True)]
            order = sorted(range(len(kept)), key=lambda i: -scores[i])
            best_combo = kept[order[0]]
            for k, value in zip(group, best_combo, strict=True):
                current[k] = value
            # The runner-up values of each slot, with their priors: a dropped pair
            # after the straddle may change which one reads best (see
            # _restore_dropped). Read without the pair, the right value may make a
            # character the converter never writes (跌停 read as 担): the best values
            # before that penalty are weighed again too.
            unpenalised = sorted(range(len(kept)), key=lambda i: -plain[i])
            for j, k in enumerate(group):
                slot = stream.items[k]
                assert isinstance(slot, _Slot)
                values: dict[int, float] = {}
                # (A slot chosen with others has been weighed in context already: only
                # the values the penalty moved down are tried again.)
                runners_up = SLOT_ALTERNATIVES if len(group) == 1 else 1
                for ranking, wanted in ((order, runners_up), (unpenalised, FOREIGN_ALTERNATIVES)):
                    added = 0
                    for i in ranking:
                        if added == wanted:
                            break
                        # The others stay as chosen (a chained slot's values depend on them).
                        if any(kept[i][m] != best_combo[m] for m in range(len(group)) if m != j):
                            continue
                        value = kept[i][j]
                        if value not in values:
                            values[value] = (slot.prior or {}).get(value, 0.0)
                            added += 1
                # And every owner the text annotates elsewhere: read without the dropped
                # pair after it, it may read worst of all (批準?shì)啡 is 批準耶路撒: 室's
                # D2 hidden, then AE C2 dropped; without them D2 B7 reads as 曳).
                for value, prior in (slot.prior or {}).items():
                    if (
                        prior >= SITE_PRIOR
                        and value not in values
                        and any(
                            kept[i][j] == value
                            and all(kept[i][m] == best_combo[m] for m in range(len(group)) if m != j)
                            for i in order
                        )
                    ):
                        values[value] = prior
                alternatives[k] = list(values.items())
        data, origin, first, settled = self._restore_after_drops(bytes(current), list(stream.origin), stream)
        spaces = stream.site is None or not stream.site.indented
        data, origin, second = self._restore_question_marks(data, origin, line, spaces)
        shift = [second[k] for k in first]
        slots = [k for k in slots if k not in settled and (k not in stream.after_drop or not stream.after_drop[k][1])]
        moved = {shift[k]: v for k, v in alternatives.items()}
        for group, kept, bonuses in unread:
            if not any(k in settled for k in group):
                data = self._rechoose(data, [shift[k] for k in group], kept, bonuses, moved)
        # A trail whose lead went into a "?" rather than a dropped pair has it back now
        # (北?r(shí)間 is 北京時間: 京's trail A9 and 時's lead 95 are no pair, one "?"):
        # no pair has to be put back before it.
        lead_dropped = {shift[k]: v for k, v in stream.lead_dropped.items() if not _completed(data, shift[k], v)}
        data = self._restore_dropped(
            data, _Stream(list(data), origin, lead_dropped, site=stream.site), [shift[k] for k in slots], moved
        )
        return self._decode(data)

    def _rechoose(
        self,
        data: bytes,
        group: list[int],
        combos: list[tuple[int, ...]],
        bonuses: list[float],
        alternatives: dict[int, list[tuple[int, float]]],
    ) -> bytes:
        """Choose a group of hidden bytes again, now that the ``?`` near it is read back.

        The group was chosen on a window decoded with the ``?`` as one byte; where it
        stood for two (a trail and the next lead, ``個月`` out of step after a ``保``
        straddle: ``82 ? C2``), all the window after it read a byte off, and the hidden
        byte was chosen on garbage (成年壬 for 成年人, the site's own 人 outweighed).
        ``group`` is the slots' positions in ``data`` now; ``combos`` and ``bonuses``
        the values tried and their priors, as first weighed. A value chosen here is
        tried first among the slot's ``alternatives`` when dropped pairs are searched.
        """
        if any(k >= len(data) for k in group):
            return data
        lo = _char_start_before(data, max(0, group[0] - WINDOW_BYTES))
        hi = min(len(data), group[-1] + WINDOW_BYTES)
        texts: list[str] = []
        priors: list[float] = []
        tried: list[tuple[int, ...]] = []
        for combo, bonus in zip(combos, bonuses, strict=True):
            trial = bytearray(data)
            for k, value in zip(group, combo, strict=True):
                trial[k] = value
            if any(trial[k] < 0x80 and _starts_char(bytes(trial), k) for k in group):
                continue
            tried.append(combo)
            texts.append(self._decode(bytes(trial[lo:hi])))
            priors.append(bonus)
        if len(tried) < 2:
            return data
        scores = [
            sc + prior - FOREIGN_PENALTY * _foreign(text)
            for sc, prior, text in zip(self._scores(texts, foreign=False, words=True), priors, texts, strict=True)
        ]
        best = tried[max(range(len(tried)), key=lambda i: scores[i])]
        out = bytearray(data)
        for k, value in zip(group, best, strict=True):
            out[k] = value
            choices = alternatives.get(k)
            if choices is not None and choices and choices[0][0] != value:
                prior = next((pr for v, pr in choices if v == value), None)
                if prior is None:
                    prior = bonuses[combos.index(best)] if len(group) == 1 else 0.0
                alternatives[k] = [(value, prior), *((v, pr) for v, pr in choices if v != value)]
        return bytes(out)

    @staticmethod
    def _consistent(stream: _Stream, group: list[int], combo: tuple[int, ...]) -> bool:
        """Chained slots must agree: the second byte must go with the first."""
        chosen = dict(zip(group, combo, strict=True))
        for k in group:
            slot = stream.items[k]
            if (
                isinstance(slot, _Slot)
                and slot.after is not None
                and slot.allowed is not None
                and slot.after in chosen
                and chosen[k] not in slot.allowed.get(chosen[slot.after], ())
            ):
                return False
        return True

    def _scores(
        self,
        texts: Sequence[str],
        foreign: bool = True,
        short: Sequence[int] = (),
        words: bool = False,
        document: bool = False,
    ) -> list[float]:
        """LM scores, with a heavy price for every byte pair that is no GBK character.

        A hanzi the converter never writes (see :func:`_converter_alphabet`) costs
        :data:`FOREIGN_PENALTY`: the LM reads the text after t2s and cannot tell 协 from 協.
        ``short[i]`` is how many bytes text ``i`` lacks of the stretch the others cover
        (it ends with the line): each two are charged as one character of
        :data:`CHAR_NATS`, so that a candidate with a pair put back is not the dearer
        for its extra character alone. With ``words``, the best candidates are weighed
        with jieba's dictionary too (see :data:`WORD_WEIGHT`): where the candidates
        are the same text with other hidden bytes, and where one dropped pair put back
        is weighed against none (:meth:`_best_drop`: 是半袋面粉 for 是半存粉, with no loss
        on the tuning share). Elsewhere, where candidates differ in how many characters
        they hold, rare words that garbled text makes by chance (截肢 for 基地) won too
        often. With ``document``, the best candidates are weighed with the document's own
        text as well (see :data:`CACHE_WEIGHT`): where dropped pairs are put back. (Where
        a ``?`` is read back, the marks at line ends it decides flip on a document's habits:
        ，/！ in one document of the tuning share.)
        """
        # One OpenCC call for the whole batch, line breaks and all (see to_simplified_many).
        simple = self.simplifier.convert_many(texts)
        scores = self.lm.score_many(simple)
        out = []
        foreign_counts = _foreign_many(texts) if foreign else [0] * len(texts)
        for i, (score, text) in enumerate(zip(scores, texts, strict=True)):
            score -= CHAR_NATS * (short[i] if i < len(short) else 0) / 2
            out.append(
                score
                - INVALID_PENALTY * text.count("\ufffd")
                - (FOREIGN_PENALTY * foreign_counts[i] if foreign else 0.0)
            )
        cache: DocumentCache | None = getattr(self._local, "cache", None) if document else None
        if cache is not None and len(texts) > 1:
            # The near best (and the text as it is) with the document's own n-grams mixed in.
            top = max(out)
            near = sorted((i for i, sc in enumerate(out) if sc >= top - WORD_WINDOW), key=lambda i: -out[i])
            chosen = sorted({0, *near[:WORD_SHORTLIST]})
            mixed = self.lm.score_many([simple[i] for i in chosen], cache=cache)
            for i, value in zip(chosen, mixed, strict=True):
                out[i] += value - scores[i]
        if words and WORD_WEIGHT and len(texts) > 1:
            # The text as it is (the first, where callers compare with it) is weighed
            # too, so that a margin over it is measured the same way.
            top = max(out)
            near = sorted((i for i, sc in enumerate(out) if sc >= top - WORD_WINDOW), key=lambda i: -out[i])
            model = self.words
            for i in {0, *near[:WORD_SHORTLIST]}:
                out[i] += WORD_WEIGHT * model.score(simple[i])
        return out

    def _restore_after_drops(
        self, data: bytes, origin: list[int], stream: _Stream
    ) -> tuple[bytes, list[int], list[int], set[int]]:
        """Put back the dropped pair before a ``?py)`` slot where the annotated character's lead went with it.

        The slot's byte becomes three: the trail of the character before (``c``), the
        annotated character's lead (``L``, the pair ``c L`` being one the converter
        drops) and its trail (``t``, with ``L t`` read as the annotation says). When
        the slot was chained to a straddle just before it, that straddle's hidden byte
        is chosen again with them (it is the lead of the character ``c`` ends).
        Also returns where each old byte position is now, and the slots settled
        here (a pair put back, with the chained straddle before it): no other
        dropped pair is searched after them.
        """
        after_drop = stream.after_drop
        settled: set[int] = set()
        where = list(range(len(data)))
        by_lead = _gbk_by_lead() if after_drop else {}
        for pos in sorted(after_drop, reverse=True):
            syllable, certain = after_drop[pos]
            if pos < 1 or pos >= len(data):
                continue
            slot = stream.items[pos]
            chained = isinstance(slot, _Slot) and slot.after == pos - 1
            before = stream.items[pos - 1]
            previous = before.values if chained and isinstance(before, _Slot) else (data[pos - 1],)
            candidates: list[bytes] = []
            priors: list[float] = []
            first = before.prior or {} if chained and isinstance(before, _Slot) else {}
            site = stream.site
            for prev in previous:
                head = data[: pos - 1] + bytes((prev,))
                for lead, by in by_lead.items():
                    trails = by.get(syllable)
                    if trails and (certain or pos in stream.optional_drop) and isinstance(slot, _Slot):
                        # A certain drop's slot holds every trail the reading allows (fewer
                        # where the "(" went with the trail).
                        trails = tuple(t for t in trails if t in slot.values)
                    if not trails:
                        continue
                    for c in _invalid_trails(lead) if pos in stream.after_invalid else _drop_trails(lead):
                        if _gbk_char(bytes((prev, c))) is None:
                            continue
                        for t in trails:
                            candidates.append(head + bytes((c, lead, t)) + data[pos + 1 :])
                            owner = site.prior(_gbk_char(bytes((lead, t))) or "", syllable) if site else 0.0
                            priors.append(first.get(prev, 0.0) + owner)
            if not candidates:
                continue
            start = _char_start_before(data, max(0, pos - 12))
            end = min(len(data), pos + 14)
            texts = [self._window_text(c, start, end + 2 + PAIR_READ_EXTRA) for c in candidates]
            base_prior = first.get(data[pos - 1], 0.0)
            if site is not None and isinstance(slot, _Slot):
                base_prior += site.prior(_gbk_char(data[pos - 1 : pos + 1]) or "", syllable)
            lacking = max(0, end + 2 - len(data))
            scores = self._scores(
                [self._window_text(data, start, end + 2), *texts],
                short=[lacking, *[max(0, lacking - 2 + PAIR_READ_EXTRA)] * len(texts)],
                document=True,
            )
            scores = [scores[0] + base_prior, *(sc + pr for sc, pr in zip(scores[1:], priors, strict=True))]
            if pos not in stream.after_invalid:
                # The decoder may have dropped a whole character with the pair, as
                # elsewhere out of step (行太原人民 read as 行?xíng)?rén)民: 太's trail
                # with 原's lead, then 原's trail with 人's lead): the best few are tried
                # with one inside (see _widen_drop), on the same stretch of bytes.
                wide: list[bytes] = []
                wide_priors: list[float] = []
                for i in sorted(range(len(candidates)), key=lambda i: -scores[i + 1])[:WIDEN_SHORTLIST]:
                    narrow = candidates[i]
                    for pair in _widening_chars(narrow[pos], narrow[pos + 1]):
                        wide.append(narrow[: pos + 1] + pair + narrow[pos + 1 :])
                        wide_priors.append(priors[i] - WIDEN_MARGIN)
                if wide:
                    # Over the same bytes of the text after them as the others (see _widen_drop).
                    found = self._scores(
                        [self._window_text(w, start, end + 4 + PAIR_READ_EXTRA) for w in wide], document=True
                    )
                    scores.extend(sc + pr for sc, pr in zip(found, wide_priors, strict=True))
                    candidates.extend(wide)
            best = max(range(len(candidates)), key=lambda i: scores[i + 1])
            margin = CHAINED_DROP_MARGIN if chained else AFTER_DROP_MARGIN
            if certain or scores[best + 1] - scores[0] >= margin:
                extra = len(candidates[best]) - len(data)
                data = candidates[best]
                origin = origin[:pos] + [origin[pos]] * extra + origin[pos:]
                where = [w + extra if w > pos else w for w in where]
                settled.update((pos, pos - 1) if chained else (pos,))
        return data, origin, where, settled

    def _restore_question_marks(
        self, data: bytes, origin: list[int], line: str, spaces: bool = True
    ) -> tuple[bytes, list[int], list[int]]:
        r"""Give back the ASCII character a ``?`` swallowed where the converter's decoder was out of step.

        Out of step, the decoder pairs a character's last byte with the ASCII byte
        after it (``。\n`` = ``A1 A3 0A`` read from ``A3``): the pair is invalid, so both
        become one ``?``. Decoded in step, such a ``?`` follows a lead byte with no
        trail; it stands for a trail byte and one of the usual ASCII characters.
        Also returns where each old byte position is now.
        """
        where = list(range(len(data)))
        pos = 0
        while pos < len(data):
            width = 2 if data[pos] >= 0x81 else 1
            if width == 2 and pos + 1 < len(data) and data[pos + 1] == 0x3F and line[origin[pos + 1]] == "?":
                lead = data[pos]
                candidates: list[bytes] = []
                nxt = data[pos + 2] if pos + 2 < len(data) else None
                # At the end of a line the "?" may be a trail byte the decoder found no
                # partner for (the converter's input ended there); the line break after
                # it is still there, so it is no swallowed one.
                line_end = nxt is None or nxt == 0x0A
                swallowed = [bytes((x,)) for x in _SWALLOWED if not (line_end and x == 0x0A)]
                if line_end:
                    swallowed.append(b"")
                if nxt == 0x20 and spaces:
                    # Before a space, the swallowed byte may be one of a run of spaces
                    # (股票    來源: 票's trail B1 with the first space, read as "?").
                    # Only there: the model reads no space, and elsewhere one would pass
                    # for a swallowed mark the text needs. Nor where the text indents its
                    # lines with spaces (``spaces`` false): there the run is likelier an
                    # indent after a swallowed line break, which the model cannot tell.
                    swallowed.append(b" ")
                for trail in [*range(0x40, 0x7F), *range(0x80, 0xFF)]:
                    if _gbk_char(bytes((lead, trail))) is None:
                        continue
                    candidates.extend(bytes((lead, trail)) + x for x in swallowed)
                # Or the "?" is a trail byte the decoder took for a lead with the next
                # character's lead, the two no GBK character (0x80 or 0xFF with any
                # lead; A7 C9 of 效申 out of step).
                if nxt is not None:
                    for y in range(0x81, 0xFF):
                        if _gbk_char(bytes((y, nxt))) is None:
                            continue
                        for trail in (*_invalid_trails(y), 0xFF):
                            if _gbk_char(bytes((lead, trail))) is not None:
                                candidates.append(bytes((lead, trail, y)))
                # ... or with the lead of a mark of the first symbol row (。 is A1 A3),
                # whose trail then went with a swallowed ASCII byte into a dropped pair
                # (”）。\n out of step: A9 A1 is the "?", A3 0A dropped, the lines joined).
                for trail in (*_invalid_trails(0xA1), 0xFF):
                    if _gbk_char(bytes((lead, trail))) is not None:
                        candidates.extend(
                            bytes((lead, trail, 0xA1, mark)) + x
                            for mark in range(0xA1, 0xA8)
                            if _gbk_char(bytes((0xA1, mark))) is not None
                            for x in swallowed
                            if x
                        )
                if candidates:
                    lo = max(0, pos - 12)
                    hi = min(len(data), pos + 14)
                    start = _char_start_before(data, lo)
                    # Each candidate is read over the same bytes of what follows it.
                    head, tail, span = data[start:pos], data[pos + 2 : hi + 1], hi - 2 - start
                    texts = [self._window_text(head + c + tail, 0, span + len(c)) for c in candidates]
                    base = self._window_text(data, start, hi)
                    scores = self._scores([base, *texts])
                    # A swallowed parenthesis is weighed by the line's others, further
                    # away than the model sees (建研院(11.150,-0.18)公告 read 院011.150).
                    opened, closes = _paren_context(data, pos)
                    for i, c in enumerate(candidates):
                        scores[i + 1] += _paren_prior(c, opened, closes)
                    best = max(range(len(candidates)), key=lambda i: scores[i + 1])
                    # Out of step, the "?" may hold a whole character between the trail
                    # and the swallowed byte (有限公司( is B9 AB CB BE 28: AB CB dropped, BE
                    # with the "(" read as "?"): the best few are tried with one inside,
                    # over the same bytes of what follows (as in _widen_drop).
                    narrow = sorted(
                        (i for i, c in enumerate(candidates) if len(c) == 3 and c[2] < 0x80),
                        key=lambda i: -scores[i + 1],
                    )[:WIDEN_SHORTLIST]
                    wide = [
                        candidates[i][:2] + char + candidates[i][2:]
                        for i in narrow
                        for char in _question_widening(candidates[i][1])
                    ]
                    if wide:
                        found = self._scores([self._window_text(head + c + tail, 0, span + len(c)) for c in wide])
                        k = max(range(len(wide)), key=lambda k: found[k] + _paren_prior(wide[k], opened, closes))
                        score = found[k] + _paren_prior(wide[k], opened, closes) - QUESTION_WIDEN_MARGIN
                        if score > scores[best + 1]:
                            candidates.append(wide[k])
                            scores.append(score)
                            best = len(candidates) - 1
                    if scores[best + 1] > scores[0]:
                        chosen = candidates[best]
                        extra = len(chosen) - 2  # bytes the "?" stood for besides its own
                        data = data[:pos] + chosen + data[pos + 2 :]
                        origin = origin[: pos + 1] + [origin[pos + 1]] * (1 + extra) + origin[pos + 2 :]
                        where = [w + extra if w > pos + 1 else w for w in where]
                        pos += len(chosen)
                        continue
            pos += width
        return data, origin, where

    def _restore_dropped(
        self,
        data: bytes,
        stream: _Stream,
        slots: Sequence[int],
        alternatives: dict[int, list[tuple[int, float]]] | None = None,
    ) -> bytes:
        """Put back a user-defined pair the converter dropped where its decoder was out of step.

        The byte a straddle hid and the dropped pair after it are chosen together:
        with the pair missing, the text after the straddle reads one byte off, and
        the best-reading hidden byte is often the wrong one (支付?dù)哭D(zhuǎn) is
        支付全部轉: 度's trail C8 and the dropped AB B2 decide each other).
        """
        for slot in reversed(slots):
            stretch = self._out_of_step(data, stream, slot)
            if not stretch:
                continue
            choices = (alternatives or {}).get(slot) or [(data[slot], 0.0)]
            site_chars = stream.site.chars if stream.site else frozenset()
            best: tuple[float, bytes] | None = None
            # Away from the slot, the likeliest pairs hardly depend on the hidden byte:
            # the runner-up values are tried there with the best pairs of the first
            # value only (fast), and with every pair next to the slot.
            shortlist: set[tuple[int, int, int]] | None = None
            put_back: tuple[int, int, int] | None = None
            for value, prior in choices:
                trial = data[:slot] + bytes((value,)) + data[slot + 1 :]
                fixed, score, ranked = self._best_drop(
                    trial, stretch, stream.lead_dropped, shortlist, slot + NEAR_SLOT, site_chars, slot
                )
                if shortlist is None:
                    shortlist = set(ranked[:DROP_SHORTLIST])
                if best is None or score + prior > best[0]:
                    best = (score + prior, fixed)
                    put_back = ranked[0] if fixed is not trial else None
            if best is not None:
                before = data
                data = best[1]
                if put_back is not None:
                    data = self._widen_drop(data, put_back, site_chars)
                data = self._further_drops(before, data, stretch, site_chars, slot)
        return data

    def _further_drops(
        self, before: bytes, data: bytes, stretch: list[int], site_chars: frozenset[str], split: int
    ) -> bytes:
        """Put back the dropped pairs a long out-of-step stretch still lacks once one or two are back.

        :meth:`_best_drop` puts back at most two pairs in a stretch, but out of step
        every observed boundary is a user-defined pair with about one chance in
        twelve, and a stretch of dozens of characters (only an ASCII byte ends one) lost
        more: ``”）近日收到中核工程有限公司的《中標通知書》，通知確定`` read after a 保 straddle
        lost five (``FC C8`` of 近日, ``AB CB`` of 公司, ``F8 A1`` of 書》, ``AC CD`` of ，通,
        ``AA B4`` of 知確), and 秸 and （謃 stayed. A pair changes only the two characters it
        completes, so the rest of the stretch is searched again with the pairs already put
        back in place (``stretch`` holds the places in ``before``, which ``data`` is with
        the first round's pairs), for as long as one more reads clearly better
        (:data:`DROP_MARGIN`, as the first).
        """
        for _ in range(MAX_DROP_ROUNDS):
            if len(data) == len(before):
                break  # nothing was put back: no further pair read better either
            inserted = _insertions(before, data)
            remaining = [
                p + sum(length for at, length in inserted if at < p)
                for p in stretch
                if all(at != p for at, _ in inserted)
            ]
            if not remaining:
                break
            fixed, _, _ = self._best_drop(data, remaining, None, None, -1, site_chars, split)
            before, data, stretch = data, fixed, remaining
        return data

    def _widen_drop(self, data: bytes, key: tuple[int, int, int], site_chars: frozenset[str] = frozenset()) -> bytes:
        """Put back a whole character inside a restored dropped pair, where the converter dropped two pairs in a row.

        Out of step, the decoder drops ``t X1`` and ``X2 L`` when both are
        user-defined pairs: a character ``X1 X2`` whose lead follows a dropped trail
        and whose trail is itself one (先生全資 is ``C9 FA C8 AB D9 59``: ``FA C8`` and
        ``AB D9`` both dropped). ``key`` is the pair already put back, ``(position, t, L)``.
        A character annotated elsewhere (``site_chars``) costs :data:`SITE_PRIOR`: its
        bytes stood together, so the converter would have annotated it here too.
        """
        pos, t, lead = key
        pairs = _widening_chars(t, lead)
        candidates = [data[: pos + 1] + pair + data[pos + 1 :] for pair in pairs]
        if not candidates:
            return data
        start = _char_start_before(data, max(0, pos - 12))
        end = min(len(data), pos + 14)
        # Each candidate is read over the same bytes of the text after it as ``data``
        # (two more bytes of window): cut after as many bytes, it would be spared the
        # cost of the window's last character, and an inserted 但 or ， would win on that
        # alone (，但“博” for ，“博”).
        texts = [self._window_text(c, start, end + 4) for c in candidates]
        # With the dictionary, as where one pair is weighed against none (see _best_drop):
        # the model alone rates ，是今天 above ，但是今天 and ，明的 above ，精明的.
        scores = self._scores([self._window_text(data, start, end + 2), *texts], words=True, document=True)
        for i, pair in enumerate(pairs, start=1):
            scores[i] -= SITE_PRIOR * (_gbk_char(pair) in site_chars)
        best = max(range(len(candidates)), key=lambda i: scores[i + 1])
        return candidates[best] if scores[best + 1] > scores[0] else data

    @staticmethod
    def _out_of_step(data: bytes, stream: _Stream, slot: int) -> list[int]:
        """Byte offsets after ``slot`` where the converter's decoder started a pair out of step.

        After the slot, the observed characters were decoded one byte off until an
        ASCII byte or the line's end put the decoder back in step; a dropped pair may
        sit at any observed character boundary in between.
        """
        # Character starts of the text as decoded in step from the line start.
        starts = set()
        pos = 0
        while pos < len(data):
            starts.add(pos)
            pos += 2 if data[pos] >= 0x81 else 1
        starts.add(len(data))
        # Observed character boundaries after the slot, in stream offsets.
        out: list[int] = []
        k = slot + 1
        while k < len(stream.origin):
            if stream.origin[k] != stream.origin[k - 1]:
                if k in starts:
                    break  # back in step
                out.append(k)
            k += 1
        else:
            if len(stream.origin) not in starts:
                out.append(len(stream.origin))
        return out

    def _best_drop(
        self,
        data: bytes,
        positions: list[int],
        lead_dropped: dict[int, str] | None = None,
        only: set[tuple[int, int, int]] | None = None,
        all_until: int = -1,
        site_chars: frozenset[str] = frozenset(),
        split: int = -1,
    ) -> tuple[bytes, float, list[tuple[int, int, int]]]:
        """``data`` with the likeliest dropped pair put back (or none), its score, and the pairs tried, best first.

        Every candidate is scored on the same stretch of bytes, so that the scores of
        different hidden bytes (see :meth:`_restore_dropped`) compare too. Where an
        annotation showed that a character's lead went with a dropped pair
        (``lead_dropped``), only pairs ending in such a lead are tried there, and one
        must be put back. ``only`` limits the pairs tried (``(position, trail, lead)``)
        at positions after ``all_until``. A pair that completes a character annotated
        elsewhere (``site_chars``) costs :data:`SITE_PRIOR`, unless the character starts
        at ``split`` (see :func:`_site_cost`).
        """
        required = {p: syllable for p, syllable in (lead_dropped or {}).items() if p in positions}
        window_start = 0
        pos = 0
        while pos < positions[0] - 12:
            window_start = pos
            pos += 2 if data[pos] >= 0x81 else 1
        window_end = min(len(data), positions[-1] + 12)
        read_to = window_end + 2 + PAIR_READ_EXTRA
        # (position, trail, lead, the characters the pair completes) of every candidate.
        found: list[tuple[int, int, int, str, str | None]] = []
        for pos in positions:
            if pos < 1:
                continue  # the pair must complete a character before it
            syllable = required.get(pos)
            for t, lead, before, after in _pair_options(data[pos - 1], data[pos] if pos < len(data) else None):
                if only is not None and pos > all_until and (pos, t, lead) not in only:
                    continue
                if syllable is not None and not is_reading(after or "", syllable):
                    continue
                found.append((pos, t, lead, before, after))
        site_costs = [  # see _site_cost
            SITE_PRIOR * ((pos - 1 != split and before in site_chars) + (after in site_chars))
            for pos, _, _, before, after in found
        ]
        if not required and len(found) > DROP_PRUNE_FROM:
            # Only the likeliest are read in full (see _likely_drops): a required pair's
            # neighbours are all read again (see _drop_beside), so all are kept there.
            kept = self._likely_drops(data, window_start, read_to, found, site_costs)
            found = [found[i] for i in kept]
            site_costs = [site_costs[i] for i in kept]
        keys = [(pos, t, lead) for pos, t, lead, _, _ in found]
        texts = [
            self._window_text(
                data[window_start:pos] + bytes((t, lead)) + data[pos : read_to + 1], 0, read_to - window_start
            )
            for pos, t, lead in keys
        ]
        # Without a pair the stretch is two bytes shorter: it is scored with the two
        # bytes that follow it instead, so that every candidate covers the same text.
        base_text = self._window_text(data, window_start, window_end + 2)
        lacking = max(0, window_end + 2 - len(data))
        scores = self._scores(
            [base_text, *texts],
            short=[lacking, *[max(0, lacking - 2 + PAIR_READ_EXTRA)] * len(texts)],
            # With the dictionary: the model alone rates 是半存粉和 about as high as
            # 是半袋面粉和, one character longer; jieba knows 面粉.
            words=True,
            document=True,
        )
        if not keys:
            return data, scores[0], []
        scores[1:] = [sc - cost for sc, cost in zip(scores[1:], site_costs, strict=True)]
        order = sorted(range(len(keys)), key=lambda i: -scores[i + 1])
        ranked = [keys[i] for i in order]
        best = order[0]
        if not required:
            two = self._best_two_drops(data, keys, scores[1:], order, window_start, window_end, site_chars, split)
            if two is not None:
                fixed, gain = two
                return fixed, scores[0] + gain - 2 * DROP_MARGIN, ranked
        if required or scores[best + 1] - scores[0] >= DROP_MARGIN:
            pos, t, lead = keys[best]
            fixed = data[:pos] + bytes((t, lead)) + data[pos:]
            if pos in required:
                second = self._drop_beside(fixed, keys, pos, set(required), window_start, window_end, site_chars, split)
                if second is not None:
                    return second[0], scores[best + 1] + second[1] - 2 * DROP_MARGIN, ranked
            return fixed, scores[best + 1] - DROP_MARGIN, ranked
        return data, scores[0], ranked

    def _estimate_symbols(self) -> dict[str, int]:
        """For every GBK character and ASCII byte: the model's symbol of its Simplified form alone, or -1.

        -1 where :meth:`_scores` may read another: a character with several Simplified
        forms (the model decides those in context), or one that becomes no one symbol.
        Built on first use, in one OpenCC call (no phrase holds a line break, which
        stands for itself).
        """
        if self._symbols is None:
            chars = [*_gbk_pairs()[1], *(chr(code) for code in range(0x80) if code != 0x0A)]
            simple = str(_converter("t2s").convert("\n".join(chars))).split("\n")
            table: dict[str, int] = {"\n": self.lm.ids("\n")[0]}
            for char, form in zip(chars, simple, strict=True):
                ids = self.lm.ids(form)
                usable = char not in self.simplifier.ambiguity and len(form) == 1 and len(ids) == 1
                table[char] = ids[0] if usable else -1
            self._symbols = table
        return self._symbols

    def _likely_drops(
        self,
        data: bytes,
        window_start: int,
        read_to: int,
        found: list[tuple[int, int, int, str, str | None]],
        site_costs: list[float],
    ) -> list[int]:
        """Which candidate pairs of :meth:`_best_drop` are worth reading in full, in order.

        Of the thousands tried, :meth:`_best_drop` uses only the best few: the best
        :data:`DROP_SHORTLIST` (and the dozens near the best that the dictionary and
        the document's cache weigh again), the best :data:`DOUBLE_SHORTLIST` of each
        place. Those are found by an estimate of each candidate's score (see
        :meth:`_drop_estimates`), with room to spare in rank and in nats; a candidate
        without an estimate is always kept.
        """
        plain = self._drop_estimates(data, window_start, read_to, found)
        charged = plain - np.asarray(site_costs)
        keep = np.isnan(plain) | _best_of(plain, DROP_PRUNE_KEEP) | _best_of(charged, DROP_PRUNE_KEEP)
        places = np.fromiter((pos for pos, *_ in found), dtype=np.int64, count=len(found))
        for place in np.unique(places):
            at = np.flatnonzero(places == place)
            keep[at] |= _best_of(charged[at], DROP_PRUNE_PER_PLACE)
        return np.flatnonzero(keep).tolist()

    def _drop_estimates(
        self, data: bytes, window_start: int, read_to: int, found: list[tuple[int, int, int, str, str | None]]
    ) -> npt.NDArray[np.float64]:
        """The score :meth:`_scores` gives each candidate of :meth:`_best_drop` (no dictionary, no cache), estimated.

        A candidate's text is the text before its place, the two characters its pair
        completes (or the character before and a swallowed ASCII byte) and the text
        after: the same before and after for every candidate of one place, decoded and
        converted to Simplified once. The two characters are converted one by one, and
        all candidates are read by the model in one call, each between the text before
        and a few characters after it; the rest of the text is read once a place. The
        estimate misses what OpenCC's phrases make of the two characters with their
        neighbours. NaN for a character with several Simplified forms (the model
        decides those in context), and where the decoder reads the text before the
        place out of step with the candidates.
        """
        out = np.full(len(found), np.nan)
        groups: dict[tuple[int, bool], list[int]] = defaultdict(list)
        for i, (pos, _, lead, _, _) in enumerate(found):
            groups[pos, lead >= 0x80].append(i)
        need = self.lm.order - 1
        # Per place: the candidates', each a row of its history's symbols, its two
        # characters' and those of the few characters after them; and the score of the rest.
        grids: list[tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], float]] = []
        symbol = self._estimate_symbols().get
        for (pos, wide), members in groups.items():
            _, t, lead, before, after = found[members[0]]
            full = self._window_text(
                data[window_start:pos] + bytes((t, lead)) + data[pos : read_to + 1], 0, read_to - window_start
            )
            head = data[window_start : pos - 1].decode("gbk", errors="replace")
            if not full.startswith(head + before + (after or "" if wide else chr(lead))):
                continue
            tail = full[len(head) + 2 :]
            simple_head, simple_tail = self.simplifier.convert_many([head, tail])
            right, rest = simple_tail[:ESTIMATE_CONTEXT], simple_tail[ESTIMATE_CONTEXT:]
            if rest and len(self.lm.ids(right)) < need:
                right, rest = simple_tail, ""
            constant = (self.lm.score(simple_head) if simple_head else 0.0) - (
                INVALID_PENALTY * (head.count("\ufffd") + tail.count("\ufffd"))
                + FOREIGN_PENALTY * _foreign(head + tail)
            )
            if rest:
                constant += self.lm.score(rest, left=right)
            firsts = np.fromiter((symbol(found[i][3], -1) for i in members), dtype=np.int64, count=len(members))
            if wide:
                seconds = (symbol(found[i][4] or "", -1) for i in members)
            else:
                seconds = (symbol(chr(found[i][2]), -1) for i in members)
            middle = np.stack((firsts, np.fromiter(seconds, dtype=np.int64, count=len(members))), axis=1)
            usable = (middle >= 0).all(axis=1)
            if not usable.any():
                continue
            # (The text before holds no line break: it is part of one line.)
            history = self.lm.ids(simple_head)[-need:] if need else []
            right_ids = self.lm.ids(right)
            grid = np.empty((int(usable.sum()), need + 2 + len(right_ids)), dtype=np.int64)
            grid[:, :need] = [NO_SYMBOL] * (need - len(history)) + history
            grid[:, need : need + 2] = middle[usable]
            grid[:, need + 2 :] = right_ids
            grids.append((np.asarray(members, dtype=np.int64)[usable], grid, constant))
        if not grids:
            return out
        # One look-up for every candidate of every place.
        targets: list[npt.NDArray[np.int64]] = []
        start = 0
        for _, grid, _ in grids:
            n, width = grid.shape
            targets.append((start + np.arange(n)[:, None] * width + np.arange(need, width)[None, :]).ravel())
            start += n * width
        logprobs = self.lm.logprobs(np.concatenate([g.ravel() for _, g, _ in grids]), np.concatenate(targets))
        start = 0
        for owners, grid, constant in grids:
            n, width = grid.shape
            out[owners] = logprobs[start : start + n * (width - need)].reshape(n, width - need).sum(axis=1) + constant
            start += n * (width - need)
        return out

    def _drop_beside(
        self,
        fixed: bytes,
        keys: list[tuple[int, int, int]],
        at: int,
        required: set[int],
        window_start: int,
        window_end: int,
        site_chars: frozenset[str],
        split: int = -1,
    ) -> tuple[bytes, float] | None:
        """A second dropped pair elsewhere in the stretch, with the pair required at ``at`` in place (``fixed``).

        Shortlisted alone, the pairs of other places are read with the required one still
        missing, the text after them garbled (業”bǎo)┖妫@(huò) is 業”）函告，獲: 獲's lead
        went with ，'s trail, and 告's lead with 函's trail): they are all read again here.
        Returns the text with both and its gain over ``fixed``, when that is :data:`DROP_MARGIN`.
        """
        others = [(p + 2 if p > at else p, t, lead) for p, t, lead in keys if p not in required]
        if not others:
            return None
        lacking = max(0, window_end + 4 - len(fixed) + 2)
        texts = [self._window_text(fixed, window_start, window_end + 4 + PAIR_READ_EXTRA)]
        texts.extend(
            self._window_text(
                fixed[:p] + bytes((t, lead)) + fixed[p:], window_start, window_end + 4 + 2 * PAIR_READ_EXTRA
            )
            for p, t, lead in others
        )
        found = self._scores(
            texts,
            short=[max(0, lacking - 2 + PAIR_READ_EXTRA), *[max(0, lacking - 4 + 2 * PAIR_READ_EXTRA)] * len(others)],
            document=True,
        )
        for n, (p, _, _) in enumerate(others, start=1):
            found[n] -= _site_cost(fixed[:p] + bytes(others[n - 1][1:]) + fixed[p:], (p,), site_chars, split)
        n = max(range(1, len(found)), key=lambda n: found[n])
        if found[n] - found[0] < DROP_MARGIN:
            return None
        p, t, lead = others[n - 1]
        return fixed[:p] + bytes((t, lead)) + fixed[p:], found[n] - found[0]

    def _best_two_drops(
        self,
        data: bytes,
        keys: list[tuple[int, int, int]],
        scores: list[float],
        order: list[int],
        window_start: int,
        window_end: int,
        site_chars: frozenset[str] = frozenset(),
        split: int = -1,
    ) -> tuple[bytes, float] | None:
        """Two dropped pairs at different places of one out-of-step stretch, if they read clearly better.

        Out of step, every boundary between two observed characters is a user-defined
        pair with about one chance in twelve, so a long stretch often lost two
        (降低二者之前 is ``B5 CD B6 FE D5 DF D6 AE C7 B0``: ``FE D5`` and ``AE C7`` both
        dropped). A pair changes only the two characters it completes, so the pairs
        that read best alone at each place (:data:`DOUBLE_SHORTLIST`) are combined.
        Returns the text with both put back and its gain over ``data`` (on the same
        stretch of bytes), when the gain beats both the text without any pair and the
        best single pair by :data:`DROP_MARGIN` a pair.
        """
        by_position: dict[int, list[int]] = defaultdict(list)
        for i in order:
            pos = keys[i][0]
            if len(by_position[pos]) < DOUBLE_SHORTLIST:
                by_position[pos].append(i)
        if len(by_position) < 2:
            return None
        singles = order[:DOUBLE_SHORTLIST]
        texts = [self._window_text(data, window_start, window_end + 4)]
        for i in singles:
            pos, t, lead = keys[i]
            texts.append(
                self._window_text(
                    data[:pos] + bytes((t, lead)) + data[pos:], window_start, window_end + 4 + PAIR_READ_EXTRA
                )
            )
        doubles: list[tuple[int, int, int, int, int, int]] = []
        places = sorted(by_position)
        for a, first in enumerate(places):
            for second in places[a + 1 :]:
                for i, j in itertools.product(by_position[first], by_position[second]):
                    doubles.append((first, *keys[i][1:], second, *keys[j][1:]))
                    texts.append(
                        self._window_text(
                            _two_pairs(data, *doubles[-1]), window_start, window_end + 4 + 2 * PAIR_READ_EXTRA
                        )
                    )
        if not doubles:
            return None
        lacking = max(0, window_end + 4 - len(data))
        found = self._scores(
            texts,
            short=[
                lacking,
                *[max(0, lacking - 2 + PAIR_READ_EXTRA)] * len(singles),
                *[max(0, lacking - 4 + 2 * PAIR_READ_EXTRA)] * len(doubles),
            ],
            document=True,
        )
        for n, key in enumerate(doubles):
            found[1 + len(singles) + n] -= _site_cost(_two_pairs(data, *key), (key[0], key[3] + 2), site_chars, split)
        base, best_single = found[0], max(found[1 : 1 + len(singles)])
        k = max(range(len(doubles)), key=lambda n: found[1 + len(singles) + n])
        best, score = doubles[k], found[1 + len(singles) + k]
        # Each pair was shortlisted with the other place still garbled: choose each
        # again with the other one in place (，根據 where 根 read worse than 所 before 據 was back),
        # one byte at a time (the other byte kept), where the two already read clearly
        # better than none.
        runners_up: list[list[tuple[int, int]]] = []
        for side in (0, 1) if score - base >= DROP_MARGIN else ():
            now = best[1:3] if side == 0 else best[4:6]
            # One byte of this side's pair kept, the other tried anew (the other side as chosen).
            trials = [
                (*best[:1], t, lead, *best[3:]) if side == 0 else (*best[:4], t, lead)
                for t, lead in _dropped_pairs()
                if t == now[0] or lead == now[1]
            ]
            options = [key for key in trials if _pairs_fit(data, key)]
            if len(options) > 1:
                again = self._scores(
                    [
                        self._window_text(_two_pairs(data, *o), window_start, window_end + 4 + 2 * PAIR_READ_EXTRA)
                        for o in options
                    ],
                    document=True,
                )
                for n, key in enumerate(options):
                    again[n] -= _site_cost(_two_pairs(data, *key), (key[0], key[3] + 2), site_chars, split)
                ranked = sorted(range(len(options)), key=lambda n: -again[n])
                runners_up.append(
                    [options[n][1:3] if side == 0 else options[n][4:6] for n in ranked[:RECHECK_SHORTLIST]]
                )
                n = ranked[0]
                if again[n] > score:
                    best, score = options[n], again[n]
        # Changed one byte at a time, the two places can be stuck where each change alone
        # reads worse (，所擔巴基 for ，根據巴基: 根 needs 據 and 據 needs 根): the best
        # few of each side are combined as well.
        if len(runners_up) == 2:
            joint = [
                key
                for first_pair, second_pair in itertools.product(*runners_up)
                if (key := (best[0], *first_pair, best[3], *second_pair)) != best and _pairs_fit(data, key)
            ]
            if joint:
                found_joint = self._scores(
                    [
                        self._window_text(_two_pairs(data, *key), window_start, window_end + 4 + 2 * PAIR_READ_EXTRA)
                        for key in joint
                    ],
                    document=True,
                )
                for n, key in enumerate(joint):
                    found_joint[n] -= _site_cost(_two_pairs(data, *key), (key[0], key[3] + 2), site_chars, split)
                n = max(range(len(joint)), key=lambda n: found_joint[n])
                if found_joint[n] > score:
                    best, score = joint[n], found_joint[n]
        gain = score - base
        if gain >= 2 * DROP_MARGIN and score - best_single >= DROP_MARGIN:
            return _two_pairs(data, *best), gain
        return None

    @staticmethod
    def _decode(data: bytes) -> str:
        return data.decode("gbk", errors=_PAIRWISE)

    @staticmethod
    def _window_text(data: bytes, start: int, end: int) -> str:
        """``data[start:end]`` decoded, ``end`` moved on a byte where it would cut a character in two.

        Candidates scored side by side are cut at different places in their
        characters; a half character at the end decodes to U+FFFD, which costs
        :data:`INVALID_PENALTY`, so an uneven cut would decide between them.
        """
        end = min(end, len(data))
        pos = start
        if start < end:
            # Whole characters up to ``end`` in one C-speed match (a byte from 0x81 on
            # leads a pair): it stops one byte short when ``end`` cuts a pair in two.
            pos = _GBK_UNITS.match(data, start, end).end()  # type: ignore[union-attr]
            if pos < end:
                pos = end + 1
        return data[start : min(pos, len(data))].decode("gbk", errors=_PAIRWISE)


def _replace_pair(error: UnicodeError) -> tuple[str, int]:
    """Read a byte pair that is no GBK character as one U+FFFD, as the converter's decoder reads it.

    Python's decoder gives up only the lead and reads on from the trail, so what
    follows an invalid pair (a dropped pair not yet put back: 率、強大的 read as 率 A1 8A
    大的) was decoded a byte off, 姶蟮 for 大的, and candidates were weighed on that
    garbage (強大跌她的: a pair put back that only realigned it). The repair's streams
    take a byte from 0x81 on with the next one, as the converter did (see ``_GBK_UNITS``),
    but not one below 0x40, which no GBK character ends with: a line break or a
    parenthesis after a lone lead stays in the text.
    """
    if not isinstance(error, UnicodeDecodeError):
        raise error
    start = error.start
    data = error.object
    pair = data[start] >= 0x81 and start + 1 < len(data) and data[start + 1] >= 0x40
    return "\ufffd", start + 2 if pair else start + 1


_PAIRWISE = "pinyin-gbk-pairwise"
codecs.register_error(_PAIRWISE, _replace_pair)


def _out_of_step_pair(straddle: _Slot, at: int, following: str) -> tuple[_Slot, _Slot] | None:
    """The two bytes a ``?`` right after a straddle (its hidden byte at ``at``) stands for, as two chained slots.

    The straddle's hidden byte ``v`` leads the character after it, whose trail ``t``
    the out-of-step decoder read with the lead ``y`` of the next character: ``t y`` is
    no GBK character (nor a user-defined pair, which it would have dropped), ``v t``
    and ``y`` with the first byte of ``following`` (the next character seen) are.
    """
    if not following or following.isascii():
        return None
    try:
        nxt = following.encode("gbk")[0]
    except UnicodeEncodeError:
        return None
    leads = tuple(y for y in range(0x81, 0xFF) if _gbk_char(bytes((y, nxt))) is not None)
    after_trail: dict[int, tuple[int, ...]] = {}
    for t in range(0x80, 0xFF):  # a trail byte (0xFF is none) the decoder took for a lead
        ys = tuple(y for y in leads if not _is_gbk_user_defined(t, y) and _gbk_char(bytes((t, y))) is None)
        if ys:
            after_trail[t] = ys
    allowed = {
        v: trails
        for v in straddle.values
        if (trails := tuple(t for t in after_trail if _gbk_char(bytes((v, t))) is not None))
    }
    if not allowed:
        return None
    trails = tuple(sorted({t for ts in allowed.values() for t in ts}))
    ys = tuple(sorted({y for t in trails for y in after_trail[t]}))
    return (
        _Slot(trails, at, allowed, in_pair=True),
        _Slot(ys, at + 1, {t: after_trail[t] for t in trails}, in_pair=True),
    )


@lru_cache(maxsize=4096)
def _pair_options(previous: int, following: int | None) -> tuple[tuple[int, int, str, str | None], ...]:
    """The dropped pairs ``(t, lead)`` between the bytes ``previous`` and ``following``, and the characters they make.

    Both characters must be real ones, and ones the converter writes: it wrote the
    text, so a pair that completes a character outside its alphabet was never there
    (支持型 read as 支持续低, 续 being Simplified, won by the model's 持续 despite
    FOREIGN_PENALTY; a cost is for the rest of a window, garbled by chance). A swallowed
    ASCII byte (a lead below 0x80) completes no character after it.
    """
    unwritable = _unwritable()
    out = []
    for t, lead in _dropped_pairs():
        before = _gbk_char(bytes((previous, t)))
        if before is None:
            continue
        after = _gbk_char(bytes((lead, following))) if following is not None else None
        if lead >= 0x80 and after is None:
            continue
        if before in unwritable or after in unwritable:
            continue
        out.append((t, lead, before, after))
    return tuple(out)


def _best_of(scores: npt.NDArray[np.float64], n: int) -> npt.NDArray[np.bool_]:
    """Which of ``scores`` are the ``n`` best, or within :data:`DROP_PRUNE_MARGIN` of the ``n``-th (NaN: none)."""
    known = ~np.isnan(scores)
    if known.sum() <= n:
        return known
    floor = -np.partition(-scores[known], n - 1)[n - 1] - DROP_PRUNE_MARGIN
    best: npt.NDArray[np.bool_] = known & (np.nan_to_num(scores, nan=-np.inf) >= floor)
    return best


def _consistent_combos(stream: _Stream, group: list[int]) -> Iterator[tuple[int, ...]]:
    """The values of the slots of ``group`` that go together (see :meth:`PinyinRepairer._consistent`), in order."""
    chosen: dict[int, int] = {}

    def extend(n: int) -> Iterator[tuple[int, ...]]:
        if n == len(group):
            yield tuple(chosen[k] for k in group)
            return
        k = group[n]
        slot = stream.items[k]
        assert isinstance(slot, _Slot)
        values: Sequence[int] = slot.values
        if slot.after is not None and slot.allowed is not None and slot.after in chosen:
            fitting = set(slot.allowed.get(chosen[slot.after], ()))
            values = [v for v in values if v in fitting]
        for value in values:
            chosen[k] = value
            yield from extend(n + 1)
        chosen.pop(k, None)

    yield from extend(0)


def _site_cost(trial: bytes, places: Sequence[int], site_chars: frozenset[str], split: int = -1) -> float:
    """Nats for the characters that pairs put back at ``places`` complete being ones the converter annotates.

    It annotates every occurrence of a character of its site set (those annotated
    elsewhere in the text); one completed by a dropped pair had no annotation after
    it, so it is no such character (然 read into 的行爲；而 as 的行爲，然而, with 然
    annotated all over the text). Except the character that starts at ``split``, the
    byte a straddle hid: the straddle's annotation cut it in two, so the converter
    could not annotate it there (人?sī)徺I is 人均購買, with 均 annotated elsewhere: 司
    took 人's trail and 均's lead).
    """
    if not site_chars:
        return 0.0
    cost = 0.0
    for at in places:
        for start in (at - 1, at + 1):
            if start != split and _gbk_char(trial[start : start + 2]) in site_chars:
                cost += SITE_PRIOR
    return cost


def _pairs_fit(data: bytes, key: tuple[int, int, int, int, int, int]) -> bool:
    """True when both pairs of ``key`` (see :func:`_two_pairs`) complete real characters on each side."""
    trial = _two_pairs(data, *key)
    for at, lead in ((key[0], key[2]), (key[3] + 2, key[5])):
        if _gbk_char(trial[at - 1 : at + 1]) is None:
            return False
        if lead >= 0x80 and (at + 2 >= len(trial) or _gbk_char(trial[at + 1 : at + 3]) is None):
            return False
    return True


def _insertions(before: bytes, after: bytes) -> list[tuple[int, int]]:
    """Where ``after`` holds bytes ``before`` lacks: (offset in ``before``, number of bytes) of each insertion."""
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    return [(i1, (j2 - j1) - (i2 - i1)) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]


def _two_pairs(data: bytes, first: int, t1: int, l1: int, second: int, t2: int, l2: int) -> bytes:
    """``data`` with the pair ``t1 l1`` put back at ``first`` and ``t2 l2`` at ``second`` (``first < second``)."""
    return data[:first] + bytes((t1, l1)) + data[first:second] + bytes((t2, l2)) + data[second:]


# A GBK character as the converter's decoder steps over it: a pair from a byte 0x81 on.
_GBK_UNITS = re.compile(rb"(?:[\x81-\xff][\x00-\xff]|[\x00-\x80])*")

# ASCII characters a converter's out-of-step decoder swallows most often.
_SWALLOWED = b"\n,.;:!?()-/%0"


def _paren_context(data: bytes, pos: int) -> tuple[bool, bool]:
    """Whether the line of ``data`` has an open ``(`` before ``pos``, and a ``)`` closing one after ``pos + 2``.

    Only the nearest parenthesis on each side counts (GBK trail bytes are never
    ``(`` or ``)``, so the bytes tell).
    """
    head = data[data.rfind(b"\n", 0, pos) + 1 : pos]
    end = data.find(b"\n", pos + 2)
    tail = data[pos + 2 : end if end >= 0 else len(data)]
    opened = head.rfind(b"(") > head.rfind(b")")
    close, reopen = tail.find(b")"), tail.find(b"(")
    return opened, close >= 0 and (reopen < 0 or close < reopen)


def _paren_prior(candidate: bytes, opened: bool, closes: bool) -> float:
    """:data:`PAREN_PRIOR` for or against a candidate of a ``?`` that ends with a swallowed parenthesis."""
    if candidate[-1:] == b"(":
        return PAREN_PRIOR if closes else -PAREN_PRIOR
    if candidate[-1:] == b")":
        return PAREN_PRIOR if opened else -PAREN_PRIOR
    return 0.0


@lru_cache(maxsize=256)
def _question_widening(t: int) -> tuple[bytes, ...]:
    """Characters ``X`` (their GBK bytes) with ``t X1`` a pair the converter drops and ``X2`` no ASCII byte.

    Read out of step after the trail ``t``, such a character and the ASCII byte after
    it make a dropped pair and a ``?``. Only characters the converter writes are taken
    (see :func:`_writable_trails`).
    """
    table = _writable_trails()
    return tuple(
        bytes((x1, x2)) for x1 in range(0x81, 0xFF) if _is_gbk_user_defined(t, x1) for x2 in table[x1] if x2 >= 0x80
    )


@lru_cache(maxsize=256)
def _drop_trails(lead: int) -> tuple[int, ...]:
    """Bytes ``c`` that make ``c lead`` a pair the converter drops (a user-defined one)."""
    return tuple(c for c in range(0xA1, 0xFF) if _is_gbk_user_defined(c, lead))


@lru_cache(maxsize=1)
def _writable_trails() -> dict[int, tuple[int, ...]]:
    """For each lead byte: the trail bytes, in order, of the characters the converter writes.

    That is the hanzi of its alphabet (see :func:`_converter_alphabet`) and every other
    GBK symbol (punctuation: ``，`` is ``A3 AC``); user-defined pairs are none.
    """
    alphabet = _converter_alphabet()
    table: dict[int, list[int]] = {x1: [] for x1 in range(0x81, 0xFF)}
    for code, ch in zip(*_gbk_pairs(), strict=True):
        x1, x2 = code >> 8, code & 0xFF
        if not _is_gbk_user_defined(x1, x2) and (ch in alphabet or not _HAN.match(ch)):
            table[x1].append(x2)
    return {x1: tuple(trails) for x1, trails in table.items()}


@lru_cache(maxsize=1024)
def _widening_chars(t: int, lead: int) -> tuple[bytes, ...]:
    """Characters ``X`` (their GBK bytes) with ``t X1`` and ``X2 lead`` both pairs the converter drops.

    Only characters the converter writes are taken (see :func:`_writable_trails`).
    """
    table = _writable_trails()
    dropped_before = {x2 for x2 in range(0x40, 0xFF) if _is_gbk_user_defined(x2, lead)}
    return tuple(
        bytes((x1, x2))
        for x1 in range(0x81, 0xFF)
        if _is_gbk_user_defined(t, x1)
        for x2 in table[x1]
        if x2 in dropped_before
    )


@lru_cache(maxsize=256)
def _invalid_trails(lead: int) -> tuple[int, ...]:
    """Bytes ``c`` (trail bytes of a character) that make ``c lead`` no GBK character and no dropped pair."""
    return tuple(
        c for c in range(0x80, 0xFF) if not _is_gbk_user_defined(c, lead) and _gbk_char(bytes((c, lead))) is None
    )


def _completed(data: bytes, k: int, syllable: str) -> bool:
    """True when the trail byte at ``k`` ends, decoded in step, a character read ``syllable``."""
    return k >= 1 and _starts_char(data, k - 1) and is_reading(_gbk_char(data[k - 1 : k + 1]) or "", syllable)


def _starts_char(data: bytes, k: int) -> bool:
    """True when byte ``k`` starts a character when ``data`` is decoded from the start."""
    pos = 0
    while pos < k:
        pos += 2 if data[pos] >= 0x81 else 1
    return pos == k


def _char_start_before(data: bytes, limit: int) -> int:
    """The last character start at or before ``limit``, decoding from the start."""
    pos = last = 0
    while pos <= limit and pos < len(data):
        last = pos
        pos += 2 if data[pos] >= 0x81 else 1
    return last


def annotation_edits(text: str, repairer: PinyinRepairer) -> list[Edit]:
    """Propose deleting each ``(pīnyīn)`` (and undoing each straddle) in ``text``."""
    return repairer.edits(text)
