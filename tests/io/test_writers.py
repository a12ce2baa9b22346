"""Streamed table files in every format, committed by rename."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from pipeline.errors import OutputError
from pipeline.io.tables import MENTION_COLUMNS, arrow_table
from pipeline.io.writers import TableSink, atomic_write_text, parse_formats


def _rows(n: int, start: int = 0) -> list[dict[str, object]]:
    return [
        {"doc_id": f"d{i}", "mention_id": f"m{i}", "label": "ORG", "text": "华为", "start": i, "end": i + 2,
         "confidence": 0.5, "value_name": "华为技术有限公司", "value_fuzzy": None}
        for i in range(start, start + n)
    ]  # fmt: skip


def test_a_table_streamed_in_batches_reads_back_whole_in_each_format(tmp_path: Path) -> None:
    sink = TableSink(tmp_path, "mentions", MENTION_COLUMNS, ["jsonl", "parquet", "csv"])
    sink.write(arrow_table(_rows(3), MENTION_COLUMNS))
    sink.write(arrow_table([], MENTION_COLUMNS))
    sink.write(arrow_table(_rows(2, 3), MENTION_COLUMNS))
    assert not (tmp_path / "mentions.parquet").exists()  # nothing visible before the commit
    assert sorted(sink.commit()) == ["mentions.csv", "mentions.jsonl", "mentions.parquet"]
    parquet = pd.read_parquet(tmp_path / "mentions.parquet")
    csv = pd.read_csv(tmp_path / "mentions.csv")
    lines = [json.loads(x) for x in (tmp_path / "mentions.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(parquet) == len(csv) == len(lines) == 5
    assert list(parquet.columns) == list(csv.columns) == list(lines[0]) == MENTION_COLUMNS
    assert lines[4]["value_name"] == "华为技术有限公司" and lines[4]["start"] == 4 and lines[0]["value_unit"] is None
    assert not list(tmp_path.glob(".*.tmp"))


def test_an_aborted_table_leaves_nothing(tmp_path: Path) -> None:
    sink = TableSink(tmp_path, "mentions", MENTION_COLUMNS, ["jsonl", "parquet"])
    sink.write(arrow_table(_rows(1), MENTION_COLUMNS))
    sink.abort()
    assert list(tmp_path.iterdir()) == []


def test_formats_are_checked() -> None:
    assert parse_formats("jsonl, Parquet") == ["jsonl", "parquet"]
    with pytest.raises(OutputError, match="E501"):
        parse_formats("jsonl,xml")


def test_atomic_write_gives_a_readable_file(tmp_path: Path) -> None:
    atomic_write_text(tmp_path / "m.json", "{}\n")
    assert (tmp_path / "m.json").read_text() == "{}\n"
    assert (tmp_path / "m.json").stat().st_mode & 0o044  # not the 0600 of a temporary file


def test_small_batches_are_gathered_into_large_parquet_row_groups(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    sink = TableSink(tmp_path, "mentions", MENTION_COLUMNS, ["parquet"])
    for i in range(20):
        sink.write(arrow_table(_rows(5, 5 * i), MENTION_COLUMNS))
    sink.commit()
    meta = pq.ParquetFile(tmp_path / "mentions.parquet").metadata
    assert meta.num_rows == 100 and meta.num_row_groups == 1
