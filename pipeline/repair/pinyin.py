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

import difflib
import itertools
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import regex
from pypinyin import Style, pinyin

from pipeline.offsets import Edit
from pipeline.repair.lm import CharLM
from pipeline.repair.t2s import Simplifier, to_simplified

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
_BYTE_ANNOTATION = regex.compile(rf"\((?P<py>{_SYLLABLE})\)")

COMMON_COUNT = 20  # a character seen this often in training is common: nobody glosses it
SPAM_MIN_ANNOTATIONS = 3  # this many reading-matching annotations make a text "converted"
DROP_MARGIN = 4.0  # nats a restored dropped pair must gain
MAX_SLOT_COMBINATIONS = 4096
GROUP_GAP = 8  # bytes: slots closer than this are chosen together
WINDOW_BYTES = 24  # bytes of context on each side when a group of slots is scored
SITE_PRIOR = 8.0  # nats for a straddle owner that the text annotates elsewhere
INVALID_PENALTY = 15.0  # nats per byte pair that decodes to no character


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


def is_reading(char: str, syllable: str) -> bool:
    """True when ``syllable`` is one of ``char``'s readings."""
    return normalize_syllable(syllable) in readings(char)


@lru_cache(maxsize=1)
def _gbk_by_lead() -> dict[int, dict[str, tuple[int, ...]]]:
    """For each GBK lead byte: reading -> trail bytes of the characters with that reading."""
    table: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for lead in range(0x81, 0xFF):
        for trail in [*range(0x40, 0x7F), *range(0x80, 0xFF)]:
            try:
                ch = bytes((lead, trail)).decode("gbk")
            except UnicodeDecodeError:
                continue
            for reading in readings(ch):
                table[lead][reading].append(trail)
    return {lead: {r: tuple(t) for r, t in by.items()} for lead, by in table.items()}


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


@dataclass(slots=True)
class _Stream:
    """A line as GBK bytes with its annotations taken out.

    ``origin[k]`` is the index in the line of the character byte ``k`` came from;
    slots are bytes still to choose.
    """

    items: list[int | _Slot]
    origin: list[int]


class PinyinRepairer:
    """Finds and undoes spam-converter annotations; the LM ranks byte-level candidates."""

    def __init__(self, lm: CharLM, simplifier: Simplifier | None = None) -> None:
        self.lm = lm
        self.simplifier = simplifier or Simplifier(lm)

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
        site = {(char, normalize_syllable(py)) for _, _, char, py in self.annotations(text) if is_reading(char, py)}
        edits: list[Edit] = []
        pos = 0
        for line in text.splitlines(keepends=True):
            if "(" in line or ")" in line or "（" in line:
                edits.extend(self._line_edits(line, pos, site))
            pos += len(line)
        return edits

    def _line_edits(self, line: str, offset: int, site: set[tuple[str, str]] | None = None) -> list[Edit]:
        stream = self._stream(line, site or set())
        if stream is None:
            return self._aligned_edits(line, offset)
        restored = self._restore(line, stream)
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

    def _stream(self, line: str, site: set[tuple[str, str]]) -> _Stream | None:
        """The line's bytes with the annotations out; ``None`` if it is not all GBK."""
        items: list[int | _Slot] = []
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
                            lead: SITE_PRIOR
                            for lead in leads
                            if any(
                                (_gbk_char(bytes((lead, t))) or "", syllable) in site for t in by_lead[lead][syllable]
                            )
                        }
                        items.extend((0x80, _Slot(leads, prior=prior)))
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
                            prior = {
                                t: SITE_PRIOR for t in trails if (_gbk_char(bytes((prev, t))) or "", syllable) in site
                            }
                            slot = _Slot(trails, prior=prior)
                    elif isinstance(prev, _Slot):
                        allowed = {v: by_lead.get(v, {}).get(syllable, ()) for v in prev.values}
                        allowed = {v: t for v, t in allowed.items() if t}
                        values = tuple(sorted({t for ts in allowed.values() for t in ts}))
                        chained_prior = {
                            t: SITE_PRIOR
                            for v, ts in allowed.items()
                            for t in ts
                            if (_gbk_char(bytes((v, t))) or "", syllable) in site
                        }
                        slot = _Slot(values, len(items) - 1, allowed, chained_prior) if values else None
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
                        prior = {t: SITE_PRIOR for t in trails if (_gbk_char(bytes((prev, t))) or "", syllable) in site}
                        items.append(_Slot(trails, prior=prior))
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
                        continue
            try:
                data = ch.encode("gbk")
            except UnicodeEncodeError:
                return None
            items.extend(data)
            origin.extend([i] * len(data))
            i += 1
        return _Stream(items, origin)

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
        for group in groups:
            members = [slots.index(k) for k in group]
            combos = [
                combo
                for combo in itertools.islice(itertools.product(*(options[m] for m in members)), MAX_SLOT_COMBINATIONS)
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
            scores = [sc + b for sc, b in zip(self._scores(texts), bonuses, strict=True)]
            best_combo = kept[max(range(len(kept)), key=lambda i: scores[i])]
            for k, value in zip(group, best_combo, strict=True):
                current[k] = value
        best = (0.0, bytes(current))
        data, origin = self._restore_question_marks(best[1], list(stream.origin), line)
        data = self._restore_dropped(data, _Stream(list(data), origin), slots)
        return self._decode(data)

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

    def _scores(self, texts: Sequence[str]) -> list[float]:
        """LM scores, with a heavy price for every byte pair that is no GBK character."""
        scores = self.lm.score_many(self.simplifier.convert_many(texts))
        return [score - INVALID_PENALTY * text.count("\ufffd") for score, text in zip(scores, texts, strict=True)]

    def _restore_question_marks(self, data: bytes, origin: list[int], line: str) -> tuple[bytes, list[int]]:
        r"""Give back the ASCII character a ``?`` swallowed where the converter's decoder was out of step.

        Out of step, the decoder pairs a character's last byte with the ASCII byte
        after it (``。\n`` = ``A1 A3 0A`` read from ``A3``): the pair is invalid, so both
        become one ``?``. Decoded in step, such a ``?`` follows a lead byte with no
        trail; it stands for a trail byte and one of the usual ASCII characters.
        """
        pos = 0
        while pos < len(data):
            width = 2 if data[pos] >= 0x81 else 1
            if width == 2 and pos + 1 < len(data) and data[pos + 1] == 0x3F and line[origin[pos + 1]] == "?":
                lead = data[pos]
                candidates: list[bytes] = []
                nxt = data[pos + 2] if pos + 2 < len(data) else None
                for trail in [*range(0x40, 0x7F), *range(0x80, 0xFF)]:
                    if _gbk_char(bytes((lead, trail))) is None:
                        continue
                    candidates.extend(bytes((lead, trail, x)) for x in _SWALLOWED)
                # Or the "?" is a trail byte the decoder took for a lead (0x80, 0xFF)
                # with the next character's lead.
                for trail in (0x80, 0xFF):
                    if _gbk_char(bytes((lead, trail))) is None or nxt is None:
                        continue
                    candidates.extend(
                        bytes((lead, trail, y)) for y in range(0x81, 0xFF) if _gbk_char(bytes((y, nxt))) is not None
                    )
                if candidates:
                    lo = max(0, pos - 12)
                    hi = min(len(data), pos + 14)
                    start = _char_start_before(data, lo)
                    texts = [self._decode(data[start:pos] + c + data[pos + 2 : hi]) for c in candidates]
                    base = self._decode(data[start:hi])
                    scores = self._scores([base, *texts])
                    best = max(range(len(candidates)), key=lambda i: scores[i + 1])
                    if scores[best + 1] > scores[0]:
                        data = data[:pos] + candidates[best] + data[pos + 2 :]
                        origin = origin[: pos + 1] + [origin[pos + 1]] * 2 + origin[pos + 2 :]
                        pos += 3
                        continue
            pos += width
        return data, origin

    def _restore_dropped(self, data: bytes, stream: _Stream, slots: Sequence[int]) -> bytes:
        """Put back a user-defined pair the converter dropped where its decoder was out of step."""
        for slot in reversed(slots):
            stretch = self._out_of_step(data, stream, slot)
            if not stretch:
                continue
            data = self._best_drop(data, stretch)
        return data

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

    def _best_drop(self, data: bytes, positions: list[int]) -> bytes:
        window_start = 0
        pos = 0
        while pos < positions[0] - 12:
            window_start = pos
            pos += 2 if data[pos] >= 0x81 else 1
        window_end = min(len(data), positions[-1] + 12)
        base_text = self._decode(data[window_start:window_end])
        candidates: list[bytes] = []
        texts: list[str] = []
        for pos in positions:
            for t, lead in _dropped_pairs():
                trial = data[:pos] + bytes((t, lead)) + data[pos:]
                # Both characters the pair completes must be real ones.
                if pos < 1 or _gbk_char(trial[pos - 1 : pos + 1]) is None:
                    continue
                if lead >= 0x80 and (pos + 2 >= len(trial) or _gbk_char(trial[pos + 1 : pos + 3]) is None):
                    continue
                candidates.append(trial)
                texts.append(self._decode(trial[window_start : window_end + 2]))
        if not candidates:
            return data
        scores = self._scores([base_text, *texts])
        best = max(range(len(candidates)), key=lambda i: scores[i + 1])
        if scores[best + 1] - scores[0] >= DROP_MARGIN:
            return candidates[best]
        return data

    @staticmethod
    def _decode(data: bytes) -> str:
        return data.decode("gbk", errors="replace")


# ASCII characters a converter's out-of-step decoder swallows most often.
_SWALLOWED = b"\n,.;:!?()-/%0"


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
