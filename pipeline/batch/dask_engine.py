"""The Dask engine: the same chunks and the same :func:`process_chunk` on dask.distributed.

Dask is optional (``pip install zhpipe[dask]``) and imported only here, when a run
asks for ``--engine dask``. Without ``--scheduler`` a ``LocalCluster`` of ``workers``
single-threaded processes is started for the run; with it, the run joins that
cluster. Each chunk (a partition of the inputs) is a task; the worker reads its files,
runs the pipeline and writes the partition's Parquet part into the output folder, so
workers and driver must share that folder (and the input and rule paths) when the
cluster spans machines. The driver keeps the state database and commits parts as
their tasks finish, exactly as the local engine does; at most ``2 x workers`` tasks
are in flight.
"""

from __future__ import annotations

import contextlib
import itertools
from collections import deque
from collections.abc import Iterator
from typing import Any

from pipeline.batch.work import Chunk, ChunkResult, PipelineSpec, process_chunk, warm_up
from pipeline.errors import ErrorCode, OutputError, PipelineError

IN_FLIGHT_PER_WORKER = 2


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError as exc:
        raise OutputError(ErrorCode.E506, detail=str(exc)) from None
    return distributed


class DaskEngine:
    """Runs chunks as tasks on a Dask cluster (a local one unless a scheduler is given)."""

    name = "dask"

    def __init__(self, workers: int, scheduler: str | None = None) -> None:
        self.workers = max(1, workers)
        self.scheduler = scheduler

    def _client(self, stack: contextlib.ExitStack) -> Any:
        distributed = _import_distributed()
        if self.scheduler:
            try:
                return stack.enter_context(distributed.Client(self.scheduler, timeout="30s"))
            except OSError as exc:
                raise OutputError(ErrorCode.E507, address=self.scheduler, detail=str(exc)) from None
        cluster = stack.enter_context(
            distributed.LocalCluster(
                n_workers=self.workers, threads_per_worker=1, processes=True, dashboard_address=None
            )
        )
        return stack.enter_context(distributed.Client(cluster))

    def run(
        self, chunks: Iterator[Chunk], config: PipelineSpec, parts_dir: str, fingerprint: str
    ) -> Iterator[ChunkResult]:
        """Process ``chunks`` on the cluster and yield their results as they complete."""
        distributed = _import_distributed()
        first = next(chunks, None)
        if first is None:
            return  # nothing new: no cluster to start or join
        chunks = itertools.chain([first], chunks)
        with contextlib.ExitStack() as stack:
            client = self._client(stack)
            client.run(warm_up, config)
            slots = max(1, len(client.scheduler_info().get("workers", {})) or self.workers) * IN_FLIGHT_PER_WORKER
            running = distributed.as_completed()
            owners: dict[str, Chunk] = {}
            retry: deque[Chunk] = deque()

            def submit(chunk: Chunk) -> None:
                future = client.submit(process_chunk, chunk, config, parts_dir, key=f"zhpipe-{chunk.part}", pure=False)
                owners[future.key] = chunk
                running.add(future)

            def refill() -> None:
                while running.count() < slots:
                    chunk = retry.popleft() if retry else next(chunks, None)
                    if chunk is None:
                        return
                    submit(chunk)

            refill()
            while not running.is_empty():
                future = next(running)
                chunk = owners.pop(future.key)
                try:
                    result: ChunkResult = future.result()
                except PipelineError:
                    raise
                except (OSError, KeyError, ValueError, TypeError, ImportError) as exc:  # the task itself raised
                    raise OutputError(ErrorCode.E510, part=chunk.part, detail=f"{type(exc).__name__}: {exc}") from exc
                except Exception as exc:  # KilledWorker, a lost worker
                    future.release()
                    if len(chunk.tasks) == 1 and chunk.attempt > 0:
                        yield chunk.lost(fingerprint, f"the Dask task failed: {type(exc).__name__}: {exc}")
                    elif len(chunk.tasks) == 1:
                        retry.append(chunk.split()[0])
                    else:
                        retry.extend(chunk.split())
                    refill()
                    continue
                future.release()
                yield result
                refill()
