"""The public contract: pipeline.normalize / extract / to_frames and the record's shape."""

from __future__ import annotations

import datetime as dt

import pandas as pd

import pipeline

SENTENCE = "7月，浦东创投集团和张江集团联合投资智谱10亿元。"


def test_normalize_contract() -> None:
    result = pipeline.normalize("業(yè)務(wù)發展")
    assert result.text == "业务发展"
    assert {r.kind for r in result.repairs} >= {"pinyin_annotation", "t2s"}
    for r in result.repairs:
        assert {"kind", "raw_start", "raw_end", "before", "after"} <= set(r.to_dict())
    assert result.to_raw(0) == 0
    assert result.to_raw(len(result.text)) == len("業(yè)務(wù)發展")
    assert pipeline.normalize("業(yè)務", simplify=False).text == "業務"


def test_normalize_accepts_bytes_in_any_common_encoding() -> None:
    for encoding in ("utf-8", "gb18030", "utf-16"):
        result = pipeline.normalize("智谱AI向北京证监局提交上市辅导备案。".encode(encoding))
        assert result.text == "智谱AI向北京证监局提交上市辅导备案。", encoding


def test_record_shape() -> None:
    doc = pipeline.extract(SENTENCE, doc_date="2025-11-20", doc_id="d1")
    record = doc.to_dict()
    assert set(record) >= {
        "doc_id",
        "source",
        "schema_version",
        "text",
        "normalization",
        "mentions",
        "events",
        "doc_date",
    }
    assert record["doc_id"] == "d1"
    assert record["doc_date"] == {"value": "2025-11-20T00:00:00", "origin": "argument"}
    assert set(record["normalization"]) == {"encoding", "repairs"}
    for m in record["mentions"]:
        assert set(m) == {
            "id",
            "label",
            "text",
            "start",
            "end",
            "raw_start",
            "raw_end",
            "value",
            "source",
            "confidence",
        }
        assert record["text"][m["start"] : m["end"]] == m["text"]
        assert m["source"].startswith(("rule:", "model:"))
    for e in record["events"]:
        assert set(e) >= {"id", "type", "trigger", "arguments", "source", "confidence"}
        for a in e["arguments"]:
            assert set(a) == {"role", "text", "start", "end", "mention_id"}


def test_doc_date_accepts_date_datetime_and_string() -> None:
    for value in (dt.date(2025, 3, 1), dt.datetime(2025, 3, 1, 9, 30), "2025-03-01"):
        doc = pipeline.extract("今年上半年营收增长。", doc_date=value)
        date_mentions = [m for m in doc.mentions if m.label == "DATE"]
        assert date_mentions and date_mentions[0].value.to_dict()["start"] == "2025-01-01T00:00:00"


def test_doc_date_origin_from_text_when_not_given() -> None:
    doc = pipeline.extract("2024年3月5日，公司宣布，今年上半年营收增长。")
    assert doc.doc_date.origin == "text"
    assert doc.doc_date.value == "2024-03-05T00:00:00"


def test_doc_date_origin_from_metadata() -> None:
    doc = pipeline.extract("公司宣布，今年上半年营收增长。", meta={"published": "2023-06-30"})
    assert doc.doc_date.origin == "metadata"


def test_to_frames() -> None:
    docs = [pipeline.extract(SENTENCE, doc_date="2025-11-20", doc_id=f"d{i}") for i in range(2)]
    documents, mentions, events = pipeline.to_frames(docs)
    assert isinstance(documents, pd.DataFrame) and list(documents["doc_id"]) == ["d0", "d1"]
    assert set(mentions["label"]) >= {"DATE", "ORG", "AMOUNT"}
    assert {"doc_id", "mention_id", "value_currency", "value_start"} <= set(mentions.columns)
    assert {"doc_id", "event_id", "type", "role", "arg_text"} <= set(events.columns)
    assert (events["type"] == "企业融资").any()


def test_new_mention_is_the_dataclass_mention() -> None:
    # The mention stage's fast constructor must make the very object Mention(...) makes.
    import random

    from pipeline.records import Mention, OrgValue, new_mention

    rng = random.Random(8)
    for i in range(200):
        start = rng.randrange(100)
        args = (
            f"m{i}",
            rng.choice(("ORG", "DATE")),
            "智谱" * rng.randrange(3),
            start,
            start + rng.randrange(5),
            rng.randrange(100),
            rng.randrange(100),
            rng.choice((None, OrgValue("智谱", "company", "智谱"))),
            "rule:x",
            rng.random(),
        )
        made, reference = new_mention(*args), Mention(*args)
        assert made == reference
        assert made.to_dict() == reference.to_dict()
        assert hash(made) == hash(reference)


def test_rounded_confidence_is_round_to_four_digits() -> None:
    import json
    import math
    import random

    from pipeline.records import rounded_confidence

    rng = random.Random(4)
    values: list[float] = [rng.random() for _ in range(500)] + [0.8, 0.9, 0.95, 0.12345, 1.0, 0.0, -0.0, 1, 0, 2.5e-5]
    for value in values * 2:  # the second time from the memo
        got = rounded_confidence(value)
        assert json.dumps(got) == json.dumps(round(value, 4)), value
        assert type(got) is type(round(value, 4))
    assert math.isnan(rounded_confidence(math.nan))
