"""One definition of precision, recall and F1 serves the eval, NER and events scorers."""

from __future__ import annotations

import pytest

from pipeline.evaluate.scoring import PRF as EvalPRF
from pipeline.events.scoring import PRF as EventPRF
from pipeline.ner.scoring import LabelScore


@pytest.mark.parametrize(
    "score",
    [EvalPRF(correct=3, predicted=4, gold=6), EventPRF(tp=3, fp=1, fn=3), LabelScore(tp=3, pred=4, gold=6)],
)
def test_every_scorer_gives_the_same_rates(score: EvalPRF | EventPRF | LabelScore) -> None:
    assert (score.precision, score.recall) == (0.75, 0.5)
    assert score.f1 == pytest.approx(0.6)


def test_nothing_predicted_or_nothing_to_find_is_zero_not_an_error() -> None:
    assert (EventPRF().precision, EventPRF().recall, EventPRF().f1) == (0.0, 0.0, 0.0)
    assert LabelScore(tp=0, pred=3, gold=0).f1 == 0.0
