"""Strict span scoring: a prediction counts only with exactly the gold start, end and label."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from pipeline.evaluate.rates import Rates


@dataclass(slots=True)
class LabelScore(Rates):
    """True positives, predictions and gold spans of one label."""

    tp: int = 0
    pred: int = 0
    gold: int = 0

    def counts(self) -> tuple[float, float, float]:
        """Return ``(correct, predicted, gold)``."""
        return self.tp, self.pred, self.gold

    def to_dict(self) -> dict[str, float | int]:
        """The counts and rates, rounded for reports."""
        return {
            "p": round(self.precision, 4),
            "r": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "tp": self.tp,
            "pred": self.pred,
            "gold": self.gold,
        }


@dataclass(slots=True)
class SpanScorer:
    """Accumulates strict span matches per label over many sentences."""

    labels: tuple[str, ...]
    scores: dict[str, LabelScore] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.scores = {label: LabelScore() for label in self.labels}

    def add(self, gold: Iterable[tuple[int, int, str]], pred: Iterable[tuple[int, int, str]]) -> None:
        """Count one sentence's gold and predicted spans (labels outside ``labels`` ignored)."""
        gold_set = {s for s in gold if s[2] in self.scores}
        pred_set = {s for s in pred if s[2] in self.scores}
        for label, score in self.scores.items():
            g = {s for s in gold_set if s[2] == label}
            p = {s for s in pred_set if s[2] == label}
            score.gold += len(g)
            score.pred += len(p)
            score.tp += len(g & p)

    def to_dict(self) -> dict[str, dict[str, float | int]]:
        """Scores of every label."""
        return {label: score.to_dict() for label, score in self.scores.items()}
