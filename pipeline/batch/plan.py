"""Decide, input by input, what a run must process, and group the work into chunks.

An input is skipped when the state database says it was already processed under the
same pipeline fingerprint and it has not changed: for a file, the same size and
modification time (else the worker compares the content hash, so a ``touch`` costs a
read, not a reprocess); for a feed record, the same content hash. Everything else
(new, changed, pending after a crash, processed with other rules) is sent. Failures
found while listing inputs are recorded at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from pipeline.batch.parts import part_name
from pipeline.batch.state import Failed, InputState, StateDB
from pipeline.batch.work import Chunk, Task
from pipeline.io.readers import FileRef, InputFailure, InputItem, Source

# Codes worth retrying on every run: the input may be readable next time.
TRANSIENT_CODES = frozenset({"E105"})


@dataclass(slots=True)
class PlanCounts:
    """What the planner saw in this run."""

    seen: int = 0
    queued: int = 0
    unchanged: int = 0
    duplicates: int = 0
    failed_listing: int = 0


@dataclass(frozen=True, slots=True)
class PlanPolicy:
    """How to treat inputs already in the database, and how big chunks are."""

    fingerprint: str
    force: bool = False
    retry_failed: bool = False
    chunk_docs: int = 256
    chunk_bytes: int = 256 * 1024


def _known_hash(row: InputState | None, source: FileRef | InputItem, policy: PlanPolicy) -> tuple[bool, str | None]:
    """``(skip, known_hash)`` for one input given its row in the database."""
    if row is None or policy.force or row.fingerprint != policy.fingerprint or row.status == "pending":
        return False, None
    if row.status == "failed" and (policy.retry_failed or row.code in TRANSIENT_CODES):
        return False, None
    if isinstance(source, FileRef):
        if row.size == source.size and row.mtime_ns == source.mtime_ns:
            return True, None
        return False, row.content_hash
    return row.content_hash == source.content_hash, None


def _size(source: FileRef | InputItem) -> int:
    if isinstance(source, FileRef):
        return source.size
    return len(source.data) if isinstance(source.data, bytes) else 3 * len(source.data)


def plan_chunks(
    sources: Iterable[Source], db: StateDB, run_id: int, policy: PlanPolicy, counts: PlanCounts
) -> Iterator[Chunk]:
    """Chunks of the inputs to process, lazily (the database is updated as inputs are met)."""
    tasks: list[Task] = []
    size = 0
    seq = 0
    for source in sources:
        counts.seen += 1
        row = db.lookup(source.key)
        if row is not None and row.seen_run == run_id:
            counts.duplicates += 1  # named twice in this run (a file and its folder, say)
            continue
        db.mark_seen(source.key, source.source, run_id)
        if isinstance(source, InputFailure):
            if row is not None and row.status == "failed" and row.code == source.code and not policy.force:
                counts.unchanged += 1  # the same failure as last time: nothing to rewrite
                continue
            counts.failed_listing += 1
            failed = Failed(source.key, source.source, source.code, source.message, source.content_hash or None)
            db.record_failures([failed], policy.fingerprint)
            continue
        skip, known = _known_hash(row, source, policy)
        if skip:
            counts.unchanged += 1
            continue
        counts.queued += 1
        tasks.append(Task(source, known))
        size += _size(source)
        if len(tasks) >= policy.chunk_docs or size >= policy.chunk_bytes:
            seq += 1
            yield Chunk(part_name(run_id, seq), tasks)
            tasks, size = [], 0
    if tasks:
        seq += 1
        yield Chunk(part_name(run_id, seq), tasks)
