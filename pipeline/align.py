"""Map character offsets between two versions of a text (e.g. a pipeline's output and gold).

Evaluation compares spans found in one text with spans annotated in another; when the
two texts differ (a repair the pipeline did not make), offsets are carried across the
equal stretches found by :class:`difflib.SequenceMatcher`.
"""

from __future__ import annotations

from bisect import bisect_right
from difflib import SequenceMatcher


class OffsetAligner:
    """Carries offsets of ``source`` over to ``target`` through their common stretches."""

    def __init__(self, source: str, target: str) -> None:
        self.identical = source == target
        self._blocks: list[tuple[int, int, int]] = []
        if not self.identical:
            matcher = SequenceMatcher(None, source, target, autojunk=False)
            self._blocks = [(b.a, b.b, b.size) for b in matcher.get_matching_blocks() if b.size]
        self._starts = [a for a, _b, _n in self._blocks]

    def offset(self, i: int) -> int | None:
        """The offset in ``target`` of character ``i`` of ``source``; ``None`` if it has no counterpart."""
        if self.identical:
            return i
        k = bisect_right(self._starts, i) - 1
        if k < 0:
            return None
        a, b, n = self._blocks[k]
        return b + (i - a) if i < a + n else None

    def span(self, start: int, end: int) -> tuple[int, int] | None:
        """The span of ``target`` matching ``source[start:end]``, if both ends carry over."""
        if self.identical:
            return start, end
        if end <= start:
            return None
        s = self.offset(start)
        e = self.offset(end - 1)
        if s is None or e is None:
            return None
        return s, e + 1
