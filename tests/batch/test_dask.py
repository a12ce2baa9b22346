"""The Dask engine on a real LocalCluster gives the same records as the local engine."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.batch import RunOptions, run_batch

distributed = pytest.importorskip("distributed")


def _records(out: Path) -> list[dict]:
    lines = (out / "documents.jsonl").read_text(encoding="utf-8").splitlines()
    return sorted((json.loads(line) for line in lines), key=lambda r: r["source"])


def test_dask_local_cluster_matches_the_local_engine(news_dir: Path, tmp_path: Path) -> None:
    local_out, dask_out = tmp_path / "local", tmp_path / "dask"
    local = run_batch(RunOptions(inputs=[str(news_dir)], out_dir=local_out, workers=1, chunk_docs=3))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        dask = run_batch(
            RunOptions(
                inputs=[str(news_dir)],
                out_dir=dask_out,
                workers=2,
                engine="dask",
                scheduler=cluster.scheduler_address,
                chunk_docs=3,
            )
        )
        workers_used = {w for w in cluster.scheduler_info["workers"]}
    assert len(workers_used) == 2
    assert _records(local_out) == _records(dask_out)
    assert local.manifest["counts"] == dask.manifest["counts"]
    assert dask.manifest["engine"]["name"] == "dask"
    assert (local_out / "failures.jsonl").read_text() == (dask_out / "failures.jsonl").read_text()
    parquet_parts = sorted((dask_out / "parts").glob("*/mentions.parquet"))
    assert len(parquet_parts) > 1
    assert (dask_out / "mentions.parquet").read_bytes()[:4] == b"PAR1"

    # Incremental on Dask too: nothing new, nothing sent.
    again = run_batch(RunOptions(inputs=[str(news_dir)], out_dir=dask_out, workers=1, engine="dask", chunk_docs=3))
    assert again.stats.processed == 0


def test_local_engine_does_not_import_dask(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("海尔智家宣布收购一家欧洲家电企业。", encoding="utf-8")
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from pipeline.batch import RunOptions, run_batch\n"
        f"run_batch(RunOptions(inputs=[{str(tmp_path / 'a.txt')!r}], out_dir=Path({str(tmp_path / 'out')!r})))\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300)
    assert result.stdout.strip() == "[]"
