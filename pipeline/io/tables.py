"""Flat tables of documents, mentions and events (pandas and Arrow), with fixed columns.

The columns and their types are fixed so that Parquet parts written by different
runs, processes or Dask workers share one schema; a value field a label does not
have is null. Rows are built from the JSON record (``Document.to_dict()``), so a
batch can rebuild its tables from the records it stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

import pandas as pd
import pyarrow as pa

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
TABLE_COLUMNS = {"documents_table": DOCUMENT_COLUMNS, "mentions": MENTION_COLUMNS, "events": EVENT_COLUMNS}
_COUNT_COLUMNS = ("n_chars", "n_repairs", "n_mentions", "n_events")
_BOOL_COLUMNS = ("value_fuzzy", "value_currency_implied")


class Frames(NamedTuple):
    """The three tables; unpacks as ``documents, mentions, events``."""

    documents: pd.DataFrame
    mentions: pd.DataFrame
    events: pd.DataFrame


class Rows(NamedTuple):
    """The table rows of one record: one document row, its mention rows and event rows."""

    document: dict[str, Any]
    mentions: list[dict[str, Any]]
    events: list[dict[str, Any]]


def _column_kind(col: str) -> str:
    """``int``, ``float``, ``bool`` or ``str``: the type of a table column."""
    if (col.endswith(("start", "end")) and not col.startswith("value_")) or col in _COUNT_COLUMNS:
        return "int"
    if col == "confidence":
        return "float"
    if col in _BOOL_COLUMNS:
        return "bool"
    return "str"


_ARROW_TYPES = {"int": pa.int64(), "float": pa.float64(), "bool": pa.bool_(), "str": pa.string()}
_PANDAS_TYPES = {"int": "Int64", "float": "float64", "bool": "boolean", "str": "string"}


def arrow_schema(columns: list[str]) -> pa.Schema:
    """The Arrow schema of a table with ``columns`` (the same for every part of every run)."""
    return pa.schema([pa.field(col, _ARROW_TYPES[_column_kind(col)]) for col in columns])


def _scalar(value: Any, kind: str) -> Any:
    """A value as its column stores it (value fields can hold numbers where the column is text)."""
    if value is None or kind != "str" or isinstance(value, str):
        return value
    return str(value).lower() if isinstance(value, bool) else str(value)


# (value field, its column, the column's kind): worked out once, used for every mention.
_VALUE_COLUMNS = tuple((f, f"value_{f}", _column_kind(f"value_{f}")) for f in VALUE_FIELDS)


def record_rows(record: Mapping[str, Any], *, with_text: bool = False) -> Rows:
    """The table rows of one JSON record (``Document.to_dict()``).

    The documents table leaves ``text`` empty unless ``with_text``: the text is in
    ``documents.jsonl`` and would double the table's size.
    """
    doc_id = record["doc_id"]
    doc_date = record.get("doc_date") or {}
    normalization = record.get("normalization") or {}
    mentions = record.get("mentions") or []
    events = record.get("events") or []
    document = {
        "doc_id": doc_id,
        "source": record.get("source"),
        "schema_version": record.get("schema_version"),
        "encoding": normalization.get("encoding"),
        "doc_date": doc_date.get("value"),
        "doc_date_origin": doc_date.get("origin"),
        "n_chars": len(record.get("text") or ""),
        "n_repairs": len(normalization.get("repairs") or []),
        "n_mentions": len(mentions),
        "n_events": len(events),
        "text": record.get("text") if with_text else None,
    }
    mention_rows = []
    for m in mentions:
        row: dict[str, Any] = {
            "doc_id": doc_id,
            "mention_id": m["id"],
            "label": m["label"],
            "text": m["text"],
            "start": m["start"],
            "end": m["end"],
            "raw_start": m.get("raw_start"),
            "raw_end": m.get("raw_end"),
            "source": m.get("source"),
            "confidence": m.get("confidence"),
        }
        value = m.get("value") or {}
        for f, col, kind in _VALUE_COLUMNS:
            v = value.get(f)
            # _scalar inlined: most value fields are absent or already text.
            row[col] = v if v is None or kind != "str" or isinstance(v, str) else _scalar(v, kind)
        mention_rows.append(row)
    event_rows = []
    for e in events:
        trigger = e.get("trigger") or {}
        base = {
            "doc_id": doc_id,
            "event_id": e["id"],
            "type": e["type"],
            "status": e.get("status"),
            "trigger_text": trigger.get("text"),
            "trigger_start": trigger.get("start"),
            "trigger_end": trigger.get("end"),
            "source": e.get("source"),
            "confidence": e.get("confidence"),
        }
        arguments = e.get("arguments") or []
        if not arguments:
            event_rows.append(
                {**base, "role": None, "arg_text": None, "arg_start": None, "arg_end": None, "mention_id": None}
            )
        for a in arguments:
            event_rows.append(
                {
                    **base,
                    "role": a.get("role"),
                    "arg_text": a.get("text"),
                    "arg_start": a.get("start"),
                    "arg_end": a.get("end"),
                    "mention_id": a.get("mention_id"),
                }
            )
    return Rows(document, mention_rows, event_rows)


def document_row(doc: Document) -> dict[str, Any]:
    """One row of the documents table (with the text)."""
    return record_rows(doc.to_dict(), with_text=True).document


def mention_rows(doc: Document) -> list[dict[str, Any]]:
    """Rows of the mentions table: one per mention, value fields flattened."""
    return record_rows(doc.to_dict()).mentions


def event_rows(doc: Document) -> list[dict[str, Any]]:
    """Rows of the events table: one per argument (an event without arguments has one row)."""
    return record_rows(doc.to_dict()).events


def arrow_table(
    rows: list[dict[str, Any]], columns: list[str], extra: Mapping[str, list[Any]] | None = None
) -> pa.Table:
    """An Arrow table of ``rows`` with the fixed schema of ``columns`` (plus ``extra`` string columns)."""
    schema = arrow_schema(columns)
    table = pa.Table.from_pylist(rows, schema=schema)
    for name, values in (extra or {}).items():
        table = table.append_column(pa.field(name, pa.string()), pa.array(values, type=pa.string()))
    return table


def _frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=columns)
    for col in columns:
        frame[col] = frame[col].astype(_PANDAS_TYPES[_column_kind(col)])  # type: ignore[call-overload]
    return frame


def to_frames(documents: Iterable[Document]) -> Frames:
    """Build the documents, mentions and events tables of ``documents``."""
    doc_rows: list[dict[str, Any]] = []
    men_rows: list[dict[str, Any]] = []
    ev_rows: list[dict[str, Any]] = []
    for doc in documents:
        rows = record_rows(doc.to_dict(), with_text=True)
        doc_rows.append(rows.document)
        men_rows.extend(rows.mentions)
        ev_rows.extend(rows.events)
    return Frames(_frame(doc_rows, DOCUMENT_COLUMNS), _frame(men_rows, MENTION_COLUMNS), _frame(ev_rows, EVENT_COLUMNS))
