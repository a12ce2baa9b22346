"""The state database of an output folder (SQLite in WAL mode): what each input became.

One row per input key: its content hash, ``stat`` (for files), the pipeline
fingerprint it was processed with, its status and where its output is:

* ``done``: its record is in part ``part`` (a committed part folder);
* ``failed``: it is a row of ``failures.jsonl`` (``code``, ``message``);
* ``pending``: seen and sent for processing, nothing committed yet (a crash leaves
  these; the next run processes them again).

A row only turns ``done`` in the transaction that follows the rename of the part
holding its record, so the database never points at a part that is not on disk; a
part on disk that no row points at (the run died between the rename and the commit)
is garbage and is removed by the next run. The generation counter goes up with every
commit, so a run knows whether the compacted outputs are up to date.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipeline.errors import ErrorCode, OutputError

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS inputs (
    key TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    content_hash TEXT,
    size INTEGER,
    mtime_ns INTEGER,
    fingerprint TEXT,
    status TEXT NOT NULL CHECK (status IN ('pending', 'done', 'failed')),
    part TEXT,
    doc_id TEXT,
    code TEXT,
    message TEXT,
    seen_run INTEGER,
    updated TEXT
);
CREATE INDEX IF NOT EXISTS inputs_part ON inputs (part);
CREATE INDEX IF NOT EXISTS inputs_status ON inputs (status);
CREATE TABLE IF NOT EXISTS runs (
    run_id INTEGER PRIMARY KEY AUTOINCREMENT,
    started TEXT NOT NULL,
    finished TEXT,
    status TEXT NOT NULL,
    engine TEXT,
    workers INTEGER,
    fingerprint TEXT,
    counts TEXT
);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass(frozen=True, slots=True)
class InputState:
    """What the database knows about one input."""

    key: str
    content_hash: str | None
    size: int | None
    mtime_ns: int | None
    fingerprint: str | None
    status: str
    part: str | None
    code: str | None
    seen_run: int | None


@dataclass(frozen=True, slots=True)
class Done:
    """An input whose record was committed in ``part``."""

    key: str
    source: str
    content_hash: str
    doc_id: str
    size: int | None = None
    mtime_ns: int | None = None


@dataclass(frozen=True, slots=True)
class Failed:
    """An input that failed, with its catalogue code and message."""

    key: str
    source: str
    code: str
    message: str
    content_hash: str | None = None
    size: int | None = None
    mtime_ns: int | None = None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class StateDB:
    """The SQLite state of one output folder; one writer (the run's driver) at a time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            # isolation_level=None: transactions are opened explicitly (BEGIN IMMEDIATE).
            self.conn = sqlite3.connect(path, isolation_level=None, timeout=30)
            self.conn.execute("PRAGMA journal_mode=WAL")
            # FULL: a committed part survives a power cut, not only a killed process.
            self.conn.execute("PRAGMA synchronous=FULL")
            self.conn.executescript(_SCHEMA)
            version = self.get_meta("schema_version")
            if version is None:
                self.set_meta("schema_version", str(SCHEMA_VERSION))
            elif int(version) != SCHEMA_VERSION:
                raise OutputError(
                    ErrorCode.E504, path=path, detail=f"schema version {version}, expected {SCHEMA_VERSION}"
                )
        except sqlite3.DatabaseError as exc:
            raise OutputError(ErrorCode.E504, path=path, detail=str(exc)) from exc
        self._in_tx = False

    # --- transactions -------------------------------------------------------

    def begin(self) -> None:
        """Open a write transaction if none is open."""
        if not self._in_tx:
            self.conn.execute("BEGIN IMMEDIATE")
            self._in_tx = True

    def commit(self) -> None:
        """Commit the open transaction (a no-op without one)."""
        if self._in_tx:
            self.conn.execute("COMMIT")
            self._in_tx = False

    def close(self) -> None:
        """Commit what is open and close the connection."""
        self.commit()
        self.conn.close()

    # --- meta and runs ------------------------------------------------------

    def get_meta(self, name: str) -> str | None:
        """A value of the ``meta`` table."""
        row = self.conn.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, name: str, value: str) -> None:
        """Set a value of the ``meta`` table (inside the current transaction, if any)."""
        self.conn.execute(
            "INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            (name, value),
        )

    @property
    def generation(self) -> int:
        """How many times parts or failures were committed to this folder."""
        return int(self.get_meta("generation") or 0)

    def bump_generation(self) -> None:
        """Note a change to the outputs (inside the current transaction)."""
        self.set_meta("generation", str(self.generation + 1))

    def start_run(self, engine: str, workers: int, fingerprint: str) -> int:
        """Record a new run and return its id."""
        cursor = self.conn.execute(
            "INSERT INTO runs (started, status, engine, workers, fingerprint) VALUES (?, 'running', ?, ?, ?)",
            (_now(), engine, workers, fingerprint),
        )
        assert cursor.lastrowid is not None
        return int(cursor.lastrowid)

    def finish_run(self, run_id: int, status: str, counts: dict[str, Any]) -> None:
        """Record how a run ended."""
        self.commit()
        self.conn.execute(
            "UPDATE runs SET finished = ?, status = ?, counts = ? WHERE run_id = ?",
            (_now(), status, json.dumps(counts, ensure_ascii=False), run_id),
        )

    # --- inputs -------------------------------------------------------------

    def lookup(self, key: str) -> InputState | None:
        """The state of input ``key``, if it was ever seen."""
        row = self.conn.execute(
            "SELECT key, content_hash, size, mtime_ns, fingerprint, status, part, code, seen_run "
            "FROM inputs WHERE key = ?",
            (key,),
        ).fetchone()
        return None if row is None else InputState(*row)

    def mark_seen(self, key: str, source: str, run_id: int) -> None:
        """Note that ``run_id`` met input ``key``; a new input becomes ``pending``.

        An input that was done keeps its old part until its new record is committed,
        so a crash in between leaves the old record in the outputs.
        """
        self.begin()
        self.conn.execute(
            "INSERT INTO inputs (key, source, status, seen_run, updated) VALUES (?, ?, 'pending', ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET seen_run = excluded.seen_run, source = excluded.source",
            (key, source, run_id, _now()),
        )

    def touch(self, key: str, size: int, mtime_ns: int) -> None:
        """Update the ``stat`` of an input whose content turned out unchanged."""
        self.begin()
        self.conn.execute("UPDATE inputs SET size = ?, mtime_ns = ? WHERE key = ?", (size, mtime_ns, key))

    def commit_part(self, part: str | None, done: Iterable[Done], failed: Iterable[Failed], fingerprint: str) -> None:
        """Point the inputs of a committed part at it and record failures, in one transaction."""
        self.begin()
        now = _now()
        self.conn.executemany(
            "INSERT INTO inputs (key, source, content_hash, size, mtime_ns, fingerprint, status, part, doc_id, "
            "code, message, updated) VALUES (?, ?, ?, ?, ?, ?, 'done', ?, ?, NULL, NULL, ?) "
            "ON CONFLICT (key) DO UPDATE SET source = excluded.source, content_hash = excluded.content_hash, "
            "size = excluded.size, mtime_ns = excluded.mtime_ns, fingerprint = excluded.fingerprint, "
            "status = 'done', part = excluded.part, doc_id = excluded.doc_id, code = NULL, message = NULL, "
            "updated = excluded.updated",
            [(d.key, d.source, d.content_hash, d.size, d.mtime_ns, fingerprint, part, d.doc_id, now) for d in done],
        )
        self.record_failures(failed, fingerprint)
        self.bump_generation()
        self.commit()

    def record_failures(self, failed: Iterable[Failed], fingerprint: str) -> None:
        """Record failed inputs (inside the current transaction; committed with the next part)."""
        self.begin()
        now = _now()
        self.conn.executemany(
            "INSERT INTO inputs (key, source, content_hash, size, mtime_ns, fingerprint, status, part, doc_id, "
            "code, message, updated) VALUES (?, ?, ?, ?, ?, ?, 'failed', NULL, NULL, ?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET source = excluded.source, content_hash = excluded.content_hash, "
            "size = excluded.size, mtime_ns = excluded.mtime_ns, fingerprint = excluded.fingerprint, "
            "status = 'failed', part = NULL, doc_id = NULL, code = excluded.code, message = excluded.message, "
            "updated = excluded.updated",
            [
                (f.key, f.source, f.content_hash, f.size, f.mtime_ns, fingerprint, f.code, f.message, now)
                for f in failed
            ],
        )
        self.bump_generation()

    def forget_unseen(self, run_id: int) -> int:
        """Drop every input this run did not meet (``--prune``); return how many."""
        self.begin()
        cursor = self.conn.execute("DELETE FROM inputs WHERE seen_run IS NOT ?", (run_id,))
        self.bump_generation()
        self.commit()
        return cursor.rowcount

    def reset_missing_parts(self, present: set[str]) -> int:
        """Turn inputs whose part folder is gone back to ``pending``; return how many."""
        referenced = [p for (p,) in self.conn.execute("SELECT DISTINCT part FROM inputs WHERE part IS NOT NULL")]
        missing = [p for p in referenced if p not in present]
        if not missing:
            return 0
        self.begin()
        count = 0
        for part in missing:
            cursor = self.conn.execute(
                "UPDATE inputs SET status = 'pending', part = NULL, content_hash = NULL WHERE part = ?", (part,)
            )
            count += cursor.rowcount
        self.bump_generation()
        self.commit()
        return count

    def referenced_parts(self) -> list[str]:
        """Parts that hold at least one current record, in commit order."""
        rows = self.conn.execute("SELECT DISTINCT part FROM inputs WHERE status = 'done' AND part IS NOT NULL")
        return sorted(p for (p,) in rows)

    def part_counts(self) -> dict[str, int]:
        """How many current records each part holds (parts holding none are left out)."""
        rows = self.conn.execute(
            "SELECT part, COUNT(*) FROM inputs WHERE status = 'done' AND part IS NOT NULL GROUP BY part"
        )
        return {str(part): int(n) for part, n in rows}

    def keys_in_part(self, part: str) -> set[str]:
        """Keys whose current record is in ``part``."""
        rows = self.conn.execute("SELECT key FROM inputs WHERE status = 'done' AND part = ?", (part,))
        return {k for (k,) in rows}

    def failures(self) -> Iterator[tuple[str, str, str]]:
        """``(source, code, message)`` of every failed input, by key."""
        yield from self.conn.execute("SELECT source, code, message FROM inputs WHERE status = 'failed' ORDER BY rowid")

    def count(self, status: str) -> int:
        """How many inputs have ``status``."""
        row = self.conn.execute("SELECT COUNT(*) FROM inputs WHERE status = ?", (status,)).fetchone()
        return int(row[0])
