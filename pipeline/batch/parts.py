"""Part folders: the unit a batch commits, written by whichever process made the records.

A part is a folder ``parts/<name>/`` holding, for a chunk of inputs:

* ``records.jsonl``: the JSON records, one per line (copied verbatim into ``documents.jsonl``);
* ``documents_table.parquet``, ``mentions.parquet``, ``events.parquet``: the flat table
  rows with an extra ``_key`` column (the input key), dropped when tables are compacted;
  the documents table has one row per record line, in the same order, so its keys
  say which record lines are current.

It is written under a temporary name, flushed to disk, and committed by renaming the
folder: a part either exists whole or not at all, whatever kills the writer.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.io.tables import TABLE_COLUMNS, arrow_table, record_rows
from pipeline.io.writers import fsync_dir

KEY_COLUMN = "_key"
RECORDS = "records.jsonl"
TMP_PREFIX = ".tmp-"


def part_name(run_id: int, seq: int) -> str:
    """The name of a run's ``seq``-th part; names sort in the order parts were planned."""
    return f"r{run_id:06d}-{seq:07d}"


def list_parts(parts_dir: Path) -> set[str]:
    """Names of the committed parts on disk."""
    if not parts_dir.is_dir():
        return set()
    return {p.name for p in parts_dir.iterdir() if p.is_dir() and not p.name.startswith(".")}


def remove_temporaries(parts_dir: Path) -> int:
    """Remove part folders a killed writer left half-written; return how many."""
    if not parts_dir.is_dir():
        return 0
    count = 0
    for path in parts_dir.iterdir():
        if path.name.startswith(TMP_PREFIX):
            shutil.rmtree(path, ignore_errors=True)
            count += 1
    return count


def remove_parts(parts_dir: Path, names: set[str]) -> None:
    """Delete committed parts (no record in them is current any more)."""
    for name in names:
        shutil.rmtree(parts_dir / name, ignore_errors=True)


def _write_synced(path: Path, lines: Sequence[str]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        fh.writelines(lines)
        fh.flush()
        os.fsync(fh.fileno())


def write_part(parts_dir: Path, name: str, entries: Sequence[tuple[str, Mapping[str, Any]]]) -> None:
    """Write the records ``(key, record)`` as part ``name`` and commit it by a rename.

    Writing the same part twice (a task a scheduler ran again) keeps the first copy:
    both hold the same records.
    """
    parts_dir.mkdir(parents=True, exist_ok=True)
    target = parts_dir / name
    tmp = parts_dir / f"{TMP_PREFIX}{name}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        _write_synced(tmp / RECORDS, [json.dumps(record, ensure_ascii=False) + "\n" for _, record in entries])
        tables: dict[str, tuple[list[dict[str, Any]], list[str]]] = {n: ([], []) for n in TABLE_COLUMNS}
        for key, record in entries:
            rows = record_rows(record)
            for table_name, table_rows in (
                ("documents_table", [rows.document]),
                ("mentions", rows.mentions),
                ("events", rows.events),
            ):
                tables[table_name][0].extend(table_rows)
                tables[table_name][1].extend([key] * len(table_rows))
        for table_name, (rows_list, row_keys) in tables.items():
            table = arrow_table(rows_list, TABLE_COLUMNS[table_name], {KEY_COLUMN: row_keys})
            path = tmp / f"{table_name}.parquet"
            pq.write_table(table, path)
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        fsync_dir(tmp)
        try:
            os.rename(tmp, target)
        except OSError:
            if not target.is_dir():
                raise
            shutil.rmtree(tmp, ignore_errors=True)
        fsync_dir(parts_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _read_parquet(path: Path, columns: list[str] | None = None) -> pa.Table:
    """A part's Parquet file, read directly and in this thread.

    A part file is small: ``pq.read_table`` (the dataset layer, a thread pool) costs
    several times the CPU of reading it, and compaction reads four files per part.
    """
    with pq.ParquetFile(path) as parquet:
        return parquet.read(columns=columns, use_threads=False)


def part_record_lines(part_dir: Path, keys: set[str]) -> Iterator[str]:
    """The record lines of a part whose key is in ``keys`` (each ends with a newline)."""
    line_keys = _read_parquet(part_dir / "documents_table.parquet", [KEY_COLUMN])[KEY_COLUMN].to_pylist()
    with (part_dir / RECORDS).open(encoding="utf-8") as records:
        for line, key in zip(records, line_keys, strict=True):
            if key in keys:
                yield line


def part_table(part_dir: Path, table_name: str, keys: set[str]) -> pa.Table:
    """A part's table rows whose key is in ``keys``, without the key column."""
    table = _read_parquet(part_dir / f"{table_name}.parquet")
    mask = pc.is_in(table[KEY_COLUMN], value_set=pa.array(sorted(keys), type=pa.string()))
    return table.filter(mask).drop_columns([KEY_COLUMN])
