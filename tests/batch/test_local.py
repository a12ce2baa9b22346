"""The process-pool engine: every chunk processed, worker errors reported, dead workers handled."""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from pipeline.batch.local import LocalEngine
from pipeline.batch.work import Chunk, PipelineSpec, Task
from pipeline.errors import OutputError
from pipeline.io.readers import InputItem

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
