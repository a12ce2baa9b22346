"""Part folders: written whole or not at all, filtered by current keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.batch import parts
from pipeline.batch.parts import list_parts, part_record_lines, part_table, remove_temporaries, write_part
from pipeline.core import Pipeline


def _entries(pipe: Pipeline) -> list[tuple[str, dict]]:
    texts = ["腾讯控股宣布回购股份，耗资约4.2亿港元。", "小米集团与北京汽车集团达成战略合作。"]
    return [(f"key{i}", pipe.process(t).to_dict()) for i, t in enumerate(texts)]


def test_a_part_holds_records_and_tables_by_key(pipe: Pipeline, tmp_path: Path) -> None:
    entries = _entries(pipe)
    write_part(tmp_path, "r000001-0000001", entries)
    assert list_parts(tmp_path) == {"r000001-0000001"}
    part = tmp_path / "r000001-0000001"
    assert len(list(part_record_lines(part, {"key0", "key1"}))) == 2
    (line,) = part_record_lines(part, {"key1"})
    assert entries[1][1]["doc_id"] in line
    mentions = part_table(part, "mentions", {"key1"})
    assert "_key" not in mentions.column_names
    assert set(mentions["doc_id"].to_pylist()) <= {entries[1][1]["doc_id"]}
    assert mentions.num_rows == len(entries[1][1]["mentions"])


def test_a_failed_write_leaves_no_part(pipe: Pipeline, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(parts.pq, "write_table", boom)
    with pytest.raises(OSError, match="disk full"):
        write_part(tmp_path, "p", _entries(pipe))
    assert list(tmp_path.iterdir()) == []


def test_writing_a_part_twice_keeps_the_first_and_temporaries_are_cleared(pipe: Pipeline, tmp_path: Path) -> None:
    entries = _entries(pipe)
    write_part(tmp_path, "p", entries)
    first = (tmp_path / "p" / "records.jsonl").read_bytes()
    write_part(tmp_path, "p", entries[:1])
    assert (tmp_path / "p" / "records.jsonl").read_bytes() == first
    (tmp_path / ".tmp-p-123-abc").mkdir()
    assert remove_temporaries(tmp_path) == 1 and list_parts(tmp_path) == {"p"}
