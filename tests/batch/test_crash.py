"""kill -9 in the middle of a real ``zhpipe run``, then run again: every input exactly once."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import SEED

ZHPIPE = [sys.executable, "-m", "pipeline"]


def _inputs(folder: Path, count: int) -> list[Path]:
    """Articles big enough that a run takes a few seconds (the seed article, each one changed)."""
    folder.mkdir()
    text = SEED.read_text(encoding="utf-8")[:6000]
    paths = []
    for i in range(count):
        path = folder / f"doc{i:02d}.txt"
        path.write_text(f"第{i}篇。\n{text}", encoding="utf-8")
        paths.append(path)
    return paths


def _committed_inputs(out: Path) -> int:
    """Inputs the run's driver has committed as done in the state database.

    A part folder on disk is not yet committed: with a pool, a worker writes it and the
    driver commits it afterwards, so a part written just before the driver dies is an
    orphan the next run removes. Only the database says what a killed run kept.
    """
    database = out / "state.sqlite3"
    if not database.exists():
        return 0
    try:
        with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=1)) as conn:
            (count,) = conn.execute("SELECT COUNT(*) FROM inputs WHERE status = 'done'").fetchone()
    except sqlite3.Error:  # created but not yet given its schema, or busy for a moment
        return 0
    return int(count)


@pytest.mark.parametrize(
    ("workers", "kill_group"),
    [("1", True), ("2", False)],
    ids=["one-worker", "pool-driver-only"],
)
def test_sigkill_mid_run_then_rerun_gives_each_input_once(tmp_path: Path, workers: str, kill_group: bool) -> None:
    paths = _inputs(tmp_path / "in", 8)
    out = tmp_path / "out"
    command = [*ZHPIPE, "run", str(tmp_path / "in"), "--out", str(out), "--workers", workers, "--chunk-size", "1"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 120
    while _committed_inputs(out) < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proc.poll() is None, "the run ended before it could be killed"
    if kill_group:
        os.killpg(proc.pid, signal.SIGKILL)
    else:
        proc.send_signal(signal.SIGKILL)  # the pool's workers are orphaned and may still commit parts
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert not (out / "manifest.json").exists()
    if not kill_group:
        time.sleep(1.0)  # let orphaned workers finish the chunk they hold

    rerun = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert rerun.returncode == 0, rerun.stderr
    records = [json.loads(line) for line in (out / "documents.jsonl").read_text(encoding="utf-8").splitlines()]
    assert Counter(r["source"] for r in records) == Counter(str(p) for p in paths)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["documents"] == len(paths)
    assert manifest["run"]["processed"] < len(paths)  # the killed run's committed work was kept
    if kill_group:
        # With the whole group killed nothing else commits, so the rerun has work left; an
        # orphaned pool may instead finish every queued chunk before the rerun (a loaded machine).
        assert manifest["run"]["processed"] > 0
    import pandas as pd

    doc_ids = {r["doc_id"] for r in records}
    mentions = pd.read_parquet(out / "mentions.parquet")
    assert set(mentions["doc_id"]) == doc_ids
    assert not mentions.duplicated(["doc_id", "mention_id"]).any()
    assert len(mentions) == sum(len(r["mentions"]) for r in records)
    if not kill_group and _group_alive(proc.pid):
        os.killpg(proc.pid, signal.SIGKILL)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True
