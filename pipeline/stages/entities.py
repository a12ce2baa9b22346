"""The entities stage: organisations, persons and products by rules.

* Organisations: the gazetteer through an Aho-Corasick automaton (pyahocorasick), then
  suffix rules for names the gazetteer does not know (``...有限公司``, ``...集团``).
* Products: known products through a second automaton, and model-code patterns.
* Persons: a name after a title chain (``MiniMax商业化合伙人兼副总裁魏伟``), in a list
  closed by 等, or before a speech verb; linked to the organisation right before.

The trained NER model (``model:ner``) adds its own candidates in a later stage; the
mention stage settles overlaps between all of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, KeysView, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter

import ahocorasick
import regex

from pipeline.memo import remember
from pipeline.records import OrgValue, PersonValue, ProductValue
from pipeline.rulebook.loader import Rulebook
from pipeline.rulebook.patterns import compile_pattern
from pipeline.rulebook.schemas.entities import (
    GazetteerFile,
    OrgPatternsFile,
    PersonsFile,
    ProductsFile,
    SuffixRule,
)
from pipeline.stages.base import Candidate, StageContext, Token, WorkDoc, stage_factory
from pipeline.stages.segment import Segmenter, shared_segmenter

_HAN = regex.compile(r"\p{Han}")
_LATIN = regex.compile(r"[A-Za-z0-9]")
# Segmenter tags that cannot be inside an organisation name: prepositions, conjunctions,
# particles, pronouns, adverbs, time words.
_STOP_TAGS = frozenset({"p", "c", "u", "ul", "uj", "uz", "ud", "ug", "uv", "r", "d", "y", "e", "o", "t", "f", "q"})
_STEM_ALLOWED = frozenset({"某"})
# How many words the stem walk's character test is kept for (then it starts again).
_PLAIN_WORDS_KEPT = 50_000
# Tags of single characters that never start or sit inside a name: prepositions,
# conjunctions, particles, pronouns, interjections.
_FUNCTION_TAGS = frozenset({"p", "c", "u", "ul", "uj", "uz", "ud", "ug", "uv", "r", "y", "e", "o"})
# Extra tags a strict stem stops at: verbs, numerals, distinguishing words (大型),
# adjectives, place words (国内).
_STRICT_STOP_TAGS = frozenset({"m", "mq", "a", "ad", "s"})
# A strict stem stops at a verb (维护银行, 致电湖南信托) unless the rules list it as
# a word names are made of (浦北创新集团).
_VERB_TAGS = frozenset({"v", "vd", "vi"})
# Dictionary tags of name-like words: person, place, organisation, other proper
# names, abbreviations, foreign words.
NAME_TAGS = frozenset({"nr", "nrt", "nrfg", "ns", "nt", "nz", "j", "eng"})
_DIGIT = regex.compile(r"\d")
_START, _END = itemgetter(1), itemgetter(2)  # a Token's start and end, read at C speed
# Dictionary tags of a word no name begins with: numerals, adverbs, adjectives and
# distinguishers, pronouns, conjunctions, prepositions, classifiers, localisers. When the
# segmenter reads such a word at a would-be surname (许多 of 许多人认为, 高兴 of
# 高兴地告诉), the rest is not a given name. Of the 3,900 three- and four-character
# names of the NER training data, 5 would be cut so in a neutral sentence (万名盈, 任一农).
_NO_NAME_START_TAGS = frozenset({"m", "d", "a", "ad", "b", "r", "c", "p", "q", "f"})
_NAME_STOP = frozenset("的了在和与及或对向被将由为是把从于等说称也都已就并还又再曾让给使令兼任表")
_TITLE_PREFIX = ("原", "前", "现任", "时任", "新任", "候任")
# Forms of address written right after a full name (委任萧颕洁女士为公司秘书, 张庆华先生控股).
ADDRESS_FORMS = ("先生", "女士", "小姐")
# Confidence of a gazetteer hit on its own; agreement with the model raises it.
_GAZETTEER_FULL = 0.95
_GAZETTEER_SHORT = 0.85


def _is_latin_word(text: str) -> bool:
    return bool(text) and text.isascii()


def _latin_boundary_ok(text: str, start: int, end: int) -> bool:
    """A Latin alias (Meta, Kimi) must not be part of a longer Latin word."""
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not (_LATIN.match(before) or _LATIN.match(after))


@dataclass(frozen=True, slots=True)
class TokenIndex:
    """Token boundaries of a document, for checking that a span is made of whole words."""

    # The offsets are the keys of the dictionaries below (no sets of their own to build).
    starts: KeysView[int]
    ends: KeysView[int]
    by_start: dict[int, Token]
    by_end: dict[int, Token]

    @classmethod
    def build(cls, tokens: Sequence[Token]) -> TokenIndex:
        """Index ``tokens`` by their start and end offsets."""
        by_start = dict(zip(map(_START, tokens), tokens, strict=True))
        by_end = dict(zip(map(_END, tokens), tokens, strict=True))
        return cls(by_start.keys(), by_end.keys(), by_start, by_end)

    def aligned(self, start: int, end: int) -> bool:
        """True when ``[start, end)`` starts and ends on token boundaries."""
        return start in self.starts and end in self.ends


# ---------------------------------------------------------------------------
# Organisations


def _token_around(index: TokenIndex, pos: int) -> Token | None:
    """The token that ``pos`` falls strictly inside, if any."""
    for back in range(1, 12):
        token = index.by_start.get(pos - back)
        if token is not None:
            return token if token.end > pos else None
    return None


def _inside_token(index: TokenIndex, pos: int) -> bool:
    """True when ``pos`` falls strictly inside one of the document's tokens."""
    for back in range(1, 12):
        token = index.by_start.get(pos - back)
        if token is not None:
            return token.end > pos
    return False


def _ends_in_common_word(index: TokenIndex, start: int, end: int, word_tags: Mapping[str, str]) -> bool:
    """True when ``[start, end)`` ends inside a token that starts within it and is a common word."""
    token = _token_around(index, end)
    if token is None or token.start < start:
        return False
    tag = word_tags.get(token.text)
    return tag is not None and tag not in NAME_TAGS


# A company's office and party committee (西南证券办公室, 中原银行党委): written after the
# company's name they name a part of it, not an organisation of its own (a title follows:
# 办公室人士, 党委书记). Other departments (市场部, 监事会, 总部) are left whole: the data
# sets disagree on them (CLUENER labels 润泽地产市场部, MSRA 飞利浦电子公司监事会).
DEPARTMENT_ENDINGS = ("办公室", "党委", "党组")


def company_endings_of(rules: OrgPatternsFile | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Endings of company names, and the other organisations' endings, from org_patterns.yaml.

    Company endings are the company and fund types' suffixes (the fund type holds 银行
    and 证券 too); the others (协会, 委员会, 政府 ...; two characters or more, department
    endings left out) are those of bodies whose units are named with them
    (中国银行业协会秘书处, 福州市公安局经侦支队).
    """
    if rules is None:
        return (), ()
    company = {s for rule in rules.suffixes if rule.type in ("company", "fund") for s in rule.suffixes}
    other = {s for rule in rules.suffixes if rule.type not in ("company", "fund") for s in rule.suffixes}
    for kind, words in rules.type_suffixes.items():
        (company if kind in ("company", "fund") else other).update(words)
    other = {s for s in other - company if len(s) > 1 and not s.endswith(DEPARTMENT_ENDINGS)}
    return tuple(sorted(company, key=len, reverse=True)), tuple(sorted(other, key=len, reverse=True))


def department_cut(name: str, company_endings: tuple[str, ...], other_endings: tuple[str, ...]) -> int | None:
    """Length of the company in ``name`` when the rest is one of its departments, else None.

    建设银行上海分行办公室 -> 建设银行上海分行, 中原银行党委 -> 中原银行: the company ends
    with a company ending; the rest, at most eight characters, ends with a department
    ending and holds no other organisation's ending (中国银行业协会秘书处 is no bank's).
    The longest such company is taken (中原信托有限公司 of 中原信托有限公司党委,
    建设银行上海分行 of 建设银行上海分行办公室).
    """
    if not name.endswith(DEPARTMENT_ENDINGS):
        return None
    for cut in range(len(name) - 2, max(1, len(name) - 9), -1):
        if name.endswith(company_endings, 0, cut) and not any(e in name[cut:] for e in other_endings):
            return cut
    return None


@dataclass(frozen=True, slots=True)
class GazetteerHit:
    """What the automaton stores for one alias."""

    canonical: str
    type: str
    alias: str
    ambiguous: bool


class Gazetteer:
    """Aho-Corasick matching of every organisation name and alias."""

    def __init__(self, rules: GazetteerFile | None) -> None:
        self.automaton = ahocorasick.Automaton()
        self.canonical_types: dict[str, str] = {}
        self.parents: dict[str, str | None] = {}
        ambiguous = set(rules.ambiguous) if rules else set()
        if rules is not None:
            for entry in rules.entries:
                self.canonical_types[entry.name] = entry.type
                self.parents[entry.name] = entry.parent
                for alias in (entry.name, *entry.aliases):
                    self.automaton.add_word(alias, GazetteerHit(entry.name, entry.type, alias, alias in ambiguous))
        if len(self.automaton):
            self.automaton.make_automaton()

    def find(
        self,
        text: str,
        index: TokenIndex,
        dictionary_aligned: Callable[[str, int, int], bool] | None = None,
        word_tags: Mapping[str, str] | None = None,
    ) -> list[Candidate]:
        """Every alias occurrence that passes the boundary checks, as ORG candidates.

        A short Chinese alias (two characters or fewer) must sit on word boundaries:
        those of the document's tokens, or, where jieba's HMM glued it to a
        neighbour (约谈美团), those of a dictionary-only segmentation around it. A
        longer one may not end inside a common dictionary word that starts within it
        (民政部 in 民政部门, "civil affairs departments"; ``word_tags`` tells common
        words from names).
        """
        if not len(self.automaton):
            return []
        hits: list[tuple[int, int, GazetteerHit]] = []
        for end_index, hit in self.automaton.iter(text):
            end = end_index + 1
            start = end - len(hit.alias)
            if _is_latin_word(hit.alias.replace(" ", "").replace(".", "")):
                ok = _latin_boundary_ok(text, start, end)
            elif len(hit.alias) <= 2:
                ok = index.aligned(start, end) or (
                    dictionary_aligned is not None and dictionary_aligned(text, start, end)
                )
            else:
                ok = word_tags is None or not _ends_in_common_word(index, start, end, word_tags)
            if ok:
                hits.append((start, end, hit))
        unambiguous = {h.canonical for _s, _e, h in hits if not h.ambiguous}
        out = []
        for start, end, hit in hits:
            if hit.ambiguous and hit.canonical not in unambiguous:
                continue
            value = OrgValue(hit.canonical, hit.type, text[start:end])
            # Short aliases (字节, 阿里) are more often something else than full names are.
            confidence = _GAZETTEER_SHORT if len(hit.alias) <= 2 else _GAZETTEER_FULL
            out.append(Candidate("ORG", start, end, value, "rule:orgs.gazetteer", priority=3, confidence=confidence))
        return out


class SuffixOrgFinder:
    """Unseen organisations found by their suffix, with a stem taken leftwards."""

    def __init__(self, rules: OrgPatternsFile | None, gazetteer: Gazetteer, tags: dict[str, str]) -> None:
        self.rules = rules
        self.gazetteer = gazetteer
        self.tags = tags
        self.suffixes: list[tuple[str, SuffixRule]] = []
        self.stop_words: tuple[str, ...] = ()
        # Stop words of two characters or more by their last character: the stem walk
        # asks whether the text before a position ends with one of them.
        self.long_stops_by_last: dict[str, tuple[str, ...]] = {}
        self.stops_by_first: dict[str, list[str]] = {}
        self.stop_chars: frozenset[str] = frozenset()
        self.generic: frozenset[str] = frozenset()
        self.place_only: frozenset[str] = frozenset()
        self.place_generic: frozenset[str] = frozenset()
        self.stem_verbs: frozenset[str] = frozenset()
        # Whether each word met in a stem walk is made of characters a stem may hold (words recur).
        self._plain_words: dict[str, bool] = {}
        if rules is not None:
            for rule in rules.suffixes:
                self.suffixes.extend((suffix, rule) for suffix in rule.suffixes)
            self.suffixes.sort(key=lambda item: len(item[0]), reverse=True)
            self.stop_words = tuple(sorted(rules.stop_words, key=len, reverse=True))
            by_last: dict[str, list[str]] = {}
            for stop in self.stop_words:
                if len(stop) > 1:
                    by_last.setdefault(stop[-1], []).append(stop)
            self.long_stops_by_last = {last: tuple(stops) for last, stops in by_last.items()}
            # Stop words that begin with a suffix (控股股东 with 控股), by that suffix.
            for suffix, _rule in self.suffixes:
                longer = [stop for stop in self.stop_words if stop.startswith(suffix) and len(stop) > len(suffix)]
                if longer:
                    self.stops_by_first[suffix] = longer
            self.stop_chars = frozenset(rules.stop_chars)
            self.generic = frozenset(rules.generic_stems)
            # Countries too: 美国资本, 美国科技 are capital and firms from the United States.
            self.place_only = frozenset(
                place + ending for place in rules.place_names for ending in ("", "省", "市", "区", "县", "地区")
            ) | frozenset(rules.countries)
            self.place_generic = frozenset(rules.place_generic_suffixes)
            self.stem_verbs = frozenset(rules.stem_verbs)
        self.company_endings = company_endings_of(rules)
        pattern = "|".join(regex.escape(s) for s, _r in self.suffixes) or "(?!)"
        # The suffixes' matches are those of this pattern (``suffix_matches``), found by
        # an automaton: the regex module tries the alternation at every character.
        self.pattern = regex.compile(pattern)
        self.suffix_automaton = ahocorasick.Automaton()
        for suffix, _rule in self.suffixes:
            self.suffix_automaton.add_word(suffix, suffix)
        if len(self.suffix_automaton):
            self.suffix_automaton.make_automaton()
        self.rule_of = {s: r for s, r in self.suffixes}

    def suffix_matches(self, text: str) -> list[tuple[int, int, str]]:
        """``(start, end, suffix)`` of what ``self.pattern.finditer(text)`` matches, in order.

        That is, left to right and not overlapping, at each place the longest suffix (the
        alternation lists them longest first): the automaton's hits, every occurrence
        of every suffix, sorted by start and then length, and the first of each place
        taken when it does not overlap the last one taken.
        """
        if not len(self.suffix_automaton):
            return []
        hits = sorted((end + 1 - len(suffix), -len(suffix), suffix) for end, suffix in self.suffix_automaton.iter(text))
        out: list[tuple[int, int, str]] = []
        last_end = 0
        for start, minus_size, suffix in hits:
            if start >= last_end:
                last_end = start - minus_size
                out.append((start, last_end, suffix))
        return out

    def _stem_start(self, text: str, suffix_start: int, rule: SuffixRule, index: TokenIndex) -> int:
        """Walk left from the suffix over name-like tokens; return where the name starts."""
        pos = suffix_start
        limit = max(0, suffix_start - rule.max_stem)
        while pos > limit:
            token = index.by_end.get(pos)
            if token is None and pos == suffix_start:
                # The suffix starts inside a word (中央|银行 in one token 中央银行): the
                # whole word belongs to the stem.
                token = _token_around(index, pos)
            if token is None:
                # Not on a token boundary: take one character.
                ch = text[pos - 1]
                if ch in self.stop_chars or not (_HAN.match(ch) or _LATIN.match(ch)):
                    break
                pos -= 1
                continue
            word = token.text
            if token.start < limit:
                break
            if word in _STEM_ALLOWED:
                pos = token.start
                continue
            plain = self._plain_words.get(word)
            if plain is None:
                plain = remember(self._plain_words, word, self._plain(word), _PLAIN_WORDS_KEPT)
            if not plain:
                break
            if word in self.stop_words or self.tags.get(word) in _STOP_TAGS:
                break
            if rule.strict_stem and (self.tags.get(word) in _STRICT_STOP_TAGS or _DIGIT.search(word)):
                break
            if rule.strict_stem and self.tags.get(word) in _VERB_TAGS and word not in self.stem_verbs:
                break
            if pos > 0 and text.endswith(self.long_stops_by_last.get(text[pos - 1], ()), 0, pos):
                break
            pos = token.start
        return pos

    def _plain(self, word: str) -> bool:
        """Tell whether a stem may take ``word`` whole: Han and Latin characters only, none a stop character."""
        return not any(ch in self.stop_chars for ch in word) and all(_HAN.match(ch) or _LATIN.match(ch) for ch in word)

    def _has_name_word(self, start: int, end: int, index: TokenIndex) -> bool:
        """True when ``[start, end)`` holds a word that is not a common dictionary word."""
        pos = start
        while pos < end:
            token = index.by_start.get(pos)
            if token is None or token.end > end:
                return True  # off the word grid: not a dictionary word
            tag = self.tags.get(token.text)
            if tag is None or tag in NAME_TAGS:
                return True
            pos = token.end
        return False

    def _ends_with_known(self, name: str) -> bool:
        if not len(self.gazetteer.automaton):
            return False
        return any(end == len(name) - 1 for end, _hit in self.gazetteer.automaton.iter(name))

    def find(self, text: str, index: TokenIndex) -> list[Candidate]:
        """ORG candidates for every suffix with an acceptable stem."""
        out: list[Candidate] = []
        for suffix_start, suffix_end, suffix in self.suffix_matches(text):
            rule = self.rule_of[suffix]
            if index.starts and suffix_end not in index.ends and _inside_token(index, suffix_end):
                continue  # 资产投|资: the suffix 产投 ends inside a word
            if any(text.startswith(stop, suffix_start) for stop in self.stops_by_first.get(suffix, ())):
                continue  # 控股 of 控股股东, 控股子公司: a stop word, not a name's end
            if rule.whole_suffix and index.starts and suffix_start not in index.starts:
                continue  # 高|科技 read as one word 高科技: an adjective, not a name
            start = self._stem_start(text, suffix_start, rule, index)
            stem = text[start:suffix_start]
            if len(stem) < rule.min_stem or stem in self.generic:
                continue
            if suffix in self.place_generic and stem in self.place_only:
                continue  # 香港资本 = capital from Hong Kong, not a firm
            if rule.named_stem and not self._has_name_word(start, suffix_start, index):
                continue  # 智力资本, 企业集团: common nouns only
            if stem.startswith("某") or stem.endswith(("的", "和")):
                continue
            name = text[start:suffix_end]
            if self._ends_with_known(name):
                continue  # the gazetteer has the name already, with its own boundary
            if department_cut(name, *self.company_endings) is not None:
                continue  # 西南证券办公室: a company's office; the company is found on its own
            canonical, org_type = name, rule.type
            hits = [h for _e, h in self.gazetteer.automaton.iter(stem)] if len(self.gazetteer.automaton) else []
            exact = [h for h in hits if h.alias == stem]
            if exact and suffix in ("集团", "公司", "控股", "有限公司", "股份有限公司", "集团有限公司"):
                # 阿里巴巴集团 is 阿里巴巴.
                canonical, org_type = exact[0].canonical, exact[0].type
            if org_type == "fund" and suffix in ("银行", "证券", "保险", "期货", "信托"):
                org_type = "company"
            value = OrgValue(canonical, org_type, name)
            out.append(Candidate("ORG", start, suffix_end, value, f"rule:{rule.id}", priority=1, confidence=0.8))
        return out


# A stock code or quote in brackets right after a name: 万里石(002785.SZ), 中集车辆(01839.HK),
# 侨银环保（SZ 002973，...）, AT&T(T.US), 新天科技（证券代码：300259）, and the price quote
# finance portals print after a listed name, 金力泰(5.280,-0.18,-3.30%). Four-digit numbers
# count only with an exchange (a bare (2019) is a year).
_TICKER = regex.compile(
    r"[(（]\s*(?:"
    r"(?:证券代码|股票代码)[:：]?\s*\d{4,6}"
    r"|(?:SZ|SH|SS|BJ|HK|US)\s?\d{4,6}"
    r"|\d{6}(?:\s?\.\s?(?:SZ|SH|SS|BJ))?"
    r"|\d{4,5}\s?[.-]\s?HK|\d{5}"
    r"|[A-Z]{1,5}(?:\.[A-Z])?\s?\.\s?(?:US|N|O|OQ)"
    r"|\d+\.\d+\s?[,，]\s?[-+]?\d+\.\d+\s?[,，]\s?[-+]?\d+\.\d+%"
    r")\s*(?=[)）,，])"
)
# A Latin company name is a run of capitalised words (Central European Media Enterprises).
_LATIN_NAME = regex.compile(r"[A-Z0-9&][A-Za-z0-9&.'-]*(?: [A-Z0-9&][A-Za-z0-9&.'-]*)*$")
TICKER_SOURCE = "rule:orgs.ticker"


class TickerOrgFinder:
    """Listed companies named right before their stock code or quote (万里石(002785.SZ)).

    Financial news writes a listed company's short name followed by its code; the code
    tells the name is an organisation even when nothing else knows it (中集车辆, 盛洋科技).
    The name is taken leftwards from the bracket: a run of capitalised Latin words, or
    whole segmenter words made of Han and Latin characters, stopping at function words,
    stop words and verbs (a verb that names are made of, 投资 in 鲁银投资, stays).
    """

    def __init__(self, rules: OrgPatternsFile | None, tags: Mapping[str, str]) -> None:
        self.tags = tags
        self.max_chars = 10
        self.stop_chars: frozenset[str] = frozenset(rules.stop_chars) if rules is not None else frozenset()
        self.stem_verbs: frozenset[str] = frozenset(rules.stem_verbs) if rules is not None else frozenset()
        self.stop_words: frozenset[str] = (
            frozenset(rules.stop_words) - self.stem_verbs if rules is not None else frozenset()
        )
        self.generic: frozenset[str] = frozenset()
        if rules is not None:
            self.generic = frozenset((*rules.generic_stems, *rules.legal_suffixes, *rules.not_names))

    @staticmethod
    def _latin_start(text: str, end: int) -> int:
        """Start of the capitalised Latin words ending at ``end`` (``end`` when none)."""
        m = _LATIN_NAME.search(text, max(0, end - 80), end)
        if m is None or (m.start() > 0 and _LATIN.match(text[m.start() - 1])):
            return end  # none, or the middle of a word (eBay)
        start: int = m.start()
        return start

    def _han_start(self, text: str, end: int, index: TokenIndex) -> int:
        """Start of the whole words, name-like, that end at ``end``."""
        pos = end
        while pos > end - self.max_chars:
            token = index.by_end.get(pos)
            if token is None or token.start < end - self.max_chars:
                break
            word = token.text
            if any(ch in self.stop_chars for ch in word) or not all(_HAN.match(ch) or _LATIN.match(ch) for ch in word):
                break
            tag = self.tags.get(word)
            if word in self.stop_words or _DIGIT.search(word) or (tag in _VERB_TAGS and word not in self.stem_verbs):
                break
            if len(word) > 1 and tag in _STOP_TAGS:
                break
            # The segmenter cuts an unknown name into single characters (中|集|车辆): those
            # stop only as function words. Numeral words stay (万里石, 三一重工), but not
            # after a digit (the 日 of 20日丨万里石, the 亿元 of 5.65亿元).
            if (len(word) == 1 and tag in _FUNCTION_TAGS) or (token.start > 0 and _DIGIT.match(text[token.start - 1])):
                break
            # Short names are made of common words too (中集车辆, 宏润建设), but a common
            # word before four characters of name is the sentence's (工程项目宏润建设).
            if end - pos >= 4 and tag is not None and tag not in NAME_TAGS:
                break
            pos = token.start
        return pos

    def find(self, text: str, index: TokenIndex) -> list[Candidate]:
        """ORG candidates for the names written right before a stock code."""
        out: list[Candidate] = []
        for m in _TICKER.finditer(text):
            end = m.start()
            while end > 0 and text[end - 1] == " ":
                end -= 1
            if end == 0:
                continue
            if _LATIN.match(text[end - 1]):
                start = self._latin_start(text, end)
            else:
                start = self._han_start(text, end, index)
            name = text[start:end]
            if len(name) < 2 or name in self.generic or name.isdigit():
                continue
            if len(name) <= 4 and self.tags.get(name) not in (None, *NAME_TAGS):
                continue  # a common word (股价, 公司) before a code is not a name
            value = OrgValue(name, "company", name)
            out.append(Candidate("ORG", start, end, value, TICKER_SOURCE, priority=3, confidence=0.9))
        return out


# A source line (来源：挖贝网, 文章来源：经济导报): the name ends at a space or line end.
_BYLINE = regex.compile(r"来源[:：][ \t]*([\p{Han}A-Za-z0-9]{2,10})(?=[ \t\u3000]|\n|$)")
BYLINE_SOURCE = "rule:orgs.byline"


class BylineOrgFinder:
    """The publisher named on a source line (来源：挖贝网): a medium or a data provider.

    Portals close a reposted article with ``来源：`` and the outlet's name on a line or
    before a space. What is taken must look like a name: a word the dictionary does not
    know or knows as a name, or an outlet's ending (报, 网, 社: 经济导报, 电商报); 公司公告
    and 网络 are common words. A name run on into the text (来源：深交所尴尬的是) is not taken,
    since the name must end at a space or line end.
    """

    def __init__(self, rules: OrgPatternsFile | None, tags: Mapping[str, str]) -> None:
        self.tags = tags
        media = rules.type_suffixes.get("media", []) if rules is not None else []
        self.media_endings = tuple(sorted(media, key=len, reverse=True))
        self.generic: frozenset[str] = frozenset(rules.generic_stems) if rules is not None else frozenset()

    def _name_like(self, name: str, start: int, index: TokenIndex) -> bool:
        pos = start
        while pos < start + len(name):
            token = index.by_start.get(pos)
            if token is None or token.end > start + len(name):
                return True  # off the word grid: no dictionary word
            tag = self.tags.get(token.text)
            if tag is None or tag in NAME_TAGS:
                return True
            pos = token.end
        return False

    def find(self, text: str, index: TokenIndex) -> list[Candidate]:
        """ORG candidates for the outlets named on source lines."""
        out: list[Candidate] = []
        for m in _BYLINE.finditer(text):
            name, start = m.group(1), m.start(1)
            media = name.endswith(self.media_endings) and name[:-1] not in self.generic and not name.startswith("本")
            if not _HAN.search(name) or not (media or self._name_like(name, start, index)):
                continue
            value = OrgValue(name, "media" if media else "company", name)
            out.append(Candidate("ORG", start, m.end(1), value, BYLINE_SOURCE, priority=1, confidence=0.8))
        return out


# ---------------------------------------------------------------------------
# Products


class ForeignBodies:
    """Known government bodies named after a country: 美国财政部 is not China's 财政部."""

    def __init__(self, rules: OrgPatternsFile | None) -> None:
        countries = list(rules.countries) if rules is not None else []
        home = list(rules.home_countries) if rules is not None else []
        self.home = frozenset(home)
        alternatives = sorted({*countries, *home}, key=len, reverse=True)
        self.pattern = regex.compile("(?:" + "|".join(map(regex.escape, alternatives)) + ")$") if alternatives else None

    def extend(self, text: str, hits: list[Candidate]) -> list[Candidate]:
        """Widen government hits over a country name right before them."""
        if self.pattern is None:
            return hits
        out = []
        for cand in hits:
            value = cand.value
            if isinstance(value, OrgValue) and value.type == "government":
                m = self.pattern.search(text, max(0, cand.start - 6), cand.start)
                if m is not None:
                    country = m.group()
                    name = text[m.start() : cand.end]
                    canonical = value.name if country in self.home else name
                    cand = Candidate(
                        "ORG", m.start(), cand.end, OrgValue(canonical, "government", name),
                        "rule:orgs.country_body", cand.priority, cand.confidence,
                    )  # fmt: skip
            out.append(cand)
        return out


@dataclass(frozen=True, slots=True)
class ProductHit:
    """What the product automaton stores for one name."""

    name: str
    org: str | None
    alias: str


class ProductFinder:
    """Known products by automaton, model codes by pattern."""

    def __init__(self, rules: ProductsFile | None) -> None:
        self.automaton = ahocorasick.Automaton()
        self.makers: dict[str, str | None] = {}
        self.patterns: list[tuple[str, regex.Pattern[str], str | None]] = []
        self.stoplist: frozenset[str] = frozenset()
        if rules is not None:
            for entry in rules.entries:
                self.makers[entry.name] = entry.org
                for alias in (entry.name, *entry.aliases):
                    self.automaton.add_word(alias, ProductHit(entry.name, entry.org, alias))
            self.patterns = [(p.id, compile_pattern(p.pattern, rule_id=p.id), p.org) for p in rules.patterns]
            self.stoplist = frozenset(rules.stoplist)
        if len(self.automaton):
            self.automaton.make_automaton()

    def maker_of(self, name: str) -> str | None:
        """The maker of a product, or of the known product its name starts with (GLM-4 -> GLM)."""
        if name in self.makers:
            return self.makers[name]
        best = ""
        for known in self.makers:
            if name.startswith(known) and len(known) > len(best) and not name[len(known) : len(known) + 1].isalpha():
                best = known
        return self.makers.get(best) if best else None

    def find(self, text: str, index: TokenIndex) -> list[Candidate]:
        """PRODUCT candidates (the maker is filled later from context when unknown)."""
        out: list[Candidate] = []
        if len(self.automaton):
            for end_index, hit in self.automaton.iter(text):
                end = end_index + 1
                start = end - len(hit.alias)
                if _is_latin_word(hit.alias):
                    if not _latin_boundary_ok(text, start, end) and text[end : end + 1] != "-":
                        continue
                elif len(hit.alias) <= 2 and not index.aligned(start, end):
                    continue
                out.append(
                    Candidate("PRODUCT", start, end, ProductValue(hit.name, hit.org), "rule:products.gazetteer", 3, 1.0)
                )
        for rule_id, pattern, org in self.patterns:
            for m in pattern.finditer(text, timeout=1.0):
                name = m.group()
                if name in self.stoplist or any(name.startswith(s) for s in self.stoplist if s.endswith("-")):
                    continue
                value = ProductValue(name, org or self.maker_of(name))
                out.append(Candidate("PRODUCT", m.start(), m.end(), value, f"rule:{rule_id}", 2, 0.9))
        return out


# ---------------------------------------------------------------------------
# Persons


def address_cut(
    text: str, start: int, end: int, surnames: frozenset[str], honorifics: frozenset[str], words: dict[str, str]
) -> int:
    """End of a name that swallowed the surname of a form of address after it.

    In 董事长王诚王总 the name is 王诚 and 王总 is how he is addressed; both the rule and
    the model read 王诚王. A one-character honorific (总, 董, 工) follows a bare surname,
    never a full name, so a name of three or more characters whose last character is a
    surname and is followed by one is cut before that character. Two-character
    honorifics (先生, 女士) follow full names too (张小明先生) and cut nothing; nor does a
    honorific character that starts a dictionary word (总结, 董事, 老家).

    Returns:
        ``end`` or, for such a name, ``end - 1``.

    """
    if end - start < 3 or text[end - 1] not in surnames or end >= len(text):
        return end
    after = text[end]
    if after not in honorifics or text[end : end + 2] in words:
        return end
    return end - 1


_LIST_COMMA = regex.compile(r"\s*、\s*")


class PersonFinder:
    """Names after titles, in 等-closed lists, and before speech verbs."""

    def __init__(self, rules: PersonsFile | None) -> None:
        self.rules = rules
        # The segmenter's word tags, set by the extractor once loaded (曾经 is not 曾 + 经).
        self.tags: dict[str, str] | None = None
        titles: list[str] = []
        self.title_rule: dict[str, str] = {}
        surnames = ""
        compound: list[str] = []
        verbs: list[str] = []
        self.not_names: frozenset[str] = frozenset()
        self.honorifics: frozenset[str] = frozenset()
        self.function_surnames: frozenset[str] = frozenset()
        if rules is not None:
            for rule in rules.titles:
                for title in rule.titles:
                    titles.append(title)
                    self.title_rule[title] = rule.id
            surnames = rules.surnames
            compound = rules.compound_surnames
            verbs = rules.speech_verbs
            self.not_names = frozenset(rules.not_names)
            self.honorifics = frozenset(rules.honorifics)
            self.function_surnames = frozenset(rules.function_surnames)
        self.surnames = frozenset(surnames)
        self.compound = tuple(compound)
        # 总, 董, 工: honorifics written after a bare surname (see ``address_cut``).
        self.one_char_honorifics = frozenset(h for h in self.honorifics if len(h) == 1)
        title_alt = "|".join(regex.escape(t) for t in sorted(set(titles), key=len, reverse=True)) or "(?!)"
        prefix_alt = "|".join(_TITLE_PREFIX)
        self.title_chain = regex.compile(
            rf"(?:(?:{prefix_alt})\s*)?(?:{title_alt})(?:\s*(?:兼|、|及|和|/)\s*(?:(?:{prefix_alt})\s*)?(?:{title_alt}))*\s*"
        )
        # A chain starts with a prefix or a title: the automaton finds those places, and
        # the pattern is tried there only (``title_chains``).
        self.chain_starts = ahocorasick.Automaton(ahocorasick.STORE_LENGTH)
        for word in {*titles, *_TITLE_PREFIX}:
            self.chain_starts.add_word(word)
        self.chain_starts.make_automaton()
        # A list starts where a run of Han characters does (or where the last match
        # ended, \G): a start inside a run would also match one character earlier, which
        # the scan tries first. The guard spares a scan from every character of a run,
        # and the possessive run gives back nothing that 、 could take. Same matches.
        self.name_list = regex.compile(r"(?:(?<!\p{Han})|\G)((?:\p{Han}++\s*、\s*)+\p{Han}{2,4})\s*等")
        verb_alt = "|".join(regex.escape(v) for v in sorted(verbs, key=len, reverse=True)) or "(?!)"
        self.before_verb = regex.compile(rf"(?<![\p{{Han}}A-Za-z0-9])(\p{{Han}}{{2,4}}?)(?={verb_alt})")
        # The verbs alone: a name before one starts two to four characters before it (see ``_before_verb``).
        self.speech_verbs = regex.compile(verb_alt)
        self.title_alt = regex.compile(rf"^(?:{title_alt})$")
        appoint = rules.appointment_verbs if rules is not None else []
        appoint_alt = "|".join(regex.escape(v) for v in sorted(appoint, key=len, reverse=True)) or "(?!)"
        # 聘任王强为公司总经理: the name sits between the verb and 为/担任, filings often
        # with a form of address after it (委任萧颕洁女士为公司秘书).
        self.appointment = regex.compile(
            rf"(?:{appoint_alt})(\p{{Han}}{{2,4}}?)(?=(?:{'|'.join(ADDRESS_FORMS)})?(?:为|担任|出任|兼任))"
        )

    def name_at(self, text: str, pos: int, index: TokenIndex) -> int | None:
        """End of a person name starting at ``pos``, or ``None`` if none starts there."""
        if pos >= len(text):
            return None
        surname_len = 0
        for cs in self.compound:
            if text.startswith(cs, pos):
                surname_len = len(cs)
                break
        if not surname_len and text[pos] in self.surnames:
            surname_len = 1
        if not surname_len:
            return None
        choices = []
        for given in (2, 1):
            end = pos + surname_len + given
            chunk = text[pos:end]
            if (
                end > len(text)
                or not all(_HAN.match(c) for c in chunk)
                or any(c in _NAME_STOP for c in chunk[surname_len:])
            ):
                continue
            choices.append(end)
        if not choices:
            return None
        end = self._choose_end(choices, index)
        first = index.by_start.get(pos)
        if (
            first is not None
            and len(first.text) > surname_len
            and first.end < end
            and self.tags is not None
            and self.tags.get(first.text) in _NO_NAME_START_TAGS
        ):
            return None  # 许多|人认为, 高兴|地告诉: a word of its own, not surname + given name
        if end - pos == surname_len + 2:
            end = address_cut(text, pos, end, self.surnames, self.one_char_honorifics, self.tags or {})
        if surname_len == 1 and text[pos] in self.function_surnames:
            # 和一批, 向记者: the "surname" is a function word unless the segmenter
            # reads the whole name as one word.
            token = index.by_start.get(pos)
            if token is None or token.end != end:
                return None
            if self.tags is not None and self.tags.get(token.text) not in (None, *NAME_TAGS):
                return None  # 曾经 is a word, not a name
        return end

    @staticmethod
    def _choose_end(choices: list[int], index: TokenIndex) -> int:
        """Pick a two- or three-character name by the segmenter's word boundaries."""
        long_end = choices[0] if len(choices) == 2 else None
        short_end = choices[-1]
        if long_end is not None:
            if long_end in index.ends and (
                short_end not in index.ends
                or (index.by_start.get(short_end) is not None and len(index.by_start[short_end].text) == 1)
            ):
                return long_end
            if short_end in index.ends:
                return short_end
            return long_end
        return short_end

    def valid_name(self, name: str) -> bool:
        """A plausible full name: known surname, not on the not-a-name list."""
        if name in self.not_names or name[:2] in self.not_names:
            return False
        surname_len = next((len(c) for c in self.compound if name.startswith(c)), 1)
        if name[surname_len:] in self.honorifics or name in self.honorifics:
            return False  # 王总; 阿姨说着: a form of address, not a name
        if self.tags is not None and self.tags.get(name) not in (None, "nr", "nrt", "nrfg"):
            return False  # a dictionary word that is not a name: 任命, 来访, 安县
        return name[0] in self.surnames or name.startswith(self.compound)

    def find(self, text: str, index: TokenIndex, orgs: Sequence[Candidate]) -> list[Candidate]:
        """PERSON candidates with title and organisation where the text gives them."""
        out: list[Candidate] = []
        org_by_end = {c.end: c for c in orgs}
        for m in self.title_chains(text):
            end = self.name_at(text, m.end(), index)
            if end is None:
                continue
            name = text[m.end() : end]
            if not self.valid_name(name):
                continue
            chain = m.group().strip()
            title = self._clean_title(chain)
            org_cand = org_by_end.get(m.start()) or org_by_end.get(
                m.start() - 1 if text[m.start() - 1 : m.start()] == "的" else -1
            )
            org = org_cand.value.name if org_cand is not None and isinstance(org_cand.value, OrgValue) else None
            rule_id = self.title_rule.get(title.split("兼")[-1].split("、")[-1], "persons.title")
            out.append(Candidate("PERSON", m.end(), end, PersonValue(name, title, org), f"rule:{rule_id}", 2, 0.9))
        # A name list needs both 、 and 等: most texts lack one, and then need no scan.
        for m in self.name_list.finditer(text) if "、" in text and "等" in text else ():
            items = _LIST_COMMA.split(m.group(1))
            # The run before the first 、 may start with other words (直接导致戴宗宏):
            # keep its last two or three characters that start a word and form a name.
            first = items[0]
            head_end = m.start(1) + len(first)
            items[0] = next(
                (
                    first[-n:]
                    for n in (3, 2)
                    if len(first) >= n and (head_end - n) in index.starts and self.valid_name(first[-n:])
                ),
                first,
            )
            if not all(2 <= len(item) <= 4 and self.valid_name(item) for item in items):
                continue
            if not any(len(item) == 3 for item in items):
                continue
            pos = m.start(1) + len(first) - len(items[0])
            for item in items:
                start = text.index(item, pos)
                out.append(
                    Candidate("PERSON", start, start + len(item), PersonValue(item), "rule:persons.name_list", 1, 0.8)
                )
                pos = start + len(item)
        for m in self.appointment.finditer(text):
            start = m.start(1)
            end = self.name_at(text, start, index)
            if end is None or end != m.end(1) or not self.valid_name(text[start:end]):
                continue
            tail = text[end : end + 24]
            title_match = regex.search(
                r"(?:为|担任|出任|兼任)(?:公司|本公司)?([^，。；,;、]{2,12}?)(?=[，。；,;、]|$)", tail
            )
            post = title_match.group(1) if title_match else None
            out.append(
                Candidate("PERSON", start, end, PersonValue(text[start:end], post), "rule:persons.appointment", 1, 0.8)
            )
        for m in self._before_verb(text):
            start = m.start(1)
            end = self.name_at(text, start, index)
            if end is None or end != m.end(1):
                continue
            name = text[start:end]
            if self.valid_name(name) and start in index.starts:
                out.append(Candidate("PERSON", start, end, PersonValue(name), "rule:persons.speech_verb", 0, 0.6))
        return out

    def title_chains(self, text: str) -> Iterator[regex.Match[str]]:
        """The matches of ``title_chain`` in ``text``, as ``finditer`` gives them, tried only where one can start.

        A match starts with a title or a prefix (原, 现任 ...), so the first place a
        search from an offset would find is the first such place from there where the
        pattern matches; the next search starts where that match ends.
        """
        places = sorted({end + 1 - size for end, size in self.chain_starts.iter(text)})
        match = self.title_chain.match
        resume = 0
        for place in places:
            if place < resume:
                continue
            m = match(text, place)
            if m is not None:
                resume = m.end()
                yield m

    def _before_verb(self, text: str) -> Iterator[regex.Match[str]]:
        """The matches of ``before_verb`` in ``text``, as ``finditer`` gives them, tried only before the verbs.

        A match is two to four Han characters right before a speech verb, after a
        character that is neither Han nor a letter or digit; so no match starts inside
        another, each start is tried on its own, and only the places two to four
        characters before a verb need trying: a scan for the verbs alone (a few per
        text) is much cheaper than trying the pattern at every character.
        """
        places: set[int] = set()
        for verb in self.speech_verbs.finditer(text, overlapped=True):
            at = verb.start()
            places.update(range(max(0, at - 4), at - 1))
        match = self.before_verb.match
        for place in sorted(places):
            m = match(text, place)
            if m is not None:
                yield m

    @staticmethod
    def _clean_title(chain: str) -> str:
        for prefix in _TITLE_PREFIX:
            if chain.startswith(prefix):
                return chain[len(prefix) :].strip()
        return chain


# ---------------------------------------------------------------------------
# The stage


class EntityExtractor:
    """Runs the organisation, product and person rules over a document."""

    def __init__(
        self,
        rulebook: Rulebook,
        tags: dict[str, str] | None = None,
        segmenter: Segmenter | None = None,
        tags_getter: Callable[[], dict[str, str]] | None = None,
    ) -> None:
        self.segmenter = segmenter
        self._tags_getter = tags_getter
        gaz = rulebook.get("gazetteer")
        self.gazetteer = Gazetteer(gaz if isinstance(gaz, GazetteerFile) else None)
        patterns = rulebook.get("org_patterns")
        self._tags = tags
        self._patterns = patterns if isinstance(patterns, OrgPatternsFile) else None
        self._suffix: SuffixOrgFinder | None = None
        self._ticker: TickerOrgFinder | None = None
        self._byline: BylineOrgFinder | None = None
        products = rulebook.get("products")
        self.products = ProductFinder(products if isinstance(products, ProductsFile) else None)
        persons = rulebook.get("persons")
        self.persons = PersonFinder(persons if isinstance(persons, PersonsFile) else None)
        self.foreign = ForeignBodies(self._patterns)

    @property
    def suffix(self) -> SuffixOrgFinder:
        """The suffix finder; needs jieba's word tags, loaded on first use."""
        if self._suffix is None:
            if self._tags is None:
                getter = self._tags_getter
                self._tags = getter() if getter is not None else dictionary_word_tags()
            self._suffix = SuffixOrgFinder(self._patterns, self.gazetteer, self._tags)
            self._ticker = TickerOrgFinder(self._patterns, self._tags)
            self._byline = BylineOrgFinder(self._patterns, self._tags)
            self.persons.tags = self._tags
        return self._suffix

    def extract(self, doc: WorkDoc) -> list[Candidate]:
        """ORG, PRODUCT and PERSON candidates of ``doc``."""
        index = TokenIndex.build(doc.tokens)
        suffix = self.suffix  # loads the word tags
        known = self.foreign.extend(
            doc.text, self.gazetteer.find(doc.text, index, self._dictionary_aligned, self._tags)
        )
        orgs = known + suffix.find(doc.text, index)
        if self._ticker is not None and self._byline is not None:
            orgs += self._ticker.find(doc.text, index) + self._byline.find(doc.text, index)
        products = self.products.find(doc.text, index)
        persons = self.persons.find(doc.text, index, orgs)
        return orgs + products + persons

    def _dictionary_aligned(self, text: str, start: int, end: int) -> bool:
        if self.segmenter is None:
            return False
        window_start = max(0, start - 6)
        window = text[window_start : min(len(text), end + 6)]
        tokens = self.segmenter.dictionary_tokens(window)
        starts = {t.start + window_start for t in tokens}
        ends = {t.end + window_start for t in tokens}
        return start in starts and end in ends


def shared_word_tags(context: StageContext) -> Callable[[], dict[str, str]]:
    """A getter of the pipeline's one table of dictionary word tags (loaded on first call)."""

    def get() -> dict[str, str]:
        tags = context.shared("word_tags", dictionary_word_tags)
        assert isinstance(tags, dict)
        return tags

    return get


def dictionary_word_tags() -> dict[str, str]:
    """Part-of-speech tags of jieba's dictionary words (never jieba's global tokenizer).

    The table is what ``jieba.posseg.POSTokenizer(tokenizer).word_tag_tab`` holds (the
    ``word freq tag`` lines of the dictionary file, the last line of a word winning),
    read here without initialising a tokenizer or importing ``jieba.posseg`` (its
    models): the segmenter's backend may never need jieba's own tokenizer, and a worker
    would build one only for this table. Every segmenter reads jieba's default
    dictionary, so the table is the same for all (the lexicon's words have no tags here,
    as with ``POSTokenizer``, which leaves the tokenizer's user tags aside until it cuts).
    """
    import jieba

    tags: dict[str, str] = {}
    with jieba.Tokenizer().get_dict_file() as fh:  # an uninitialised tokenizer only names the file
        for lineno, raw in enumerate(fh, 1):
            line = raw.strip().decode("utf-8")
            if not line:
                continue
            parts = line.split(" ")
            if len(parts) != 3:
                raise ValueError(f"invalid POS dictionary entry in jieba's dictionary at line {lineno}: {line}")
            tags[parts[0]] = parts[2]
    return tags


@stage_factory("entities")
def make_entities_stage(context: StageContext) -> EntitiesStage:
    """Build the rule-based organisation, person and product stage."""
    return EntitiesStage(
        EntityExtractor(context.rulebook, segmenter=shared_segmenter(context), tags_getter=shared_word_tags(context))
    )


class EntitiesStage:
    """Adds ORG, PERSON and PRODUCT candidates."""

    name = "entities"
    requires: tuple[str, ...] = ("text", "tokens")
    assigns: tuple[str, ...] = ("candidates",)

    def __init__(self, extractor: EntityExtractor) -> None:
        self.extractor = extractor

    def __call__(self, doc: WorkDoc) -> None:
        """Find the organisations, persons and products of ``doc``."""
        doc.candidates.extend(self.extractor.extract(doc))


def iter_labels(candidates: Iterable[Candidate], label: str) -> list[Candidate]:
    """The candidates with ``label``."""
    return [c for c in candidates if c.label == label]
