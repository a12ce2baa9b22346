"""Precision, recall and F1 from counts: one definition for every scorer in the project."""

from __future__ import annotations


class Rates:
    """Mixin giving ``precision``, ``recall`` and ``f1`` (0 when undefined) from three counts.

    A scorer says how many predictions were right, how many it made and how many gold
    items there were (:meth:`counts`); each keeps its own field names and report shape.
    """

    __slots__ = ()

    def counts(self) -> tuple[float, float, float]:
        """Return ``(correct, predicted, gold)``."""
        raise NotImplementedError

    @property
    def precision(self) -> float:
        """Correct over predicted."""
        correct, predicted, _ = self.counts()
        return correct / predicted if predicted else 0.0

    @property
    def recall(self) -> float:
        """Correct over gold."""
        correct, _, gold = self.counts()
        return correct / gold if gold else 0.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0
