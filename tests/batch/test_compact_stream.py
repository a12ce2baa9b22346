"""Streaming compaction: parts appended as they commit, in the planned order, or a fallback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.batch import RunOptions, compact, run_batch
from pipeline.batch.compact import DOCUMENTS, StreamingCompaction
from pipeline.batch.runner import STATE_DB
from pipeline.batch.state import Done, StateDB
from tests.batch.conftest import write_articles

OUTPUTS = [DOCUMENTS, "documents_table.parquet", "mentions.parquet", "events.parquet", "failures.jsonl"]


def _options(folder: Path, out: Path, **kw: object) -> RunOptions:
    settings: dict[str, object] = {"workers": 1, "chunk_docs": 1, **kw}
    return RunOptions(inputs=[str(folder)], out_dir=out, **settings)  # type: ignore[arg-type]


def _outputs(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in OUTPUTS}


def _compacted_at_the_end(out: Path) -> dict[str, bytes]:
    """The outputs the end compaction writes from the same folder."""
    db = StateDB(out / STATE_DB)
    try:
        compact.compact(out, db, ["jsonl", "parquet"], {})
    finally:
        db.close()
    return _outputs(out)


def _sources(out: Path) -> list[str]:
    lines = (out / DOCUMENTS).read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["source"] for line in lines]


@pytest.mark.parametrize("workers", [1, 2])
def test_streamed_outputs_are_those_of_the_end_compaction(tmp_path: Path, workers: int) -> None:
    paths = write_articles(tmp_path / "in", 6)
    out = tmp_path / "out"
    report = run_batch(_options(tmp_path / "in", out, workers=workers, formats=["jsonl", "parquet"]))
    assert report.stats.compact_streamed
    assert _sources(out) == [str(p) for p in paths]  # the planned order, however chunks finished
    streamed = _outputs(out)
    assert streamed == _compacted_at_the_end(out)
    assert report.manifest["counts"]["documents"] == len(paths)
    assert report.manifest["state"]["parts"] == len(paths)
    assert not list(out.glob(".*.tmp"))


def test_a_rerun_that_keeps_older_parts_falls_back_to_the_end_compaction(tmp_path: Path) -> None:
    paths = write_articles(tmp_path / "in", 4)
    out = tmp_path / "out"
    assert run_batch(_options(tmp_path / "in", out)).stats.compact_streamed
    paths[1].write_text("格力电器宣布分红50亿元。", encoding="utf-8")
    report = run_batch(_options(tmp_path / "in", out))
    assert report.stats.processed == 1 and not report.stats.compact_streamed
    assert sorted(_sources(out)) == sorted(str(p) for p in paths)
    assert not list(out.glob(".*.tmp"))
    # --force reprocesses everything: no older part holds a current record, so it streams again.
    forced = run_batch(_options(tmp_path / "in", out, force=True))
    assert forced.stats.compact_streamed
    assert _sources(out) == [str(p) for p in paths]
    assert _outputs(out) == _compacted_at_the_end(out)


def test_a_run_killed_while_streaming_leaves_the_outputs_then_a_rerun_has_each_input_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = write_articles(tmp_path / "in", 5)
    out = tmp_path / "out"
    run_batch(_options(tmp_path / "in", out))
    before = _outputs(out)
    manifest = (out / "manifest.json").read_bytes()
    calls = 0
    real_table = compact.part_table

    def dies_on_the_third_part(*args: object, **kwargs: object) -> object:
        nonlocal calls
        calls += 1
        if calls > 2 * 3:  # three tables per part: the third part's first table
            raise KeyboardInterrupt
        return real_table(*args, **kwargs)  # type: ignore[arg-type]

    with monkeypatch.context() as patch:
        patch.setattr(compact, "part_table", dies_on_the_third_part)
        with pytest.raises(KeyboardInterrupt):
            run_batch(_options(tmp_path / "in", out, force=True))
    assert _outputs(out) == before  # nothing in place was touched; the manifest is now stale
    assert (out / "manifest.json").read_bytes() == manifest
    assert not list(out.glob(".*.tmp"))
    report = run_batch(_options(tmp_path / "in", out, force=True))
    assert report.stats.compact_streamed
    assert _sources(out) == [str(p) for p in paths]


def _part(tmp_path: Path, name: str, keys: list[str]) -> None:
    from pipeline.batch.parts import write_part

    entries = [(k, {"doc_id": k, "text": k, "mentions": [], "events": []}) for k in keys]
    write_part(tmp_path / "parts", name, entries)


def test_parts_finishing_out_of_order_are_appended_in_the_planned_order(tmp_path: Path) -> None:
    for name, keys in (("r1-1", ["a"]), ("r1-3", ["c", "d"]), ("r1-4", ["e"])):
        _part(tmp_path, name, keys)
    stream = StreamingCompaction(tmp_path, ["parquet"])
    for chunk in ("r1-1", "r1-2", "r1-3", "r1-4"):
        stream.planned(chunk)
    stream.committed("r1-3", "r1-3", {"c", "d"})
    assert stream.appended == {}  # waits for the chunks planned before it
    stream.committed("r1-1", "r1-1", {"a"})
    assert list(stream.appended) == ["r1-1"]
    stream.committed("r1-2", None, set())  # every input of it failed: nothing to append
    assert list(stream.appended) == ["r1-1", "r1-3"]
    stream.committed("r1-4", "r1-4", {"e"})
    assert stream.appended == {"r1-1": 1, "r1-3": 2, "r1-4": 1}
    db = StateDB(tmp_path / STATE_DB)
    try:
        for part, keys in (("r1-3", "cd"), ("r1-1", "a"), ("r1-4", "e")):  # the order of the database is not used
            db.commit_part(part, [Done(k, k, "hash", k) for k in keys], [], "fp")
        manifest = stream.finish(db, {})
    finally:
        db.close()
    assert manifest is not None and manifest["counts"]["documents"] == 4
    lines = (tmp_path / DOCUMENTS).read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["doc_id"] for line in lines] == ["a", "c", "d", "e"]
    assert not list(tmp_path.glob(".*.tmp"))


def test_a_retried_piece_of_a_chunk_stops_the_streaming(tmp_path: Path) -> None:
    _part(tmp_path, "r1-1", ["a"])
    stream = StreamingCompaction(tmp_path, ["parquet"])
    stream.planned("r1-1")
    stream.planned("r1-2")
    stream.committed("r1-1", "r1-1", {"a"})
    assert stream.active and (tmp_path / f".{DOCUMENTS}.tmp").exists()
    stream.committed("r1-2-0000", None, set())  # a worker died: its chunk came back split
    assert not stream.active
    assert not list(tmp_path.glob(".*.tmp"))
    db = StateDB(tmp_path / STATE_DB)
    try:
        assert stream.finish(db, {}) is None
    finally:
        db.close()


def test_streamed_outputs_are_dropped_when_the_database_holds_other_records(tmp_path: Path) -> None:
    _part(tmp_path, "r1-1", ["a", "b"])
    stream = StreamingCompaction(tmp_path, ["parquet"])
    stream.planned("r1-1")
    stream.committed("r1-1", "r1-1", {"a", "b"})
    db = StateDB(tmp_path / STATE_DB)
    try:
        assert stream.finish(db, {}) is None  # the database knows no record of the part
    finally:
        db.close()
    assert not list(tmp_path.glob(".*.tmp")) and not (tmp_path / DOCUMENTS).exists()
