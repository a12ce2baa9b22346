"""Count the marks between digit runs in the LM's training text, by the runs' lengths.

    python -m pipeline.training.digit_marks        (part of make train-lm)

Writes ``pipeline/repair/digit_marks.json`` for :class:`pipeline.repair.digit_marks.DigitMarkModel`:
every training line of the character LM (:data:`pipeline.training.lm.TRAIN_SOURCES`), in
NFKC form (a full-width mark counts as its ASCII form, ``，`` as ``,``), and each mark
between two ASCII digit runs counted under the runs' shape (:func:`shape_key`).
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from pipeline.repair.digit_marks import BETWEEN_DIGITS, TABLE_FILE, shape_key
from pipeline.training.line_ends import training_documents
from pipeline.training.lm import TRAIN_SOURCES, data_dir


def count_digit_marks(lines: Iterable[str]) -> dict[str, Counter[str]]:
    """Shape key -> mark (NFKC) -> how often it stands between digit runs of that shape in ``lines``."""
    counts: dict[str, Counter[str]] = {}
    for line in lines:
        for m in BETWEEN_DIGITS.finditer(unicodedata.normalize("NFKC", line)):
            counts.setdefault(shape_key(len(m.group(1)), len(m.group(3))), Counter())[m.group(2)] += 1
    return counts


def main(argv: list[str] | None = None) -> None:
    """Count and write the table file."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "repair" / TABLE_FILE)
    parser.add_argument("--data", type=Path, default=None, help="the shared data folder (default ../shared/data)")
    args = parser.parse_args(argv)
    documents = training_documents(args.data or data_dir())
    counts = count_digit_marks(line for _kind, lines in documents for line in lines)
    data = {
        "sources": [f"{name}/{split}:{which}" for name, split, which in TRAIN_SOURCES],
        "counts": {shape: dict(sorted(c.items())) for shape, c in sorted(counts.items())},
    }
    args.out.write_text(json.dumps(data, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {args.out}: {sum(sum(c.values()) for c in counts.values())} marks between digits", file=sys.stderr)


if __name__ == "__main__":
    main()
