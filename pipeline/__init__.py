"""zhpipe: Chinese news articles in, structured records out.

The public API is small on purpose::

    import pipeline
    norm = pipeline.normalize(raw_bytes)          # .text, .repairs, .to_raw(i)
    doc = pipeline.extract(raw_bytes, doc_date="2025-11-20")
    record = doc.to_dict()
    documents, mentions, events = pipeline.to_frames([doc])
"""

from __future__ import annotations

from pipeline.api import default_pipeline, extract, normalize, to_frames
from pipeline.core import Pipeline
from pipeline.records import SCHEMA_VERSION, Document, Event, Mention, Repair
from pipeline.stages.normalize import Normalized

__version__ = "0.1.0"

__all__ = [
    "SCHEMA_VERSION",
    "Document",
    "Event",
    "Mention",
    "Normalized",
    "Pipeline",
    "Repair",
    "__version__",
    "default_pipeline",
    "extract",
    "normalize",
    "to_frames",
]
