"""Traditional to Simplified with OpenCC, corrected where one character has several targets.

OpenCC's ``t2s`` keeps 著 as 著 (right in 著名, wrong in 帶著); the ``conversions``
of ``rules/normalize.yaml`` say, per character, what it becomes by default and in
which words it stays.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import opencc

from pipeline.offsets import Edit


@lru_cache(maxsize=4)
def _converter(config: str) -> opencc.OpenCC:
    # An OpenCC converter is read-only once built; sharing one per config is safe.
    return opencc.OpenCC(config)


def to_simplified(text: str) -> str:
    """Convert ``text`` with OpenCC ``t2s`` (no context corrections)."""
    return str(_converter("t2s").convert(text))


@dataclass(frozen=True, slots=True)
class ContextRule:
    """``char`` becomes ``default`` except inside one of the ``keep`` words."""

    rule_id: str
    char: str
    default: str
    keep: tuple[str, ...]

    def target(self, text: str, i: int) -> str:
        """Return what ``text[i]`` (== ``char``) should be, given its neighbours."""
        for word in self.keep:
            k = word.find(self.char)
            while k >= 0:
                s = i - k
                if s >= 0 and text.startswith(word, s):
                    return self.char
                k = word.find(self.char, k + 1)
        return self.default


def t2s_edits(text: str, rules: Sequence[ContextRule]) -> list[Edit]:
    """Propose the edits that turn ``text`` into Simplified Chinese.

    Runs of changed characters become one edit each; a line whose length OpenCC
    changes (a rare phrase mapping) becomes one edit for the whole line.
    """
    converted = to_simplified(text)
    by_char = {r.char: r for r in rules}
    edits: list[Edit] = []
    if len(converted) != len(text):
        pos = 0
        for line in text.splitlines(keepends=True):
            edits.extend(_diff_runs(line, to_simplified(line), pos, by_char))
            pos += len(line)
        return edits
    if converted == text and not any(c in text for c in by_char):
        return edits
    return _diff_runs(text, converted, 0, by_char)


def _diff_runs(original: str, converted: str, offset: int, by_char: dict[str, ContextRule]) -> list[Edit]:
    if len(original) != len(converted):
        return [Edit(offset, offset + len(original), converted, "t2s", "normalize.t2s")]
    chars = list(converted)
    sources = ["normalize.t2s"] * len(chars)
    for i, c in enumerate(converted):
        rule = by_char.get(c)
        if rule is not None:
            target = rule.target(converted, i)
            if target != c:
                chars[i] = target
                sources[i] = rule.rule_id
    edits: list[Edit] = []
    i = 0
    n = len(original)
    while i < n:
        if chars[i] == original[i]:
            i += 1
            continue
        j = i + 1
        while j < n and chars[j] != original[j] and sources[j] == sources[i]:
            j += 1
        edits.append(Edit(offset + i, offset + j, "".join(chars[i:j]), "t2s", sources[i]))
        i = j
    return edits
