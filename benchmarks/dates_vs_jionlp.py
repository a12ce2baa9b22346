"""Throughput of the dates stage against JioNLP's ``extract_time``, on the same news text, in one run.

Both sides get the same documents (``newstext.news_documents``: DuEE-fin, DuEE,
FewFC ... in file order) one at a time, with the same reference time, after a
warm-up call. Ours is the whole dates stage (atoms, compositions, resolution);
JioNLP is ``jio.ner.extract_time(text, time_base=...)``. By default both run on
the whole ``--mb``; ``--jio-mb`` runs JioNLP on the first part only (its rate is
then measured there, and ours is measured on that same part too).

    .venv/bin/pip install -e '.[bench]'          # JioNLP, only for this benchmark
    nice .venv/bin/python benchmarks/dates_vs_jionlp.py --mb 1
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from newstext import news_documents

from pipeline.dates.extractor import DateExtractor
from pipeline.rulebook.loader import load_rulebook

REFERENCE = datetime(2025, 11, 20, 10, 0, 0)


def size_mb(docs: list[str]) -> float:
    """UTF-8 size of the documents in MB."""
    return sum(len(d.encode("utf-8")) + 1 for d in docs) / (1024 * 1024)


def take(docs: list[str], megabytes: float) -> list[str]:
    """The first documents adding up to ``megabytes``."""
    out: list[str] = []
    for doc in docs:
        if out and size_mb(out) >= megabytes:
            break
        out.append(doc)
    return out


def run_ours(extractor: DateExtractor, docs: list[str]) -> tuple[float, int]:
    """Seconds and expressions found by the dates stage."""
    found = 0
    start = time.perf_counter()
    for doc in docs:
        found += len(extractor.find(doc, REFERENCE))
    return time.perf_counter() - start, found


def run_jionlp(docs: list[str]) -> tuple[float, int]:
    """Seconds and expressions found by JioNLP's extract_time."""
    with contextlib.redirect_stdout(io.StringIO()):
        import jionlp as jio
    base = time.mktime(REFERENCE.timetuple())
    jio.ner.extract_time("2025年11月20日上午10点", time_base=base)  # warm-up: loads its tables
    found = 0
    # JioNLP prints a traceback for every expression it cannot parse; keep the report readable.
    with contextlib.redirect_stderr(io.StringIO()):
        start = time.perf_counter()
        for doc in docs:
            found += len(jio.ner.extract_time(doc, time_base=base))
        elapsed = time.perf_counter() - start
    return elapsed, found


def main() -> None:
    """Time both on the same text and print the figures (and write them as JSON on request)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=float, default=1.0, help="news text for the dates stage (MB)")
    parser.add_argument("--jio-mb", type=float, default=None, help="part of it JioNLP runs on (MB; default all)")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()

    docs = news_documents(args.mb)
    subset = take(docs, args.jio_mb) if args.jio_mb is not None else docs
    extractor = DateExtractor.from_rulebook(load_rulebook())
    extractor.find(docs[0], REFERENCE)  # warm-up (compiles nothing more, but fair)

    ours_all_s, ours_all_n = run_ours(extractor, docs)
    ours_sub_s, ours_sub_n = run_ours(extractor, subset)
    jio_s, jio_n = run_jionlp(subset)

    all_mb, sub_mb = size_mb(docs), size_mb(subset)
    figures = {
        "text_mb": round(all_mb, 3),
        "subset_mb": round(sub_mb, 3),
        "documents": len(docs),
        "subset_documents": len(subset),
        "ours_mb_per_s_full": round(all_mb / ours_all_s, 4),
        "ours_mb_per_s_subset": round(sub_mb / ours_sub_s, 4),
        "jionlp_mb_per_s_subset": round(sub_mb / jio_s, 4),
        "speedup_subset": round(jio_s / ours_sub_s, 2),
        "speedup_vs_full_rate": round((all_mb / ours_all_s) / (sub_mb / jio_s), 2),
        "ours_expressions_full": ours_all_n,
        "ours_expressions_subset": ours_sub_n,
        "jionlp_expressions_subset": jio_n,
        "jionlp_seconds_scaled_to_full": round(jio_s * all_mb / sub_mb, 1),
    }
    print(f"dates stage : {all_mb:.2f} MB ({len(docs)} docs) in {ours_all_s:.2f}s = {all_mb / ours_all_s:.3f} MB/s")
    print(f"dates stage : {sub_mb:.2f} MB subset in {ours_sub_s:.2f}s = {sub_mb / ours_sub_s:.3f} MB/s")
    print(
        f"JioNLP      : {sub_mb:.2f} MB subset in {jio_s:.2f}s = {sub_mb / jio_s:.3f} MB/s "
        f"(~{figures['jionlp_seconds_scaled_to_full']}s for the whole {all_mb:.2f} MB, scaled)"
    )
    print(
        f"speed-up    : {figures['speedup_subset']}x on the same text; "
        f"{figures['speedup_vs_full_rate']}x at the full-text rate"
    )
    print(f"expressions : ours {ours_sub_n}, JioNLP {jio_n} on the subset")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
