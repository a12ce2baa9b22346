"""Find the amounts of a text: one scan, the left context of each match, then its value."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from operator import is_not, itemgetter
from typing import NamedTuple

import regex

from pipeline.amounts.grammar import CompiledRule, Grammar, build_grammar
from pipeline.amounts.resolve import NO_CONTEXT, LeftContext, Resolver, Unparsable
from pipeline.errors import ErrorCode
from pipeline.memo import remember
from pipeline.records import AmountValue
from pipeline.rulebook.patterns import DEFAULT_CALL_TIMEOUT, Deadline, PatternMatch, PatternTimeout, active_scope
from pipeline.rulebook.schemas.amounts import AmountRule, AmountsFile

# How many resolved values are kept (then the cache starts again).
_VALUE_CACHE_SIZE = 50_000
# The scanner's name in the document's time budget (E206 names it when it runs out).
SCANNER = "amounts.scanner"
# A match its rule turns down is retried with the rules after it, each rule's own
# pattern in turn, until that tail has been retried this many times; then the tail's
# scanner (one alternation of those rules) is compiled and used instead. Compiling one
# takes 10-100 ms, the own patterns cost about 20 µs more per retry than it: retrying
# them is cheaper until about this many retries (a megabyte of news text has a few
# hundred, spread over a dozen tails).
COMPILE_TAIL_AFTER = 1000
# Groups of the left context that widen the mention (``between`` does not: the
# annotators' span for 介乎5.35港元及5.49港元 starts at the number).
_WIDENING = ("per", "curpre0", "qual", "base", "lead", "curpre", "sign")
# A clause ends at these; implied-money cues do not reach across them.
_CLAUSE_END = regex.compile(r"[，。；！？,;!?\n]")
_UNIT_START = "十百千万亿萬億拾佰仟"
_GROUPED = regex.compile(r"\d[,，]\d{3}|\d\.\d{3}\.\d{3}")


class Scanner(NamedTuple):
    """A compiled scanner over the rules from ``first`` on, with where each rule's groups are."""

    pattern: regex.Pattern[str]  # the raw pattern: the extractor applies the budget itself
    first: int
    rule_groups: tuple[int, ...]
    named_groups: tuple[tuple[tuple[str, int], ...], ...]
    rule_spans: Callable[[tuple[tuple[int, int], ...]], tuple[tuple[int, int], ...]]  # regs -> the rules' spans
    # Each rule's named groups apart: their names, and their numbers in the scanner.
    group_names: tuple[tuple[str, ...], ...]
    group_numbers: tuple[tuple[int, ...], ...]
    # A ``None`` for each rule group (what ``map(is_not, ...)`` compares their texts with).
    absent: tuple[None, ...]


class Found(NamedTuple):
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

    def __init__(self, rules: AmountsFile, *, overlay_rules: frozenset[str] = frozenset()) -> None:
        """Compile ``rules`` (raises GrammarError when a pattern does not compile).

        ``overlay_rules`` are the ids of rules that come from overlay folders. The
        built-in rules are ordered so that at any place the first one that matches is
        also the longest; rules from overlays are not, so when there are any, every
        match is also compared with the later rules' at the same place and the
        longest (then the higher priority) wins, as everywhere else in the pipeline.
        """
        self.rules = rules
        self.strict = bool(overlay_rules)
        self.grammar: Grammar = build_grammar(rules)
        self.resolver = Resolver(rules, self.grammar.currency_of)
        self._blocker_pattern = (
            regex.compile("|".join(regex.escape(b) for b in rules.qualifier_blockers))
            if rules.qualifier_blockers
            else None
        )
        # The literal the per-share context starts with (每股): a cheap test before the regex.
        literal = regex.match(r"\p{Han}+", rules.per_share_context)
        self._per_share_literal = literal.group() if literal else ""
        self._longest_blocker = max((len(b) for b in rules.qualifier_blockers), default=0)
        self._scanners: dict[int, Scanner] = {}
        # How often each tail (the rules from ``first`` on) was retried without its scanner.
        self._tail_uses: dict[int, int] = {}
        self._values: dict[tuple[object, ...], AmountValue | str] = {}
        self._longest_word = max((len(w) for w in rules.not_amount_words), default=0)

    def prepare(self, first: int) -> None:
        """Compile the retry scanner from rule ``first`` on now rather than on first use."""
        self._scanner(first)

    def clear_cache(self) -> None:
        """Forget the values kept for repeated amounts (benchmarks time a cold start)."""
        self._values.clear()

    # -- scanning ------------------------------------------------------------
    def _scanner(self, first: int) -> Scanner:
        """The scanner over rules ``first`` and after (built once, when a rule first turns a match down)."""
        scanner = self._scanners.get(first)
        if scanner is None:
            pattern = self.grammar.scanner.compiled if first == 0 else regex.compile(self.grammar.scanner_source(first))
            index_of = pattern.groupindex
            rules = self.grammar.rules[first:]
            rule_groups = tuple(index_of[c.group] for c in rules)
            named_groups = tuple(tuple((name, index_of[name]) for name in c.groups) for c in rules)
            scanner = Scanner(
                pattern,
                first,
                rule_groups,
                named_groups,
                _picker(rule_groups),
                tuple(tuple(name for name, _ in named) for named in named_groups),
                tuple(tuple(number for _, number in named) for named in named_groups),
                (None,) * len(rule_groups),
            )
            self._scanners[first] = scanner
        return scanner

    @staticmethod
    def _rule_of(scanner: Scanner, m: regex.Match[str], text: str) -> tuple[int, dict[str, str | None]]:
        """Index of the rule whose branch matched, and that rule's named groups."""
        # The rule groups' texts (``None`` for a group that took no part) and the test of
        # which one did are two C calls; ``m.regs`` would first build a span for each of
        # the scanner's groups, which costs twice what the rest of this does together.
        took_part = list(map(is_not, _group_texts(m, scanner.rule_groups), scanner.absent))
        if took_part.count(True) == 1:
            offset = took_part.index(True)
            return scanner.first + offset, dict(
                zip(scanner.group_names[offset], _group_texts(m, scanner.group_numbers[offset]), strict=True)
            )
        return AmountExtractor._rule_of_by_spans(scanner, m, text)

    @staticmethod
    def _rule_of_by_spans(scanner: Scanner, m: regex.Match[str], text: str) -> tuple[int, dict[str, str | None]]:
        """:meth:`_rule_of` from the spans of every group (for a match whose rule groups that test cannot tell)."""
        regs = m.regs
        # The branches are alternatives: exactly one rule's group took part, and its
        # span is the largest of them (the others are (-1, -1)); found without a Python loop.
        spans = scanner.rule_spans(regs)
        best = max(spans)
        if best[0] < 0:
            raise AssertionError("a scanner match without a rule branch")
        offset = spans.index(best)
        groups: dict[str, str | None] = {}
        for name, index in scanner.named_groups[offset]:
            start, end = regs[index]
            groups[name] = text[start:end] if start >= 0 else None
        return scanner.first + offset, groups

    def _retry(self, first: int, text: str, start: int, limit: float) -> tuple[int, dict[str, str | None], int] | None:
        """The first of the rules from ``first`` on that matches at ``start``: its index, groups and end.

        The same answer as the tail's scanner matched at ``start`` (see
        :func:`pipeline.amounts.grammar.build_grammar`: each rule's own pattern is the
        guard and its whole body, and the scanner's alternation takes the first rule
        that matches), without compiling that scanner until the tail has been retried
        :data:`COMPILE_TAIL_AFTER` times.
        """
        scanner = self._scanners.get(first)
        if scanner is None:
            uses = self._tail_uses.get(first, 0) + 1
            self._tail_uses[first] = uses
            if uses <= COMPILE_TAIL_AFTER:
                rules = self.grammar.rules
                for index in range(first, len(rules)):
                    compiled = rules[index]
                    m = compiled.pattern.compiled.match(text, start, timeout=limit)
                    if m is not None:
                        return index, {name: m.group(name) for name in compiled.groups}, m.end()
                return None
            scanner = self._scanner(first)
        retry = scanner.pattern.match(text, start, timeout=limit)
        if retry is None:
            return None
        index, groups = self._rule_of(scanner, retry, text)
        return index, groups, retry.end()

    def find(self, text: str, note: Note | None = None) -> list[Found]:
        """Every amount of ``text``, left to right, without overlaps.

        The scan runs within the time budget of the document being processed (see
        :mod:`pipeline.rulebook.patterns`), charged to ``amounts.scanner``; while
        tracing, every rule's match is logged under the rule's id for ``rules explain``.
        The budget is handed to the ``regex`` engine as a timeout, so a pattern that
        backtracks without end (an overlay's, say) is stopped inside a match.

        Raises:
            PatternTimeout: the document's pattern budget ran out (E206).

        """
        scope = active_scope()
        deadline = scope.deadline if scope is not None else None
        log = scope.log if scope is not None else None
        limit = deadline.remaining() if deadline is not None else DEFAULT_CALL_TIMEOUT
        if limit <= 0:
            raise self._timed_out(deadline, limit)
        started = time.perf_counter()
        try:
            return self._scan(text, note, limit, log)
        except TimeoutError:
            raise self._timed_out(deadline, limit) from None
        finally:
            if deadline is not None:
                deadline.charge(SCANNER, time.perf_counter() - started)

    def iter_found(self, text: str, note: Note | None = None) -> Iterator[Found]:
        """The amounts of ``text`` one by one (see :meth:`find`)."""
        return iter(self.find(text, note))

    @staticmethod
    def _timed_out(deadline: Deadline | None, limit: float) -> PatternTimeout:
        return PatternTimeout(
            ErrorCode.E206,
            rule_id=SCANNER,
            seconds=round(deadline.seconds if deadline is not None else limit, 3),
            doc_id=deadline.doc_id if deadline is not None else "(none)",
        )

    def _scan(self, text: str, note: Note | None, limit: float, log: list[PatternMatch] | None) -> list[Found]:
        """The scan itself; ``limit`` is the engine timeout (the document's remaining budget)."""
        full = self._scanner(0)
        out: list[Found] = []
        rules = self.grammar.rules
        previous_end = 0
        matches = full.pattern.finditer(text, timeout=limit)
        while True:
            m = next(matches, None)
            if m is None:
                return out
            start = m.start()
            if start < previous_end:
                continue  # a retried rule ran past the scanner's match
            index, groups = self._rule_of(full, m, text)
            end = m.end()
            found = self._accept(rules[index], groups, text, start, end, previous_end, note, limit)
            while found is None:
                if log is not None:
                    log.append(PatternMatch(rules[index].rule.id, rules[index].rule.pattern, start, end, text))
                if index + 1 >= len(rules):
                    break
                # Turned down: the rules after this one get their chance at the same place.
                retried = self._retry(index + 1, text, start, limit)
                if retried is None:
                    break
                index, groups, end = retried
                found = self._accept(rules[index], groups, text, start, end, previous_end, note, limit)
            if found is None:
                # Nothing here after all: scan again from the next character.
                matches = full.pattern.finditer(text, start + 1, timeout=limit)
                continue
            if self.strict:
                found, index = self._longest(found, index, text, start, previous_end, note, limit)
            if log is not None:
                log.append(PatternMatch(found.rule_id, rules[index].rule.pattern, found.start, found.end, text))
            out.append(found)
            previous_end = found.end
            if found.end < m.end():
                matches = full.pattern.finditer(text, found.end, timeout=limit)

    def _longest(
        self,
        found: Found,
        index: int,
        text: str,
        start: int,
        previous_end: int,
        note: Note | None,
        limit: float,
    ) -> tuple[Found, int]:
        """The longest match at ``start`` among this rule and the ones after it (then the higher priority)."""
        rules = self.grammar.rules
        best, best_index = found, index
        while index + 1 < len(rules):
            retried = self._retry(index + 1, text, start, limit)
            if retried is None:
                break
            index, groups, end = retried
            other = self._accept(rules[index], groups, text, start, end, previous_end, note, limit)
            if other is not None and (other.end, other.priority) > (best.end, best.priority):
                best, best_index = other, index
        return best, best_index

    def _accept(
        self,
        compiled: CompiledRule,
        groups: dict[str, str | None],
        text: str,
        start: int,
        end: int,
        previous_end: int,
        note: Note | None,
        limit: float,
    ) -> Found | None:
        rule = compiled.rule
        # The common case first: nothing written before the number that could matter.
        if start == 0 or text[start - 1] not in self.grammar.left_enders:
            if compiled.is_money and self._per_share(text, start, previous_end, limit):
                left, left_start = LeftContext(per_share=True), start
            else:
                left, left_start = NO_CONTEXT, start
        else:
            left, left_start = self._left(text, start, previous_end, groups, rule, limit)
        problem = None
        if compiled.has_checks:
            problem = self._unmet(compiled, groups, left, text, start, limit)
        if problem is None and not text[start].isascii() and self._inside_word(text, start):
            problem = "inside a name or word that is not an amount (not_amount_words)"
        if problem is None:
            # Only a bare number (no unit, no currency) can turn into money through a cue.
            cue = compiled.may_be_money and not groups.get("unit") and left.currency is None
            money_cue = cue and self._money_cue(text, left_start, end)
            # The same words read the same way: a third of a news text's amounts repeat
            # (100%, 5%, 1亿元), so their values are kept (the resolver is pure).
            key = (rule.id, tuple(groups.values()), left, money_cue)
            cached = self._values.get(key)
            if cached is None:
                try:
                    cached = self.resolver.resolve(rule, groups, left, money_cue=money_cue)
                except (Unparsable, ArithmeticError, ValueError) as exc:
                    cached = str(exc)
                remember(self._values, key, cached, _VALUE_CACHE_SIZE)
            if isinstance(cached, AmountValue):
                return Found(left_start, end, cached, rule.id, rule.priority)
            problem = cached
        if note is not None:
            note("amounts", "rejected", f"rule:{rule.id}", (start, end), problem)
        return None

    def _unmet(
        self,
        compiled: CompiledRule,
        groups: dict[str, str | None],
        left: LeftContext,
        text: str,
        start: int,
        limit: float,
    ) -> str | None:
        """What a rule's ``needs``, ``not_after`` and ``before`` say is missing (None: nothing)."""
        params = compiled.rule.params
        num = groups.get("num") or ""
        for need in params.needs:
            if need == "currency" and left.currency is None:
                return "needs a currency before the number"
            if need == "between" and not left.between:
                return "needs 介乎/介于 before the range"
            if need == "qualifier" and not (left.qualifier or left.lead):
                return "needs a qualifier or a lead word before the magnitude"
            if need == "big_unit" and not any(ch in "万亿萬億" for ch in num + (groups.get("mag") or "")):
                return "needs 万 or 亿"
            if need == "digit_start" and (not num or (num[0] in _UNIT_START and not groups.get("fuzzy"))):
                return "starts with a unit (千亿, 百万): an idiom or a word part more often than a number"
            if need == "grouped" and not _GROUPED.search(num):
                return "needs thousand separators"
        if compiled.not_after is not None and compiled.not_after.compiled.search(text, max(0, start - 8), start):
            return "the words before make it something else (params.not_after)"
        if compiled.before is not None and not compiled.before.compiled.search(
            self._clause_before(text, start, self.rules.left_window)
        ):
            return "the clause before does not say what it needs (params.before)"
        return None

    # -- context ---------------------------------------------------------------
    def _left(
        self,
        text: str,
        start: int,
        previous_end: int,
        groups: dict[str, str | None],
        rule: AmountRule,
        limit: float,
    ) -> tuple[LeftContext, int]:
        """Read the words before a match; return them and where the mention now starts."""
        left_pattern = self.grammar.left
        lo = max(previous_end, start - self.rules.left_window)
        m = None
        if left_pattern is not None and lo < start and self._context_ends_at(text, lo, start):
            # The patterns read around a match (left context, per share, not_after,
            # before) run on a window of at most left_window (<= 64) characters: bounded
            # input, on which the raw pattern may run without the engine's timeout,
            # whose set-up would cost more than the match itself.
            m = left_pattern.compiled.match(text, lo, start)
        if m is None or m.start() == start:
            if rule.params.kind == "money" and self._per_share(text, start, previous_end, limit):
                return LeftContext(per_share=True), start
            return NO_CONTEXT, start
        g = m.groupdict()
        num = groups.get("num") or ""
        if g.get("lead") and not (num and num[0] in _UNIT_START) and rule.params.fixed is None:
            g["lead"] = None  # 上3亿 is not 上亿: leads only go before a unit (or a word such as 半)
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
        per_share = bool(g.get("per")) or (
            rule.params.kind == "money" and self._per_share(text, start, previous_end, limit)
        )
        left = LeftContext(
            qualifier=g.get("qual"),
            lead=g.get("lead"),
            currency=g.get("curpre") or g.get("curpre0"),
            per_share=per_share,
            sign=sign,
            between=bool(g.get("between")),
        )
        return left, min(widen, default=start)

    def _context_ends_at(self, text: str, lo: int, start: int) -> bool:
        """Tell whether a word the left context can end with ends right before ``start``."""
        words = self.grammar.left_enders.get(text[start - 1])
        # text[lo:start] ends with one of the words (one C call rather than a loop).
        return words is not None and text.endswith(words, lo, start)

    def _unblocked(self, text: str, qual_start: int, qual_end: int) -> tuple[int, str | None]:
        """The qualifier once words that end inside it are taken off (合约 -> none, 扩大约 -> 约)."""
        blockers = self._blocker_pattern
        if blockers is not None:
            for m in blockers.finditer(text, max(0, qual_start - self._longest_blocker + 1), qual_end, overlapped=True):
                if m.start() < qual_start < m.end() <= qual_end:
                    rest = text[m.end() : qual_end]
                    if rest and rest in self.rules.qualifiers:
                        return m.end(), rest
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

    def _per_share(self, text: str, start: int, previous_end: int, limit: float) -> bool:
        pattern = self.grammar.per_share_context
        lo = max(previous_end, start - 12)
        if pattern is None or (self._per_share_literal and self._per_share_literal not in text[lo:start]):
            return False
        return pattern.compiled.search(text, lo, start) is not None


def _picker(groups: tuple[int, ...]) -> Callable[[tuple[tuple[int, int], ...]], tuple[tuple[int, int], ...]]:
    """A function taking the spans of ``groups`` out of a match's ``regs``, always as a tuple."""
    if not groups:
        return lambda regs: ()
    pick = itemgetter(*groups)
    if len(groups) > 1:
        return pick

    def single(regs: tuple[tuple[int, int], ...]) -> tuple[tuple[int, int], ...]:
        return (pick(regs),)

    return single


def _group_texts(m: regex.Match[str], numbers: tuple[int, ...]) -> tuple[str | None, ...]:
    """The texts of the groups ``numbers`` of ``m`` (``None`` for those that took no part), always as a tuple."""
    if len(numbers) > 1:
        return tuple(m.group(*numbers))
    return (m.group(numbers[0]),) if numbers else ()


def _after_alnum(text: str, pos: int) -> bool:
    """Tell whether the character before ``pos`` is a Latin letter or digit (GLM-130B, 010-1234)."""
    return pos > 0 and text[pos - 1].isascii() and text[pos - 1].isalnum()
