"""Flat tables: rows from records, one schema for every part."""

from __future__ import annotations

import pyarrow as pa

from pipeline.core import Pipeline
from pipeline.io.tables import (
    DOCUMENT_COLUMNS,
    EVENT_COLUMNS,
    MENTION_COLUMNS,
    arrow_schema,
    arrow_table,
    record_rows,
    to_frames,
)

TEXT = "华为技术有限公司董事长任正非2025年11月18日宣布，公司营收增长10%至8000多亿元。"


def test_rows_of_a_record_match_its_mentions_and_events(pipe: Pipeline) -> None:
    doc = pipe.process(TEXT, doc_date="2025-11-20")
    record = doc.to_dict()
    rows = record_rows(record)
    assert rows.document["n_mentions"] == len(record["mentions"]) and rows.document["text"] is None
    assert [r["mention_id"] for r in rows.mentions] == [m["id"] for m in record["mentions"]]
    amounts = [r for r in rows.mentions if r["label"] == "AMOUNT"]
    assert amounts and all(isinstance(r["value_value"], str | None) for r in amounts)
    n_args = sum(max(1, len(e["arguments"])) for e in record["events"])
    assert len(rows.events) == n_args
    assert record_rows(record, with_text=True).document["text"] == doc.text


def test_every_part_gets_the_same_arrow_schema(pipe: Pipeline) -> None:
    full = record_rows(pipe.process(TEXT).to_dict())
    empty = arrow_table([], MENTION_COLUMNS)
    filled = arrow_table(full.mentions, MENTION_COLUMNS, {"_key": ["k"] * len(full.mentions)})
    assert empty.schema == arrow_schema(MENTION_COLUMNS)
    assert filled.drop_columns(["_key"]).schema == empty.schema
    assert arrow_schema(EVENT_COLUMNS).field("arg_start").type == pa.int64()
    assert arrow_schema(MENTION_COLUMNS).field("value_fuzzy").type == pa.bool_()
    assert arrow_schema(DOCUMENT_COLUMNS).field("n_chars").type == pa.int64()


def test_to_frames_keeps_its_dtypes(pipe: Pipeline) -> None:
    documents, mentions, events = to_frames([pipe.process(TEXT)])
    assert list(documents.columns) == DOCUMENT_COLUMNS and documents["text"].iloc[0]
    assert str(mentions["start"].dtype) == "Int64" and str(mentions["confidence"].dtype) == "float64"
    assert list(events.columns) == EVENT_COLUMNS
