"""Throughput and recall of the amounts extractor against JioNLP's ``extract_money``.

    .venv/bin/pip install -e '.[bench]'      # JioNLP (only needed here)
    nice .venv/bin/python benchmarks/amounts_vs_jionlp.py [--mb 1] [--rounds 5]

Throughput: both tools read the same documents, the >= 1 MB news text of the dates
benchmark (``newstext.news_documents(mb)``; joined by newlines it is ``news_text``),
one call per document, in the same process. Rounds alternate between the tools and
the best round of each counts, in CPU seconds of the process (the machine is
shared). Ours is :class:`pipeline.amounts.AmountExtractor` on the raw document
(JioNLP also reads raw text); a second line adds the normaliser in front of it.
JioNLP runs with ``with_parsing=True`` (it then computes values too, as we do).
Both are warmed up first (JioNLP loads its dictionaries on the first call).

Recall: on the gold arguments of DuEE-fin and FewFC dev (``amounts_gold``), both
tools run on each document; an argument is found when one of the tool's spans
covers its numeric core (the ``core`` criterion of ``amounts_recall.py``). JioNLP
only extracts money, so the comparison that matters is on the money roles; the line
over every amount role is given for completeness.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from amounts_gold import MONEY_ROLES, GoldAmount, load_gold
from newstext import news_documents

from pipeline.core import Pipeline
from pipeline.stages.amounts import extractor_from_rulebook

Spans = Callable[[str], list[tuple[int, int]]]


def jionlp_spans() -> Spans:
    """JioNLP's extract_money as a span function (imported here: it is an optional extra)."""
    try:
        import jionlp
    except ImportError:  # pragma: no cover - depends on the environment
        sys.exit("JioNLP is not installed: pip install -e '.[bench]'")

    def spans(text: str) -> list[tuple[int, int]]:
        return [tuple(r["offset"]) for r in jionlp.ner.extract_money(text, with_parsing=True)]  # type: ignore[misc]

    return spans


def cpu_time(func: Callable[[str], object], docs: list[str]) -> float:
    """CPU seconds of this process to run ``func`` over every document once.

    CPU time rather than wall time: the machine is shared, and other processes'
    load would otherwise land on whichever tool happened to run at that moment.
    """
    started = time.process_time()
    for doc in docs:
        func(doc)
    return time.process_time() - started


def core_found(amount: GoldAmount, spans: list[tuple[int, int]]) -> bool:
    """Does a span cover the argument's numeric core at one of its places?"""
    core = amount.core
    if core is None:
        return False
    return any(s <= start + core[0] and start + core[1] <= e for start, _end in amount.places for s, e in spans)


def main() -> None:
    """Time both tools on the news text and compare their recall on the gold amounts."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=float, default=1.0)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    docs = news_documents(args.mb)
    size_mb = sum(len(d.encode("utf-8")) + 1 for d in docs) / 1024 / 1024
    pipe = Pipeline.build(stages=("normalize", "amounts", "mentions"))
    extractor = extractor_from_rulebook(pipe.rulebook)
    normalizer = pipe.normalizer()
    jio = jionlp_spans()

    def ours(text: str) -> list[tuple[int, int]]:
        return [(f.start, f.end) for f in extractor.find(text)]

    def ours_normalised(text: str) -> object:
        return extractor.find(normalizer(text).text)

    for func in (ours, ours_normalised, jio):  # warm-up: JioNLP loads dictionaries on first use
        func(docs[0])
    for i in range(1, len(extractor.grammar.rules)):  # and ours compiles its retry scanners on first use
        extractor.prepare(i)
    times: dict[str, float] = {"ours": float("inf"), "ours+normalise": float("inf"), "jionlp": float("inf")}
    for _ in range(args.rounds):
        # Each round starts with an empty value cache: repeats inside the text count,
        # repeats of an earlier round would not be fair.
        extractor.clear_cache()
        times["ours"] = min(times["ours"], cpu_time(ours, docs))
        times["jionlp"] = min(times["jionlp"], cpu_time(jio, docs))
        extractor.clear_cache()
        times["ours+normalise"] = min(times["ours+normalise"], cpu_time(ours_normalised, docs))
    # A batch keeps the extractor: values of amounts seen in earlier documents are kept.
    warm = min(cpu_time(ours, docs) for _ in range(args.rounds))
    print(f"text: {len(docs)} documents, {size_mb:.2f} MB (benchmarks/newstext.py news_documents({args.mb}))")
    for name, seconds in times.items():
        print(f"  {name:<15} {seconds:7.3f} s CPU  {size_mb / seconds:6.2f} MB/s")
    print(f"  ours, warm      {warm:7.3f} s CPU  {size_mb / warm:6.2f} MB/s  (a second pass: repeated amounts cached)")
    print(
        f"  speed-up ours / jionlp: {times['jionlp'] / times['ours']:.2f}x "
        f"(with normalisation: {times['jionlp'] / times['ours+normalise']:.2f}x)"
    )

    found = {"ours": [0, 0], "jionlp": [0, 0]}  # money roles, all roles
    n_money = n_all = 0
    for doc in load_gold():
        if not doc.amounts:
            continue
        spans = {"ours": ours(doc.text), "jionlp": jio(doc.text)}
        for amount in doc.amounts:
            money = amount.role in MONEY_ROLES
            n_all += 1
            n_money += money
            for name, tool_spans in spans.items():
                if core_found(amount, tool_spans):
                    found[name][1] += 1
                    found[name][0] += money
    print("recall on gold amount arguments (DuEE-fin + FewFC dev, numeric core covered):")
    for name, (money_hits, all_hits) in found.items():
        print(
            f"  {name:<8} money roles {money_hits}/{n_money} = {100 * money_hits / n_money:.2f}%"
            f"   all amount roles {all_hits}/{n_all} = {100 * all_hits / n_all:.2f}%"
        )


if __name__ == "__main__":
    main()
