"""The mentions stage: settle overlaps between candidates and resolve names in a document.

Policy (documented in the README):

1. Overlaps: the longer candidate wins; at equal length the higher rule priority,
   then the higher confidence. The gazetteer has the highest priority among names,
   so it wins exact ties with the model; the model fills what no rule found.
2. A person's later mentions (bare name) are found and carry the title and
   organisation given at the first mention that had them.
3. A product without a known maker takes the organisation written right before it
   (``阿里通义千问``, ``字节的豆包``).
4. Offsets are mapped back to the raw text.
"""

from __future__ import annotations

from dataclasses import replace

import regex

from pipeline.records import Mention, OrgValue, PersonValue, ProductValue
from pipeline.stages.base import Candidate, StageContext, WorkDoc, stage_factory
from pipeline.textutil import select_non_overlapping

_HAN = regex.compile(r"\p{Han}")


def settle_overlaps(doc: WorkDoc, candidates: list[Candidate]) -> list[Candidate]:
    """Keep a non-overlapping set: longest first, then priority, then confidence."""
    kept = select_non_overlapping(
        candidates,
        key=lambda c: (c.length, c.priority, c.confidence),
        span=lambda c: (c.start, c.end),
    )
    if doc.trace is not None:
        kept_ids = {id(c) for c in kept}
        for cand in candidates:
            if id(cand) in kept_ids:
                continue
            winner = next((k for k in kept if k.start < cand.end and cand.start < k.end), None)
            why = (
                f"overlaps {winner.label} {doc.text[winner.start : winner.end]!r} from {winner.source}"
                f" (length {winner.length} vs {cand.length}, priority {winner.priority} vs {cand.priority})"
                if winner is not None
                else "dropped"
            )
            doc.note("mentions", "overridden", cand.source, (cand.start, cand.end), why)
    return sorted(kept, key=lambda c: (c.start, c.end))


def propagate_persons(doc: WorkDoc, kept: list[Candidate]) -> list[Candidate]:
    """Find later bare mentions of known persons and give every mention the known title."""
    best: dict[str, PersonValue] = {}
    for cand in kept:
        if cand.label == "PERSON" and isinstance(cand.value, PersonValue):
            known = best.get(cand.value.name)
            if known is None or (known.title is None and cand.value.title is not None):
                best[cand.value.name] = cand.value
    if not best:
        return kept
    taken = [(c.start, c.end) for c in kept]
    extra: list[Candidate] = []
    bounds: tuple[set[int], set[int]] | None = None
    for name, value in best.items():
        for m in regex.finditer(regex.escape(name), doc.text):
            s, e = m.span()
            if any(s < te and ts < e for ts, te in taken):
                continue
            # A bare name inside a longer run of Chinese characters could be part of
            # another word; require the segmenter to agree it is a word.
            if doc.tokens:
                bounds = bounds or _token_bounds(doc)
                if s not in bounds[0] or e not in bounds[1]:
                    continue
            extra.append(
                Candidate("PERSON", s, e, PersonValue(name, value.title, value.org), "rule:persons.coreference", 0, 0.8)
            )
            taken.append((s, e))
    out = []
    for cand in kept:
        if cand.label == "PERSON" and isinstance(cand.value, PersonValue):
            known = best[cand.value.name]
            cand = replace(
                cand,
                value=PersonValue(cand.value.name, cand.value.title or known.title, cand.value.org or known.org),
            )
        out.append(cand)
    return sorted(out + extra, key=lambda c: (c.start, c.end))


def _token_bounds(doc: WorkDoc) -> tuple[set[int], set[int]]:
    """Where the document's tokens start and end (built once per document, when needed)."""
    return {t.start for t in doc.tokens}, {t.end for t in doc.tokens}


def attach_makers(doc: WorkDoc, kept: list[Candidate]) -> list[Candidate]:
    """Give a product without a maker the organisation written right before it."""
    org_by_end = {c.end: c for c in kept if c.label == "ORG"}
    out = []
    for cand in kept:
        if cand.label == "PRODUCT" and isinstance(cand.value, ProductValue) and cand.value.org is None:
            org = org_by_end.get(cand.start)
            if org is None and doc.text[cand.start - 1 : cand.start] == "的":
                org = org_by_end.get(cand.start - 1)
            if org is not None and isinstance(org.value, OrgValue):
                cand = replace(cand, value=ProductValue(cand.value.name, org.value.name))
        out.append(cand)
    return out


def to_mentions(doc: WorkDoc, kept: list[Candidate]) -> list[Mention]:
    """Number the candidates and map their offsets to the raw text."""
    mentions = []
    for i, cand in enumerate(kept, start=1):
        if doc.offset_map is not None:
            raw_start, raw_end = doc.offset_map.to_raw_span(cand.start, cand.end)
        else:
            raw_start, raw_end = cand.start, cand.end
        mentions.append(
            Mention(
                id=f"m{i}",
                label=cand.label,
                text=doc.text[cand.start : cand.end],
                start=cand.start,
                end=cand.end,
                raw_start=raw_start,
                raw_end=raw_end,
                value=cand.value,
                source=cand.source,
                confidence=cand.confidence,
            )
        )
    return mentions


class MentionsStage:
    """Turns candidates into the document's final mentions."""

    name = "mentions"
    requires: tuple[str, ...] = ("text", "candidates")
    assigns: tuple[str, ...] = ("mentions",)

    def __call__(self, doc: WorkDoc) -> None:
        """Settle overlaps, resolve persons and makers, and number the mentions."""
        kept = settle_overlaps(doc, doc.candidates)
        kept = propagate_persons(doc, kept)
        kept = attach_makers(doc, kept)
        doc.mentions = to_mentions(doc, kept)


@stage_factory("mentions")
def make_mentions_stage(context: StageContext) -> MentionsStage:
    """Build the mention resolution stage."""
    return MentionsStage()
