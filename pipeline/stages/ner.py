"""The ner stage: candidates from the trained character NER model (``model:ner``).

It runs after the rule-based ``entities`` stage and before ``mentions``, which merges
both (gazetteer wins on exact matches, the model fills the rest; see
``pipeline/stages/mentions.py``). The model is optional: build the pipeline with
``ner=False`` (CLI: ``--no-model``) to run the rules only; the stage is then a no-op.
Another model folder can be given with ``ner_model=PATH``.

Model ``LOC`` spans are passed on as ``LOC`` candidates; the record has no such label and
the mention stage drops them.

Where neither a rule nor the model read anything, the person names the model's training
sentences label (``names.tsv`` in the model folder, ``pipeline/ner/names.py``) are added
as whole words (``model:ner.names``).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

import regex

from pipeline.ner.model import EntitySpan, NerModel
from pipeline.ner.names import NameLexicon
from pipeline.records import MentionValue, OrgValue, PersonValue
from pipeline.rulebook.loader import Rulebook
from pipeline.rulebook.schemas.entities import GazetteerFile, OrgPatternsFile, PersonsFile
from pipeline.stages.base import Candidate, StageContext, Token, WorkDoc, stage_factory
from pipeline.stages.entities import (
    NAME_TAGS,
    address_cut,
    company_endings_of,
    department_cut,
    shared_word_tags,
)

MODEL_SOURCE = "model:ner"
# Person names of the model's training data (``pipeline/ner/names.py``), found where
# neither the rules nor the model read anything.
NAMES_SOURCE = "model:ner.names"
_SHARED_MODEL = "ner_model"
_SHARED_NAMES = "ner_names"
_HAN = regex.compile(r"\p{Han}")
_LEADING_LATIN = regex.compile(r"^[A-Za-z0-9]+")
# A model span's confidence is the lowest probability of its characters' tags; spans
# below this are too unsure to report (agreement with a rule raises the confidence of
# the others in the mentions stage). Tuned on the held-out part of the train splits
# (``evaluate --split holdout``): for ORG 0.2 scores best (0.5 loses recall, 0
# precision); for PERSON 0.2 to 0.4 score alike, and 0.4 keeps out the unsure
# two-character fragments that would cut into event triggers (市辅 in 上市辅导).
# The ``ner_min_confidence`` option sets one threshold for every label.
MIN_CONFIDENCE: dict[str, float] = {"ORG": 0.2, "PERSON": 0.4, "LOC": 0.2}
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
        self.stop_words: frozenset[str] = frozenset()
        patterns = rulebook.get("org_patterns")
        if isinstance(patterns, OrgPatternsFile):
            for rule in patterns.suffixes:
                self.suffixes.extend((suffix, rule.type) for suffix in rule.suffixes)
            self.suffixes.extend((suffix, kind) for kind, words in patterns.type_suffixes.items() for suffix in words)
            self.legal = tuple(sorted(patterns.legal_suffixes, key=len, reverse=True))
            self.places = tuple(sorted(patterns.place_names, key=len, reverse=True))
            self.generic = frozenset(patterns.generic_stems)
            self.not_orgs = frozenset(patterns.not_names)
            # Words that end a suffix-rule stem (旗下, 控股股东, 收购, 表示) and are not
            # what names are made of (stem_verbs: 投资, 发展): no name holds them.
            self.stop_words = frozenset(w for w in patterns.stop_words if len(w) > 1) - frozenset(patterns.stem_verbs)
        self.suffixes.sort(key=lambda item: len(item[0]), reverse=True)
        self.endings = tuple(suffix for suffix, _kind in self.suffixes)
        # The lists above are read longest first, first match wins; these lookups give
        # the same answer with one dictionary probe per distinct length instead of a
        # scan of every entry (hundreds of places, per model span).
        self._suffix_kinds = _Affixes(self.suffixes)
        self._legal = _Affixes((suffix, suffix) for suffix in self.legal)
        self._places = _Affixes((place, place) for place in self.places)
        self.company_endings = company_endings_of(patterns if isinstance(patterns, OrgPatternsFile) else None)

    def implausible(self, name: str) -> bool:
        """True for model ORGs that are common nouns or fragments, not names.

        国央企 and 中国AI创业公司 are kinds of organisation (their stem, without legal
        form, place or acronym, is a generic stem of org_patterns.yaml); ToB is business
        jargon (``not_names``). A bare legal form (公司: "the company" of a filing) or
        a place with one (北京公司: a firm's Beijing branch) names no one.
        """
        if name in self.known:
            return False
        if name in self.not_orgs or name in self.legal:
            return True
        core = name
        suffix = self._legal.longest_suffix(core)
        if suffix is not None:
            core = core[: -len(suffix)]
        if core != name and name.endswith("公司") and core in self._places.first:
            return True
        place = self._places.longest_prefix(core)
        if place is not None:
            core = core[len(place) :]
        core = _LEADING_LATIN.sub("", core)
        return core in self.generic or name in self.generic

    def value(self, name: str) -> OrgValue:
        """Canonical name and type of ``name``: the gazetteer's, else guessed from the suffix."""
        if name in self.known:
            canonical, kind = self.known[name]
            return OrgValue(canonical, kind, name)
        guessed = self._suffix_kinds.longest_suffix(name)
        if guessed is not None:
            # Suffix rules file banks and brokers under fund; a model hit on 银行 is a company.
            company = guessed == "fund" and name.endswith(_COMPANY_FINANCE)
            return OrgValue(name, "company" if company else guessed, name)
        return OrgValue(name, "company", name)


class _Affixes:
    """The longest affix of a list that a word starts or ends with, and is longer than.

    Answers what scanning the list longest first and taking the first match answers
    (for a list sorted by length, longest first), by looking up the word's own prefix
    or suffix of each length the list has.
    """

    def __init__(self, entries: Iterable[tuple[str, str]]) -> None:
        self.first: dict[str, str] = {}
        for affix, payload in entries:
            self.first.setdefault(affix, payload)  # an affix listed twice: its first entry counts
        self.lengths = sorted({len(affix) for affix in self.first}, reverse=True)

    def longest_suffix(self, word: str) -> str | None:
        """The payload of the longest listed suffix of ``word`` shorter than it, or None."""
        for size in self.lengths:
            if size < len(word):
                found = self.first.get(word[len(word) - size :])  # (size 0: the empty suffix)
                if found is not None:
                    return found
        return None

    def longest_prefix(self, word: str) -> str | None:
        """The payload of the longest listed prefix of ``word`` shorter than it, or None."""
        for size in self.lengths:
            if size < len(word):
                found = self.first.get(word[:size])
                if found is not None:
                    return found
        return None


_COMPANY_FINANCE = ("银行", "证券", "保险", "期货", "信托")


class NerStage:
    """Adds the model's ORG, PERSON (and LOC) candidates; a no-op when the model is off."""

    name = "ner"
    requires: tuple[str, ...] = ("text", "tokens")
    assigns: tuple[str, ...] = ("candidates",)

    def __init__(
        self,
        model: NerModel | None,
        typer: OrgTyper,
        honorifics: frozenset[str] = frozenset(),
        word_tags: Callable[[], dict[str, str]] | None = None,
        min_confidence: Mapping[str, float] | None = None,
        surnames: frozenset[str] = frozenset(),
        names: NameLexicon | None = None,
    ) -> None:
        self.model = model
        self.names = names
        self.surnames = surnames
        # 总, 董: forms of address a name may not swallow the surname of (``address_cut``).
        self.address_honorifics = frozenset(h for h in honorifics if len(h) == 1)
        self.min_confidence = dict(MIN_CONFIDENCE if min_confidence is None else min_confidence)
        self.typer = typer
        self.honorifics = honorifics
        self.word_tags = word_tags

    @property
    def enabled(self) -> bool:
        """True when a model is loaded (False for rules-only pipelines)."""
        return self.model is not None

    def __call__(self, doc: WorkDoc) -> None:
        """Run the model over ``doc.text`` with the segmenter's words and their tags as features."""
        if self.model is None or not doc.text:
            return
        words = [(t.start, t.end) for t in doc.tokens]
        tags = self.word_tags() if self.word_tags is not None else None
        spans = self.model.spans(doc.text, words, tags)
        listed = _listed_with_sure(doc.text, spans, self.min_confidence)
        token_starts = [t.start for t in doc.tokens]
        for k, span in enumerate(spans):
            label = _LABELS.get(span.label)
            start, end = _trim(doc.text, span.start, span.end)
            if label == "PERSON" and tags is not None:
                end = address_cut(doc.text, start, end, self.surnames, self.address_honorifics, tags)
            text = doc.text[start:end]
            if label is None or not text:
                continue
            if (
                span.confidence < self.min_confidence.get(label, 0.0)
                and k not in listed
                and not (label == "PERSON" and span.confidence >= JOINED_NAME_FLOOR and _JOINED_NAME.match(text))
            ):
                continue
            value: MentionValue | None
            if label == "ORG":
                trimmed = self._without_stop_words(doc.tokens, token_starts, start, end)
                if trimmed is None:
                    continue  # 阿里巴巴旗下蚂蚁集团: two names read as one
                start, end = trimmed
                start = self._word_start(doc.tokens, token_starts, start, end, tags or {})
                cut = department_cut(doc.text[start:end], *self.typer.company_endings)
                if cut is not None:
                    end = start + cut  # 中原银行党委: the bank, not its party committee
                text = doc.text[start:end]
                if not text or self.typer.implausible(text):
                    continue
                value = self.typer.value(text)
            elif label == "PERSON":
                if text[1:] in self.honorifics or text in self.typer.not_orgs:
                    continue  # 李总, 王董: a form of address; ToB, CEO: jargon
                value = PersonValue(text)
            else:
                value = None
            doc.candidates.append(
                Candidate(label, start, end, value, MODEL_SOURCE, priority=1, confidence=round(span.confidence, 3))
            )
        if self.names is not None:
            self._add_names(doc, self.names)

    def _without_stop_words(
        self, tokens: Sequence[Token], token_starts: Sequence[int], start: int, end: int
    ) -> tuple[int, int] | None:
        """A model ORG span without the stop words at its edges; None when one sits inside.

        A stop word of org_patterns.yaml (旗下, 控股股东, 收购) in whole tokens is never
        part of a name: at an edge it is the sentence's (收购 in 收购宏润建设), inside it
        joins two names (阿里巴巴旗下蚂蚁集团, 皖北煤电集团二级子公司安徽淮化股份有限公司),
        which the rules read one by one.
        """
        if not self.typer.stop_words:
            return start, end
        i = bisect_left(token_starts, start)
        inside = []
        while i < len(tokens) and tokens[i].end <= end:
            if tokens[i].text in self.typer.stop_words:
                inside.append(tokens[i])
            i += 1
        for token in inside:
            if token.start == start:
                start = token.end
            elif token.end == end:
                end = token.start
            elif start < token.start:
                return None
        return (start, end) if start < end else None

    @staticmethod
    def _word_start(
        tokens: Sequence[Token], token_starts: Sequence[int], start: int, end: int, tags: Mapping[str, str]
    ) -> int:
        """Where a model ORG starts once the tail of a common word and a function word are left out.

        The model sometimes starts a name inside the word before it (股东|皖能集团 read as
        东皖能集团) or on a conjunction or pronoun (与|华为技术有限公司, 该州|亚太事务委员会): a span
        starting inside a dictionary word (a content word: jieba tags some place names
        as pronouns, 任县) that is no name starts after it, and a first word tagged as
        a function word is dropped.
        """
        i = bisect_left(token_starts, start)
        if i > 0 and i <= len(tokens) and tokens[i - 1].end > start:
            word = tokens[i - 1]
            tag = tags.get(word.text)
            if tag is not None and tag not in NAME_TAGS and tag not in _FUNCTION_TAGS and word.end < end:
                start = word.end
        i = bisect_left(token_starts, start)
        first = tokens[i] if i < len(tokens) else None
        if first is not None and first.start == start and first.end < end and tags.get(first.text) in _FUNCTION_TAGS:
            start = first.end
        return start

    def _add_names(self, doc: WorkDoc, names: NameLexicon) -> None:
        """Person candidates for the training data's names that nothing else read.

        A name counts only as whole words of the segmenter (江山 is not read inside
        江山市), only when the segmenter's dictionary does not know it as another kind
        of word (苏宁 a place, 旺旺 an adjective, 金叶 a noun: in financial news these are
        firms), and where no candidate of any label lies (a rule's or the model's,
        places included), so it never competes with a reading that had context: it
        only fills what the model passed over (冼博德, 伊布).
        """
        starts = {t.start for t in doc.tokens}
        ends = {t.end for t in doc.tokens}
        taken = [(c.start, c.end) for c in doc.candidates]
        tags = self.word_tags() if self.word_tags is not None else {}
        for start, end in names.find(doc.text):
            if start not in starts or end not in ends or any(s < end and start < e for s, e in taken):
                continue
            text = doc.text[start:end]
            if text[1:] in self.honorifics or text in self.typer.not_orgs:
                continue
            if tags.get(text, PERSON_TAGS[0]) not in PERSON_TAGS:
                continue  # 苏宁 (ns), 旺旺 (a), 金叶 (n): the dictionary knows another sense
            confidence = min(names.names[text], NAME_CONFIDENCE)
            doc.candidates.append(Candidate("PERSON", start, end, PersonValue(text), NAMES_SOURCE, 1, confidence))


def _listed_with_sure(text: str, spans: Sequence[EntitySpan], min_confidence: Mapping[str, float]) -> set[int]:
    """Indices of unsure spans kept because they sit in a 、 list next to a sure span of their label.

    The items of an enumeration are of one kind: in 任命张皓若、陆江、阎敦实、余志华 the
    model is unsure of the rare names (0.14, 0.38) but sure of their neighbours. Only
    for the labels of ``LIST_FLOOR`` and not below it; on the held-out part of the
    train splits every PERSON span this admitted was right (three of three).
    """
    sure = [span for span in spans if span.confidence >= min_confidence.get(span.label, 0.0)]
    sure_ends = {(span.end, span.label) for span in sure}
    sure_starts = {(span.start, span.label) for span in sure}
    out = set()
    for k, span in enumerate(spans):
        floor = LIST_FLOOR.get(span.label)
        if floor is None or not floor <= span.confidence < min_confidence.get(span.label, 0.0):
            continue
        before = span.start > 0 and text[span.start - 1] == "、" and (span.start - 1, span.label) in sure_ends
        after = text[span.end : span.end + 1] == "、" and (span.end + 1, span.label) in sure_starts
        if before or after:
            out.add(k)
    return out


# Dictionary tags a training-data name may have to be taken (a word the dictionary does
# not know, or a person's name).
PERSON_TAGS = ("nr", "nrt", "nrfg")

# A name from the training data is as sure as its labelled share there, at most this
# (below a sure model reading: it had no context of its own).
NAME_CONFIDENCE = 0.9

# Tags of a first word no organisation name starts with: prepositions, conjunctions,
# particles, pronouns (与 in 与华为, 该州 in 该州亚太事务委员会).
_FUNCTION_TAGS = frozenset({"p", "c", "u", "uj", "ul", "uz", "ud", "ug", "uv", "r"})

# The lowest confidence at which a span next to a sure one in a 、 list is kept.
LIST_FLOOR: dict[str, float] = {"PERSON": 0.1}

# A foreign name written the Chinese way, its parts joined by an interpunct (川·立派,
# 爱丽丝·克朗弗德): the shape itself says "person", so the model's reading is kept down
# to this confidence (rare transliterations leave the model unsure of every character).
# On the held-out part of the train splits both such spans under the PERSON threshold
# were right (0.25, 0.36), and no ·-joined span was read wrongly.
JOINED_NAME_FLOOR = 0.1
_JOINED_NAME = regex.compile(r"\p{Han}+(?:[·•]\p{Han}+)+$")


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """The span without the spaces, punctuation and stray brackets the model sometimes takes at its edges.

    A bracket stays when the span holds its partner (美国证券交易委员会(SEC)); an
    unpaired one at an edge (【陈云波, 甄）) belongs to the text around the name.
    """
    while True:
        while start < end and (text[start].isspace() or text[start] in _EDGE_PUNCT):
            start += 1
        while end > start and (text[end - 1].isspace() or text[end - 1] in _EDGE_PUNCT):
            end -= 1
        if start < end and text[start] in _OPENING and _OPENING[text[start]] not in text[start + 1 : end]:
            start += 1
        elif start < end and text[end - 1] in _CLOSING and _CLOSING[text[end - 1]] not in text[start : end - 1]:
            end -= 1
        else:
            # An unpaired bracket inside ends the name before it (新天科技（证券代码, 万润股份(),
            # or starts it after it (湖州）文化发展中心).
            cut = next(
                (i for i in range(start, end) if text[i] in _OPENING and _OPENING[text[i]] not in text[i + 1 : end]),
                None,
            )
            if cut is not None:
                end = cut
                continue
            cut = next(
                (
                    i
                    for i in range(end - 1, start - 1, -1)
                    if text[i] in _CLOSING and _CLOSING[text[i]] not in text[start:i]
                ),
                None,
            )
            if cut is not None:
                start = cut + 1
                continue
            return start, end


_EDGE_PUNCT = frozenset("，。、；：！？,.;:!?“”\"'‘’")
_PAIRS = ("()", "（）", "[]", "【】", "《》", "〈〉", "「」", "『』", "〔〕", "{}")
_OPENING = {pair[0]: pair[1] for pair in _PAIRS}
_CLOSING = {pair[1]: pair[0] for pair in _PAIRS}


@stage_factory("ner")
def make_ner_stage(context: StageContext) -> NerStage:
    """Build the model stage; ``ner=False`` turns it off, ``ner_model=PATH`` picks another model."""
    typer = OrgTyper(context.rulebook)
    if not context.options.get("ner", True):
        return NerStage(None, typer)
    path = context.options.get("ner_model")
    model = context.shared(_SHARED_MODEL, lambda: NerModel.load(Path(path) if path else None))
    assert isinstance(model, NerModel)
    persons = context.rulebook.get("persons")
    honorifics = frozenset(persons.honorifics) if isinstance(persons, PersonsFile) else frozenset()
    surnames = frozenset(persons.surnames) if isinstance(persons, PersonsFile) else frozenset()
    option = context.options.get("ner_min_confidence")
    min_confidence = dict.fromkeys(MIN_CONFIDENCE, float(option)) if option is not None else None
    names = context.shared(_SHARED_NAMES, lambda: NameLexicon.load(model.path))
    assert isinstance(names, NameLexicon)
    return NerStage(model, typer, honorifics, shared_word_tags(context), min_confidence, surnames, names)


def ner_model_info(pipeline: object) -> dict[str, object] | None:
    """What the manifest says about the model: its folder, version and training data hashes.

    ``None`` when the pipeline runs rules only.
    """
    stages = getattr(pipeline, "stages", [])
    stage = next((s for s in stages if isinstance(s, NerStage)), None)
    if stage is None or stage.model is None:
        return None
    return stage.model.info()
