"""The state database: rows, commits, recovery helpers."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from pipeline.batch.state import Done, Failed, StateDB
from pipeline.errors import OutputError


def test_a_committed_part_points_its_inputs_at_it(tmp_path: Path) -> None:
    db = StateDB(tmp_path / "s.sqlite3")
    run = db.start_run("local", 1, "fp")
    db.mark_seen("k1", "a.txt", run)
    assert db.lookup("k1").status == "pending"  # type: ignore[union-attr]
    before = db.generation
    db.commit_part(
        "p1", [Done("k1", "a.txt", "h1", "d1", 10, 20)], [Failed("k2", "b.txt", "E101", "[E101] empty")], "fp"
    )
    assert db.generation > before
    row = db.lookup("k1")
    assert row is not None and (row.status, row.part, row.content_hash, row.size, row.fingerprint) == (
        "done", "p1", "h1", 10, "fp"
    )  # fmt: skip
    assert list(db.failures()) == [("b.txt", "E101", "[E101] empty")]
    assert db.referenced_parts() == ["p1"] and db.keys_in_part("p1") == {"k1"}
    db.close()
    conn = sqlite3.connect(tmp_path / "s.sqlite3")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_reprocessed_input_moves_to_its_new_part(tmp_path: Path) -> None:
    db = StateDB(tmp_path / "s.sqlite3")
    db.commit_part("p1", [Done("k", "a", "h1", "d")], [], "fp")
    db.commit_part("p2", [Done("k", "a", "h2", "d")], [], "fp")
    assert db.referenced_parts() == ["p2"] and db.keys_in_part("p1") == set()


def test_inputs_of_a_vanished_part_become_pending(tmp_path: Path) -> None:
    db = StateDB(tmp_path / "s.sqlite3")
    db.commit_part("p1", [Done("k1", "a", "h", "d")], [], "fp")
    db.commit_part("p2", [Done("k2", "b", "h", "d")], [], "fp")
    assert db.reset_missing_parts({"p2"}) == 1
    assert db.lookup("k1").status == "pending"  # type: ignore[union-attr]
    assert db.lookup("k2").status == "done"  # type: ignore[union-attr]


def test_prune_forgets_inputs_not_seen_in_the_run(tmp_path: Path) -> None:
    db = StateDB(tmp_path / "s.sqlite3")
    db.commit_part("p1", [Done("old", "a", "h", "d"), Done("new", "b", "h", "d")], [], "fp")
    run = db.start_run("local", 1, "fp")
    db.mark_seen("new", "b", run)
    assert db.forget_unseen(run) == 1
    assert db.lookup("old") is None and db.lookup("new") is not None


def test_an_unusable_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(OutputError, match=r"\[E504\].*s\.sqlite3"):
        StateDB(path)
