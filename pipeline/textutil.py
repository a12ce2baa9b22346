"""Small text helpers the stages share: macros in patterns, paragraphs, sentences, overlaps."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

import regex

_MACRO = regex.compile(r"\{([A-Z][A-Z0-9_]*)\}")
T = TypeVar("T")


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


def compile_with_macros(pattern: str, macros: Mapping[str, str], flags: int = 0) -> regex.Pattern[str]:
    """Expand macros and compile with the ``regex`` module (VERSION1 semantics off)."""
    return regex.compile(expand_macros(pattern, macros), flags)


def paragraph_starts(text: str) -> list[int]:
    """Start offsets of the paragraphs (lines) of ``text``; always starts with 0."""
    starts = [0]
    pos = text.find("\n")
    while pos >= 0:
        starts.append(pos + 1)
        pos = text.find("\n", pos + 1)
    return starts


_SENTENCE_END = regex.compile(r"[。！？!?；;]+[”’」』)）]*|\n+")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Split ``text`` into sentence spans (end exclusive), on 。！？；and line breaks."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        end = m.end()
        if text[start:end].strip():
            spans.append((start, end))
        start = end
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans


def index_of_span(starts: Sequence[int], position: int) -> int:
    """Index of the span (given by sorted start offsets) holding ``position``."""
    return max(0, bisect_right(starts, position) - 1)


def select_non_overlapping(
    items: Iterable[T], key: Callable[[T], Any], span: Callable[[T], tuple[int, int]] | None = None
) -> list[T]:
    """Greedy choice of non-overlapping spans: best ``key`` first (e.g. longest, then priority).

    Items are tuples whose first two fields are ``start, end`` unless ``span`` says how
    to get them.
    """
    get_span = span or (lambda item: (item[0], item[1]))  # type: ignore[index]
    chosen: list[T] = []
    taken: list[tuple[int, int]] = []
    for item in sorted(items, key=lambda it: (key(it), -get_span(it)[0]), reverse=True):
        s, e = get_span(item)
        if any(s < te and ts < e for ts, te in taken):
            continue
        chosen.append(item)
        taken.append((s, e))
    return chosen
