"""Write a run's outputs: records, flat tables, failures and the manifest, atomically."""

from __future__ import annotations

import json
import os
import platform
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from pipeline.errors import ErrorCode, OutputError
from pipeline.io.readers import InputFailure
from pipeline.io.tables import (
    DOCUMENT_COLUMNS,
    EVENT_COLUMNS,
    MENTION_COLUMNS,
    _frame,
    document_row,
    event_rows,
    mention_rows,
)
from pipeline.records import SCHEMA_VERSION, Document

FORMATS = ("jsonl", "parquet", "csv")


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
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(ErrorCode.E502, path=path, detail=str(exc)) from exc


def record_line(doc: Document) -> str:
    """One JSON line of ``documents.jsonl`` (UTF-8, not ASCII-escaped)."""
    return json.dumps(doc.to_dict(), ensure_ascii=False) + "\n"


def write_table(
    rows: list[dict[str, Any]], columns: list[str], out_dir: Path, name: str, formats: Sequence[str]
) -> list[str]:
    """Write one flat table in each requested format; return the file names written."""
    frame = _frame(rows, columns)
    written = []
    for fmt in formats:
        target = out_dir / f"{name}.{fmt}"
        tmp = out_dir / f".{name}.{fmt}.tmp"
        if fmt == "jsonl":
            frame.to_json(tmp, orient="records", lines=True, force_ascii=False)
        elif fmt == "csv":
            frame.to_csv(tmp, index=False)
        elif fmt == "parquet":
            frame.to_parquet(tmp, index=False)
        os.replace(tmp, target)
        written.append(target.name)
    return written


class RunWriter:
    """Collects a run's documents and failures and writes every output file."""

    def __init__(self, out_dir: Path, formats: Sequence[str]) -> None:
        self.out_dir = out_dir
        self.formats = list(formats)
        out_dir.mkdir(parents=True, exist_ok=True)
        self._tmp_records = out_dir / ".documents.jsonl.tmp"
        self._records: TextIO = self._tmp_records.open("w", encoding="utf-8")
        self.documents = 0
        self.label_counts: Counter[str] = Counter()
        self.event_counts: Counter[str] = Counter()
        self.doc_rows: list[dict[str, Any]] = []
        self.mention_rows: list[dict[str, Any]] = []
        self.event_rows: list[dict[str, Any]] = []
        self.failures: list[InputFailure] = []

    def add(self, doc: Document) -> None:
        """Add one processed document."""
        self._records.write(record_line(doc))
        self.documents += 1
        self.label_counts.update(m.label for m in doc.mentions)
        self.event_counts.update(e.type for e in doc.events)
        row = document_row(doc)
        row.pop("text")
        self.doc_rows.append({**row, "text": None})
        self.mention_rows.extend(mention_rows(doc))
        self.event_rows.extend(event_rows(doc))

    def fail(self, failure: InputFailure) -> None:
        """Record one input that could not be processed."""
        self.failures.append(failure)

    def close(self, manifest_extra: dict[str, Any]) -> dict[str, Any]:
        """Write every file and the manifest; return the manifest."""
        self._records.close()
        os.replace(self._tmp_records, self.out_dir / "documents.jsonl")
        files = ["documents.jsonl"]
        files += write_table(self.doc_rows, DOCUMENT_COLUMNS, self.out_dir, "documents_table", self.formats)
        files += write_table(self.mention_rows, MENTION_COLUMNS, self.out_dir, "mentions", self.formats)
        files += write_table(self.event_rows, EVENT_COLUMNS, self.out_dir, "events", self.formats)
        atomic_write_text(
            self.out_dir / "failures.jsonl",
            "".join(json.dumps(f.to_dict(), ensure_ascii=False) + "\n" for f in self.failures),
        )
        files.append("failures.jsonl")
        manifest = {
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "schema_version": SCHEMA_VERSION,
            "versions": versions(),
            "counts": {
                "documents": self.documents,
                "failures": len(self.failures),
                "mentions": dict(sorted(self.label_counts.items())),
                "events": dict(sorted(self.event_counts.items())),
            },
            "failures": [f.to_dict() for f in self.failures],
            "files": [*files, "manifest.json"],
            **manifest_extra,
        }
        atomic_write_text(self.out_dir / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
        return manifest


def versions() -> dict[str, str]:
    """Versions of Python, the pipeline and the libraries that shape its output."""
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for package in ("zhpipe", "jieba", "opencc", "pypinyin", "cn2an", "regex", "spacy", "pandas", "pyarrow"):
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
