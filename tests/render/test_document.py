"""The page of one record: mentions with values on hover, events linked, repairs listed."""

from __future__ import annotations

import re
from typing import Any

import pytest

from pipeline.core import Pipeline
from pipeline.render.document import describe_value, document_marks, render_document


@pytest.fixture(scope="module")
def record(pipe: Pipeline) -> dict[str, Any]:
    text = "據報道，智譜AI於2024年1月推出GLM-4，並獲得約10億元融資。&amp;"
    return pipe.process(text, doc_date="2025-11-20").to_dict()


def test_values_read_well() -> None:
    month = {"kind": "point", "start": "2024-01-01T00:00:00", "end": "2024-02-01T00:00:00", "grain": "month"}
    assert describe_value("DATE", month) == "point 2024-01-01 → 2024-02-01 (end exclusive), grain month"
    money = {
        "kind": "money",
        "value": "1000000000",
        "currency": "CNY",
        "qualifier": "approx",
        "low": None,
        "high": None,
    }
    assert describe_value("AMOUNT", money) == "money 1000000000 CNY approx [None, None]"
    assert describe_value("ORG", {"name": "智谱AI", "type": "company"}) == "智谱AI (company)"
    assert describe_value("PERSON", {"name": "张帆", "title": "COO", "org": None}) == "张帆 · COO"


def test_every_mention_is_highlighted_once_with_its_value(record: dict[str, Any]) -> None:
    html = render_document(record)
    ids = re.findall(r'<mark id="([^"]+)" class="m m-[A-Z]+" data-mention="\1"', html)
    assert sorted(ids) == sorted(m["id"] for m in record["mentions"])
    assert 'data-tip="DATE  2024年1月&#10;point 2024-01-01' in html or "DATE  2024年1月\npoint" in html


def test_events_link_to_their_spans(record: dict[str, Any]) -> None:
    html = render_document(record)
    assert record["events"], "the sentence should give an event"
    for event in record["events"]:
        assert f'<tr id="{event["id"]}">' in html
        for argument in event["arguments"]:
            if argument["mention_id"]:
                assert f'<a href="#{argument["mention_id"]}">' in html


def test_repairs_are_listed_before_and_after(record: dict[str, Any]) -> None:
    html = render_document(record, raw_text="raw")
    kinds = {r["kind"] for r in record["normalization"]["repairs"]}
    assert "t2s" in kinds
    assert "<td class='before'>譜</td><td class='after'>谱</td>" in html
    assert "Raw text (as it arrived)" in html
    marks = document_marks(record)
    assert sum(1 for m in marks if m.classes[:1] == ("m",)) == len(record["mentions"])
