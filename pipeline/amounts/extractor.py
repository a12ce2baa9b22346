"""Find the amounts of a text: one scan, the left context of each match, then its value."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import regex

from pipeline.amounts.grammar import CompiledRule, Grammar, build_grammar
from pipeline.amounts.resolve import LeftContext, Resolver, Unparsable
from pipeline.records import AmountValue
from pipeline.rulebook.schemas.amounts import AmountRule, AmountsFile

# Groups of the left context that widen the mention (``between`` does not: the
# annotators' span for 介乎5.35港元及5.49港元 starts at the number).
_WIDENING = ("per", "curpre0", "qual", "base", "lead", "curpre", "sign")
# A clause ends at these; implied-money cues and 每股 do not reach across them.
_CLAUSE_END = regex.compile(r"[，。；！？,;!?\n]")
_UNIT_START = "十百千万亿萬億拾佰仟"
_GROUPED = regex.compile(r"\d[,，]\d{3}|\d\.\d{3}\.\d{3}")


@dataclass(frozen=True, slots=True)
class Found:
    """One amount: its span in the text, its value and the rule that found it."""

    start: int
    end: int
    value: AmountValue
    rule_id: str
    priority: int


# doc.note(stage, action, source, span, detail): where rejections are traced.
Note = Callable[[str, str, str, tuple[int, int], str], None]


class AmountExtractor:
    """Finds amounts and resolves their value, bounds, currency and qualifier."""

    def __init__(self, rules: AmountsFile) -> None:
        self.rules = rules
        self.grammar: Grammar = build_grammar(rules)
        self.resolver = Resolver(rules, self.grammar.currency_of)
        self._blockers = sorted(rules.qualifier_blockers, key=len, reverse=True)
        self._group_names = tuple(c.group for c in self.grammar.rules)
        self._longest_word = max((len(w) for w in rules.not_amount_words), default=0)

    # -- scanning ------------------------------------------------------------
    def _rule_of(self, m: regex.Match[str]) -> int:
        """Index of the rule whose branch matched (the scanner's only groups are the rule groups)."""
        names = self._group_names
        values = m.group(*names) if len(names) > 1 else (m.group(names[0]),)
        for index, value in enumerate(values):
            if value is not None:
                return index
        raise AssertionError("a scanner match without a rule branch")

    def find(self, text: str, note: Note | None = None) -> list[Found]:
        """Every amount of ``text``, left to right, without overlaps."""
        return list(self.iter_found(text, note))

    def iter_found(self, text: str, note: Note | None = None) -> Iterator[Found]:
        """Scan ``text`` once; each match is read with its left context, or retried with later rules."""
        scanner = self.grammar.scanner
        rules = self.grammar.rules
        pos = 0
        previous_end = 0
        n = len(text)
        while pos < n:
            m = scanner.search(text, pos, timeout=2.0)
            if m is None:
                return
            start = m.start()
            index = self._rule_of(m)
            own = rules[index].pattern.match(text, start, timeout=2.0)
            found = None
            if own is not None:
                found = self._accept(rules[index], own.groupdict(), text, start, own.end(), previous_end, note)
            j = index + 1
            while found is None and j < len(rules):
                retry = rules[j].pattern.match(text, start, timeout=2.0)
                if retry is not None and retry.end() > start:
                    found = self._accept(rules[j], retry.groupdict(), text, start, retry.end(), previous_end, note)
                j += 1
            if found is None:
                pos = start + 1
                continue
            yield found
            previous_end = pos = found.end

    def _accept(
        self,
        compiled: CompiledRule,
        groups: dict[str, str | None],
        text: str,
        start: int,
        end: int,
        previous_end: int,
        note: Note | None,
    ) -> Found | None:
        rule = compiled.rule
        left, left_start = self._left(text, start, previous_end, groups, rule)
        params = rule.params
        num = groups.get("num") or ""
        problem = None
        for need in params.needs:
            if need == "currency" and left.currency is None:
                problem = "needs a currency before the number"
            elif need == "between" and not left.between:
                problem = "needs 介乎/介于 before the range"
            elif need == "qualifier" and not (left.qualifier or left.lead):
                problem = "needs a qualifier or a lead word before the magnitude"
            elif need == "big_unit" and not any(ch in "万亿萬億" for ch in num + (groups.get("mag") or "")):
                problem = "needs 万 or 亿"
            elif need == "digit_start" and (not num or (num[0] in _UNIT_START and not groups.get("fuzzy"))):
                problem = "starts with a unit (千亿, 百万): an idiom or a word part more often than a number"
            elif need == "grouped" and not _GROUPED.search(num):
                problem = "needs thousand separators"
        if problem is None and compiled.not_after and compiled.not_after.search(text, max(0, start - 8), start):
            problem = "the words before make it something else (params.not_after)"
        if problem is None and self._inside_word(text, start):
            problem = "inside a name or word that is not an amount (not_amount_words)"
        if (
            problem is None
            and compiled.before is not None
            and not compiled.before.search(self._clause_before(text, start, self.rules.left_window))
        ):
            problem = "the clause before does not say what it needs (params.before)"
        if problem is None:
            try:
                value = self.resolver.resolve(rule, groups, left, money_cue=self._money_cue(text, left_start, end))
            except (Unparsable, ArithmeticError, ValueError) as exc:
                problem = str(exc)
            else:
                return Found(left_start, end, value, rule.id, rule.priority)
        if note is not None:
            note("amounts", "rejected", f"rule:{rule.id}", (start, end), problem)
        return None

    # -- context ---------------------------------------------------------------
    def _left(
        self, text: str, start: int, previous_end: int, groups: dict[str, str | None], rule: AmountRule
    ) -> tuple[LeftContext, int]:
        """Read the words before a match; return them and where the mention now starts."""
        left_pattern = self.grammar.left
        lo = max(previous_end, start - self.rules.left_window)
        m = None
        if left_pattern is not None and lo < start and text[start - 1] in self.grammar.left_enders:
            m = left_pattern.match(text, lo, start)
        if m is None or m.start() == start:
            per_share = rule.params.kind == "money" and self._per_share(text, start, previous_end)
            return LeftContext(per_share=per_share), start
        g = m.groupdict()
        num = groups.get("num") or ""
        if g.get("lead") and not (num and num[0] in _UNIT_START):
            g["lead"] = None  # 上3亿 is not 上亿: leads only go before a unit
        qual_start = m.start("qual")
        if g.get("qual"):
            qual_start, g["qual"] = self._unblocked(text, qual_start, m.end("qual"))
            if g["qual"] is None:
                g["curpre0"] = g["per"] = None
        if g.get("base") and not g.get("qual"):
            g["base"] = None  # 占公司总股本的5%: the base widens the span only after a qualifier
        sign = bool(g.get("sign")) and not _after_alnum(text, m.start("sign"))
        if not sign:
            g["sign"] = None
        widen = [qual_start if k == "qual" else m.start(k) for k in _WIDENING if g.get(k)]
        per_share = bool(g.get("per")) or (rule.params.kind == "money" and self._per_share(text, start, previous_end))
        left = LeftContext(
            qualifier=g.get("qual"),
            lead=g.get("lead"),
            currency=g.get("curpre") or g.get("curpre0"),
            per_share=per_share,
            sign=sign,
            between=bool(g.get("between")),
        )
        return left, min(widen, default=start)

    def _unblocked(self, text: str, qual_start: int, qual_end: int) -> tuple[int, str | None]:
        """The qualifier once words that end inside it are taken off (合约 -> none, 扩大约 -> 约)."""
        for blocker in self._blockers:
            for cut in range(qual_start + 1, qual_end + 1):
                if text.startswith(blocker, cut - len(blocker)) and cut - len(blocker) < qual_start:
                    rest = text[cut:qual_end]
                    if rest and rest in self.rules.qualifiers:
                        return cut, rest
                    return qual_start, None
        return qual_start, text[qual_start:qual_end]

    def _inside_word(self, text: str, start: int) -> bool:
        """Tell whether a word of ``not_amount_words`` covers ``start`` (七台河 for 七台)."""
        words = self.grammar.not_amount_words
        if words is None or text[start].isascii():
            return False
        lo = max(0, start - self._longest_word + 1)
        return any(m.start() <= start < m.end() for m in words.finditer(text, lo, start + self._longest_word))

    def _clause_before(self, text: str, start: int, width: int) -> str:
        window = text[max(0, start - width) : start]
        ends = [m.end() for m in _CLAUSE_END.finditer(window)]
        return window[ends[-1] :] if ends else window

    def _money_cue(self, text: str, start: int, end: int) -> bool:
        """Tell whether a business word precedes the number in its clause (营收3亿) or follows it (20亿定增)."""
        cues, after = self.grammar.cues, self.grammar.cues_after
        window = self.rules.cue_window
        if cues is not None and window and cues.search(self._clause_before(text, start, window)) is not None:
            return True
        return after is not None and after.match(text, end) is not None

    def _per_share(self, text: str, start: int, previous_end: int) -> bool:
        pattern = self.grammar.per_share_context
        if pattern is None:
            return False
        return pattern.search(text, max(previous_end, start - 12), start) is not None


def _after_alnum(text: str, pos: int) -> bool:
    """Tell whether the character before ``pos`` is a Latin letter or digit (GLM-130B, 010-1234)."""
    return pos > 0 and text[pos - 1].isascii() and text[pos - 1].isalnum()
