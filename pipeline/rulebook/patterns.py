r"""Rule patterns: compiled with the ``regex`` module, matched under a per-document time budget.

Rule files are data written by data engineers, and one pattern that backtracks
catastrophically (``(a|a)+$``) could otherwise hang a batch of thousands of articles.
So every pattern that comes from a rule file is compiled into a :class:`SafePattern`,
whose match methods take their timeout from the :class:`Deadline` of the document
being processed (the pipeline activates it with :func:`pattern_scope` while the
stages run). When the budget runs out the pattern raises :class:`PatternTimeout`
(code E206): the document fails with that code and the batch goes on. A pattern
the prefilter proves linear (:func:`pipeline.rulebook.prefilter.linear_work`: no
nested or ambiguous repeats) scans without the engine's timeout when even its worst
case fits in the time left; its time is still charged to the budget.

The ``regex`` module (not ``re``) is used because it supports timeouts, Unicode
properties such as ``\p{Han}``, variable-length look-behind and overlapped matching.

While tracing (``zhpipe rules explain``), every match a rule pattern yields on the
document text is also written to a match log, so that the explanation can show rules
that fired but lost to another rule inside their stage.

Scans are made cheap without changing a match (:mod:`pipeline.rulebook.prefilter`):
a text holding none of the characters every match needs, or none of the words, is
not scanned at all, and
a pattern whose start the engine cannot skip to may be scanned behind lookaheads for
the characters a match can start with and for a required character near the start.
Whether those lookaheads pay depends on the pattern and the text (the engine has
fast paths of its own that they can defeat), so each pattern times its variants on
its first scans and keeps the fastest (:class:`_Tuner`); all variants find the same
matches. One more contender is a *windowed* scan (:class:`_Windows`): a pattern whose
matches each hold one of a few required words (or characters), and whose tries read
a bounded stretch of text (``prefilter.reach``), is only tried within that stretch of
each place the text holds one of them (``有限公司`` for a company name that ends with
it, ``先生`` for a person named with it), the rest of the text skipped.

A stage that runs many patterns over each text (the dates atoms) may also give
:func:`scan_each` a :class:`PatternGate`: one RE2 set scan of the text, with each
pattern widened into RE2 syntax (:func:`pipeline.rulebook.prefilter.superset`), tells
which patterns cannot match in it, and those are not scanned at all.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import regex

from pipeline.errors import ErrorCode, PipelineError
from pipeline.rulebook.prefilter import (
    MAX_NEAR,
    NO_FACTS,
    RUN_CAP,
    PatternFacts,
    _extent,
    _parse,
    _run_spellings,
    _single_chars,
    analyse,
    superset,
)

# ``{NAME}`` placeholders: upper-case names only, so ``\d{1,3}`` and ``\p{Han}`` are safe.
_MACRO = regex.compile(r"\{([A-Z][A-Z0-9_]*)\}")
# Escapes whose braces are not macros: \p{L}, \P{Lu}, \N{...}, \X{...}.
_BRACE_ESCAPES = ("\\p", "\\P", "\\N")

# Seconds of pattern matching one document may use, unless the run says otherwise
# (``pattern_timeout`` option, ``--pattern-timeout``, or the TOML run config).
DEFAULT_DOCUMENT_BUDGET = 5.0
# Outside a document (``pipeline.normalize()`` called directly, or a stage used on its
# own) a single match operation still may not run longer than this.
DEFAULT_CALL_TIMEOUT = 10.0

# The timeouts handed to the ``regex`` module count processor time, so a busy machine
# slows a batch down but fails no document. The bookkeeping between patterns uses the
# wall clock (a thousand times cheaper to read), which can only make the budget stricter.
_clock = time.perf_counter

# A pattern proved linear (``prefilter.linear_work``) scans a text without the engine's
# timeout when its worst case fits in the time left: the timeout costs a system call
# (the process clock) per scan and per match, a third of the scanning time of the dates
# rules. The worst case counts this many seconds per step of the engine, and per
# character for the matches themselves (a Python object each), both on the slow side
# of what a busy machine shows; it is far above what real text costs.
STEP_SECONDS = 1e-7
CHAR_SECONDS = 1e-5

# Macros that a stage builds from a rule file's tables rather than from its
# ``macros`` mapping; they are known names, not typos.
STAGE_MACROS: dict[str, frozenset[str]] = {
    # Built by pipeline.amounts.grammar.table_macros from the currency, unit, qualifier
    # and lead tables.
    "amounts": frozenset(
        {
            "CUR_NAME",
            "CUR_PREFIX",
            "CUR_SYMBOL",
            "COUNT_UNIT",
            "SHARE_UNIT",
            "QUAL_PRE",
            "QUAL_POST",
            "LEAD",
            "CUR_NAME_FIRST",
            "COUNT_UNIT_FIRST",
            "SHARE_UNIT_FIRST",
            "CUR_BEFORE_LAST",
            "QUAL_LEAD_LAST",
        }
    ),
    # Built by pipeline.dates.extractor: holiday and day-part tables, and the
    # placeholders of the composition pass (a date, "now", a duration).
    "dates": frozenset({"HOLIDAY", "WEAK_HOLIDAY", "HOLIDAY_PART", "DAY_PART", "D", "DUR", "NOW"}),
}
# Flags each kind's patterns are compiled with by its stage.
KIND_FLAGS: dict[str, int] = {"normalize": regex.MULTILINE}


class PatternTimeout(PipelineError):
    """A rule pattern ran out of the document's time budget (E206)."""


def expand_macros(pattern: str, macros: Mapping[str, str]) -> str:
    r"""Replace ``{NAME}`` by ``(?:macro)``; macros may use other macros.

    Only upper-case names that are defined are replaced, so ``\\d{1,3}`` is safe.

    Raises:
        ValueError: a macro refers to itself (directly or not).

    """
    for _ in range(10):
        expanded: str = _MACRO.sub(
            lambda m: f"(?:{macros[m.group(1)]})" if m.group(1) in macros else m.group(0), pattern
        )
        if expanded == pattern:
            return expanded
        pattern = expanded
    raise ValueError("macros nest too deeply (a macro refers to itself?)")


def macro_references(pattern: str) -> list[str]:
    r"""The ``{NAME}`` placeholders of ``pattern`` (not the braces of ``\p{..}`` escapes)."""
    names = []
    for m in _MACRO.finditer(pattern):
        if pattern[max(0, m.start() - 2) : m.start()] in _BRACE_ESCAPES:
            continue
        names.append(m.group(1))
    return names


def undefined_macros(pattern: str, macros: Mapping[str, str], kind: str | None = None) -> list[str]:
    """Placeholders in ``pattern`` (or in the macros it uses) that nothing defines."""
    known = set(macros) | set(STAGE_MACROS.get(kind or "", ()))
    missing: list[str] = []
    seen: set[str] = set()
    todo = macro_references(pattern)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        if name not in known:
            missing.append(name)
        elif name in macros:
            todo.extend(macro_references(macros[name]))
    return sorted(missing)


def validation_source(pattern: str, macros: Mapping[str, str], kind: str | None = None) -> str:
    """The pattern as its stage will compile it; stage-built macros stand in as ``(?:)``.

    Raises:
        ValueError: the macros nest too deeply.

    """
    stand_ins = {name: "" for name in STAGE_MACROS.get(kind or "", ())}
    return expand_macros(pattern, {**stand_ins, **macros})


@dataclass(slots=True)
class Deadline:
    """The pattern-matching time budget of one document, in seconds.

    Every match operation of a :class:`SafePattern` runs with the remaining budget
    as its timeout and is charged the time it took, per rule.
    """

    seconds: float = DEFAULT_DOCUMENT_BUDGET
    doc_id: str = "(none)"
    spent: float = 0.0
    by_rule: dict[str, float] = field(default_factory=dict)

    def remaining(self) -> float:
        """Seconds left for this document's patterns."""
        return self.seconds - self.spent

    def charge(self, rule: str, elapsed: float) -> None:
        """Book ``elapsed`` seconds of matching to ``rule``."""
        self.spent += elapsed
        self.by_rule[rule] = self.by_rule.get(rule, 0.0) + elapsed

    def slowest(self, n: int = 3) -> list[tuple[str, float]]:
        """The ``n`` rules that used the most time."""
        return sorted(self.by_rule.items(), key=lambda item: item[1], reverse=True)[:n]


@dataclass(frozen=True, slots=True)
class PatternMatch:
    """A match of a rule pattern, as logged while tracing."""

    rule: str
    pattern: str
    start: int
    end: int
    # The searched string itself (not a copy), so a trace can keep the matches on the
    # document text apart from those on a sentence or a shadow copy.
    string: str = field(repr=False, compare=False)


@dataclass(slots=True)
class PatternScope:
    """What the patterns of the document under work share: its deadline and match log.

    It also keeps the set of characters of the last few texts scanned (the document
    text, and the sentence or skeleton a stage scans in between), so that the dozens
    of patterns run over one text test their required characters against it cheaply.
    """

    # How many texts the scope remembers.
    KEEP = 4

    deadline: Deadline | None
    log: list[PatternMatch] | None = None
    _text: str | None = field(default=None, repr=False)
    _chars: frozenset[str] = field(default=frozenset(), repr=False)
    _runs: dict[str, bool] = field(default_factory=dict, repr=False)
    # The texts asked about before, the last first: (text, characters, long runs).
    _before: list[tuple[str, frozenset[str], dict[str, bool]]] = field(default_factory=list, repr=False)

    def chars_of(self, text: str) -> frozenset[str]:
        """The distinct characters of ``text`` (kept for the last few texts asked about)."""
        if text is not self._text:
            self._switch(text)
        return self._chars

    def _switch(self, text: str) -> None:
        """Make ``text`` the current text, from what is kept of it or afresh."""
        before = self._before
        if self._text is not None:
            before.insert(0, (self._text, self._chars, self._runs))
        for i, (known, chars, runs) in enumerate(before):
            if known is text:
                del before[i]
                self._text, self._chars, self._runs = known, chars, runs
                break
        else:
            self._text, self._chars, self._runs = text, frozenset(text), {}
        del before[self.KEEP - 1 :]

    def has_long_run(self, text: str, check: regex.Pattern[str]) -> bool:
        """Tell whether ``check`` (see :func:`_long_run`) finds a long run in ``text`` (kept with its characters)."""
        if text is not self._text:
            self._switch(text)
        found = self._runs.get(check.pattern)
        if found is None:
            found = self._runs[check.pattern] = check.search(text) is not None
        return found


_SCOPE: ContextVar[PatternScope | None] = ContextVar("zhpipe_pattern_scope", default=None)


@contextmanager
def pattern_scope(deadline: Deadline | None, log: list[PatternMatch] | None = None) -> Iterator[PatternScope]:
    """Make ``deadline`` (and ``log``) the budget of every rule pattern run inside the block.

    A context variable rather than an argument: the stages call their patterns deep
    inside their own code, and each thread or task sees only its own document.
    """
    scope = PatternScope(deadline, log)
    token = _SCOPE.set(scope)
    try:
        yield scope
    finally:
        _SCOPE.reset(token)


def active_scope() -> PatternScope | None:
    """The scope of the document being processed, if any."""
    return _SCOPE.get()


class _Tuner:
    """Picks the fastest of equivalent compiled variants of a pattern from its first scans.

    Variants take turns on whole scans until each has scanned :attr:`MIN_RUNS` texts
    and :attr:`MIN_CHARS` characters; the one with the least median time per character
    wins (the median, not the total: on a shared machine one scan that lost the
    processor for a while would decide it). Timing noise can only make a slower
    variant win: every variant finds the same matches. With ``windowed``, the windowed
    scan (:class:`_Windows`) takes its turns too, as the contender after the compiled
    variants (index ``len(variants)``).
    """

    MIN_RUNS = 8
    MIN_CHARS = 5_000
    __slots__ = ("chars", "rates", "turn", "variants")

    def __init__(self, variants: list[regex.Pattern[str]], windowed: bool = False) -> None:
        self.variants = variants
        size = len(variants) + windowed
        self.chars = [0] * size
        self.rates: list[list[float]] = [[] for _ in range(size)]
        self.turn = 0

    def pick(self) -> int:
        """The contender to run next (``len(variants)``: the windowed scan)."""
        self.turn = (self.turn + 1) % len(self.rates)
        return self.turn

    def record(self, index: int, seconds: float, chars: int) -> tuple[regex.Pattern[str], bool] | None:
        """Book a whole scan; once all have had their turns, the fastest variant and whether windows beat it."""
        self.chars[index] += chars
        self.rates[index].append(seconds / max(chars, 1))
        if min(map(len, self.rates)) < self.MIN_RUNS or min(self.chars) < self.MIN_CHARS:
            return None
        rates = [statistics.median(runs) for runs in self.rates]
        n = len(self.variants)
        best = rates.index(min(rates[:n]))
        return self.variants[best], min(rates[n:], default=rates[best]) < rates[best]


class SafePattern:
    """A compiled ``regex`` pattern whose match methods honour the document's deadline.

    It offers the methods the stages use (``search``, ``match``, ``fullmatch``,
    ``finditer``, ``findall``, ``sub``, ``subn``, ``split``) with the ``regex``
    signatures. A ``timeout`` passed by the caller still applies, as an upper bound.
    """

    __slots__ = (
        "_compiled",
        "_facts",
        "_required",
        "_scan",
        "_step_bound",
        "_tuner",
        "_windowed",
        "_windows",
        "_words",
        "rule_id",
        "source",
    )

    def __init__(self, compiled: regex.Pattern[str], source: str, rule_id: str | None = None) -> None:
        self._compiled = compiled
        self.source = source
        self.rule_id = rule_id
        # The analysis and the variants are worked out on first use: a pipeline holds
        # hundreds of patterns, and a worker process rebuilds them all.
        self._facts: PatternFacts | None = None
        self._required: frozenset[str] | None = None
        self._words: _Words | None = None
        # Seconds a scan may take per character at worst (None: not proved linear).
        self._step_bound: float | None = None
        self._scan = compiled
        self._tuner: _Tuner | None = None
        # The windowed scan, if the pattern allows one, and whether the scans use it.
        self._windows: _Windows | None = None
        self._windowed = False

    @property
    def facts(self) -> PatternFacts:
        """What the prefilter analysis found (see :mod:`pipeline.rulebook.prefilter`)."""
        return self._facts if self._facts is not None else self._prepare()

    def _prepare(self) -> PatternFacts:
        """Analyse the pattern and compile its variants (once, before the first scan)."""
        compiled = self._compiled
        facts = _facts(compiled)
        # What the scanning methods run: the pattern as written, or behind lookaheads
        # from the analysis (same matches); the tuner keeps the fastest. The near
        # lookahead alone would run at every position: it only comes after the first set.
        variants = [compiled]
        for lead in (facts.lead, _join(facts.lead, facts.near)):
            fast = _with_lead(compiled, lead)
            if fast is not compiled and all(fast.pattern != v.pattern for v in variants):
                variants.append(fast)
        self._required = facts.required
        self._words = _by_first(facts.words) if facts.words is not None else None
        anchors = self._words or (_by_first(facts.required) if facts.required is not None else None)
        self._windows = (
            _Windows(
                anchors,
                *facts.reach,
                tuple(_long_run(cls) for cls in facts.runs),
                _anchor_offsets(compiled, anchors),
            )
            if anchors is not None and facts.reach is not None
            else None
        )
        windowed = self._windows is not None
        self._tuner = _Tuner(variants, windowed) if len(variants) > 1 or windowed else None
        # The scan may run behind a lookahead of at most MAX_NEAR + 2 steps (see _with_lead).
        work = facts.work
        self._step_bound = 2 * (work + MAX_NEAR + 2) * STEP_SECONDS + CHAR_SECONDS if work is not None else None
        self._facts = facts
        return facts

    # -- what a compiled pattern exposes ----------------------------------------
    @property
    def pattern(self) -> str:
        """The expanded pattern text."""
        return str(self._compiled.pattern)

    @property
    def flags(self) -> int:
        """The compile flags."""
        return int(self._compiled.flags)

    @property
    def groups(self) -> int:
        """Number of capturing groups."""
        return int(self._compiled.groups)

    @property
    def groupindex(self) -> Mapping[str, int]:
        """Named groups and their numbers."""
        return dict(self._compiled.groupindex)

    @property
    def compiled(self) -> regex.Pattern[str]:
        """The underlying ``regex`` pattern (no deadline: use it only on bounded input)."""
        return self._compiled

    @property
    def scanner(self) -> regex.Pattern[str]:
        """The pattern the scanning methods run now (the same matches as :attr:`compiled`)."""
        if self._facts is None:
            self._prepare()
        return self._scan

    @property
    def variants(self) -> list[regex.Pattern[str]]:
        """Every equivalent compiled form the scans may run (the pattern as written first)."""
        if self._facts is None:
            self._prepare()
        return list(self._tuner.variants) if self._tuner is not None else [self._scan]

    @property
    def windowed(self) -> bool:
        """Whether whole scans run windowed (decided by the tuner; see :class:`_Windows`)."""
        return self._windowed

    def _scanner_for_trial(self, windows: bool = False) -> tuple[regex.Pattern[str], _Windows | None, int]:
        """The variant to scan with, the windows to scan in (or ``None``), and the tuner's index (-1 once decided).

        ``windows``: the caller takes every match at once, so may scan windowed; for other
        callers the windowed scan's turn in the trial is skipped.
        """
        if self._facts is None:
            self._prepare()
        tuner = self._tuner
        if tuner is None:
            return self._scan, self._windows if windows and self._windowed else None, -1
        index = tuner.pick()
        if index < len(tuner.variants):
            return tuner.variants[index], None, index
        return (self._scan, self._windows, index) if windows else (self._scan, None, -1)

    def _book(self, index: int, seconds: float, chars: int) -> None:
        """Book a whole scan run with trial contender ``index``."""
        tuner = self._tuner
        if index >= 0 and tuner is not None:
            winner = tuner.record(index, seconds, chars)
            if winner is not None:
                (self._scan, self._windowed), self._tuner = winner, None

    def _scan_all(
        self,
        string: str,
        pos: int | None,
        endpos: int | None,
        timeout: float | None,
        scope: PatternScope | None,
    ) -> tuple[list[regex.Match[str]], int]:
        """Every match of a whole scan, as ``list(finditer(..))``, and the contender that ran it.

        Raises:
            TimeoutError: the engine timeout ran out.

        """
        compiled, windows, index = self._scanner_for_trial(windows=True)
        if windows is not None:
            found = windows.scan(compiled, string, pos, endpos, timeout, scope)
            if found is not None:
                return found, index
        return list(compiled.finditer(string, pos, endpos, timeout=timeout)), index

    def cannot_match(self, string: str, scope: PatternScope | None = None) -> bool:
        """Tell whether ``string`` lacks every character, or every word, a match needs (so no scan is needed)."""
        if self._facts is None:
            self._prepare()
        required, words = self._required, self._words
        if required is None and words is None:
            return False
        if scope is None:
            scope = _SCOPE.get()
        chars = scope.chars_of(string) if scope is not None else None
        if required is not None:
            if chars is not None:
                if required.isdisjoint(chars):
                    return True
            elif len(required) <= 4 and not any(ch in string for ch in required):
                return True
        return words is not None and _lacks_words(words, string, chars)

    def __repr__(self) -> str:
        return f"SafePattern({self.rule_id or self.source!r})"

    def __reduce__(self) -> tuple[Callable[..., SafePattern], tuple[str, int, str, str | None]]:
        # Worker processes recompile (regex keeps a cache) rather than pickling internals.
        return (_rebuild, (self.pattern, self.flags, self.source, self.rule_id))

    # -- budget ------------------------------------------------------------------
    @property
    def _name(self) -> str:
        return self.rule_id or self.source[:60]

    def _limit(self, scope: PatternScope | None, timeout: float | None) -> float:
        limit = timeout if timeout is not None else DEFAULT_CALL_TIMEOUT
        if scope is not None and scope.deadline is not None:
            remaining = scope.deadline.remaining()
            if remaining <= 0:
                raise self._timed_out(scope, 0.0)
            limit = min(limit, remaining) if timeout is not None else remaining
        return limit

    def _scan_all_charged(
        self,
        string: str,
        pos: int | None,
        endpos: int | None,
        engine_timeout: float | None,
        scope: PatternScope | None,
        limit: float,
    ) -> list[regex.Match[str]]:
        """Every match of a whole scan, with its time charged to the budget and booked with the tuner.

        Raises:
            PatternTimeout: the engine timed out (E206).

        """
        started = _clock()
        try:
            found, index = self._scan_all(string, pos, endpos, engine_timeout, scope)
        except TimeoutError:
            raise self._timed_out(scope, limit) from None
        finally:
            elapsed = _clock() - started
            self._charge_seconds(scope, elapsed)
        self._book(index, elapsed, len(string))
        return found

    def _timed_out(self, scope: PatternScope | None, limit: float) -> PatternTimeout:
        deadline = scope.deadline if scope is not None else None
        seconds = deadline.seconds if deadline is not None and limit >= deadline.remaining() else limit
        return PatternTimeout(
            ErrorCode.E206,
            rule_id=self._name,
            seconds=round(seconds, 3),
            doc_id=deadline.doc_id if deadline is not None else "(none)",
        )

    def _timeout(self, string: str, limit: float) -> float | None:
        """The engine timeout for a scan of ``string`` within ``limit`` seconds: none when a linear scan fits."""
        if self._facts is None:
            self._prepare()
        bound = self._step_bound
        return None if bound is not None and bound * len(string) <= limit else limit

    def _charge_seconds(self, scope: PatternScope | None, elapsed: float) -> None:
        if scope is not None and scope.deadline is not None:
            scope.deadline.charge(self._name, elapsed)

    def _charge(self, scope: PatternScope | None, started: float) -> None:
        self._charge_seconds(scope, _clock() - started)

    def _call(self, method: str, timeout: float | None, *args: Any, **kwargs: Any) -> Any:
        """Call ``method`` of the compiled pattern with the budget's timeout, and charge the time."""
        scope = _SCOPE.get()
        limit = self._limit(scope, timeout)
        index = -1
        if method in ("match", "fullmatch"):
            compiled = self._compiled
        elif method == "search":
            compiled = self.scanner  # stops at the first match: no measure of a whole scan
        else:
            compiled, _windows, index = self._scanner_for_trial()
        timeout = self._timeout(args[1] if method in ("sub", "subn") else args[0], limit)
        started = _clock()
        try:
            result = getattr(compiled, method)(*args, timeout=timeout, **kwargs)
        except TimeoutError:
            raise self._timed_out(scope, limit) from None
        finally:
            self._charge(scope, started)
        if index >= 0:
            self._book(index, _clock() - started, len(args[1] if method in ("sub", "subn") else args[0]))
        return result

    def _log(self, scope: PatternScope | None, m: regex.Match[str] | None, string: str) -> None:
        if m is not None and scope is not None and scope.log is not None:
            scope.log.append(PatternMatch(self._name, self.source, m.start(), m.end(), string))

    # -- matching ------------------------------------------------------------------
    def search(
        self, string: str, pos: int | None = None, endpos: int | None = None, *, timeout: float | None = None, **kw: Any
    ) -> regex.Match[str] | None:
        """Like ``regex.Pattern.search``, within the document's budget."""
        if self.cannot_match(string):
            self._limit(_SCOPE.get(), timeout)  # a spent budget still stops the document here
            return None
        m = self._call("search", timeout, string, pos, endpos, **kw)
        self._log(_SCOPE.get(), m, string)
        return m

    def match(
        self, string: str, pos: int | None = None, endpos: int | None = None, *, timeout: float | None = None, **kw: Any
    ) -> regex.Match[str] | None:
        """Like ``regex.Pattern.match``, within the document's budget."""
        m = self._call("match", timeout, string, pos, endpos, **kw)
        self._log(_SCOPE.get(), m, string)
        return m

    def fullmatch(
        self, string: str, pos: int | None = None, endpos: int | None = None, *, timeout: float | None = None, **kw: Any
    ) -> regex.Match[str] | None:
        """Like ``regex.Pattern.fullmatch``, within the document's budget."""
        m = self._call("fullmatch", timeout, string, pos, endpos, **kw)
        self._log(_SCOPE.get(), m, string)
        return m

    def finditer(
        self, string: str, pos: int | None = None, endpos: int | None = None, *, timeout: float | None = None, **kw: Any
    ) -> Iterator[regex.Match[str]]:
        """Like ``regex.Pattern.finditer``; each step is charged to the document's budget."""
        scope = _SCOPE.get()
        limit = self._limit(scope, timeout)
        if self.cannot_match(string, scope):
            return iter(())
        engine_timeout = self._timeout(string, limit)
        if kw.get("overlapped") is False:
            del kw["overlapped"]  # the default, spelled out by some callers
        if not kw and (scope is None or scope.log is None) and (engine_timeout is None or self._windows is not None):
            # Take every match in one call (as ``scan_each`` does) rather than step by step
            # through a generator: a linear scan that fits in the budget cannot time out,
            # and a windowed one is a few short searches, each under the timeout. Not
            # while tracing: the match log holds only the matches a caller took.
            if self._tuner is None:
                return iter(_settled_scan(self, string, pos, endpos, engine_timeout, limit, scope))
            return iter(self._scan_all_charged(string, pos, endpos, engine_timeout, scope, limit))
        compiled, _windows, index = self._scanner_for_trial()
        matches = compiled.finditer(string, pos, endpos, timeout=engine_timeout, **kw)
        return self._iterate(matches, scope, limit, string, index)

    def _iterate(
        self,
        matches: Iterator[regex.Match[str]],
        scope: PatternScope | None,
        limit: float,
        string: str,
        trial: int = -1,
    ) -> Iterator[regex.Match[str]]:
        # Only the time spent inside the regex engine counts, not the caller's work
        # between matches; it is booked once, when the iteration ends or is dropped.
        log = scope.log if scope is not None else None
        spent = 0.0
        try:
            while True:
                started = _clock()
                try:
                    m = next(matches, None)
                except TimeoutError:
                    raise self._timed_out(scope, limit) from None
                finally:
                    spent += _clock() - started
                if m is None:
                    self._book(trial, spent, len(string))  # a whole scan: it counts for the tuner
                    return
                if log is not None:
                    log.append(PatternMatch(self._name, self.source, m.start(), m.end(), string))
                yield m
        finally:
            if scope is not None and scope.deadline is not None:
                scope.deadline.charge(self._name, spent)

    def findall(
        self, string: str, pos: int | None = None, endpos: int | None = None, *, timeout: float | None = None, **kw: Any
    ) -> list[Any]:
        """Like ``regex.Pattern.findall``, within the document's budget."""
        if self.cannot_match(string):
            self._limit(_SCOPE.get(), timeout)
            return []
        return list(self._call("findall", timeout, string, pos, endpos, **kw))

    def sub(self, repl: Any, string: str, count: int = 0, *, timeout: float | None = None, **kw: Any) -> str:
        """Like ``regex.Pattern.sub`` (note: ``repl`` first), within the document's budget."""
        return str(self._call("sub", timeout, repl, string, count, **kw))

    def subn(
        self, repl: Any, string: str, count: int = 0, *, timeout: float | None = None, **kw: Any
    ) -> tuple[str, int]:
        """Like ``regex.Pattern.subn``, within the document's budget."""
        text, n = self._call("subn", timeout, repl, string, count, **kw)
        return str(text), int(n)

    def split(self, string: str, maxsplit: int = 0, *, timeout: float | None = None, **kw: Any) -> list[Any]:
        """Like ``regex.Pattern.split``, within the document's budget."""
        return list(self._call("split", timeout, string, maxsplit, **kw))


def scan_each(
    patterns: Sequence[SafePattern],
    string: str,
    *,
    timeout: float | None = None,
    gate: PatternGate | None = None,
    possible: Collection[int] | None = None,
    screened: bool = False,
) -> list[list[regex.Match[str]]]:
    """The matches of every pattern over ``string``, as ``list(p.finditer(string))`` would give them.

    For stages that run many patterns over one text (the dates atoms): the budget,
    the required-character test and the bookkeeping are done once per pattern rather
    than once per match, which is most of the cost of a scan that finds little. A
    pattern whose variant is settled (the tuner is done with it) is scanned right
    here, without the method calls a trial scan goes through: a document runs some
    thirty such scans, and their calls cost a third as much as the scans themselves.
    With ``gate`` (a :class:`PatternGate` over the same ``patterns``), the patterns it
    rules out for ``string`` are not scanned: they find nothing there. ``possible``:
    the indices of the patterns to scan, when the caller has asked a gate already
    (the others find nothing); without ``gate`` only. ``screened``: ``possible`` comes
    from an exact gate (not ``loose``), whose widenings keep the characters and words
    each pattern needs: a pattern it left holds them, so their test, and the set of the
    text's characters it needs (a tenth of the dates stage), are skipped.

    Raises:
        PatternTimeout: the document's budget ran out (E206).

    """
    scope = _SCOPE.get()
    log = scope.log if scope is not None else None
    deadline = scope.deadline if scope is not None else None
    chars = None
    if not (screened and possible is not None):
        chars = scope.chars_of(string) if scope is not None else frozenset(string)
    size = len(string)
    if gate is not None:
        possible = gate.possible(string, deadline)
    out: list[list[regex.Match[str]]] = [[] for _ in patterns]
    # Only the patterns the gate left are gone through; a spent budget stops the document
    # at the pattern it would have stopped at going through them all (the first one
    # after the last scanned), whether the gate ruled that one out or not.
    todo = range(len(patterns)) if possible is None else sorted(possible)
    after_last = 0
    for index in todo:
        pattern = patterns[index]
        # What ``pattern._limit`` gives, without the call.
        if deadline is not None:
            remaining = deadline.seconds - deadline.spent
            if remaining <= 0:
                raise patterns[after_last]._timed_out(scope, 0.0)
            limit = remaining if timeout is None else min(timeout, remaining)
        else:
            limit = DEFAULT_CALL_TIMEOUT if timeout is None else timeout
        after_last = index + 1
        if pattern._facts is None:
            pattern._prepare()
        required, words = pattern._required, pattern._words
        if chars is not None and (
            (required is not None and required.isdisjoint(chars))
            or (words is not None and _lacks_words(words, string, chars))
        ):
            continue
        if pattern._tuner is not None:
            found = pattern._scan_all_charged(string, None, None, pattern._timeout(string, limit), scope, limit)
        else:
            # What ``pattern._timeout`` gives: no engine timeout when a linear scan fits.
            bound = pattern._step_bound
            engine_timeout = None if bound is not None and bound * size <= limit else limit
            found = _settled_scan(pattern, string, None, None, engine_timeout, limit, scope)
        if log is not None:
            log.extend(PatternMatch(pattern._name, pattern.source, m.start(), m.end(), string) for m in found)
        out[index] = found
    if after_last < len(patterns) and deadline is not None and deadline.spent >= deadline.seconds:
        raise patterns[after_last]._timed_out(scope, 0.0)
    return out


class PatternGate:
    """Tells, with one RE2 scan of a text, which of many patterns may match in it.

    Most scans of a document by the dates rules find nothing: four in five of the
    time the ``regex`` engine spends on them goes to documents that hold no match.
    RE2 matches a whole set of patterns in one pass of a DFA, but knows no lookaround
    or back reference; so each pattern is widened into one RE2 does know
    (:func:`pipeline.rulebook.prefilter.superset`: it matches wherever the pattern
    does), and a pattern whose widened form finds nothing in a text cannot match in
    it and need not be scanned. Patterns that cannot be widened are always scanned.
    The set is built on first use. Without the ``re2`` module, or when RE2 fails on a
    text (its automaton out of memory, a text that is not valid Unicode), every
    pattern is scanned, as without the gate: the gate only skips scans that would
    find nothing, so the matches are the same either way.
    """

    # Memory for RE2's automaton (RE2's default): past it a scan fails, and every
    # pattern is scanned. Four megabytes of news text need less than half of it.
    MAX_MEM = 8 << 20
    __slots__ = ("_always", "_members", "_patterns", "_ready", "_sentinel", "_set", "loose", "name")

    def __init__(self, patterns: Sequence[SafePattern], name: str = "pattern gate", *, loose: bool = False) -> None:
        self._patterns = tuple(patterns)
        self.name = name
        # Widen loosely (``superset(.., loose=True)``): for patterns whose exact widenings make
        # too large an automaton together (names before the words that mark them).
        self.loose = loose
        self._ready = False
        self._set: Any = None
        # The set's index of each widened pattern -> the pattern's index; the patterns always scanned.
        self._members: list[int] = []
        self._always: frozenset[int] = frozenset()
        self._sentinel = -1

    def __reduce__(self) -> tuple[Callable[..., PatternGate], tuple[tuple[SafePattern, ...], str, bool]]:
        # Worker processes build their own set (an RE2 object does not pickle).
        return (_rebuild_gate, (self._patterns, self.name, self.loose))

    def _build(self) -> None:
        self._ready = True
        try:
            import re2
        except ImportError:
            return
        options = re2.Options()
        options.max_mem = self.MAX_MEM
        options.never_capture = True
        options.log_errors = False
        rules = re2.Set.SearchSet(options)
        always: set[int] = set()
        members: list[int] = []
        for index, pattern in enumerate(self._patterns):
            # Analysed now, as on a first scan without the gate: a pattern the gate rules
            # out for the first documents would otherwise be analysed in the middle of a run.
            pattern.facts  # noqa: B018
            source = superset(pattern.pattern, pattern.flags, loose=self.loose)
            if source is None:
                always.add(index)
                continue
            try:
                rules.Add(source)
            except re2.error:
                always.add(index)
                continue
            members.append(index)
        try:
            # A pattern that matches every text: when a scan does not report it, RE2 failed.
            self._sentinel = rules.Add("")
            rules.Compile()
        except re2.error:
            return
        self._set, self._members, self._always = rules, members, frozenset(always)

    @property
    def widened(self) -> int:
        """How many of the patterns the gate can rule out (the others are always scanned)."""
        if not self._ready:
            self._build()
        return len(self._members) if self._set is not None else 0

    def possible(self, text: str, deadline: Deadline | None = None) -> frozenset[int] | None:
        """The indices of the patterns that may match in ``text``; ``None``: any may (scan them all).

        The scan's time is charged to ``deadline`` under the gate's name.
        """
        if not self._ready:
            self._build()
        rules = self._set
        if rules is None:
            return None
        started = _clock()
        try:
            found = rules.Match(text)
        except ValueError:  # not valid Unicode (a lone surrogate): RE2 reads UTF-8
            return None
        finally:
            if deadline is not None:
                deadline.charge(self.name, _clock() - started)
        if not found or self._sentinel not in found:
            return None
        members = self._members
        sentinel = self._sentinel
        return self._always.union(members[i] for i in found if i != sentinel)


def _rebuild_gate(patterns: tuple[SafePattern, ...], name: str, loose: bool) -> PatternGate:
    return PatternGate(patterns, name, loose=loose)


def _settled_scan(
    pattern: SafePattern,
    string: str,
    pos: int | None,
    endpos: int | None,
    engine_timeout: float | None,
    limit: float,
    scope: PatternScope | None,
) -> list[regex.Match[str]]:
    """``pattern._scan_all_charged(...)`` for a pattern the tuner is done with, in one call.

    The same scan (the settled variant, windowed when the tuner chose windows) and
    the same charge to the budget, without the calls a trial scan goes through.

    Raises:
        PatternTimeout: the engine timed out (E206).

    """
    compiled = pattern._scan
    started = _clock()
    try:
        found = None
        if pattern._windowed:
            windows = pattern._windows
            if windows is not None:
                found = windows.scan(compiled, string, pos, endpos, engine_timeout, scope)
        if found is None:
            found = list(compiled.finditer(string, pos, endpos, timeout=engine_timeout))
    except TimeoutError:
        raise pattern._timed_out(scope, limit) from None
    finally:
        deadline = scope.deadline if scope is not None else None
        if deadline is not None:
            deadline.charge(pattern._name, _clock() - started)
    return found


# Required words grouped by their first character: the first characters, and each one's words.
_Words = tuple[frozenset[str], dict[str, tuple[str, ...]]]


class _Windows:
    """A scan that tries a pattern only near the words (or characters) one of which each match holds.

    A try at position ``p`` reads nothing outside ``text[p - behind : p + ahead]``
    (``prefilter.reach``) and succeeds only if it read one of the anchors, so it can
    only succeed at ``o + len(anchor) - ahead <= p <= o + behind`` for an anchor at
    ``o``. Those places are merged into windows at least ``ahead`` apart, and each
    window is searched with the text cut ``ahead`` characters after its last place: a
    try there reads nothing beyond the cut, so it goes as it would in the whole text,
    and a match found after the window's last place (where the cut text may fool the
    pattern, and no match can be) is dropped. The pattern cannot match the empty
    string, so each search starts where the last match ended, as ``finditer`` does:
    the matches are those of ``finditer``.

    With ``offsets`` (:func:`_anchor_offsets`), every match holds an anchor that starts
    ``lo`` to ``hi`` characters after the match start, so for an anchor at ``o`` the
    places are narrower: ``o - hi <= p <= o - lo`` (the cut stays ``ahead`` after the
    last place, so the searches go as before).
    """

    # Past this share of the text in windows, a plain scan is cheaper.
    MAX_SHARE = 0.5
    __slots__ = ("ahead", "anchors", "behind", "offsets", "runs")

    def __init__(
        self,
        anchors: _Words,
        ahead: int,
        behind: int,
        runs: tuple[regex.Pattern[str], ...] = (),
        offsets: tuple[int, int] | None = None,
    ) -> None:
        self.anchors = anchors
        self.ahead = ahead
        self.behind = behind
        self.offsets = offsets
        # The reach counts an unbounded run of one class (``\s*``) as ``RUN_CAP``
        # characters: a text with a longer run (any of these finds one) is scanned whole.
        self.runs = runs

    def spans(self, string: str, lo: int, hi: int, chars: frozenset[str]) -> list[list[int]] | None:
        """The windows ``[first, last]`` of the places in ``[lo, hi)`` to try, or ``None`` when they are too many."""
        firsts, by_first = self.anchors
        ahead = self.ahead
        offsets = self.offsets
        # A match starts ``-hi`` to ``-lo`` characters after an anchor's start, or (when
        # only the reach is known) ``len(anchor) - ahead`` to ``behind`` characters after it.
        if offsets is not None:
            after = -offsets[0]
            width = offsets[1] - offsets[0] + 1
        else:
            after = self.behind
            width = ahead + after + 1
        # Each anchor adds at most ``width`` places.
        most = int(self.MAX_SHARE * (hi - lo) / width) + 1
        places: list[tuple[int, int]] = []
        find = string.find
        for initial in firsts & chars:
            for word in by_first[initial]:
                low = -offsets[1] if offsets is not None else len(word) - ahead
                at = find(word)
                while at >= 0:
                    places.append((at + low, at + after))
                    if len(places) > most:
                        return None
                    at = find(word, at + 1)
        places.sort()
        out: list[list[int]] = []
        for first, last in places:
            first, last = max(first, lo), min(last, hi - 1)
            if first > last:
                continue
            if out and first <= out[-1][1] + ahead:
                out[-1][1] = max(out[-1][1], last)
            else:
                out.append([first, last])
        return out

    def scan(
        self,
        compiled: regex.Pattern[str],
        string: str,
        pos: int | None,
        endpos: int | None,
        timeout: float | None,
        scope: PatternScope | None = None,
    ) -> list[regex.Match[str]] | None:
        """``list(compiled.finditer(string, pos, endpos))`` by windows; ``None`` when a plain scan is needed or cheaper.

        ``scope`` keeps what is known of ``string`` (its characters, its long runs).

        Raises:
            TimeoutError: the searches together ran out of ``timeout``.

        """
        n = len(string)
        lo = 0 if pos is None else pos
        hi = n if endpos is None else endpos
        if not 0 <= lo <= hi <= n:
            return None  # negative or outlying positions: leave them to the engine
        if scope is None:
            scope = PatternScope(None)
        for check in self.runs:
            if scope.has_long_run(string, check):
                return None
        spans = self.spans(string, lo, hi, scope.chars_of(string))
        if spans is None:
            return None
        search = compiled.search
        ahead = self.ahead
        started = _clock() if timeout is not None else 0.0
        out: list[regex.Match[str]] = []
        at = lo
        for first, last in spans:
            at = max(at, first)
            cut = min(hi, last + ahead)
            while at <= last:
                left = None if timeout is None else timeout - (_clock() - started)
                if left is not None and left <= 0:
                    raise TimeoutError("regex timed out")
                m = search(string, at, cut, timeout=left)
                if m is None or m.start() > last:
                    break
                out.append(m)
                at = m.end()
        return out


def _long_run(cls: str) -> regex.Pattern[str]:
    """A pattern that finds a run of more than ``RUN_CAP`` characters of the class ``cls`` (the inside of a set)."""
    return regex.compile(f"[{cls}]{{{RUN_CAP + 1}}}")


def _anchor_offsets(compiled: regex.Pattern[str], anchors: _Words) -> tuple[int, int] | None:
    """How many characters after a match's start one of its anchors starts, ``(lo, hi)``, if that is known.

    Worked out from the parse of the pattern: an item of its top-level sequence that
    only matches an anchor (a character class all of whose characters are anchors, or
    a literal that holds an anchor word) starts as many characters in as the items
    before it consume, at least and at most (an unbounded run of one class counting as
    ``RUN_CAP`` characters, as in the reach the windows rely on already). The item
    with the narrowest range is taken; ``None`` when no item only matches an anchor.
    """
    if not isinstance(compiled.pattern, str):
        return None
    from regex import _regex_core as core

    words = {word for group in anchors[1].values() for word in group}
    best: tuple[int, int] | None = None
    try:
        parsed = _parse(compiled.pattern, compiled.flags)
        items = parsed.items if isinstance(parsed, core.Sequence) else [parsed]
        least = most = 0
        runs: set[str] = set()
        for index, item in enumerate(items):
            starts: list[int] = []
            # What the literals and small sets from here on spell (``融`` then ``[资券]``: 融资, 融券):
            # an anchor starts ``k`` characters in if one starts there in every spelling.
            spelled = _run_spellings(items, index)
            if spelled is not None:
                starts = [
                    k
                    for k in range(min(map(len, spelled)))
                    if all(any(text.startswith(word, k) for word in words) for text in spelled)
                ]
            elif _opens_with_anchor(item, words):
                starts = [0]
            for k in starts:
                if best is None or most - least < best[1] - best[0]:
                    best = (least + k, most + k)
            i_least, i_most, _ahead, _behind = _extent(item, runs)
            least, most = least + i_least, most + i_most
    except Exception:  # any surprise from regex internals: the plain windows, same matches
        return None
    return best


def _opens_with_anchor(node: Any, words: set[str]) -> bool:
    """Tell whether every match of the parsed ``node`` starts with one of ``words`` (see :func:`_anchor_offsets`)."""
    from regex import _regex_core as core

    if isinstance(node, core.String):  # also Literal
        text = "".join(map(chr, node.characters))
        return any(text.startswith(word) for word in words)
    if isinstance(node, core.Character):
        return bool(node.positive and not node.zerowidth and chr(node.value) in words)
    if isinstance(node, core.Branch):  # each alternative opens with an anchor
        return bool(node.branches) and all(_opens_with_anchor(branch, words) for branch in node.branches)
    if isinstance(node, core.Group | core.Atomic):
        return _opens_with_anchor(node.subpattern, words)
    if isinstance(node, core.Sequence):
        return bool(node.items) and _opens_with_anchor(node.items[0], words)
    chars = _single_chars(node)
    return bool(chars) and chars is not None and chars <= words


def _by_first(words: frozenset[str]) -> _Words:
    """``words`` grouped by their first character (in a fixed order)."""
    grouped: dict[str, list[str]] = {}
    for word in sorted(words):
        grouped.setdefault(word[0], []).append(word)
    return frozenset(grouped), {first: tuple(group) for first, group in grouped.items()}


def _lacks_words(words: _Words, string: str, chars: frozenset[str] | None) -> bool:
    """Tell whether ``string`` holds none of ``words`` (grouped by first character).

    ``chars`` are the text's characters, when known. Only the words whose first
    character is in the text are searched for: one set intersection (over the few
    first characters) rules out the others, which are most of them.
    """
    firsts, by_first = words
    if chars is None:
        return not any(word in string for group in by_first.values() for word in group)
    # Loops rather than ``any()`` over a generator: this runs for every pattern and text.
    for first in firsts & chars:
        for word in by_first[first]:
            if word in string:
                return False
    return True


def _rebuild(pattern: str, flags: int, source: str, rule_id: str | None) -> SafePattern:
    return SafePattern(regex.compile(pattern, flags), source, rule_id)


def _facts(compiled: regex.Pattern[str]) -> PatternFacts:
    """The prefilter facts of a compiled pattern (none for patterns that are not text)."""
    if not isinstance(compiled.pattern, str):
        return NO_FACTS
    return analyse(compiled.pattern, compiled.flags)


def _join(*leads: str | None) -> str | None:
    """Lookaheads one after the other (``None`` when there are fewer than two)."""
    present = [lead for lead in leads if lead]
    return "".join(present) if len(present) > 1 else None


def _with_lead(compiled: regex.Pattern[str], lead: str | None) -> regex.Pattern[str]:
    """``compiled`` behind the lookahead ``lead``, if it compiles to the same groups and flags."""
    if lead is None:
        return compiled
    try:
        fast = regex.compile(f"{lead}(?:{compiled.pattern})", compiled.flags)
    except (regex.error, ValueError, OverflowError):
        return compiled
    if fast.flags != compiled.flags or fast.groups != compiled.groups or fast.groupindex != compiled.groupindex:
        return compiled
    return fast


def compile_pattern(
    pattern: str,
    macros: Mapping[str, str] | None = None,
    flags: int = 0,
    *,
    rule_id: str | None = None,
) -> SafePattern:
    """Expand ``{MACRO}`` placeholders and compile a rule pattern into a :class:`SafePattern`.

    Raises:
        regex.error: the pattern does not compile (rule files are checked for this
            when they are loaded, with code E204).
        ValueError: the macros nest too deeply.

    """
    expanded = expand_macros(pattern, macros or {})
    return SafePattern(regex.compile(expanded, flags), pattern, rule_id)


__all__ = [
    "DEFAULT_DOCUMENT_BUDGET",
    "Deadline",
    "PatternGate",
    "PatternMatch",
    "PatternScope",
    "PatternTimeout",
    "SafePattern",
    "active_scope",
    "compile_pattern",
    "expand_macros",
    "macro_references",
    "pattern_scope",
    "scan_each",
    "undefined_macros",
    "validation_source",
]
