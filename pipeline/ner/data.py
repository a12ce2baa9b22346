"""NER data sets: reading the shared JSONL splits and mapping their labels to ours.

Label policy (documented in ``pipeline/models/ner/README.md``):

* CLUENER2020: ``company``, ``organization``, ``government`` -> ``ORG``; ``name`` ->
  ``PERSON``; ``address`` and ``scene`` -> ``LOC``; ``position``, ``game``, ``movie``,
  ``book`` are dropped (they become plain text for the model).
* MSRA: ``ORG`` -> ``ORG``; ``PER`` -> ``PERSON``; ``LOC`` -> ``LOC``.

``LOC`` is learnt but never becomes a mention (the record has no LOC label): it
teaches the model where a place name ends and an organisation begins
(``北京`` vs ``北京大学``); the mention stage drops it.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from pipeline.errors import ErrorCode, GoldError

LABEL_MAPS: dict[str, dict[str, str]] = {
    "cluener2020": {
        "company": "ORG",
        "organization": "ORG",
        "government": "ORG",
        "name": "PERSON",
        "address": "LOC",
        "scene": "LOC",
    },
    "msra_ner": {"ORG": "ORG", "PER": "PERSON", "LOC": "LOC"},
}
MODEL_LABELS = ("ORG", "PERSON", "LOC")
EVALUATED_LABELS = ("ORG", "PERSON")


@dataclass(frozen=True, slots=True)
class Sentence:
    """One annotated text: its id, text and ``(start, end, label)`` spans in our labels."""

    id: str
    text: str
    spans: tuple[tuple[int, int, str], ...]


class SpanMap(Protocol):
    """Offsets of a normalised text back to the raw text and forth (``pipeline.offsets.OffsetMap``)."""

    def from_raw_span(self, raw_start: int, raw_end: int) -> tuple[int, int]:
        """The normalised span made from ``raw[raw_start:raw_end]``."""
        ...

    def to_raw_span(self, start: int, end: int) -> tuple[int, int]:
        """The raw span that produced ``text[start:end]``."""
        ...


class NormalisedText(Protocol):
    """What normalising a text gives (``pipeline.stages.normalize.Normalized``)."""

    @property
    def text(self) -> str:
        """The normalised text."""
        ...

    @property
    def offset_map(self) -> SpanMap:
        """Its offsets to the raw text's and back."""
        ...


def normalised(sentences: Iterable[Sentence], normalize: Callable[[str], NormalisedText]) -> list[Sentence]:
    """The sentences as the pipeline's model stage sees them: normalised text, spans moved along.

    The model runs on the ``normalize`` stage's text (half-width digits and Latin, one
    kind of quote ...), whose segmentation differs from the raw text's (MSRA writes
    ``１９９８`` in full width: four one-character words raw, one word normalised).
    Training on the same text removes that mismatch. A span normalisation deletes
    entirely is dropped.
    """
    out = []
    for sent in sentences:
        norm = normalize(sent.text)
        if norm.text == sent.text:
            out.append(sent)
            continue
        spans = []
        for start, end, label in sent.spans:
            new_start, new_end = norm.offset_map.from_raw_span(start, end)
            if new_end > new_start:
                spans.append((new_start, new_end, label))
        out.append(Sentence(sent.id, norm.text, tuple(spans)))
    return out


def read_split(path: Path, label_map: Mapping[str, str]) -> Iterator[Sentence]:
    """The sentences of one JSONL split with their labels mapped (unmapped labels dropped).

    Overlapping spans (CLUENER has one nested case) keep the longer one.

    Raises:
        GoldError: a line is not JSON or a span does not match the text (code E401).

    """
    with path.open(encoding="utf-8") as handle:
        for line_no, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                text = record["text"]
                raw_spans = [(int(e["start"]), int(e["end"]), str(e["label"])) for e in record.get("entities", [])]
            except (ValueError, KeyError, TypeError) as exc:
                raise GoldError(ErrorCode.E401, path=path, line=line_no, field="entities", detail=str(exc)) from exc
            spans: list[tuple[int, int, str]] = []
            for start, end, label in sorted(raw_spans, key=lambda s: (-(s[1] - s[0]), s[0])):
                if not 0 <= start < end <= len(text):
                    raise GoldError(
                        ErrorCode.E401, path=path, line=line_no, field="entities", detail=f"bad span {start}-{end}"
                    )
                mapped = label_map.get(label)
                if mapped is None or any(s < end and start < e for s, e, _l in spans):
                    continue
                spans.append((start, end, mapped))
            yield Sentence(str(record.get("id", f"{path.stem}-{line_no}")), text, tuple(sorted(spans)))


def load_dataset(data_dir: Path, name: str, split: str) -> list[Sentence]:
    """All sentences of ``data_dir/name/split.jsonl`` with our labels."""
    return list(read_split(data_dir / name / f"{split}.jsonl", LABEL_MAPS[name]))


def train_and_holdout(
    data_dir: Path, name: str, share: float, seed: int, limit: int | None = None
) -> tuple[list[Sentence], list[Sentence]]:
    """The train split of ``name`` cut into the part trained on and a held-out part.

    The held-out part (a fixed random ``share``, the same for the same seed) picks the
    training epoch and tunes the merge of rules and model, so the dev split is scored
    only once, for the report. ``limit`` keeps the first sentences only (quick trials).
    """
    sentences = load_dataset(data_dir, name, "train")[:limit]
    rng = random.Random(f"{seed}:{name}")  # noqa: S311 - a reproducible sample, not security
    chosen = set(rng.sample(range(len(sentences)), int(len(sentences) * share)))
    kept = [s for i, s in enumerate(sentences) if i not in chosen]
    held = [s for i, s in enumerate(sentences) if i in chosen]
    return kept, held
