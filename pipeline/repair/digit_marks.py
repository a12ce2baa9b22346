"""Which mark stands between two numbers: the digit-shape prior of a lost-byte guess.

UTF-8 read as GBK loses the last byte of a full-width mark before an ASCII byte, so a
full-width mark between two numbers (``1，990万股``, ``9：15-11：30``) always comes back
as a guess among ``，：；！`` and the rest (``EF BC xx``). The character model folds digits
into one symbol and has seen full-width marks between digits a few hundred times in 4 M
characters, so it hardly knows that three digits after a mark make a thousands
separator and two after two make a time. Its training text writes the same marks in
ASCII far more often (``1,990``, ``9:15``): counted with both widths as one (NFKC),
the marks between digit runs, by the runs' lengths (the *shape*: one, two, three or
more digits before; one to four or more after), say which mark a shape takes.

A guessed mark between two digit runs gains ``log(P(mark | shape) / P(mark))``: what the
shape says beyond how often the mark stands between digits at all. ``P(mark | shape)`` is
smoothed towards ``P(mark)`` with :data:`SHAPE_WEIGHT` pseudo-counts, so that a shape
seen rarely says little. The table comes from the LM's own training text, written by
``make train-lm`` (:mod:`pipeline.training.digit_marks`) into ``digit_marks.json``.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources

TABLE_FILE = "digit_marks.json"
MAX_BEFORE = 3  # digits before a mark told apart: 1, 2, 3 or more
MAX_AFTER = 4  # digits after a mark told apart: 1, 2, 3, 4 or more
SMOOTHING = 0.5  # added to every mark's count between digits
SHAPE_WEIGHT = 20.0  # pseudo-counts of the overall distribution a shape's counts are smoothed with
# A mark (one character, neither letter, digit nor space) between two ASCII digit runs;
# the lookahead lets the runs of 9:15-11:30 all be counted.
BETWEEN_DIGITS = re.compile(r"(?<![0-9])([0-9]+)([^\w\s])(?=([0-9]+))")


def shape_key(before: int, after: int) -> str:
    """The table key of a mark between ``before`` and ``after`` digits (each capped, see the module docstring)."""
    return f"{min(before, MAX_BEFORE)}:{min(after, MAX_AFTER)}"


def mark_class(mark: str) -> str:
    """A mark as the table counts it: full-width and ASCII forms alike (``，`` is ``,``)."""
    return unicodedata.normalize("NFKC", mark)


def _digit_run(text: str, start: int, step: int) -> int:
    """How many ASCII digits ``text`` holds from ``start`` on, going by ``step`` (1 or -1)."""
    n = 0
    while 0 <= start < len(text) and "0" <= text[start] <= "9":
        n += 1
        start += step
    return n


class DigitMarkModel:
    """Marks between digit runs, per shape, and the gain each shape gives a guessed mark."""

    def __init__(self, counts: dict[str, dict[str, int]]) -> None:
        """``counts``: shape key (:func:`shape_key`) -> mark class (:func:`mark_class`) -> how often."""
        self._counts = counts
        overall: dict[str, int] = {}
        for marks in counts.values():
            for mark, n in marks.items():
                overall[mark] = overall.get(mark, 0) + n
        denominator = sum(overall.values()) + SMOOTHING * len(overall)
        self._overall = {mark: (n + SMOOTHING) / denominator for mark, n in overall.items()}
        self._unseen = SMOOTHING / denominator
        self._shape_totals = {shape: sum(marks.values()) for shape, marks in counts.items()}

    @classmethod
    def load(cls) -> DigitMarkModel:
        """The packaged table (see :func:`default_digit_mark_model`)."""
        with (resources.files("pipeline.repair") / TABLE_FILE).open(encoding="utf-8") as fh:
            return cls(json.load(fh)["counts"])

    def gain(self, mark: str, before: int, after: int) -> float:
        """Nats a guessed ``mark`` gains between ``before`` and ``after`` digits (0 for a character no mark)."""
        if not before or not after or len(mark) != 1 or not unicodedata.category(mark).startswith(("P", "S")):
            return 0.0
        key = mark_class(mark)
        p = self._overall.get(key, self._unseen)
        shape = shape_key(before, after)
        seen = self._counts.get(shape, {}).get(key, 0)
        return math.log((seen + SHAPE_WEIGHT * p) / (self._shape_totals.get(shape, 0) + SHAPE_WEIGHT) / p)

    def corrections(self, options: Sequence[str], text: str, start: int, end: int) -> list[float]:
        """Nats to add to each option of the guess ``text[start:end]``: zero unless it stands between digit runs."""
        before = _digit_run(text, start - 1, -1)
        after = _digit_run(text, end, 1)
        if not before or not after:
            return [0.0] * len(options)
        return [self.gain(option, before, after) for option in options]


@lru_cache(maxsize=1)
def default_digit_mark_model() -> DigitMarkModel:
    """The packaged :class:`DigitMarkModel`, loaded once per process on first use."""
    return DigitMarkModel.load()
