"""The local engine: chunks run in this process (one worker) or in a process pool.

A run with a single chunk of work is processed in this process. For a pool, the
driver builds the pipeline once (:func:`pipeline.batch.work.warm_up`, the documented
per-process preload of :func:`pipeline.batch.work.pipeline_for`) and starts the
workers with ``fork``: they inherit the built and warmed pipeline and take their
first chunk at once, instead of each importing the package, loading the rules and
models and warming them up again (several seconds per worker, the gap between the
wall-clock and steady-state speed-up of two workers). ``spawn`` is used instead where
forking is not safe (see :func:`start_method`); its workers build the pipeline
themselves. At most ``2 x workers`` chunks are in flight, so memory stays bounded
however many inputs there are. A worker that dies (killed, out of memory, crashed in
native code) breaks the pool: the inputs of the chunks in flight are retried one at a
time, each alone in flight, in a new pool, and an input that kills a worker again
becomes a failure row.
"""

from __future__ import annotations

import gc
import itertools
import multiprocessing
import sys
import threading
from collections import deque
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from pipeline.batch.work import Chunk, ChunkResult, PipelineSpec, process_chunk, warm_up
from pipeline.errors import ErrorCode, OutputError, PipelineError

IN_FLIGHT_PER_WORKER = 2
# Pools in a row that break before finishing any chunk: then the run stops (E509).
MAX_FAILED_POOLS = 3


def start_method() -> str:
    """``fork`` where workers can safely inherit the driver's pipeline, else ``spawn``.

    Forking is used only on Linux and only while this process runs no other Python
    thread: a thread may hold a lock (of a queue, of logging, of a stream) at the
    moment of the fork, and the child, which has only the forking thread, would wait
    on it for ever. That excludes a pool started while an earlier, broken pool's
    threads are still winding down, and a progress bar's monitor thread. macOS is
    excluded because its system libraries are not fork-safe (Python itself defaults to
    ``spawn`` there), and Windows has no ``fork`` at all.
    """
    if sys.platform.startswith("linux") and threading.active_count() == 1:
        return "fork"
    return "spawn"


class LocalEngine:
    """Runs chunks on this machine with ``workers`` processes."""

    name = "local"

    def __init__(self, workers: int) -> None:
        self.workers = max(1, workers)

    def run(
        self, chunks: Iterator[Chunk], config: PipelineSpec, parts_dir: str, fingerprint: str
    ) -> Iterator[ChunkResult]:
        """Process ``chunks`` and yield their results as they complete."""
        if self.workers == 1:
            for chunk in chunks:
                yield process_chunk(chunk, config, parts_dir)
            return
        first, second = next(chunks, None), next(chunks, None)
        if first is None:
            return
        if second is None:  # one chunk: starting a pool would only add its start-up
            yield process_chunk(first, config, parts_dir)
            return
        yield from self._run_pool(itertools.chain([first, second], chunks), config, parts_dir, fingerprint)

    def _new_pool(self, config: PipelineSpec) -> ProcessPoolExecutor:
        method = start_method()
        if method == "spawn":
            return ProcessPoolExecutor(
                self.workers, mp_context=multiprocessing.get_context(method), initializer=warm_up, initargs=(config,)
            )
        # The preload: built and warmed here once, inherited by every worker; a pipeline
        # that cannot be built is reported by the first chunk, as with spawned workers.
        # Workers also inherit the driver's open files: they never touch its state database
        # (SQLite's locks belong to the process, so they hold none), and they close their
        # copy of the folder lock as they start (see ``runner.folder_lock``).
        warm_up(config)
        # What is alive now is shared with the workers page by page; the collector must not
        # walk it (and so copy every page) in each of them: Python's recipe is to freeze
        # before forking and unfreeze in the parent afterwards.
        gc.freeze()
        try:
            pool = ProcessPoolExecutor(
                self.workers, mp_context=multiprocessing.get_context(method), initializer=warm_up, initargs=(config,)
            )
            # A forking pool starts all its workers at its first task, before any of its threads.
            pool.submit(int)
        finally:
            gc.unfreeze()
        return pool

    def _slots(self, retry: deque[Chunk], in_flight: dict[Future[ChunkResult], Chunk]) -> int:
        """How many chunks may be in flight: one alone while inputs are retried after a crash.

        When a worker dies, every chunk in flight fails with the pool, and nothing says
        which one killed it. Retried inputs therefore run one at a time: an input that
        breaks the pool again is then surely the culprit, and an innocent input that
        happened to be in flight is not reported as a failure.
        """
        if retry or any(chunk.attempt > 0 for chunk in in_flight.values()):
            return 1
        return self.workers * IN_FLIGHT_PER_WORKER

    def _run_pool(
        self, chunks: Iterator[Chunk], config: PipelineSpec, parts_dir: str, fingerprint: str
    ) -> Iterator[ChunkResult]:
        pool = self._new_pool(config)
        retry: deque[Chunk] = deque()
        in_flight: dict[Future[ChunkResult], Chunk] = {}
        exhausted = False
        progressed, failed_pools = False, 0
        try:
            while True:
                while len(in_flight) < self._slots(retry, in_flight):
                    if retry:
                        chunk = retry.popleft()
                    elif not exhausted:
                        next_chunk = next(chunks, None)
                        if next_chunk is None:
                            exhausted = True
                            continue
                        chunk = next_chunk
                    else:
                        break
                    in_flight[pool.submit(process_chunk, chunk, config, parts_dir)] = chunk
                if not in_flight:
                    return
                finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                broken: list[Chunk] = []
                for future in finished:
                    chunk = in_flight.pop(future)
                    try:
                        result = future.result()
                    except BrokenProcessPool:
                        broken.append(chunk)
                        continue
                    except PipelineError:
                        raise
                    except Exception as exc:  # the pipeline cannot be built, a part cannot be written
                        raise OutputError(
                            ErrorCode.E510, part=chunk.part, detail=f"{type(exc).__name__}: {exc}"
                        ) from exc
                    progressed = True
                    yield result
                if not broken:
                    continue
                # Every chunk still in flight died with the pool, unless it had finished.
                for future, chunk in list(in_flight.items()):
                    if future.done() and future.exception() is None:
                        progressed = True
                        yield future.result()
                    else:
                        broken.append(chunk)
                in_flight.clear()
                pool.shutdown(wait=False, cancel_futures=True)
                failed_pools = 0 if progressed else failed_pools + 1
                if failed_pools >= MAX_FAILED_POOLS:
                    # Workers die before finishing anything: start-up fails (a bad install, no
                    # memory), and retrying input by input would never end.
                    raise OutputError(ErrorCode.E509, count=failed_pools)
                progressed = False
                pool = self._new_pool(config)
                for chunk in broken:
                    if len(chunk.tasks) == 1 and chunk.attempt > 0:
                        yield chunk.lost(fingerprint, "the worker process died while processing it")
                    else:
                        retry.extend(chunk.split())
        finally:
            pool.shutdown(wait=not in_flight, cancel_futures=True)
