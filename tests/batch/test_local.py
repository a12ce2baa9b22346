"""The process-pool engine: every chunk processed, worker errors reported, dead workers handled.

Pools fork workers from a driver that has built the pipeline (Linux, no other thread)
and spawn them otherwise; both must give the same records.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from pipeline.batch import local
from pipeline.batch.local import LocalEngine, start_method
from pipeline.batch.parts import RECORDS
from pipeline.batch.work import Chunk, ChunkResult, PipelineSpec, Task, pipeline_for
from pipeline.errors import OutputError
from pipeline.io.readers import InputItem
from tests.batch.conftest import ARTICLES

FAST = PipelineSpec(stages=("normalize",))


def _chunks(n: int) -> list[Chunk]:
    items = [InputItem(f"s{i}", f"第{i}条：华为发布新手机。", key=f"k{i}", content_hash=f"h{i}") for i in range(n)]
    return [Chunk(f"r000001-{i:07d}", [Task(item)]) for i, item in enumerate(items)]


def test_a_pool_processes_every_chunk(tmp_path: Path) -> None:
    results = list(LocalEngine(2).run(iter(_chunks(5)), FAST, str(tmp_path), "fp"))
    assert sorted(r.part for r in results if r.part) == [c.part for c in _chunks(5)]
    assert all(len(r.done) == 1 and not r.failed for r in results)


def test_a_worker_that_cannot_build_the_pipeline_stops_the_run_with_its_reason(tmp_path: Path) -> None:
    broken = PipelineSpec(stages=("normalize", "no-such-stage"))
    with pytest.raises(OutputError, match=r"\[E510\].*no stage named 'no-such-stage'"):
        list(LocalEngine(2).run(iter(_chunks(3)), broken, str(tmp_path), "fp"))


def test_workers_that_die_at_start_stop_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def dying_pool(self: LocalEngine, config: PipelineSpec) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            2, mp_context=multiprocessing.get_context("spawn"), initializer=os._exit, initargs=(3,)
        )

    monkeypatch.setattr(LocalEngine, "_new_pool", dying_pool)
    with pytest.raises(OutputError, match=r"\[E509\]"):
        list(LocalEngine(2).run(iter(_chunks(8)), FAST, str(tmp_path), "fp"))


def _pipeline_id(config: PipelineSpec) -> int:
    """The identity of the pipeline a worker uses (the same object as the driver's when inherited)."""
    return id(pipeline_for(config))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers are forked only on Linux")
def test_forked_workers_use_the_pipeline_the_driver_built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Forced: threads that earlier tests leave behind (Dask's) would make the engine spawn.
    monkeypatch.setattr(local, "start_method", lambda: "fork")
    pool = LocalEngine(2)._new_pool(FAST)
    try:
        assert pool.submit(_pipeline_id, FAST).result() == id(pipeline_for(FAST))
    finally:
        pool.shutdown()


def test_pools_fork_on_linux_and_spawn_where_forking_is_unsafe(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    assert start_method() == ("fork" if sys.platform.startswith("linux") else "spawn")
    monkeypatch.undo()
    release = threading.Event()
    thread = threading.Thread(target=release.wait)
    thread.start()
    try:
        assert start_method() == "spawn"  # another thread could hold a lock the child needs
    finally:
        release.set()
        thread.join()
    monkeypatch.setattr(sys, "platform", "darwin")
    assert start_method() == "spawn"


def _records_by_part(results: list[ChunkResult], parts_dir: Path) -> dict[str, str]:
    return {r.part: (parts_dir / r.part / RECORDS).read_text(encoding="utf-8") for r in results if r.part}


def test_forked_and_spawned_workers_write_the_same_records(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = PipelineSpec()  # every stage and model: what forked workers inherit must match a fresh build
    items = [InputItem(f"s{i}", text, key=f"k{i}", content_hash=f"h{i}") for i, text in enumerate(ARTICLES)]
    chunks = [Chunk(f"r000001-{i:07d}", [Task(item)]) for i, item in enumerate(items)]
    if sys.platform.startswith("linux"):
        monkeypatch.setattr(local, "start_method", lambda: "fork")
    forked = list(LocalEngine(2).run(iter(chunks), config, str(tmp_path / "fork"), "fp"))
    monkeypatch.setattr(local, "start_method", lambda: "spawn")
    spawned = list(LocalEngine(2).run(iter(chunks), config, str(tmp_path / "spawn"), "fp"))
    by_fork, by_spawn = _records_by_part(forked, tmp_path / "fork"), _records_by_part(spawned, tmp_path / "spawn")
    assert len(by_fork) == len(ARTICLES)
    assert by_fork == by_spawn


class _KillsTheWorker(str):
    """Text that ends the worker process that unpickles it, as a crash in native code would."""

    def __reduce__(self) -> tuple[Any, ...]:
        return (os._exit, (3,))


def test_an_input_that_kills_its_worker_becomes_a_failure_and_the_rest_are_done(tmp_path: Path) -> None:
    items = [InputItem(f"s{i}", f"第{i}条：华为发布新手机。", key=f"k{i}", content_hash=f"h{i}") for i in range(6)]
    items[4] = InputItem("s4", _KillsTheWorker("x"), key="k4", content_hash="h4")
    chunks = [Chunk(f"r000001-{i:07d}", [Task(item) for item in items[i : i + 3]]) for i in (0, 3)]
    results = list(LocalEngine(2).run(iter(chunks), FAST, str(tmp_path), "fp"))
    done = sorted(d.key for r in results for d in r.done)
    failed = [(f.key, f.code) for r in results for f in r.failed]
    assert done == ["k0", "k1", "k2", "k3", "k5"]
    assert failed == [("k4", "E110")]


def test_the_warm_up_loads_the_repair_word_model_before_workers_fork() -> None:
    from pipeline.batch.work import WARM_UP_DAMAGED, warm_up
    from pipeline.repair.lm import default_word_model

    assert "\ufffd" in WARM_UP_DAMAGED  # lost bytes: the repair must weigh guesses with the word model
    pipeline_for.cache_clear()  # a pipeline built by an earlier test holds the model already
    default_word_model.cache_clear()
    warm_up(FAST)
    assert default_word_model.cache_info().currsize == 1
