"""Replay a normalisation: apply its repairs, in order, to the raw text.

A repair names the raw span it came from, the text it replaced and what it wrote.
Applying the repairs one after the other to the raw text, each at the place where
the characters of its raw span are now, gives the normalised text again; the tests
check this for every normalisation they make, so the repair log is a faithful
account of what the normaliser did.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable

from pipeline.offsets import Edit, TextState
from pipeline.records import Repair


class ReplayError(ValueError):
    """A repair does not fit the text it is replayed on."""


def _locate(state: TextState, repair: Repair) -> tuple[int, int]:
    """Where ``repair.before`` now stands: the characters that came from its raw span."""
    text = state.text
    starts = state.starts
    n = len(repair.before)
    if n == 0:
        # An insertion: the first character that came from at or after the raw position.
        i = bisect_left(starts, repair.raw_start)
        return i, i
    lo = bisect_left(starts, repair.raw_start)
    hi = bisect_right(starts, repair.raw_start)
    for i in range(lo, hi):
        j = i + n
        if text[i:j] == repair.before and state.ends[j - 1] == repair.raw_end:
            return i, j
    for i in range(lo, hi):
        if text[i : i + n] == repair.before:
            return i, i + n
    raise ReplayError(
        f"repair {repair.kind} ({repair.source}) at raw {repair.raw_start}:{repair.raw_end} "
        f"expects {repair.before!r} but the text there is {text[lo : lo + n]!r}"
    )


def replay(raw: str, repairs: Iterable[Repair]) -> str:
    """Apply ``repairs`` to ``raw`` in order and return the resulting text.

    Raises:
        ReplayError: a repair's ``before`` is not where its raw span now is.

    """
    state = TextState(raw)
    for repair in repairs:
        if repair.before == repair.after:
            continue  # a mark (lost bytes): nothing changed
        start, end = _locate(state, repair)
        state.apply([Edit(start, end, repair.after, repair.kind, repair.source, repair.confidence)])
    return state.text
