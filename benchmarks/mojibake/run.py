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
  damaged input was.

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

import regex

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

from newstext import data_dir, news_text  # noqa: E402

from pipeline.corrupt import KINDS, LOSSY_KINDS, SCOPES, corrupt, to_taiwan_by_char  # noqa: E402
from pipeline.repair.t2s import to_simplified  # noqa: E402

_INVISIBLE = regex.compile(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e]+")
_ODD_SPACE = regex.compile(r"[\u00a0\u2002-\u200a\u202f\u205f\u3000]")
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


def fold(text: str) -> str:
    """What the normaliser does to clean text on purpose: widths, spaces, invisibles."""
    text = _INVISIBLE.sub("", text)
    text = _ODD_SPACE.sub(" ", text)
    return _FULLWIDTH.sub(lambda m: chr(ord(m.group()) - 0xFEE0), text)


def clean_documents(n_articles: int, n_pseudo: int) -> tuple[list[str], list[str]]:
    """Held-out clean documents: Simplified ones, and ones with stray Traditional characters."""
    root = data_dir()
    docs: list[str] = []
    with (root / "duee_fin" / "dev.jsonl").open(encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            if i % 2 == 0:
                docs.append(json.loads(line)["text"].strip())
    docs = docs[:n_articles]
    sentences: list[str] = []
    for name in ("duee1.0", "fewfc", "cluener2020", "msra_ner"):
        with (root / name / "dev.jsonl").open(encoding="utf-8") as fh:
            sentences.extend(json.loads(line)["text"].strip() for line in fh)
    rng = random.Random(7)
    rng.shuffle(sentences)
    for k in range(n_pseudo):
        docs.append("\n".join(sentences[k * 6 : k * 6 + 6]))
    simplified = [d for d in docs if d and to_simplified(d) == d]
    stray = [d for d in docs if d and to_simplified(d) != d]
    return simplified, stray


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
            exact = worse = 0
            cer_out = cer_in = 0.0
            seconds = 0.0
            failures: list[tuple[str, str]] = []
            for i, doc in enumerate(docs[:limit]):
                damaged = corrupt(doc, kind, scope, seed=i)
                want = fold(doc)
                start = time.perf_counter()
                got = normalize(damaged.text, simplify=True).text
                seconds += time.perf_counter() - start
                if got == want:
                    exact += 1
                elif len(failures) < 3:
                    failures.append((damaged.text[:80], got[:80]))
                e_out, e_in = cer(got, want), cer(damaged.text, want)
                cer_out += e_out
                cer_in += e_in
                worse += e_out > e_in
            n = min(limit, len(docs))
            table[kind][scope] = {
                "exact": exact / n,
                "cer": cer_out / n,
                "cer_input": cer_in / n,
                "worse": worse / n,
                "docs": n,
                "ms_per_doc": 1000 * seconds / n,
            }
            mark = "  (lossy: judged by 'worse')" if kind in LOSSY_KINDS else ""
            print(
                f"{kind:20s} {scope:9s} exact {exact / n:7.2%}  CER {cer_out / n:.4f} (input {cer_in / n:.4f})"
                f"  worse {worse / n:6.2%}  {1000 * seconds / n:6.1f} ms/doc{mark}",
                flush=True,
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
        print(f"control {name:30s} {damaged}/{len(pairs)} damaged ({damaged / max(1, len(pairs)):.2%})", flush=True)
        for ex in examples:
            print(f"    {ex}")
    changed = sum(normalize(d, simplify=True).text != fold(d) for d in stray[:limit])
    out["stray traditional (informative)"] = {"docs": len(stray[:limit]), "changed": changed}
    print(f"stray-Traditional documents changed by t2s: {changed}/{len(stray[:limit])} (expected: t2s applies)")
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
    normalizer(text, simplify=True)  # the first pass fills per-character caches
    t_first = time.perf_counter() - start
    start = time.perf_counter()
    ours = normalizer(text, simplify=True)
    t_ours = time.perf_counter() - start
    start = time.perf_counter()
    ftfy.fix_text(text, fix_character_width=False, uncurl_quotes=False)
    t_ftfy = time.perf_counter() - start
    result = {
        "megabytes": size,
        "zhpipe_mb_s": size / t_ours,
        "zhpipe_first_pass_mb_s": size / t_first,
        "ftfy_mb_s": size / t_ftfy,
        "zhpipe_repairs": len(ours.repairs),
    }
    print(
        f"speed on {size:.2f} MB clean news text: normalise {size / t_ours:.2f} MB/s "
        f"(first pass, cold caches: {size / t_first:.2f} MB/s), "
        f"ftfy.fix_text {size / t_ftfy:.2f} MB/s ({len(ours.repairs)} repairs made by normalise)",
        flush=True,
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
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "results.json")
    args = parser.parse_args()

    from pipeline.core import Pipeline

    pipe = Pipeline.build(stages=["normalize"])
    normalizer = pipe.normalizer()
    simplified, stray = clean_documents(n_articles=max(args.docs, 50), n_pseudo=max(args.docs // 2, 25))
    rng = random.Random(5)
    rng.shuffle(simplified)
    print(f"{len(simplified)} clean Simplified documents ({len(stray)} with stray Traditional set apart)")
    report: dict[str, object] = {"command": " ".join(sys.argv), "docs": args.docs}
    report["kinds"] = evaluate(normalizer, simplified, args.kinds.split(","), args.scopes.split(","), args.docs)
    if not args.quick:
        report["controls"] = controls(normalizer, simplified, stray, args.docs)
        report["speed"] = speed(normalizer, args.speed_mb)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
