"""What the per-document pattern budget costs, and what it saves.

1. Overhead: every dates and amounts rule pattern run over news documents through
   :class:`SafePattern` (deadline, per-rule accounting) against the same compiled
   ``regex`` patterns called directly. Reported as a ratio (safe / raw).
2. A catastrophic rule in a batch: an overlay adds ``(?:哈|哈)+$`` (exponential
   backtracking); some documents end in a long run of 哈. With a budget of B seconds
   each such document fails with E206 after about B seconds of processor time, the
   others come out as usual. Reported: failures, and processor time per failed
   document / B (the budget, like the ``regex`` timeout, counts processor time).

    nice python benchmarks/rule_patterns.py --mb 0.3 --budget 0.2
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from newstext import news_documents

from pipeline.core import Pipeline
from pipeline.errors import PipelineError
from pipeline.rulebook.patterns import Deadline, SafePattern, pattern_scope


def safe_patterns(root: object) -> list[SafePattern]:
    """Every :class:`SafePattern` reachable from ``root`` through attributes and containers.

    Walking the objects, rather than naming the attribute each extractor keeps its
    patterns in, keeps the benchmark working when a stage changes how it holds them.
    """
    found: dict[int, SafePattern] = {}
    seen: set[int] = set()
    stack: list[object] = [root]
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, str | bytes | int | float | type):
            continue
        seen.add(id(obj))
        if isinstance(obj, SafePattern):
            found.setdefault(id(obj), obj)
            continue
        if isinstance(obj, dict):
            stack.extend(obj.values())
        elif isinstance(obj, list | tuple | set | frozenset):
            stack.extend(obj)
        elif getattr(type(obj), "__module__", "").startswith("pipeline."):
            stack.extend(getattr(obj, "__dict__", {}).values())
            stack.extend(getattr(obj, name) for name in getattr(type(obj), "__slots__", ()) if hasattr(obj, name))
    return sorted(found.values(), key=lambda p: (p.rule_id or "", p.source))


def overhead(pipe: Pipeline, docs: list[str], repeat: int) -> tuple[float, float, float]:
    """Seconds to run every dates/amounts pattern over ``docs``: raw regex (without, then with a
    timeout, as the stages called it before), then SafePattern."""
    patterns = [p for name in ("dates", "amounts") for p in safe_patterns(pipe.stage(name))]
    if not patterns:
        raise SystemExit("no rule patterns found in the dates and amounts stages")
    best_raw = best_timeout = best_safe = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        raw_count = sum(1 for doc in docs for p in patterns for _m in p.compiled.finditer(doc))
        best_raw = min(best_raw, time.perf_counter() - started)
        started = time.perf_counter()
        sum(1 for doc in docs for p in patterns for _m in p.compiled.finditer(doc, timeout=2.0))
        best_timeout = min(best_timeout, time.perf_counter() - started)
        started = time.perf_counter()
        safe_count = 0
        for doc in docs:
            with pattern_scope(Deadline(60.0, "bench")):
                safe_count += sum(1 for p in patterns for _m in p.finditer(doc))
        best_safe = min(best_safe, time.perf_counter() - started)
        assert raw_count == safe_count
    print(f"patterns: {len(patterns)}, documents: {len(docs)}, matches: {raw_count}")
    return best_raw, best_timeout, best_safe


def catastrophic_batch(docs: list[str], budget: float, every: int) -> None:
    """Process ``docs`` with a catastrophic overlay rule; every ``every``-th document is bait."""
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "dates.yaml").write_text(
            "kind: dates\nrules:\n  - id: bench.catastrophic\n    pattern: '(?:哈|哈)+$'\n", encoding="utf-8"
        )
        pipe = Pipeline.build([folder], pattern_timeout=budget)
        failed: list[float] = []
        ok = 0
        started = time.perf_counter()
        for i, doc in enumerate(docs):
            text = doc + "\n" + "哈" * 60 + "。" if i % every == 0 else doc
            t0 = time.process_time()
            try:
                pipe.process(text, doc_id=f"d{i}", doc_date="2025-11-20")
                ok += 1
            except PipelineError as exc:
                assert exc.code.name == "E206", exc
                failed.append(time.process_time() - t0)
        total = time.perf_counter() - started
    mean_failed = sum(failed) / len(failed) if failed else 0.0
    print(
        f"catastrophic rule: {len(docs)} documents, {ok} processed, {len(failed)} failed with E206; "
        f"processor time per failed document / budget = {mean_failed / budget:.2f}; batch {total:.1f}s wall"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=float, default=0.3, help="megabytes of news text")
    parser.add_argument("--budget", type=float, default=0.2, help="pattern budget per document (seconds)")
    parser.add_argument("--every", type=int, default=10, help="every n-th document is bait")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    docs = news_documents(args.mb)
    pipe = Pipeline.build()
    raw, with_timeout, safe = overhead(pipe, docs, args.repeat)
    print(
        f"pattern matching: raw {raw:.3f}s, raw with timeout {with_timeout:.3f}s, SafePattern {safe:.3f}s; "
        f"ratio SafePattern / raw with timeout = {safe / with_timeout:.3f}"
    )
    started = time.perf_counter()
    for doc in docs:
        pipe.process(doc, doc_date="2025-11-20")
    whole = time.perf_counter() - started
    print(
        f"whole pipeline on the same documents: {whole:.2f}s; "
        f"SafePattern bookkeeping / pipeline = {(safe - with_timeout) / whole:.4f}"
    )
    catastrophic_batch(docs[:200], args.budget, args.every)


if __name__ == "__main__":
    main()
