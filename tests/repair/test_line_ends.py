"""The line-end prior of lost-byte guesses (pipeline/repair/line_ends.py, pipeline/training/line_ends.py)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from pipeline.repair.line_ends import (
    ARTICLE,
    FIRST_ITEM,
    LATER_ITEM,
    SENTENCE,
    LineEndModel,
    article_chance,
    default_line_end_model,
)
from pipeline.training.line_ends import count_line_ends, main
from tests.repair.conftest import SharedData


def _model() -> LineEndModel:
    documents = [
        (ARTICLE, ["标题", "公告称：", "1.支付价款；", "2.支付违约金；", "3.承担费用。", "来源：某某网"]),
        (ARTICLE, ["正文第一段。", "【点击看详情】"]),
        (SENTENCE, ["他说，"]),
        (SENTENCE, ["今天下雨了。"]),
        (SENTENCE, ["真好！"]),
        (SENTENCE, ["我们走吧，"]),
    ]
    counts, item_lines = count_line_ends(iter(documents))
    totals = {k: sum(v.values()) for k, v in counts.items()}
    return LineEndModel({k: dict(v) for k, v in counts.items()}, totals, dict(item_lines))


def test_line_ends_are_counted_per_kind_and_before_list_items() -> None:
    article = ["公告称：", "1.支付价款；", "2.支付违约金。", "（3）其他", "3.5亿元"]
    counts, item_lines = count_line_ends(iter([(ARTICLE, article), (SENTENCE, ["他说，"])]))
    assert item_lines == {ARTICLE: 3, SENTENCE: 0}  # 3.5亿元 is a number, no list item
    assert counts[ARTICLE] == {"：": 1, "；": 1, "。": 1, "他": 1, "元": 1}
    assert counts[SENTENCE] == {"，": 1}
    assert counts[FIRST_ITEM] == {"：": 1}  # the line before "1."
    assert counts[LATER_ITEM] == {"；": 1, "。": 1}  # before "2." and "（3）"


def test_a_documents_own_lines_say_whether_it_is_an_article() -> None:
    model = _model()
    prior = math.log(8 / 4)  # eight article lines, four sentences
    assert model.article_log_odds([], []) == pytest.approx(prior)  # nothing said: the training text's odds
    assert model.article_log_odds([], ["】", "网"]) > prior > model.article_log_odds([], ["，", "！"])
    assert model.article_log_odds([], ["龘"]) == pytest.approx(prior)  # no training line ends with 龘
    # Lines that start list items are an article's; lines that do not, a little more the sentences'.
    assert model.article_log_odds(["2.支付", "3.承担"], []) > prior > model.article_log_odds(["支付", "承担"], [])
    assert model.article_log_odds([], ["】"] * 100) == pytest.approx(prior + 10.0)  # capped: lines are not independent
    assert article_chance(0.0) == 0.5


def test_line_end_corrections_follow_the_kind_of_text_and_list_items() -> None:
    model = _model()
    options = ["，", "；", "字"]
    in_article = model.corrections(options, 1.0, "正文")
    in_sentences = model.corrections(options, 0.0, "正文")
    assert in_article[0] < in_sentences[0] and in_article[1] > in_sentences[1]
    assert in_article[2] == in_sentences[2] == 0.0  # characters other than marks are not weighed
    # Before a later list item an article's line ends as the lines before list items do.
    before_item = model.corrections(options, 1.0, "3.承担费用")
    assert before_item[1] > in_article[1]
    assert model.corrections(["："], 1.0, "1.支付")[0] > model.corrections(["："], 1.0, "3.支付")[0]


def test_the_packaged_tables_say_articles_hardly_end_a_line_with_a_comma() -> None:
    model = default_line_end_model()
    comma, semicolon, colon = model.corrections(["，", "；", "："], 1.0, "")
    assert comma < -4.0 and semicolon > 0.0 and colon > 0.0
    # Documents of lone sentences end lines with ， as the LM learnt: almost no correction.
    assert abs(model.corrections(["，"], 0.0, "")[0]) < 0.1
    prior = model.article_log_odds([], [])
    assert -4.0 < prior < -2.0  # one training line in twenty is an article's
    assert model.article_log_odds([], ["】", "。", "网"]) > prior + 6.0
    assert model.article_log_odds(["1.一", "2.二", "3.三"], []) > prior + 6.0
    assert model.article_log_odds([], ["，", "，", "。"]) < prior - 3.0


def test_the_trainer_writes_the_table_file(tmp_path: Path, shared_data: SharedData) -> None:
    # The even DuEE-fin documents are left out.
    data = shared_data(["不算", "公告称：\n1.价款；\n2.违约金。"], ["他说，"])
    out = tmp_path / "line_ends.json"
    main(["--data", str(data), "--out", str(out)])
    table = json.loads(out.read_text(encoding="utf-8"))
    assert table["totals"] == {ARTICLE: 3, SENTENCE: 1, FIRST_ITEM: 1, LATER_ITEM: 1}
    assert table["counts"][SENTENCE] == {"，": 1}
    assert table["item_lines"] == {ARTICLE: 2, SENTENCE: 0}
    model = LineEndModel(table["counts"], table["totals"], table["item_lines"])
    assert math.isfinite(model.corrections(["，"], 0.5, "")[0])
