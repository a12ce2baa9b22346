"""Traditional to Simplified with OpenCC, decided by the language model where one character has several targets.

OpenCC's ``t2s`` converts 著 to 著 (right in 著名, wrong in 帶著), 乾 to 干 (wrong in
乾隆 unless its phrase table knows the word) and so on: a Traditional character
with several Simplified readings gets OpenCC's first choice unless a phrase says
otherwise. For those characters (the model's ambiguity table, made from OpenCC's own
dictionaries by ``make train-lm``) the character language model picks the reading
that fits the neighbours. The ``conversions`` of ``rules/normalize.yaml`` stay in
charge where they name a word (著 stays 著 in 著名, 著作 ...).

Inside Simplified text a character that is also a Simplified one (乾 in a name, 著
in 显著) is left alone unless the model is very sure: a writer of Simplified text who
typed it meant it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import opencc

from pipeline.offsets import Edit
from pipeline.repair.lm import CharLM


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

    def keeps(self, text: str, i: int) -> bool:
        """True when ``text[i]`` (== ``char``) is inside one of the ``keep`` words."""
        for word in self.keep:
            k = word.find(self.char)
            while k >= 0:
                s = i - k
                if s >= 0 and text.startswith(word, s):
                    return True
                k = word.find(self.char, k + 1)
        return False

    def target(self, text: str, i: int) -> str:
        """Return what ``text[i]`` (== ``char``) should be, given its neighbours."""
        return self.char if self.keeps(text, i) else self.default


# Margins (nats) the model needs to overrule OpenCC's choice.
TRADITIONAL_MARGIN = 0.5
SIMPLIFIED_MARGIN = 6.0
CONTEXT = 8  # characters on each side that tell Traditional from Simplified text


class Simplifier:
    """Converts to Simplified; the LM settles one-to-many characters in context."""

    def __init__(self, lm: CharLM | None, rules: Sequence[ContextRule] = ()) -> None:
        self.lm = lm
        self.rules = {r.char: r for r in rules}
        self.ambiguity: dict[str, tuple[str, ...]] = dict(lm.ambiguity) if lm is not None else {}
        for rule in rules:
            options = set(self.ambiguity.get(rule.char, ())) | {rule.char, rule.default}
            self.ambiguity[rule.char] = tuple(sorted(options, key=lambda c: c != rule.default))

    # -- for scoring candidates elsewhere: fast, no margins --

    def convert_many(self, texts: Sequence[str]) -> list[str]:
        """Simplified forms of many texts, one-to-many characters by the LM (for scoring)."""
        converted = [to_simplified(t) for t in texts]
        if self.lm is None:
            return converted
        items: list[tuple[str, str]] = []
        where: list[tuple[int, int, tuple[str, ...]]] = []
        for n, (text, conv) in enumerate(zip(texts, converted, strict=True)):
            if len(conv) != len(text):
                continue
            for i, ch in enumerate(text):
                options = self.ambiguity.get(ch)
                if options is None:
                    continue
                where.append((n, i, options))
                left = conv[max(0, i - 3) : i]
                right = conv[i + 1 : i + 3]
                items.extend((left, c + right) for c in options)
        if not where:
            return converted
        scores = self.lm.score_items(items)
        out = [list(c) for c in converted]
        k = 0
        for n, i, options in where:
            block = scores[k : k + len(options)]
            k += len(options)
            best = max(range(len(options)), key=lambda j: block[j])
            out[n][i] = options[best]
        return ["".join(c) for c in out]

    def convert(self, text: str) -> str:
        """Simplified form of ``text`` (for scoring)."""
        return self.convert_many([text])[0]

    # -- the t2s pass --

    def edits(self, text: str) -> list[Edit]:
        """Propose the edits that turn ``text`` into Simplified Chinese.

        Runs of changed characters become one edit each; a line whose length OpenCC
        changes (a rare phrase mapping) becomes one edit for the whole line.
        """
        converted = to_simplified(text)
        if converted == text and not any(c in self.ambiguity for c in text):
            return []
        if len(converted) != len(text):
            edits: list[Edit] = []
            pos = 0
            for line in text.splitlines(keepends=True):
                line_conv = to_simplified(line)
                if len(line_conv) != len(line):
                    edits.append(Edit(pos, pos + len(line), line_conv, "t2s", "normalize.t2s"))
                else:
                    edits.extend(self._line_edits(line, line_conv, pos))
                pos += len(line)
            return edits
        return self._line_edits(text, converted, 0)

    def _line_edits(self, original: str, converted: str, offset: int) -> list[Edit]:
        chars = list(converted)
        sources = ["normalize.t2s"] * len(chars)
        confidences = [1.0] * len(chars)
        changed = [a != b for a, b in zip(original, converted, strict=True)]
        for i, ch in enumerate(original):
            options = self.ambiguity.get(ch)
            if options is None:
                continue
            choice, source, confidence = self._decide(original, chars, changed, i, options)
            chars[i] = choice
            sources[i] = source
            confidences[i] = confidence
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
            edits.append(
                Edit(offset + i, offset + j, "".join(chars[i:j]), "t2s", sources[i], confidence=min(confidences[i:j]))
            )
            i = j
        return edits

    def _decide(
        self, original: str, chars: list[str], changed: list[bool], i: int, options: tuple[str, ...]
    ) -> tuple[str, str, float]:
        """The Simplified character for ``original[i]``, the rule or model behind it, and a confidence."""
        ch = original[i]
        rule = self.rules.get(ch)
        if rule is not None and rule.keeps("".join(chars), i):
            return ch, rule.rule_id, 1.0
        # Simplified context: nothing else nearby is Traditional.
        lo, hi = max(0, i - CONTEXT), min(len(original), i + CONTEXT + 1)
        traditional = any(changed[j] and original[j] not in self.ambiguity for j in range(lo, hi) if j != i)
        default = chars[i]
        if not traditional and ch in options:
            default = ch
        elif rule is not None:
            default = rule.default
        if self.lm is None:
            return default, rule.rule_id if rule is not None else "normalize.t2s", 1.0
        left = "".join(chars[max(0, i - 3) : i])
        right = "".join(chars[i + 1 : i + 3])
        scores = self.lm.score_many(list(options), left, right)
        by_option = dict(zip(options, scores, strict=True))
        best = max(options, key=lambda c: by_option[c])
        base = by_option.get(default, max(scores))
        margin = TRADITIONAL_MARGIN if traditional else SIMPLIFIED_MARGIN
        if best != default and by_option[best] - base >= margin:
            gap = by_option[best] - max([v for c, v in by_option.items() if c != best] or [base])
            return best, "model:charlm/t2s", round(min(1.0, 0.5 + gap / 10.0), 3)
        source = rule.rule_id if rule is not None and default == rule.default else "normalize.t2s"
        return default, source, 1.0


def t2s_edits(text: str, rules: Sequence[ContextRule], lm: CharLM | None = None) -> list[Edit]:
    """Propose the edits that turn ``text`` into Simplified Chinese (see :class:`Simplifier`)."""
    return Simplifier(lm, rules).edits(text)
