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
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

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


def compact(out_dir: Path, db: StateDB, formats: list[str], extra: dict[str, Any]) -> dict[str, Any]:
    """Rewrite ``documents.jsonl``, the tables, ``failures.jsonl`` and the manifest; return the manifest."""
    parts_dir = out_dir / "parts"
    with contextlib.suppress(FileNotFoundError):
        (out_dir / MANIFEST).unlink()
    sinks = {name: TableSink(out_dir, name, columns, formats) for name, columns in TABLE_COLUMNS.items()}
    docs_tmp = out_dir / f".{DOCUMENTS}.tmp"
    documents = 0
    labels: Counter[str] = Counter()
    events: Counter[str] = Counter()
    referenced = db.referenced_parts()
    try:
        with docs_tmp.open("w", encoding="utf-8") as docs:
            for part in referenced:
                keys = db.keys_in_part(part)
                for line in part_record_lines(parts_dir / part, keys):
                    docs.write(line)
                    documents += 1
                for name, sink in sinks.items():
                    table = part_table(parts_dir / part, name, keys)
                    sink.write(table)
                    if name == "mentions" and table.num_rows:
                        labels.update(dict(zip(*_value_counts(table["label"]), strict=True)))
                    elif name == "events":
                        events.update(_event_counts(table))
            docs.flush()
            os.fsync(docs.fileno())
    except BaseException:
        for sink in sinks.values():
            sink.abort()
        docs_tmp.unlink(missing_ok=True)
        raise
    os.replace(docs_tmp, out_dir / DOCUMENTS)
    files = [DOCUMENTS]
    for sink in sinks.values():
        files += sink.commit()
    failures, by_code, failure_count = _write_failures(out_dir, db)
    files.append(FAILURES)
    # Parts with no current record are garbage now that the outputs no longer need them.
    remove_parts(parts_dir, list_parts(parts_dir) - set(referenced))
    manifest = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "schema_version": SCHEMA_VERSION,
        "versions": versions(),
        "counts": {
            "documents": documents,
            "failures": failure_count,
            "mentions": dict(sorted(labels.items())),
            "events": dict(sorted(events.items())),
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
