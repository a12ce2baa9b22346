"""How often the events stage finds a DuEE-fin-type event in general news that tells none.

DuEE-fin's own no-event documents are few (98 in the tuning part, 27 held back), so
one document moves the false-positive rate by 1-4 points. This builds an independent
sample from general news sentences (MSRA dev: 1990s newswire; CLUENER dev: Sina
news of every section), drops those that might tell a DuEE-fin event, groups the rest
into pseudo-documents and counts the documents the pipeline gives a DuEE-fin-type
event, per type, with the sentences that made them.

The filter (``tells_event``) drops a sentence that has an *event word* and a *company*:

- event words: every trigger text of a gold event in the DuEE-fin tuning part (回购,
  质押, 亏损 … also the generic ones annotators used: 延期, 到期, 新增, 出售) and
  every trigger word of our rules for the 13 DuEE-fin types (拿下, 入主, 控股 …);
- a company: a name the data set annotates as one (CLUENER ``company``; an MSRA ``ORG``
  with a business ending: 公司, 集团, 厂, 银行 …) or a company word in the sentence
  (公司, 集团, 银行, 股份, 证券, 基金, 控股, 有限).

Every DuEE-fin event has a company in one of its roles (a listing's, a buyer's, a
pledger's, an executive's employer …), so a sentence with an event word and no company
tells no event of a DuEE-fin kind: 全国亏损企业减少, 新产品上市, 他担任村支书, 球队赢得
冠军. Those sentences stay: they are what tests the rules. The sentences kept are
grouped in file order into pseudo-documents of a length drawn between ``--min`` and
``--max`` characters (``--seed``), each sentence ending with a full stop, one
paragraph without a headline. Sentences of a pseudo-document are not about one story,
so the document's main organisation is any organisation of it: an event found names
a company that has nothing to do with it. With seed 15 the filter drops 73 of 5,652 sentences and
keeps 225 with an event word; all 225 were read by hand, and about three tell something DuEE-fin
might annotate (docs/events.md, twelfth round).

``--source duee1.0`` builds the documents from DuEE 1.0 dev sentences instead, those whose
every event is of a type none of ours maps (a game won, a death, an arrest, a limit-up,
a price cut …; ``read_out_of_scope``), through the same filter: events told in words our
triggers share (赢得冠军, 新车上市, 担任顾问), which the NER sentences seldom hold.

    nice .venv/bin/python benchmarks/events_noevent.py                  # rules + models
    nice .venv/bin/python benchmarks/events_noevent.py --source duee1.0 --no-model
    nice .venv/bin/python benchmarks/events_noevent.py --no-model       # rules alone
    nice .venv/bin/python benchmarks/events_noevent.py --out /tmp/ne.jsonl --sample /tmp/ne_sample.txt

``--out`` writes every document with its events (JSON lines); ``--sample N`` prints N
kept sentences with an event word (the ones worth checking by hand) to a file.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pipeline.core import Pipeline
from pipeline.events.datasets import DUEE1_AMBIGUOUS, DUEE1_TYPES, DUEE_FIN_TYPES, data_dir, duee_fin_part, read_jsonl
from pipeline.ner.data import read_split
from pipeline.records import Event

NEWS_SOURCES = (("msra_ner", "dev.jsonl"), ("cluener2020", "dev.jsonl"))
DUEE1_SOURCE = ("duee1.0", "dev.jsonl")
# Words that name or stand for a company in a sentence.
COMPANY_WORDS = ("公司", "集团", "银行", "股份", "证券", "基金", "控股", "有限")
# Endings of an MSRA ORG that is a business (MSRA does not type its organisations).
BUSINESS_ENDINGS = ("公司", "集团", "厂", "银行", "企业", "商场", "商店", "酒店", "宾馆", "证券", "基金", "控股")
CLUENER_COMPANY = "company"
ENDINGS = ("。", "！", "？", "!", "?", "…", "”", "」")


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of a source, with the organisations its data set annotates."""

    id: str
    text: str
    companies: tuple[str, ...]


def read_sentences(name: str, split: str) -> Iterator[Sentence]:
    """Sentences of one NER data set in file order, with their annotated companies."""
    label_map = {CLUENER_COMPANY: CLUENER_COMPANY, "ORG": "ORG"}
    for sentence in read_split(data_dir() / name / split, label_map):
        text = sentence.text.strip()
        if not text:
            continue
        names = ((sentence.text[start:end], label) for start, end, label in sentence.spans)
        companies = tuple(name for name, label in names if label == CLUENER_COMPANY or name.endswith(BUSINESS_ENDINGS))
        yield Sentence(sentence.id, text, companies)


def read_out_of_scope(split: str) -> Iterator[Sentence]:
    """DuEE 1.0 sentences whose every event is of a type that is none of ours, in file order.

    A sentence with an event of a mapped type (上市, 融资, 辞/离职, 约谈 …) or of a type
    close to ours (退出, 停职 …) is left out. The rest tell a game won, a death, an arrest,
    a limit-up …: events, but of no DuEE-fin type. DuEE 1.0 annotates no organisations,
    so the company test of :class:`EventFilter` rests on the company words alone.
    """
    for doc in read_jsonl(data_dir() / DUEE1_SOURCE[0] / split):
        types = {event.type for event in doc.events}
        if types & (DUEE1_TYPES.keys() | DUEE1_AMBIGUOUS):
            continue
        text = doc.text.strip()
        if text:
            yield Sentence(doc.id, text, ())


def source_sentences(name: str, split: str) -> Iterator[Sentence]:
    """The sentences of one source: an NER set's, or DuEE 1.0's out-of-scope ones."""
    if name == DUEE1_SOURCE[0]:
        return read_out_of_scope(split)
    return read_sentences(name, split)


def event_words(pipe: Pipeline) -> list[str]:
    """Gold trigger texts of the DuEE-fin tuning part and our trigger words of its 13 types."""
    words = {e.trigger for doc in duee_fin_part("tune") for e in doc.events if e.trigger}
    rules = pipe.rulebook.require("events")
    for spec in rules.types:  # type: ignore[attr-defined]
        if spec.type in DUEE_FIN_TYPES:
            words.update([*spec.triggers, *spec.strong_triggers, *spec.weak_triggers])
    return sorted(words)


class EventFilter:
    """Tells whether a sentence might tell a DuEE-fin event (an event word and a company)."""

    def __init__(self, words: Iterable[str]) -> None:
        # A few hundred words over a few thousand sentences: plain substring tests are fast enough.
        self.words = sorted(set(words))

    def event_words(self, text: str) -> list[str]:
        """The event words in ``text``."""
        return [w for w in self.words if w in text]

    def tells_event(self, sentence: Sentence) -> bool:
        """An event word and a company (annotated, or a company word) in the sentence."""
        if not self.event_words(sentence.text):
            return False
        return bool(sentence.companies) or any(w in sentence.text for w in COMPANY_WORDS)


@dataclass(slots=True)
class PseudoDoc:
    """Consecutive kept sentences of one source, joined as one paragraph."""

    id: str
    sentences: list[Sentence]

    @property
    def text(self) -> str:
        """The sentences, each ending with a full stop."""
        return "".join(closed(s.text) for s in self.sentences)

    def sentence_at(self, offset: int) -> str:
        """The sentence that holds character ``offset`` of :attr:`text`."""
        start = 0
        for s in self.sentences:
            start += len(closed(s.text))
            if offset < start:
                return s.text
        return self.sentences[-1].text


def closed(sentence: str) -> str:
    """A sentence ending with a full stop (CLUENER's often stop at a comma: the comma is replaced)."""
    if sentence.endswith(ENDINGS):
        return sentence
    return sentence.rstrip("，,；;、：: ") + "。"


def build_documents(
    sentences: Iterable[Sentence], source: str, rng: random.Random, low: int, high: int
) -> list[PseudoDoc]:
    """Group sentences in order into documents of a length drawn in [low, high] (a short tail is dropped)."""
    docs: list[PseudoDoc] = []
    current: list[Sentence] = []
    size, target = 0, rng.randint(low, high)
    for sentence in sentences:
        current.append(sentence)
        size += len(sentence.text)
        if size >= target:
            docs.append(PseudoDoc(f"{source}:{len(docs)}", current))
            current, size, target = [], 0, rng.randint(low, high)
    if size >= low:
        docs.append(PseudoDoc(f"{source}:{len(docs)}", current))
    return docs


def describe(event: Event, doc: PseudoDoc) -> str:
    """One line for an example: type, trigger, status, source, arguments, the trigger's sentence."""
    args = ", ".join(f"{a.role}={a.text}" for a in event.arguments)
    return (
        f"{event.type} [{event.trigger.text}] {event.status} {event.source} {event.confidence:.2f} ({args})\n"
        f"      {doc.sentence_at(event.trigger.start)}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--min", type=int, default=300, help="shortest document, characters")
    parser.add_argument("--max", type=int, default=800, help="longest document, characters")
    parser.add_argument("--no-model", action="store_true", help="rules only")
    parser.add_argument("--rules", action="append", default=[], help="rule overlay folder or file")
    parser.add_argument("--model-dir", help="events model folder (e.g. a CV fold's) instead of the committed one")
    parser.add_argument("--examples", type=int, default=5, help="example events per type")
    parser.add_argument("--out", type=Path, help="write every document with its events here (JSON lines)")
    parser.add_argument("--sample", type=Path, help="write the kept sentences that have an event word here")
    parser.add_argument("--dropped", type=Path, help="write the dropped sentences here")
    parser.add_argument(
        "--source",
        choices=("news", "duee1.0"),
        default="news",
        help="news: MSRA and CLUENER dev (default); duee1.0: DuEE 1.0 dev sentences of types none of ours",
    )
    args = parser.parse_args(argv)
    sources = NEWS_SOURCES if args.source == "news" else (DUEE1_SOURCE,)

    model: object = False if args.no_model else (args.model_dir or True)
    pipe = Pipeline.build(args.rules, events_model=model)
    event_filter = EventFilter(event_words(pipe))
    rng = random.Random(args.seed)
    docs: list[PseudoDoc] = []
    counts: Counter[str] = Counter()
    probes: list[tuple[str, list[str]]] = []
    dropped: list[str] = []
    for name, split in sources:
        kept = []
        for sentence in source_sentences(name, split):
            counts[f"{name} sentences"] += 1
            if event_filter.tells_event(sentence):
                counts[f"{name} dropped"] += 1
                dropped.append(f"{sentence.id}\t{sentence.text}")
                continue
            kept.append(sentence)
            words = event_filter.event_words(sentence.text)
            if words:
                counts[f"{name} kept with an event word"] += 1
                probes.append((sentence.id, words))
        docs += build_documents(kept, name, rng, args.min, args.max)
    if args.sample is not None:
        probed = dict(probes)
        text_of = {s.id: s.text for name, split in sources for s in source_sentences(name, split) if s.id in probed}
        args.sample.write_text(
            "".join(f"{sid}\t{'/'.join(w)}\t{text_of[sid]}\n" for sid, w in probes), encoding="utf-8"
        )
    if args.dropped is not None:
        args.dropped.write_text("".join(line + "\n" for line in dropped), encoding="utf-8")

    started = time.perf_counter()
    with_type: Counter[str] = Counter()
    with_any = with_duee = 0
    examples: dict[str, list[str]] = defaultdict(list)
    out = args.out.open("w", encoding="utf-8") if args.out else None
    try:
        for doc in docs:
            record = pipe.process(doc.text, doc_id=doc.id)
            types = {e.type for e in record.events}
            with_any += bool(types)
            with_duee += bool(types & set(DUEE_FIN_TYPES))
            with_type.update(types)
            for event in record.events:
                if len(examples[event.type]) < args.examples:
                    examples[event.type].append(describe(event, doc))
            if out is not None:
                row = {"id": doc.id, "text": doc.text, "events": [e.to_dict() for e in record.events]}
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
    finally:
        if out is not None:
            out.close()
    elapsed = time.perf_counter() - started

    n = len(docs)
    chars = sum(len(d.text) for d in docs)
    mode = "rules alone" if args.no_model else "rules + models"
    print(f"No-event pseudo-documents from {', '.join(name for name, _ in sources)} dev ({mode})")
    for key in sorted(counts):
        print(f"  {key}: {counts[key]}")
    shape = f"{chars} characters, {args.min}-{args.max} per document, seed {args.seed}"
    print(f"  documents: {n} ({shape}), {elapsed:.1f}s")
    print(f"  with a DuEE-fin-type event: {with_duee} of {n} = {with_duee / max(n, 1):.3f}")
    print(f"  with any event (also 裁员, 产品发布, 营收, 合作): {with_any} of {n} = {with_any / max(n, 1):.3f}")
    print("  documents per type:")
    for event_type, count in with_type.most_common():
        mark = "" if event_type in DUEE_FIN_TYPES else "  (not DuEE-fin)"
        print(f"    {event_type}: {count}{mark}")
        for line in examples[event_type]:
            print(f"      {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
