"""The shape both sides of an evaluation share: gold documents and predicted records.

Gold files, imported datasets and pipeline records are all turned into
:class:`EvalDoc` before scoring, so the scorer never cares where a side came from.
Offsets are end-exclusive Python string indices into ``EvalDoc.text``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class EvalMention:
    """A labelled span with its normalised value (``None`` when the side has none)."""

    label: str
    start: int
    end: int
    text: str
    value: Mapping[str, Any] | None = None
    id: str | None = None
    source: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON shape used in reports."""
        return {
            "label": self.label,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "value": dict(self.value) if self.value is not None else None,
            "id": self.id,
            "source": self.source,
        }


@dataclass(frozen=True, slots=True)
class EvalArgument:
    """One role filler; enumerated roles have ``start``/``end`` ``None``."""

    role: str
    text: str
    start: int | None = None
    end: int | None = None


@dataclass(frozen=True, slots=True)
class EvalEvent:
    """An event with its trigger (``None`` when a dataset gives none) and arguments."""

    type: str
    arguments: tuple[EvalArgument, ...]
    trigger: tuple[str, int | None, int | None] | None = None
    status: str = "asserted"
    id: str | None = None


@dataclass(frozen=True, slots=True)
class DamagedCopy:
    """A damaged copy of a gold article, made by ``zhpipe corrupt``."""

    file: str
    kind: str
    scope: str = "document"
    seed: int = 0


@dataclass(frozen=True, slots=True)
class EvalDoc:
    """One document of either side.

    ``file`` is the raw article a gold document was annotated from (relative to the
    corpus root), ``damaged`` its damaged copies; both are empty for predictions and
    for imported datasets, whose text is inline.
    """

    doc_id: str
    text: str
    mentions: tuple[EvalMention, ...] = ()
    events: tuple[EvalEvent, ...] = ()
    doc_date: str | None = None
    file: str | None = None
    damaged: tuple[DamagedCopy, ...] = ()
    origin: str = ""
    line: int | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)


def from_record(record: Mapping[str, Any]) -> EvalDoc:
    """Turn a pipeline record (``Document.to_dict()`` or a line of documents.jsonl) into an EvalDoc."""
    text = str(record.get("text") or "")
    mentions = tuple(
        EvalMention(
            label=str(m["label"]),
            start=int(m["start"]),
            end=int(m["end"]),
            text=str(m.get("text") or text[int(m["start"]) : int(m["end"])]),
            value=m.get("value"),
            id=m.get("id"),
            source=m.get("source"),
        )
        for m in record.get("mentions") or ()
    )
    events = []
    for e in record.get("events") or ():
        trigger = e.get("trigger") or None
        events.append(
            EvalEvent(
                type=str(e["type"]),
                arguments=tuple(
                    EvalArgument(str(a["role"]), str(a.get("text") or ""), a.get("start"), a.get("end"))
                    for a in e.get("arguments") or ()
                ),
                trigger=(str(trigger.get("text") or ""), trigger.get("start"), trigger.get("end")) if trigger else None,
                status=str(e.get("status") or "asserted"),
                id=e.get("id"),
            )
        )
    doc_date = record.get("doc_date")
    if isinstance(doc_date, Mapping):
        doc_date = doc_date.get("value")
    return EvalDoc(
        doc_id=str(record.get("doc_id") or ""),
        text=text,
        mentions=mentions,
        events=tuple(events),
        doc_date=doc_date,
        origin=str(record.get("source") or ""),
        meta={"repairs": list((record.get("normalization") or {}).get("repairs") or [])},
    )
