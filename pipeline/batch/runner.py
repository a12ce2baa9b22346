"""A batch run from start to end: lock the folder, plan, process, commit, compact.

The output folder holds the outputs of every input ever run into it (each once, in its
latest version), the state database ``state.sqlite3`` and the committed ``parts/``.
A run:

1. takes an exclusive lock on the folder (a second run on it stops with E503);
2. clears what a killed run left behind (temporary part folders, parts no row points
   at, rows pointing at parts that are gone);
3. walks the inputs lazily, skipping what is unchanged, and hands chunks to the
   engine; each finished chunk is one committed part plus one database transaction;
4. compacts the parts into ``documents.jsonl``, the tables, ``failures.jsonl`` and
   ``manifest.json`` (skipped when nothing changed). The records and tables are
   streamed into temporary files as parts are committed, in the planned order, while
   later chunks still run (:class:`~pipeline.batch.compact.StreamingCompaction`); when
   the database's current records turn out not to be exactly those (older parts still
   hold some, a crash was recovered), they are compacted again from the parts at the end.

Killing a run at any point and running it again gives every input exactly once.
"""

from __future__ import annotations

import contextlib
import fcntl
import multiprocessing.util
import os
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol

from pipeline.batch.compact import StreamingCompaction, compact, read_manifest, up_to_date, write_manifest
from pipeline.batch.parts import list_parts, remove_parts, remove_temporaries
from pipeline.batch.plan import PlanCounts, PlanPolicy, plan_chunks
from pipeline.batch.state import StateDB
from pipeline.batch.work import Chunk, ChunkResult, PipelineSpec
from pipeline.errors import ErrorCode, OutputError
from pipeline.io.readers import DEFAULT_MAX_BYTES, FEED_SUFFIXES, STDIN, expand, iter_sources
from pipeline.ner.model import default_model_path, describe_model
from pipeline.rulebook.loader import load_rulebook
from pipeline.rulebook.patterns import DEFAULT_DOCUMENT_BUDGET
from pipeline.stages.segment import default_backend

STATE_DB = "state.sqlite3"
LOCK = ".lock"
PARTS = "parts"


class Engine(Protocol):
    """Something that runs chunks and yields their results as they finish."""

    name: str
    workers: int

    def run(
        self, chunks: Iterator[Chunk], config: PipelineSpec, parts_dir: str, fingerprint: str
    ) -> Iterator[ChunkResult]:
        """Process ``chunks``; yield one result per chunk."""


@dataclass(slots=True)
class RunOptions:
    """What ``zhpipe run`` was asked to do."""

    inputs: Sequence[str]
    out_dir: Path
    formats: list[str] = field(default_factory=lambda: ["jsonl", "parquet"])
    workers: int = 1
    engine: str = "local"
    scheduler: str | None = None
    force: bool = False
    retry_failed: bool = False
    prune: bool = False
    rules: Sequence[str] = ()
    stages: Sequence[str] | None = None
    stage_options: dict[str, Any] = field(default_factory=dict)
    config_path: str | None = None
    doc_date: str | None = None
    simplify: bool = True
    segmenter: str | None = None
    max_bytes: int = DEFAULT_MAX_BYTES
    chunk_docs: int = 256
    chunk_bytes: int = 256 * 1024
    progress: bool = False


@dataclass(slots=True)
class RunStats:
    """What this run did (the manifest's counts are about the whole folder)."""

    run_id: int = 0
    seen: int = 0
    processed: int = 0
    unchanged: int = 0
    duplicates: int = 0
    failed: int = 0
    pruned: int = 0
    recovered: int = 0
    seconds: float = 0.0
    # The steady state, for throughput figures: from the first finished chunk to the last,
    # and the inputs finished in that window (start-up and the first chunk excluded).
    first_result_seconds: float = 0.0
    steady_seconds: float = 0.0
    steady_inputs: int = 0
    # From the start of the run to the moment the first chunk began processing (planning,
    # starting the workers, building their pipelines), and the time spent compacting.
    startup_seconds: float = 0.0
    compact_seconds: float = 0.0
    # Whether the outputs were streamed while chunks ran (else compacted from the parts at the end).
    compact_streamed: bool = False
    # CPU spent processing chunks (in whichever process ran them), and by the driver in all.
    chunk_cpu_seconds: float = 0.0
    driver_cpu_seconds: float = 0.0
    mentions: Counter[str] = field(default_factory=Counter)
    events: Counter[str] = field(default_factory=Counter)

    def to_dict(self) -> dict[str, Any]:
        """The ``run`` section of the manifest."""
        data = asdict(self)
        data["mentions"] = dict(sorted(self.mentions.items()))
        data["events"] = dict(sorted(self.events.items()))
        for name in (
            "seconds",
            "first_result_seconds",
            "steady_seconds",
            "startup_seconds",
            "compact_seconds",
            "chunk_cpu_seconds",
            "driver_cpu_seconds",
        ):
            data[name] = round(data[name], 3)
        return data


@dataclass(slots=True)
class RunReport:
    """The folder's manifest and this run's statistics."""

    manifest: dict[str, Any]
    stats: RunStats


def make_engine(options: RunOptions) -> Engine:
    """The engine ``options`` asks for (Dask is imported only when asked for)."""
    if options.engine == "local":
        from pipeline.batch.local import LocalEngine

        return LocalEngine(options.workers)
    if options.engine == "dask":
        from pipeline.batch.dask_engine import DaskEngine

        return DaskEngine(options.workers, options.scheduler)
    raise OutputError(ErrorCode.E508, option="--engine", detail=f"{options.engine!r} is not one of local, dask")


def _close_inherited(handle: IO[str]) -> None:
    """Close a forked worker's copy of the folder lock (the driver keeps its own)."""
    handle.close()


@contextlib.contextmanager
def folder_lock(out_dir: Path) -> Iterator[None]:
    """Hold the output folder for this run; the lock dies with the process, even on kill -9."""
    path = out_dir / LOCK
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        handle = path.open("a+")
    except OSError as exc:
        raise OutputError(ErrorCode.E502, path=out_dir, detail=exc.strerror or str(exc)) from None
    with handle as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "unknown process"
            raise OutputError(ErrorCode.E503, path=out_dir, detail=f"held by {holder}") from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()}\n")
        fh.flush()
        # A worker forked during the run inherits this open file, and an flock belongs to the
        # open file, not to the process: the worker closes its copy as it starts, so the folder
        # is free once this process ends, even when a killed run leaves orphaned workers.
        multiprocessing.util.register_after_fork(fh, _close_inherited)
        try:
            yield
        finally:
            fh.seek(0)
            fh.truncate()
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def recover(out_dir: Path, db: StateDB) -> int:
    """Clear what a killed run left: temporary parts, orphan parts, rows whose part is gone."""
    parts_dir = out_dir / PARTS
    remove_temporaries(parts_dir)
    with contextlib.suppress(FileNotFoundError):
        for leftover in out_dir.glob(".*.tmp"):
            leftover.unlink()
    present = list_parts(parts_dir)
    referenced = set(db.conn.execute("SELECT DISTINCT part FROM inputs WHERE part IS NOT NULL").fetchall())
    referenced_names = {name for (name,) in referenced}
    remove_parts(parts_dir, present - referenced_names)
    return db.reset_missing_parts(present)


def count_inputs(inputs: Sequence[str], exclude: Sequence[Path]) -> int | None:
    """How many inputs there are (files plus feed lines), for the progress bar; ``None`` for stdin."""
    total = 0
    for target in expand(inputs, exclude):
        if target == STDIN:
            return None
        assert isinstance(target, Path)
        if target.suffix.lower() in FEED_SUFFIXES:
            with contextlib.suppress(OSError), target.open("rb") as fh:
                total += sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))
        else:
            total += 1
    return total


def progress_enabled() -> bool:
    """A progress bar only for a person watching: stderr is a terminal and CI is not set."""
    return sys.stderr.isatty() and not os.environ.get("CI")


def run_batch(options: RunOptions) -> RunReport:
    """Run a batch as ``options`` says; return the manifest and this run's statistics.

    Raises:
        OutputError: the folder is locked by another run, its database is unusable,
            the engine cannot start, or a worker built a different pipeline.
        RuleError: an overlay rule file does not validate.

    """
    started, cpu_started = time.perf_counter(), time.process_time()
    out_dir = options.out_dir
    engine = make_engine(options)
    config = PipelineSpec(
        rules=tuple(str(Path(r).resolve()) for r in options.rules),
        stages=tuple(options.stages) if options.stages else None,
        simplify=options.simplify,
        doc_date=options.doc_date,
        max_bytes=options.max_bytes,
        segmenter=options.segmenter,
        options_json=PipelineSpec.encode_options(options.stage_options),
    )
    rulebook = load_rulebook(list(config.rules))
    fingerprint = config.fingerprint(rulebook)
    with folder_lock(out_dir):
        db = StateDB(out_dir / STATE_DB)
        try:
            stats = RunStats(recovered=recover(out_dir, db))
            stats.run_id = db.start_run(engine.name, engine.workers, fingerprint)
            policy = PlanPolicy(
                fingerprint, options.force, options.retry_failed, options.chunk_docs, options.chunk_bytes
            )
            counts = PlanCounts()
            sources = iter_sources(options.inputs, options.max_bytes, exclude=[out_dir])
            chunks = plan_chunks(sources, db, stats.run_id, policy, counts)
            stream = StreamingCompaction(out_dir, options.formats)
            status = "failed"
            try:
                _execute(engine, chunks, config, out_dir, fingerprint, db, stats, counts, options, started, stream)
                db.commit()
                status = "done"
            except BaseException:
                stream.cancel()
                raise
            finally:
                stats.seen = counts.seen
                stats.unchanged += counts.unchanged
                stats.duplicates = counts.duplicates
                stats.failed += counts.failed_listing
                db.finish_run(stats.run_id, status, stats.to_dict())
            if options.prune:
                stats.pruned = db.forget_unseen(stats.run_id)
            stats.seconds = time.perf_counter() - started
            stats.driver_cpu_seconds = time.process_time() - cpu_started
            extra = {
                "inputs": list(options.inputs),
                "rules": rulebook.hashes(),
                "rules_fingerprint": rulebook.fingerprint(),
                "rule_layers": [str(d) for d in rulebook.dirs],
                "pattern_timeout": float(config.options().get("pattern_timeout") or DEFAULT_DOCUMENT_BUDGET),
                "config": options.config_path,
                "pipeline_fingerprint": fingerprint,
                "segmenter": options.segmenter or default_backend(),
                "ner_model": describe_model(default_model_path()) if config.options().get("ner", True) else None,
                "engine": {"name": engine.name, "workers": engine.workers, "scheduler": options.scheduler},
                "run": stats.to_dict(),
                "state": {"database": STATE_DB, "parts": PARTS},
            }
            compact_started = time.perf_counter()
            streamed = stream.finish(db, extra)
            if streamed is not None:
                manifest = streamed
                stats.compact_streamed = True
            elif up_to_date(out_dir, db, options.formats):
                manifest = read_manifest(out_dir) or {}
                manifest.update({k: v for k, v in extra.items() if k != "state"})
                write_manifest(out_dir, manifest)
            else:
                manifest = compact(out_dir, db, options.formats, extra)
            stats.compact_seconds = time.perf_counter() - compact_started
            stats.seconds = time.perf_counter() - started  # now with the compaction
            db.finish_run(stats.run_id, "done", stats.to_dict())
        finally:
            db.close()
    return RunReport(manifest, stats)


def _execute(
    engine: Engine,
    chunks: Iterator[Chunk],
    config: PipelineSpec,
    out_dir: Path,
    fingerprint: str,
    db: StateDB,
    stats: RunStats,
    counts: PlanCounts,
    options: RunOptions,
    run_started: float,
    stream: StreamingCompaction,
) -> None:
    """Run the chunks and commit each result as it arrives (``run_started``: when the run began).

    Each committed part is handed to ``stream``, which appends it to the outputs in the
    planned order.
    """
    from tqdm import tqdm

    class Bar(tqdm):  # type: ignore[misc]  # tqdm is untyped here
        """A progress bar without tqdm's monitor thread.

        The bar is updated per chunk, so the monitor has nothing to do; and while this
        process runs another thread the local engine cannot fork its workers.
        """

        monitor_interval = 0

    total = count_inputs(options.inputs, [out_dir]) if options.progress else None
    parts_dir = str((out_dir / PARTS).resolve())
    finished = 0
    started = time.perf_counter()
    first: float | None = None
    with Bar(total=total, disable=not options.progress, unit="doc", file=sys.stderr, dynamic_ncols=True) as bar:
        for result in engine.run(_planned(chunks, stream), config, parts_dir, fingerprint):
            if result.fingerprint != fingerprint:
                raise OutputError(ErrorCode.E505, worker=result.worker, got=result.fingerprint, expected=fingerprint)
            db.commit_part(result.part, result.done, result.failed, fingerprint)
            for key, size, mtime_ns in result.unchanged:
                db.touch(key, size, mtime_ns)
            stats.processed += len(result.done)
            stats.failed += len(result.failed)
            stats.unchanged += len(result.unchanged)
            stats.mentions.update(result.mentions)
            stats.events.update(result.events)
            stats.chunk_cpu_seconds += result.cpu_seconds
            finished += result.size
            now = time.perf_counter()
            if first is None:
                first = now
                stats.first_result_seconds = now - started
                stats.startup_seconds = max(0.0, now - run_started - result.seconds)
            else:
                stats.steady_seconds = now - first
                stats.steady_inputs += result.size
            bar.update(finished + counts.unchanged + counts.duplicates + counts.failed_listing - bar.n)
            # After the bar: the figures above time the chunks, not the appending.
            stream.committed(result.chunk, result.part, {d.key for d in result.done})


def _planned(chunks: Iterator[Chunk], stream: StreamingCompaction) -> Iterator[Chunk]:
    """``chunks``, each noted by ``stream`` as the engine takes it (so in the planned order)."""
    for chunk in chunks:
        stream.planned(chunk.part)
        yield chunk
