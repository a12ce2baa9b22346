"""Map offsets of the pipeline's normalised text onto the gold clean text.

When normalisation does not give exactly the hand-checked clean text (a repair the
annotator judged differently, a damaged copy repaired imperfectly), predicted spans
cannot be compared by offset. :class:`Alignment` aligns the two texts character by
character with :mod:`difflib` (no junk heuristic: Chinese text repeats characters
far more than English, and the heuristic would drop them) and maps each predicted
span onto the gold text; the report says how many documents needed it.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AlignmentStats:
    """How far the two texts are apart."""

    identical: bool
    source_length: int
    target_length: int
    changed_source: int
    changed_target: int

    @property
    def similarity(self) -> float:
        """Share of characters in matching blocks (1.0 for identical texts)."""
        total = self.source_length + self.target_length
        if total == 0:
            return 1.0
        return 1.0 - (self.changed_source + self.changed_target) / total

    def to_dict(self) -> dict[str, object]:
        """Return the JSON shape used in reports."""
        return {
            "identical": self.identical,
            "similarity": round(self.similarity, 4),
            "changed_pred_chars": self.changed_source,
            "changed_gold_chars": self.changed_target,
        }


def _opcodes(source: str, target: str) -> list[tuple[str, int, int, int, int]]:
    """The opcodes of difflib for the differing middle of two texts, with the common ends kept equal.

    difflib matches the longest common block first, so in ``上?上上`` against ``上上上``
    it pairs the wrong 上 and reports a deletion and an insertion; taking the common
    prefix and suffix first leaves only the real change for it to place.
    """
    limit = min(len(source), len(target))
    head = 0
    while head < limit and source[head] == target[head]:
        head += 1
    tail = 0
    while tail < limit - head and source[-1 - tail] == target[-1 - tail]:
        tail += 1
    s_end, t_end = len(source) - tail, len(target) - tail
    ops: list[tuple[str, int, int, int, int]] = [("equal", 0, head, 0, head)] if head else []
    matcher = difflib.SequenceMatcher(None, source[head:s_end], target[head:t_end], autojunk=False)
    ops += [(tag, i1 + head, i2 + head, j1 + head, j2 + head) for tag, i1, i2, j1, j2 in matcher.get_opcodes()]
    if tail:
        ops.append(("equal", s_end, len(source), t_end, len(target)))
    return ops


class Alignment:
    """A character map from ``source`` (predicted text) to ``target`` (gold text)."""

    def __init__(self, source: str, target: str) -> None:
        self.source = source
        self.target = target
        self.identical = source == target
        # For each source index: the target index it corresponds to, or -1 when the
        # character was deleted or rewritten into text of another length.
        self._map: list[int] = []
        # For each source index in a rewritten block: the block's target bounds.
        self._block: dict[int, tuple[int, int]] = {}
        changed_source = changed_target = 0
        if self.identical:
            self._map = list(range(len(source)))
        else:
            self._map = [-1] * len(source)
            for tag, i1, i2, j1, j2 in _opcodes(source, target):
                if tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1):
                    for k in range(i2 - i1):
                        self._map[i1 + k] = j1 + k
                    if tag == "replace":
                        changed_source += i2 - i1
                        changed_target += j2 - j1
                    continue
                changed_source += i2 - i1
                changed_target += j2 - j1
                for i in range(i1, i2):
                    self._block[i] = (j1, j2)
        self.stats = AlignmentStats(self.identical, len(source), len(target), changed_source, changed_target)

    def _start(self, i: int) -> int | None:
        if i < len(self._map) and self._map[i] >= 0:
            return self._map[i]
        if i in self._block:
            return self._block[i][0]
        return None

    def _last(self, i: int) -> int | None:
        if 0 <= i < len(self._map) and self._map[i] >= 0:
            return self._map[i]
        if i in self._block:
            return self._block[i][1] - 1
        return None

    def span(self, start: int, end: int) -> tuple[int, int] | None:
        """The gold span of source ``[start, end)``, or ``None`` when it has no counterpart.

        Characters that were rewritten into text of another length map to the whole
        rewritten block; a span made only of deleted characters maps to nothing.
        """
        if self.identical:
            return (start, end) if 0 <= start < end <= len(self.target) else None
        first = next((s for i in range(start, end) if (s := self._start(i)) is not None), None)
        last = next((e for i in range(end - 1, start - 1, -1) if (e := self._last(i)) is not None), None)
        if first is None or last is None or last < first:
            return None
        return first, last + 1
