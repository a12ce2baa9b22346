"""The dropped-pair search's shortcut: estimated scores, and only the likeliest candidates read in full."""

from __future__ import annotations

import math

import pytest

from pipeline.repair import pinyin
from pipeline.repair.lm import default_lm
from pipeline.repair.pinyin import PAIR_READ_EXTRA, PinyinRepairer, _pair_options

# A line as the converter's decoder may read it, and places after the first character
# where a dropped pair may sit (one byte off its characters: out of step).
DATA = "司法部門同日披露，該公司的全資子公司已經完成收購。\n".encode("gbk")
PLACES = [3, 5, 7, 9]


@pytest.fixture(scope="module")
def repairer() -> PinyinRepairer:
    return PinyinRepairer(default_lm())


def _candidates() -> list[tuple[int, int, int, str, str | None]]:
    return [
        (pos, t, lead, before, after)
        for pos in PLACES
        for t, lead, before, after in _pair_options(DATA[pos - 1], DATA[pos])
    ]


def test_the_estimates_are_the_scores_of_the_whole_texts(repairer: PinyinRepairer) -> None:
    read_to = min(len(DATA), PLACES[-1] + 12) + 2 + PAIR_READ_EXTRA
    found = _candidates()
    estimates = repairer._drop_estimates(DATA, 0, read_to, found)
    texts = [
        repairer._window_text(DATA[:pos] + bytes((t, lead)) + DATA[pos:], 0, read_to) for pos, t, lead, _, _ in found
    ]
    scores = repairer._scores(texts)
    compared = [(e, s) for e, s in zip(estimates.tolist(), scores, strict=True) if not math.isnan(e)]
    # Most candidates have an estimate (a one-to-many character has none), and each is the score.
    assert len(compared) > 0.8 * len(found)
    assert all(abs(e - s) < 1e-6 for e, s in compared)


def test_the_search_finds_what_it_finds_reading_every_candidate(
    repairer: PinyinRepairer, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert len(_candidates()) > pinyin.DROP_PRUNE_FROM
    shortcut = repairer._best_drop(DATA, PLACES)
    monkeypatch.setattr(pinyin, "DROP_PRUNE_FROM", 10**9)
    every = repairer._best_drop(DATA, PLACES)
    assert shortcut[0] == every[0]
    assert shortcut[1] == pytest.approx(every[1], abs=1e-6)
    assert shortcut[2][: pinyin.DOUBLE_SHORTLIST] == every[2][: pinyin.DOUBLE_SHORTLIST]
    assert len(shortcut[2]) < len(every[2]) / 2
