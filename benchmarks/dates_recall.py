"""Span recall of DATE mentions on the time arguments of DuEE-fin dev and FewFC dev.

An argument counts as found when a DATE mention of the pipeline lines up with it:

- ``exact``: the mention's raw span equals the argument's span;
- ``contain``: the argument lies inside a mention or a mention lies inside the
  argument (``截至2019年9月30日`` found by ``2019年9月30日``, ``8月6日`` by ``8月6日晚间``);
- ``overlap``: the two spans share at least one character (reported for reference).

DuEE-fin gives argument strings, not positions (the data's offsets are the first
verbatim occurrence), so there an argument is found when ANY occurrence of its
string in the document is matched; FewFC offsets are gold and are used as they are.
Arguments are counted once per document and string (DuEE-fin) or span (FewFC).

    .venv/bin/python benchmarks/dates_recall.py                 # both sets, summary
    .venv/bin/python benchmarks/dates_recall.py --misses 80     # plus misses to read
    .venv/bin/python benchmarks/dates_recall.py --stages dates  # the dates stage alone
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from newstext import data_dir

from pipeline.core import Pipeline

# DuEE-fin roles whose values are times or periods (every *时间 / *日期 role plus 财报周期).
DUEE_TIME_ROLES = {
    "披露时间",
    "事件时间",
    "中标日期",
    "回购完成时间",
    "交易完成时间",
    "收购完成时间",
    "被约谈时间",
    "破产时间",
    "财报周期",
    "披露日期",
}
FEWFC_TIME_ROLES = {"date"}


@dataclass(frozen=True, slots=True)
class Argument:
    """One time argument to find."""

    dataset: str
    doc_id: str
    role: str
    text: str
    spans: tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class Doc:
    """A dataset document and its time arguments."""

    dataset: str
    doc_id: str
    text: str
    arguments: tuple[Argument, ...]


def occurrences(text: str, needle: str) -> tuple[tuple[int, int], ...]:
    """Every (possibly overlapping) occurrence of ``needle`` in ``text``."""
    spans = []
    pos = text.find(needle)
    while pos >= 0:
        spans.append((pos, pos + len(needle)))
        pos = text.find(needle, pos + 1)
    return tuple(spans)


def load(dataset: str, limit: int | None = None) -> Iterator[Doc]:
    """Documents of DuEE-fin dev or FewFC dev with their time arguments."""
    folder = "duee_fin" if dataset == "duee_fin" else "fewfc"
    roles = DUEE_TIME_ROLES if dataset == "duee_fin" else FEWFC_TIME_ROLES
    path = data_dir() / folder / "dev.jsonl"
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh):
            if limit is not None and n >= limit:
                return
            record = json.loads(line)
            text = record["text"]
            seen: set[object] = set()
            args = []
            for event in record["events"]:
                for arg in event["arguments"]:
                    if arg["role"] not in roles or not arg["text"].strip():
                        continue
                    if dataset == "duee_fin":
                        key: object = arg["text"]
                        spans = occurrences(text, arg["text"])
                    else:
                        key = (arg["start"], arg["end"])
                        spans = ((arg["start"], arg["end"]),)
                    if key in seen or not spans:
                        continue
                    seen.add(key)
                    args.append(Argument(dataset, record["id"], arg["role"], arg["text"], spans))
            yield Doc(dataset, record["id"], text, tuple(args))


def grade(arg: Argument, mentions: list[tuple[int, int]]) -> str:
    """``exact``, ``contain``, ``overlap`` or ``miss`` (the best over the argument's occurrences)."""
    best = "miss"
    order = {"miss": 0, "overlap": 1, "contain": 2, "exact": 3}
    for s, e in arg.spans:
        for ms, me in mentions:
            if (ms, me) == (s, e):
                return "exact"
            if (ms <= s and e <= me) or (s <= ms and me <= e):
                level = "contain"
            elif ms < e and s < me:
                level = "overlap"
            else:
                continue
            if order[level] > order[best]:
                best = level
    return best


def main() -> None:
    """Run the pipeline over both sets and print recall (and misses on request)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", default="duee_fin,fewfc")
    parser.add_argument("--stages", default=None, help="comma-separated stages (default: the whole pipeline)")
    parser.add_argument("--limit", type=int, default=None, help="documents per set (default: all)")
    parser.add_argument("--misses", type=int, default=0, help="print up to N misses (and N partial matches)")
    parser.add_argument("--json", type=Path, default=None, help="write the figures to this file")
    args = parser.parse_args()

    stages = None
    if args.stages:
        stages = ["normalize", *[s for s in args.stages.split(",") if s != "normalize"]]
        if "mentions" not in stages:
            stages.append("mentions")
    pipe = Pipeline.build(stages=stages)
    figures: dict[str, dict[str, object]] = {}
    for dataset in args.datasets.split(","):
        counts: Counter[str] = Counter()
        by_role: dict[str, Counter[str]] = defaultdict(Counter)
        misses: list[tuple[str, str, str, str]] = []
        partial: list[tuple[str, str, str]] = []
        started = time.perf_counter()
        chars = 0
        for doc in load(dataset, args.limit):
            if not doc.arguments:
                continue
            chars += len(doc.text)
            record = pipe.process(doc.text, doc_id=doc.doc_id)
            spans = [(m.raw_start, m.raw_end) for m in record.mentions if m.label == "DATE"]
            for arg in doc.arguments:
                level = grade(arg, spans)
                counts[level] += 1
                by_role[arg.role][level] += 1
                if level == "miss":
                    s, e = arg.spans[0]
                    misses.append(
                        (arg.role, arg.text, doc.text[max(0, s - 25) : e + 25].replace("\n", "/"), doc.doc_id)
                    )
                elif level in ("contain", "overlap"):
                    near = [doc.text[ms:me] for ms, me in spans if any(ms < e and s < me for s, e in arg.spans)]
                    partial.append((arg.role, arg.text, " | ".join(near)))
        total = sum(counts.values())
        exact = counts["exact"]
        contain = exact + counts["contain"]
        overlap = contain + counts["overlap"]
        elapsed = time.perf_counter() - started
        figures[dataset] = {
            "arguments": total,
            "exact": exact / total,
            "contain": contain / total,
            "overlap": overlap / total,
            "seconds": round(elapsed, 2),
            "chars": chars,
        }
        print(
            f"{dataset}: {total} time arguments; exact {exact / total:.2%}, "
            f"exact+containment {contain / total:.2%}, any overlap {overlap / total:.2%} "
            f"({elapsed:.1f}s, {chars} chars)"
        )
        for role, c in sorted(by_role.items(), key=lambda kv: -sum(kv[1].values())):
            n = sum(c.values())
            print(f"  {role:8s} {n:5d}  exact {c['exact'] / n:6.1%}  contain {(c['exact'] + c['contain']) / n:6.1%}")
        if args.misses:
            print(f"  -- misses ({len(misses)}):")
            for role, text, context, doc_id in misses[: args.misses]:
                print(f"    [{role}] {text!r}  in …{context}…  ({doc_id[:8]})")
            print(f"  -- partial matches ({len(partial)}):")
            for role, text, near in partial[: args.misses]:
                print(f"    [{role}] {text!r} ~ {near!r}")
    if args.json:
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
