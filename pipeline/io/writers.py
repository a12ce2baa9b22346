"""Write a run's outputs atomically: records, flat tables (streamed), failures, the manifest."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, TextIO

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from pipeline.errors import ErrorCode, OutputError
from pipeline.io.tables import arrow_schema
from pipeline.records import Document

FORMATS = ("jsonl", "parquet", "csv")
# Rows per Parquet row group of the compacted tables: large enough for fast reads, small
# enough that the buffer stays a few megabytes whatever the table's size.
ROW_GROUP_ROWS = 32_768


def parse_formats(value: str | Sequence[str]) -> list[str]:
    """Split ``jsonl,parquet`` into a checked list of formats.

    Raises:
        OutputError: a format is not one of :data:`FORMATS` (code E501).

    """
    items = value.split(",") if isinstance(value, str) else list(value)
    formats = [f.strip().lower() for f in items if f.strip()]
    for fmt in formats:
        if fmt not in FORMATS:
            raise OutputError(ErrorCode.E501, fmt=fmt, known=", ".join(FORMATS))
    return formats or ["jsonl"]


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600 files; outputs are shared like any file
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(ErrorCode.E502, path=path, detail=str(exc)) from exc


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def record_line(doc: Document) -> str:
    """One JSON line of ``documents.jsonl`` (UTF-8, not ASCII-escaped)."""
    return json.dumps(doc.to_dict(), ensure_ascii=False) + "\n"


class TableSink:
    """Streams one flat table into its files, one per format, each committed by a rename.

    Batches are appended as they come (CSV rows under one header, JSON lines; Parquet
    row groups of about :data:`ROW_GROUP_ROWS` rows), so a table of any size is
    written in bounded memory.
    """

    def __init__(self, out_dir: Path, name: str, columns: list[str], formats: Sequence[str]) -> None:
        self.out_dir = out_dir
        self.name = name
        self.schema = arrow_schema(columns)
        self.formats = list(formats)
        self.rows = 0
        self._tmp = {fmt: out_dir / f".{name}.{fmt}.tmp" for fmt in self.formats}
        self._parquet: pq.ParquetWriter | None = None
        self._csv: pacsv.CSVWriter | None = None
        self._jsonl: TextIO | None = None
        self._pending: list[pa.Table] = []
        self._pending_rows = 0
        try:
            if "parquet" in self.formats:
                self._parquet = pq.ParquetWriter(self._tmp["parquet"], self.schema)
            if "csv" in self.formats:
                self._csv = pacsv.CSVWriter(str(self._tmp["csv"]), self.schema)
            if "jsonl" in self.formats:
                self._jsonl = self._tmp["jsonl"].open("w", encoding="utf-8")
        except OSError as exc:
            raise OutputError(ErrorCode.E502, path=out_dir / name, detail=str(exc)) from exc

    def write(self, table: pa.Table) -> None:
        """Append a batch of rows (an Arrow table with this table's columns, in any order)."""
        table = table.select(self.schema.names).cast(self.schema)
        if table.num_rows == 0:
            return
        self.rows += table.num_rows
        if self._parquet is not None:
            self._pending.append(table)
            self._pending_rows += table.num_rows
            if self._pending_rows >= ROW_GROUP_ROWS:
                self._flush_parquet()
        if self._csv is not None:
            self._csv.write_table(table)
        if self._jsonl is not None:
            self._jsonl.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in table.to_pylist())

    def _flush_parquet(self) -> None:
        """Write the buffered batches as one row group (small row groups make slow files)."""
        if self._parquet is not None and self._pending:
            self._parquet.write_table(pa.concat_tables(self._pending))
        self._pending, self._pending_rows = [], 0

    def commit(self) -> list[str]:
        """Close the files and move them into place; return the file names."""
        if self._parquet is not None:
            self._flush_parquet()
            self._parquet.close()
        if self._csv is not None:
            self._csv.close()
        if self._jsonl is not None:
            self._jsonl.close()
        written = []
        for fmt, tmp in self._tmp.items():
            target = self.out_dir / f"{self.name}.{fmt}"
            _fsync_path(tmp)
            os.replace(tmp, target)
            written.append(target.name)
        return written

    def abort(self) -> None:
        """Drop the temporary files (after an error)."""
        for writer in (self._parquet, self._csv, self._jsonl):
            if writer is not None:
                with contextlib.suppress(Exception):
                    writer.close()
        for tmp in self._tmp.values():
            tmp.unlink(missing_ok=True)


def _fsync_path(path: Path) -> None:
    """Flush a closed file's data to disk, so a rename after it never exposes a hole."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    """Make a rename inside ``path`` durable."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def versions() -> dict[str, str]:
    """Versions of Python, the pipeline and the libraries that shape its output."""
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    packages = ("zhpipe", "jieba", "rjieba", "opencc", "pypinyin", "cn2an", "regex", "spacy", "pandas", "pyarrow")
    for package in (*packages, "trafilatura"):
        try:
            out[package] = version(package)
        except PackageNotFoundError:
            out[package] = "not installed"
    return out


def summary_lines(manifest: dict[str, Any]) -> Iterable[str]:
    """The short summary a run prints."""
    counts = manifest["counts"]
    yield f"documents: {counts['documents']}"
    mentions = counts["mentions"]
    yield (
        "mentions: "
        + (", ".join(f"{k} {v}" for k, v in mentions.items()) or "none")
        + f" (total {sum(mentions.values())})"
    )
    events = counts["events"]
    yield "events: " + (", ".join(f"{k} {v}" for k, v in events.items()) or "none") + f" (total {sum(events.values())})"
    yield f"failures: {counts['failures']}"
    for failure in manifest["failures"][:10]:
        yield f"  {failure['code']} {failure['message']}"
