"""Build the benchmark news text from ../shared/data, deterministically.

Every benchmark that compares stages with a reference (jieba.lcut, JioNLP, ftfy) uses
this text, so their figures are about the same input. Documents are taken in file
order from the financial and news sets, deduplicated, until the size is reached.

    python benchmarks/newstext.py --mb 1 --out /tmp/news_1mb.txt
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
# News first (whole documents), then sentence sets; MSRA last (1990s newswire).
SOURCES = [
    ("duee_fin", "dev.jsonl"),
    ("duee1.0", "train.jsonl"),
    ("fewfc", "train.jsonl"),
    ("cluener2020", "train.jsonl"),
    ("duee1.0", "dev.jsonl"),
    ("fewfc", "dev.jsonl"),
    ("msra_ner", "train.jsonl"),
]


def data_dir() -> Path:
    """The shared data folder (next to the checkout, as in CI)."""
    for candidate in (DATA, Path("../shared/data").resolve(), Path("/work/shared/data")):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("../shared/data not found")


def iter_documents() -> Iterator[str]:
    """Texts of every source in order, each once."""
    seen: set[str] = set()
    root = data_dir()
    for name, split in SOURCES:
        path = root / name / split
        if not path.exists():
            continue
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                text = json.loads(line)["text"].strip()
                if text and text not in seen:
                    seen.add(text)
                    yield text


def news_documents(megabytes: float) -> list[str]:
    """Documents whose UTF-8 size adds up to at least ``megabytes`` MB."""
    limit = int(megabytes * 1024 * 1024)
    out: list[str] = []
    size = 0
    for text in iter_documents():
        out.append(text)
        size += len(text.encode("utf-8")) + 1
        if size >= limit:
            return out
    raise ValueError(f"the shared data holds only {size} bytes, fewer than {limit}")


def news_text(megabytes: float) -> str:
    """The benchmark text: documents joined by newlines."""
    return "\n".join(news_documents(megabytes))


def main() -> None:
    """Write the benchmark text to a file."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=float, default=1.0)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    args.out.write_text(news_text(args.mb), encoding="utf-8")


if __name__ == "__main__":
    main()
