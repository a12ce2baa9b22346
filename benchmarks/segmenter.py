"""Does the rjieba core (jieba-rs) give jieba's tokens, with the project's lexicon, and how fast?

Both cores get the same words (jieba's dictionary plus ``rules/``: lexicon, gazetteer,
products) and segment the benchmark news text (damaged as in ``throughput.py``).
Agreement is the share of jieba's tokens (word and span) that rjieba also produces,
in HMM mode (the segment stage) and dictionary-only mode (used by the entity stage).
The lexicon check counts lexicon/gazetteer words found in the text that each core
keeps whole. Speed is measured in the same process, best of ``--repeat``.

    nice python benchmarks/segmenter.py --mb 5
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from throughput import damaged_inputs

from pipeline.core import Pipeline
from pipeline.stages.segment import Segmenter, lexicon_words, split_words


def agreement(reference: list[list[tuple[str, int, int]]], other: list[list[tuple[str, int, int]]]) -> tuple[int, int]:
    same = total = 0
    for a, b in zip(reference, other, strict=True):
        theirs = set(map(tuple, b))
        total += len(a)
        same += sum(1 for token in a if tuple(token) in theirs)
    return same, total


def best_time(func, texts: list[str], repeat: int) -> tuple[float, list]:  # type: ignore[no-untyped-def]
    best, out = float("inf"), []
    for _ in range(repeat):
        started = time.perf_counter()
        out = [func(t) for t in texts]
        best = min(best, time.perf_counter() - started)
    return best, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=float, default=5.0)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    inputs, _ = damaged_inputs(args.mb, 0.2)
    pipe = Pipeline.build(stages=["normalize"])
    texts = [pipe.normalize(data).text for data in inputs]  # what the segment stage sees
    rulebook = pipe.rulebook
    words, forget = lexicon_words(rulebook), split_words(rulebook)
    jieba_core, rust_core = Segmenter(words, forget, "jieba"), Segmenter(words, forget, "rjieba")
    jieba_core.tokens("预热"), rust_core.tokens("预热")
    print(f"{len(texts)} documents, {sum(map(len, texts))} characters (normalised)")
    results = {}
    for hmm in (True, False):
        t_ref, ref = best_time(lambda t, h=hmm: jieba_core.spans(t, h), texts, args.repeat)
        t_fast, fast = best_time(lambda t, h=hmm: rust_core.spans(t, h), texts, args.repeat)
        same, total = agreement(ref, fast)
        mode = "HMM" if hmm else "dictionary only"
        print(
            f"{mode:<16} tokens agree {same}/{total} = {100 * same / total:.3f} %  "
            f"jieba {t_ref:.2f} s, rjieba {t_fast:.2f} s, speed-up {t_ref / t_fast:.1f}x"
        )
        results[hmm] = (ref, fast)
    ref, fast = results[True]
    vocabulary = {w for w, _, _ in words if len(w) > 1}
    kept = {"jieba": 0, "rjieba": 0}
    found = 0
    for text, a, b in zip(texts, ref, fast, strict=True):
        present = {w for w in vocabulary if w in text}
        found += len(present)
        kept["jieba"] += len(present & {t[0] for t in a})
        kept["rjieba"] += len(present & {t[0] for t in b})
    print(f"lexicon words present (per document): {found}; kept whole: jieba {kept['jieba']}, rjieba {kept['rjieba']}")


if __name__ == "__main__":
    main()
