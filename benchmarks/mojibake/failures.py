"""Print the first differences of each document the normaliser fails to restore, grouped by a guessed cause.

    python benchmarks/mojibake/failures.py --kinds pinyin_traditional --part tuning --docs 100

Uses the same documents and damage as ``run.py``. A document that no repair can restore
(``pipeline.corrupt.unrecoverable_positions``, judged on the document as written, before
``fold``: a character the converter loses, a variant merged by the conversion table, a
digit swallowed into ``?``) is tagged ``unrecoverable`` with the characters lost; one
whose output the same damage turns into the same damaged text
(``pipeline.corrupt.explains_damage``: a wrong choice where the bytes allow several) is
tagged ``same-damage``. Each difference is tagged:

* ``outside-gbk``: the clean text has a character GBK cannot encode there (lost by the
  converter before any repair can see it);
* ``t2s``: the output holds another Simplified reading of the same Traditional
  character (著/着, 乾/干 ...);
* ``other``: anything else (a wrong byte-level guess, an annotation left in ...).
"""

from __future__ import annotations

import argparse
import difflib
import random
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import clean_documents, fold

from pipeline.corrupt import SCOPES, corrupt, explains_damage, to_traditional_by_char, unrecoverable_positions
from pipeline.repair.t2s import to_simplified


def _cause(want: str, got: str) -> str:
    """A guess at why ``want`` came out as ``got``."""
    try:
        want.encode("gbk")
    except UnicodeEncodeError:
        return "outside-gbk"
    if (
        len(want) == len(got)
        and want
        and all(
            to_traditional_by_char(a) == to_traditional_by_char(b) or to_simplified(to_traditional_by_char(a)) == b
            for a, b in zip(want, got, strict=True)
        )
    ):
        return "t2s"
    return "other"


def differences(want: str, got: str, context: int = 8, limit: int = 4) -> list[tuple[str, str]]:
    """The first ``limit`` differences: (cause, readable description)."""
    out = []
    ops = difflib.SequenceMatcher(None, want, got, autojunk=False).get_opcodes()
    for tag, i1, i2, j1, j2 in ops:
        if tag == "equal":
            continue
        cause = _cause(want[i1:i2], got[j1:j2])
        left = want[max(0, i1 - context) : i1]
        right = want[i2 : i2 + context]
        out.append((cause, f"{tag}: {left!r}[{want[i1:i2]!r} -> {got[j1:j2]!r}]{right!r}"))
        if len(out) == limit:
            break
    return out


def main() -> None:
    """Run the normaliser on the benchmark's documents and print what differs."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=100)
    parser.add_argument("--kinds", default="pinyin_traditional")
    parser.add_argument("--scopes", default=",".join(SCOPES))
    parser.add_argument("--part", choices=("benchmark", "tuning"), default="tuning")
    parser.add_argument("--damaged", action="store_true", help="print the damaged text around each difference too")
    args = parser.parse_args()

    from pipeline.core import Pipeline

    normalizer = Pipeline.build(stages=["normalize"]).normalizer()
    simplified, _, _ = clean_documents(n_articles=max(args.docs, 50), n_pseudo=max(args.docs // 2, 25), part=args.part)
    random.Random(5).shuffle(simplified)
    causes: Counter[str] = Counter()
    for kind in args.kinds.split(","):
        for scope in args.scopes.split(","):
            for i, doc in enumerate(simplified[: args.docs]):
                damaged = corrupt(doc, kind, scope, seed=i)
                want = fold(doc)
                got = normalizer(damaged.text, simplify=True).text
                if got == want:
                    continue
                diffs = differences(want, got)
                doc_causes = sorted({c for c, _ in diffs})
                # On the document as written: fold() would hide a lost U+00A0 or full-width digit.
                lost = unrecoverable_positions(doc, kind, scope, seed=i)
                tag = f"unrecoverable: {' '.join(repr(doc[j]) for j in lost)}; " if lost else ""
                if explains_damage(doc, got, kind, scope, seed=i):
                    doc_causes.insert(0, "same-damage")
                causes[("unrecoverable+" if lost else "") + "+".join(doc_causes)] += 1
                print(f"== {kind} {scope} doc {i} ({tag}{', '.join(doc_causes)})")
                for cause, text in diffs:
                    print(f"   {cause:11s} {text}")
                if args.damaged:
                    print(f"   damaged: {_around(damaged.text, want, got)!r}")
    print("failed documents by causes:", dict(causes))


def _around(damaged: str, want: str, got: str, width: int = 40) -> str:
    """The damaged text near the first difference (located by the clean text before it)."""
    for tag, i1, _, _, _ in difflib.SequenceMatcher(None, want, got, autojunk=False).get_opcodes():
        if tag != "equal":
            anchor = to_traditional_by_char(want[max(0, i1 - 4) : i1])
            k = damaged.find(anchor) if anchor else 0
            if k < 0:
                k = max(0, int(i1 * len(damaged) / max(1, len(want))) - width // 2)
            return damaged[max(0, k - 10) : k + width]
    return ""


if __name__ == "__main__":
    main()
