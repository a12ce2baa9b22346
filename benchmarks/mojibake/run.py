"""Normalisation benchmark: damage clean text every way the web does, see what comes back.

    python benchmarks/mojibake/run.py                 (= make bench-mojibake; ~10-20 min)
    python benchmarks/mojibake/run.py --docs 20 --quick

Clean text comes from ``../shared/data`` splits the character language model was not
trained on: the even documents of DuEE-fin dev (articles) and pseudo-documents of six
sentences from the dev splits of DuEE 1.0, FewFC, CLUENER and MSRA. Documents that
OpenCC would change (stray Traditional characters in names) are left out of the
Simplified set and counted apart.

For every kind of :mod:`pipeline.corrupt` and every scope (document, paragraph,
clause) the benchmark reports:

* exact: the share of documents whose normalised text equals the expected text (the
  clean text with full-width letters and digits, odd spaces and zero-width characters
  folded, which the normaliser does on purpose);
* CER: character error rate of the output against that text (and of the input);
* worse: for the lossy kinds, the share of outputs further from the text than the
  damaged input was;
* unrecoverable: how many documents no repair can restore, because another clean text
  gives the identical damaged text (``pipeline.corrupt.unrecoverable_positions``: a
  character the code page loses, a variant the conversion table merges, a digit
  swallowed into ``?``), and the exact rate over the other documents. The exact rate
  over all documents stays the figure against the target; the second one says how
  much of the gap no repair can close.
* misses with the same damage: how many missed documents the repair turned into a
  text that the same damage turns into the same damaged text
  (``pipeline.corrupt.explains_damage``): it chose wrongly where the bytes allow more
  than one text (a byte lost next to ASCII, a pair the other code page lacks), a
  choice only context makes. The other misses are the repair's own mistakes.

Everything printed also goes to ``results.txt`` beside ``--out``.

Controls (no damage): Simplified text with ``simplify=True``; Taiwan-style Traditional
text with ``simplify=False``; and look-alikes (``智能體(Agent)``, ``張三(Zhang San)``,
``槑(méi)``, ``P&G``, ``Müller``, ``°C``, ``![]()`` in code, Greek, Cyrillic, kana,
question marks ...) inserted into clean text, with ``simplify=False``. A control is
damaged when its output differs from the expected text at all.

Speed: the normalise stage and ``ftfy.fix_text(text, fix_character_width=False,
uncurl_quotes=False)`` on the same clean news text (benchmarks/newstext.py), in the
same process, one after the other.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import regex

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

from newstext import data_dir, news_text  # noqa: E402

from pipeline.corrupt import (  # noqa: E402
    KINDS,
    LOSSY_KINDS,
    SCOPES,
    corrupt,
    explains_damage,
    to_taiwan_by_char,
    unrecoverable_positions,
)
from pipeline.repair.t2s import to_simplified  # noqa: E402

_INVISIBLE = regex.compile(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e]+")
_ODD_SPACE = regex.compile(r"[\u00a0\u2002-\u200a\u202f\u205f\u3000]")
_DECIMAL_POINT = regex.compile(r"(?<=[0-9\uff10-\uff19])\uff0e(?=[0-9\uff10-\uff19])")
_FULLWIDTH = regex.compile(r"[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\uff05]")

TRICKY = [
    "智能體(Agent)",
    "張三(Zhang San)",
    "槑(méi)",
    "P&G",
    "Müller",
    "°C",
    "代码 `![]()` 表示图片",
    "Pokémon",
    "Zürich",
    "São Paulo",
    "Ελλάδα",
    "Москва",
    "東京タワー",
    "α粒子",
    "β系数",
    "2×3",
    "±0.5%",
    "①②③",
    "€100",
    "£5",
    "Ⅲ期",
    "25℃",
    "5‰",
    "10µm",
    "他来了吗?是的",
    "a?b",
    "《僕と彼女の×》",
    "naïve café",
    "Ångström",
    "著名學者",
    "乾隆",
    "(Zhang)",
    "记者 张三(Zhang)",
]


_SAID: list[str] = []  # what the run printed, for results.txt


def say(line: str) -> None:
    """Print a line of the report at once and keep it for ``results.txt``."""
    print(line, flush=True)
    _SAID.append(line)


def fold(text: str) -> str:
    """What the normaliser does to clean text on purpose: widths, spaces, invisibles."""
    text = _INVISIBLE.sub("", text)
    text = _ODD_SPACE.sub(" ", text)
    text = _DECIMAL_POINT.sub(".", text)
    return _FULLWIDTH.sub(lambda m: chr(ord(m.group()) - 0xFEE0), text)


# Held-out text is split once more: the benchmark's share, and a tuning share that
# whoever tunes the normaliser's thresholds may look at (``--part tuning``).
TUNING_FROM_ARTICLE = 350  # even DuEE-fin documents from this one on are for tuning
TUNING_FROM_PSEUDO = 600  # pseudo-documents from this one on are for tuning
SPEED_TURNS = 3  # timed turns each for the normaliser and ftfy (the best counts)
OVERLAP_GRAM = 12
MAX_OVERLAP = 0.3  # a document sharing more of its 12-grams with the LM's training text is left out


def _gram_hashes(text: str, n: int = OVERLAP_GRAM) -> np.ndarray:
    """64-bit hashes of every ``n``-character substring (vectorised polynomial hash)."""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    if len(codes) < n:
        return np.zeros(0, dtype=np.uint64)
    h = np.zeros(len(codes) - n + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for k in range(n):
            h = h * np.uint64(1_000_003) + codes[k : len(codes) - n + 1 + k]
    return h


def training_grams() -> np.ndarray:
    """Sorted hashes of the 12-grams of the character LM's training text."""
    from pipeline.training.lm import iter_training_text

    text = "\n".join(iter_training_text(data_dir()))
    return np.unique(_gram_hashes(text))


def overlap(doc: str, grams: np.ndarray) -> float:
    """The share of ``doc``'s 12-grams that also occur in the LM's training text."""
    mine = _gram_hashes(doc)
    if not len(mine) or not len(grams):
        return 0.0
    pos = np.minimum(np.searchsorted(grams, mine), len(grams) - 1)
    return float((grams[pos] == mine).mean())


def clean_documents(n_articles: int, n_pseudo: int, part: str = "benchmark") -> tuple[list[str], list[str], int]:
    """Held-out clean documents: Simplified ones, ones with stray Traditional characters, and how many were left out.

    Articles are the even DuEE-fin dev documents (the LM trains on the odd ones);
    pseudo-documents are six sentences of the dev splits of the sentence sets (the LM
    trains on their train splits). Near-duplicates of training text (news reposted
    under another id) are left out: more than 30% of their 12-grams in the training text.
    """
    root = data_dir()
    articles: list[str] = []
    with (root / "duee_fin" / "dev.jsonl").open(encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            if i % 2 == 0:
                articles.append(json.loads(line)["text"].strip())
    sentences: list[str] = []
    for name in ("duee1.0", "fewfc", "cluener2020", "msra_ner"):
        with (root / name / "dev.jsonl").open(encoding="utf-8") as fh:
            sentences.extend(json.loads(line)["text"].strip() for line in fh)
    rng = random.Random(7)
    rng.shuffle(sentences)
    pseudo = ["\n".join(sentences[k * 6 : k * 6 + 6]) for k in range(len(sentences) // 6)]
    if part == "tuning":
        articles, pseudo = articles[TUNING_FROM_ARTICLE:], pseudo[TUNING_FROM_PSEUDO:]
    else:
        articles, pseudo = articles[:TUNING_FROM_ARTICLE], pseudo[:TUNING_FROM_PSEUDO]
    grams = training_grams()
    left_out = 0
    docs: list[str] = []
    for pool, wanted in ((articles, n_articles), (pseudo, n_pseudo)):
        taken = 0
        for doc in pool:
            if taken >= wanted:
                break
            if not doc:
                continue
            if overlap(doc, grams) > MAX_OVERLAP:
                left_out += 1
                continue
            docs.append(doc)
            taken += 1
    simplified = [d for d in docs if to_simplified(d) == d]
    stray = [d for d in docs if to_simplified(d) != d]
    return simplified, stray, left_out


def tricky_documents(docs: list[str], seed: int = 11) -> list[str]:
    """Clean documents with look-alikes inserted at random places."""
    rng = random.Random(seed)
    out = []
    for d in docs:
        pieces = list(d)
        for snippet in rng.sample(TRICKY, k=4):
            pos = rng.randrange(len(pieces) + 1)
            pieces.insert(pos, snippet)
        out.append("".join(pieces))
    return out


def cer(got: str, want: str) -> float:
    """Character error rate (Levenshtein distance over the expected length)."""
    from rapidfuzz.distance import Levenshtein

    return Levenshtein.distance(got, want) / max(1, len(want))


def evaluate(normalize, docs: list[str], kinds, scopes, limit: int) -> dict[str, dict[str, dict[str, float]]]:
    """Exact-restoration rate and CER per kind and scope."""
    table: dict[str, dict[str, dict[str, float]]] = defaultdict(dict)
    for kind in kinds:
        for scope in scopes:
            exact = worse = unrecoverable = exact_recoverable = guessed = 0
            cer_out = cer_in = 0.0
            seconds = 0.0
            failures: list[tuple[str, str]] = []
            for i, doc in enumerate(docs[:limit]):
                damaged = corrupt(doc, kind, scope, seed=i)
                want = fold(doc)
                start = time.perf_counter()
                got = normalize(damaged.text, simplify=True).text
                seconds += time.perf_counter() - start
                # Judged on the document as it was, before fold(): a • is lost whatever fold does.
                lost = bool(unrecoverable_positions(doc, kind, scope, seed=i))
                unrecoverable += lost
                exact_recoverable += got == want and not lost
                if got == want:
                    exact += 1
                else:
                    guessed += kind not in LOSSY_KINDS and explains_damage(doc, got, kind, scope, seed=i)
                    if len(failures) < 3:
                        failures.append((damaged.text[:80], got[:80]))
                e_out, e_in = cer(got, want), cer(damaged.text, want)
                cer_out += e_out
                cer_in += e_in
                worse += e_out > e_in
            n = min(limit, len(docs))
            recoverable = n - unrecoverable
            rate_recoverable = exact_recoverable / recoverable if recoverable else None
            table[kind][scope] = {
                "exact": exact / n,
                "cer": cer_out / n,
                "cer_input": cer_in / n,
                "worse": worse / n,
                "docs": n,
                "ms_per_doc": 1000 * seconds / n,
                "unrecoverable": unrecoverable,
                "exact_recoverable": rate_recoverable,
                "misses_same_damage": guessed,
            }
            mark = "  (lossy: judged by 'worse')" if kind in LOSSY_KINDS else ""
            shown = "   n/a " if rate_recoverable is None else f"{rate_recoverable:7.2%}"
            say(
                f"{kind:20s} {scope:9s} exact {exact / n:7.2%}  CER {cer_out / n:.4f} (input {cer_in / n:.4f})"
                f"  worse {worse / n:6.2%}  {1000 * seconds / n:6.1f} ms/doc"
                f"  unrecoverable {unrecoverable:3d}  exact of the rest {shown}"
                f"  misses with the same damage {guessed:3d}{mark}"
            )
    return table


def controls(normalize, simplified: list[str], stray: list[str], limit: int) -> dict[str, dict[str, float]]:
    """Damage rates on text that needs no repair."""
    out: dict[str, dict[str, float]] = {}
    groups = {
        "simplified (simplify=True)": ([(d, fold(d)) for d in simplified[:limit]], True),
        "traditional (simplify=False)": ([(to_taiwan_by_char(d),) * 2 for d in simplified[:limit]], False),
        "look-alikes (simplify=False)": ([(d, fold(d)) for d in tricky_documents(simplified[:limit])], False),
    }
    for name, (pairs, simplify) in groups.items():
        damaged = 0
        examples = []
        for text, want in pairs:
            want = fold(want)
            got = normalize(text, simplify=simplify).text
            if got != want:
                damaged += 1
                if len(examples) < 3:
                    examples.append(_first_difference(want, got))
        out[name] = {"docs": len(pairs), "damaged": damaged, "rate": damaged / max(1, len(pairs))}
        say(f"control {name:30s} {damaged}/{len(pairs)} damaged ({damaged / max(1, len(pairs)):.2%})")
        for ex in examples:
            say(f"    {ex}")
    changed = sum(normalize(d, simplify=True).text != fold(d) for d in stray[:limit])
    out["stray traditional (informative)"] = {"docs": len(stray[:limit]), "changed": changed}
    say(f"stray-Traditional documents changed by t2s: {changed}/{len(stray[:limit])} (expected: t2s applies)")
    return out


def _first_difference(want: str, got: str) -> str:
    import difflib

    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, want, got, autojunk=False).get_opcodes():
        if tag != "equal":
            return f"{tag}: {want[max(0, i1 - 6) : i2 + 6]!r} -> {got[max(0, j1 - 6) : j2 + 6]!r}"
    return ""


def speed(normalizer, megabytes: float) -> dict[str, float]:
    """MB/s of the normalise stage and of ftfy on the same clean text, same process."""
    import ftfy

    text = news_text(megabytes)
    size = len(text.encode("utf-8")) / 1e6
    start = time.perf_counter()
    ours = normalizer(text, simplify=True)  # the first pass fills per-character caches
    t_first = time.perf_counter() - start
    # Best of a few turns, the two taking turns: on a shared machine a single run
    # mostly measures what else the machine was doing at the time.
    t_ours = t_ftfy = float("inf")
    for _ in range(SPEED_TURNS):
        start = time.perf_counter()
        ours = normalizer(text, simplify=True)
        t_ours = min(t_ours, time.perf_counter() - start)
        start = time.perf_counter()
        ftfy.fix_text(text, fix_character_width=False, uncurl_quotes=False)
        t_ftfy = min(t_ftfy, time.perf_counter() - start)
    result = {
        "turns": SPEED_TURNS,
        "megabytes": size,
        "zhpipe_mb_s": size / t_ours,
        "zhpipe_first_pass_mb_s": size / t_first,
        "ftfy_mb_s": size / t_ftfy,
        "zhpipe_repairs": len(ours.repairs),
    }
    say(
        f"speed on {size:.2f} MB clean news text (best of {SPEED_TURNS}): normalise {size / t_ours:.2f} MB/s "
        f"(first pass, cold caches: {size / t_first:.2f} MB/s), "
        f"ftfy.fix_text {size / t_ftfy:.2f} MB/s ({len(ours.repairs)} repairs made by normalise)"
    )
    return result


def main() -> None:
    """Run the benchmark and write ``results.json`` beside this file."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=200, help="documents per kind and scope")
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--scopes", default=",".join(SCOPES))
    parser.add_argument("--speed-mb", type=float, default=2.0)
    parser.add_argument("--quick", action="store_true", help="skip controls and speed")
    parser.add_argument(
        "--part", choices=("benchmark", "tuning"), default="benchmark", help="the held-out share to use (see README)"
    )
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "results.json")
    args = parser.parse_args()

    from pipeline.core import Pipeline

    pipe = Pipeline.build(stages=["normalize"])
    normalizer = pipe.normalizer()
    simplified, stray, left_out = clean_documents(
        n_articles=max(args.docs, 50), n_pseudo=max(args.docs // 2, 25), part=args.part
    )
    rng = random.Random(5)
    rng.shuffle(simplified)
    say(
        f"{len(simplified)} clean Simplified documents ({len(stray)} with stray Traditional set apart; "
        f"{left_out} left out as near-duplicates of the LM's training text)"
    )
    report: dict[str, object] = {"command": " ".join(sys.argv), "docs": args.docs, "part": args.part}
    report["left_out_near_duplicates"] = left_out
    report["kinds"] = evaluate(normalizer, simplified, args.kinds.split(","), args.scopes.split(","), args.docs)
    if not args.quick:
        report["controls"] = controls(normalizer, simplified, stray, args.docs)
        report["speed"] = speed(normalizer, args.speed_mb)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    args.out.with_suffix(".txt").write_text("\n".join(_SAID) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
