r"""What a rule pattern needs from a text before it can match: its first characters and required characters.

Every stage scans each document with dozens of rule patterns, and most of those
scans find nothing. Two facts, worked out once per pattern when it is compiled,
make such scans cheap without changing a single match:

* the *first set*: the characters a match can begin with. A pattern whose leading
  lookbehind keeps the ``regex`` engine from skipping ahead (``(?<![\d.])(?P<m>..)月``)
  is run as ``(?=[first set])(?:pattern)``, which the engine scans for like a
  character class, several times faster;
* the *required characters*: every match contains at least one of them (``月`` for
  ``{MONTH}月``). A text that holds none of them cannot match, and the scan is
  skipped;
* the *required words*: the same for literal strings of two characters or more
  (``有限公司`` or ``基金会`` for a company-name pattern, a holiday's name), which a
  text lacks far more often than it lacks one of their characters. A literal inside a
  positive lookaround counts too: the text must hold it all the same.

Both come from the ``regex`` module's own parser and its first-set computation (the
one it relies on for its own search), so they follow its syntax exactly
(``\p{Han}``, repeated group names, variable-length lookbehind). Those are internals
of ``regex``: should a future version change them, the analysis fails, the pattern
runs as written, and only the speed-up is lost (``tests/rulebook/test_prefilter.py``
notices, since it checks that the built-in rules are accelerated).

A pattern that can match the empty string, or that matches case-insensitively, gets
no first set; a required set is only kept when it is small and exact.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

import regex

# Characters too common in news text to make a useful requirement: digits, Latin
# letters, Chinese numerals and the most frequent function words.
_COMMON = frozenset(
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "一二三四五六七八九十百千万亿两零〇"
    "的是在了和有不为中人这上大国个年月日公司"
)
# A required set larger than this costs more to test than it saves.
MAX_REQUIRED = 24
# A character range in a set becomes part of a required set only when this small.
_MAX_RANGE = 16
# A required set of words larger than this costs more to test than it saves.
MAX_WORDS = 64
# A character set in a run of literals is spelled out into words only when this small.
MAX_SPELLED = 8
# A character class larger than this matches too much of a text for a loose superset to repeat it.
MAX_NARROW_CLASS = 1000


@dataclass(frozen=True, slots=True)
class PatternFacts:
    r"""What is known about a pattern before it runs.

    ``lead`` is a lookahead for the first characters to put in front of the pattern
    (``(?=[..])``) or ``None``; ``near`` a lookahead for a required character close to
    the start (see :func:`_near`) or ``None``; ``required`` the characters one of which
    every match contains, or ``None`` when no small such set is known; ``words`` the
    strings (two characters or more) one of which a text must hold for the pattern to
    match in it, or ``None``; ``work`` a bound on the steps of trying the pattern at
    one place when a scan is proved to take time linear in the text, else ``None``
    (see :func:`linear_work`); ``reach`` how far a try at one place can read,
    ``(ahead, behind)``: no character outside ``text[p - behind : p + ahead]``
    (lookarounds and anchors included), when that is bounded and the pattern cannot
    match the empty string, else ``None`` (see :func:`reach`); ``runs`` the character
    classes (as the inside of a set, ``\p{WHITESPACE=TRUE}``) whose unbounded runs
    (``\s*``) ``reach`` counts as :data:`RUN_CAP` characters: it holds only in a text
    without a longer run of one of them.
    """

    lead: str | None = None
    required: frozenset[str] | None = None
    near: str | None = None
    words: frozenset[str] | None = None
    work: int | None = None
    reach: tuple[int, int] | None = None
    runs: tuple[str, ...] = ()


NO_FACTS = PatternFacts()
_T = TypeVar("_T")


def _or_none(fact: Callable[[], _T]) -> _T | None:
    """One fact of a pattern, or ``None`` when working it out fails.

    Each fact is only a speed-up: any surprise from regex internals leaves it out and the
    pattern runs as written, while the other facts still apply.
    """
    try:
        return fact()
    except Exception:
        return None


class _Unsupported(Exception):
    """A construct the analysis does not handle: the pattern runs as written."""


def analyse(pattern: str, flags: int = 0) -> PatternFacts:
    """The first set and required characters of ``pattern`` (compiled with ``flags``).

    Never raises: what cannot be analysed gets :data:`NO_FACTS`.
    """
    try:
        parsed = _parse(pattern, flags)
    except Exception:  # any surprise from regex internals: no speed-up, same matches
        return NO_FACTS
    lead = _or_none(lambda: _lead(parsed, flags))
    required = _or_none(lambda: _best(_required(parsed)))
    near = _or_none(lambda: _near(parsed, flags))
    words = _or_none(lambda: _best_words(_required_words(parsed)))
    work = _or_none(lambda: _linear_cost(parsed, None, [])[0])
    runs: set[str] = set()
    extent = _or_none(lambda: _reach_of(parsed, runs))
    return PatternFacts(lead, required, near, words, work, extent, tuple(sorted(runs)) if extent else ())


def _parse(pattern: str, flags: int) -> Any:
    """The optimised parse tree of ``pattern``, as ``regex.compile`` builds it."""
    from regex import _regex_core as core

    if flags & (regex.IGNORECASE | regex.FULLCASE | regex.REVERSE | regex.VERSION1 | regex.ASCII | regex.LOCALE):
        raise _Unsupported("flags")
    source = core.Source(pattern)
    info = core.Info(flags, source.char_type, {})
    info.guess_encoding = regex.UNICODE
    source.ignore_space = bool(info.flags & regex.VERBOSE)
    parsed = core._parse_pattern(source, info)
    if not source.at_end():
        raise _Unsupported("unbalanced")
    if info.flags & (regex.IGNORECASE | regex.FULLCASE | regex.REVERSE | regex.VERSION1 | regex.ASCII | regex.LOCALE):
        raise _Unsupported("inline flags")
    parsed.fix_groups(pattern, False, False)
    parsed = parsed.optimise(info, False)
    return parsed.pack_characters(info)


# -- the first set ------------------------------------------------------------------
def _lead(parsed: Any, flags: int) -> str | None:
    """``(?=[..])`` for the first set of ``parsed``, checked by parsing it back; or ``None``."""
    if parsed.has_simple_start():
        # A pattern starting with a literal or a set is already scanned fast by the engine.
        return None
    members, nullable = _first(parsed)
    if nullable or not members:
        return None  # the pattern can match without consuming a character
    lead = "(?=[" + "".join(sorted({_set_item(m) for m in members})) + "])"
    # Parse the lead back: its set must accept exactly what the first set accepts.
    back, _ = _first(_parse(lead[3:-1], flags))
    if _union_keys(back) != _union_keys(members):
        return None
    return lead


def _first(node: Any) -> tuple[list[Any], bool]:
    """One-character matchers a match of ``node`` can start with, and whether it can be empty.

    Like the ``regex`` module's own first set (which gives up on ranges such as
    ``[1-9]``); a superset is fine, since it only decides where matching is tried.
    """
    return _edge(node, from_end=False)


def _edge(node: Any, from_end: bool) -> tuple[list[Any], bool]:
    """One-character matchers a match of ``node`` can start (``from_end``: end) with, and whether it can be empty."""
    from regex import _regex_core as core

    if getattr(node, "case_flags", 0) or getattr(node, "zerowidth", False):
        raise _Unsupported("case or zero width")
    if isinstance(node, core.String):
        return [core.Character(node.characters[-1 if from_end else 0])], False
    if isinstance(node, core.Character | core.Range):
        if not node.positive:
            raise _Unsupported("negated character")
        return [node], False
    if isinstance(node, core.Property) or (isinstance(node, core.SetUnion) and node.positive):
        return [node], False
    if isinstance(node, core.LookAround | core.ZeroWidthBase):
        return [], True
    if isinstance(node, core.Sequence):
        out: list[Any] = []
        for item in reversed(node.items) if from_end else node.items:
            edge, nullable = _edge(item, from_end)
            out.extend(edge)
            if not nullable:
                return out, False
        return out, True
    if isinstance(node, core.Branch) and not isinstance(node, core.StringSet):
        out, any_nullable = [], False
        for branch in node.branches:
            edge, nullable = _edge(branch, from_end)
            out.extend(edge)
            any_nullable = any_nullable or nullable
        return out, any_nullable
    if isinstance(node, core.Group | core.Atomic):
        return _edge(node.subpattern, from_end)
    if isinstance(node, core.GreedyRepeat):  # also lazy and possessive repeats
        edge, nullable = _edge(node.subpattern, from_end)
        return edge, nullable or node.min_count == 0
    raise _Unsupported(type(node).__name__)


def _set_item(node: Any) -> str:
    r"""The text of ``node`` inside a character set: ``\uXXXX``, a range, ``\p{..}``."""
    from regex import _regex_core as core

    if getattr(node, "case_flags", 0) or getattr(node, "zerowidth", False):
        raise _Unsupported("case or zero width")
    if isinstance(node, core.Character) and node.positive:
        return _char(node.value)
    if isinstance(node, core.Range) and node.positive:
        return f"{_char(node.lower)}-{_char(node.upper)}"
    if isinstance(node, core.Property) and node.encoding != core.ASCII_ENCODING:
        name, values = core.PROPERTY_NAMES[node.value >> 16]
        text = f"{name}={values[node.value & 0xFFFF]}"
        return ("\\p{" if node.positive else "\\P{") + text + "}"
    if isinstance(node, core.SetUnion) and node.positive:
        return "".join(_set_item(item) for item in node.items)
    raise _Unsupported(type(node).__name__)


def _char(code: int) -> str:
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _union_keys(members: Iterable[Any]) -> frozenset[Any]:
    """The keys of the single-character matchers in ``members``, unions flattened."""
    from regex import _regex_core as core

    keys: set[Any] = set()
    for m in members:
        if isinstance(m, core.SetUnion) and m.positive and not m.case_flags:
            keys |= _union_keys(m.items)
        else:
            keys.add(m._key)
    return frozenset(keys)


# -- a required character close to the start ----------------------------------------------
# A lookahead for a required character is only added when one lies this close to the start.
MAX_NEAR = 12
_UNBOUNDED = 1 << 30


@dataclass(frozen=True, slots=True)
class _Need:
    """Every match holds one of ``chars``, with at most ``before`` counted characters before it."""

    chars: frozenset[str]
    before: int


def _near(parsed: Any, flags: int) -> str | None:
    r"""``(?=[^X]{0,n}+[X])``: a required character, or a free one, within ``n + 1`` characters; or ``None``.

    *Free* characters are those an unbounded repeat may take (``[ \t]*``, ``[一二]+``):
    any number of them may stand between the start of a match and its required
    character, so the lookahead also stops at them. Every other character is
    *counted*; a match starts at most ``n`` counted characters before a required one,
    so if none of the next ``n + 1`` characters is required or free, no match starts
    here.
    """
    free: list[Any] = []
    _collect_free(parsed, False, free)
    free_keys = _union_keys(free)
    needs = [n for n in _needs(parsed, free_keys) if n.before <= MAX_NEAR and n.chars and len(n.chars) <= MAX_REQUIRED]
    if not needs:
        return None
    best = min(needs, key=lambda n: (n.before + 1) * _cost(n.chars))
    items = sorted({_char(ord(c)) for c in best.chars} | {_set_item(m) for m in free})
    members = "".join(items)
    expected = frozenset(_char_key(c) for c in best.chars) | free_keys
    if _union_keys(_first(_parse("[" + members + "]", flags))[0]) != expected:
        return None
    if best.before == 0:
        return f"(?=[{members}])"
    return f"(?=[^{members}]{{0,{best.before}}}+[{members}])"


def _char_key(c: str) -> Any:
    from regex import _regex_core as core

    return core.Character(ord(c))._key


def _collect_free(node: Any, unbounded: bool, free: list[Any]) -> None:
    """Gather the one-character matchers under unbounded repeats (any number of them may be taken).

    Raises:
        _Unsupported: an unbounded repeat holds something else (``.*``, a back reference).

    """
    from regex import _regex_core as core

    if isinstance(node, core.GreedyRepeat):
        unbounded = unbounded or node.max_count is None or node.max_count >= core.UNLIMITED
        _collect_free(node.subpattern, unbounded, free)
        return
    if not unbounded:
        for child in _children(node):
            _collect_free(child, unbounded, free)
        return
    if _is_matcher(node):
        free.append(node)
    elif isinstance(node, core.String) and not node.case_flags:
        free.extend(core.Character(c) for c in node.characters)
    elif isinstance(node, core.Sequence | core.Branch | core.Group | core.Atomic | core.LookAround):
        for child in _children(node):
            _collect_free(child, unbounded, free)
    elif not isinstance(node, core.ZeroWidthBase):
        raise _Unsupported(f"{type(node).__name__} in an unbounded repeat")


def _is_matcher(node: Any) -> bool:
    """Tell whether ``node`` matches one character and can be written inside a character set."""
    from regex import _regex_core as core

    if getattr(node, "case_flags", 0) or getattr(node, "zerowidth", False):
        return False
    if isinstance(node, core.Character | core.Range):
        return bool(node.positive)
    if isinstance(node, core.Property):
        return bool(node.encoding != core.ASCII_ENCODING)
    if isinstance(node, core.SetUnion) and node.positive:
        return all(_is_matcher(item) for item in node.items)
    return False


def _children(node: Any) -> list[Any]:
    from regex import _regex_core as core

    if isinstance(node, core.Sequence):
        return list(node.items)
    if isinstance(node, core.Branch):
        return list(node.branches)
    if isinstance(node, core.Group | core.Atomic | core.LookAround | core.GreedyRepeat):
        return [node.subpattern]
    return []


def _consumed(node: Any, free: frozenset[Any]) -> int:
    """The most counted characters ``node`` can consume (``_UNBOUNDED`` when not known)."""
    from regex import _regex_core as core

    if getattr(node, "case_flags", 0):
        return _UNBOUNDED
    if isinstance(node, core.String):
        return sum(1 for c in node.characters if core.Character(c)._key not in free)
    if _is_matcher(node):
        return 0 if _union_keys([node]) <= free else 1
    if isinstance(node, core.Character | core.Range | core.Property | core.SetBase | core.Any):
        return 1
    if isinstance(node, core.LookAround | core.ZeroWidthBase):
        return 0
    if isinstance(node, core.Sequence):
        return min(_UNBOUNDED, sum(_consumed(item, free) for item in node.items))
    if isinstance(node, core.Branch) and not isinstance(node, core.StringSet):
        return max((_consumed(b, free) for b in node.branches), default=0)
    if isinstance(node, core.Group | core.Atomic):
        return _consumed(node.subpattern, free)
    if isinstance(node, core.GreedyRepeat):  # also lazy and possessive repeats
        inner = _consumed(node.subpattern, free)
        if inner == 0:
            return 0
        most = node.max_count
        if most is None or most >= core.UNLIMITED:
            return _UNBOUNDED
        return min(_UNBOUNDED, int(most) * inner)
    return _UNBOUNDED


def _needs(node: Any, free: frozenset[Any]) -> list[_Need]:
    """Required character sets of ``node`` with how many counted characters may precede one."""
    from regex import _regex_core as core

    if getattr(node, "case_flags", 0):
        return []
    if isinstance(node, core.String):
        out, before = [], 0
        for c in node.characters:
            out.append(_Need(frozenset(chr(c)), before))
            if core.Character(c)._key not in free:
                before += 1
        return out
    if isinstance(node, core.Character):
        return [_Need(frozenset(chr(node.value)), 0)] if node.positive and not node.zerowidth else []
    single = _single_chars(node)
    if single is not None:
        return [_Need(single, 0)]
    if isinstance(node, core.Sequence):
        out, before = [], 0
        for item in node.items:
            out.extend(_Need(n.chars, min(_UNBOUNDED, before + n.before)) for n in _needs(item, free))
            before = min(_UNBOUNDED, before + _consumed(item, free))
        return out
    if isinstance(node, core.Group | core.Atomic):
        return _needs(node.subpattern, free)
    if isinstance(node, core.GreedyRepeat):  # the first repetition starts where the repeat does
        return _needs(node.subpattern, free) if node.min_count >= 1 else []
    if isinstance(node, core.Branch) and not isinstance(node, core.StringSet):
        per_branch = [_needs(b, free) for b in node.branches]
        if not all(per_branch):
            return []
        out = []
        for score in (lambda n: _cost(n.chars), lambda n: (n.before + 1) * _cost(n.chars)):
            chosen = [min(options, key=score) for options in per_branch]
            out.append(_Need(frozenset().union(*(n.chars for n in chosen)), max(n.before for n in chosen)))
        return out
    return []


# -- the required characters ------------------------------------------------------------
def _required(node: Any) -> list[frozenset[str]]:
    """Character sets each of which every match of ``node`` must touch (any one will do)."""
    from regex import _regex_core as core

    if getattr(node, "case_flags", 0):
        return []
    if isinstance(node, core.String):  # also Literal: a run of literal characters
        return [frozenset(chr(c)) for c in node.characters]
    if isinstance(node, core.Character):
        return [frozenset(chr(node.value))] if node.positive and not node.zerowidth else []
    single = _single_chars(node)
    if single is not None:
        return [single]
    if isinstance(node, core.Sequence):
        return [s for item in node.items for s in _required(item)]
    if isinstance(node, core.Group | core.Atomic):
        return _required(node.subpattern)
    if isinstance(node, core.GreedyRepeat):  # also lazy and possessive repeats
        return _required(node.subpattern) if node.min_count >= 1 else []
    if isinstance(node, core.Branch) and not isinstance(node, core.StringSet):
        union: set[str] = set()
        for branch in node.branches:
            best = _best(_required(branch))
            if best is None:
                return []
            union |= best
        return [frozenset(union)]
    return []


def _single_chars(node: Any) -> frozenset[str] | None:
    """The characters a one-character matcher (a small range or set) accepts, if few."""
    from regex import _regex_core as core

    if getattr(node, "zerowidth", False) or getattr(node, "case_flags", 0):
        return None
    if isinstance(node, core.Range) and node.positive and node.upper - node.lower < _MAX_RANGE:
        return frozenset(chr(c) for c in range(node.lower, node.upper + 1))
    if isinstance(node, core.SetUnion) and node.positive:
        chars: set[str] = set()
        for item in node.items:
            if isinstance(item, core.Character) and item.positive and not item.case_flags:
                chars.add(chr(item.value))
                continue
            sub = _single_chars(item)
            if sub is None:
                return None
            chars |= sub
        return frozenset(chars)
    return None


# -- the required words ---------------------------------------------------------------
def _required_words(node: Any) -> list[frozenset[str]]:
    """Sets of literal strings each of which the text must hold one of for ``node`` to match in it.

    Like :func:`_required`, with whole literals (a packed run of characters) instead
    of single characters, and through positive lookarounds (their text must be there
    too). Anything not known to be literal (sets, fuzzy or case-insensitive matching,
    conditionals, back references) requires nothing.
    """
    from regex import _regex_core as core

    if getattr(node, "case_flags", 0):
        return []
    if isinstance(node, core.String):  # also Literal: a run of literal characters
        return [frozenset(["".join(map(chr, node.characters))])]
    if isinstance(node, core.Character):
        return [frozenset(chr(node.value))] if node.positive and not node.zerowidth else []
    if isinstance(node, core.Sequence):
        found = [s for item in node.items for s in _required_words(item)]
        # Spelled runs only where the items give no word of their own: they are more words to test.
        return found if _best_words(found) is not None else found + _spelled_runs(node.items)
    if isinstance(node, core.Group | core.Atomic):
        return _required_words(node.subpattern)
    if isinstance(node, core.LookAround):
        return _required_words(node.subpattern) if node.positive else []
    if isinstance(node, core.GreedyRepeat):  # also lazy and possessive repeats
        return _required_words(node.subpattern) if node.min_count >= 1 else []
    if isinstance(node, core.Branch) and not isinstance(node, core.StringSet):
        union: set[str] = set()
        for branch in node.branches:
            best = _best_words(_required_words(branch), min_length=1)
            if best is None:
                return []
            union |= best
        return [frozenset(union)]
    return []


def _spellings(node: Any) -> frozenset[str] | None:
    """The strings ``node`` matches when it is a literal or one character of a small set (``[1-4]``), else ``None``."""
    from regex import _regex_core as core

    if getattr(node, "case_flags", 0) or getattr(node, "zerowidth", False):
        return None
    if isinstance(node, core.String):
        return frozenset(["".join(map(chr, node.characters))])
    if isinstance(node, core.Character):
        return frozenset(chr(node.value)) if node.positive else None
    chars = _single_chars(node)
    return chars if chars and len(chars) <= MAX_SPELLED else None


def _spelled_runs(items: list[Any]) -> list[frozenset[str]]:
    """For each run of consecutive literals and small sets in a sequence, every string the run can spell.

    ``Q[1-4]`` gives ``Q1`` … ``Q4`` and ``第[一二三]季度`` ``第一季度`` …: a match holds one of
    them, where the items one by one would only require ``Q`` (one character, too common
    to test for). A run whose spellings would pass :data:`MAX_WORDS` starts over.
    """
    runs: list[frozenset[str]] = []
    run: set[str] = set()
    length = 0  # how many items the run has
    for item in [*items, None]:
        spelled = _spellings(item) if item is not None else None
        if spelled is not None and run and len(run) * len(spelled) <= MAX_WORDS:
            run = {head + tail for head in run for tail in spelled}
            length += 1
            continue
        if length > 1:  # a run of one item is that item's own requirement already
            runs.append(frozenset(run))
        run, length = (set(spelled), 1) if spelled is not None else (set(), 0)
    return runs


def _run_spellings(items: list[Any], index: int) -> frozenset[str] | None:
    """What the run of literals and small sets from ``items[index]`` on spells (see :func:`_spelled_runs`).

    Every match of the sequence holds, where ``items[index]`` starts, one of these strings
    (the run is cut short rather than spell more than :data:`MAX_WORDS` strings); ``None``
    when ``items[index]`` is no literal or small set.
    """
    spelled = _spellings(items[index])
    if spelled is None:
        return None
    run = set(spelled)
    for item in items[index + 1 :]:
        more = _spellings(item)
        if more is None or len(run) * len(more) > MAX_WORDS:
            break
        run = {head + tail for head in run for tail in more}
    return frozenset(run)


def _best_words(options: list[frozenset[str]], min_length: int = 2) -> frozenset[str] | None:
    """The set with the longest shortest word (then the fewest words), if one is small enough.

    A set holding a single character is left to the required characters, which test
    it for less (unless ``min_length`` is 1: a branch's words are collected first).
    """
    usable = [s for s in options if s and len(s) <= MAX_WORDS and min(map(len, s)) >= min_length]
    if not usable:
        return None
    return max(usable, key=lambda s: (min(map(len, s)), -len(s)))


def _cost(chars: frozenset[str]) -> int:
    return sum(8 if c in _COMMON else 1 for c in chars)


def _best(options: list[frozenset[str]]) -> frozenset[str] | None:
    """The cheapest set to test for, if one is small enough."""
    usable = [s for s in options if s and len(s) <= MAX_REQUIRED]
    return min(usable, key=_cost) if usable else None


# -- the reach of a try ------------------------------------------------------------------
# An unbounded run of one character class (``\s*``, ``\d+``) counts as this many characters
# in the reach of a try (see :func:`reach`); real text seldom has longer runs of one class,
# and a text that does is scanned whole.
RUN_CAP = 12


def reach(pattern: str, flags: int = 0) -> tuple[int, int] | None:
    r"""How far trying ``pattern`` at one place can read: ``(ahead, behind)``, or ``None`` if unbounded.

    A try at position ``p`` reads no character outside ``text[p - behind : p + ahead]``,
    lookarounds, anchors and word boundaries included; so, given that every match holds
    one of the required words (or characters), a try can only succeed within ``ahead``
    characters of one of them, and the rest of the text need not be tried at all (see
    :class:`pipeline.rulebook.patterns.SafePattern`). An unbounded run of one character
    class (``\s*``) counts as :data:`RUN_CAP` characters (``PatternFacts.runs`` names the
    classes: the reach holds in a text with no longer run of them). ``None`` when another
    repeat is unbounded (``(?:ab)+``), the pattern can match the empty string, or it uses a
    construct whose reach is not plain (back references, ``\K``, fuzzy matching, Unicode
    word boundaries).
    """
    try:
        return _reach_of(_parse(pattern, flags), set())
    except Exception:
        return None


def _reach_of(parsed: Any, runs: set[str]) -> tuple[int, int] | None:
    least, _most, ahead, behind = _extent(parsed, runs)
    return (ahead, behind) if least > 0 else None


def _extent(node: Any, runs: set[str]) -> tuple[int, int, int, int]:
    """The least and most characters ``node`` consumes, and how far ahead (exclusive) and behind its start it reads.

    Unbounded runs of one character class count as :data:`RUN_CAP` characters; their
    classes are added to ``runs``.

    Raises:
        _Unsupported: the reach is unbounded or not understood.

    """
    from regex import _regex_core as core

    if getattr(node, "case_flags", 0):
        raise _Unsupported("case")  # a case-folded character can match two (ß, ss)
    if isinstance(node, core.String):  # also Literal
        n = len(node.characters)
        return n, n, n, 0
    if isinstance(node, core.Character | core.Range | core.Property | core.SetBase | core.Any):
        width = 0 if getattr(node, "zerowidth", False) else 1
        return width, width, 1, 0
    if isinstance(
        node,
        core.Keep
        | core.Skip
        | core.Prune
        | core.SearchAnchor
        | core.DefaultBoundary
        | core.DefaultStartOfWord
        | core.DefaultEndOfWord,
    ):
        raise _Unsupported(type(node).__name__)  # moves the match start, or reads a whole word
    if isinstance(node, core.ZeroWidthBase):
        return 0, 0, 2, 2  # an anchor or a boundary looks at its neighbours (\r\n: two)
    if isinstance(node, core.Sequence):
        least = most = ahead = behind = 0
        for item in node.items:
            i_least, i_most, i_ahead, i_behind = _extent(item, runs)
            # An item starts at most ``most`` characters in, and at least 0.
            ahead, behind = max(ahead, most + i_ahead), max(behind, i_behind)
            least, most = least + i_least, most + i_most
        return least, most, ahead, behind
    if isinstance(node, core.Branch):  # also a named list (StringSet)
        parts = [_extent(branch, runs) for branch in node.branches]
        if not parts:
            raise _Unsupported("empty branch")
        return tuple(f(p[k] for p in parts) for k, f in enumerate((min, max, max, max)))  # type: ignore[return-value]
    if isinstance(node, core.Group | core.Atomic):
        return _extent(node.subpattern, runs)
    if isinstance(node, core.LookAround):
        _least, _most, ahead, behind = _extent(node.subpattern, runs)
        if node.behind:
            # Matched backwards from here: it starts at most ``most`` <= ``ahead`` characters back.
            return 0, 0, ahead, ahead + behind
        return 0, 0, ahead, behind
    if isinstance(node, core.GreedyRepeat):  # also lazy and possessive repeats
        most = node.max_count
        if most is None or most >= core.UNLIMITED:
            if not _is_matcher(node.subpattern):
                raise _Unsupported("an unbounded repeat of more than one character")
            runs.add(_set_item(node.subpattern))
            most = RUN_CAP
        if most == 0:
            return 0, 0, 0, 0
        i_least, i_most, i_ahead, i_behind = _extent(node.subpattern, runs)
        return int(node.min_count) * i_least, int(most) * i_most, (int(most) - 1) * i_most + i_ahead, i_behind
    raise _Unsupported(type(node).__name__)


# -- linear scans -------------------------------------------------------------------------
def linear_work(pattern: str, flags: int = 0) -> int | None:
    r"""A bound on the steps of trying ``pattern`` at one place, if a scan is proved linear in the text.

    A backtracking engine can take exponential time (``(a|a)+$``) or polynomial time
    (``\d+\d+x`` over a run of digits) on a short text; that is what the per-document
    timeout guards against. It cannot when, at each place a match is tried, the
    ways the pattern can match are bounded: a scan of ``n`` characters then takes at
    most about ``2 * n`` times the bound. ``None`` unless all of these hold:

    * every repeat is bounded (``{1,4}``), except a repeat of one character class
      (``[ \t]*``) whose neighbours cannot take any of its characters: what comes
      before it ends in another character and what follows starts with another one
      (a repeat first or last in a group looks at the group's neighbours). Such a run
      is always entered at its first character and given back one character at a time,
      each failing at once (no lookaround may run there before a character is taken),
      so it costs its length, once per way of reaching it;
    * there are no back references, conditionals, fuzzy matches or recursion, and no
      unbounded repeat inside a look-behind.

    Only the class's characters are compared when it is small and explicit (``{S}``);
    a repeat of ``\d`` or ``\p{Han}`` makes the pattern non-linear here.
    The bound counts every way of matching each part (see :func:`_linear_cost`), so
    it is far above what a real text costs. Never raises: what cannot be analysed
    is not linear.
    """
    try:
        return _linear_cost(_parse(pattern, flags), None, [])[0]
    except Exception:
        return None


def _last(node: Any) -> tuple[list[Any], bool]:
    """One-character matchers a match of ``node`` can end with, and whether it can be empty (see :func:`_first`)."""
    return _edge(node, from_end=True)


# In a list of what can follow a place: a lookaround may run there before any character
# is taken. After a run it would run again at every character given back.
_LOOKAROUND = object()


def _looks_first(node: Any) -> bool:
    """Tell whether matching ``node`` can run a lookaround before it takes its first character."""
    from regex import _regex_core as core

    if isinstance(node, core.LookAround):
        return True
    if isinstance(node, core.Sequence):
        for item in node.items:
            if _looks_first(item):
                return True
            if not _first(item)[1]:
                return False
        return False
    if isinstance(node, core.Branch):
        return any(_looks_first(b) for b in node.branches)
    if isinstance(node, core.Group | core.Atomic | core.GreedyRepeat):
        return _looks_first(node.subpattern)
    return False


def _takes_any(members: list[Any] | None, chars: frozenset[str]) -> bool:
    """Tell whether one of the one-character matchers ``members`` accepts one of ``chars`` (unknown: yes)."""
    if members is None or _LOOKAROUND in members:
        return True
    if not members:
        return False
    accepts = regex.compile("[" + "".join(_set_item(m) for m in members) + "]")
    return any(accepts.match(c) for c in chars)


def _linear_cost(
    node: Any, before: list[Any] | None, after: list[Any] | None, reverse: bool = False
) -> tuple[int, int]:
    """Bounds on the work of trying ``node`` at one place and on its ways to match there (:func:`linear_work`).

    The work counts the nodes a backtracking engine may visit (every way of the
    parts before a node tries all of the node's ways: ``work(a b) = work(a) +
    ways(a) * work(b)``); a guarded run counts as one node, its length being paid
    once per way of reaching it. ``before`` are the one-character matchers the text
    just before ``node`` has matched, ``after`` those that can come right after it
    (``[]``: the end of the pattern or of a lookahead; ``None``: not known).
    ``reverse``: inside a look-behind, which the engine matches from its end, so
    branches and repeats are not told apart by their first characters.

    Raises:
        _Unsupported: the pattern is not linear (or not understood).

    """
    from regex import _regex_core as core

    if getattr(node, "case_flags", 0):
        raise _Unsupported("case")
    if isinstance(node, core.String | core.ZeroWidthBase | core.Character | core.Range | core.Property):
        return 1, 1
    if isinstance(node, core.SetBase | core.Any):
        return 1, 1
    if isinstance(node, core.Sequence):
        items = node.items
        costs = [
            _linear_cost(item, _before_of(items[:i], before), _after_of(items[i + 1 :], after), reverse)
            for i, item in enumerate(items)
        ]
        return _chain(costs)
    if isinstance(node, core.Branch) and not isinstance(node, core.StringSet):
        costs = [_linear_cost(b, before, after, reverse) for b in node.branches]
        starts = None if reverse else _first_chars(node.branches)
        if starts is None:
            return _capped(sum(w for w, _ in costs)), _capped(sum(n for _, n in costs))
        # Only the branches that can start with the character at hand get past it.
        work = ways = 0
        for c in frozenset().union(*starts):
            able = [cost for cost, chars in zip(costs, starts, strict=True) if c in chars]
            work = max(work, sum(w for w, _ in able))
            ways = max(ways, sum(n for _, n in able))
        return _capped(len(costs) + work), _capped(ways)
    if isinstance(node, core.Group):
        return _linear_cost(node.subpattern, before, after, reverse)
    if isinstance(node, core.Atomic):
        return _linear_cost(node.subpattern, before, after, reverse)[0], 1
    if isinstance(node, core.LookAround):
        if node.behind or reverse:
            return _linear_cost(node.subpattern, None, None, reverse=True)[0], 1
        return _linear_cost(node.subpattern, before, [])[0], 1
    if isinstance(node, core.GreedyRepeat):  # also lazy and possessive repeats
        sub = node.subpattern
        most = node.max_count
        if most is None or most >= core.UNLIMITED:
            chars = frozenset(chr(sub.value)) if _is_char(sub) else _single_chars(sub)
            if chars is None or not _is_matcher(sub):
                raise _Unsupported("an unbounded repeat of more than one known character class")
            if _takes_any(before, chars) or _takes_any(after, chars):
                raise _Unsupported("a run its neighbours can extend")
            return 1, 1
        least = int(node.min_count)
        inner_before = before if most <= 1 else _merge(before, _last(sub)[0])
        inner_after = after if most <= 1 else _merge(after, _first(sub)[0])
        work, ways = _linear_cost(sub, inner_before, inner_after, reverse)
        # The repeat as ``least`` copies, then ``most - least`` optional ones. Where what
        # follows the repeat cannot start like a copy does, leaving a copy out is no
        # second way: what follows then fails at the copy's first character.
        first, nullable = _first(sub)
        skip = 0 if not (reverse or nullable) and _disjoint(first, after) else 1
        return _chain([(work, ways)] * least + [(work + 1, ways + skip)] * (int(most) - least))
    raise _Unsupported(type(node).__name__)


def _first_chars(branches: list[Any]) -> list[frozenset[str]] | None:
    """The characters each branch can start with, when every branch has a small explicit set."""
    out: list[frozenset[str]] = []
    for branch in branches:
        members, nullable = _first(branch)
        chars = None if nullable else _explicit_chars(members)
        if chars is None:
            return None
        out.append(chars)
    return out


def _chain(costs: list[tuple[int, int]]) -> tuple[int, int]:
    """Work and ways of parts matched one after the other (see :func:`_linear_cost`)."""
    work, ways = 0, 1
    for part_work, part_ways in reversed(costs):
        work, ways = _capped(part_work + part_ways * work), _capped(part_ways * ways)
    return max(work, 1), ways


def _capped(n: int) -> int:
    return min(n, _UNBOUNDED)


def _disjoint(members: list[Any], others: list[Any] | None) -> bool:
    """Tell whether no character is accepted both by one of ``members`` and one of ``others`` (unknown: no)."""
    if others is None or _LOOKAROUND in others:
        return False
    chars = _explicit_chars(members)
    if chars is not None:
        return not _takes_any(others, chars)
    chars = _explicit_chars(others)
    return chars is not None and not _takes_any(members, chars)


def _explicit_chars(members: list[Any]) -> frozenset[str] | None:
    """The characters one-character matchers accept, when each is a small explicit set."""
    from regex import _regex_core as core

    chars: set[str] = set()
    for m in members:
        one = frozenset(chr(m.value)) if _is_char(m) else _single_chars(m)
        if one is None or (isinstance(m, core.Character) and not _is_char(m)):
            return None
        chars |= one
    return frozenset(chars)


def _is_char(node: Any) -> bool:
    from regex import _regex_core as core

    return isinstance(node, core.Character) and bool(node.positive) and not node.zerowidth


def _merge(side: list[Any] | None, more: list[Any]) -> list[Any] | None:
    return None if side is None else side + more


def _before_of(items: list[Any], before: list[Any] | None) -> list[Any] | None:
    """What the items before a place in a sequence can end with (then ``before`` where they can be empty)."""
    out: list[Any] = []
    for item in reversed(items):
        last, nullable = _last(item)
        out.extend(last)
        if not nullable:
            return out
    return None if before is None else out + before


def _after_of(items: list[Any], after: list[Any] | None) -> list[Any] | None:
    """What the items after a place in a sequence can start with (then ``after`` where they can be empty)."""
    out: list[Any] = []
    for item in items:
        first, nullable = _first(item)
        out.extend(first)
        if _looks_first(item):
            out.append(_LOOKAROUND)
        if not nullable:
            return out
    return None if after is None else out + after


__all__ = ["MAX_REQUIRED", "NO_FACTS", "RUN_CAP", "PatternFacts", "analyse", "linear_work", "reach"]


# -- a superset in RE2 syntax ---------------------------------------------------------------
# RE2 bounds counted repeats at 1000.
_RE2_MAX_REPEAT = 1000
# Any character, new lines included.
_RE2_ANY = "(?s:.)"
# No character at all.
_RE2_NONE = "[^\\x{0}-\\x{10ffff}]"


def superset(pattern: str, flags: int = 0, *, loose: bool = False) -> str | None:
    r"""``pattern`` in RE2 syntax, widened so that it matches wherever ``pattern`` matches; ``None`` if not known.

    A text in which the result finds nothing cannot hold a match of ``pattern``, so
    many patterns can be ruled out for a document at once by one RE2 set scan (see
    :class:`pipeline.rulebook.patterns.PatternGate`). Widening, never narrowing:
    lookarounds, anchors and boundaries match the empty string, atomic groups and
    possessive repeats lose what made them so, a back reference becomes the group
    it refers to, a conditional either branch. Character classes stay exact: one
    with a Unicode property (``\d``, ``\p{Han}``, ``\s``) becomes the list of the
    characters the ``regex`` module itself takes for it (RE2's tables may be of
    another Unicode version), one that cannot be listed any character. ``None`` for
    what this does not translate (case-insensitive matching, fuzzy matching,
    recursion, named lists).

    ``loose``: a cheaper superset for a set of patterns that are scanned together, or
    ``None`` when none is known (see :func:`_loose_core`). A set of exact widenings of
    patterns with runs of common characters (``[\p{Han}]{1,9}?`` before a name, ``[^，。]{0,20}``
    between two words) needs an automaton too large for RE2's memory, which then scans
    more slowly than the patterns themselves.
    """
    try:
        parsed = _parse(pattern, flags)
        groups: dict[int, Any] = {}
        _collect_groups(parsed, groups)
        core = _core(parsed, groups)
        if loose:
            core = _loose_core(core, groups)
            if core is None:
                return None
        return _re2(core, groups, frozenset(), loose)
    except Exception:  # any surprise from regex internals: no superset, the pattern is always scanned
        return None


def _loose_core(node: Any, groups: dict[int, Any]) -> Any | None:
    r"""A part of ``node`` every match holds a match of, with no repeat of a :func:`_common_class`; or ``None``.

    A text holds a match of ``A X B`` only if it holds one of ``B`` (and one of ``A``): the
    runs of common characters (``[\p{Han}]{1,9}?`` before ``公告``, ``[^，。]{0,20}`` between two
    words) are cut out with what stands on one side of them: the part after the last such
    run or the part before the first, whichever must match more characters (a text holds
    fewer matches of it). Groups are opened for this (a match
    of ``A (B C)`` holds one of ``A B``). What is left has a small automaton; its counted
    repeats become unbounded (``{4,}`` for ``{4,80}``: no counting states) in :func:`_re2`.
    """
    from regex import _regex_core as core

    while isinstance(node, core.Group | core.Atomic):
        node = node.subpattern
    if isinstance(node, core.Branch) and not isinstance(node, core.StringSet):
        # A match of ``A|B`` is one of ``A`` or of ``B``: each branch is cut on its own.
        branches = [_loose_core(_core(branch, groups), groups) for branch in node.branches]
        return None if any(b is None for b in branches) else core.Branch(branches)
    if not isinstance(node, core.Sequence):
        return None if _has_common_repeat(node) else node
    items = _flat_items(node)
    common = [i for i, item in enumerate(items) if _has_common_repeat(item)]
    if common:
        after, before = items[common[-1] + 1 :], items[: common[0]]
        items = after if sum(map(_least, after)) >= sum(map(_least, before)) else before
        if all(_nullable(item, groups) for item in items):
            return None
    return _core(core.Sequence(items), groups) if len(items) > 1 else _core(items[0], groups)


def _least(node: Any) -> int:
    """The fewest characters a match of ``node`` consumes, as far as known (0 when not)."""
    from regex import _regex_core as core

    if isinstance(node, core.String):
        return len(node.characters)
    if isinstance(node, core.Character | core.Range | core.Property | core.SetBase | core.Any):
        return 0 if getattr(node, "zerowidth", False) else 1
    if isinstance(node, core.Sequence):
        return sum(_least(item) for item in node.items)
    if isinstance(node, core.Branch) and not isinstance(node, core.StringSet):
        return min((_least(branch) for branch in node.branches), default=0)
    if isinstance(node, core.Group | core.Atomic):
        return _least(node.subpattern)
    if isinstance(node, core.GreedyRepeat):  # also lazy and possessive repeats
        return int(node.min_count) * _least(node.subpattern)
    return 0


def _flat_items(node: Any) -> list[Any]:
    """The items of a sequence, with those of the groups (and sequences) in it in their place."""
    from regex import _regex_core as core

    out: list[Any] = []
    for item in node.items:
        while isinstance(item, core.Group | core.Atomic):
            item = item.subpattern
        if isinstance(item, core.Sequence):
            out.extend(_flat_items(item))
        else:
            out.append(item)
    return out


def _has_common_repeat(node: Any) -> bool:
    """Whether ``node`` holds a repeat of a :func:`_common_class` anywhere."""
    from regex import _regex_core as core

    if isinstance(node, core.GreedyRepeat):
        inner = node.subpattern
        while isinstance(inner, core.Group | core.Atomic):
            inner = inner.subpattern
        if _common_class(inner):
            return True
    return any(_has_common_repeat(child) for child in _re2_children(node))


def _common_class(node: Any) -> bool:
    r"""Whether ``node`` is a one-character matcher of more than :data:`MAX_NARROW_CLASS` characters.

    Such a class (``\p{Han}``, ``[^，。]``, ``.``) matches most of a Chinese text; ``\d`` and
    ``\s`` do not.
    """
    from regex import _regex_core as core

    if isinstance(node, core.AnyAll | core.AnyU | core.Any):
        return True
    if not isinstance(node, core.Character | core.Range | core.Property | core.SetBase):
        return False
    if getattr(node, "zerowidth", False):
        return False
    source = _re2_class(node)
    if source == _RE2_ANY:
        return True
    size = 0
    for m in _RE2_RANGE.finditer(source):
        lo = int(m.group(1), 16)
        size += int(m.group(2), 16) - lo + 1 if m.group(2) else 1
    negated = source.startswith("[^")
    return (0x110000 - size if negated else size) > MAX_NARROW_CLASS


# A character or range of an RE2 class as ``_re2_class`` writes it.
_RE2_RANGE = regex.compile(r"\\x\{([0-9a-f]+)\}(?:-\\x\{([0-9a-f]+)\})?")


def _core(node: Any, groups: dict[int, Any]) -> Any:
    """``node`` without the parts at its ends that may match the empty string.

    A text holds a match of ``A B?`` somewhere exactly when it holds one of ``A``:
    the set scan only asks whether there is a match, so what may be left out at
    either end of a pattern (a lookbehind, an optional time after a date) is, and
    RE2's automaton is the smaller for it.
    """
    from regex import _regex_core as core

    while isinstance(node, core.Group | core.Atomic):
        node = node.subpattern
    if isinstance(node, core.Branch) and not isinstance(node, core.StringSet):
        return core.Branch([_core(branch, groups) for branch in node.branches])
    if not isinstance(node, core.Sequence):
        return node
    items = list(node.items)
    while items and _nullable(items[0], groups):
        items.pop(0)
    while items and _nullable(items[-1], groups):
        items.pop()
    if len(items) == 1:
        return _core(items[0], groups)
    return core.Sequence(items)


def _nullable(node: Any, groups: dict[int, Any], seen: frozenset[int] = frozenset()) -> bool:
    """Tell whether ``node`` can match the empty string (``False`` when not known)."""
    from regex import _regex_core as core

    if isinstance(node, core.LookAround | core.ZeroWidthBase | core.Keep):
        return True
    if isinstance(node, core.String | core.Character | core.Range | core.Property | core.SetBase | core.Any):
        return bool(getattr(node, "zerowidth", False))
    if isinstance(node, core.Sequence):
        return all(_nullable(item, groups, seen) for item in node.items)
    if isinstance(node, core.Branch) and not isinstance(node, core.StringSet):
        return any(_nullable(branch, groups, seen) for branch in node.branches)
    if isinstance(node, core.Group | core.Atomic):
        return _nullable(node.subpattern, groups, seen)
    if isinstance(node, core.GreedyRepeat):  # also lazy and possessive repeats
        return node.min_count == 0 or _nullable(node.subpattern, groups, seen)
    if isinstance(node, core.RefGroup) and node.group in groups and node.group not in seen:
        return _nullable(groups[node.group], groups, seen | {node.group})
    return False


def _collect_groups(node: Any, groups: dict[int, Any]) -> None:
    """Map each capture group's number to its node (for back references)."""
    from regex import _regex_core as core

    if isinstance(node, core.Group):
        groups[node.group] = node.subpattern
    for child in _re2_children(node):
        _collect_groups(child, groups)


def _re2_children(node: Any) -> list[Any]:
    from regex import _regex_core as core

    if isinstance(node, core.Conditional | core.LookAroundConditional):
        return [n for n in (getattr(node, "check", None), node.yes_item, node.no_item) if n is not None]
    return _children(node)


def _re2(node: Any, groups: dict[int, Any], referring: frozenset[int], loose: bool = False) -> str:
    """The RE2 superset of a parsed ``node`` (see :func:`superset`; ``loose``: counted repeats unbounded).

    Raises:
        _Unsupported: the node cannot be translated.

    """
    from regex import _regex_core as core

    if getattr(node, "case_flags", 0):
        raise _Unsupported("case")
    if isinstance(node, core.String):  # also Literal
        return "".join(_re2_char(c) for c in node.characters)
    if isinstance(node, core.Character | core.Range | core.Property | core.SetBase):
        if getattr(node, "zerowidth", False):
            return ""
        return _re2_class(node)
    if isinstance(node, core.AnyAll | core.AnyU):
        return _RE2_ANY
    if isinstance(node, core.Any):
        return "."  # both exclude only the line feed
    if isinstance(node, core.LookAround | core.ZeroWidthBase | core.Keep | core.Skip | core.Prune | core.Failure):
        return ""
    if isinstance(node, core.Sequence):
        return "".join(_re2(item, groups, referring, loose) for item in node.items)
    if isinstance(node, core.Branch) and not isinstance(node, core.StringSet):
        return "(?:" + "|".join(_re2(b, groups, referring, loose) for b in node.branches) + ")"
    if isinstance(node, core.Group | core.Atomic):
        return "(?:" + _re2(node.subpattern, groups, referring, loose) + ")"
    if isinstance(node, core.Conditional | core.LookAroundConditional):
        no = _re2(node.no_item, groups, referring, loose) if node.no_item is not None else ""
        return "(?:" + _re2(node.yes_item, groups, referring, loose) + "|" + no + ")"
    if isinstance(node, core.RefGroup):
        if node.group in referring or node.group not in groups:
            raise _Unsupported("a reference inside its own group")
        return "(?:" + _re2(groups[node.group], groups, referring | {node.group}, loose) + ")"
    if isinstance(node, core.GreedyRepeat):  # also lazy and possessive repeats
        least = int(node.min_count)
        most = node.max_count
        inner = "(?:" + _re2(node.subpattern, groups, referring, loose) + ")"
        if loose or most is None or most >= core.UNLIMITED or most > _RE2_MAX_REPEAT:
            if least > _RE2_MAX_REPEAT:
                raise _Unsupported("a long counted repeat")
            return inner + ("*" if least == 0 else "+" if least == 1 else f"{{{least},}}")
        return inner + f"{{{least},{int(most)}}}"
    raise _Unsupported(type(node).__name__)


def _re2_char(code: int) -> str:
    return f"\\x{{{code:x}}}"


def _re2_class(node: Any) -> str:
    """A one-character matcher in RE2 syntax: the same characters, or any character when they cannot be listed."""
    exact = _re2_items(node, top=True)
    if exact is not None:
        return exact
    try:
        return _listed(_class_source(node))
    except Exception:  # a set operation, or a surprise from regex internals: wider, never narrower
        return _RE2_ANY


def _re2_items(node: Any, top: bool = False) -> str | None:
    """An exact RE2 class for ``node`` (``[...]`` at the top, the inside of one below), or ``None``."""
    from regex import _regex_core as core

    if getattr(node, "case_flags", 0) or getattr(node, "zerowidth", False):
        return None
    inside: str | None
    if isinstance(node, core.Character):
        inside = _re2_char(node.value)
    elif isinstance(node, core.Range):
        inside = f"{_re2_char(node.lower)}-{_re2_char(node.upper)}"
    elif isinstance(node, core.SetUnion):
        parts = [_re2_items(item) for item in node.items]
        if any(p is None for p in parts) or any(not getattr(item, "positive", True) for item in node.items):
            return None
        inside = "".join(p for p in parts if p is not None)
    else:
        return None  # a property (listed instead: RE2 may know another Unicode version), a set operation
    if not inside:
        return None
    if top:
        return ("[" if node.positive else "[^") + inside + "]"
    return inside if node.positive else None


def _class_source(node: Any) -> str:
    r"""``node`` as a ``regex`` character class (``[\p{..}x-y]``, ``[^..]``).

    Raises:
        _Unsupported: a set operation other than a union, or a negated member of a union.

    """
    from regex import _regex_core as core

    if isinstance(node, core.SetUnion):
        inside = "".join(_set_item(item) for item in node.items if item.positive or _raise_negated())
        return ("[" if node.positive else "[^") + inside + "]"
    if isinstance(node, core.Property | core.Character | core.Range):
        if isinstance(node, core.Property) or node.positive:
            return "[" + _set_item(node) + "]"
        return "[^" + _set_item(core.Character(node.value) if isinstance(node, core.Character) else node) + "]"
    raise _Unsupported(type(node).__name__)


def _raise_negated() -> bool:
    raise _Unsupported("a negated member of a union")


# Every code point but the surrogates, in order: what a class is listed against.
_ALL_CHARS: str | None = None
_SURROGATES = (0xD800, 0xE000)


@functools.lru_cache(maxsize=256)
def _listed(source: str) -> str:
    """The characters of the ``regex`` class ``source``, as an RE2 class of ranges."""
    global _ALL_CHARS
    if _ALL_CHARS is None:
        import numpy as np

        codes = np.concatenate([np.arange(0, _SURROGATES[0]), np.arange(_SURROGATES[1], 0x110000)])
        _ALL_CHARS = codes.astype("<u4").tobytes().decode("utf-32-le")
    ranges: list[str] = []
    gap = _SURROGATES[1] - _SURROGATES[0]
    for m in regex.finditer(source + "+", _ALL_CHARS):
        first, last = m.start(), m.end() - 1
        # Past the surrogates, a character's code is its place plus their number.
        spans = (
            [(first, _SURROGATES[0] - 1), (_SURROGATES[1], last + gap)]
            if first < _SURROGATES[0] <= last
            else [(first + gap if first >= _SURROGATES[0] else first, last + gap if last >= _SURROGATES[0] else last)]
        )
        ranges.extend(f"{_re2_char(lo)}-{_re2_char(hi)}" if hi > lo else _re2_char(lo) for lo, hi in spans)
    return "[" + "".join(ranges) + "]" if ranges else _RE2_NONE
