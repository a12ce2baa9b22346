"""Produce the predicted side of an evaluation: run the pipeline, or read its records.

Without ``--pred`` every gold document is processed from its raw article (``raw``),
from each of its damaged copies (``damaged``), or from the gold clean text itself
(``clean``, which scores extraction alone, without normalisation). Gold documents
that carry a ``doc_date`` pass it as the anchor, so relative dates are resolved the
way the annotator resolved them. With ``--pred`` the records of an earlier run
(``documents.jsonl`` or one record's JSON) are matched to gold by ``doc_id``, or by
the article's file name.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from pipeline.core import Pipeline
from pipeline.errors import ErrorCode, GoldError, PipelineError
from pipeline.evaluate.model import EvalDoc, from_record

INPUT_MODES = ("raw", "damaged", "clean")


@dataclass(frozen=True, slots=True)
class Prediction:
    """The predicted side for one gold document (or one damaged copy of it)."""

    gold: EvalDoc
    pred: EvalDoc
    record: dict[str, Any] | None
    variant: str = ""
    failure: str | None = None


@dataclass(frozen=True, slots=True)
class _Job:
    gold: EvalDoc
    data: bytes | str
    source: str
    variant: str


def _jobs(docs: Sequence[EvalDoc], mode: str, root: Path) -> Iterator[_Job | Prediction]:
    for doc in docs:
        if mode == "clean" or (mode == "raw" and not doc.file):
            yield _Job(doc, doc.text, f"{doc.doc_id} (gold text)", "")
        elif mode == "raw":
            path = root / str(doc.file)
            try:
                yield _Job(doc, path.read_bytes(), str(path), "")
            except OSError as exc:
                yield _failed(doc, "", f"[E105] unreadable input: {path} could not be read ({exc.strerror or exc})")
        else:
            for copy in doc.damaged:
                path = root / copy.file
                try:
                    yield _Job(doc, path.read_bytes(), str(path), copy.kind)
                except OSError as exc:
                    yield _failed(
                        doc, copy.kind, f"[E105] unreadable input: {path} could not be read ({exc.strerror or exc})"
                    )


def _failed(gold: EvalDoc, variant: str, message: str) -> Prediction:
    return Prediction(gold, EvalDoc(gold.doc_id, ""), None, variant, message)


def run_pipeline(
    pipe: Pipeline, docs: Sequence[EvalDoc], *, mode: str = "raw", root: Path, use_gold_dates: bool = True
) -> Iterator[Prediction]:
    """Process every gold document (or damaged copy) and yield its prediction.

    A document the pipeline cannot process yields a prediction with ``failure`` set
    and no mentions, so it counts as all missed and the run goes on.
    """
    for job in _jobs(docs, mode, root):
        if isinstance(job, Prediction):
            yield job
            continue
        try:
            doc = pipe.process(
                job.data,
                doc_id=job.gold.doc_id,
                doc_date=job.gold.doc_date if use_gold_dates else None,
                source=job.source,
            )
        except PipelineError as exc:
            yield _failed(job.gold, job.variant, str(exc))
            continue
        except Exception as exc:  # one bad document must not stop an evaluation
            yield _failed(job.gold, job.variant, f"[E110] processing failed: {job.source}: {type(exc).__name__}: {exc}")
            continue
        record = doc.to_dict()
        yield Prediction(job.gold, from_record(record), record, job.variant)


def load_predictions(path: Path) -> dict[str, dict[str, Any]]:
    """Records from ``documents.jsonl`` (one per line) or a single record's JSON, by key.

    Each record is reachable by its ``doc_id`` and by the file name of its ``source``.

    Raises:
        GoldError: the file cannot be read, or a line is not a record (E403).

    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise GoldError(ErrorCode.E403, path=path, line=0, detail=f"cannot be read ({exc})") from None
    records: list[tuple[int, Any]] = []
    stripped = text.lstrip()
    if stripped.startswith("{") and "\n{" not in stripped.rstrip():
        try:
            records = [(1, json.loads(text))]
        except json.JSONDecodeError:
            records = []
    if not records:
        for number, raw in enumerate(text.splitlines(), start=1):
            if not raw.strip():
                continue
            try:
                records.append((number, json.loads(raw)))
            except json.JSONDecodeError as exc:
                raise GoldError(ErrorCode.E403, path=path, line=number, detail=f"not valid JSON ({exc.msg})") from None
    by_key: dict[str, dict[str, Any]] = {}
    for number, record in records:
        if not isinstance(record, dict) or "text" not in record or "mentions" not in record:
            raise GoldError(ErrorCode.E403, path=path, line=number, detail="not a pipeline record (text, mentions ...)")
        if record.get("doc_id"):
            by_key.setdefault(str(record["doc_id"]), record)
        if record.get("source"):
            by_key.setdefault(PurePosixPath(str(record["source"]).replace("\\", "/")).name, record)
    return by_key


def match_predictions(docs: Sequence[EvalDoc], records: dict[str, dict[str, Any]]) -> Iterator[Prediction]:
    """Pair gold documents with loaded records; a gold document without one has an empty prediction."""
    for doc in docs:
        record = records.get(doc.doc_id)
        if record is None and doc.file:
            record = records.get(PurePosixPath(doc.file).name)
        if record is None:
            yield _failed(doc, "", f"no prediction for {doc.doc_id}")
            continue
        yield Prediction(doc, from_record(record), record)
