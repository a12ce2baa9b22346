"""Small text helpers the stages share: macros in patterns, paragraphs, sentences, overlaps."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

import regex

from pipeline.rulebook.patterns import SafePattern, compile_pattern
from pipeline.rulebook.patterns import expand_macros as expand_macros  # re-exported for the stages

T = TypeVar("T")


def compile_with_macros(
    pattern: str, macros: Mapping[str, str], flags: int = 0, *, rule_id: str | None = None
) -> SafePattern:
    """Expand macros and compile a rule pattern with the ``regex`` module (VERSION1 semantics off).

    The result is a :class:`~pipeline.rulebook.patterns.SafePattern`: its matches run
    within the time budget of the document being processed (error E206 when spent).
    """
    return compile_pattern(pattern, macros, flags, rule_id=rule_id)


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
    ranked = sorted(items, key=lambda it: (key(it), -get_span(it)[0]), reverse=True)
    spans = [get_span(item) for item in ranked]
    if any(e <= s for s, e in spans):
        return _select_with_empty_spans(ranked, spans)
    # The spans taken so far, sorted by start; being disjoint and non-empty, their
    # ends are sorted too, so only the last one starting before ``e`` can overlap.
    chosen: list[T] = []
    starts: list[int] = []
    ends: list[int] = []
    for item, (s, e) in zip(ranked, spans, strict=True):
        i = bisect_left(starts, e)
        if i and ends[i - 1] > s:
            continue
        chosen.append(item)
        starts.insert(i, s)
        ends.insert(i, e)
    return chosen


def _select_with_empty_spans(ranked: list[T], spans: list[tuple[int, int]]) -> list[T]:
    """The same greedy choice, compared pairwise (an empty span overlaps a span around it)."""
    chosen: list[T] = []
    taken: list[tuple[int, int]] = []
    for item, (s, e) in zip(ranked, spans, strict=True):
        if any(s < te and ts < e for ts, te in taken):
            continue
        chosen.append(item)
        taken.append((s, e))
    return chosen
