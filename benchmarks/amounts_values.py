"""Value agreement on hand-checked gold amounts (DuEE-fin and FewFC dev).

Two steps:

    # 1. draw the sample (fixed seed) and write a template to fill in by hand
    .venv/bin/python benchmarks/amounts_values.py sample --n 100 --seed 2025 --out /tmp/sample.jsonl
    # 2. compare the pipeline with the hand-checked values
    .venv/bin/python benchmarks/amounts_values.py check tests/cases/amounts_hand_checked.jsonl

``tests/cases/amounts_hand_checked.jsonl`` is ``sample --n 100 --seed 2025``; the
rules were then tuned on what it showed. ``amounts_hand_checked_heldout.jsonl`` is
the first 50 of ``sample --n 60 --seed 7`` not in the first file, checked by hand
after that tuning, so its figure says how well the rules carry over.

Each case holds an excerpt of its document (``context``, the argument at
``start``..``end``), where it comes from, and the ``expected`` value written by a
person who read the excerpt: kind, value, low, high, currency, qualifier (and unit
where it matters). ``expected: null`` means the argument is not an amount (an
annotation error such as 近日). The pipeline agrees with a case when the AMOUNT
mention that covers the argument's number has every expected field.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from amounts_gold import load_gold

from pipeline.core import Pipeline

SOURCES = {
    "duee_fin": "DuEE-fin dev (../shared/data/duee_fin/dev.jsonl)",
    "fewfc": "FewFC dev (../shared/data/fewfc/dev.jsonl)",
}
CONTEXT = 40


def draw(n: int, seed: int) -> list[dict[str, Any]]:
    """``n`` gold amount arguments drawn with ``seed``, each with an excerpt of its document."""
    pool = [(doc, amount) for doc in load_gold() for amount in doc.amounts]
    picked = random.Random(seed).sample(pool, n)
    out = []
    for doc, amount in picked:
        start, end = amount.places[0]
        lo, hi = max(0, start - CONTEXT), min(len(doc.text), end + CONTEXT)
        out.append(
            {
                "source": SOURCES[amount.dataset],
                "doc_id": amount.doc_id,
                "role": amount.role,
                "argument": amount.text,
                "context": doc.text[lo:hi],
                "start": start - lo,
                "end": end - lo,
                "expected": None,
            }
        )
    return out


def mention_for(pipe: Pipeline, case: dict[str, Any]) -> dict[str, Any] | None:
    """The value of the AMOUNT mention covering the case's number (None when there is none)."""
    context, start, end = case["context"], case["start"], case["end"]
    doc = pipe.process(context, doc_id="case", doc_date="2020-06-30")
    argument = context[start:end]
    digits = [
        i
        for i, ch in enumerate(argument)
        if ch.isdigit() or ch in "〇零一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟"
    ]
    core = (start + digits[0], start + digits[-1] + 1) if digits else (start, end)
    for m in doc.mentions:
        if m.label == "AMOUNT" and m.raw_start <= core[0] and core[1] <= m.raw_end and m.value is not None:
            return dict(m.value.to_dict(), text=m.text)
    return None


def disagreement(expected: dict[str, Any] | None, got: dict[str, Any] | None) -> str | None:
    """What differs between the hand-checked value and the pipeline's (None: they agree)."""
    if expected is None:
        return None if got is None else f"not an amount, got {got['text']!r}"
    if got is None:
        return "no AMOUNT mention covers it"
    wrong = [f"{k}: expected {v!r}, got {got.get(k)!r}" for k, v in expected.items() if got.get(k) != v]
    return "; ".join(wrong) or None


def check(path: Path, verbose: bool) -> tuple[int, int]:
    """Compare the pipeline with every case of ``path``; return (agreeing, total)."""
    pipe = Pipeline.build(stages=("normalize", "amounts", "mentions"))
    cases = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    agree = 0
    for case in cases:
        got = mention_for(pipe, case)
        problem = disagreement(case["expected"], got)
        if problem is None:
            agree += 1
        elif verbose:
            known = f" (known: {case['xfail']})" if case.get("xfail") else ""
            print(f"DIFF {case['argument']!r} [{case['role']}] {problem}{known}\n     {case['context']!r}")
    return agree, len(cases)


def main() -> None:
    """Draw a sample, or check a hand-checked case file."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("sample", help="draw gold amount arguments and write a template")
    s.add_argument("--n", type=int, default=100)
    s.add_argument("--seed", type=int, default=2025)
    s.add_argument("--out", type=Path, required=True)
    c = sub.add_parser("check", help="compare the pipeline with a hand-checked case file")
    c.add_argument("cases", type=Path)
    c.add_argument("-q", "--quiet", action="store_true")
    args = parser.parse_args()
    if args.command == "sample":
        rows = draw(args.n, args.seed)
        args.out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        print(f"{len(rows)} cases written to {args.out}")
    else:
        agree, total = check(args.cases, not args.quiet)
        print(f"value agreement: {agree}/{total} = {100 * agree / max(1, total):.1f}%")


if __name__ == "__main__":
    main()
