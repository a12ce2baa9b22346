"""Span recall of AMOUNT mentions on the amount arguments of DuEE-fin and FewFC (dev).

    .venv/bin/python benchmarks/amounts_recall.py [--stages full|amounts] [--misses FILE]

Each gold amount argument (roles in ``amounts_gold``) counts as found under four
criteria, at any of its places (every verbatim occurrence for DuEE-fin, whose
offsets are not gold; the gold span for FewFC), using the mentions' raw offsets:

- ``exact``: an AMOUNT mention has exactly the argument's span;
- ``covers``: an AMOUNT mention contains the whole argument;
- ``core`` (the headline figure): an AMOUNT mention contains the argument's numeric
  core, the stretch from its first to its last numeral character, so that words the
  annotators put around the number (最高价为4.39元, 不超过公司总股本的 2%) do not count
  against a mention of the amount itself;
- ``overlap``: an AMOUNT mention overlaps the argument.

``--stages full`` runs the whole default pipeline (mentions may lose overlaps to
dates or names, as users see them); ``--stages amounts`` runs normalize + amounts +
mentions only.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from amounts_gold import GoldAmount, GoldDoc, load_gold

from pipeline.core import Pipeline

CRITERIA = ("exact", "covers", "core", "overlap")
STAGES = {
    "full": None,
    "amounts": ("normalize", "amounts", "mentions"),
}


def judge(amount: GoldAmount, spans: list[tuple[int, int]]) -> dict[str, bool]:
    """Which criteria the mention spans satisfy for one gold argument."""
    out = dict.fromkeys(CRITERIA, False)
    core = amount.core
    for start, end in amount.places:
        for ms, me in spans:
            if ms == start and me == end:
                out["exact"] = True
            if ms <= start and end <= me:
                out["covers"] = True
            if core is not None and ms <= start + core[0] and start + core[1] <= me:
                out["core"] = True
            if ms < end and start < me:
                out["overlap"] = True
    return out


def amount_spans(pipe: Pipeline, doc: GoldDoc) -> tuple[list[tuple[int, int]], list[tuple[int, int, str, str]]]:
    """Raw spans of the AMOUNT mentions of one document (and text/source for the misses report)."""
    record = pipe.process(doc.text, doc_id=doc.doc_id, doc_date="2020-06-30")
    mentions = [m for m in record.mentions if m.label == "AMOUNT"]
    return [(m.raw_start, m.raw_end) for m in mentions], [(m.raw_start, m.raw_end, m.text, m.source) for m in mentions]


def main() -> None:
    """Run the pipeline over both dev sets and print recall per dataset and role."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stages", choices=sorted(STAGES), default="full")
    parser.add_argument("--misses", type=Path, help="write every argument not found (core criterion) here")
    parser.add_argument("--by-role", action="store_true", help="print a line per role")
    args = parser.parse_args()
    stages = STAGES[args.stages]
    pipe = Pipeline.build(stages=stages) if stages else Pipeline.build()
    docs = load_gold()
    totals: dict[str, Counter[str]] = defaultdict(Counter)
    roles: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    misses: list[str] = []
    started = time.perf_counter()
    for doc in docs:
        if not doc.amounts:
            continue
        spans, described = amount_spans(pipe, doc)
        for amount in doc.amounts:
            verdict = judge(amount, spans)
            for bucket in (totals[amount.dataset], totals["all"], roles[(amount.dataset, amount.role)]):
                bucket["n"] += 1
                bucket.update(k for k, ok in verdict.items() if ok)
            if not verdict["core"]:
                start, end = amount.places[0]
                near = [
                    f"{t}({s.removeprefix('rule:')})" for ms, me, t, s in described if ms < end + 8 and start - 8 < me
                ]
                context = doc.text[max(0, start - 25) : end + 15].replace("\n", " ")
                misses.append(f"{amount.dataset}\t{amount.role}\t{amount.text}\t{' '.join(near) or '-'}\t{context}")
    elapsed = time.perf_counter() - started
    print(f"stages={args.stages}  documents={sum(1 for d in docs if d.amounts)}  {elapsed:.1f}s")
    print(f"{'set':<10}{'n':>6}" + "".join(f"{c:>10}" for c in CRITERIA))
    for name in ("duee_fin", "fewfc", "all"):
        c = totals[name]
        print(f"{name:<10}{c['n']:>6}" + "".join(f"{100 * c[k] / max(1, c['n']):>9.2f}%" for k in CRITERIA))
    if args.by_role:
        for (dataset, role), c in sorted(roles.items()):
            print(f"  {dataset:<9}{role:<14}{c['n']:>5}" + "".join(f"{100 * c[k] / c['n']:>9.1f}%" for k in CRITERIA))
    if args.misses:
        args.misses.write_text("\n".join(misses) + "\n", encoding="utf-8")
        print(f"{len(misses)} misses written to {args.misses}")


if __name__ == "__main__":
    main()
