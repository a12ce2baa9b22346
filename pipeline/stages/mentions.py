"""The mentions stage: merge rule and model candidates, then resolve names in a document.

Merge policy (rules vs the ``model:ner`` candidates of the ``ner`` stage):

1. Agreement: a model span equal to a rule span of the same label is merged into
   the rule candidate (its value: canonical name, title, maker); its confidence
   becomes ``1 - (1 - rule) * (1 - model)``, so agreement always raises it. A model
   span equal to a rule span of another label loses (a product is never an ORG).
2. Known names win: a model span that cuts across or sits inside a gazetteer or
   product span is dropped. A model ORG that strictly contains known ORGs keeps its
   longer span when it ends like an organisation (清华大学出版社, 交通银行深圳分行) or
   the model is sure of it (``SURE_EXTENSION``: 联合国安理会); when the extra is only a
   legal form (腾讯公司) it takes the known canonical name; otherwise (MiniMax商业) the
   known name stands. A model ORG overlapping any product span is dropped.
   Boundaries from the model: where the model read an organisation over a suffix-rule
   guess (priority below the gazetteer's) with other boundaries (承办方富龙集团 vs
   富龙集团), the model's span is kept and the guess dropped. On the held-out part of
   the train splits this raised ORG F1 by 0.5 (CLUENER) and 0.1 (MSRA) points.
3. Firm rules win across labels: a model span overlapping a rule name of another
   label with priority 2 or more (a person introduced by a title, a model code) is
   dropped. A model PERSON that starts where a rule PERSON starts and differs by one
   character at the end sets that name's end (冀岩 in 冀岩上任).
4. The model fills the rest: remaining overlaps are settled longest first, then by
   rule priority, then confidence. Model ``LOC`` spans are dropped (the record has no
   LOC label; LOC is learnt so the model knows where a place ends).
4b. Units: an organisation followed by a unit of it in whole tokens (福州市公安局 +
   经侦支队, 西城工商分局 + 经检科) becomes the unit's name (``extend_to_sub_units``).
4c. Lists: an item of a 、 list that nothing read, between two organisations (or two
   persons), is one of them (中远、中集、万科: 中集; ``complete_lists``).
5. In-document resolution: an organisation named in full (北京智谱华章科技有限公司,
   智谱AI) lends its canonical name to its short forms (智谱华章, 智谱) -- both to
   mentions already found and to further occurrences of the short form. A short name
   the document declares in parentheses right after a full one (锦源投资 in
   江苏锦源投资有限公司（以下简称“锦源投资”）) is an alias of it the same way, unless it
   is a generic word (``generic_aliases``: 公司, 甲方). A person's
   later mentions (bare name) are found and carry the title and organisation given
   at the first mention that had them.
6. A product without a known maker takes the organisation written right before it
   (``阿里通义千问``, ``字节的豆包``).
7. Offsets are mapped back to the raw text.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator
from dataclasses import replace
from itertools import accumulate
from operator import attrgetter, itemgetter

import ahocorasick
import regex

from pipeline.records import Mention, MentionValue, OrgValue, PersonValue, ProductValue, new_mention
from pipeline.rulebook.loader import Rulebook
from pipeline.rulebook.schemas.entities import GazetteerFile, OrgPatternsFile, PersonsFile
from pipeline.stages.base import Candidate, StageContext, Token, WorkDoc, stage_factory
from pipeline.stages.entities import ADDRESS_FORMS, NAME_TAGS, shared_word_tags
from pipeline.textutil import select_non_overlapping

_HAN = regex.compile(r"\p{Han}")
MODEL_PREFIX = "model:"
GAZETTEER_SOURCE = "rule:orgs.gazetteer"
ALIAS_SOURCE = "rule:orgs.alias"
# Names read from their place between two of their kind in a 、 list (``complete_lists``).
LIST_SOURCE = "rule:mentions.list"
# Rule candidates with at least this priority are known names (gazetteer, product list).
KNOWN_PRIORITY = 3
# Rule candidates from this priority up (title-introduced persons, model codes) are firm:
# a model span of another label that overlaps one is dropped.
FIRM_PRIORITY = 2
_MAX_CONFIDENCE = 0.99
# A model ORG this sure keeps its span around a known name (联合国安理会 around 联合国)
# even without an organisation ending. Chosen on the held-out part of the train splits:
# 0.5 finds 万科物业, 全国人大代表团 (MSRA ORG F1 +0.2 points over 0.8, CLUENER the same);
# 0 scores about as well but lets any hesitant reading override a known name.
SURE_EXTENSION = 0.5
_ALIAS_CONFIDENCE = 0.75
# A model PERSON this sure, shaped like a Chinese name (``SureNames``), is searched for
# in the rest of its document like a rule's name. On the news corpus (corpus/gold)
# 0.8 adds two right mentions and no wrong one; the held-out split (one sentence per
# document) is unchanged.
SURE_PERSON = 0.8


def agree(first: float, second: float) -> float:
    """Confidence of a span two independent sources found: ``1 - (1-a)(1-b)``, capped."""
    return min(_MAX_CONFIDENCE, 1 - (1 - first) * (1 - second))


def _overlaps(a: Candidate, b: Candidate) -> bool:
    return a.start < b.end and b.start < a.end


def _fix_person_boundary(doc: WorkDoc, rules: list[Candidate], cand: Candidate) -> bool:
    """Let a model PERSON set the end of a rule PERSON that starts with it (冀岩 in 冀岩上任).

    A rule name is a surname plus one or two characters chosen by word boundaries; the
    model reads the context better. The rule keeps its title and organisation. Returns
    True when a rule candidate was adjusted (the model candidate is then used up).
    """
    for i, rule in enumerate(rules):
        if (
            rule.label == "PERSON"
            and rule.priority < KNOWN_PRIORITY
            and rule.start == cand.start
            and abs(rule.end - cand.end) == 1
            and isinstance(rule.value, PersonValue)
        ):
            name = doc.text[cand.start : cand.end]
            value = PersonValue(name, rule.value.title, rule.value.org)
            rules[i] = replace(rule, end=cand.end, value=value, confidence=agree(rule.confidence, cand.confidence))
            doc.note("mentions", "boundary", cand.source, (cand.start, cand.end), f"ends {rule.source}'s name")
            return True
    return False


def merge_model(
    doc: WorkDoc,
    candidates: list[Candidate],
    legal_suffixes: tuple[str, ...] = (),
    org_endings: tuple[str, ...] = (),
) -> list[Candidate]:
    """Apply steps 1-4 of the merge policy before overlaps are settled (see the module doc)."""
    rules = [c for c in candidates if not c.source.startswith(MODEL_PREFIX)]
    model = [c for c in candidates if c.source.startswith(MODEL_PREFIX)]
    if not model:
        return rules
    model_orgs = [c for c in model if c.label == "ORG"]
    rules = [r for r in rules if not _weak_org_overruled(doc, r, model_orgs)]
    model_persons = [c for c in model if c.label == "PERSON"]
    sure = {doc.text[c.start : c.end] for c in model_persons if c.confidence >= SURE_PERSON}
    if sure:
        persons = [c for c in model_persons if doc.text[c.start : c.end] in sure]
        rules = [r for r in rules if not _person_stem(doc, r, model_orgs, persons, org_endings)]
    by_span: dict[tuple[int, int], list[int]] = {}
    for i, cand in enumerate(rules):
        by_span.setdefault((cand.start, cand.end), []).append(i)
    known = [c for c in rules if c.priority >= KNOWN_PRIORITY or c.label == "PRODUCT"]
    # Rule names the model may not cut into with another label (COO张帆 read as an ORG).
    firm = [c for c in rules if c.priority >= FIRM_PRIORITY]
    kept_model: list[Candidate] = []
    for cand in model:
        if cand.label == "LOC":
            continue
        same = by_span.get((cand.start, cand.end), [])
        if same:
            for i in same:
                if rules[i].label == cand.label:
                    rules[i] = replace(rules[i], confidence=agree(rules[i].confidence, cand.confidence))
                    doc.note("mentions", "agreed", cand.source, (cand.start, cand.end), f"with {rules[i].source}")
            continue
        if cand.label == "PERSON" and _fix_person_boundary(doc, rules, cand):
            continue
        rival = next((r for r in firm if r.label != cand.label and _overlaps(r, cand)), None)
        if rival is not None:
            doc.note("mentions", "overridden", cand.source, (cand.start, cand.end), f"clashes with {rival.source}")
            continue
        clashes = [k for k in known if _overlaps(k, cand)]
        if not clashes:
            kept_model.append(cand)
            continue
        if cand.label == "ORG" and all(
            k.label == "ORG" and cand.start <= k.start and k.end <= cand.end and isinstance(k.value, OrgValue)
            for k in clashes
        ):
            # 中国光大银行沈阳分行 around 中国光大银行, 联合国安理会 around 联合国: a longer
            # name of its own, unless all it adds is a legal form (腾讯公司 is 腾讯).
            inner = max(clashes, key=lambda k: k.length)
            extra = doc.text[cand.start : inner.start] + doc.text[inner.end : cand.end]
            if cand.start == inner.start and extra in legal_suffixes and isinstance(inner.value, OrgValue):
                name = doc.text[cand.start : cand.end]
                value = OrgValue(inner.value.name, inner.value.type, name)
                kept_model.append(replace(cand, value=value, confidence=agree(inner.confidence, cand.confidence)))
                continue
            if doc.text[cand.start : cand.end].endswith(org_endings) or cand.confidence >= SURE_EXTENSION:
                kept_model.append(cand)
                continue
            # MiniMax商业 (a hesitant model, no organisation ending): the known name stands.
        doc.note("mentions", "overridden", cand.source, (cand.start, cand.end), f"clashes with {clashes[0].source}")
    return rules + kept_model


def _weak_org_overruled(doc: WorkDoc, rule: Candidate, model_orgs: list[Candidate]) -> bool:
    """True for a suffix-rule organisation the model reads with other boundaries.

    A suffix rule guesses where a name starts (承办方富龙集团); where the model saw an
    organisation overlapping it with another span, the model's span is kept instead.
    Where the model saw no organisation the guess stands: dropping those too scored
    0.6 points higher on MSRA ORG, but it would make a rule's own examples depend on
    the model (本轮由华南资本领投), which rule authors could not reason about.
    """
    if rule.label != "ORG" or rule.priority >= KNOWN_PRIORITY:
        return False
    backing = next((m for m in model_orgs if _overlaps(m, rule)), None)
    if backing is None or (backing.start, backing.end) == (rule.start, rule.end):
        return False  # no reading of its own, or agreement (handled by the merge)
    why = f"model reads {doc.text[backing.start : backing.end]!r}"
    doc.note("mentions", "overridden", rule.source, (rule.start, rule.end), why)
    return True


def _person_stem(
    doc: WorkDoc, rule: Candidate, model_orgs: list[Candidate], persons: list[Candidate], endings: tuple[str, ...]
) -> bool:
    """True for a suffix-rule organisation whose stem is a person the model is sure of.

    王思聪控股熊猫互娱 is "王思聪 controls 熊猫互娱", 张庆华先生控股的公司 "the company Mr 张庆华
    controls": the suffix rule reads 王思聪控股 as a holding company, the model reads
    王思聪 as a person (0.87, and 0.62 in the headline). ``persons`` are the model's
    PERSON readings of names it is sure of somewhere in the document (``SURE_PERSON``),
    so the headline's guess goes too. The guess must be the name, perhaps a form of
    address, and an organisation ending (``endings``) and nothing more: a stem with
    more words is a body named after someone (茅盾文学奖评奖办公室). Where the model
    reads an organisation over the guess it stays (a firm named after its founder).
    """
    if rule.label != "ORG" or rule.priority >= KNOWN_PRIORITY:
        return False
    person = next((p for p in persons if p.start == rule.start and p.end < rule.end), None)
    if person is None or any(_overlaps(m, rule) for m in model_orgs):
        return False
    rest = doc.text[person.end : rule.end]
    rest = next((rest[len(a) :] for a in ADDRESS_FORMS if rest.startswith(a)), rest)
    if rest not in endings:
        return False
    doc.note("mentions", "overridden", rule.source, (rule.start, rule.end), "its stem is a person the model is sure of")
    return True


_RANK = attrgetter("length", "priority", "confidence")
_SPAN = attrgetter("start", "end")


def settle_overlaps(doc: WorkDoc, candidates: list[Candidate]) -> list[Candidate]:
    """Keep a non-overlapping set: longest first, then priority, then confidence."""
    # attrgetter makes the same tuples as a lambda, without a Python call per candidate.
    kept = select_non_overlapping(candidates, key=_RANK, span=_SPAN)
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


class _Offsets:
    """One offset of every token (its start, or its end), looked up by value."""

    __slots__ = ("values", "where")

    def __init__(self, values: list[int]) -> None:
        self.values = values
        # Segmenter tokens come in text order, so their offsets are sorted and a
        # bisection finds one without building a dict of every token per document;
        # hand-made tokens in another order get the dict (the last index wins).
        self.where = None if values == sorted(values) else {v: i for i, v in enumerate(values)}

    def last(self, value: int) -> int | None:
        """Index of the last token with this offset, or None."""
        if self.where is not None:
            return self.where.get(value)
        i = bisect_right(self.values, value) - 1
        return i if i >= 0 and self.values[i] == value else None


class TokenIndex:
    """Where a document's tokens start and end, for the steps that check word boundaries.

    Built once per document and shared by its steps (three steps used to build their own
    sets and dict); each side's offsets are gathered on first use.
    """

    __slots__ = ("_ends", "_starts", "tokens")

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self._starts: _Offsets | None = None
        self._ends: _Offsets | None = None

    def _start_offsets(self) -> _Offsets:
        if self._starts is None:
            self._starts = _Offsets(list(map(itemgetter(1), self.tokens)))
        return self._starts

    def token_at(self, start: int) -> Token | None:
        """The token starting at ``start`` (the last one, should two start there), or None."""
        i = self._start_offsets().last(start)
        return None if i is None else self.tokens[i]

    def starts_at(self, offset: int) -> bool:
        """True when a token starts at ``offset``."""
        return self._start_offsets().last(offset) is not None

    def ends_at(self, offset: int) -> bool:
        """True when a token ends at ``offset``."""
        if self._ends is None:
            self._ends = _Offsets(list(map(itemgetter(2), self.tokens)))
        return self._ends.last(offset) is not None


# Units an organisation is divided into, written right after its name (福州市公安局经侦支队,
# 中国驻欧盟使团经商处): the unit is the organisation a sentence talks about.
SUB_UNITS = frozenset({"支队", "大队", "中队", "总队", "处", "科"})
# Dictionary tags a unit's own name may have (经侦 j, 经商 n); unknown words pass too.
_UNIT_NAME_TAGS = frozenset({"n", "j", "vn", "nz"})


def extend_to_sub_units(
    doc: WorkDoc,
    kept: list[Candidate],
    word_tags: Callable[[], dict[str, str]] | None = None,
    index: TokenIndex | None = None,
) -> list[Candidate]:
    """Extend an organisation over the unit of it named right after it (西城工商分局 + 经检科).

    The unit must be whole tokens: one word ending in a unit (经检科, 教务处) or a short
    word followed by a unit word (经侦 + 支队). Words merely starting with a unit's
    character (科研, 处于) are never units. ``index`` is the document's token index
    (built here when not given).
    """
    if not doc.tokens or not any(c.label == "ORG" for c in kept):
        return kept
    token_at = (index or TokenIndex(doc.tokens)).token_at
    tags = word_tags() if word_tags is not None else {}
    absorbed: set[int] = set()
    extended: dict[int, Candidate] = {}
    for i, cand in enumerate(kept):
        first = token_at(cand.end) if cand.label == "ORG" and isinstance(cand.value, OrgValue) else None
        if first is None:
            continue
        second = token_at(first.end)
        end = None
        if 2 <= len(first.text) <= 4 and first.text.endswith(tuple(SUB_UNITS)):
            end = first.end
        elif (
            second is not None
            and second.text in SUB_UNITS
            and 1 < len(first.text) <= 3
            and all(_HAN.match(ch) for ch in first.text)
            and tags.get(first.text, "n") in _UNIT_NAME_TAGS
        ):
            end = second.end
        if end is None:
            continue
        # Mentions inside the unit are pieces of it (检科 of 经检科); any other overlap stops the extension.
        inside = [j for j, c in enumerate(kept) if j != i and c.start < end and cand.end < c.end]
        if any(kept[j].label != "ORG" or kept[j].start < cand.end or kept[j].end > end for j in inside):
            continue
        absorbed.update(inside)
        name = doc.text[cand.start : end]
        doc.note("mentions", "extended", cand.source, (cand.start, end), "a unit of the organisation")
        assert isinstance(cand.value, OrgValue)
        extended[i] = replace(cand, end=end, value=OrgValue(name, cand.value.type, name))
    if not extended:
        return kept
    return [extended.get(i, c) for i, c in enumerate(kept) if i not in absorbed]


# The longest unnamed item of a 、 list that ``complete_lists`` reads as a name.
LIST_ITEM_MAX = 6
_LIST_ITEM = regex.compile(r"[\p{Han}A-Za-z0-9&]+")
# The labels whose lists are completed.
LIST_LABELS = ("ORG", "PERSON")
# A name read from its place in a list only: less sure than a name read in context.
LIST_CONFIDENCE = 0.6


def complete_lists(
    doc: WorkDoc, kept: list[Candidate], blocked: frozenset[str] = frozenset(), index: TokenIndex | None = None
) -> list[Candidate]:
    """Read an unlabelled item of a 、 list as a name of the kind of both its neighbours.

    The items of an enumeration are of one kind: in 以及中远、中集、万科 the model reads
    中远 and 万科 but passes over 中集, and in 海尔、轻骑、春兰 over 轻骑. The item must sit
    between two mentions of one label of ``LIST_LABELS``, each right against the 、 on
    its side, be whole tokens of at most ``LIST_ITEM_MAX`` letters, Han characters or
    digits, overlap no candidate of any label (a place the model read stays a place) and
    not be a generic word, a place or an industry word (``blocked``). An organisation
    takes its left neighbour's type.
    """
    if doc.text.count("、") < 2:
        return kept
    if doc.tokens and index is None:
        index = TokenIndex(doc.tokens)
    by_end = {c.end: c for c in kept if c.label in LIST_LABELS}
    starts = {(c.start, c.label) for c in kept if c.label in LIST_LABELS}
    taken = [(c.start, c.end) for c in (*kept, *doc.candidates)]
    text = doc.text
    found = []
    for left_end, left in by_end.items():
        start = left_end + 1
        if text[left_end:start] != "、":
            continue
        end = text.find("、", start)
        if end < 0 or (end + 1, left.label) not in starts or not 0 < end - start <= LIST_ITEM_MAX:
            continue
        item = text[start:end]
        if not _LIST_ITEM.fullmatch(item) or item in blocked or any(s < end and start < e for s, e in taken):
            continue
        if index is not None and not (index.starts_at(start) and index.ends_at(end)):
            continue
        value: MentionValue
        if left.label == "ORG":
            value = OrgValue(item, left.value.type if isinstance(left.value, OrgValue) else "company", item)
        else:
            value = PersonValue(item)
        doc.note("mentions", "listed", LIST_SOURCE, (start, end), f"an item between two {left.label} mentions")
        found.append(Candidate(left.label, start, end, value, LIST_SOURCE, 0, LIST_CONFIDENCE))
    if not found:
        return kept
    return sorted(kept + found, key=lambda c: (c.start, c.end))


def find_all(text: str, word: str) -> Iterator[tuple[int, int]]:
    """The spans of ``word`` in ``text``, left to right, not overlapping.

    The spans ``regex.finditer(regex.escape(word), text)`` gives, found with ``str.find``
    (several times faster for a plain string): the search resumes at the end of a match,
    and an empty ``word`` matches at every offset.
    """
    if not word:
        yield from ((i, i) for i in range(len(text) + 1))
        return
    size = len(word)
    start = text.find(word)
    while start >= 0:
        yield start, start + size
        start = text.find(word, start + size)


class SureNames:
    """Which model PERSON names are sure enough to be searched for elsewhere in their document.

    A name only the model found is as a rule not copied: one model error (埃及 read as a
    name) would spread to every occurrence. A name the model is sure of
    (``SURE_PERSON``) that looks like a Chinese personal name -- two or three Han
    characters starting with a surname of persons.yaml -- is copied: the model reads
    吴国政 in one sentence and misses him in the next, where the segmenter cut the
    name differently. On the first 0.5 MB of the benchmark news the shape test keeps
    out the model's sure errors that are no Chinese names (布伦特 crude, 沪伦通, Uber).
    An occurrence followed by an industry word or an organisation ending is a
    company's name (金智 of 金智信息), not the person's (``organisation_follows``).
    """

    def __init__(
        self, surnames: frozenset[str], compound: tuple[str, ...], org_tail: Callable[[str, int], bool]
    ) -> None:
        self.surnames = surnames
        self.compound = compound
        self.organisation_follows = org_tail

    def sure(self, cand: Candidate) -> bool:
        """True for a model PERSON sure enough and shaped like a Chinese name."""
        if cand.confidence < SURE_PERSON or not isinstance(cand.value, PersonValue):
            return False
        name = cand.value.name
        if not 2 <= len(name) <= 3 or not all(_HAN.match(ch) for ch in name):
            return False
        return name[0] in self.surnames or name.startswith(self.compound)


def propagate_persons(
    doc: WorkDoc, kept: list[Candidate], index: TokenIndex | None = None, names: SureNames | None = None
) -> list[Candidate]:
    """Find later bare mentions of known persons and give every mention the known title.

    Known persons are those a rule found and, with ``names``, the model's sure ones
    (see ``SureNames``). ``index`` is the document's token index (built here when
    needed and not given).
    """
    best: dict[str, PersonValue] = {}
    from_model: set[str] = set()
    for cand in kept:
        if cand.label != "PERSON" or not isinstance(cand.value, PersonValue):
            continue
        from_rule = not cand.source.startswith(MODEL_PREFIX)
        if from_rule or (names is not None and names.sure(cand)):
            known = best.get(cand.value.name)
            if known is None or (known.title is None and cand.value.title is not None):
                best[cand.value.name] = cand.value
            if from_rule:
                from_model.discard(cand.value.name)
            elif known is None:
                from_model.add(cand.value.name)
    if not best:
        return kept
    taken = [(c.start, c.end) for c in kept]
    extra: list[Candidate] = []
    if doc.tokens and index is None:
        index = TokenIndex(doc.tokens)
    for name, value in best.items():
        for s, e in find_all(doc.text, name):
            if any(s < te and ts < e for ts, te in taken):
                continue
            # A bare name inside a longer run of Chinese characters could be part of
            # another word; require the segmenter to agree it is a word.
            if doc.tokens and index is not None and not (index.starts_at(s) and index.ends_at(e)):
                continue
            if name in from_model and names is not None and names.organisation_follows(doc.text, e):
                continue
            extra.append(
                Candidate("PERSON", s, e, PersonValue(name, value.title, value.org), "rule:persons.coreference", 0, 0.8)
            )
            taken.append((s, e))
    out = []
    for cand in kept:
        known = best.get(cand.value.name) if isinstance(cand.value, PersonValue) else None
        if cand.label == "PERSON" and isinstance(cand.value, PersonValue) and known is not None:
            cand = replace(
                cand,
                value=PersonValue(cand.value.name, cand.value.title or known.title, cand.value.org or known.org),
            )
        out.append(cand)
    return sorted(out + extra, key=lambda c: (c.start, c.end))


# One name declared in a parenthesis: optional quotes around anything but punctuation
# (or 或, which joins two names).
_DECLARED_NAME = r"[“\"「‘]?(?P<name>[^“”\"「」‘’（）()，,、；;：:。\s或]{2,16})[”\"」’]?"
# A parenthesis declaring short names right after a name: （以下简称“锦源投资”）,
# (简称：中集车辆), （下称"蚂蚁集团"）, (以下简称"公司"或"本公司").
_DECLARATION = regex.compile(
    r"[ \u3000]?[（(]\s*(?:以下简称|以下称|下称|简称)\s*[:：]?\s*"
    + _DECLARED_NAME
    + r"(?:\s*(?:或|、|，|,)\s*"
    + _DECLARED_NAME
    + r")*\s*[）)]"
)

# Endings of a company's parts (智谱子公司, 招行深圳分行): written after a short name they
# name a part of that company, not another one.
_PART_ENDINGS = frozenset({"分行", "支行", "分公司", "子公司", "营业部"})


class ShortForms:
    """Short forms of organisation names, for in-document alias resolution.

    A name loses its legal form (有限公司), then a leading place name (深圳市), then
    industry words from the end (信息技术): 深圳市腾云信息技术股份有限公司 ->
    深圳市腾云信息技术, 腾云信息技术, 腾云信息, 腾云.
    """

    def __init__(
        self,
        patterns: OrgPatternsFile | None,
        gazetteer: GazetteerFile | None,
        word_tags: Callable[[], dict[str, str]] | None = None,
    ) -> None:
        self.word_tags = word_tags
        self.legal: tuple[str, ...] = ()
        self.endings: tuple[str, ...] = ()
        self.company_endings: tuple[str, ...] = ()
        self.industry: tuple[str, ...] = ()
        self.places: tuple[str, ...] = ()
        # The places by length, longest first: the longest place a name starts with is
        # found by a few set lookups rather than a test of every place.
        self._place_set: frozenset[str] = frozenset()
        self._place_lengths: tuple[int, ...] = ()
        blocked: set[str] = set()
        if patterns is not None:
            self.legal = tuple(sorted(patterns.legal_suffixes, key=len, reverse=True))
            self.industry = tuple(sorted(patterns.industry_words, key=len, reverse=True))
            self.places = tuple(
                sorted(
                    (p + end for p in patterns.place_names for end in ("", "省", "市", "区", "县")),
                    key=len,
                    reverse=True,
                )
            )
            blocked.update(patterns.generic_stems, self.places, self.industry)
            self._place_set = frozenset(self.places)
            self._place_lengths = tuple(sorted({len(p) for p in self.places}, reverse=True))
            self.endings = tuple(
                {s for rule in patterns.suffixes for s in rule.suffixes}
                | {s for words in patterns.type_suffixes.values() for s in words}
            )
            self.company_endings = tuple(e for e in patterns.type_suffixes.get("company", ()) if e not in _PART_ENDINGS)
        self.generic_aliases: frozenset[str] = frozenset(patterns.generic_aliases if patterns is not None else ())
        self.known: set[str] = set()
        if gazetteer is not None:
            for entry in gazetteer.entries:
                self.known.update((entry.name, *entry.aliases))
        self.blocked = frozenset(blocked)

    def tail_at(self, text: str, end: int) -> int | None:
        """Where a name found at ``text[:end]`` really ends, or None when it is part of another name.

        A legal form written right after it belongs to it (淮化 + 股份); an industry word
        or an organisation ending makes a longer name, another company's (盛洋 + 电器).
        """
        if text.startswith(self.legal, end):
            return end + max(len(s) for s in self.legal if text.startswith(s, end))
        if text.startswith(self.industry, end) or text.startswith(self.company_endings, end):
            return None
        return end

    def declared(self, text: str, end: int) -> list[tuple[int, int]]:
        """Spans of the short names declared in a parenthesis at ``text[end:]``, generic words left out."""
        found = _DECLARATION.match(text, end)
        if found is None:
            return []
        return [span for span in found.spans("name") if text[span[0] : span[1]] not in self.generic_aliases]

    def of(self, name: str) -> list[str]:
        """The short forms of ``name`` (at least two characters, none generic or known)."""
        forms: list[str] = []
        core = name
        # One ``endswith`` over the whole tuple first: most names have no legal form.
        if name.endswith(self.legal):
            for suffix in self.legal:
                if core.endswith(suffix) and len(core) > len(suffix):
                    core = core[: -len(suffix)]
                    break
        stems = [core]
        # Only a registered name (…有限公司) sheds its place: 中国女队 is not a 女队.
        if core != name:
            for n in self._place_lengths:
                if len(core) > n and core[:n] in self._place_set:
                    stems.append(core[n:])
                    break
        # Drop industry words from the end, every way they can be read
        # (信息技术 as one word, or 技术 then 信息).
        pending = list(stems)
        while pending:
            current = pending.pop(0)
            if current in forms:
                continue
            forms.append(current)
            if current.endswith(self.industry):  # most forms end in no industry word
                pending.extend(
                    current[: -len(w)] for w in self.industry if current.endswith(w) and len(current) > len(w)
                )
        tags = self.word_tags() if self.word_tags is not None else {}
        out = []
        for form in dict.fromkeys(forms):
            if form == name or len(form) < 2 or form in self.blocked or form in self.known:
                continue
            if tags.get(form) not in (None, *NAME_TAGS):
                continue  # a common word (企业, 女队) is nobody's short name
            if len(form) == 2 and not all(_HAN.match(ch) for ch in form):
                continue
            out.append(form)
        return out


def overlap_test(spans: list[tuple[int, int]]) -> Callable[[int, int], bool]:
    """A test of whether ``[start, end)`` overlaps any of ``spans`` (``s < end and start < e``).

    The answer ``any`` over every span would give, by bisection: among the spans starting
    before ``end``, the furthest end must pass ``start``. Any spans will do (overlapping,
    empty, in any order); a document's alias search asks once per match of a short form.
    """
    taken = sorted(spans)
    starts = [s for s, _ in taken]
    # reach[i]: the furthest end among the first i + 1 spans by start.
    reach = list(accumulate((e for _, e in taken), max))

    def overlaps(start: int, end: int) -> bool:
        i = bisect_left(starts, end)
        return i > 0 and reach[i - 1] > start

    return overlaps


def resolve_org_aliases(
    doc: WorkDoc, kept: list[Candidate], short_forms: ShortForms, index: TokenIndex | None = None
) -> list[Candidate]:
    """Give short forms of a name seen in full that name's canonical form (step 5).

    Short forms are derived (``ShortForms.of``) or declared after the name (以下简称“锦源投资”);
    a declared name is an alias wherever it is written, like a rule's name, and is
    found inside its declaration even where the segmenter split it.
    ``index`` is the document's token index (built here when needed and not given).
    """
    forms: dict[str, OrgValue] = {}
    rule_names: set[str] = set()
    declared: dict[str, OrgValue] = {}
    declarations: set[tuple[int, int]] = set()
    for cand in kept:
        if cand.label != "ORG" or not isinstance(cand.value, OrgValue):
            continue
        for s, e in short_forms.declared(doc.text, cand.end):
            declared.setdefault(doc.text[s:e], cand.value)
            declarations.add((s, e))
        if cand.source == GAZETTEER_SOURCE:
            continue
        full = cand.value
        text = doc.text[cand.start : cand.end]
        for form in short_forms.of(text):
            forms.setdefault(form, full)
        if not cand.source.startswith(MODEL_PREFIX):
            # A name a rule found (中集车辆 before its stock code) is the same name where
            # it is written bare; a model's name is not copied (one error would spread).
            forms.setdefault(text, full)
            rule_names.add(text)
    # The document's own word beats a derived guess (and a copied rule's name).
    forms.update(declared)
    rule_names.update(declared)
    if not forms:
        return kept
    out: list[Candidate] = []
    for cand in kept:
        text = doc.text[cand.start : cand.end]
        longer = forms.get(text)
        if (
            cand.label == "ORG"
            and longer is not None
            and cand.source != GAZETTEER_SOURCE
            and isinstance(cand.value, OrgValue)
            and cand.value.name != longer.name
        ):
            cand = replace(cand, value=OrgValue(longer.name, longer.type, text))
        out.append(cand)
    automaton = ahocorasick.Automaton()
    for form in forms:
        automaton.add_word(form, form)
    automaton.make_automaton()
    overlaps_taken = overlap_test([(c.start, c.end) for c in out])
    if index is None:
        index = TokenIndex(doc.tokens)
    found: list[Candidate] = []
    replacing: dict[tuple[int, int], list[int]] = {}
    for end_index, form in automaton.iter(doc.text):
        end = end_index + 1
        start = end - len(form)
        if overlaps_taken(start, end):
            # The model's shorter reading inside a name the document writes in full
            # (万润 of 万润股份 once 万润股份(002643.SZ) is known) gives way to it.
            # The cheap test first: most overlapped matches are no rule's name.
            if form not in rule_names:
                continue
            inner = _model_readings_inside(out, start, end)
            if not inner:
                continue
            full = forms[form]
            found.append(
                Candidate("ORG", start, end, OrgValue(full.name, full.type, form), ALIAS_SOURCE, 0, _ALIAS_CONFIDENCE)
            )
            replacing[(start, end)] = inner
            continue
        if (
            doc.tokens
            and len(form) <= 3
            and (start, end) not in declarations
            and not (index.starts_at(start) and index.ends_at(end))
        ):
            continue
        # 淮化 of 安徽淮化股份有限公司 written 淮化股份 takes its legal form along; 盛洋 of
        # 盛洋科技 followed by another industry word (盛洋电器) is another company's name.
        tail = short_forms.tail_at(doc.text, end)
        if tail is None:
            continue
        if tail > end and overlaps_taken(end, tail):
            continue
        end = tail
        full = forms[form]
        value = OrgValue(full.name, full.type, doc.text[start:end])
        found.append(Candidate("ORG", start, end, value, ALIAS_SOURCE, 0, _ALIAS_CONFIDENCE))
    found = select_non_overlapping(found, key=lambda c: c.length, span=lambda c: (c.start, c.end))
    replaced = {i for c in found for i in replacing.get((c.start, c.end), ())}
    out = [c for i, c in enumerate(out) if i not in replaced]
    return sorted(out + found, key=lambda c: (c.start, c.end))


def _model_readings_inside(kept: list[Candidate], start: int, end: int) -> list[int]:
    """Indices of the candidates overlapping ``[start, end)`` when all are model readings inside it.

    Empty when any overlapping candidate is a rule's or reaches outside the span.
    """
    inner = [i for i, c in enumerate(kept) if c.start < end and start < c.end]
    if all(
        kept[i].source.startswith(MODEL_PREFIX)
        and kept[i].label in ("ORG", "PERSON")
        and start <= kept[i].start
        and kept[i].end <= end
        and kept[i].length < end - start
        for i in inner
    ):
        return inner
    return []


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
    text = doc.text
    to_raw_span = doc.offset_map.to_raw_span if doc.offset_map is not None else None
    for i, cand in enumerate(kept, start=1):
        start, end = cand.start, cand.end
        raw_start, raw_end = to_raw_span(start, end) if to_raw_span is not None else (start, end)
        # new_mention: Mention(...) without the frozen __init__'s cost (a document has dozens).
        mention = new_mention(
            f"m{i}",
            cand.label,
            text[start:end],
            start,
            end,
            raw_start,
            raw_end,
            cand.value,
            cand.source,
            cand.confidence,
        )
        mentions.append(mention)
    return mentions


class MentionsStage:
    """Turns candidates into the document's final mentions."""

    name = "mentions"
    requires: tuple[str, ...] = ("text", "candidates")
    assigns: tuple[str, ...] = ("mentions",)

    def __init__(self, short_forms: ShortForms | None = None, sure_names: SureNames | None = None) -> None:
        self.short_forms = short_forms or ShortForms(None, None)
        self.sure_names = sure_names

    def __call__(self, doc: WorkDoc) -> None:
        """Merge rules and model, settle overlaps, resolve names and makers, number the mentions."""
        merged = merge_model(doc, doc.candidates, self.short_forms.legal, self.short_forms.endings)
        kept = settle_overlaps(doc, merged)
        index = TokenIndex(doc.tokens)  # one per document: its lookups are built on first use
        kept = extend_to_sub_units(doc, kept, self.short_forms.word_tags, index)
        kept = complete_lists(doc, kept, self.short_forms.blocked, index)
        kept = resolve_org_aliases(doc, kept, self.short_forms, index)
        kept = propagate_persons(doc, kept, index, self.sure_names)
        kept = attach_makers(doc, kept)
        doc.mentions = to_mentions(doc, kept)


def short_forms_from(rulebook: Rulebook, word_tags: Callable[[], dict[str, str]] | None = None) -> ShortForms:
    """The short-form deriver built from the org_patterns and gazetteer rules."""
    patterns = rulebook.get("org_patterns")
    gazetteer = rulebook.get("gazetteer")
    return ShortForms(
        patterns if isinstance(patterns, OrgPatternsFile) else None,
        gazetteer if isinstance(gazetteer, GazetteerFile) else None,
        word_tags,
    )


def sure_names_from(rulebook: Rulebook, short_forms: ShortForms) -> SureNames:
    """The test of which model names are copied through a document, from persons.yaml's surnames."""
    persons = rulebook.get("persons")
    surnames = frozenset(persons.surnames) if isinstance(persons, PersonsFile) else frozenset()
    compound = tuple(persons.compound_surnames) if isinstance(persons, PersonsFile) else ()
    return SureNames(surnames, compound, lambda text, end: short_forms.tail_at(text, end) != end)


@stage_factory("mentions")
def make_mentions_stage(context: StageContext) -> MentionsStage:
    """Build the merge and resolution stage."""
    short_forms = short_forms_from(context.rulebook, shared_word_tags(context))
    return MentionsStage(short_forms, sure_names_from(context.rulebook, short_forms))
