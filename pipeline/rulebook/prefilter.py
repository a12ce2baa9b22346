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
  skipped.

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

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

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


@dataclass(frozen=True, slots=True)
class PatternFacts:
    """What is known about a pattern before it runs.

    ``lead`` is a lookahead to put in front of the pattern (``(?=[..])``) or ``None``;
    ``required`` the characters one of which every match contains, or ``None`` when
    no small such set is known.
    """

    lead: str | None = None
    required: frozenset[str] | None = None


NO_FACTS = PatternFacts()


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
    try:
        lead = _lead(parsed, flags)
    except Exception:
        lead = None
    try:
        required = _best(_required(parsed))
    except Exception:
        required = None
    return PatternFacts(lead, required)


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


def _cost(chars: frozenset[str]) -> int:
    return sum(8 if c in _COMMON else 1 for c in chars)


def _best(options: list[frozenset[str]]) -> frozenset[str] | None:
    """The cheapest set to test for, if one is small enough."""
    usable = [s for s in options if s and len(s) <= MAX_REQUIRED]
    return min(usable, key=_cost) if usable else None


__all__ = ["MAX_REQUIRED", "NO_FACTS", "PatternFacts", "analyse"]
