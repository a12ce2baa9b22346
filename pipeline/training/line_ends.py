"""Count how the LM's training lines end, apart for news articles and lone sentences.

    python -m pipeline.training.line_ends        (part of make train-lm)

Writes ``pipeline/repair/line_ends.json`` for :class:`pipeline.repair.line_ends.LineEndModel`:
the last character of every training line of the character LM (:data:`TRAIN_SOURCES`),
counted apart for the DuEE-fin documents (articles: paragraphs, titles, list items) and
the sentence sets (one sentence or a cut piece of one per line), and for an article's
lines before a first list item and before a later one; and how many lines of each kind
start a list item.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from pipeline.repair.line_ends import (
    ARTICLE,
    FIRST_ITEM,
    FIRST_NUMBERS,
    KINDS,
    LATER_ITEM,
    LIST_ITEM,
    SENTENCE,
    TABLE_FILE,
)
from pipeline.training.lm import TRAIN_SOURCES, data_dir

ARTICLE_SETS = frozenset({"duee_fin"})  # the sets whose records are whole documents


def training_documents(root: Path) -> Iterator[tuple[str, list[str]]]:
    """(kind, non-empty lines) of every training record, as the LM's trainer reads them."""
    for name, split, which in TRAIN_SOURCES:
        path = root / name / split
        if not path.exists():
            print(f"warning: {path} missing, skipped", file=sys.stderr)
            continue
        kind = ARTICLE if name in ARTICLE_SETS else SENTENCE
        with path.open(encoding="utf-8") as fh:
            for i, line in enumerate(fh):
                if which == "odd" and i % 2 == 0:
                    continue
                text = json.loads(line)["text"]
                yield kind, [part.rstrip() for part in text.split("\n") if part.strip()]


def count_line_ends(documents: Iterator[tuple[str, list[str]]]) -> tuple[dict[str, Counter[str]], Counter[str]]:
    """The last characters of the lines, per kind (see the module docstring), and the lines that start a list item."""
    counts: dict[str, Counter[str]] = {kind: Counter() for kind in KINDS}
    item_lines: Counter[str] = Counter({ARTICLE: 0, SENTENCE: 0})
    for kind, lines in documents:
        for k, line in enumerate(lines):
            counts[kind][line[-1]] += 1
            item_lines[kind] += LIST_ITEM.match(line) is not None
            if kind == ARTICLE and k + 1 < len(lines):
                item = LIST_ITEM.match(lines[k + 1])
                if item is not None:
                    counts[FIRST_ITEM if item.group(1) in FIRST_NUMBERS else LATER_ITEM][line[-1]] += 1
    return counts, item_lines


def main(argv: list[str] | None = None) -> None:
    """Count and write the table file."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "repair" / TABLE_FILE)
    parser.add_argument("--data", type=Path, default=None, help="the shared data folder (default ../shared/data)")
    args = parser.parse_args(argv)
    counts, item_lines = count_line_ends(training_documents(args.data or data_dir()))
    data = {
        "item_lines": dict(item_lines),
        "sources": [f"{name}/{split}:{which}" for name, split, which in TRAIN_SOURCES],
        "totals": {kind: sum(c.values()) for kind, c in counts.items()},
        "counts": {kind: dict(sorted(c.items())) for kind, c in counts.items()},
    }
    args.out.write_text(json.dumps(data, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {args.out}: {data['totals']}", file=sys.stderr)


if __name__ == "__main__":
    main()
