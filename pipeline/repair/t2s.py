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

import bisect
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import opencc

from pipeline.offsets import Edit
from pipeline.repair.lm import CharLM, left_context, right_context


@lru_cache(maxsize=4)
def _converter(config: str) -> opencc.OpenCC:
    # An OpenCC converter is read-only once built; sharing one per config is safe.
    return opencc.OpenCC(config)


@lru_cache(maxsize=4096)
def writes_as(simple: str, traditional: str) -> bool:
    """True when ``traditional`` is a Traditional form of the Simplified ``simple`` (OpenCC's s2t, s2tw, s2hk)."""
    return simple == traditional or any(
        str(_converter(config).convert(simple)) == traditional for config in ("s2t", "s2tw", "s2hk")
    )


def to_simplified(text: str) -> str:
    """Convert ``text`` with OpenCC ``t2s`` (no context corrections)."""
    return str(_converter("t2s").convert(text))


def to_simplified_many(texts: Sequence[str]) -> list[str]:
    """:func:`to_simplified` of each text, in one OpenCC call where that gives the same result.

    OpenCC segments by its phrase dictionaries, and no phrase holds a line break, so
    texts joined by line breaks convert piece by piece as they would alone. A text
    with line breaks of its own converts line by line for the same reason: its lines
    go into the batch as pieces of their own and are joined again (repair candidates
    that reach a line's end hold its break, and one at a time they cost a call each).
    """
    if len(texts) < 2:
        return [to_simplified(t) for t in texts]
    pieces = to_simplified("\n".join(texts)).split("\n")
    breaks = [t.count("\n") for t in texts]
    if len(pieces) != len(texts) + sum(breaks):
        return [to_simplified(t) for t in texts]
    if not any(breaks):
        return pieces
    out: list[str] = []
    at = 0
    for n in breaks:
        out.append("\n".join(pieces[at : at + n + 1]))
        at += n + 1
    return out


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
VARIANT_EXTRA_MARGIN = 2.0  # ... more, for a reading the character is not the Traditional form of
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
        self._ambiguity_re = (
            re.compile("[" + "".join(re.escape(c) for c in sorted(self.ambiguity)) + "]") if self.ambiguity else None
        )

    # -- for scoring candidates elsewhere: fast, no margins --

    def convert_many(self, texts: Sequence[str]) -> list[str]:
        """Simplified forms of many texts, one-to-many characters by the LM (for scoring)."""
        converted = to_simplified_many(texts)
        if self.lm is None or self._ambiguity_re is None:
            return converted
        items: list[tuple[str, str]] = []
        where: list[tuple[int, int, tuple[str, ...]]] = []
        # One regex scan over all texts joined (no one-to-many character is a line
        # break, so no match spans two texts): most candidates hold none, and a scan
        # per text cost more than the matches. ``next_start[n]`` is where text n + 1 begins.
        next_start = list(itertools.accumulate(len(text) + 1 for text in texts))
        for match in self._ambiguity_re.finditer("\n".join(texts)):
            n = bisect.bisect_right(next_start, match.start())
            text, conv = texts[n], converted[n]
            if len(conv) != len(text):
                continue
            i = match.start() - (next_start[n] - len(text) - 1)
            options = self.ambiguity[text[i]]
            where.append((n, i, options))
            left = left_context(conv, i)
            right = right_context(conv, i + 1)
            items.extend((left, c + right) for c in options)
        if not where:
            return converted
        scores = self.lm.score_items(items)
        # Only the texts with an ambiguous character are taken apart: a batch of
        # repair candidates holds thousands of texts and few of them need a choice.
        chars: dict[int, list[str]] = {}
        k = 0
        for n, i, options in where:
            block = scores[k : k + len(options)]
            k += len(options)
            best = block.index(max(block))  # the first of equal bests, as max(key=) picks it
            if n not in chars:
                chars[n] = list(converted[n])
            chars[n][i] = options[best]
        out = list(converted)
        for n, changed in chars.items():
            out[n] = "".join(changed)
        return out

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
        if converted == text and (self._ambiguity_re is None or self._ambiguity_re.search(text) is None):
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
        # Only the places OpenCC changed or that are one-to-many need a look: find
        # them with C-speed comparisons, never a Python loop over the whole text.
        spots = sorted(set(_differences(original, converted)) | {m.start() for m in self._ambiguous(original)})
        if not spots:
            return []
        decided: dict[int, tuple[str, str, float]] = {}
        pending: list[tuple[int, tuple[str, ...]]] = []
        for i in spots:
            options = self.ambiguity.get(original[i])
            if options is None:
                decided[i] = (converted[i], "normalize.t2s", 1.0)
            else:
                pending.append((i, options))
        # One batch of LM scores for every one-to-many character (its neighbours as
        # OpenCC converted them), then the decisions.
        items: list[tuple[str, str]] = []
        for i, options in pending:
            left = left_context(converted, i)
            right = right_context(converted, i + 1)
            items.extend((left, c + right) for c in options)
        scores = self.lm.score_items(items) if self.lm is not None and items else []
        k = 0
        for i, options in pending:
            block = dict(zip(options, scores[k : k + len(options)], strict=True)) if scores else {}
            k += len(options)
            decided[i] = self._decide(original, converted, decided, i, options, block)
        edits: list[Edit] = []
        run: list[int] = []
        for i in spots:
            if decided[i][0] == original[i]:
                continue
            if run and (i != run[-1] + 1 or decided[i][1] != decided[run[-1]][1]):
                edits.append(self._run_edit(original, decided, run, offset))
                run = []
            run.append(i)
        if run:
            edits.append(self._run_edit(original, decided, run, offset))
        return edits

    @staticmethod
    def _run_edit(original: str, decided: dict[int, tuple[str, str, float]], run: list[int], offset: int) -> Edit:
        text = "".join(decided[i][0] for i in run)
        confidence = min(decided[i][2] for i in run)
        return Edit(offset + run[0], offset + run[-1] + 1, text, "t2s", decided[run[0]][1], confidence=confidence)

    def _ambiguous(self, text: str) -> list[re.Match[str]]:
        if self._ambiguity_re is None:
            return []
        return list(self._ambiguity_re.finditer(text))

    def _decide(
        self,
        original: str,
        converted: str,
        decided: dict[int, tuple[str, str, float]],
        i: int,
        options: tuple[str, ...],
        by_option: dict[str, float],
    ) -> tuple[str, str, float]:
        """The Simplified character for ``original[i]``, the rule or model behind it, and a confidence."""
        ch = original[i]
        lo, hi = max(0, i - CONTEXT), min(len(original), i + CONTEXT + 1)
        # The Simplified neighbourhood as decided so far (earlier one-to-many choices included).
        local = [decided[j][0] if j in decided else converted[j] for j in range(lo, hi)]
        rule = self.rules.get(ch)
        if rule is not None and rule.keeps("".join(local), i - lo):
            return ch, rule.rule_id, 1.0
        # Simplified context: nothing else nearby is Traditional.
        traditional = any(
            original[j] != converted[j] and original[j] not in self.ambiguity for j in range(lo, hi) if j != i
        )
        default = converted[i]
        if not traditional and ch in options:
            default = ch
        elif rule is not None:
            default = rule.default
        if not by_option:
            return default, rule.rule_id if rule is not None else "normalize.t2s", 1.0
        best = max(options, key=lambda c: by_option[c])
        base = by_option.get(default, max(by_option.values()))
        # A character OpenCC keeps even in its Traditional context (像, 座, 沈 ...) is a
        # Simplified character too, and OpenCC's phrase tables already convert the words
        # where it is not (瞭解, 答覆): the model overrules that only when very sure, as
        # in Simplified text (像 after 現 is not 象 because 现象 is a common word).
        kept_by_opencc = rule is None and default == ch
        margin = TRADITIONAL_MARGIN if traditional and not kept_by_opencc else SIMPLIFIED_MARGIN
        # A reading whose own Traditional form is another character (划 is 劃, not 畫;
        # 里 is 裏, not 哩) is the character's rarer use (計畫 for 计划, 英哩 for 英里): the
        # model needs more than a slight preference to pick it.
        if best != default and not writes_as(best, ch):
            margin = max(margin, SIMPLIFIED_MARGIN) + VARIANT_EXTRA_MARGIN
        if best != default and by_option[best] - base >= margin:
            gap = by_option[best] - max([v for c, v in by_option.items() if c != best] or [base])
            return best, "model:charlm/t2s", round(min(1.0, 0.5 + gap / 10.0), 3)
        source = rule.rule_id if rule is not None and default == rule.default else "normalize.t2s"
        return default, source, 1.0


def _differences(a: str, b: str, chunk: int = 512) -> list[int]:
    """Positions where two equally long strings differ (equal chunks are skipped in C)."""
    out: list[int] = []
    for start in range(0, len(a), chunk):
        x, y = a[start : start + chunk], b[start : start + chunk]
        if x != y:
            out.extend(start + k for k, (p, q) in enumerate(zip(x, y, strict=True)) if p != q)
    return out


def t2s_edits(text: str, rules: Sequence[ContextRule], lm: CharLM | None = None) -> list[Edit]:
    """Propose the edits that turn ``text`` into Simplified Chinese (see :class:`Simplifier`)."""
    return Simplifier(lm, rules).edits(text)
