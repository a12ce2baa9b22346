"""Train the character 5-gram language model the normaliser ships with.

    python -m pipeline.training.lm --out pipeline/repair/charlm.npz     (= make train-lm)

Text comes from ``../shared/data`` (see :data:`TRAIN_SOURCES`): the train splits of
the sentence sets and every other document of DuEE-fin dev (the odd ones; the even
ones are left to ``benchmarks/mojibake`` so that the benchmark never scores text the
model was trained on). The result is interpolated Kneser-Ney with rare n-grams
pruned and log probabilities quantised to one byte, a few MB compressed.

Other orders, pruning and quantisation were measured against this one
(``benchmarks/mojibake/README.md``, "The language model"; the flags of :func:`main`):
none ranks the damaged text's guesses clearly better. The dev splits of the sentence
sets are NOT training text: the benchmark's pseudo-documents are made of them.

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

from pipeline.repair.lm import BOUNDARY, FORMAT_VERSION, UNKNOWN, encode_keys, fold_symbol

# (set, split, which documents): "all", or "odd" for every other line (1, 3, 5 ...).
TRAIN_SOURCES: tuple[tuple[str, str, str], ...] = (
    ("cluener2020", "train.jsonl", "all"),
    ("duee1.0", "train.jsonl", "all"),
    ("fewfc", "train.jsonl", "all"),
    ("msra_ner", "train.jsonl", "all"),
    ("duee_fin", "dev.jsonl", "odd"),
)
ORDER = 5
MIN_CHAR_COUNT = 2
# A gram of each level is kept when seen this often (or when a kept longer gram needs
# it as its context); the rest fall back to shorter contexts.
MIN_COUNTS = {2: 2, 3: 2, 4: 2, 5: 2}
# With grams seen once kept (``--min-count 3=1``), how many nats such a gram may stand
# above what backing off would give it (inf: no cap, the shipped model keeps none).
# Uncapped they win guesses among thousands of candidates by a fluke (README).
ONCE_CAP = float("inf")
SCALE = 0.08  # one quantisation step, in nats: log probabilities down to -20.4 fit a byte
# Lines longer than this are "long": the sentence sets cut their texts at about 50
# characters (CLUENER after a comma as often as after a full stop), so a line end after
# ， is common in the training text, but hardly ever after a long line (11 of 27 637).
LONG_LINE = 50
LINE_END_MIN_COUNT = 100  # line ends a punctuation mark needs for its long-line ratio
# How many distinct characters "unknown" stands for: roughly the CJK characters a news
# text may contain that the training text did not (log 20000 = 9.9 nats per unknown).
UNKNOWN_TYPES = 20000

Int64Array = npt.NDArray[np.int64]


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


def _quantize(logp: npt.NDArray[np.float64], scale: float = SCALE) -> npt.NDArray[np.uint8]:
    q = np.rint(-logp / scale)
    return np.clip(q, 0, 255).astype(np.uint8)


def _discounts(counts: Int64Array) -> tuple[float, float, float]:
    """Modified Kneser-Ney discounts D1, D2, D3+ from the counts of counts (Chen & Goodman)."""
    n = [int((counts == k).sum()) for k in (1, 2, 3, 4)]
    if min(n) == 0:
        return 0.5, 1.0, 1.5
    y = n[0] / (n[0] + 2 * n[1])
    d = (1 - 2 * y * n[1] / n[0], 2 - 3 * y * n[2] / n[1], 3 - 4 * y * n[3] / n[2])
    low, mid, high = (float(min(max(x, 0.05), k + 0.95)) for k, x in enumerate(d))
    return low, mid, high


def train(
    lines: list[str],
    order: int = ORDER,
    min_counts: dict[int, int] | None = None,
    scale: float = SCALE,
    once_cap: float = ONCE_CAP,
) -> dict[str, object]:
    """Count and smooth (interpolated modified Kneser-Ney); return the arrays of the model file.

    Each line is padded with ``order - 1`` boundary symbols in front and ends with
    one: the model learns how lines start and end. Lower orders use continuation
    counts (how many different symbols precede a gram), except for grams that
    start at the line start, which keep their raw counts. Grams seen fewer times
    than ``min_counts`` asks are pruned (they back off); a gram seen once that is
    kept stands at most ``once_cap`` nats above its back-off estimate.
    """
    min_counts = dict(MIN_COUNTS if min_counts is None else min_counts)
    folded = ["".join(fold_symbol(c) for c in line) for line in lines]
    char_counts: Counter[str] = Counter()
    for line in folded:
        char_counts.update(line)
    char_counts.pop("\n", None)
    vocab_chars = sorted(ch for ch, n in char_counts.items() if n >= MIN_CHAR_COUNT)
    unknown_types = sum(1 for n in char_counts.values() if n < MIN_CHAR_COUNT)
    index = {ch: i + 2 for i, ch in enumerate(vocab_chars)}
    size = len(vocab_chars) + 2
    pad = order - 1
    seq: list[int] = []
    scored_mask: list[bool] = []
    for line in folded:
        ids = [index.get(c, UNKNOWN) for c in line]
        seq.extend([BOUNDARY] * pad)
        scored_mask.extend([False] * pad)
        seq.extend(ids)
        seq.append(BOUNDARY)
        scored_mask.extend([True] * (len(ids) + 1))
    s = np.asarray(seq, dtype=np.int64)
    scored = np.asarray(scored_mask, dtype=bool)
    n_pos = len(s)
    # Distance from each position back to the first padding symbol of its line: a
    # gram ending at j may be up to that long (it never reaches into the line before).
    line_start = np.zeros(n_pos, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, scored[:-1] & ~scored[1:]])  # first padding position of each line
    line_start[starts] = starts
    line_start = np.maximum.accumulate(line_start)
    reach = np.arange(n_pos) - line_start + 1  # longest gram ending here
    # ends[k][j]: id (index into level k's sorted keys) of the gram of length k ending at j, -1 if none.
    ends: dict[int, Int64Array] = {1: s.copy()}
    keys: dict[int, Int64Array] = {1: np.arange(size, dtype=np.int64)}
    raw: dict[int, Int64Array] = {1: np.bincount(s[scored], minlength=size).astype(np.int64)}
    for k in range(2, order + 1):
        prev = np.full(n_pos, -1, dtype=np.int64)
        prev[1:] = ends[k - 1][:-1]
        valid = (reach >= k) & (prev >= 0)
        key = np.where(valid, prev * size + s, -1)
        uniq, inverse = np.unique(key[valid], return_inverse=True)
        e = np.full(n_pos, -1, dtype=np.int64)
        e[valid] = inverse
        ends[k] = e
        keys[k] = uniq
        raw[k] = np.bincount(e[valid & scored], minlength=len(uniq)).astype(np.int64)
    # Adjusted counts: raw for the highest order and for grams that start a line;
    # lower orders count distinct left neighbours (Kneser-Ney continuation counts).
    adj: dict[int, Int64Array] = {order: raw[order]}
    # A representative position of every gram at every level (for suffix lookups).
    rep: dict[int, Int64Array] = {}
    for k in range(1, order + 1):
        e = ends[k]
        ok = e >= 0
        pos = np.flatnonzero(ok)
        r = np.full(len(keys[k]), -1, dtype=np.int64)
        r[e[pos]] = pos
        rep[k] = r
    first_sym: dict[int, Int64Array] = {}
    for k in range(1, order + 1):
        # first symbol of each gram
        r = rep[k]
        first_sym[k] = np.where(r >= 0, s[np.maximum(r - k + 1, 0)], -1)
    for k in range(order - 1, 0, -1):
        # distinct (k+1)-grams with a scored occurrence, mapped to their suffix of length k
        higher = np.flatnonzero(raw[k + 1] > 0)
        suffix = ends[k][rep[k + 1][higher]]
        cont = np.bincount(suffix, minlength=len(keys[k])).astype(np.int64)
        a = np.where(first_sym[k] == BOUNDARY, raw[k], cont) if k > 1 else cont
        adj[k] = a
    # Unigram: continuation distribution, smoothed with a little uniform mass.
    a1 = adj[1].astype(np.float64)
    p1 = a1 / a1.sum()
    p1 = 0.999 * p1 + 0.001 / size
    logp: dict[int, npt.NDArray[np.float64]] = {1: np.log(p1)}
    backoff: dict[int, npt.NDArray[np.float64]] = {}
    prob_lower = p1  # per gram of level k-1: its interpolated probability
    estimate: dict[int, npt.NDArray[np.float64]] = {}
    discounts = {}
    for k in range(2, order + 1):
        a = adj[k]
        parent = keys[k] // size
        d1, d2, d3 = _discounts(a[a > 0])
        discounts[k] = (d1, d2, d3)
        dk = np.where(a == 0, 0.0, np.where(a == 1, d1, np.where(a == 2, d2, d3)))
        n_parent = len(keys[k - 1])
        total = np.bincount(parent, weights=a, minlength=n_parent)
        mass = np.bincount(parent, weights=dk * (a > 0), minlength=n_parent)
        with np.errstate(divide="ignore", invalid="ignore"):
            gamma = np.where(total > 0, mass / total, 1.0)
        # suffix of each gram (drop its first symbol): the gram of length k-1 ending at the same place
        r = rep[k]
        suffix = ends[k - 1][r]
        p_low = prob_lower[suffix]
        with np.errstate(divide="ignore", invalid="ignore"):
            p = np.where(total[parent] > 0, np.maximum(a - dk, 0) / total[parent], 0.0) + gamma[parent] * p_low
        backoff[k - 1] = np.log(gamma)
        logp[k] = np.log(np.maximum(p, 1e-300))
        # What the gram would get if it were not stored (for the cap on grams seen once).
        estimate[k] = np.log(np.maximum(gamma[parent] * p_low, 1e-300))
        prob_lower = p
    # Prune from the top: a gram stays if seen often enough or if a kept longer gram extends it.
    keep: dict[int, npt.NDArray[np.bool_]] = {}
    keep[order] = raw[order] >= min_counts.get(order, 2)
    for k in range(order - 1, 1, -1):
        needed = np.zeros(len(keys[k]), dtype=bool)
        needed[keys[k + 1][keep[k + 1]] // size] = True
        keep[k] = needed | (raw[k] >= min_counts.get(k, 2))
    keep[1] = np.ones(size, dtype=bool)
    new_id: dict[int, Int64Array] = {1: np.arange(size, dtype=np.int64)}
    arrays: dict[str, object] = {
        "vocab": np.asarray("".join(vocab_chars)),
        "uni_counts": raw[1].astype(np.int32),
        "logp1": _quantize(logp[1], scale),
    }
    for k in range(2, order + 1):
        new_id[k] = np.where(keep[k], np.cumsum(keep[k]) - 1, -1)
        parent = keys[k][keep[k]] // size
        last = keys[k][keep[k]] % size
        # Parents were kept (pruning is from the top) and renumbering keeps their order.
        arrays[f"keys{k}"] = encode_keys(new_id[k - 1][parent] * size + last)
        # A gram seen once after a rare context gets (1 - D1) / count(context) of its
        # own: enough to outweigh everything else among thousands of candidates (a
        # measured model made 全权 人去 after one 有人去负的). It may stand at most
        # once_cap above its back-off.
        once = np.where(raw[k] == 1, np.minimum(logp[k], estimate[k] + once_cap), logp[k])
        arrays[f"logp{k}"] = _quantize(once[keep[k]], scale)
    for k in range(1, order):
        arrays[f"backoff{k}"] = _quantize(backoff[k][keep[k]], scale)
    arrays["_stats"] = {
        "order": order,
        "tokens": int(scored.sum()),
        "vocabulary": size,
        "unknown_types": unknown_types,
        "unknown_penalty": float(np.log(UNKNOWN_TYPES)),
        "grams": [int(keep[k].sum()) for k in range(2, order + 1)],
        "discounts": {str(k): list(v) for k, v in discounts.items()},
    }
    return arrays


def long_line_ends(lines: list[str], long_line: int = LONG_LINE) -> dict[str, float]:
    """How much likelier each punctuation mark ends a long line than any line (natural log of the ratio).

    The model learns how lines end from every line alike; a repair that guesses the
    last character of a line of ``long_line`` characters or more adds this (the Bayes
    correction for knowing the line's length, which the model cannot see). Marks that
    end fewer than :data:`LINE_END_MIN_COUNT` training lines are left out.
    """
    ends: Counter[str] = Counter()
    long_ends: Counter[str] = Counter()
    n_long = 0
    for line in lines:
        stripped = line.rstrip()
        if not stripped:
            continue
        last = stripped[-1]
        ends[last] += 1
        if len(line) > long_line:
            n_long += 1
            long_ends[last] += 1
    total = sum(ends.values())
    if not n_long or not total:
        return {}
    return {
        ch: round(float(np.log((long_ends[ch] + 0.5) / n_long) - np.log((count + 0.5) / total)), 3)
        for ch, count in sorted(ends.items())
        if count >= LINE_END_MIN_COUNT and unicodedata.category(ch).startswith("P")
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


def _min_count(text: str) -> tuple[int, int]:
    """Parse ``K=N`` (``--min-count``): keep the K-grams seen at least N times."""
    level, sep, count = text.partition("=")
    if not sep or not level.strip().isdigit() or not count.strip().isdigit() or int(level) < 2:
        raise argparse.ArgumentTypeError(f"expected K=N with K >= 2, got {text!r}")
    return int(level), int(count)


def main(argv: list[str] | None = None) -> None:
    """Train and write the model file."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "repair" / "charlm.npz")
    parser.add_argument("--data", type=Path, default=None, help="the shared data folder (default ../shared/data)")
    # The settings below are for measuring other models (benchmarks/mojibake/README.md, "The language
    # model"); ``make train-lm`` keeps the defaults, the model that ships.
    parser.add_argument("--order", type=int, default=ORDER, help=f"n-gram order (default {ORDER})")
    parser.add_argument(
        "--min-count",
        type=_min_count,
        action="append",
        default=[],
        metavar="K=N",
        help="keep a K-gram seen at least N times (repeatable; default 2 at every level)",
    )
    parser.add_argument(
        "--once-cap",
        type=float,
        default=ONCE_CAP,
        help=f"most nats a gram seen once may add to its back-off estimate (default {ONCE_CAP}; inf: no cap)",
    )
    parser.add_argument("--scale", type=float, default=SCALE, help=f"quantisation step in nats (default {SCALE})")
    args = parser.parse_args(argv)
    root = args.data or data_dir()
    min_counts = {k: MIN_COUNTS.get(k, 2) for k in range(2, args.order + 1)}
    min_counts.update(dict(args.min_count))
    lines = list(iter_training_text(root))
    print(f"training on {len(lines)} lines, {sum(map(len, lines))} characters", file=sys.stderr)
    arrays = train(
        lines,
        order=args.order,
        min_counts=min_counts,
        scale=args.scale,
        once_cap=args.once_cap,
    )
    stats = arrays.pop("_stats")
    assert isinstance(stats, dict)
    counts: Counter[str] = Counter()
    for line in lines:
        counts.update(line)
    table = ambiguity_table(counts)
    meta = {
        "format": FORMAT_VERSION,
        "scale": args.scale,
        "sources": [f"{name}/{split}:{which}" for name, split, which in TRAIN_SOURCES],
        "min_counts": {"char": MIN_CHAR_COUNT, **{str(k): v for k, v in min_counts.items()}},
        "long_line": LONG_LINE,
        "long_line_ends": long_line_ends(lines),
        **stats,
    }
    if np.isfinite(args.once_cap):
        meta["once_cap"] = args.once_cap
    arrays["ambiguity"] = np.asarray(json.dumps(table, ensure_ascii=False, sort_keys=True))
    arrays["meta"] = np.asarray(json.dumps(meta, ensure_ascii=False, sort_keys=True))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, **arrays)  # type: ignore[arg-type]
    size = args.out.stat().st_size
    summary = f"{json.dumps(stats)}; {len(table)} ambiguous characters"
    print(f"wrote {args.out} ({size / 1e6:.2f} MB): {summary}", file=sys.stderr)


if __name__ == "__main__":
    main()
