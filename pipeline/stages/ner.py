"""The ner stage: candidates from the trained character NER model (``model:ner``).

It runs after the rule-based ``entities`` stage and before ``mentions``, which merges
both (gazetteer wins on exact matches, the model fills the rest; see
``pipeline/stages/mentions.py``). The model is optional: build the pipeline with
``ner=False`` (CLI: ``--no-model``) to run the rules only; the stage is then a no-op.
Another model folder can be given with ``ner_model=PATH``.

Model ``LOC`` spans are passed on as ``LOC`` candidates; the record has no such label and
the mention stage drops them.
"""

from __future__ import annotations

from pathlib import Path

import regex

from pipeline.ner.model import NerModel
from pipeline.records import MentionValue, OrgValue, PersonValue
from pipeline.rulebook.loader import Rulebook
from pipeline.rulebook.schemas.entities import GazetteerFile, OrgPatternsFile, PersonsFile
from pipeline.stages.base import Candidate, StageContext, WorkDoc, stage_factory

MODEL_SOURCE = "model:ner"
_HAN = regex.compile(r"\p{Han}")
_LEADING_LATIN = regex.compile(r"^[A-Za-z0-9]+")
# spaCy's greedy transition-based NER gives no per-entity probability; a model span
# alone gets this confidence, and agreement with a rule raises it (mentions stage).
MODEL_CONFIDENCE = 0.7
_LABELS = {"ORG": "ORG", "PERSON": "PERSON", "LOC": "LOC"}


class OrgTyper:
    """The organisation type of a name the gazetteer does not know, from its suffix."""

    def __init__(self, rulebook: Rulebook) -> None:
        self.known: dict[str, tuple[str, str]] = {}
        gazetteer = rulebook.get("gazetteer")
        if isinstance(gazetteer, GazetteerFile):
            for entry in gazetteer.entries:
                for alias in (entry.name, *entry.aliases):
                    self.known[alias] = (entry.name, entry.type)
        self.suffixes: list[tuple[str, str]] = []
        self.legal: tuple[str, ...] = ()
        self.places: tuple[str, ...] = ()
        self.generic: frozenset[str] = frozenset()
        self.not_orgs: frozenset[str] = frozenset()
        patterns = rulebook.get("org_patterns")
        if isinstance(patterns, OrgPatternsFile):
            for rule in patterns.suffixes:
                self.suffixes.extend((suffix, rule.type) for suffix in rule.suffixes)
            self.suffixes.extend((suffix, kind) for kind, words in patterns.type_suffixes.items() for suffix in words)
            self.legal = tuple(sorted(patterns.legal_suffixes, key=len, reverse=True))
            self.places = tuple(sorted(patterns.place_names, key=len, reverse=True))
            self.generic = frozenset(patterns.generic_stems)
            self.not_orgs = frozenset(patterns.not_names)
        self.suffixes.sort(key=lambda item: len(item[0]), reverse=True)
        self.endings = tuple(suffix for suffix, _kind in self.suffixes)

    def implausible(self, name: str) -> bool:
        """True for model ORGs that are common nouns or fragments, not names.

        国央企 and 中国AI创业公司 are kinds of organisation (their stem, without legal
        form, place or acronym, is a generic stem of org_patterns.yaml); ToB is business
        jargon (``not_names``).
        """
        if name in self.known:
            return False
        if name in self.not_orgs:
            return True
        core = name
        for suffix in self.legal:
            if core.endswith(suffix) and len(core) > len(suffix):
                core = core[: -len(suffix)]
                break
        for place in self.places:
            if core.startswith(place) and len(core) > len(place):
                core = core[len(place) :]
                break
        core = _LEADING_LATIN.sub("", core)
        return core in self.generic or name in self.generic

    def value(self, name: str) -> OrgValue:
        """Canonical name and type of ``name``: the gazetteer's, else guessed from the suffix."""
        if name in self.known:
            canonical, kind = self.known[name]
            return OrgValue(canonical, kind, name)
        for suffix, kind in self.suffixes:
            if name.endswith(suffix) and len(name) > len(suffix):
                # Suffix rules file banks and brokers under fund; a model hit on 银行 is a company.
                return OrgValue(name, "company" if kind == "fund" and name.endswith(_COMPANY_FINANCE) else kind, name)
        return OrgValue(name, "company", name)


_COMPANY_FINANCE = ("银行", "证券", "保险", "期货", "信托")


class NerStage:
    """Adds the model's ORG, PERSON (and LOC) candidates; a no-op when the model is off."""

    name = "ner"
    requires: tuple[str, ...] = ("text", "tokens")
    assigns: tuple[str, ...] = ("candidates",)

    def __init__(self, model: NerModel | None, typer: OrgTyper, honorifics: frozenset[str] = frozenset()) -> None:
        self.model = model
        self.typer = typer
        self.honorifics = honorifics

    @property
    def enabled(self) -> bool:
        """True when a model is loaded (False for rules-only pipelines)."""
        return self.model is not None

    def __call__(self, doc: WorkDoc) -> None:
        """Run the model over ``doc.text`` with the segmenter's words as features."""
        if self.model is None or not doc.text:
            return
        words = [(t.start, t.end) for t in doc.tokens]
        for span in self.model.spans(doc.text, words):
            label = _LABELS.get(span.label)
            start, end = _trim(doc.text, span.start, span.end)
            text = doc.text[start:end]
            if label is None or not text:
                continue
            value: MentionValue | None
            if label == "ORG":
                if self.typer.implausible(text):
                    continue
                value = self.typer.value(text)
            elif label == "PERSON":
                if text[1:] in self.honorifics or text in self.typer.not_orgs:
                    continue  # 李总, 王董: a form of address; ToB, CEO: jargon
                value = PersonValue(text)
            else:
                value = None
            doc.candidates.append(
                Candidate(label, start, end, value, MODEL_SOURCE, priority=1, confidence=MODEL_CONFIDENCE)
            )


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """The span without the spaces and punctuation the model sometimes takes at its edges."""
    while start < end and (text[start].isspace() or text[start] in _EDGE_PUNCT):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in _EDGE_PUNCT):
        end -= 1
    return start, end


# Brackets stay: names may end in one (美国证券交易委员会(SEC)).
_EDGE_PUNCT = frozenset("，。、；：！？,.;:!?“”\"'‘’")


@stage_factory("ner")
def make_ner_stage(context: StageContext) -> NerStage:
    """Build the model stage; ``ner=False`` turns it off, ``ner_model=PATH`` picks another model."""
    typer = OrgTyper(context.rulebook)
    if not context.options.get("ner", True):
        return NerStage(None, typer)
    path = context.options.get("ner_model")
    model = context.shared("ner_model", lambda: NerModel.load(Path(path) if path else None))
    assert isinstance(model, NerModel)
    persons = context.rulebook.get("persons")
    honorifics = frozenset(persons.honorifics) if isinstance(persons, PersonsFile) else frozenset()
    return NerStage(model, typer, honorifics)


def ner_model_info(pipeline: object) -> dict[str, object] | None:
    """What the manifest says about the model: its folder, version and training data hashes.

    ``None`` when the pipeline runs rules only.
    """
    stages = getattr(pipeline, "stages", [])
    stage = next((s for s in stages if isinstance(s, NerStage)), None)
    if stage is None or stage.model is None:
        return None
    return stage.model.info()
