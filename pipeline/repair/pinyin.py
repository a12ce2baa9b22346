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
# What a straddling annotation leaves: its "(" went into the "?".
STRADDLE = regex.compile(rf"\?(?P<py>{_SYLLABLE})\)")
_HAN = regex.compile(r"\p{Han}")
_BYTE_ANNOTATION = regex.compile(rf"\((?P<py>{_SYLLABLE})\)")

COMMON_COUNT = 20  # a character seen this often in training is common: nobody glosses it
SPAM_MIN_ANNOTATIONS = 3  # this many reading-matching annotations make a text "converted"
DROP_MARGIN = 4.0  # nats a restored dropped pair must gain
MAX_SLOT_COMBINATIONS = 256


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
    """Every user-defined pair ``(t, l)`` that could sit between two characters out of step.

    ``t`` ends one character and ``l`` starts the next, so ``l`` must be a lead byte.
    """
    out = []
    for t in range(0xA1, 0xFF):
        for lead in range(0x81, 0xFF):
            if _is_gbk_user_defined(t, lead):
                out.append((t, lead))
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
        edits: list[Edit] = []
        pos = 0
        for line in text.splitlines(keepends=True):
            if "(" in line or ")" in line or "（" in line:
                edits.extend(self._line_edits(line, pos))
            pos += len(line)
        return edits

    def _line_edits(self, line: str, offset: int) -> list[Edit]:
        stream = self._stream(line)
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

    def _stream(self, line: str) -> _Stream | None:
        """The line's bytes with the annotations out; ``None`` if it is not all GBK."""
        items: list[int | _Slot] = []
        origin: list[int] = []
        by_lead = None
        i = 0
        n = len(line)
        while i < n:
            ch = line[i]
            if ch == "?":
                m = STRADDLE.match(line, i)
                prev = items[-1] if items else None
                if m is not None and prev is not None:
                    by_lead = by_lead or _gbk_by_lead()
                    syllable = normalize_syllable(m.group("py"))
                    slot = None
                    if isinstance(prev, int) and prev >= 0x81:
                        trails = by_lead.get(prev, {}).get(syllable)
                        slot = _Slot(trails) if trails else None
                    elif isinstance(prev, _Slot):
                        allowed = {v: by_lead.get(v, {}).get(syllable, ()) for v in prev.values}
                        allowed = {v: t for v, t in allowed.items() if t}
                        values = tuple(sorted({t for ts in allowed.values() for t in ts}))
                        slot = _Slot(values, len(items) - 1, allowed) if values else None
                    if slot is not None:
                        items.append(slot)
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
        position = {k: n for n, k in enumerate(slots)}

        def consistent(combo: tuple[int, ...]) -> bool:
            for n, k in enumerate(slots):
                slot = stream.items[k]
                assert isinstance(slot, _Slot)
                if slot.after is not None and slot.allowed is not None:
                    if combo[n] not in slot.allowed.get(combo[position[slot.after]], ()):
                        return False
            return True

        combos = list(itertools.islice(filter(consistent, itertools.product(*options)), MAX_SLOT_COMBINATIONS))
        if not combos:
            return None
        best: tuple[float, bytes] | None = None
        texts: list[str] = []
        datas: list[bytes] = []
        for combo in combos:
            values = dict(zip(slots, combo, strict=True))
            data = bytes(values[k] if isinstance(x, _Slot) else x for k, x in enumerate(stream.items))
            datas.append(data)
            texts.append(self._decode(data))
        scores = self.lm.score_many(self.simplifier.convert_many(texts))
        for score, data in zip(scores, datas, strict=True):
            if best is None or score > best[0]:
                best = (score, data)
        assert best is not None
        data = self._restore_dropped(best[1], stream, slots)
        return self._decode(data)

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
                if pos + 2 >= len(trial) or _gbk_char(trial[pos + 1 : pos + 3]) is None:
                    continue
                candidates.append(trial)
                texts.append(self._decode(trial[window_start : window_end + 2]))
        if not candidates:
            return data
        scores = self.lm.score_many(self.simplifier.convert_many([base_text, *texts]))
        best = max(range(len(candidates)), key=lambda i: scores[i + 1])
        if scores[best + 1] - scores[0] >= DROP_MARGIN:
            return candidates[best]
        return data

    @staticmethod
    def _decode(data: bytes) -> str:
        return data.decode("gbk", errors="replace")



def annotation_edits(text: str, repairer: PinyinRepairer) -> list[Edit]:
    """Propose deleting each ``(pīnyīn)`` (and undoing each straddle) in ``text``."""
    return repairer.edits(text)
