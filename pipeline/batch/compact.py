"""Build the output files of a folder from its committed parts and its state database.

Compaction streams part by part (in the order parts were planned, so records keep the
order of the inputs) and keeps, from each part, only the records that are still the
current output of their input; so ``documents.jsonl`` and the tables hold every input
exactly once, whatever runs died before. Every file is written under a temporary name
and renamed into place; ``manifest.json`` is removed first and written last, so a
folder whose manifest is missing, or names another generation, is compacted again.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections import Counter, deque
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import pyarrow as pa
import pyarrow.compute as pc

from pipeline.batch.parts import list_parts, part_record_lines, part_table, remove_parts
from pipeline.batch.state import StateDB
from pipeline.io.tables import TABLE_COLUMNS
from pipeline.io.writers import TableSink, atomic_write_text, fsync_dir, versions
from pipeline.records import SCHEMA_VERSION

MANIFEST = "manifest.json"
DOCUMENTS = "documents.jsonl"
FAILURES = "failures.jsonl"
# The manifest lists every failure up to this many (failures.jsonl always has them all).
MANIFEST_FAILURES = 1000


def read_manifest(out_dir: Path) -> dict[str, Any] | None:
    """The folder's manifest, if there is a readable one."""
    try:
        data = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def up_to_date(out_dir: Path, db: StateDB, formats: list[str]) -> bool:
    """Whether the outputs already reflect the database (same generation, formats, files)."""
    manifest = read_manifest(out_dir)
    if manifest is None:
        return False
    state = manifest.get("state") or {}
    if state.get("generation") != db.generation or state.get("formats") != formats:
        return False
    return all((out_dir / name).exists() for name in manifest.get("files", []) if name != MANIFEST)


def _event_counts(table: pa.Table) -> Counter[str]:
    """Events per type in an events table (one row per argument, so events are counted once)."""
    if table.num_rows == 0:
        return Counter()
    unique = table.select(["doc_id", "event_id", "type"]).group_by(["doc_id", "event_id", "type"]).aggregate([])
    return Counter({str(k): int(v) for k, v in zip(*_value_counts(unique["type"]), strict=True)})


def _value_counts(column: pa.ChunkedArray) -> tuple[list[Any], list[int]]:
    counts = pc.value_counts(column)
    return counts.field("values").to_pylist(), counts.field("counts").to_pylist()


class _OutputWriter:
    """The outputs of a folder being written part by part under temporary names.

    Shared by the end compaction and the streaming one, so both write the same bytes
    from the same parts in the same order.
    """

    def __init__(self, out_dir: Path, formats: list[str]) -> None:
        self.out_dir = out_dir
        self.parts_dir = out_dir / "parts"
        self.docs_tmp = out_dir / f".{DOCUMENTS}.tmp"
        self.sinks: dict[str, TableSink] = {}
        self.docs: TextIO | None = None
        try:
            for name, columns in TABLE_COLUMNS.items():
                self.sinks[name] = TableSink(out_dir, name, columns, formats)
            self.docs = self.docs_tmp.open("w", encoding="utf-8")
        except BaseException:
            self.abort()
            raise
        self.documents = 0
        self.labels: Counter[str] = Counter()
        self.events: Counter[str] = Counter()

    def append(self, part: str, keys: set[str]) -> None:
        """Append the records and table rows of ``part`` whose key is in ``keys``."""
        assert self.docs is not None
        for line in part_record_lines(self.parts_dir / part, keys):
            self.docs.write(line)
            self.documents += 1
        for name, sink in self.sinks.items():
            table = part_table(self.parts_dir / part, name, keys)
            sink.write(table)
            if name == "mentions" and table.num_rows:
                self.labels.update(dict(zip(*_value_counts(table["label"]), strict=True)))
            elif name == "events":
                self.events.update(_event_counts(table))

    def commit(self) -> list[str]:
        """Move the records and tables into place; return their file names."""
        assert self.docs is not None
        self.docs.flush()
        os.fsync(self.docs.fileno())
        self.docs.close()
        self.docs = None
        os.replace(self.docs_tmp, self.out_dir / DOCUMENTS)
        files = [DOCUMENTS]
        for sink in self.sinks.values():
            files += sink.commit()
        return files

    def abort(self) -> None:
        """Drop the temporary files (the outputs in place are left as they were)."""
        for sink in self.sinks.values():
            sink.abort()
        if self.docs is not None:
            self.docs.close()
            self.docs = None
        self.docs_tmp.unlink(missing_ok=True)


def compact(out_dir: Path, db: StateDB, formats: list[str], extra: dict[str, Any]) -> dict[str, Any]:
    """Rewrite ``documents.jsonl``, the tables, ``failures.jsonl`` and the manifest; return the manifest."""
    with contextlib.suppress(FileNotFoundError):
        (out_dir / MANIFEST).unlink()
    referenced = db.referenced_parts()
    writer = _OutputWriter(out_dir, formats)
    try:
        for part in referenced:
            writer.append(part, db.keys_in_part(part))
    except BaseException:
        writer.abort()
        raise
    return _finish(out_dir, db, formats, extra, writer, referenced)


def _finish(
    out_dir: Path, db: StateDB, formats: list[str], extra: dict[str, Any], writer: _OutputWriter, referenced: list[str]
) -> dict[str, Any]:
    """Commit the written outputs, write ``failures.jsonl``, drop dead parts, write the manifest."""
    files = writer.commit()
    failures, by_code, failure_count = _write_failures(out_dir, db)
    files.append(FAILURES)
    # Parts with no current record are garbage now that the outputs no longer need them.
    parts_dir = out_dir / "parts"
    remove_parts(parts_dir, list_parts(parts_dir) - set(referenced))
    manifest = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "schema_version": SCHEMA_VERSION,
        "versions": versions(),
        "counts": {
            "documents": writer.documents,
            "failures": failure_count,
            "mentions": dict(sorted(writer.labels.items())),
            "events": dict(sorted(writer.events.items())),
            "failures_by_code": dict(sorted(by_code.items())),
        },
        "failures": failures,
        "failures_truncated": failure_count > len(failures),
        "files": [*files, MANIFEST],
        **extra,
        "state": {**extra.get("state", {}), "generation": db.generation, "formats": formats, "parts": len(referenced)},
    }
    write_manifest(out_dir, manifest)
    return manifest


class StreamingCompaction:
    """Compaction done while a run is still processing: each part is appended once committed.

    Parts are appended in the order they were planned (a part that finishes early
    waits for the ones before it), so the outputs are the same, byte for byte, as an
    end compaction's. They replace the folder's outputs only if, at the end, the
    state database's current records are exactly the ones appended (a fresh folder,
    or ``--force`` over the same inputs); otherwise (older parts still hold current
    records, an input was retried after a worker died) the temporary files are dropped
    and :func:`compact` runs as before. The outputs in place are not touched until
    :meth:`finish`, so a run killed meanwhile leaves them and their (now stale)
    manifest, which the next run compacts again.
    """

    def __init__(self, out_dir: Path, formats: list[str]) -> None:
        self.out_dir = out_dir
        self.formats = formats
        self._writer: _OutputWriter | None = None
        self._active = True
        self._planned: deque[str] = deque()
        self._finished: dict[str, tuple[str | None, set[str]]] = {}
        # The parts appended, in order, and how many records each one gave.
        self.appended: dict[str, int] = {}

    @property
    def active(self) -> bool:
        """Whether the outputs are still being streamed (no reason to fall back yet)."""
        return self._active

    def planned(self, chunk: str) -> None:
        """Note that chunk ``chunk`` was handed to the engine (chunks are handed out in order)."""
        if self._active:
            self._planned.append(chunk)

    def committed(self, chunk: str, part: str | None, keys: set[str]) -> None:
        """Note that ``chunk`` committed ``part`` (``None``: no record) with ``keys``; append what is due."""
        if not self._active:
            return
        if chunk not in self._planned:
            # A piece of a chunk retried after a worker died: the order is no longer known here.
            self.cancel()
            return
        self._finished[chunk] = (part, keys)
        while self._planned and self._planned[0] in self._finished:
            done_part, done_keys = self._finished.pop(self._planned.popleft())
            if done_part is None:
                continue
            if self._writer is None:
                self._writer = _OutputWriter(self.out_dir, self.formats)
            try:
                self._writer.append(done_part, done_keys)
            except BaseException:
                self.cancel()
                raise
            self.appended[done_part] = len(done_keys)

    def cancel(self) -> None:
        """Stop streaming and drop the temporary files (the end compaction will run)."""
        self._active = False
        if self._writer is not None:
            self._writer.abort()
            self._writer = None

    def finish(self, db: StateDB, extra: dict[str, Any]) -> dict[str, Any] | None:
        """Commit the streamed outputs and return the manifest, or ``None`` if they do not match the database.

        Every appended part was appended whole, and an input only ever leaves a part;
        so equal counts per part mean equal sets of records.
        """
        writer = self._writer
        if not self._active or writer is None or self._planned or db.part_counts() != self.appended:
            self.cancel()
            return None
        self._writer = None
        self._active = False
        with contextlib.suppress(FileNotFoundError):
            (self.out_dir / MANIFEST).unlink()
        try:
            return _finish(self.out_dir, db, self.formats, extra, writer, list(self.appended))
        except BaseException:
            writer.abort()
            raise


def _write_failures(out_dir: Path, db: StateDB) -> tuple[list[dict[str, str]], Counter[str], int]:
    """Stream ``failures.jsonl``; return the first rows (for the manifest), counts by code, the total."""
    tmp = out_dir / f".{FAILURES}.tmp"
    first: list[dict[str, str]] = []
    by_code: Counter[str] = Counter()
    with tmp.open("w", encoding="utf-8") as fh:
        for source, code, message in db.failures():
            row = {"source": source, "code": code, "message": message}
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            by_code[code] += 1
            if len(first) < MANIFEST_FAILURES:
                first.append(row)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, out_dir / FAILURES)
    return first, by_code, sum(by_code.values())


def write_manifest(out_dir: Path, manifest: dict[str, Any]) -> None:
    """Write ``manifest.json`` atomically."""
    atomic_write_text(out_dir / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
    fsync_dir(out_dir)
