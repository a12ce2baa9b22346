"""Gazetteer matching at scale: does the Aho-Corasick automaton stay fast at 10^5 entries?

Builds the real gazetteer (a few hundred entries) and a synthetic one of 10^5
entries (random two- to six-character Chinese stems plus organisation endings, each
with an alias; the real entries are kept inside it), then matches both over the
benchmark news text in the same process. Reports build time, characters per second,
and the ratio of the two speeds (1.0 = size costs nothing). A naive loop of
``str.find`` per alias over 10^3 entries is the reference that shows why an automaton.

    python benchmarks/gazetteer_scale.py --mb 0.5 --entries 100000
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from newstext import news_text

from pipeline.rulebook.loader import load_rulebook
from pipeline.rulebook.schemas.entities import GazetteerEntry, GazetteerFile
from pipeline.stages.entities import Gazetteer, TokenIndex
from pipeline.stages.segment import Segmenter, lexicon_words, split_words

ENDINGS = ["科技", "集团", "银行", "证券", "资本", "创投", "研究院", "控股", "传媒", "医药", "新能源", "智能"]
# Common name characters (a realistic alphabet makes realistic partial matches).
ALPHABET = "华中国天海新东金龙盛泰恒达安信和联合宏兴隆瑞祥明光远大正通宝利富德源昌嘉豪鑫创智云星辰"


def synthetic_gazetteer(real: GazetteerFile, size: int, seed: int = 0) -> GazetteerFile:
    """``size`` entries: the real ones plus random names, each with one alias."""
    rng = random.Random(seed)
    entries = list(real.entries)
    seen = {e.name for e in entries}
    while len(entries) < size:
        stem = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(2, 6)))
        name = stem + rng.choice(ENDINGS)
        if name in seen:
            continue
        seen.add(name)
        entries.append(GazetteerEntry(name=name, aliases=[stem + "公司"], type="company"))
    return GazetteerFile(kind="gazetteer", entries=entries, ambiguous=list(real.ambiguous))


def time_matching(gazetteer: Gazetteer, text: str, index: TokenIndex, repeat: int) -> tuple[float, int]:
    """Best time of ``repeat`` runs and the number of hits."""
    best = float("inf")
    hits = 0
    for _ in range(repeat):
        started = time.perf_counter()
        hits = len(gazetteer.find(text, index))
        best = min(best, time.perf_counter() - started)
    return best, hits


def naive_find(aliases: list[str], text: str) -> int:
    """The reference: one ``str.find`` scan per alias."""
    hits = 0
    for alias in aliases:
        pos = text.find(alias)
        while pos >= 0:
            hits += 1
            pos = text.find(alias, pos + 1)
    return hits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=0.5)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    text = news_text(args.mb)
    rulebook = load_rulebook([])
    real = rulebook.get("gazetteer")
    assert isinstance(real, GazetteerFile)
    tokens = Segmenter(lexicon_words(rulebook), split_words(rulebook)).tokens(text)
    index = TokenIndex.build(tokens)

    started = time.perf_counter()
    small = Gazetteer(real)
    small_build = time.perf_counter() - started
    synthetic = synthetic_gazetteer(real, args.entries)
    started = time.perf_counter()
    large = Gazetteer(synthetic)
    large_build = time.perf_counter() - started

    small_time, small_hits = time_matching(small, text, index, args.repeat)
    large_time, large_hits = time_matching(large, text, index, args.repeat)

    aliases = [a for e in synthetic.entries[:1000] for a in (e.name, *e.aliases)]
    started = time.perf_counter()
    naive_find(aliases, text)
    naive_time = time.perf_counter() - started

    chars = len(text)
    report = {
        "text_chars": chars,
        "real_entries": len(real.entries),
        "synthetic_entries": len(synthetic.entries),
        "synthetic_aliases": sum(1 + len(e.aliases) for e in synthetic.entries),
        "build_seconds": {"real": round(small_build, 3), "synthetic": round(large_build, 3)},
        "chars_per_second": {"real": round(chars / small_time), "synthetic": round(chars / large_time)},
        "hits": {"real": small_hits, "synthetic": large_hits},
        "synthetic_vs_real_speed": round(small_time / large_time, 3),
        "naive_find_1000_entries_chars_per_second": round(chars / naive_time),
        "automaton_100x_entries_vs_naive_speedup": round(naive_time / large_time, 1),
    }
    print(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
