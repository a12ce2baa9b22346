"""The public functions: ``normalize``, ``extract``, ``to_frames`` (see the README contract)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from pipeline.core import Pipeline
from pipeline.records import Document
from pipeline.stages.normalize import Normalized


@lru_cache(maxsize=1)
def default_pipeline() -> Pipeline:
    """The pipeline with the built-in rules, built once per process.

    It is never mutated after it is built; callers that want other rules or stages
    build their own with :meth:`Pipeline.build`.
    """
    return Pipeline.build()


def normalize(text_or_bytes: str | bytes, simplify: bool = True) -> Normalized:
    """Repair and normalise one text; ``simplify=False`` keeps Traditional characters.

    Returns a :class:`Normalized` with ``.text``, ``.repairs`` and ``.to_raw(i)``.
    """
    return default_pipeline().normalize(text_or_bytes, simplify=simplify)


def extract(
    text_or_bytes: str | bytes,
    *,
    doc_id: str | None = None,
    doc_date: date | datetime | str | None = None,
    meta: dict[str, Any] | None = None,
    source: str | None = None,
) -> Document:
    """Run the whole pipeline on one article and return its :class:`Document`.

    ``doc_date`` anchors relative dates (今年, 昨天); without it the date comes from
    ``meta`` (``published`` ...), a dateline, or the latest absolute date in the text.
    """
    return default_pipeline().process(text_or_bytes, doc_id=doc_id, doc_date=doc_date, meta=meta, source=source)


def to_frames(documents: Iterable[Document]) -> Any:
    """Flat pandas tables of ``documents``: a named tuple ``(documents, mentions, events)``."""
    from pipeline.io.tables import to_frames as _to_frames

    return _to_frames(documents)
