"""Person names the NER training data labels: a lexicon learnt with the model, from its train share.

The character model misses names it has no context cue for (冼博德, 冯迪索 in a list of
film credits, 伊布 in quotes) even when the very same name is labelled elsewhere in the
train splits. This lexicon keeps every string the training sentences label as a person
(CLUENER ``name``, MSRA ``PER``) together with how often it is labelled and how often
it occurs at all in those texts; a string kept only when most of its occurrences are
labelled (``MIN_SHARE``) is a name rather than a word that is sometimes a name (永乐,
江山). The ``ner`` stage adds its matches where no rule or model span lies.

It is built from exactly the sentences the model was trained on (the held-out share of
``training.json`` is left out, so ``evaluate --split holdout`` still scores unseen
names), written as ``names.tsv`` into the model folder by ``make train-ner``, or for an
existing model (with the held-out share its ``training.json`` records) by::

    python -m pipeline.training.ner --data ../shared/data --out pipeline/models/ner --names-only
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ahocorasick

from pipeline.ner.data import Sentence, normalised, train_and_holdout

NAMES_FILE = "names.tsv"
# Datasets whose train share gives the names (those of the model).
NAME_SETS = ("cluener2020", "msra_ner")
LABEL = "PERSON"
# Shorter strings are surnames or initials (汤, 王): never names on their own here.
MIN_LENGTH = 2
# The share of a string's occurrences in the training texts that must be labelled as a
# person. Chosen on the held-out share of the train splits (``evaluate --split holdout``):
# 0.5 and 0.7 to 0.8 add the same right names (CLUENER PERSON F1 +0.6, MSRA +0.9 points),
# 0.5 also some wrong ones (摩西, 托莱); names seen twice or more only (instead of once)
# kept too few of them to help.
MIN_SHARE = 0.7


@dataclass(frozen=True, slots=True)
class NameCount:
    """How often the training texts label a string as a person, and how often it occurs."""

    name: str
    labelled: int
    seen: int

    @property
    def share(self) -> float:
        """The labelled share of its occurrences (0-1)."""
        return self.labelled / self.seen if self.seen else 0.0


def count_names(sentences: Sequence[Sentence], label: str = LABEL, min_length: int = MIN_LENGTH) -> list[NameCount]:
    """Every string labelled ``label`` in ``sentences``, with its labelled and total occurrences."""
    labelled: Counter[str] = Counter()
    for sent in sentences:
        for start, end, span_label in sent.spans:
            if span_label == label and end - start >= min_length:
                labelled[sent.text[start:end]] += 1
    if not labelled:
        return []
    automaton = ahocorasick.Automaton()
    for name in labelled:
        automaton.add_word(name, name)
    automaton.make_automaton()
    seen: Counter[str] = Counter()
    for sent in sentences:
        for _end, name in automaton.iter(sent.text):
            seen[name] += 1
    return [NameCount(name, count, max(seen[name], count)) for name, count in sorted(labelled.items())]


def write_names(path: Path, counts: Iterable[NameCount], min_share: float = MIN_SHARE) -> int:
    """Write the names whose labelled share is at least ``min_share``; returns how many."""
    kept = [c for c in counts if c.share >= min_share]
    lines = ["# name\tlabelled\tseen  (person names of the NER train share; pipeline/ner/names.py)"]
    lines += [f"{c.name}\t{c.labelled}\t{c.seen}" for c in kept]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(kept)


class NameLexicon:
    """Finds the lexicon's names in a text (leftmost-longest, non-overlapping)."""

    def __init__(self, names: Mapping[str, float]) -> None:
        """``names``: each name with its labelled share in the training texts (its confidence)."""
        self.names = dict(names)
        self._automaton = ahocorasick.Automaton()
        for name in self.names:
            self._automaton.add_word(name, len(name))
        if self.names:
            self._automaton.make_automaton()

    @classmethod
    def load(cls, model_dir: Path) -> NameLexicon:
        """The lexicon of the model folder ``model_dir`` (empty when it has none)."""
        path = model_dir / NAMES_FILE
        if not path.is_file():
            return cls({})
        names = {}
        for line in path.read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("#"):
                name, labelled, seen = line.split("\t")
                names[name] = int(labelled) / int(seen)
        return cls(names)

    def __len__(self) -> int:
        return len(self.names)

    def find(self, text: str) -> list[tuple[int, int]]:
        """Spans of the names in ``text``: leftmost first, the longest at a start, none overlapping."""
        if not self.names:
            return []
        found = ((end - size + 1, end + 1) for end, size in self._automaton.iter(text))
        hits = sorted(found, key=lambda span: (span[0], -span[1]))
        out: list[tuple[int, int]] = []
        for start, end in hits:
            if not out or start >= out[-1][1]:
                out.append((start, end))
        return out


def build_names(sentences: Sequence[Sentence], out_dir: Path) -> dict[str, object]:
    """Write ``names.tsv`` into ``out_dir`` from the sentences a model is trained on; returns a report."""
    counts = count_names(sentences)
    written = write_names(out_dir / NAMES_FILE, counts)
    return {
        "file": NAMES_FILE,
        "label": LABEL,
        "sets": list(NAME_SETS),
        "min_length": MIN_LENGTH,
        "min_share": MIN_SHARE,
        "labelled_strings": len(counts),
        "names": written,
    }


def trained_on(data_dir: Path, report: Mapping[str, Any]) -> list[Sentence]:
    """The sentences of ``NAME_SETS`` a model with this ``training.json`` report was trained on.

    Normalised as in its training (the text the ``ner`` stage reads) unless it was
    trained on raw text.
    """
    sentences: list[Sentence] = []
    for name in NAME_SETS:
        kept, _held = train_and_holdout(data_dir, name, report["holdout"], report["seed"], report.get("train_limit"))
        sentences += kept
    if report.get("text", "normalised") != "normalised":
        return sentences
    from pipeline.core import Pipeline  # the full pipeline is needed only for this command

    return normalised(sentences, Pipeline.build(stages=["normalize"]).normalizer())
