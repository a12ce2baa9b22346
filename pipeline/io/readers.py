"""Turn command-line inputs (files, folders, globs, JSONL feeds, stdin) into documents to process.

Bad inputs are not raised: they come out as :class:`InputFailure` items with an error
code from the catalogue, so that a batch records them and goes on.
"""

from __future__ import annotations

import glob
import json
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import ErrorCode

TEXT_SUFFIXES = {".txt", ".text", ".md", ".html", ".htm", ".xhtml", ".shtml"}
FEED_SUFFIXES = {".jsonl", ".ndjson"}
JSON_SUFFIXES = {".json"}
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
TEXT_FIELDS = ("text", "content", "body", "article")


@dataclass(frozen=True, slots=True)
class InputItem:
    """One document to process: its bytes or text, where it came from, and its metadata."""

    source: str
    data: bytes | str
    meta: dict[str, Any] = field(default_factory=dict)
    doc_id: str | None = None


@dataclass(frozen=True, slots=True)
class InputFailure:
    """An input that cannot be processed, with the catalogue code and message."""

    source: str
    code: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        """The row written to ``failures.jsonl``."""
        return {"source": self.source, "code": self.code, "message": self.message}


def _failure(source: str, code: ErrorCode, **kwargs: Any) -> InputFailure:
    return InputFailure(source, code.name, code.message(**kwargs))


def looks_binary(data: bytes) -> str | None:
    """A reason when ``data`` looks like binary (NUL bytes, many control bytes); else ``None``."""
    head = data[:8192]
    if not head:
        return None
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None  # UTF-16 text has NUL bytes by design
    if b"\x00" in head:
        return "NUL bytes"
    control = sum(1 for b in head if b < 9 or 13 < b < 32)
    if control / len(head) > 0.1:
        return f"{control} control bytes in the first {len(head)}"
    return None


def expand(inputs: Sequence[str]) -> Iterator[Path | str]:
    """Files named by ``inputs``: folders recursively, globs expanded, ``-`` kept as stdin."""
    for item in inputs:
        if item == "-":
            yield "-"
            continue
        path = Path(item)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and not child.name.startswith(".") and child.name != "README.md":
                    yield child
        elif path.exists():
            yield path
        else:
            matches = sorted(glob.glob(item, recursive=True))
            if not matches:
                yield Path(item)  # reported as unreadable by the reader
            for match in matches:
                if Path(match).is_file():
                    yield Path(match)


def read_feed_lines(lines: Iterator[bytes], source: str) -> Iterator[InputItem | InputFailure]:
    """Documents from a JSONL feed: one JSON object per line with a text field and metadata."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{source}:{number}"
        try:
            record = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            yield _failure(where, ErrorCode.E106, path=source, line=number, detail=str(exc))
            continue
        yield from _record_item(record, where, source, number)


def _record_item(record: Any, where: str, source: str, number: int) -> Iterator[InputItem | InputFailure]:
    if not isinstance(record, dict):
        yield _failure(where, ErrorCode.E107, path=source, line=number, detail="not a JSON object")
        return
    text = next((record[f] for f in TEXT_FIELDS if isinstance(record.get(f), str)), None)
    if text is None:
        yield _failure(
            where, ErrorCode.E107, path=source, line=number, detail=f"expected one of {', '.join(TEXT_FIELDS)}"
        )
        return
    if not text.strip():
        yield _failure(where, ErrorCode.E101, path=where)
        return
    meta = {
        k: v
        for k, v in record.items()
        if (k not in TEXT_FIELDS and isinstance(v, str | int | float | bool)) or k == "title"
    }
    doc_id = str(record["id"]) if record.get("id") is not None else None
    yield InputItem(where, text, meta, doc_id)


def read_path(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[InputItem | InputFailure]:
    """Documents in one file (a feed gives many); failures for what cannot be read."""
    source = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        yield _failure(source, ErrorCode.E105, path=source, detail=exc.strerror or str(exc))
        return
    if size > max_bytes:
        yield _failure(source, ErrorCode.E104, path=source, size=size, limit=max_bytes)
        return
    suffix = path.suffix.lower()
    try:
        if suffix in FEED_SUFFIXES:
            with path.open("rb") as fh:
                yield from read_feed_lines(iter(fh), source)
            return
        data = path.read_bytes()
    except OSError as exc:
        yield _failure(source, ErrorCode.E105, path=source, detail=exc.strerror or str(exc))
        return
    if not data.strip():
        yield _failure(source, ErrorCode.E101, path=source)
        return
    reason = looks_binary(data)
    if reason is not None:
        yield _failure(source, ErrorCode.E102, path=source, detail=reason)
        return
    if suffix in JSON_SUFFIXES:
        try:
            record = json.loads(data)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            yield _failure(source, ErrorCode.E106, path=source, line=1, detail=str(exc))
            return
        records = record if isinstance(record, list) else [record]
        for number, item in enumerate(records, start=1):
            yield from _record_item(item, f"{source}:{number}", source, number)
        return
    yield InputItem(source, data, {"path": source})


def iter_inputs(inputs: Sequence[str], max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[InputItem | InputFailure]:
    """Every document (or failure) named by ``inputs``, in a stable order."""
    for target in expand(inputs):
        if target == "-":
            yield from read_feed_lines(iter(sys.stdin.buffer), "<stdin>")
        else:
            assert isinstance(target, Path)
            yield from read_path(target, max_bytes)
