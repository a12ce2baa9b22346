"""The dates stage: find date and time expressions and resolve them to ISO intervals.

The work is done by :class:`pipeline.dates.extractor.DateExtractor` from the
``kind: dates`` rule files (``rules/dates.yaml`` and friends); this module turns its
findings into DATE candidates and sets the document date from the text when neither
the caller nor the metadata gave one.
"""

from __future__ import annotations

from pipeline.dates.calendar import Interval, iso
from pipeline.dates.extractor import DateExtractor, Found
from pipeline.dates.resolver import DateResolver
from pipeline.stages.base import Candidate, StageContext, WorkDoc, stage_factory


def to_candidates(doc: WorkDoc, found: list[Found]) -> list[Candidate]:
    """DATE candidates of resolved expressions; unresolved ones get a low confidence and a trace note."""
    out = []
    for f in found:
        if f.resolved is None:
            doc.note("dates", "unresolved", f"rule:{f.rule_id}", (f.start, f.end), f.reason)
            confidence = 0.3
        else:
            confidence = 0.9 if f.value.fuzzy else 1.0
        out.append(Candidate("DATE", f.start, f.end, f.value, f"rule:{f.rule_id}", f.priority, confidence))
    return out


class DatesStage:
    """Adds DATE candidates; sets the document date from the text when none was given."""

    name = "dates"
    requires: tuple[str, ...] = ("text",)
    assigns: tuple[str, ...] = ("candidates", "doc_date")

    def __init__(self, extractor: DateExtractor) -> None:
        self.extractor = extractor

    def __call__(self, doc: WorkDoc) -> None:
        """Find and resolve the dates of ``doc``."""
        atoms = self.extractor.find_atoms(doc.text)
        if doc.doc_date is None:
            inferred = self.extractor.infer_doc_date(atoms)
            if inferred is not None:
                doc.doc_date, doc.doc_date_origin = inferred, "text"
        found = self.extractor.compose(doc.text, self.extractor.resolve_atoms(doc.text, atoms, doc.doc_date))
        doc.candidates.extend(to_candidates(doc, found))


@stage_factory("dates")
def make_dates_stage(context: StageContext) -> DatesStage:
    """Build the dates stage from the ``dates`` rules (one extractor per pipeline)."""
    extractor = context.shared("dates.extractor", lambda: DateExtractor.from_rulebook(context.rulebook))
    return DatesStage(extractor)


__all__ = ["DateExtractor", "DateResolver", "DatesStage", "Interval", "iso", "to_candidates"]
