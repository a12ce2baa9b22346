"""Offset bookkeeping: apply edits to a text and keep a map back to the raw text.

Each normalisation pass proposes :class:`Edit` objects against the *current* text;
:meth:`TextState.apply` rewrites the text, records one :class:`~pipeline.records.Repair`
per edit (with its span in the raw text), and composes the offset map, so that every
character of the final text knows which raw characters it came from.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from pipeline.records import Repair


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace ``text[start:end]`` of the current text by ``replacement``.

    ``kind`` names the repair (``pinyin_annotation``, ``t2s``, ``html_entity`` ...),
    ``source`` the rule or model that proposed it.
    """

    start: int
    end: int
    replacement: str
    kind: str
    source: str = ""
    confidence: float = 1.0


def _positions(first: int, n: int) -> array[int]:
    """The offsets ``first, first + 1, ...`` (``n`` of them) as an ``array("q")``.

    Built by numpy and copied in as bytes: ``array("q", range(n))`` reads the range one
    Python int at a time, which cost more than every pass over a clean document
    (finish() builds the identity map of each one).
    """
    out = array("q")
    out.frombytes(np.arange(first, first + n, dtype=np.int64).tobytes())
    return out


class TextState:
    """A text under normalisation, with the raw span of each of its characters.

    ``starts[i]``/``ends[i]`` give the raw span that character ``i`` came from
    (end exclusive). A replacement of a different length maps each of its characters
    to the whole replaced raw span, so spans never point outside what produced them.
    """

    __slots__ = ("_ends", "_starts", "raw", "repairs", "text")

    def __init__(self, raw: str) -> None:
        self.raw = raw
        self.text = raw
        # Built on the first edit: clean text never pays for the map.
        self._starts: array[int] | None = None
        self._ends: array[int] | None = None
        self.repairs: list[_PendingRepair] = []

    @property
    def starts(self) -> array[int]:
        """Raw start offset of each character of the current text."""
        if self._starts is None:
            self._starts = _positions(0, len(self.raw))
        return self._starts

    @property
    def ends(self) -> array[int]:
        """Raw end offset (exclusive) of each character of the current text."""
        if self._ends is None:
            self._ends = _positions(1, len(self.raw))
        return self._ends

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """Return the raw span that produced ``text[start:end]`` of the current text."""
        if self._starts is None:
            return start, end  # no edit has moved anything yet: the map is the identity
        if end > start:
            return self.starts[start], self.ends[end - 1]
        if start < len(self.text):
            pos = self.starts[start]
        else:
            pos = self.ends[start - 1] if start else 0
        return pos, pos

    def apply(self, edits: Iterable[Edit]) -> int:
        """Apply non-overlapping edits to the current text; return how many changed it.

        Edits that overlap an earlier one (in start order) are dropped: a pass must
        not contradict itself.
        """
        ordered = sorted(edits, key=lambda e: (e.start, e.end))
        kept: list[Edit] = []
        last_end = -1
        for edit in ordered:
            if edit.start < last_end:
                continue
            if self.text[edit.start : edit.end] == edit.replacement:
                continue
            kept.append(edit)
            last_end = max(edit.end, edit.start + (1 if edit.end == edit.start else 0))
        if not kept:
            return 0
        if all(len(e.replacement) == e.end - e.start for e in kept):
            return self._apply_in_place(kept)
        pieces: list[str] = []
        new_starts = array("q")
        new_ends = array("q")
        cursor = 0
        starts, ends = self.starts, self.ends
        for edit in kept:
            pieces.append(self.text[cursor : edit.start])
            new_starts.extend(starts[cursor : edit.start])
            new_ends.extend(ends[cursor : edit.start])
            raw_start, raw_end = self.raw_span(edit.start, edit.end)
            n = len(edit.replacement)
            if n == edit.end - edit.start:
                new_starts.extend(starts[edit.start : edit.end])
                new_ends.extend(ends[edit.start : edit.end])
            else:
                new_starts.extend([raw_start] * n)
                new_ends.extend([raw_end] * n)
            self._log(edit, raw_start, raw_end)
            pieces.append(edit.replacement)
            cursor = edit.end
        pieces.append(self.text[cursor:])
        new_starts.extend(starts[cursor:])
        new_ends.extend(ends[cursor:])
        self.text = "".join(pieces)
        self._starts = new_starts
        self._ends = new_ends
        return len(kept)

    def _log(self, edit: Edit, raw_start: int, raw_end: int) -> None:
        """Record ``edit`` (before it is applied) as a repair of the raw span ``[raw_start, raw_end)``."""
        self.repairs.append(
            _PendingRepair(
                kind=edit.kind,
                raw_start=raw_start,
                raw_end=raw_end,
                before=self.text[edit.start : edit.end],
                after=edit.replacement,
                source=edit.source,
                confidence=edit.confidence,
            )
        )

    def _apply_in_place(self, kept: list[Edit]) -> int:
        """Edits that keep their length move no offsets: rewrite the text, keep the map."""
        pieces: list[str] = []
        cursor = 0
        for edit in kept:
            raw_start, raw_end = self.raw_span(edit.start, edit.end)
            self._log(edit, raw_start, raw_end)
            pieces.append(self.text[cursor : edit.start])
            pieces.append(edit.replacement)
            cursor = edit.end
        pieces.append(self.text[cursor:])
        self.text = "".join(pieces)
        return len(kept)

    def mark(self, start: int, end: int, kind: str, source: str, confidence: float = 1.0) -> None:
        """Record a span that was examined but left as it is (lost bytes, for example)."""
        raw_start, raw_end = self.raw_span(start, end)
        segment = self.text[start:end]
        self.repairs.append(_PendingRepair(kind, raw_start, raw_end, segment, segment, source, confidence))

    def finish(self) -> tuple[str, tuple[Repair, ...], OffsetMap]:
        """Return the final text, its repairs (spans in both texts) and its offset map."""
        offset_map = OffsetMap(self.raw, self.text, self.starts, self.ends)
        repairs = tuple(
            Repair(
                kind=p.kind,
                raw_start=p.raw_start,
                raw_end=p.raw_end,
                before=p.before,
                after=p.after,
                start=s,
                end=e,
                source=p.source,
                confidence=p.confidence,
            )
            for p in self.repairs
            for s, e in [offset_map.from_raw_span(p.raw_start, p.raw_end)]
        )
        return self.text, repairs, offset_map


class _PendingRepair:
    """A repair whose normalised span is only known once every pass has run."""

    __slots__ = ("after", "before", "confidence", "kind", "raw_end", "raw_start", "source")

    def __init__(
        self,
        kind: str,
        raw_start: int,
        raw_end: int,
        before: str,
        after: str,
        source: str,
        confidence: float,
    ) -> None:
        self.kind = kind
        self.raw_start = raw_start
        self.raw_end = raw_end
        self.before = before
        self.after = after
        self.source = source
        self.confidence = confidence


class OffsetMap:
    """Maps offsets of the normalised text to the raw text and back."""

    __slots__ = ("_ends", "_starts", "raw", "text")

    def __init__(self, raw: str, text: str, starts: array, ends: array) -> None:  # type: ignore[type-arg]
        self.raw = raw
        self.text = text
        self._starts = starts
        self._ends = ends

    def to_raw(self, i: int) -> int:
        """Return the raw offset of normalised offset ``i`` (``len(text)`` maps to the end)."""
        if i < 0 or i > len(self.text):
            raise IndexError(f"offset {i} outside the normalised text (length {len(self.text)})")
        if i == len(self.text):
            return int(self._ends[i - 1]) if i else 0
        return int(self._starts[i])

    def to_raw_span(self, start: int, end: int) -> tuple[int, int]:
        """Return the raw span that produced ``text[start:end]`` (end exclusive)."""
        if end <= start:
            pos = self.to_raw(start)
            return pos, pos
        return self._starts[start], self._ends[end - 1]

    def from_raw_span(self, raw_start: int, raw_end: int) -> tuple[int, int]:
        """Return the smallest normalised span whose characters came from ``raw[raw_start:raw_end]``.

        A span that was deleted entirely maps to the empty span where it was.
        """
        lo = bisect_left(self._ends, raw_start + 1)
        hi = bisect_left(self._starts, raw_end)
        return lo, max(lo, hi)
