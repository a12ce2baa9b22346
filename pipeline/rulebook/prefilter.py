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


@dataclass(frozen=True, slots=True)
class PatternFacts:
    """What is known about a pattern before it runs.

    ``lead`` is a lookahead for the first characters to put in front of the pattern
    (``(?=[..])``) or ``None``; ``near`` a lookahead for a required character close to
    the start (see :func:`_near`) or ``None``; ``required`` the characters one of which
    every match contains, or ``None`` when no small such set is known; ``words`` the
    strings (two characters or more) one of which a text must hold for the pattern to
    match in it, or ``None``.
    """

    lead: str | None = None
    required: frozenset[str] | None = None
    near: str | None = None
    words: frozenset[str] | None = None


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
    return PatternFacts(lead, required, near, words)


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
    from regex import _regex_core as core

    if getattr(node, "case_flags", 0) or getattr(node, "zerowidth", False):
        raise _Unsupported("case or zero width")
    if isinstance(node, core.String):
        return [core.Character(node.characters[0])], False
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
        for item in node.items:
            first, nullable = _first(item)
            out.extend(first)
            if not nullable:
                return out, False
        return out, True
    if isinstance(node, core.Branch) and not isinstance(node, core.StringSet):
        out, any_nullable = [], False
        for branch in node.branches:
            first, nullable = _first(branch)
            out.extend(first)
            any_nullable = any_nullable or nullable
        return out, any_nullable
    if isinstance(node, core.Group | core.Atomic):
        return _first(node.subpattern)
    if isinstance(node, core.GreedyRepeat):  # also lazy and possessive repeats
        first, nullable = _first(node.subpattern)
        return first, nullable or node.min_count == 0
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
        return [s for item in node.items for s in _required_words(item)]
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


__all__ = ["MAX_REQUIRED", "NO_FACTS", "PatternFacts", "analyse"]
