"""The pipeline: an ordered list of stages that turns raw text or bytes into a Document.

The document date is resolved here, in order of trust: the caller's ``doc_date``,
then the metadata (:func:`metadata_date`: a feed field, an HTML meta tag, a
dateline), else the dates stage infers it from the latest absolute date in the text.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pipeline.config import RunConfig, load_config
from pipeline.dates.metadata import (
    date_from_fields,
    date_from_html_meta,
    dateline,
    looks_like_html,
    parse_loose,
)
from pipeline.errors import ErrorCode, InputError, PipelineError
from pipeline.records import DocDate, Document
from pipeline.repair.decode import decode_bytes
from pipeline.rulebook.loader import Rulebook, load_rulebook
from pipeline.rulebook.patterns import DEFAULT_DOCUMENT_BUDGET, Deadline, PatternMatch, pattern_scope
from pipeline.stages import DEFAULT_STAGES
from pipeline.stages.base import Candidate, Stage, StageContext, Token, TraceEntry, WorkDoc, make_stage
from pipeline.stages.normalize import Normalized, Normalizer


def parse_doc_date(value: date | datetime | str | None) -> datetime | None:
    """Accept a date, datetime or ISO string (``YYYY-MM-DD``, a full datetime, ``2025年11月20日``).

    Raises:
        InputError: the string is not a date (code E109).

    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    when = parse_loose(str(value))
    if when is None:
        raise InputError(ErrorCode.E109, value=value)
    return when


def metadata_date(raw: str, meta: Mapping[str, Any]) -> datetime | None:
    """The publication date the document's metadata gives: a feed field, an HTML meta tag, a dateline."""
    from_fields = date_from_fields(meta)
    if from_fields is not None:
        return from_fields[1]
    if looks_like_html(raw):
        from_html = date_from_html_meta(raw)
        if from_html is not None:
            return from_html
    return dateline(raw)


def make_doc_id(data: str | bytes) -> str:
    """A stable id from the content: the first 16 hex digits of its SHA-1."""
    raw = data if isinstance(data, bytes) else data.encode("utf-8", errors="surrogatepass")
    return hashlib.sha1(raw, usedforsecurity=False).hexdigest()[:16]


@dataclass(frozen=True)
class TracedRun:
    """A document's record together with the decisions that made it (for ``rules explain``).

    ``candidates`` are every proposal of every stage before overlaps were settled;
    ``trace`` the decisions the stages noted (overridden, rejected, excluded ...);
    ``matches`` every match of a rule pattern; ``pattern_seconds`` the matching time
    per rule; ``error`` the failure that stopped the document, if one did.
    """

    document: Document
    trace: tuple[TraceEntry, ...]
    candidates: tuple[Candidate, ...]
    tokens: tuple[Token, ...]
    matches: tuple[PatternMatch, ...]
    pattern_seconds: dict[str, float]
    error: PipelineError | None = None


@dataclass
class Pipeline:
    """Stages in order, built from one rulebook; ``process`` turns input into a Document."""

    rulebook: Rulebook
    stages: list[Stage]
    options: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        rules: Sequence[Path | str] = (),
        *,
        stages: Sequence[str] | None = None,
        **options: object,
    ) -> Pipeline:
        """Load the rules (built-in plus overlays) and build the named stages in order.

        Options: ``simplify`` (default on), ``pattern_timeout`` (seconds of rule-pattern
        matching per document, default 5), and whatever the stages read.

        Raises:
            RuleError: a rule file does not validate.
            ValueError: a stage requires a field no earlier stage assigns, or an option
                has a bad value.

        """
        budget = options.get("pattern_timeout")
        if budget is not None and (not isinstance(budget, int | float) or isinstance(budget, bool) or budget <= 0):
            raise ValueError(f"pattern_timeout must be a positive number of seconds, not {budget!r}")
        rulebook = load_rulebook(rules)
        context = StageContext(rulebook, dict(options))
        built = [make_stage(name, context) for name in (stages or DEFAULT_STAGES)]
        check_order(built)
        return cls(rulebook, built, dict(options))

    @classmethod
    def from_config(
        cls, config: RunConfig | Path | str, *, rules: Sequence[Path | str] = (), **options: object
    ) -> Pipeline:
        """Build from a TOML run config: its overlays, then ``rules``; its options, then ``options``.

        Raises:
            ConfigError: the config file does not validate (E207, E208).
            RuleError: a rule file does not validate.

        """
        settings = config if isinstance(config, RunConfig) else load_config(config)
        return cls.build([*settings.rules, *rules], **{**settings.stage_options(), **options})

    def stage(self, name: str) -> Stage:
        """The stage called ``name``."""
        for stage in self.stages:
            if stage.name == name:
                return stage
        raise KeyError(name)

    def normalizer(self) -> Normalizer:
        """The normaliser of the normalise stage."""
        normalizer = getattr(self.stage("normalize"), "normalizer", None)
        if not isinstance(normalizer, Normalizer):
            raise TypeError("the normalize stage has no normalizer")
        return normalizer

    def normalize(self, data: str | bytes, simplify: bool = True) -> Normalized:
        """Normalise without running the other stages."""
        return self.normalizer()(data, simplify=simplify)

    def process(
        self,
        data: str | bytes,
        *,
        doc_id: str | None = None,
        doc_date: date | datetime | str | None = None,
        source: str | None = None,
        meta: Mapping[str, Any] | None = None,
        trace: bool = False,
    ) -> Document:
        """Run every stage on ``data`` and return the document's record.

        Raises:
            InputError: ``doc_date`` is not a date (E109).
            PatternTimeout: the rule patterns used up the document's time budget (E206).

        """
        doc = self.new_doc(data, doc_id=doc_id, doc_date=doc_date, source=source, meta=dict(meta or {}))
        if trace:
            doc.trace = []
        self.run_stages(doc)
        return finish(doc)

    def process_traced(
        self,
        data: str | bytes,
        *,
        doc_id: str | None = None,
        doc_date: date | datetime | str | None = None,
        source: str | None = None,
        meta: Mapping[str, Any] | None = None,
    ) -> TracedRun:
        """Run every stage with tracing on; return the record with every decision behind it.

        Unlike :meth:`process`, a document that fails in a stage (E206 ...) does not
        raise: the run comes back with ``error`` set and whatever the stages made
        before the failure, so that ``zhpipe rules explain`` can show where it stopped.

        Raises:
            InputError: ``doc_date`` is not a date (E109).

        """
        doc = self.new_doc(data, doc_id=doc_id, doc_date=doc_date, source=source, meta=dict(meta or {}))
        doc.trace = []
        log: list[PatternMatch] = []
        error: PipelineError | None = None
        try:
            self.run_stages(doc, log)
        except PipelineError as exc:
            error = exc
        return TracedRun(
            document=finish(doc),
            trace=tuple(doc.trace),
            candidates=tuple(doc.candidates),
            tokens=tuple(doc.tokens),
            matches=tuple(log),
            pattern_seconds=dict(doc.deadline.by_rule) if doc.deadline is not None else {},
            error=error,
        )

    @property
    def pattern_budget(self) -> float:
        """Seconds of rule-pattern matching each document may use (option ``pattern_timeout``)."""
        return float(self.options.get("pattern_timeout") or DEFAULT_DOCUMENT_BUDGET)

    def run_stages(self, doc: WorkDoc, log: list[PatternMatch] | None = None) -> None:
        """Run the stages on ``doc`` in order, within its pattern time budget.

        Raises:
            PatternTimeout: the rule patterns used up the document's budget (E206).

        """
        if doc.deadline is None:
            doc.deadline = Deadline(self.pattern_budget, doc.doc_id)
        with pattern_scope(doc.deadline, log):
            for stage in self.stages:
                stage(doc)
        if doc.doc_date is None:
            doc.doc_date_origin = "none"

    def new_doc(
        self,
        data: str | bytes,
        *,
        doc_id: str | None,
        doc_date: date | datetime | str | None,
        source: str | None,
        meta: dict[str, Any],
    ) -> WorkDoc:
        """Decode the input and set the document date from the argument or metadata."""
        if isinstance(data, bytes | bytearray | memoryview):
            raw, encoding = decode_bytes(bytes(data))
        else:
            raw, encoding = str(data), "str"
        doc = WorkDoc(
            raw=raw,
            doc_id=doc_id or make_doc_id(data if isinstance(data, str | bytes) else bytes(data)),
            source=source,
            meta=meta,
        )
        doc.encoding = encoding
        anchor = parse_doc_date(doc_date)
        if anchor is not None:
            doc.doc_date, doc.doc_date_origin = anchor, "argument"
        else:
            found = metadata_date(raw, meta)
            if found is not None:
                doc.doc_date, doc.doc_date_origin = found, "metadata"
        return doc


def check_order(stages: Sequence[Stage]) -> None:
    """Check that every stage's required fields are assigned by an earlier stage.

    Raises:
        ValueError: a stage requires a field that nothing before it assigns.

    """
    available = {"raw", "doc_id", "meta", "doc_date", "source"}
    for stage in stages:
        missing = [f for f in stage.requires if f not in available]
        if missing:
            raise ValueError(f"stage {stage.name!r} requires {missing}, which no earlier stage assigns")
        available.update(stage.assigns)


def finish(doc: WorkDoc) -> Document:
    """Freeze a worked document into its record."""
    return Document(
        doc_id=doc.doc_id,
        source=doc.source,
        text=doc.text,
        encoding=doc.encoding,
        repairs=doc.repairs,
        mentions=tuple(doc.mentions),
        events=tuple(doc.events),
        doc_date=DocDate(doc.doc_date.isoformat(timespec="seconds") if doc.doc_date else None, doc.doc_date_origin),  # type: ignore[arg-type]
        meta=dict(doc.meta),
    )
