"""Train the character trigram language model the normaliser ships with.

    python -m pipeline.training.lm --out pipeline/repair/charlm.npz     (= make train-lm)

Text comes from ``../shared/data`` (see :data:`TRAIN_SOURCES`): the train splits of
the sentence sets and every other document of DuEE-fin dev (the odd ones; the even
ones are left to ``benchmarks/mojibake`` so that the benchmark never scores text the
model was trained on). The result is interpolated Kneser-Ney with rare n-grams
pruned and log probabilities quantised to one byte, a few MB compressed.

The model also carries the table of one-to-many Traditional -> Simplified
characters (著 -> 着/著, 乾 -> 干/乾 ...), made from OpenCC's own character
dictionaries (``opencc_dict``, shipped with the opencc wheel) and from what a
character-by-character ``s2t`` converter does; the t2s pass asks the model there.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt
import opencc

from pipeline.repair.lm import BOUNDARY, FORMAT_VERSION, UNKNOWN, fold_symbol

# (set, split, which documents): "all", or "odd" for every other line (1, 3, 5 ...).
TRAIN_SOURCES: tuple[tuple[str, str, str], ...] = (
    ("cluener2020", "train.jsonl", "all"),
    ("duee1.0", "train.jsonl", "all"),
    ("fewfc", "train.jsonl", "all"),
    ("msra_ner", "train.jsonl", "all"),
    ("duee_fin", "dev.jsonl", "odd"),
)
MIN_CHAR_COUNT = 2
MIN_TRIGRAM_COUNT = 2
MIN_BIGRAM_COUNT = 2
SCALE = 0.08  # one quantisation step, in nats: log probabilities down to -20.4 fit a byte
# How many distinct characters "unknown" stands for: roughly the CJK characters a news
# text may contain that the training text did not (log 20000 = 9.9 nats per unknown).
UNKNOWN_TYPES = 20000


def data_dir() -> Path:
    """The shared data folder next to the checkout."""
    here = Path(__file__).resolve()
    for candidate in (here.parents[3] / "shared" / "data", Path("../shared/data").resolve(), Path("/work/shared/data")):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("../shared/data not found")


def iter_training_text(root: Path) -> Iterator[str]:
    """Every training line, in a fixed order."""
    for name, split, which in TRAIN_SOURCES:
        path = root / name / split
        if not path.exists():
            print(f"warning: {path} missing, skipped", file=sys.stderr)
            continue
        with path.open(encoding="utf-8") as fh:
            for i, line in enumerate(fh):
                if which == "odd" and i % 2 == 0:
                    continue
                text = json.loads(line)["text"]
                yield from (part for part in text.split("\n") if part.strip())


def _quantize(logp: npt.NDArray[np.float64]) -> npt.NDArray[np.uint8]:
    q = np.rint(-logp / SCALE)
    return np.clip(q, 0, 255).astype(np.uint8)


def _discount(counts: npt.NDArray[np.int64]) -> float:
    n1 = int((counts == 1).sum())
    n2 = int((counts == 2).sum())
    return n1 / (n1 + 2 * n2) if n1 + n2 else 0.5


def _group_sum(keys: npt.NDArray[np.int64], values: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.int64], ...]:
    """Unique sorted ``keys``, the sum of ``values`` per key and the number of entries per key."""
    uniq, inverse, n = np.unique(keys, return_inverse=True, return_counts=True)
    sums = np.bincount(inverse, weights=values).astype(np.int64)
    return uniq, sums, n.astype(np.int64)


def train(lines: list[str]) -> dict[str, object]:
    """Count and smooth; return the arrays of the model file."""
    char_counts: Counter[str] = Counter()
    folded_lines = ["".join(fold_symbol(c) for c in line) for line in lines]
    for line in folded_lines:
        char_counts.update(line)
    char_counts.pop("\n", None)
    char_counts.pop("", None)
    vocab_chars = sorted(ch for ch, n in char_counts.items() if n >= MIN_CHAR_COUNT)
    unknown_types = sum(1 for n in char_counts.values() if n < MIN_CHAR_COUNT)
    index = {ch: i + 2 for i, ch in enumerate(vocab_chars)}
    size = len(vocab_chars) + 2

    seqs: list[int] = []
    for line in folded_lines:
        seqs.extend((BOUNDARY, BOUNDARY))
        seqs.extend(index.get(c, UNKNOWN) for c in line if c)
        seqs.append(BOUNDARY)
    ids = np.asarray(seqs, dtype=np.int64)
    uni_counts = np.bincount(ids, minlength=size).astype(np.int64)
    # Trigrams whose last symbol is a real token (the two leading boundaries are history only).
    a, b, c = ids[:-2], ids[1:-1], ids[2:]
    keep = ~((b == BOUNDARY) & (c == BOUNDARY))
    a, b, c = a[keep], b[keep], c[keep]
    tri_key = (a * size + b) * size + c
    tri_uniq, tri_count = np.unique(tri_key, return_counts=True)
    tri_count = tri_count.astype(np.int64)
    ta, tb, tc = tri_uniq // (size * size), (tri_uniq // size) % size, tri_uniq % size

    # Kneser-Ney continuation counts for the bigram level: distinct left neighbours of (b, c).
    bc_key = tb * size + tc
    bc_uniq, _bc_sum, bc_cont = _group_sum(bc_key, np.ones_like(bc_key))
    bb, bcur = bc_uniq // size, bc_uniq % size
    # Unigram level: distinct left neighbours of c.
    uni_cont = np.bincount(bcur, minlength=size).astype(np.float64)
    uni_p = uni_cont / uni_cont.sum()
    uni_p = 0.999 * uni_p + 0.001 / size
    uni_lp = np.log(uni_p)

    d2 = _discount(bc_cont)
    ctx_b_total = np.bincount(bb, weights=bc_cont, minlength=size).astype(np.float64)
    ctx_b_types = np.bincount(bb, minlength=size).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        gamma2 = np.where(ctx_b_total > 0, d2 * ctx_b_types / ctx_b_total, 1.0)
    p2 = np.maximum(bc_cont - d2, 0) / ctx_b_total[bb] + gamma2[bb] * uni_p[bcur]
    bi_lp = np.log(p2)

    def p2_lookup(prev: npt.NDArray[np.int64], cur: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
        key = prev * size + cur
        pos = np.minimum(np.searchsorted(bc_uniq, key), len(bc_uniq) - 1)
        hit = bc_uniq[pos] == key
        fallback = gamma2[prev] * uni_p[cur]
        found: npt.NDArray[np.float64] = np.where(hit, p2[pos], fallback)
        return found

    d3 = _discount(tri_count)
    ab_key = ta * size + tb
    ab_uniq, ab_total, ab_types = _group_sum(ab_key, tri_count)
    ab_pos = np.searchsorted(ab_uniq, ab_key)
    gamma3 = d3 * ab_types / ab_total
    p3 = np.maximum(tri_count - d3, 0) / ab_total[ab_pos] + gamma3[ab_pos] * p2_lookup(tb, tc)
    tri_lp = np.log(p3)

    # Prune: rare trigrams fall back to gamma3 * P2, rare bigrams to gamma2 * P1.
    keep3 = tri_count >= MIN_TRIGRAM_COUNT
    ctx_used = np.unique(ab_pos[keep3])
    ctx_keys = ab_uniq[ctx_used]
    ctx_backoff = np.log(gamma3[ctx_used])
    ctx_index = np.searchsorted(ctx_keys, ab_key[keep3])
    tri_keys_out = ctx_index * size + tc[keep3]
    order = np.argsort(tri_keys_out, kind="stable")
    tri_keys_out = tri_keys_out[order]
    tri_vals_out = tri_lp[keep3][order]

    raw_uniq, raw_n = np.unique(b * size + c, return_counts=True)
    raw_counts = raw_n[np.searchsorted(raw_uniq, bc_uniq)].astype(np.int64)
    keep2 = raw_counts >= MIN_BIGRAM_COUNT
    bi_keys_out = bc_uniq[keep2]
    bi_vals_out = bi_lp[keep2]

    if tri_keys_out.max(initial=0) >= 2**32 or bi_keys_out.max(initial=0) >= 2**32:
        raise ValueError("vocabulary too large for 32-bit keys")
    unknown_penalty = float(np.log(UNKNOWN_TYPES))
    return {
        "vocab": np.asarray("".join(vocab_chars)),
        "uni": _quantize(uni_lp),
        "uni_counts": uni_counts.astype(np.int32),
        "bi_keys": bi_keys_out.astype(np.uint32),
        "bi_vals": _quantize(bi_vals_out),
        "bi_backoff": _quantize(np.log(gamma2)),
        "ctx_keys": ctx_keys.astype(np.uint32),
        "ctx_backoff": _quantize(ctx_backoff),
        "tri_keys": tri_keys_out.astype(np.uint32),
        "tri_vals": _quantize(tri_vals_out),
        "_stats": {
            "tokens": len(c),
            "vocabulary": size,
            "unknown_types": unknown_types,
            "unknown_penalty": unknown_penalty,
            "bigrams": int(keep2.sum()),
            "trigrams": int(keep3.sum()),
            "discounts": [d2, d3],
        },
    }


# --- the one-to-many Traditional -> Simplified table ------------------------------


def _opencc_dictionary(name: str) -> dict[str, list[str]]:
    """Read one of OpenCC's character dictionaries with the ``opencc_dict`` tool of the wheel."""
    base = Path(opencc.__file__).resolve().parent / "clib"
    tool = base / "bin" / "opencc_dict"
    source = base / "share" / "opencc" / f"{name}.ocd2"
    if not tool.exists() or not source.exists():
        return {}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / f"{name}.txt"
        env = dict(os.environ, LD_LIBRARY_PATH=str(base / "lib64"))
        result = subprocess.run(
            [str(tool), "-i", str(source), "-o", str(out), "-f", "ocd2", "-t", "text"],
            env=env,
            capture_output=True,
            check=False,
        )
        if result.returncode != 0 or not out.exists():
            return {}
        table: dict[str, list[str]] = {}
        for line in out.read_text(encoding="utf-8").splitlines():
            key, _, values = line.partition("\t")
            if key and values:
                table[key] = values.split()
        return table


def _is_plain_ideograph(ch: str) -> bool:
    """A unified ideograph (not a compatibility look-alike such as U+F967 for 不)."""
    return len(ch) == 1 and unicodedata.normalize("NFKC", ch) == ch


def ambiguity_table(char_counts: Counter[str]) -> dict[str, list[str]]:
    """Traditional characters with several Simplified readings, most frequent first.

    Readings come from OpenCC's character dictionaries and from aligning its phrase
    dictionaries character by character (帶著 <-> 带着 shows that 著 may be 着). The
    Traditional character is itself a reading when OpenCC may leave it as it is
    (乾 in 乾隆, 著 in 著名). A reading is kept when the training text has it.
    """
    ts_chars = _opencc_dictionary("TSCharacters")
    candidates: dict[str, set[str]] = defaultdict(set)
    for trad, simps in ts_chars.items():
        if len(trad) == 1:
            candidates[trad].update(simps)
    for simp, trads in _opencc_dictionary("STCharacters").items():
        for trad in trads:
            candidates[trad].add(simp)
    for name, simp_first in (("STPhrases", True), ("TSPhrases", False)):
        for key, values in _opencc_dictionary(name).items():
            for value in values:
                simp, trad = (key, value) if simp_first else (value, key)
                if len(simp) != len(trad):
                    continue
                for s_ch, t_ch in zip(simp, trad, strict=True):
                    if s_ch != t_ch:
                        candidates[t_ch].add(s_ch)
    t2s = opencc.OpenCC("t2s")
    # Taiwan and Hong Kong forms (着 is written 著 there): a variant reads as what its
    # OpenCC form reads as.
    for name in ("TWVariants", "HKVariants"):
        for standard, variants in _opencc_dictionary(name).items():
            if len(standard) != 1:
                continue
            readings = set(candidates.get(standard, ())) | {str(t2s.convert(standard))}
            for variant in variants:
                if len(variant) == 1 and variant != standard:
                    candidates[variant].update(readings)
    for trad, readings_of in list(candidates.items()):
        if trad not in ts_chars or trad in ts_chars[trad]:
            readings_of.add(trad)  # OpenCC may keep it: it is also a Simplified character
    table: dict[str, list[str]] = {}
    for trad, simps_of in candidates.items():
        if not _is_plain_ideograph(trad):
            continue
        default = str(t2s.convert(trad))
        kept = {s for s in simps_of if _is_plain_ideograph(s) and (char_counts.get(s, 0) > 0 or s == default)}
        if len(kept) >= 2:
            table[trad] = sorted(kept, key=lambda s: (s != default, -char_counts.get(s, 0), s))
    return table


def main(argv: list[str] | None = None) -> None:
    """Train and write the model file."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "repair" / "charlm.npz")
    parser.add_argument("--data", type=Path, default=None, help="the shared data folder (default ../shared/data)")
    args = parser.parse_args(argv)
    root = args.data or data_dir()
    lines = list(iter_training_text(root))
    print(f"training on {len(lines)} lines, {sum(map(len, lines))} characters", file=sys.stderr)
    arrays = train(lines)
    stats = arrays.pop("_stats")
    assert isinstance(stats, dict)
    counts: Counter[str] = Counter()
    for line in lines:
        counts.update(line)
    table = ambiguity_table(counts)
    meta = {
        "format": FORMAT_VERSION,
        "scale": SCALE,
        "sources": [f"{name}/{split}:{which}" for name, split, which in TRAIN_SOURCES],
        "min_counts": {"char": MIN_CHAR_COUNT, "bigram": MIN_BIGRAM_COUNT, "trigram": MIN_TRIGRAM_COUNT},
        **stats,
    }
    arrays["ambiguity"] = np.asarray(json.dumps(table, ensure_ascii=False, sort_keys=True))
    arrays["meta"] = np.asarray(json.dumps(meta, ensure_ascii=False, sort_keys=True))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, **arrays)  # type: ignore[arg-type]
    size = args.out.stat().st_size
    summary = f"{json.dumps(stats)}; {len(table)} ambiguous characters"
    print(f"wrote {args.out} ({size / 1e6:.2f} MB): {summary}", file=sys.stderr)


if __name__ == "__main__":
    main()
