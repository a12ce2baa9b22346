"""Scoring: nervaluate's schemes with end-exclusive offsets, values, DuEE-fin tuples, errors."""

from __future__ import annotations

from typing import Any

import pytest

from pipeline.evaluate.model import EvalArgument, EvalDoc, EvalEvent, EvalMention
from pipeline.evaluate.scoring import (
    document_errors,
    event_scores,
    ner_scores,
    pair,
    value_differences,
    value_scores,
)

TEXT = "智谱AI在2024年1月推出GLM-4，融资10亿元。"
LABELS = ["DATE", "AMOUNT", "ORG", "PERSON", "PRODUCT"]
MONTH = {
    "kind": "point",
    "start": "2024-01-01T00:00:00",
    "end": "2024-02-01T00:00:00",
    "grain": "month",
    "fuzzy": False,
}
MONEY = {
    "kind": "money",
    "value": "1000000000",
    "low": "1000000000",
    "high": "1000000000",
    "currency": "CNY",
    "currency_implied": False,
    "unit": None,
    "qualifier": "exact",
}


def m(label: str, text: str, value: Any = None, occurrence: int = 0, src: str = TEXT) -> EvalMention:
    start = src.index(text)
    return EvalMention(label, start, start + len(text), text, value)


def doc(mentions: list[EvalMention], events: tuple[EvalEvent, ...] = (), text: str = TEXT) -> EvalDoc:
    return EvalDoc("d", text, tuple(mentions), events)


GOLD = doc(
    [
        m("ORG", "智谱AI", {"name": "智谱AI", "type": "company"}),
        m("DATE", "2024年1月", MONTH),
        m("PRODUCT", "GLM-4", {"name": "GLM-4", "org": "智谱AI"}),
        m("AMOUNT", "10亿元", MONEY),
    ]
)


def scores(pred: list[EvalMention], gold: EvalDoc = GOLD) -> dict[str, Any]:
    return ner_scores([pair(gold, doc(pred), LABELS)], LABELS)


def test_a_perfect_prediction_scores_one_everywhere() -> None:
    result = scores(list(GOLD.mentions))
    for scheme in ("strict", "exact", "partial", "type"):
        assert result["overall"][scheme]["f1"] == 1.0
        assert result["labels"]["DATE"][scheme]["correct"] == 1


def test_adjacent_spans_do_not_overlap_after_the_end_conversion() -> None:
    # 智谱AI [0, 4) and 在 [4, 5) touch but do not overlap: with an end-exclusive
    # offset passed to nervaluate unchanged, they would count as a partial match.
    gold = doc([m("ORG", "智谱AI")])
    result = scores([EvalMention("ORG", 4, 5, "在")], gold)
    assert result["overall"]["partial"]["partial"] == 0
    assert result["overall"]["partial"]["spurious"] == 1
    assert result["overall"]["partial"]["missed"] == 1


def test_boundary_and_label_errors_per_scheme() -> None:
    pred = [
        EvalMention("ORG", 0, 2, "智谱"),  # boundary wrong, label right
        m("ORG", "2024年1月"),  # boundary right, label wrong
    ]
    gold = doc([m("ORG", "智谱AI"), m("DATE", "2024年1月", MONTH)])
    overall = scores(pred, gold)["overall"]
    assert overall["strict"]["correct"] == 0 and overall["strict"]["incorrect"] == 2
    assert overall["exact"]["correct"] == 1  # the DATE span, whatever its label
    assert overall["partial"]["correct"] == 1 and overall["partial"]["partial"] == 1
    assert overall["type"]["correct"] == 1  # the ORG label, whatever its span
    assert overall["partial"]["f1"] == pytest.approx(0.75)


def test_values_are_compared_field_by_field() -> None:
    assert value_differences("AMOUNT", MONEY, dict(MONEY, value="1000000000.0", low="1E9")) == []
    assert value_differences("AMOUNT", MONEY, dict(MONEY, currency="USD", qualifier="approx")) == [
        "currency",
        "qualifier",
    ]
    assert value_differences("DATE", MONTH, {k: v for k, v in MONTH.items() if k != "fuzzy"}) == []
    assert value_differences("ORG", {"name": "智谱AI", "type": "company"}, {"name": "智谱", "type": "company"}) == [
        "name"
    ]
    assert value_differences("DATE", MONTH, None) == ["value"]
    pred = [m("DATE", "2024年1月", dict(MONTH, grain="day")), m("AMOUNT", "10亿元", MONEY)]
    values = value_scores([pair(GOLD, doc(pred), LABELS)], ["DATE", "AMOUNT", "ORG"])
    assert values["DATE"] == {
        "gold": 1,
        "matched": 1,
        "equal": 0,
        "accuracy": 0.0,
        "recall": 0.0,
        "differing_fields": {"grain": 1},
    }
    assert values["AMOUNT"]["accuracy"] == 1.0
    assert values["ORG"] == {
        "gold": 1,
        "matched": 0,
        "equal": 0,
        "accuracy": 0.0,
        "recall": 0.0,
        "differing_fields": {},
    }


def test_predictions_on_a_different_text_are_realigned() -> None:
    noisy = "![]()\n" + TEXT
    pred = doc([EvalMention("ORG", 6, 10, "智谱AI"), EvalMention("DATE", 0, 5, "![]()")], text=noisy)
    p = pair(GOLD, pred, LABELS)
    assert [(x.start, x.end) for x in p.mentions] == [(0, 4)]
    assert [x.text for x in p.unaligned] == ["![]()"]
    result = ner_scores([p], LABELS)
    assert result["labels"]["ORG"]["strict"]["correct"] == 1
    assert result["labels"]["DATE"]["strict"]["spurious"] == 1


def ev(kind: str, *args: tuple[str, str], status: str = "asserted") -> EvalEvent:
    return EvalEvent(
        kind,
        tuple(EvalArgument(role, text, TEXT.find(text), TEXT.find(text) + len(text)) for role, text in args),
        status=status,
    )


def test_event_tuples_and_types() -> None:
    gold = doc([], (ev("企业融资", ("被投资方", "智谱AI"), ("融资金额", "10亿元")), ev("产品发布", ("产品", "GLM-4"))))
    pred = doc(
        [], (ev("企业融资", ("被投资方", "智谱AI"), ("融资金额", "2024年1月")), ev("亏损", ("公司名称", "智谱AI")))
    )
    result = event_scores([pair(gold, pred, LABELS)])
    assert result["tuples"] == {
        "precision": 0.3333,
        "recall": 0.3333,
        "f1": 0.3333,
        "correct": 1,
        "predicted": 3,
        "gold": 3,
    }
    assert result["types"]["correct"] == 1 and result["types"]["gold"] == 2 and result["types"]["predicted"] == 2
    assert result["tuples_by_type"]["企业融资"]["f1"] == 0.5


def test_every_error_kind_is_classified() -> None:
    gold = doc(
        [
            m("ORG", "智谱AI", {"name": "智谱AI", "type": "company"}),
            m("DATE", "2024年1月", MONTH),
            m("PRODUCT", "GLM-4"),
            m("AMOUNT", "10亿元", MONEY),
        ],
        (ev("企业融资", ("被投资方", "智谱AI"), ("融资金额", "10亿元")), ev("产品发布", ("产品", "GLM-4"))),
    )
    pred = doc(
        [
            EvalMention("ORG", 0, 2, "智谱"),
            m("AMOUNT", "2024年1月"),
            m("AMOUNT", "10亿元", dict(MONEY, currency="USD")),
            m("PERSON", "推出"),
        ],
        (ev("企业融资", ("融资金额", "智谱AI"), ("事件时间", "2024年1月")), ev("亏损", ("公司名称", "智谱AI"))),
    )
    errors = document_errors(pair(gold, pred, LABELS)).counts()
    assert errors == {
        "wrong_boundary": 1,
        "wrong_label": 1,
        "missed": 1,
        "wrong_value": 1,
        "spurious": 1,
        "wrong_role": 1,
        "spurious_argument": 1,
        "missed_argument": 1,
        "missed_event": 1,
        "spurious_event": 1,
    }
