"""The record types the pipeline produces: frozen, slotted, with hand-written ``to_dict``.

These classes are the public contract (see README, "Record"). Later stages may add
fields, but never rename or remove one; ``SCHEMA_VERSION`` changes when a field is added.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Literal, TypeAlias

from pipeline.memo import remember

SCHEMA_VERSION = "1.0"

Label: TypeAlias = Literal["DATE", "AMOUNT", "ORG", "PERSON", "PRODUCT"]
LABELS: tuple[str, ...] = ("DATE", "AMOUNT", "ORG", "PERSON", "PRODUCT")

DateKind: TypeAlias = Literal["point", "range", "since", "until", "duration", "recurring"]
Grain: TypeAlias = Literal["year", "half", "quarter", "month", "xun", "week", "day", "hour", "minute", "second"]
AmountKind: TypeAlias = Literal["money", "percent", "count", "shares"]
Qualifier: TypeAlias = Literal["exact", "approx", "more_than", "less_than", "at_least", "at_most"]


@dataclass(frozen=True, slots=True)
class DateValue:
    """A resolved date or time expression: an interval with end exclusive.

    ``start``/``end`` are ISO 8601 local datetimes (``YYYY-MM-DDTHH:MM:SS``); either is
    ``None`` where the interval is open (``since``/``until``) or unknown (``duration``).
    """

    kind: DateKind
    start: str | None
    end: str | None
    grain: Grain
    fuzzy: bool = False
    duration: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON shape of the value."""
        out: dict[str, Any] = {
            "kind": self.kind,
            "start": self.start,
            "end": self.end,
            "grain": self.grain,
            "fuzzy": self.fuzzy,
        }
        if self.duration is not None:
            out["duration"] = self.duration
        return out


@dataclass(frozen=True, slots=True)
class AmountValue:
    """A quantity with exact decimal strings; ``value`` is ``None`` for a range."""

    kind: AmountKind
    value: str | None
    low: str | None
    high: str | None
    currency: str | None = None
    currency_implied: bool = False
    unit: str | None = None
    qualifier: Qualifier = "exact"

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON shape of the value."""
        return {
            "kind": self.kind,
            "value": self.value,
            "low": self.low,
            "high": self.high,
            "currency": self.currency,
            "currency_implied": self.currency_implied,
            "unit": self.unit,
            "qualifier": self.qualifier,
        }


@dataclass(frozen=True, slots=True)
class OrgValue:
    """An organisation resolved to its canonical name."""

    name: str
    type: str
    alias: str

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON shape of the value."""
        return {"name": self.name, "type": self.type, "alias": self.alias}


@dataclass(frozen=True, slots=True)
class PersonValue:
    """A person with the title and organisation the document gives them."""

    name: str
    title: str | None = None
    org: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON shape of the value."""
        return {"name": self.name, "title": self.title, "org": self.org}


@dataclass(frozen=True, slots=True)
class ProductValue:
    """A product or model, with its maker where the text names it."""

    name: str
    org: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON shape of the value."""
        return {"name": self.name, "org": self.org}


MentionValue: TypeAlias = DateValue | AmountValue | OrgValue | PersonValue | ProductValue


@dataclass(frozen=True, slots=True)
class Repair:
    """One change the normaliser made, replayable from the raw text.

    ``raw_start``/``raw_end`` index the raw (decoded) text and ``start``/``end`` the
    normalised text. ``before``/``after`` are the text this step replaced and what it
    wrote; repairs are listed in the order they were made, so applying them in turn
    to the raw text replays the normalisation (a later step may rewrite what an
    earlier one wrote, as t2s does after a pinyin annotation is removed).
    """

    kind: str
    raw_start: int
    raw_end: int
    before: str
    after: str
    start: int = 0
    end: int = 0
    source: str = ""
    confidence: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON shape of the repair."""
        return {
            "kind": self.kind,
            "raw_start": self.raw_start,
            "raw_end": self.raw_end,
            "before": self.before,
            "after": self.after,
            "start": self.start,
            "end": self.end,
            "source": self.source,
            "confidence": self.confidence,
        }


@dataclass(frozen=True, slots=True)
class Mention:
    """A labelled span of the normalised text with its resolved value and provenance."""

    id: str
    label: str
    text: str
    start: int
    end: int
    raw_start: int
    raw_end: int
    value: MentionValue | None
    source: str
    confidence: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON shape of the mention."""
        return {
            "id": self.id,
            "label": self.label,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "raw_start": self.raw_start,
            "raw_end": self.raw_end,
            "value": self.value.to_dict() if self.value is not None else None,
            "source": self.source,
            "confidence": rounded_confidence(self.confidence),
        }


def new_mention(
    id: str,
    label: str,
    text: str,
    start: int,
    end: int,
    raw_start: int,
    raw_end: int,
    value: MentionValue | None,
    source: str,
    confidence: float = 1.0,
) -> Mention:
    """``Mention(...)`` for the mention stage, which makes one per mention of every document.

    The same object the dataclass's ``__init__`` makes, in under half its time: that
    ``__init__`` (frozen) stores each field through ``object.__setattr__``, looked up
    and dispatched per field; here each field's slot is written by its descriptor.
    """
    mention = _new_object(Mention)
    _set_id(mention, id)
    _set_label(mention, label)
    _set_text(mention, text)
    _set_start(mention, start)
    _set_end(mention, end)
    _set_raw_start(mention, raw_start)
    _set_raw_end(mention, raw_end)
    _set_value(mention, value)
    _set_source(mention, source)
    _set_confidence(mention, confidence)
    return mention


_new_object = object.__new__
# The slot descriptors of Mention's fields, in field order (``new_mention`` writes them).
(
    _set_id,
    _set_label,
    _set_text,
    _set_start,
    _set_end,
    _set_raw_start,
    _set_raw_end,
    _set_value,
    _set_source,
    _set_confidence,
) = (getattr(Mention, f.name).__set__ for f in fields(Mention))

# ``round(c, 4)`` of the confidences met so far: a record has a few distinct ones
# (0.8, 0.9, agreements), and rounding a float to digits (through its decimal
# digits) costs several dict lookups.
_ROUNDED: dict[float, float] = {}
_ROUNDED_KEPT = 4096


def rounded_confidence(confidence: float) -> float:
    """``round(confidence, 4)``, remembered for floats.

    Only non-zero floats are remembered: ``1`` and ``1.0`` (or ``0.0`` and ``-0.0``)
    are equal keys of a dict but print differently in JSON.
    """
    if type(confidence) is not float or not confidence:
        return round(confidence, 4)
    found = _ROUNDED.get(confidence)
    if found is None:
        found = remember(_ROUNDED, confidence, round(confidence, 4), _ROUNDED_KEPT)
    return found


@dataclass(frozen=True, slots=True)
class Trigger:
    """The words that announce an event."""

    text: str
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON shape of the trigger."""
        return {"text": self.text, "start": self.start, "end": self.end}


@dataclass(frozen=True, slots=True)
class Argument:
    """One role of an event, filled by a mention, a span, or an enumerated value.

    Enumerated roles (公司上市/环节, 高管变动/变动类型) carry the normalised value as
    ``text`` and have ``start``/``end`` ``None`` when the value is not verbatim.
    """

    role: str
    text: str
    start: int | None
    end: int | None
    mention_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON shape of the argument."""
        return {
            "role": self.role,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "mention_id": self.mention_id,
        }


EventStatus: TypeAlias = Literal["asserted", "denied", "planned", "reported", "negated"]


@dataclass(frozen=True, slots=True)
class Event:
    """A business event: a typed trigger with its role-filling arguments."""

    id: str
    type: str
    trigger: Trigger
    arguments: tuple[Argument, ...]
    source: str
    confidence: float = 1.0
    status: str = "asserted"

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON shape of the event."""
        return {
            "id": self.id,
            "type": self.type,
            "trigger": self.trigger.to_dict(),
            "arguments": [a.to_dict() for a in self.arguments],
            "source": self.source,
            "confidence": rounded_confidence(self.confidence),
            "status": self.status,
        }


@dataclass(frozen=True, slots=True)
class DocDate:
    """The date relative expressions were resolved against, and where it came from.

    ``origin`` is one of ``argument`` (the caller's ``doc_date``), ``metadata`` (a
    feed field, an HTML meta tag or a dateline), ``text`` (the latest absolute date
    in the text) or ``none`` (no anchor: today's date was not used, relative dates
    are left unresolved).
    """

    value: str | None
    origin: Literal["argument", "metadata", "text", "none"]

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON shape of the document date."""
        return {"value": self.value, "origin": self.origin}


@dataclass(frozen=True, slots=True)
class Document:
    """The structured record of one article; ``to_dict`` gives the JSON record."""

    doc_id: str
    source: str | None
    text: str
    encoding: str
    repairs: tuple[Repair, ...]
    mentions: tuple[Mention, ...]
    events: tuple[Event, ...]
    doc_date: DocDate
    meta: dict[str, Any] = field(default_factory=dict)
    schema_version: str = SCHEMA_VERSION

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON record of the document (the contract in the README)."""
        return {
            "doc_id": self.doc_id,
            "source": self.source,
            "schema_version": self.schema_version,
            "text": self.text,
            "normalization": {
                "encoding": self.encoding,
                "repairs": [r.to_dict() for r in self.repairs],
            },
            "doc_date": self.doc_date.to_dict(),
            "meta": dict(self.meta),
            "mentions": [m.to_dict() for m in self.mentions],
            "events": [e.to_dict() for e in self.events],
        }

    def mentions_by_label(self, label: str) -> list[Mention]:
        """Return this document's mentions that carry ``label``, in text order."""
        return [m for m in self.mentions if m.label == label]
