"""The normalise stage: decode, repair, simplify, and keep the map back to the raw text.

Passes run in a fixed order, each proposing edits against the current text (see
:mod:`pipeline.offsets`):

1. ``invisible``: zero-width characters and stray byte-order marks go;
2. ``pinyin``: a spam converter's ``(pīnyīn)`` annotations come out, straddling ones
   repaired at the byte level (:mod:`pipeline.repair.pinyin`);
3. ``mojibake``: damaged runs are found and undone by codec round trips
   (:mod:`pipeline.repair.mojibake`);
4. ``html_entity``, ``html_tag``: entities (numeric, named, double-escaped) are
   unescaped, then stray tags removed (an escaped tag too: a second normalisation
   must find nothing left to do). After the mojibake pass: an encoder writes a
   character its code page lacks as an entity (``&#178;``), which is plain ASCII
   among the misread bytes and must stay so until they are undone; mojibake that
   was itself escaped (``&Atilde;&copy;``) is found by the second look below;
5. ``space``: NBSP, U+3000 and the other odd spaces become plain spaces and soft
   hyphens go (after the mojibake pass, which needs them as the bytes 0xA0 and 0xAD
   they were);
6. ``width``: full-width letters and digits become ASCII (Chinese punctuation stays);
7. ``t2s`` (when simplifying): OpenCC, with the LM on one-to-many characters;
8. ``boilerplate``: platform boilerplate named in ``rules/normalize.yaml``;

and finally lost bytes (U+FFFD runs, 锟斤拷) are marked as repairs of kind ``lost``.
The character language model (:mod:`pipeline.repair.lm`) is loaded once per pipeline
and shared. Every change is a :class:`Repair`; :func:`pipeline.repair.replay.replay`
applies them to the raw text again.
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
from pipeline.repair.lm import CharLM
from pipeline.repair.lost import lost_spans
from pipeline.repair.markup import entity_edits, tag_edits
from pipeline.repair.mojibake import Repairer
from pipeline.repair.pinyin import PinyinRepairer, prepare_tables
from pipeline.repair.replay import replay
from pipeline.repair.t2s import ContextRule, Simplifier, to_simplified
from pipeline.repair.width import invisible_edits, space_edits, width_edits
from pipeline.rulebook.loader import Rulebook
from pipeline.rulebook.patterns import compile_pattern
from pipeline.rulebook.schemas.normalize import NormalizeFile
from pipeline.stages.base import StageContext, WorkDoc, stage_factory

Propose = Callable[[str], list[Edit]]  # a repair pass: the edits it proposes for a text


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

    def replay(self) -> str:
        """Apply :attr:`repairs` to :attr:`raw` again (equals :attr:`text`; see :mod:`pipeline.repair.replay`)."""
        return replay(self.raw, self.repairs)

    def to_dict(self) -> dict[str, Any]:
        """Return the ``normalization`` part of the record plus the text."""
        return {"text": self.text, "encoding": self.encoding, "repairs": [r.to_dict() for r in self.repairs]}


class Normalizer:
    """Runs the repair passes with the rules of ``kind: normalize`` files and the LM."""

    def __init__(self, rules: NormalizeFile | None, lm: CharLM | None = None) -> None:
        self.boilerplate: tuple[BoilerplatePattern, ...] = ()
        self.conversions: tuple[ContextRule, ...] = ()
        if rules is not None:
            self.boilerplate = tuple(
                BoilerplatePattern(r.id, compile_pattern(r.pattern, flags=regex.MULTILINE, rule_id=r.id), r.kind_name)
                for r in rules.boilerplate
            )
            self.conversions = tuple(ContextRule(r.id, r.char, r.default, tuple(r.keep)) for r in rules.conversions)
        self.lm = lm if lm is not None else CharLM.load()
        self.simplifier = Simplifier(self.lm, self.conversions)
        self.mojibake = Repairer(self.lm, simplifier=self.simplifier)
        self.pinyin = PinyinRepairer(self.lm, self.simplifier)
        # The passes and the ones the second look runs again, per ``simplify``: built
        # once, not per document (a clean document's passes cost a few µs each).
        self._steps: dict[bool, tuple[list[tuple[str, Propose]], list[Propose]]] = {}

    @classmethod
    def from_rulebook(cls, rulebook: Rulebook, lm: CharLM | None = None) -> Normalizer:
        """Build a normaliser from the merged ``normalize`` rules."""
        rules = rulebook.get("normalize")
        return cls(rules if isinstance(rules, NormalizeFile) else None, lm)

    def passes(self, simplify: bool) -> list[tuple[str, Callable[[str], list[Edit]]]]:
        """The repair passes in the order they run, by name."""
        steps: list[tuple[str, Callable[[str], list[Edit]]]] = [
            ("invisible", invisible_edits),
            ("pinyin", self.pinyin.edits),
            ("mojibake", self.mojibake.edits),
            ("html_entity", entity_edits),
            ("html_tag", tag_edits),
            ("space", space_edits),
            ("width", width_edits),
        ]
        if simplify:
            steps.append(("t2s", self.simplifier.edits))
        steps.append(("boilerplate", self._boilerplate_pass(simplify)))
        return steps

    def _steps_for(self, simplify: bool) -> tuple[list[tuple[str, Propose]], list[Propose]]:
        """:meth:`passes`, and those that run again after a second mojibake look (see ``__call__``)."""
        known = self._steps.get(simplify)
        if known is None:
            steps = self.passes(simplify)
            later = [propose for name, propose in steps if name in ("space", "width", "t2s")]
            known = self._steps[simplify] = (steps, later)
        return known

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
        """Normalise ``data`` (text, or bytes in any common encoding); never raises on bad input."""
        if isinstance(data, bytes | bytearray | memoryview):
            raw, encoding = decode_bytes(bytes(data), self.lm)
        else:
            raw, encoding = str(data), "str"
        state = TextState(raw)
        steps, later = self._steps_for(simplify)
        # The text the mojibake pass found nothing to change in, if it did.
        clean_for_mojibake: str | None = None
        for name, propose in steps:
            seen = state.text
            changed = state.apply(propose(seen))
            if name == "mojibake" and not changed:
                clean_for_mojibake = seen
        # A repair can expose damage the first look missed (t2s turned a misread
        # 築 into 筑, and what is left is now a run of its own): look again until
        # nothing changes, so that normalising the output finds nothing to do. The
        # look is a function of the text alone: on the very text the first look
        # left alone it would find nothing again, and is skipped.
        for _round in range(2):
            if state.text == clean_for_mojibake or not state.apply(self.mojibake.edits(state.text)):
                break
            for propose in later:
                state.apply(propose(state.text))
        for start, end in lost_spans(state.text):
            state.mark(start, end, "lost", "normalize.lost_bytes", confidence=0.0)
        text, repairs, offset_map = state.finish()
        return Normalized(raw, text, encoding, repairs, offset_map)


@stage_factory("normalize")
def make_normalize_stage(context: StageContext) -> NormalizeStage:
    """Build the normalise stage (``simplify`` option: convert to Simplified, default on)."""
    lm = context.shared("charlm", CharLM.load)
    # The pinyin repair's tables, like the model, before a batch forks its workers.
    prepare_tables()
    return NormalizeStage(Normalizer.from_rulebook(context.rulebook, lm), bool(context.options.get("simplify", True)))


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
