"""Flat tables of documents, mentions and events (pandas), with fixed columns.

The columns are fixed so that Parquet parts written by different runs or workers
share one schema; a value field a label does not have is null.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

import pandas as pd

from pipeline.records import Document

DOCUMENT_COLUMNS = [
    "doc_id", "source", "schema_version", "encoding", "doc_date", "doc_date_origin",
    "n_chars", "n_repairs", "n_mentions", "n_events", "text",
]  # fmt: skip
VALUE_FIELDS = [
    "kind", "start", "end", "grain", "fuzzy", "duration",
    "value", "low", "high", "currency", "currency_implied", "unit", "qualifier",
    "name", "type", "alias", "title", "org",
]  # fmt: skip
MENTION_COLUMNS = [
    "doc_id", "mention_id", "label", "text", "start", "end", "raw_start", "raw_end", "source", "confidence",
    *[f"value_{f}" for f in VALUE_FIELDS],
]  # fmt: skip
EVENT_COLUMNS = [
    "doc_id", "event_id", "type", "status", "trigger_text", "trigger_start", "trigger_end",
    "role", "arg_text", "arg_start", "arg_end", "mention_id", "source", "confidence",
]  # fmt: skip


class Frames(NamedTuple):
    """The three tables; unpacks as ``documents, mentions, events``."""

    documents: pd.DataFrame
    mentions: pd.DataFrame
    events: pd.DataFrame


def document_row(doc: Document) -> dict[str, Any]:
    """One row of the documents table."""
    return {
        "doc_id": doc.doc_id,
        "source": doc.source,
        "schema_version": doc.schema_version,
        "encoding": doc.encoding,
        "doc_date": doc.doc_date.value,
        "doc_date_origin": doc.doc_date.origin,
        "n_chars": len(doc.text),
        "n_repairs": len(doc.repairs),
        "n_mentions": len(doc.mentions),
        "n_events": len(doc.events),
        "text": doc.text,
    }


def mention_rows(doc: Document) -> list[dict[str, Any]]:
    """Rows of the mentions table: one per mention, value fields flattened."""
    rows = []
    for m in doc.mentions:
        row: dict[str, Any] = {
            "doc_id": doc.doc_id,
            "mention_id": m.id,
            "label": m.label,
            "text": m.text,
            "start": m.start,
            "end": m.end,
            "raw_start": m.raw_start,
            "raw_end": m.raw_end,
            "source": m.source,
            "confidence": m.confidence,
        }
        value = m.value.to_dict() if m.value is not None else {}
        for f in VALUE_FIELDS:
            row[f"value_{f}"] = value.get(f)
        rows.append(row)
    return rows


def event_rows(doc: Document) -> list[dict[str, Any]]:
    """Rows of the events table: one per argument (an event without arguments has one row)."""
    rows = []
    for e in doc.events:
        base = {
            "doc_id": doc.doc_id,
            "event_id": e.id,
            "type": e.type,
            "status": e.status,
            "trigger_text": e.trigger.text,
            "trigger_start": e.trigger.start,
            "trigger_end": e.trigger.end,
            "source": e.source,
            "confidence": e.confidence,
        }
        if not e.arguments:
            rows.append(
                {**base, "role": None, "arg_text": None, "arg_start": None, "arg_end": None, "mention_id": None}
            )
        for a in e.arguments:
            rows.append(
                {
                    **base,
                    "role": a.role,
                    "arg_text": a.text,
                    "arg_start": a.start,
                    "arg_end": a.end,
                    "mention_id": a.mention_id,
                }
            )
    return rows


def _frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=columns)
    for col in columns:
        if (col.endswith(("start", "end")) and not col.startswith("value_")) or col in (
            "n_chars",
            "n_repairs",
            "n_mentions",
            "n_events",
        ):
            frame[col] = frame[col].astype("Int64")
        elif col == "confidence":
            frame[col] = frame[col].astype("float64")
        elif col in ("value_fuzzy", "value_currency_implied"):
            frame[col] = frame[col].astype("boolean")
        else:
            frame[col] = frame[col].astype("string")
    return frame


def to_frames(documents: Iterable[Document]) -> Frames:
    """Build the documents, mentions and events tables of ``documents``."""
    doc_rows: list[dict[str, Any]] = []
    men_rows: list[dict[str, Any]] = []
    ev_rows: list[dict[str, Any]] = []
    for doc in documents:
        doc_rows.append(document_row(doc))
        men_rows.extend(mention_rows(doc))
        ev_rows.extend(event_rows(doc))
    return Frames(_frame(doc_rows, DOCUMENT_COLUMNS), _frame(men_rows, MENTION_COLUMNS), _frame(ev_rows, EVENT_COLUMNS))
