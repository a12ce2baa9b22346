"""The normalise stage: decode, repair, simplify, and keep the map back to the raw text.

Passes run in a fixed order, each proposing edits against the current text (see
:mod:`pipeline.offsets`): invisible characters and odd spaces, HTML entities and
tags, full-width letters and digits, pinyin annotations, Traditional to Simplified,
boilerplate, then lost bytes are marked. Every change is a :class:`Repair`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import regex

from pipeline.offsets import Edit, OffsetMap, TextState
from pipeline.records import Repair
from pipeline.repair.boilerplate import BoilerplatePattern, boilerplate_edits
from pipeline.repair.decode import decode_bytes
from pipeline.repair.markup import entity_edits, tag_edits
from pipeline.repair.pinyin import annotation_edits
from pipeline.repair.t2s import ContextRule, t2s_edits, to_simplified
from pipeline.repair.width import invisible_edits, width_edits
from pipeline.rulebook.loader import Rulebook
from pipeline.rulebook.patterns import compile_pattern
from pipeline.rulebook.schemas.normalize import NormalizeFile
from pipeline.stages.base import StageContext, WorkDoc, stage_factory

# U+FFFD runs, and 锟斤拷 (UTF-8 EF BF BD pairs read as GBK): bytes that are gone.
_LOST = regex.compile(r"(?:\ufffd)+|(?:锟斤拷|烫烫烫|屯屯屯)+")


@dataclass(frozen=True, slots=True)
class Normalized:
    """The result of normalisation: text, repairs, and the map back to the raw text."""

    raw: str
    text: str
    encoding: str
    repairs: tuple[Repair, ...]
    offset_map: OffsetMap

    def to_raw(self, i: int) -> int:
        """Map offset ``i`` of :attr:`text` to an offset of :attr:`raw`."""
        return self.offset_map.to_raw(i)

    def to_raw_span(self, start: int, end: int) -> tuple[int, int]:
        """Map the span ``text[start:end]`` to the raw span that produced it."""
        return self.offset_map.to_raw_span(start, end)

    def to_dict(self) -> dict[str, Any]:
        """Return the ``normalization`` part of the record plus the text."""
        return {"text": self.text, "encoding": self.encoding, "repairs": [r.to_dict() for r in self.repairs]}


class Normalizer:
    """Runs the repair passes with the rules of ``kind: normalize`` files."""

    def __init__(self, rules: NormalizeFile | None) -> None:
        self.boilerplate: tuple[BoilerplatePattern, ...] = ()
        self.conversions: tuple[ContextRule, ...] = ()
        if rules is not None:
            self.boilerplate = tuple(
                BoilerplatePattern(r.id, compile_pattern(r.pattern, flags=regex.MULTILINE, rule_id=r.id), r.kind_name)
                for r in rules.boilerplate
            )
            self.conversions = tuple(ContextRule(r.id, r.char, r.default, tuple(r.keep)) for r in rules.conversions)

    @classmethod
    def from_rulebook(cls, rulebook: Rulebook) -> Normalizer:
        """Build a normaliser from the merged ``normalize`` rules."""
        rules = rulebook.get("normalize")
        return cls(rules if isinstance(rules, NormalizeFile) else None)

    def passes(self, simplify: bool) -> list[tuple[str, Callable[[str], list[Edit]]]]:
        """The repair passes in the order they run, by name."""
        steps: list[tuple[str, Callable[[str], list[Edit]]]] = [
            ("invisible", invisible_edits),
            ("html_entity", entity_edits),
            ("html_tag", tag_edits),
            ("width", width_edits),
            ("pinyin_annotation", annotation_edits),
        ]
        if simplify:
            steps.append(("t2s", lambda text: t2s_edits(text, self.conversions)))
        steps.append(("boilerplate", self._boilerplate_pass(simplify)))
        return steps

    def _boilerplate_pass(self, simplified: bool) -> Callable[[str], list[Edit]]:
        def run(text: str) -> list[Edit]:
            if not self.boilerplate:
                return []
            shadow = text if simplified else to_simplified(text)
            if len(shadow) != len(text):
                shadow = text
            return boilerplate_edits(text, shadow, self.boilerplate)

        return run

    def __call__(self, data: str | bytes, simplify: bool = True) -> Normalized:
        """Normalise ``data`` (text, or bytes in any common encoding); never raises."""
        if isinstance(data, bytes | bytearray | memoryview):
            raw, encoding = decode_bytes(bytes(data))
        else:
            raw, encoding = str(data), "str"
        state = TextState(raw)
        for _name, propose in self.passes(simplify):
            state.apply(propose(state.text))
        for m in _LOST.finditer(state.text):
            state.mark(m.start(), m.end(), "lost", "normalize.lost_bytes", confidence=0.0)
        text, repairs, offset_map = state.finish()
        return Normalized(raw, text, encoding, repairs, offset_map)


@stage_factory("normalize")
def make_normalize_stage(context: StageContext) -> NormalizeStage:
    """Build the normalise stage (``simplify`` option: convert to Simplified, default on)."""
    return NormalizeStage(Normalizer.from_rulebook(context.rulebook), bool(context.options.get("simplify", True)))


class NormalizeStage:
    """Stage wrapper: fills ``text``, ``repairs``, ``offset_map`` and ``encoding``."""

    name = "normalize"
    requires: tuple[str, ...] = ("raw",)
    assigns: tuple[str, ...] = ("text", "repairs", "offset_map", "encoding")

    def __init__(self, normalizer: Normalizer, simplify: bool) -> None:
        self.normalizer = normalizer
        self.simplify = simplify

    def __call__(self, doc: WorkDoc) -> None:
        """Normalise ``doc.raw`` (already decoded by the reader, or decoded here)."""
        result = self.normalizer(doc.raw, simplify=self.simplify)
        doc.text = result.text
        doc.repairs = result.repairs
        doc.offset_map = result.offset_map
        if doc.encoding == "str":
            doc.encoding = result.encoding
