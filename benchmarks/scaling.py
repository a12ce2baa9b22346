"""Scaling of ``zhpipe run`` with the number of worker processes (target: 2 workers >= 1.7x one).

Writes the benchmark news text (``newstext.news_documents``) as a folder of article
files, then runs ``zhpipe run FOLDER --out DIR --workers N --force`` for each N, in a
fresh output folder each time, ``--repeat`` times, alternating N, and keeps the best
wall time of each. Two figures per N:

* ``wall``: the whole command, start-up (imports, building the pipeline in every
  worker) and compaction included;
* ``steady``: inputs per second from the first finished chunk to the last (the
  run's ``steady_inputs / steady_seconds`` in ``manifest.json``), the part that grows
  with the input.

Where the rest of the wall time goes is printed per run (from the run's row in the
state database): ``launch`` (interpreter and command imports, before the run starts),
``startup`` (from the start of the run until the first chunk begins in a worker:
planning, starting the workers, building and warming their pipelines) and ``compact``
(writing the outputs from the parts at the end).

The machine must be quiet: the load average is printed before and after. The CPU
time of each run (driver and workers) is printed too: on a busy machine the wall times
say little, but the CPU ratio still shows what running in parallel costs in extra work.

    nice python benchmarks/scaling.py --mb 5 --workers 1 2 --repeat 3
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from newstext import news_documents


def write_folder(folder: Path, megabytes: float) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    docs = news_documents(megabytes)
    for i, text in enumerate(docs):
        (folder / f"{i:05d}.txt").write_text(text, encoding="utf-8")
    return len(docs)


def run_once(folder: Path, out: Path, workers: int, chunk: int) -> dict[str, float]:
    shutil.rmtree(out, ignore_errors=True)
    command = [sys.executable, "-m", "pipeline", "run", str(folder), "--out", str(out)]
    command += ["--workers", str(workers), "--chunk-size", str(chunk), "--format", "parquet"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    # The run's final figures (the manifest is written before the compaction is timed).
    with contextlib.closing(sqlite3.connect(out / "state.sqlite3")) as db:
        (counts,) = db.execute("SELECT counts FROM runs ORDER BY run_id DESC LIMIT 1").fetchone()
    run = json.loads(counts)
    steady = run["steady_inputs"] / run["steady_seconds"] if run["steady_seconds"] else 0.0
    return {
        "wall": round(wall, 2),
        "launch": round(wall - run["seconds"], 2),
        "startup": run["startup_seconds"],
        "compact": run["compact_seconds"],
        "cpu": round(cpu, 2),  # driver and workers together: what parallelism costs in extra work
        "documents": manifest["counts"]["documents"],
        "steady_docs_per_s": round(steady, 2),
        "chunk_cpu": run["chunk_cpu_seconds"],  # CPU inside process_chunk, summed over workers
        "driver_cpu": run["driver_cpu_seconds"],  # the driver process (in-process chunks included)
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=float, default=5.0)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--chunk-size", type=int, default=64)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "news"
        count = write_folder(folder, args.mb)
        print(f"{count} articles, {args.mb} MB; load average before {os.getloadavg()}")
        best: dict[int, float] = {}
        steady: dict[int, float] = {}
        cpu: dict[int, float] = {}
        for round_ in range(args.repeat):
            for workers in args.workers:
                result = run_once(folder, Path(tmp) / f"out-{workers}", workers, args.chunk_size)
                best[workers] = min(best.get(workers, float("inf")), result["wall"])
                steady[workers] = max(steady.get(workers, 0.0), result["steady_docs_per_s"])
                cpu[workers] = min(cpu.get(workers, float("inf")), result["cpu"])
                print(json.dumps({"round": round_, "workers": workers, **result, "load": os.getloadavg()[0]}))
        base = min(best)
        for workers in sorted(best):
            print(
                f"workers {workers}: best wall {best[workers]:.1f} s (speed-up {best[base] / best[workers]:.2f}x), "
                f"steady {steady[workers]:.1f} docs/s (speed-up {steady[workers] / steady[base]:.2f}x), "
                f"CPU {cpu[workers]:.1f} s ({cpu[workers] / cpu[base]:.2f}x the CPU of {base} worker)"
            )
        print(f"load average after {os.getloadavg()}")


if __name__ == "__main__":
    main()
