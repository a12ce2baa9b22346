"""The digit-shape prior of lost-byte guesses (pipeline/repair/digit_marks.py, pipeline/training/digit_marks.py)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from pipeline.corrupt import damage
from pipeline.offsets import TextState
from pipeline.repair import mojibake
from pipeline.repair.digit_marks import DigitMarkModel, default_digit_mark_model
from pipeline.repair.lm import DocumentCache, default_lm
from pipeline.repair.mojibake import Repairer
from pipeline.training.digit_marks import count_digit_marks, main
from tests.repair.conftest import SharedData

MARKS = ["，", "：", "；", "、"]


def _model() -> DigitMarkModel:
    lines = ["共1,990万股", "1，200元", "12,430,720股", "9:15开始", "11：30收盘", "第3.5条", "2.5亿元", "1、2、3"]
    return DigitMarkModel({shape: dict(c) for shape, c in count_digit_marks(lines).items()})


def test_marks_between_digit_runs_are_counted_by_shape_in_both_widths() -> None:
    counts = count_digit_marks(["共1,990万股，合1，200元", "9:15-11：30", "第1、2条", "2019年，3月"])
    assert counts["1:3"] == {",": 2}  # ， counts as ,
    assert counts["1:2"] == {":": 1}  # 9:15
    assert counts["2:2"] == {"-": 1, ":": 1}  # 15-11 and 11：30: the runs are shared
    assert counts["1:1"] == {"、": 1}
    assert sum(sum(c.values()) for c in counts.values()) == 6  # 年， is no mark between digits


def test_the_shape_of_the_numbers_says_which_mark_stands_between_them() -> None:
    model = _model()
    assert model.gain("，", 1, 3) > 0.0 > model.gain("：", 1, 3)  # a thousands separator
    assert model.gain("：", 2, 2) > 0.0 > model.gain("，", 2, 2)  # a time
    assert model.gain("，", 3, 3) == pytest.approx(model.gain(",", 7, 3))  # widths alike, long runs capped
    assert model.gain("年", 1, 3) == model.gain("，", 0, 3) == 0.0  # no mark, or not between digits


def test_corrections_weigh_only_a_guess_between_digits() -> None:
    model = _model()
    assert model.corrections(MARKS, "小于1，990万股", 3, 4) == [model.gain(m, 1, 3) for m in MARKS]
    assert model.corrections(MARKS, "小于，990万股", 2, 3) == [0.0] * len(MARKS)
    assert model.corrections(MARKS, "为11：30，开盘", 3, 4) == [model.gain(m, 2, 2) for m in MARKS]


def test_the_packaged_table_knows_thousands_separators_and_times() -> None:
    model = default_digit_mark_model()
    assert model.gain("，", 1, 3) > 1.0 and model.gain("：", 1, 3) < -1.0
    assert model.gain("：", 2, 2) > model.gain("，", 2, 2) + 3.0


def test_the_trainer_writes_the_table_file(tmp_path: Path, shared_data: SharedData) -> None:
    # The even DuEE-fin documents are left out.
    data = shared_data(["不算1,000", "发行1，990万股\n时间9:30"], ["共2,500元"])
    out = tmp_path / "digit_marks.json"
    main(["--data", str(data), "--out", str(out)])
    table = json.loads(out.read_text(encoding="utf-8"))
    assert table["counts"] == {"1:2": {":": 1}, "1:3": {",": 2}}
    assert DigitMarkModel(table["counts"]).gain("，", 1, 3) > 0.0


def test_the_repair_adds_the_gain_of_a_mark_between_digits(monkeypatch: pytest.MonkeyPatch) -> None:
    repairer = Repairer(default_lm())
    cache = DocumentCache(default_lm(), "")
    text = "小于1，990万股"
    weighed = repairer._choice_scores(text, 3, tuple(MARKS), MARKS, cache)
    monkeypatch.setattr(mojibake, "default_digit_mark_model", _model)  # another table: other gains
    other = repairer._choice_scores(text, 3, tuple(MARKS), MARKS, cache)
    gains = default_digit_mark_model().corrections(MARKS, text, 3, 4)
    for a, b, g, h in zip(weighed, other, gains, _model().corrections(MARKS, text, 3, 4), strict=True):
        assert a - g == pytest.approx(b - h)


@pytest.mark.parametrize(
    "line",
    [
        "本次发行股份总数为3，600万股，占发行后总股本的25%。",
        "北京时间10：30，比赛正式开始。",
        "公司计划募集资金2，500万元用于研发。",
    ],
)
def test_a_lost_mark_between_numbers_comes_back_as_their_shape_says(line: str) -> None:
    damaged = damage(line, "utf8_as_gbk", random.Random(0))
    assert "，" not in damaged and "：" not in damaged
    state = TextState(damaged)
    state.apply(Repairer(default_lm()).edits(damaged))
    assert state.text == line


def test_between_numbers_the_document_cache_does_not_vote() -> None:
    # The cache folds digits as the LM does: its thousands separators would vote for 9，30.
    repairer = Repairer(default_lm())
    empty = DocumentCache(default_lm(), "")
    separators = DocumentCache(default_lm(), "申购总量为1，990万股，其中为1，244万股，另为2，500万股")
    options = tuple(MARKS)
    time = "申购时间为9：30"
    assert repairer._choice_scores(time, 6, options, MARKS, separators) == repairer._choice_scores(
        time, 6, options, MARKS, empty
    )
    # Elsewhere the document's own n-grams count as before.
    plain = "申购总量为，990"
    assert repairer._choice_scores(plain, 5, options, MARKS, separators) != repairer._choice_scores(
        plain, 5, options, MARKS, empty
    )
