"""Peak memory of ``zhpipe run`` against the number of documents (it must not grow with it).

Builds a JSONL feed of N short documents from ../shared/data (sentences of the news
and NER sets, cycled with a counter so every document is distinct), runs
``zhpipe run FEED --out DIR`` in a subprocess, and samples the resident memory of its
whole process tree (driver plus pool workers) every 50 ms from /proc.

    nice python benchmarks/memory.py --docs 10000 100000 --workers 2

Prints, per size: wall time, peak RSS of the driver, of the largest worker, and of
the tree (sum over processes at one instant).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from newstext import iter_documents

PAGE = os.sysconf("SC_PAGE_SIZE")


def write_feed(path: Path, count: int, max_chars: int) -> int:
    """Write ``count`` short documents as JSONL; return the bytes written."""
    base = []
    for text in iter_documents():
        base.append(text[:max_chars])
        if len(base) >= 20000:
            break
    with path.open("w", encoding="utf-8") as fh:
        for i in range(count):
            text = f"{base[i % len(base)]}（{i}）"
            fh.write(json.dumps({"id": f"m{i}", "text": text}, ensure_ascii=False) + "\n")
    return path.stat().st_size


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            return [int(c) for c in fh.read().split()]
    except OSError:
        return []


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1]) * PAGE
    except OSError:
        return 0


def tree(pid: int) -> list[int]:
    """``pid`` and all its descendants."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(_children(p))
    return out


def measure(feed: Path, out: Path, workers: int) -> dict[str, float]:
    command = [sys.executable, "-m", "pipeline", "run", str(feed), "--out", str(out), "--workers", str(workers)]
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak_driver = peak_worker = peak_tree = 0
    while proc.poll() is None:
        pids = tree(proc.pid)
        sizes = {p: _rss(p) for p in pids}
        peak_driver = max(peak_driver, sizes.get(proc.pid, 0))
        peak_worker = max([peak_worker, *(v for p, v in sizes.items() if p != proc.pid)])
        peak_tree = max(peak_tree, sum(sizes.values()))
        time.sleep(0.05)
    _, stderr = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"zhpipe run failed ({proc.returncode}):\n{stderr}")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return {
        "documents": manifest["counts"]["documents"],
        "seconds": round(time.perf_counter() - started, 1),
        "peak_driver_mb": round(peak_driver / 2**20, 1),
        "peak_worker_mb": round(peak_worker / 2**20, 1),
        "peak_tree_mb": round(peak_tree / 2**20, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--max-chars", type=int, default=60, help="Cut documents to this many characters.")
    parser.add_argument("--keep", type=Path, default=None, help="Work in this folder instead of a temporary one.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        print(f"load average {os.getloadavg()}")
        for count in args.docs:
            feed = work / f"feed-{count}.jsonl"
            size = write_feed(feed, count, args.max_chars)
            result = measure(feed, work / f"out-{count}", args.workers)
            print(json.dumps({"input_mb": round(size / 2**20, 1), **result}))


if __name__ == "__main__":
    main()
