"""The gate (--min-f1) and metrics.json."""

from __future__ import annotations

import pytest

from pipeline.errors import GoldError
from pipeline.evaluate.model import EvalDoc, EvalMention
from pipeline.evaluate.report import check_gate, evaluate, parse_thresholds
from pipeline.evaluate.runner import Prediction

LABELS = ["DATE", "AMOUNT", "ORG", "PERSON", "PRODUCT"]
TEXT = "智谱AI在2024年1月推出GLM-4。"


def result():  # type: ignore[no-untyped-def]
    gold = EvalDoc("d", TEXT, (EvalMention("ORG", 0, 4, "智谱AI"), EvalMention("DATE", 5, 12, "2024年1月")))
    pred = EvalDoc("d", TEXT, (EvalMention("ORG", 0, 4, "智谱AI"), EvalMention("PRODUCT", 14, 19, "GLM-4")))
    return evaluate([Prediction(gold, pred, None)], labels=LABELS)


def test_thresholds_parse() -> None:
    assert parse_thresholds(["DATE=0.8", "org:partial=0.5", "EVENTS=0.4", "ALL=0.1"], LABELS) == {
        "DATE:strict": 0.8,
        "ORG:partial": 0.5,
        "EVENTS": 0.4,
        "ALL:strict": 0.1,
    }
    for bad in ("DATE", "DATE=high", "DATE=1.5", "PLACE=0.5", "DATE:fuzzy=0.5"):
        with pytest.raises(GoldError, match=r"\[E404\] bad evaluation option --min-f1"):
            parse_thresholds([bad], LABELS)


def test_gate_passes_and_fails() -> None:
    r = result()
    assert check_gate(r, {"ORG:strict": 0.9}) == []
    assert r.gate["passed"] is True
    failures = check_gate(r, {"ORG:strict": 0.9, "DATE:strict": 0.5, "EVENTS": 0.1})
    assert failures == [
        "DATE:strict: F1 0.0000 is below the minimum 0.5000",
        "EVENTS: F1 0.0000 is below the minimum 0.1000",
    ]
    assert r.gate["passed"] is False


def test_metrics_dict_has_the_documented_parts() -> None:
    data = result().to_dict()
    assert data["ner"]["labels"]["ORG"]["strict"]["f1"] == 1.0
    assert set(data["ner"]["overall"]) == {"strict", "exact", "partial", "type"}
    assert data["values"]["ORG"]["gold"] == 0  # gold without values is not counted
    assert data["error_counts"] == {"missed": 1, "spurious": 1}
    assert data["per_document"][0]["errors"][0]["kind"] == "missed"
    assert data["alignment"]["realigned"] == 0


def test_event_types_the_gold_does_not_annotate_are_not_scored() -> None:
    from pipeline.evaluate.model import EvalArgument, EvalEvent

    gold = EvalDoc("d", TEXT, (), (EvalEvent("产品发布", (EvalArgument("产品", "GLM-4"),)),))
    extra = EvalEvent("营收", (EvalArgument("公司", "智谱AI"),))
    pred = EvalDoc("d", TEXT, (), (*gold.events, extra))
    kept = evaluate([Prediction(gold, pred, None)], labels=[], task="events")
    assert kept.events is not None and kept.events["types"]["predicted"] == 2
    filtered = evaluate([Prediction(gold, pred, None)], labels=[], task="events", event_types={"产品发布"})
    assert filtered.events is not None and filtered.events["types"]["precision"] == 1.0
    assert filtered.ner is None
