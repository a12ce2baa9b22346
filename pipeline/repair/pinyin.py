"""Remove the pinyin annotations spam converters insert after characters (``業(yè)``).

An annotation is removed only where the pinyin is a reading of the character right
before it, as pypinyin knows it; ``智能體(Agent)`` or ``張三(Zhang San)`` stay.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import regex
from pypinyin import Style, pinyin

from pipeline.offsets import Edit

_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿê"
# A CJK character followed by one pinyin syllable (with tone marks) in ASCII or
# full-width parentheses.
ANNOTATION = regex.compile(rf"(?P<char>\p{{Han}})[(（](?P<py>[a-z{_TONED}]{{1,7}})[)）]")


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


def annotation_edits(text: str) -> list[Edit]:
    """Propose deleting each ``(pīnyīn)`` that is a reading of the character before it."""
    if "(" not in text and "（" not in text:
        return []
    edits = []
    for m in ANNOTATION.finditer(text):
        if is_reading(m.group("char"), m.group("py")):
            start = m.start("char") + 1
            edits.append(Edit(start, m.end(), "", "pinyin_annotation", "normalize.pinyin_annotation"))
    return edits
