"""Business events from trigger rules, a sentence classifier and a role model.

How one document goes (the rules are ``kind: events`` files, see ``rules/events.yaml``):

1. Fillers: every mention, plus the event file's filler patterns and cuts
   (:mod:`pipeline.events.fillers`); a news outlet (an organisation typed ``media``: 路透社, 中国证券报) fills no role.
2. Triggers: each type's trigger words, minus those inside a ``not_in`` word or a
   name, after a ``not_after`` word of their sentence, before a ``not_before`` word of
   their clause, or after a ``background`` word of their clause (history, not news). With the sentence classifier
   (:mod:`pipeline.events.model`) a trigger only counts when its sentence scores the
   type at least ``model.keep``; a *weak* trigger (成交, 购买) needs ``model.weak``.
   Without the classifier weak triggers never count.
3. Sentence filling: triggers of one type in one sentence make one draft; its roles
   are filled from the sentence by the role rules (mention label and kind, side,
   cue words, patterns, enumerations).
4. Document filling: the role model (:mod:`pipeline.events.roles`) scores every
   filler of the document for every role of the types found; a filler above
   ``model.role`` fills that role of the nearest draft of its type, and replaces a
   rule filler of the same mention when the model prefers another cut of it.
   Roles marked ``document`` that are still empty take the document's main
   organisation (the subject is often only named in the title). A share count
   after 总股本/股份总数 in its clause is the company's share capital, no quantity
   bought back, sold or pledged; a ``one_figure`` total rounded from another filler of its
   role (the headline's 2.71万 for the body's 27,148) is dropped after merging (step 5).
5. Status from cue words (denied, negated, reported, planned), one event per
   person for split roles, and merging: drafts of one type whose ``merge_on`` roles
   agree are one happening (title and body).
6. Last checks: a finished event needs one of its ``requires_any`` roles and all of
   its ``requires_all`` roles; in an opinion piece (a ``commentary`` headline, such as
   an analyst's rating note) only the types its headline tells are kept. After merging,
   a date or a reporting period written twice in a role keeps DuEE-fin's writing (the
   body's 2019年10月14日, the report's 2020年半年度), a figure per share fills no total, a
   ratio of the whole share capital goes to its own role, and a figure two types' events
   both hold goes to the type whose trigger word precedes it in its sentence.
"""

from __future__ import annotations

import itertools
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Literal, NamedTuple, TypeVar

import ahocorasick
import regex

from pipeline.events.boilerplate import BoilerplateFinder, inside
from pipeline.events.fillers import Filler, FillerFinder
from pipeline.events.gate import EventGate
from pipeline.events.model import EventTypeModel
from pipeline.events.roles import RoleFeaturizer, RoleModel, role_label
from pipeline.memo import remember
from pipeline.records import AmountValue, Argument, Event, Mention, OrgValue, PersonValue, Trigger
from pipeline.rulebook.loader import Rulebook
from pipeline.rulebook.patterns import compile_pattern
from pipeline.rulebook.schemas.events import (
    Background,
    EventsFile,
    EventType,
    FillerPattern,
    ModelSettings,
    RoleSpec,
    StatusCue,
)
from pipeline.stages.base import WorkDoc
from pipeline.stages.ner import OrgTyper
from pipeline.textutil import index_of_span, sentence_spans

# An ASCII comma inside a figure (48,800,000股) or a stock quote (长江证券(7.410,-0.03,-0.40%))
# ends no clause: a not_before word after the quote (质押给长江证券(7.410,-0.03,-0.40%)的1430万股
# 办理解除质押) still belongs to the trigger's clause.
_CLAUSE = regex.compile(r"[，；;：:]|,(?![-+]?\d)")
_COORDINATION = regex.compile(r"\s*(?:、|和|及|与|以及|,|，)\s*")
_CUE_WINDOW = 6
_HEADLINE_MAX = 80
# How far into a paragraph a paragraph-opening status cue may start (据媒体报道，...).
_PARAGRAPH_OPENING = 8
# The disclosure-date roles, and what makes a date the dateline that gives them (see _dateline).
_DISCLOSURE_ROLES = ("披露时间", "披露日期")
_DAY = regex.compile(r"(?:\d{1,2}|[一二三四五六七八九十]+)\s*日")
_DATELINE_LEAD = 30  # 中证网讯（记者 张兴旺）怒喵科技: an outlet, a byline, a name
_DATELINE_REACH = 40
_DATELINE_OPENING = 300  # a dateline opens the report (after a source line, an editor's note)
_LEAD_BREAK = regex.compile(r"[。，,；;]")
_SENTENCE_END = regex.compile(r"[。\n]")
_TELLING = regex.compile(r"发布|公告|披露|宣布|公布|消息|讯")
STATUS_RANK = {"denied": 4, "negated": 3, "reported": 2, "planned": 1, "asserted": 0}
# When drafts of one happening merge: a denial anywhere wins; otherwise a plain statement
# of the happening (the title, the announcement) outweighs a hedge or a negation found in
# another sentence (公司未在下列期间内回购股份 does not negate the buyback the title reports).
MERGE_RANK = {"denied": 4, "asserted": 3, "planned": 2, "reported": 1, "negated": 0}
# Pattern-found organisations (stock names, announcers) count as companies for ``org_types``.
_PATTERN_ORG_KINDS = {"stock", "announcer", "title", "legal"}
# Roles that name the company whose shares are concerned: it may also be a party (a company
# buying back or pledging its own shares), unlike a buyer and its target.
_SHARES_OF_ROLES = {"质押物所属公司", "股票简称"}
# The types whose figures _figures_to_the_verb_after_them gives to one type (measured on these; a
# shareholding notice tells a release and the pledges left, a sale and a purchase, in one text).
_SHAREHOLDING_TYPES = {"质押", "解除质押", "股东减持", "股东增持", "股份回购"}
# Characters a figure's writing continues with: a figure's text next to one is part of another figure.
_FIGURE_CHARS = frozenset("0123456789.,，")
# Period roles DuEE-fin writes as the annual report's name when the text names that report
# (发布2019年年度报告…亏损: 2019年年度报告, 6 of 6 in the tuning part), unlike a half year's
# (2020年半年度 for 2020年半年度报告, see events.filler.report_period).
_ANNUAL_REPORT_ROLES = {("亏损", "财报周期")}
_ANNUAL_PERIOD = regex.compile(r"\d{4}\s*年年度")
# What follows a comparison period that only gives the other year's figure (上年同期为0.38元, 上年同期17.88%).
_FIGURE_AFTER = regex.compile(r"\s*(?:为|是)?\s*[-－+]?\d")
# Pattern-found organisations that may be the document's subject.
_SUBJECT_KINDS = {"stock", "announcer", "title"}
# A share count after these words in its clause is the company's whole share capital
# (公司股份总数由244,152,600股减少为243,993,800股, 总股本从28.43亿股下降到28.42亿股): no
# quantity bought back, sold or pledged. The event's own total (本次回购股份总数为,
# 用于质押的股份总数为) is left alone.
_TOTAL_SHARES = regex.compile(r"总股本|(?<![购持押的])股份总数|总股数|股本总数|总股份")
_CLAUSE_OR_SENTENCE = regex.compile(r"[，,；;：:。！？!?\n]")
# A numeral in Arabic digits (1,470,378.88), as an amount argument writes it.
_NUMERAL = regex.compile(r"\d[\d,]*(?:\.\d+)?")
# How many organisation types of pattern-found names are kept (then the memo starts again).
_ORG_TYPE_MEMO = 20_000
# A date written with its year (2019年10月14日, 2019 年 09月04日): the year, and what follows it
# starting with a month, as a headline writes the same date without the year (10月14日).
_YEAR_THEN_MONTH = regex.compile(r"^\s*\d{4}\s*年\s*(?P<rest>\d{1,2}\s*月.*)$", regex.DOTALL)
_STARTS_WITH_MONTH = regex.compile(r"^\s*\d{1,2}\s*月")
# A reporting period as a role writes it: an optional year, then one writing of a period.
_PERIOD = regex.compile(r"\s*(?:(?P<year>\d{4})\s*年\s*)?(?P<writing>\S+?)\s*")
# The writings of each period, the one DuEE-fin prefers first: the report's name (2020年半年度 over
# the headline's 2020年上半年: the gold one in 16 of the 17 CV documents with two), the full quarter.
_YEAR_WRITINGS = ("年度", "全年", "年报")
_YEAR_ONLY = regex.compile(r"\s*(?P<year>\d{4})\s*年\s*")
_PERIOD_WRITINGS = (
    ("H1", ("半年度", "中期", "半年报", "中报", "上半年", "半年")),
    ("9M", ("前三季度", "前三季", "前三财季")),
    ("Q1", ("第一季度", "一季度", "一季")),
    ("Q2", ("第二季度", "二季度", "二季")),
    ("Q3", ("第三季度", "三季度", "三季")),
    ("Q4", ("第四季度", "四季度", "四季")),
    ("H2", ("下半年",)),
    ("FY", _YEAR_WRITINGS),
)
_WRITINGS = {writing: (period, rank) for period, writings in _PERIOD_WRITINGS for rank, writing in enumerate(writings)}
# A ratio role of the holder's shares and its twin of the company's whole share capital, by the
# ending of their names (质押物占持股比 and 质押物占总股比, 增持部分占所持比例 and 增持部分占总股本比例).
_HELD_RATIO_ENDINGS = ("占持股比", "占所持比例")
_WHOLE_RATIO_ENDINGS = ("占总股比", "占总股本比例")
# What a ratio of the whole share capital follows (占公司股份总数的9.27%, 占总股本的1.2%); a holder's
# ratio names the holder (占其直接持有公司股份总数的93.30%, 占两人合计持有公司股份总数的).
_OF_THE_WHOLE = regex.compile(
    r"占(?:本|该)?公司(?:已发行)?(?:股份总数|总股本|总股份|股本总额)(?:的)?(?:比例)?(?:为|约)?$|占总股本(?:的)?(?:比例)?(?:为|约)?$"
)
# A figure per share: 每股 before it with no other figure in between (每股亏损0.21元, 基本每股收益亏损约
# 0.04元, 每股基本亏损0.02港元), or /股 after it (0.0792元/股): a price, no total.
_PER_SHARE_BEFORE = regex.compile(r"每股[^\d，。；,;：:\n]{0,6}$")
_PER_SHARE_AFTER = regex.compile(r"\s*(?:/|／|\\/)股")
# The same period a year before, as a report compares with it: 上年同期, 去年同期, 2018年同期.
_COMPARISON_PERIOD = regex.compile(r"(?:上年|去年|上一年|\d{4}\s*年)同期")
_CLAUSE_MARKS = ("，", "。", "；", "！", "？", "\n", ",", ";")
# A name the mention stages took together with what was said of it: a word of the sentence
# before it (据领益智造, 除上海豫园…, 了明亚保险…) or the kind of business it is (直播电商平台生活有鱼,
# 印度智能可穿戴品牌GOQii, 知名企业河北腾盛纸业有限公司). The descriptor is short and ends with a kind
# noun; what follows it must be a name of its own (not 有限公司 or a branch of a legal name before it).
_DESCRIBED_NAME = regex.compile(
    r"^(?P<lead>据|除|了|这意味着|(?:中止)?审查|[^\s（(“\"]{0,10}?(?:品牌|平台|服务商|厂商|企业|巨头|机构|生产公司))"
    r"(?P<name>[^\s，,].+)$"
)
_NOT_A_NAME_OF_ITS_OWN = regex.compile(r"^(?:有限|股份|控股|集团|管理|公司|分|支|[（(）)])")
_LEGAL_NAME_IN_LEAD = regex.compile(r"公司|集团|银行")
# A consortium named as such (联合体, 该联合体) is no company: its members are the parties
# (DuEE-fin never writes it; the tuning part's bids won by one list their members).
_CONSORTIUM = regex.compile(r"^(?:该|本|上述|此)?联合体$")
# A sentence of a career history (曾任上投实业公司副总经理, 此前…总裁, 资料显示…): the titles it
# lists are posts held before, not the title the executive holds when the change happens.
_CAREER_HISTORY = regex.compile(r"曾任|曾担任|曾先后|先后任|先后担任|历任|此前|资料显示|简历")

# Organisations written in full (see _FullNames). A registered company name's ending
# (深圳市东创精密技术有限公司, …投资合伙企业（有限合伙）), and a short name's definition right after the
# name it stands for (（以下简称"北明控股"）, (简称：宋都控股), (简称：中设集团(12.090,…)).
_REGISTERED_NAME = regex.compile(r"(?:有限公司|有限责任公司|集团公司|股份公司|有限合伙[）)])$")
_SHORT_NAME_DEFINED = regex.compile(
    r"\s*[（(]\s*(?:以下简称|以下称|下称|简称)\s*(?:[:：为])?\s*[“\"「]?(?P<short>[^”\"」（(）)，,、；;\s]{2,12})[”\"」]?\s*[）)，,、；;（(]"
)
# The shareholder who pledges, releases, sells or buys: DuEE-fin writes the full name a notice
# defines a short one for (北京北明伟业控股有限公司（以下简称"北明控股"）… 北明控股本次解除质押), 50 times
# against 11 in the tuning part; a pledge's holder also when the short name is never defined
# ("in_order": 5 tuples gained in CV; for purchases DuEE-fin keeps the short name, 中国人寿: 2 lost).
_HOLDER_ROLES: dict[tuple[str, str], Literal["in_order"] | None] = {
    ("质押", "质押方"): "in_order",
    ("解除质押", "质押方"): "in_order",
    ("股东减持", "减持方"): None,
    ("股东增持", "增持方"): None,
}
# The types whose organisations DuEE-fin writes by their registered name when the text gives it
# (the tuning part's 中标公司 48 to 1, 被收购方 22 to 1, 上市公司 21 to 1), also a short name one
# registered name contains ("contained"): measured on these.
_REGISTERED_NAME_TYPES = frozenset({"中标", "企业收购", "高管变动", "公司上市", "企业融资", "企业破产", "被约谈"})
# Investors are funds DuEE-fin writes by the brand the text gives them (本轮投资方深圳市创新投资集团有限公司
# （简称“深创投”） gives 深创投; both such gold investors of the tuning part).
_BRAND_NAMED_ROLES = frozenset({"投资方", "领投方"})
# The types any of whose roles is written in full (see _full_name_rule).
_FULL_NAME_TYPES = frozenset({t for t, _ in _HOLDER_ROLES}) | _REGISTERED_NAME_TYPES

# What an argument of a role written twice reads as (see _undominated).
_Reading = TypeVar("_Reading")


def _is_news_outlet(filler: Filler, org_type: Callable[[str], str] | None = None) -> bool:
    """Whether ``filler`` is a news outlet: an organisation the rules type ``media``.

    An outlet reports events and takes part in none; named as the source or in the dateline
    it is often the document's most frequent organisation. Mentions carry their type: the
    gazetteer's (路透社, 格隆汇), else the one ``type_suffixes`` in ``rules/org_patterns.yaml`` gives
    their ending (…证券报, …社, 新华财经, …新闻; 来源：挖贝网 on a source line). A pattern-found name
    (a headline's subject: 科技早报：…, 财华社讯：…) is no mention and is typed by ``org_type``.
    """
    if filler.label != "ORG":
        return False
    if filler.mention_id is None and org_type is not None:
        return org_type(filler.text) == "media"
    return filler.kind == "media"


@dataclass(slots=True)
class Draft:
    """An event being built: its trigger, sentence, arguments and status."""

    type: str
    rule_id: str
    trigger: tuple[int, int]
    sentence: int
    args: dict[str, list[Argument]] = field(default_factory=dict)
    status: str = "asserted"
    local_roles: set[str] = field(default_factory=set)
    confidence: float = 0.8
    # The canonical key of each argument, by role and (text, start): 智谱 and 智谱AI are one filler.
    keys: dict[str, dict[tuple[str, int | None], str]] = field(default_factory=dict)
    source: str = ""
    # No required role in its own sentence: kept only if the role model fills one.
    tentative: bool = False
    # Arguments chosen by a cue word (质押给X): explicit evidence the role model may not veto.
    cued: set[tuple[str, int | None]] = field(default_factory=set)
    # Arguments filled from a list (杭州城投、京西智谷等): a single-valued role keeps the whole list.
    listed: set[tuple[str, int | None]] = field(default_factory=set)

    def add(self, role: str, argument: Argument, key: str | None = None) -> bool:
        """Add an argument unless the same thing (same text, or same canonical ``key``) fills the role."""
        existing = self.args.setdefault(role, [])
        keys = self.keys.setdefault(role, {})
        k = key or argument.text
        if k in keys.values() or any(a.text == argument.text for a in existing):
            return False
        existing.append(argument)
        keys[(argument.text, argument.start)] = k
        return True

    def set_role(self, role: str, arguments: list[Argument]) -> None:
        """Replace the arguments of ``role`` (dropping the role when empty), keeping the keys in step."""
        old = self.keys.get(role, {})
        if not arguments:
            self.args.pop(role, None)
            self.keys.pop(role, None)
            return
        self.args[role] = arguments
        self.keys[role] = {(a.text, a.start): old.get((a.text, a.start), a.text) for a in arguments}

    def copy(self) -> Draft:
        """A copy whose argument lists can change independently."""
        return Draft(
            self.type,
            self.rule_id,
            self.trigger,
            self.sentence,
            {k: list(v) for k, v in self.args.items()},
            self.status,
            set(self.local_roles),
            self.confidence,
            {k: dict(v) for k, v in self.keys.items()},
            self.source,
            self.tentative,
            set(self.cued),
            set(self.listed),
        )


class TriggerCheck(NamedTuple):
    """What the trigger rules and the classifier say of one trigger match (see ``_checked_triggers``)."""

    span: tuple[int, int]
    sentence: int
    clause: tuple[int, int]
    # Why the rules exclude it (the trace's detail; empty: no note), or None when they do not.
    excluded: str | None
    tier: str = "normal"
    # Whether the classifier lets it make an event, and the probability it gives (None without it).
    ok: bool = False
    p: float | None = None


@dataclass(frozen=True, slots=True)
class CompiledType:
    """An event type with its compiled trigger (role patterns are fillers, see ``FillerFinder``)."""

    spec: EventType
    trigger: regex.Pattern[str]
    tiers: dict[str, str]
    not_in: tuple[str, ...]


def alternation(words: Sequence[str]) -> str:
    """A regex alternation of ``words``, longest first (never matches when empty)."""
    return "|".join(regex.escape(w) for w in sorted(set(words), key=len, reverse=True)) or "(?!)"


def _overlapping_names(a: set[str], b: set[str]) -> bool:
    """True when two sets of names share one, or one name contains another (东瑞 and 东瑞制药)."""
    return bool(a & b) or any(len(x) >= 2 and len(y) >= 2 and (x in y or y in x) for x in a for y in b)


def headline_end(text: str) -> int:
    """End of the document's headline: a short first line without a full stop, with a body after it; else 0."""
    end = text.find("\n")
    if end <= 0 or not text[end:].strip():
        return 0
    first = text[:end].strip()
    if not first or len(first) > _HEADLINE_MAX or first[-1] in "。！？!?":
        return 0
    return end


def word_before(text: str, position: int, word: str, floor: int) -> bool:
    """True when ``word`` ends within a few characters before ``position`` (not before ``floor``)."""
    window_start = max(floor, position - len(word) - _CUE_WINDOW)
    return text.find(word, window_start, position) >= 0


def _overlapping_finds(word: str, part: str) -> list[int]:
    """Every offset of ``part`` in ``word``, overlapping ones included (``word.find`` from each next offset)."""
    out: list[int] = []
    k = word.find(part)
    while k >= 0:
        out.append(k)
        k = word.find(part, k + 1)
    return out


def occurrences(word: str, text: str) -> list[int]:
    """Start offsets of the non-overlapping occurrences of ``word`` in ``text``, left to right.

    What ``regex.finditer(regex.escape(word), text)`` finds, without compiling a pattern per call.
    """
    if not word:
        return list(range(len(text) + 1))
    out: list[int] = []
    k = text.find(word)
    while k >= 0:
        out.append(k)
        k = text.find(word, k + len(word))
    return out


class NameCover:
    """Which characters the document's names cover, to test a trigger for overlap with any name at once."""

    __slots__ = ("covered", "empty", "spans")

    def __init__(self, spans: Sequence[tuple[int, int]]) -> None:
        self.spans = spans
        self.covered: set[int] = set()
        self.empty: list[int] = []
        for s, e in spans:
            if e > s:
                self.covered.update(range(s, e))
            elif e == s:
                self.empty.append(s)

    def overlaps(self, start: int, end: int) -> bool:
        """True when ``[start, end)`` overlaps a name span ``[s, e)``, that is ``s < end and start < e``."""
        if start >= end:
            return any(s < end and start < e for s, e in self.spans)
        covered = self.covered
        # A loop rather than ``any()`` over a generator: this runs for every trigger.
        for p in range(start, end):
            if p in covered:
                return True
        return any(start < p < end for p in self.empty)


class TriggerScanner:
    """Every event type's trigger words found in one pass over a document.

    One Aho-Corasick automaton holds the trigger words of all types. Per type, the
    matches kept are those ``regex.finditer`` finds with the type's alternation of its
    words, longest first (:func:`alternation`): leftmost, the longest word starting
    there, not overlapping the match before. (17 regex scans per document before.)
    """

    __slots__ = ("automaton", "count")

    def __init__(self, words_per_type: Sequence[Sequence[str]]) -> None:
        self.count = len(words_per_type)
        # Each word gives its length and the types it is a trigger of.
        self.automaton: ahocorasick.Automaton | None = WordHits.automaton(words_per_type)

    def scan(self, text: str) -> list[list[tuple[int, int]]]:
        """Per type (in the order given), the ``(start, end)`` of its trigger matches, left to right."""
        found: list[list[tuple[int, int]]] = [[] for _ in range(self.count)]
        if self.automaton is None:
            return found
        for last, (length, indexes) in self.automaton.iter(text):
            start = last + 1 - length
            for index in indexes:
                found[index].append((start, last + 1))
        for index, spans in enumerate(found):
            if len(spans) > 1:
                # Leftmost first, longest first at one start; then skip what the last match covers.
                spans.sort(key=lambda span: (span[0], -span[1]))
                kept: list[tuple[int, int]] = []
                covered = 0
                for start, end in spans:
                    if start >= covered:
                        kept.append((start, end))
                        covered = end
                found[index] = kept
        return found


def sentence_candidates(fillers: Sequence[Filler], sent: tuple[int, int]) -> dict[str, list[Filler]]:
    """The fillers that may fill a role from sentence ``sent``, by label, in text order.

    Those wholly inside the sentence, each cut as its mention is (a role rule takes a
    mention as it is; the role model weighs the other cuts).
    """
    sent_start, sent_end = sent
    by_label: dict[str, list[Filler]] = {}
    for f in fillers:
        if sent_start <= f.start and f.end <= sent_end and (f.start, f.end) == f.base:
            found = by_label.get(f.label)
            if found is None:
                by_label[f.label] = [f]
            else:
                found.append(f)
    return by_label


class SentenceFillers:
    """The document's fillers of each sentence, found by bisection (the fillers are in text order).

    What ``_fill`` looks at: the fillers that start in the sentence (those that also end
    there are its candidates), instead of every filler of the document per trigger.
    """

    __slots__ = ("cache", "fillers", "grouped", "sentences", "starts")

    def __init__(self, fillers: Sequence[Filler], sentences: Sequence[tuple[int, int]]) -> None:
        self.fillers = fillers
        self.sentences = sentences
        self.starts = [f.start for f in fillers]
        self.cache: dict[int, Sequence[Filler]] = {}
        self.grouped: dict[int, dict[str, list[Filler]]] = {}

    def by_label(self, sent_index: int) -> dict[str, list[Filler]]:
        """The candidates of sentence ``sent_index`` by label (:func:`sentence_candidates`), worked out once."""
        found = self.grouped.get(sent_index)
        if found is None:
            found = self.grouped[sent_index] = sentence_candidates(self.of(sent_index), self.sentences[sent_index])
        return found

    def of(self, sent_index: int) -> Sequence[Filler]:
        """The fillers starting in sentence ``sent_index``, in text order."""
        found = self.cache.get(sent_index)
        if found is None:
            start, end = self.sentences[sent_index]
            found = self.fillers[bisect_left(self.starts, start) : bisect_left(self.starts, end)]
            self.cache[sent_index] = found
        return found


class WordHits:
    """Where the words of several lists occur in one text, to test ``word in text[start:end]`` without slicing.

    One Aho-Corasick automaton holds the words of every list (built once, see
    :meth:`automaton`); a document is scanned once, and a test is a bisection among the
    occurrences of one list's words, which are few.
    """

    __slots__ = ("anywhere", "hits")

    def __init__(self, automaton: ahocorasick.Automaton | None, lists: Sequence[Sequence[str]], text: str) -> None:
        self.hits: list[list[tuple[int, int]]] = [[] for _ in lists]
        # An empty word is in any text.
        self.anywhere = ["" in words for words in lists]
        if automaton is not None:
            for last, (length, indexes) in automaton.iter(text):
                for index in indexes:
                    self.hits[index].append((last + 1 - length, last + 1))
            for found in self.hits:
                found.sort()

    @staticmethod
    def automaton(lists: Sequence[Sequence[str]]) -> ahocorasick.Automaton | None:
        """The automaton of the (non-empty) words of ``lists``, each word giving its length and its lists."""
        lists_of: dict[str, list[int]] = {}
        for index, words in enumerate(lists):
            for word in dict.fromkeys(words):
                if word:
                    lists_of.setdefault(word, []).append(index)
        if not lists_of:
            return None
        automaton = ahocorasick.Automaton()
        for word, indexes in lists_of.items():
            automaton.add_word(word, (len(word), tuple(indexes)))
        automaton.make_automaton()
        return automaton

    def within(self, index: int, start: int, end: int) -> bool:
        """Whether a word of list ``index`` is in ``text[start:end]`` (``0 <= start``), as ``in`` on the slice tells."""
        if self.anywhere[index]:
            return True
        found = self.hits[index]
        i = bisect_left(found, (start, -1))
        while i < len(found) and found[i][0] < end:
            if found[i][1] <= end:
                return True
            i += 1
        return False


class MainOrgs:
    """The document's main organisation per set of allowed organisation types, worked out once each."""

    __slots__ = ("cache", "fillers", "subjects", "title_end")

    def __init__(self, fillers: Sequence[Filler], title_end: int) -> None:
        self.fillers = fillers
        self.title_end = title_end
        self.cache: dict[tuple[str, ...], str | None] = {}
        self.subjects: list[Filler] | None = None

    def subject_fillers(self) -> list[Filler]:
        """``EventExtractor._subject_fillers`` of the fillers, picked out once."""
        if self.subjects is None:
            self.subjects = EventExtractor._subject_fillers(self.fillers)
        return self.subjects

    def of(self, role: RoleSpec) -> str | None:
        """The main organisation among those ``role`` allows (any, without ``org_types``)."""
        key = tuple(sorted(role.org_types))
        if key not in self.cache:
            # The subject fillers are their own subject fillers: ``_main_org`` picks the same ones.
            self.cache[key] = EventExtractor._main_org(self.subject_fillers(), self.title_end, role)
        return self.cache[key]


class EventExtractor:
    """Builds events from triggers, the document's fillers and (optionally) the models."""

    def __init__(
        self,
        rules: EventsFile,
        type_model: EventTypeModel | None = None,
        role_model: RoleModel | None = None,
        org_type: Callable[[str], str] | None = None,
        gate: EventGate | None = None,
    ) -> None:
        """Compile the rules.

        ``org_type``: the organisation type of a name the mention stages did not find (a
        pattern's); ``gate``: the learned document gate (:mod:`pipeline.events.gate`), the last step.
        """
        self.types = [
            CompiledType(
                spec,
                regex.compile(alternation([*spec.triggers, *spec.strong_triggers, *spec.weak_triggers])),
                {
                    **dict.fromkeys(spec.weak_triggers, "weak"),
                    **dict.fromkeys(spec.triggers, "normal"),
                    **dict.fromkeys(spec.strong_triggers, "strong"),
                },
                tuple(spec.not_in),
            )
            for spec in rules.types
        ]
        self.scanner = TriggerScanner(
            [[*spec.triggers, *spec.strong_triggers, *spec.weak_triggers] for spec in rules.types]
        )
        self.status_cues: list[StatusCue] = list(rules.status)
        self._status_lists = [cue.words for cue in self.status_cues]
        self._status_words = WordHits.automaton(self._status_lists)
        # Role patterns are fillers too (kind = the role), so the role model can weigh them.
        role_patterns = [
            FillerPattern(id=f"{spec.id}.role{i}", label="TEXT", kind=role.role, pattern=role.pattern)
            for spec in rules.types
            for i, role in enumerate(spec.roles)
            if role.pattern
        ]
        self.finder = FillerFinder([*rules.fillers, *role_patterns], rules.variants)
        self.boilerplate = BoilerplateFinder(rules.boilerplate)
        self.question_marks = tuple(rules.question_marks)
        self.background: list[Background] = list(rules.background)
        self._background_lists = [rule.words for rule in self.background]
        self._background_words = WordHits.automaton(self._background_lists)
        # Rule-file patterns run within the document's time budget (SafePattern).
        self.commentary = [compile_pattern(rule.pattern, rule_id=rule.id) for rule in rules.commentary]
        self.settings: ModelSettings = rules.model
        self.type_model = type_model
        self.role_model = role_model
        self.org_type = org_type
        self.gate = gate
        # The labels of the fillers each type's role rules take (a role pattern's are TEXT).
        self._filled_labels: dict[str, frozenset[str]] = {
            spec.type: frozenset(
                {role.label for role in spec.roles if role.label is not None}
                | ({"TEXT"} if any(role.pattern for role in spec.roles) else set())
            )
            for spec in rules.types
        }
        self.featurizer = RoleFeaturizer({ct.spec.type: ct.trigger for ct in self.types})
        # Where each trigger word stands inside each type's ``not_in`` words (see ``_excluded_by``).
        self._not_in_places: dict[tuple[tuple[str, ...], str], tuple[tuple[str, int], ...]] = {}

    @classmethod
    def from_rulebook(
        cls,
        rulebook: Rulebook,
        type_model: EventTypeModel | None = None,
        role_model: RoleModel | None = None,
        gate: EventGate | None = None,
    ) -> EventExtractor:
        """Build the extractor from the merged ``events`` rules."""
        rules = rulebook.get("events")
        typer = OrgTyper(rulebook)
        # The type of a pattern-found name, kept by name: the same stock and announcer
        # names recur, and typing one walks the suffix list.
        types: dict[str, str] = {}

        def org_type(name: str) -> str:
            kind = types.get(name)
            return kind if kind is not None else remember(types, name, typer.value(name).type, _ORG_TYPE_MEMO)

        return cls(
            rules if isinstance(rules, EventsFile) else EventsFile(kind="events"),
            type_model,
            role_model,
            org_type,
            gate,
        )

    # -- triggers ----------------------------------------------------------------
    @staticmethod
    def _excluded(text: str, start: int, end: int, not_in: Sequence[str]) -> bool:
        """True when the trigger at ``[start, end)`` is part of one of the ``not_in`` words."""
        trigger = text[start:end]
        for word in not_in:
            k = word.find(trigger)
            while k >= 0:
                s = start - k
                if s >= 0 and text.startswith(word, s):
                    return True
                k = word.find(trigger, k + 1)
        return False

    def _excluded_by(self, text: str, start: int, end: int, not_in: Sequence[str]) -> bool:
        """``_excluded``, with the places of the trigger inside the ``not_in`` words found once per trigger word."""
        trigger = text[start:end]
        key = (tuple(not_in), trigger)
        places = self._not_in_places.get(key)
        if places is None:
            places = self._not_in_places[key] = tuple(
                (word, k) for word in not_in for k in _overlapping_finds(word, trigger)
            )
        # A loop rather than ``any()`` over a generator: this runs for every trigger.
        for word, k in places:
            if start >= k and text.startswith(word, start - k):
                break
        else:
            return False
        return True

    def _sentence_gate(
        self, ctype: CompiledType, tier: str, scores: dict[str, float] | None
    ) -> tuple[bool, float | None]:
        """Whether a trigger of ``tier`` may make an event, and the classifier's probability."""
        if scores is None or ctype.spec.type not in scores:
            return tier != "weak", None
        p = scores[ctype.spec.type]
        if tier == "strong":
            return True, p
        return p >= (self.settings.keep if tier == "normal" else self.settings.weak), p

    # -- fillers and roles ----------------------------------------------------------
    @staticmethod
    def _subject_fillers(fillers: Sequence[Filler]) -> list[Filler]:
        """Fillers that may be the document's subject: organisation mentions and stock names."""
        return [
            f
            for f in fillers
            if f.label == "ORG" and f.span == f.base and (f.mention_id is not None or f.kind in _SUBJECT_KINDS)
        ]

    @classmethod
    def _main_org(cls, fillers: Sequence[Filler], title_end: int, role: RoleSpec | None = None) -> str | None:
        """The organisation the document is about: most mentioned (the title counts double), earliest on ties.

        With ``role``, only organisations of the types it allows count: the company a
        story is about, even where a regulator is named more often.
        """
        counts: Counter[str] = Counter()
        first: dict[str, int] = {}
        for f in cls._subject_fillers(fillers):
            if role is not None and role.org_types and not cls._org_type_ok(f, role):
                continue
            counts[f.key] += 2 if f.start < title_end else 1
            first.setdefault(f.key, f.start)
        if not counts:
            return None
        return max(counts, key=lambda key: (counts[key], -first[key]))

    @staticmethod
    def _cued(text: str, filler: Filler, cues: Sequence[str], sent_start: int) -> bool:
        for cue in cues:
            if cue.startswith("~"):
                word = cue[1:]
                if word in text[filler.end : filler.end + len(word) + 2]:
                    return True
            elif word_before(text, filler.start, cue, sent_start):
                return True
        return False

    @staticmethod
    def _kind_ok(filler: Filler, role: RoleSpec) -> bool:
        if filler.label != role.label:
            return False
        kinds = role.kinds or role.amount_kinds
        if kinds:
            return filler.kind in kinds or (filler.kind in _PATTERN_ORG_KINDS and "company" in kinds)
        if role.label == "DATE":
            return filler.kind != "duration"
        if role.org_types:
            return EventExtractor._org_type_ok(filler, role)
        return True

    @staticmethod
    def _org_type_ok(filler: Filler, role: RoleSpec) -> bool:
        """Whether an organisation filler is of a type ``role.org_types`` allows (pattern names count as companies)."""
        return filler.kind in role.org_types or (filler.kind in _PATTERN_ORG_KINDS and "company" in role.org_types)

    @staticmethod
    def _clause_bounds(text: str, sent: tuple[int, int], trig: tuple[int, int]) -> tuple[int, int]:
        start = sent[0]
        for m in _CLAUSE.finditer(text, sent[0], trig[0]):
            start = m.end()
        end_match = _CLAUSE.search(text, trig[1], sent[1])
        return start, end_match.start() if end_match else sent[1]

    def _fill(
        self,
        text: str,
        ctype: CompiledType,
        draft: Draft,
        sent: tuple[int, int],
        fillers: Sequence[Filler],
        used: set[tuple[int, int]],
        clause: tuple[int, int] | None = None,
        by_label: Mapping[str, Sequence[Filler]] | None = None,
    ) -> None:
        """Fill the draft's roles from its sentence by the role rules.

        ``fillers``: the fillers that start in the sentence (:class:`SentenceFillers`), in
        text order; any superset gives the same arguments. ``clause``: the trigger's clause
        (:meth:`_clause_bounds`) and ``by_label``: the sentence's candidates
        (:func:`sentence_candidates`), when the caller has them already.
        """
        trig_start, trig_end = draft.trigger
        sent_start, sent_end = sent
        # A role looks only at the candidates of its own label (none overlapping the trigger).
        if by_label is None:
            by_label = sentence_candidates(fillers, sent)
        if clause is None:
            clause = self._clause_bounds(text, sent, draft.trigger)

        def on_side(f: Filler, side: str) -> bool:
            if side == "before":
                return f.end <= trig_start
            if side == "after":
                return f.start >= trig_end
            return True

        def distance(f: Filler) -> int:
            return trig_start - f.end if f.end <= trig_start else f.start - trig_end

        # Pass 1: cued fillers; pass 2: the rest by side and distance.
        for cued_pass in (True, False):
            for role in ctype.spec.roles:
                if role.label is None or (role.role in draft.args and not role.many):
                    continue
                if (role.cued_only and not cued_pass) or (cued_pass and not role.cues):
                    continue
                candidates = by_label.get(role.label)
                if not candidates:
                    continue
                pool = [
                    f
                    for f in candidates
                    if (f.end <= trig_start or trig_end <= f.start)
                    and (f.start, f.end) not in used
                    and self._kind_ok(f, role)
                ]
                if cued_pass:
                    pool = [f for f in pool if self._cued(text, f, role.cues, sent_start)]
                else:
                    pool = [f for f in pool if on_side(f, role.side)]
                if not pool:
                    continue
                if role.many:
                    in_clause = [f for f in pool if f.start >= clause[0] and f.end <= clause[1]]
                    if role.scope == "clause" or (role.scope == "nearest_clause" and in_clause):
                        pool = in_clause
                    if not pool:
                        continue
                    chosen = sorted(pool, key=lambda f: f.start)
                else:
                    # Nearest first; of two fillers at one place, the fuller name.
                    chosen = [min(pool, key=lambda f: (distance(f), -(f.end - f.start)))]
                listed = (
                    {
                        f.span
                        for a, b in itertools.pairwise(chosen)
                        if _COORDINATION.fullmatch(text[a.end : b.start])
                        for f in (a, b)
                    }
                    if len(chosen) > 1
                    else set()
                )
                for f in chosen:
                    draft.add(role.role, Argument(role.role, f.text, f.start, f.end, f.mention_id), f.key)
                    draft.local_roles.add(role.role)
                    used.add(f.span)
                    inside = clause[0] <= f.start and f.end <= clause[1]
                    adjacent = distance(f) <= self.settings.protect_adjacent
                    # A list (X、Y等) filling a many-valued role is syntactic evidence too.
                    if (
                        (cued_pass and self.settings.protect_cued)
                        or (inside and self.settings.protect_clause)
                        or adjacent
                        or f.span in listed
                    ):
                        draft.cued.add((role.role, f.start))
                    if f.span in listed:
                        draft.listed.add((role.role, f.start))
        sentence_text: str | None = None
        for role in ctype.spec.roles:
            if role.pattern and role.role not in draft.args:
                # The role's own pattern and any filler pattern of the same kind (a quoted project).
                in_sent = [
                    f
                    for f in fillers
                    if f.label == "TEXT"
                    and f.kind == role.role
                    and (f.start, f.end) == f.base
                    and sent_start <= f.start
                    and f.end <= sent_end
                ]
                if in_sent:
                    best = min(in_sent, key=lambda f: abs(f.start - trig_start))
                    draft.add(role.role, Argument(role.role, best.text, best.start, best.end))
                    draft.local_roles.add(role.role)
            if role.enum and role.role not in draft.args:
                if sentence_text is None:
                    sentence_text = text[sent_start:sent_end]
                value = self._enum_value(sentence_text, sent_start, role, draft.trigger)
                if value is not None:
                    draft.add(role.role, Argument(role.role, value, None, None))
                    draft.local_roles.add(role.role)
                elif role.default is not None:
                    draft.add(role.role, Argument(role.role, role.default, None, None))

    @staticmethod
    def _enum_value(sentence_text: str, offset: int, role: RoleSpec, trigger: tuple[int, int]) -> str | None:
        best: tuple[int, int, str] | None = None
        for value, cues in role.enum.items():
            for cue in cues:
                for found in occurrences(cue, sentence_text):
                    s = offset + found
                    key = (abs(s - trigger[0]), -len(cue))
                    if best is None or key < (best[0], best[1]):
                        best = (key[0], key[1], value)
        return best[2] if best else None

    def _status(
        self,
        text: str,
        sentences: Sequence[tuple[int, int]],
        draft: Draft,
        event_sentences: set[int],
        cue_words: WordHits | None = None,
    ) -> str:
        """The draft's status from cue words in its sentence and beyond.

        Cues that reach forward (a denial a few sentences later) look at the following
        sentences up to the next sentence that tells another event. ``cue_words``: where
        the cues' words are in ``text`` (:meth:`status_words`), when the caller has them.
        """
        if cue_words is None:
            cue_words = self.status_words(text)
        status = "asserted"
        sent = sentences[draft.sentence]
        for cue_index, cue in enumerate(self.status_cues):
            if STATUS_RANK[cue.status] <= STATUS_RANK[status]:
                continue  # it could not raise the status: no need to look for its words
            scopes = [(sent[0], draft.trigger[0] if cue.before_trigger_only else sent[1])]
            if cue.window:
                # Only cues right before the trigger (并未减持), not one anywhere in a long sentence.
                scopes = [(max(sent[0], draft.trigger[0] - cue.window), draft.trigger[0])]
            for k in range(1, cue.after_sentences + 1):
                index = draft.sentence + k
                if index >= len(sentences) or index in event_sentences:
                    break
                scopes.append(sentences[index])
            if cue.paragraph_opening:
                paragraph = text.rfind("\n", 0, sent[0]) + 1
                scopes.append((paragraph, paragraph + _PARAGRAPH_OPENING))
            if any(cue_words.within(cue_index, s, e) for s, e in scopes):
                status = cue.status
        return status

    def background_words(self, text: str) -> WordHits:
        """Where the words of each ``background`` rule are in ``text`` (for :meth:`_background_cue`)."""
        return WordHits(self._background_words, self._background_lists, text)

    def status_words(self, text: str) -> WordHits:
        """Where the words of each status cue are in ``text`` (for :meth:`_status`)."""
        return WordHits(self._status_words, self._status_lists, text)

    # -- the document ----------------------------------------------------------
    def document_fillers(
        self,
        text: str,
        mentions: Sequence[Mention],
        *,
        labels: Collection[str] | None = None,
        boilerplate: list[tuple[int, int]] | None = None,
    ) -> tuple[list[Filler], list[tuple[int, int]]]:
        """The document's role fillers and its boilerplate spans (also what the role model is trained on).

        Nothing is taken from boilerplate (app promotions, related-news lists): no
        trigger (see :meth:`_type_drafts`) and no filler. A news outlet fills no role.
        ``labels``: only the fillers of these labels are needed (see ``FillerFinder.find``);
        ``boilerplate``: the text's boilerplate spans, when the caller has them already.
        """
        if boilerplate is None:
            boilerplate = self.boilerplate.spans(text)
        fillers = self.finder.find(text, mentions, labels)
        if boilerplate:
            fillers = [f for f in fillers if not inside(boilerplate, f.start, f.end)]
        # Only an organisation can be an outlet: the label is tested inline, without the call.
        org_type = self.org_type
        return [f for f in fillers if f.label != "ORG" or not _is_news_outlet(f, org_type)], boilerplate

    def extract(self, doc: WorkDoc) -> list[Event]:
        """Events of ``doc`` from its text and final mentions."""
        text = doc.text
        sentences = sentence_spans(text)
        if not sentences:
            return []
        triggers = self.scanner.scan(text)
        if not any(triggers):
            return []  # no trigger word: no event (and no need for fillers or models)
        sent_starts = [s for s, _e in sentences]
        mentions = doc.mentions
        boilerplate = self.boilerplate.spans(text)
        name_spans = NameCover([(m.start, m.end) for m in mentions if m.label in ("ORG", "PRODUCT", "PERSON")])
        sentence_scores = None
        if self.type_model is not None:
            # The classifier is only asked about sentences holding a trigger word (the gate reads no other).
            with_trigger = sorted({index_of_span(sent_starts, s) for spans in triggers for s, _e in spans})
            sentence_scores = self._sentence_scores(text, sentences, with_trigger)
        headline = headline_end(text)
        questions: dict[int, bool] = {}
        background_words = self.background_words(text)
        checks = [
            self._checked_triggers(
                text,
                ctype,
                spans,
                sentences,
                sent_starts,
                name_spans,
                sentence_scores,
                boilerplate,
                questions,
                headline,
                background_words,
            )
            if spans
            else []
            for ctype, spans in zip(self.types, triggers, strict=True)
        ]
        labels: set[str] | None = None
        if doc.trace is None:
            # Only a trigger that counts makes a draft, and only a draft uses fillers: none are
            # looked for when no trigger counts, models or not. The rules alone use a filler only
            # in a role of a type whose trigger counts, or as the document's subject (an
            # organisation) of such an event: other labels need not be looked for. (The role
            # model weighs every filler; a trace says why vetoed triggers made nothing.)
            counted = [ct for ct, found in zip(self.types, checks, strict=True) if any(c.ok for c in found)]
            if not counted:
                labels = set()
            elif self.role_model is None:
                labels = {label for ct in counted for label in self._filled_labels[ct.spec.type]}
                labels.add("ORG")
        fillers: list[Filler] = []
        if labels is None or labels:
            fillers, _boilerplate = self.document_fillers(text, mentions, labels=labels, boilerplate=boilerplate)
        by_sentence = SentenceFillers(fillers, sentences)
        drafts: list[Draft] = []
        for ctype, spans, checked in zip(self.types, triggers, checks, strict=True):
            if spans:
                drafts.extend(self._type_drafts(doc, ctype, sentences, by_sentence, checked))
        span_scores: dict[tuple[int, int], dict[str, float]] = {}
        if self.role_model is not None and drafts:
            trigger_spans = {ct.spec.type: spans for ct, spans in zip(self.types, triggers, strict=True)}
            span_scores = self._model_fill(doc, drafts, sentences, fillers, trigger_spans, titled=headline > 0)
            drafts = self._drop_unsupported(doc, drafts)
        title_end = text.find("\n")
        main_orgs = MainOrgs(fillers, len(text) if title_end < 0 else title_end)
        spec_of = {ct.spec.type: ct.spec for ct in self.types}
        finished: list[Draft] = []
        event_sentences = {d.sentence for d in drafts}
        cue_words = self.status_words(text) if drafts else None
        full_names: _FullNames | None = None  # looked for once, when a draft of such a type is there
        for draft in drafts:
            spec = spec_of[draft.type]
            # Before the fallback: a role left empty by the consortium takes the document's subject.
            self._no_consortium(doc, spec, draft)
            self._fallback(spec, draft, fillers, main_orgs)
            if draft.type in _FULL_NAME_TYPES:
                # Before merging, so that a short and a full writing of one party agree.
                if full_names is None:
                    full_names = _FullNames.of(text, fillers)
                _written_in_full(doc, spec, draft, full_names, span_scores)
            _no_comparison_period_alone(doc, draft)
            self._drop_total_shares(doc, spec, draft)
            self._drop_per_share(doc, spec, draft)
            draft.status = self._status(text, sentences, draft, event_sentences, cue_words)
            finished.extend(self._split(spec, draft, mentions))
        merged = self._merge(finished, has_title=title_end >= 0 and bool(text[:title_end].strip()))
        by_id = {m.id: m for m in mentions}
        for draft in merged:
            self._name_without_its_description(doc, spec_of[draft.type], draft)
            if full_names is not None and draft.type in _FULL_NAME_TYPES:
                # Again for the names just cut from their description (直播电商平台X -> X).
                _written_in_full(doc, spec_of[draft.type], draft, full_names, span_scores)
            self._no_title_from_a_career_history(doc, sentences, spec_of[draft.type], draft)
            self._drop_rounded_copies(doc, spec_of[draft.type], draft, by_id)
            self._ratio_of_the_whole(doc, spec_of[draft.type], draft)
            self._drop_yearless_copies(doc, spec_of[draft.type], draft)
            self._one_writing_per_period(doc, spec_of[draft.type], draft)
            _annual_report_named(doc, draft)
            self._comparison_period_told_of(doc, spec_of[draft.type], draft)
            self._keep_single(spec_of[draft.type], draft, span_scores)
            self._one_role_per_party(doc, spec_of[draft.type], draft)
        if self.settings.requires_in_the_end and len(sentences) > 1:
            # Not for a lone sentence: it has no elsewhere to fill a role from.
            merged = [d for d in merged if self._has_required(doc, spec_of[d.type], d)]
        merged = [d for d in merged if self._has_all_required(doc, spec_of[d.type], d)]
        # Then across events: a name one event gives a ``not_same_as`` role leaves that role's
        # counterpart in every event (the issuer is no pledger anywhere in its notice). After
        # the required-role checks, so that an event keeps its other arguments.
        elsewhere = self._role_names(merged)
        for draft in merged:
            self._one_role_per_party(doc, spec_of[draft.type], draft, elsewhere)
        if len({d.type for d in merged}) > 1:
            words = {ct.spec.type: _trigger_words(found) for ct, found in zip(self.types, checks, strict=True)}
            _figures_to_the_verb_after_them(doc, sentences, merged, spec_of, words)
            self._figures_to_their_own_type(doc, sentences, merged, spec_of, words)
        first_line = len(text) if title_end < 0 else title_end
        if self.settings.untold_keep > 0 and self.type_model is not None and len(sentences) > 1 and merged:
            merged = self._told_or_believed(doc, merged, triggers, min(first_line, self.settings.headline_chars))
        if self.commentary and merged:
            merged = self._headline_types_only(doc, merged, triggers, first_line)
        if self.gate is not None and sentence_scores is not None:
            headline_chars = first_line if title_end >= 0 else 0
            merged = self.gate.keep(self, doc, sentences, sentence_scores, merged, triggers, headline_chars)
        # After the gate: the gate was fitted on events as the roles left them (its "dated" feature).
        self._dateline_disclosure(doc, merged, spec_of, first_line)
        merged.sort(key=lambda d: d.trigger)
        return [self._to_event(text, i, d) for i, d in enumerate(merged, start=1)]

    @staticmethod
    def _dateline_disclosure(
        doc: WorkDoc, drafts: Sequence[Draft], spec_of: Mapping[str, EventType], title_end: int
    ) -> None:
        """Give the document's dateline date to the events of a type none of whose events has a disclosure date.

        DuEE-fin takes a report's dateline as the 披露时间 (披露日期) of the events it reports
        (格隆汇 6 月 29日丨…公布, 8月14日晚，铁流股份发布…, 挖贝网 6月15日消息): the first dated day of
        the body, opening its paragraph (after at most the outlet's lead) and followed in its
        sentence by the telling (发布, 公告, 披露, 消息, 讯…). Not a date after 于 (公司于5月21日披露了…
        tells an earlier notice) nor one in a repeated headline (原标题：). A type that has a
        disclosure date from its own sentence keeps it alone.
        """
        dated_types = {d.type for d in drafts if any(d.args.get(r) for r in _DISCLOSURE_ROLES)}
        wanting = [
            (draft, role)
            for draft in drafts
            if draft.type not in dated_types
            and (role := next((r.role for r in spec_of[draft.type].roles if r.role in _DISCLOSURE_ROLES), None))
        ]
        # Only then is the dateline looked for: most documents of a batch have no such event.
        dateline = _dateline(doc.text, doc.mentions, title_end) if wanting else None
        if dateline is None:
            return
        for draft, role in wanting:
            argument = Argument(role, dateline.text, dateline.start, dateline.end, dateline.id)
            if draft.add(role, argument):
                doc.note("events", "filled", draft.rule_id, (dateline.start, dateline.end), f"{role}: the dateline")

    @staticmethod
    def _drop_total_shares(doc: WorkDoc, spec: EventType, draft: Draft) -> None:
        """Drop share counts that are the company's whole share capital (``_TOTAL_SHARES`` earlier in the clause)."""
        text = doc.text
        for role in spec.roles:
            if "shares" not in role.amount_kinds or role.role not in draft.args:
                continue
            kept = []
            for arg in draft.args[role.role]:
                if arg.start is not None:
                    before = text[max(0, arg.start - 30) : arg.start]
                    cut = list(_CLAUSE_OR_SENTENCE.finditer(before))
                    totals = list(_TOTAL_SHARES.finditer(before, cut[-1].end() if cut else 0))
                    total = totals[-1] if totals else None
                    # Not across a closed aside or a ratio (占本公司总股本比例3.03%）的股东…减持1000万股).
                    if total is not None and not regex.search(r"[)）%％]", before[total.end() :]):
                        span = (arg.start, arg.end or arg.start)
                        doc.note("events", "role", spec.id, span, "the whole share capital")
                        continue
                kept.append(arg)
            if len(kept) != len(draft.args[role.role]):
                draft.set_role(role.role, kept)

    @staticmethod
    def _drop_per_share(doc: WorkDoc, spec: EventType, draft: Draft) -> None:
        """Drop figures per share from ``one_figure`` roles (totals): a loss per share is no net loss.

        每股亏损0.16美元 beside 净亏损1200万美元 (the role model takes both for the loss), 基本每股收益亏损
        0.0792元/股~0.1元/股: DuEE-fin's totals never are. Prices have roles of their own (每股交易价格).
        """
        text = doc.text
        for role in spec.roles:
            if not role.one_figure or role.role not in draft.args:
                continue
            kept = []
            for arg in draft.args[role.role]:
                if arg.start is not None and arg.end is not None:
                    before = text[max(0, arg.start - 10) : arg.start]
                    if _PER_SHARE_BEFORE.search(before) or _PER_SHARE_AFTER.match(text, arg.end) or "/股" in arg.text:
                        doc.note("events", "role", spec.id, (arg.start, arg.end), "a figure per share, no total")
                        continue
                kept.append(arg)
            if len(kept) != len(draft.args[role.role]):
                draft.set_role(role.role, kept)

    @staticmethod
    def _drop_rounded_copies(doc: WorkDoc, spec: EventType, draft: Draft, mentions: Mapping[str, Mention]) -> None:
        """Drop a quantity that is another one of its role written less precisely.

        A headline rounds what the body gives in full (回购2.71万股 over 回购27,148股, 净亏损147.04万元
        over 1,470,378.88元, 5.9万 over 5.90万); merged into one event, both fill the role, and DuEE-fin
        writes the body's figure. An amount is such a copy when it equals another amount of the
        role (same currency) rounded or cut to its own last written digit. Only in roles marked
        ``one_figure`` (totals): a price or a ratio written twice is annotated as written.
        """
        for role in spec.roles:
            args = draft.args.get(role.role, [])
            if len(args) < 2 or not role.one_figure:
                continue
            kept = _undominated(args, [_written_amount(arg, mentions) for arg in args], _rounds_to)
            _keep_arguments(doc, draft, role.role, kept, f"{role.role}: a rounded copy")

    @staticmethod
    def _ratio_of_the_whole(doc: WorkDoc, spec: EventType, draft: Draft) -> None:
        """Move a ratio of the company's whole share capital from the holder's ratio role to its twin.

        累计质押股数183,945,998股，占公司股份总数的9.27%: the role model takes the ratio for the
        pledger's (质押物占持股比), but what it is a ratio of is written before it, and DuEE-fin files
        it as 质押物占总股比 (the ten such ratios of the tuning part's pledges all are).
        """
        names = {role.role for role in spec.roles}
        text = doc.text
        for held in names:
            ending = next((e for e in _HELD_RATIO_ENDINGS if held.endswith(e)), None)
            if ending is None or held not in draft.args:
                continue
            prefix = held[: -len(ending)]
            whole = next((prefix + e for e in _WHOLE_RATIO_ENDINGS if prefix + e in names), None)
            if whole is None:
                continue
            kept = []
            for arg in draft.args[held]:
                if arg.start is not None and _OF_THE_WHOLE.search(text, max(0, arg.start - 16), arg.start):
                    doc.note(
                        "events", "role", spec.id, (arg.start, arg.end or arg.start), f"a ratio of the whole: {whole}"
                    )
                    draft.add(whole, replace(arg, role=whole))
                    continue
                kept.append(arg)
            if len(kept) != len(draft.args[held]):
                draft.set_role(held, kept)

    @staticmethod
    def _no_consortium(doc: WorkDoc, spec: EventType, draft: Draft) -> None:
        """Drop an organisation argument that is a consortium named by the word (联合体中标…).

        公司组成的联合体成为…第一中标候选人: the NER tags 联合体 as an organisation and it fills
        中标公司, but it names none; DuEE-fin writes the members (or the company that announces).
        """
        for role in spec.roles:
            args = draft.args.get(role.role, [])
            if role.label != "ORG" or not args:
                continue
            kept = [a for a in args if not _CONSORTIUM.match(a.text)]
            if len(kept) < len(args):
                note = f"{role.role}: a consortium names no company"
                doc.note("events", "dropped", draft.rule_id, draft.trigger, note)
                draft.set_role(role.role, kept)

    @staticmethod
    def _name_without_its_description(doc: WorkDoc, spec: EventType, draft: Draft) -> None:
        """Cut an organisation argument to the name when it starts with words said of the name.

        The mention stages sometimes take the word before a name (据领益智造, 除上海豫园…) or the
        kind of business it is (直播电商平台生活有鱼, 自动化生产公司Compass Automation) into it;
        DuEE-fin writes the name alone. The cut is made only when the document also writes the
        name without those words (the article names 生活有鱼 on its own too), so a name that
        merely contains such a word (深圳市中小企业信用融资担保集团有限公司) stays whole.
        """
        text = doc.text
        for role in spec.roles:
            args = draft.args.get(role.role, [])
            if role.label != "ORG" or not args:
                continue
            cut: list[Argument] = []
            changed = False
            for arg in args:
                m = _DESCRIBED_NAME.match(arg.text)
                if (
                    m is None
                    or arg.start is None
                    or len(m.group("name")) < 2
                    or _NOT_A_NAME_OF_ITS_OWN.match(m.group("name"))
                    or _LEGAL_NAME_IN_LEAD.search(m.group("lead"))
                    or text.count(m.group("name")) <= text.count(arg.text)
                ):
                    cut.append(arg)
                    continue
                name = m.group("name")
                start = arg.start + m.start("name")
                doc.note("events", "role", draft.rule_id, (start, start + len(name)), f"{role.role}: the name alone")
                changed = True
                if not any(a.text == name for a in cut):
                    cut.append(replace(arg, text=name, start=start, end=start + len(name)))
            if changed:
                draft.set_role(role.role, [a for i, a in enumerate(cut) if all(b.text != a.text for b in cut[:i])])

    @staticmethod
    def _no_title_from_a_career_history(
        doc: WorkDoc, sentences: Sequence[tuple[int, int]], spec: EventType, draft: Draft
    ) -> None:
        """Drop a title of the person's title role that a career history lists.

        傅帆…此前，他曾先后任…副总经理…总经理: the posts of a résumé fill the title role
        (高管职位) through the role model, but DuEE-fin's title is the post held when the change
        happens (none of the 10 such titles in cross-validation is gold). A title after a history
        word in its sentence (曾任, 此前, 资料显示) is dropped.
        """
        role = spec.person_title_role
        args = draft.args.get(role or "", [])
        if role is None or not args:
            return
        text = doc.text
        starts = [s for s, _e in sentences]
        kept = []
        for arg in args:
            if arg.start is not None:
                sent_start = sentences[index_of_span(starts, arg.start)][0]
                if _CAREER_HISTORY.search(text, sent_start, arg.start):
                    span = (arg.start, arg.end or arg.start)
                    doc.note("events", "dropped", draft.rule_id, span, f"{role}: a past post")
                    continue
            kept.append(arg)
        if len(kept) < len(args):
            draft.set_role(role, kept)

    @staticmethod
    def _drop_yearless_copies(doc: WorkDoc, spec: EventType, draft: Draft) -> None:
        """Drop a date that is another date of its role written without the year.

        A headline leaves out the year the body writes (阳光100中国10月14日斥22.65万港元回购 over
        于2019年10月14日该公司斥资…); merged into one event, both fill the role, and DuEE-fin
        writes the body's date. The same month and day (zero-padded or not) after a year is the
        same date; another day, or a date with no dated twin in the role, stays.
        """
        for role in spec.roles:
            args = draft.args.get(role.role, [])
            if len(args) < 2 or role.label != "DATE":
                continue
            dated: set[str] = set()
            for arg in args:
                m = _YEAR_THEN_MONTH.match(arg.text)
                if m is not None:
                    dated.add(_month_day_key(m.group("rest")))
            if not dated:
                continue
            kept = [
                arg for arg in args if not (_STARTS_WITH_MONTH.match(arg.text) and _month_day_key(arg.text) in dated)
            ]
            _keep_arguments(doc, draft, role.role, kept, f"{role.role}: the date without its year")

    @staticmethod
    def _one_writing_per_period(doc: WorkDoc, spec: EventType, draft: Draft) -> None:
        """Keep one writing of each reporting period in a date role: the one DuEE-fin writes.

        挖贝网's headline says 2020年上半年亏损, its body 发布2020年半年度报告: one period, and DuEE-fin
        writes the report's name; 前三季度 beside 2020年前三季度 is that period without its year. Of
        the writings of one period (``_PERIOD_WRITINGS``) in one year, or with no year, the preferred
        one stays, dated over undated; another year's period (上年同期 aside) is another period.
        """
        for role in spec.roles:
            args = draft.args.get(role.role, [])
            if len(args) < 2 or role.label != "DATE":
                continue
            kept = _undominated(args, [_period_of(arg.text) for arg in args], _better_writing)
            _keep_arguments(doc, draft, role.role, kept, f"{role.role}: another writing of its period")

    @staticmethod
    def _comparison_period_told_of(doc: WorkDoc, spec: EventType, draft: Draft) -> None:
        """Drop a comparison period (上年同期, 去年同期, 2018年同期) its event's text says nothing of.

        A report compares its period with the same one a year before (净亏损1319.48万元，上年同期净盈利
        302.88万元; 较上年同期由盈转亏); DuEE-fin writes such a period only when the text tells the event
        of it too (上年同期亏损486.03万元): a clause of the period with one of the type's trigger words,
        the period not after 较 or 比 (a comparison itself). It goes only beside another period of its
        role, so the event keeps a period of its own (a loss needs one).
        """
        text = doc.text
        words = [*spec.strong_triggers, *spec.triggers]
        for role in spec.roles:
            args = draft.args.get(role.role, [])
            if len(args) < 2 or role.label != "DATE":
                continue
            kept = [arg for arg in args if not _COMPARISON_PERIOD.fullmatch(arg.text)]
            if not kept:
                continue
            kept = [arg for arg in args if arg in kept or _period_told_of(text, arg.text, words)]
            _keep_arguments(doc, draft, role.role, kept, f"{role.role}: a comparison period its event does not tell of")

    @staticmethod
    def _figures_to_their_own_type(
        doc: WorkDoc,
        sentences: Sequence[tuple[int, int]],
        drafts: Sequence[Draft],
        spec_of: Mapping[str, EventType],
        words: Mapping[str, Sequence[int]],
    ) -> None:
        """Give a figure that events of two types both hold to the type its sentence tells it of.

        A release notice tells the release (本次解除质押28,000,000股，占其所持股份的12.37%) and then
        the pledges left (其所持股份累计被质押198,220,000股，占公司总股本的15.38%); the role model
        puts each figure in both the 解除质押 and the 质押 event, where DuEE-fin files it in one.
        A figure (an amount in a role both types have) belongs to the type whose trigger word is
        the nearest before it in its sentence; with none of either there, it stays in both.
        ``words``: where each type's trigger words stand (see ``_trigger_words``).
        """
        sent_starts = [s for s, _e in sentences]
        holders: dict[tuple[str, str, int], list[Draft]] = {}
        for draft in drafts:
            spec = spec_of[draft.type]
            for role in spec.roles:
                if role.label != "AMOUNT":
                    continue
                for arg in draft.args.get(role.role, []):
                    if arg.start is not None:
                        holders.setdefault((role.role, arg.text, arg.start), []).append(draft)
        for (role_name, figure, start), held_by in holders.items():
            types = {d.type for d in held_by}
            if len(types) < 2:
                continue
            sent_start = sent_starts[index_of_span(sent_starts, start)]
            nearest = {t: max((w for w in words.get(t, ()) if sent_start <= w < start), default=-1) for t in types}
            owner = max(types, key=lambda t: nearest[t])
            if nearest[owner] < 0:
                continue
            # A word of another type after the figure in its clause tells of it too (质押给X的1554万股解除质押).
            clause_end = _CLAUSE_OR_SENTENCE.search(doc.text, start)
            end = clause_end.start() if clause_end is not None else len(doc.text)
            if any(start < w < end for t in types if t != owner for w in words.get(t, ())):
                continue
            for draft in held_by:
                if draft.type != owner:
                    kept = [a for a in draft.args[role_name] if (a.text, a.start) != (figure, start)]
                    doc.note(
                        "events",
                        "dropped",
                        draft.rule_id,
                        (start, start + len(figure)),
                        f"{role_name}: {owner}'s figure",
                    )
                    draft.set_role(role_name, kept)

    @staticmethod
    def _has_required(doc: WorkDoc, spec: EventType, draft: Draft) -> bool:
        """Whether a finished event has one of its type's ``requires_any`` roles (from anywhere)."""
        if not spec.requires_any or set(draft.args) & set(spec.requires_any):
            return True
        doc.note("events", "dropped", draft.rule_id, draft.trigger, "no required role in the end")
        return False

    def _headline_types_only(
        self, doc: WorkDoc, drafts: list[Draft], triggers: Sequence[Sequence[tuple[int, int]]], first_line: int
    ) -> list[Draft]:
        """In an opinion piece (a ``commentary`` headline), the events of the types its headline tells.

        A type counts as told when one of its trigger words (not inside a ``not_in`` word)
        stands in the first line.
        """
        text = doc.text
        if not any(p.search(text, 0, first_line) for p in self.commentary):
            return drafts
        told = self._told_types(text, triggers, first_line)
        return _keep_noting(
            doc,
            drafts,
            lambda draft: draft.type in told,
            lambda _: "an opinion piece whose headline tells no such event",
        )

    def _told_types(self, text: str, triggers: Sequence[Sequence[tuple[int, int]]], end: int) -> set[str]:
        """The types whose trigger words (not inside a ``not_in`` word) stand wholly before ``end``."""
        return {
            ct.spec.type
            for ct, spans in zip(self.types, triggers, strict=True)
            if any(e <= end and not self._excluded_by(text, s, e, ct.not_in) for s, e in spans)
        }

    def _told_or_believed(
        self, doc: WorkDoc, drafts: list[Draft], triggers: Sequence[Sequence[tuple[int, int]]], headline: int
    ) -> list[Draft]:
        """A document whose headline tells none of its events keeps those the classifier believes in.

        A news item's news is in its headline. Where the headline names none of the types
        found (a share transfer, a fund's commitment), events found only in the body need a
        sentence score of at least ``model.untold_keep``: with a doubtful score they are mostly
        history (a fund's old acquisition), context or asides (a shareholder's past sales).
        Where the headline tells one, the body's other events are its story's (a feature on a
        company tells its financing, its losses and its executives): all stay.
        """
        told = self._told_types(doc.text, triggers, headline)
        if any(draft.type in told for draft in drafts):
            return drafts
        return _keep_noting(
            doc,
            drafts,
            lambda draft: draft.confidence >= self.settings.untold_keep,
            lambda draft: f"the headline tells no event and the classifier gives {draft.confidence:.2f}",
        )

    @staticmethod
    def _has_all_required(doc: WorkDoc, spec: EventType, draft: Draft) -> bool:
        """Whether a finished event has every one of its type's ``requires_all`` roles (``A|B``: either)."""
        missing = [need for need in spec.requires_all if not any(role in draft.args for role in need.split("|"))]
        if missing:
            doc.note("events", "dropped", draft.rule_id, draft.trigger, f"no {'/'.join(missing)} in the end")
            return False
        return True

    def _sentence_scores(
        self, text: str, sentences: Sequence[tuple[int, int]], indexes: Sequence[int]
    ) -> dict[int, dict[str, float]] | None:
        """The classifier's probabilities of the sentences at ``indexes``, by sentence index (None without it)."""
        if self.type_model is None:
            return None
        scores = self.type_model.scores([text[sentences[i][0] : sentences[i][1]] for i in indexes])
        return dict(zip(indexes, scores, strict=True))

    def _checked_triggers(
        self,
        text: str,
        ctype: CompiledType,
        spans: Sequence[tuple[int, int]],
        sentences: Sequence[tuple[int, int]],
        sent_starts: Sequence[int],
        name_spans: NameCover,
        sentence_scores: Mapping[int, dict[str, float]] | None,
        boilerplate: Sequence[tuple[int, int]],
        questions: dict[int, bool],
        headline: int,
        background_words: WordHits | None = None,
    ) -> list[TriggerCheck]:
        """What the trigger rules and the classifier say of each trigger match of one type, in text order.

        No filler is needed for this, so that the types whose triggers count are known before
        the fillers are looked for. ``questions``: whether each sentence (by index) is a
        question, as far as known; filled in here. ``background_words``: see :meth:`background_words`.
        """
        not_after, not_before = ctype.spec.not_after, ctype.spec.not_before
        out: list[TriggerCheck] = []
        for start, end in spans:
            span = (start, end)
            if self._excluded_by(text, start, end, ctype.not_in):
                out.append(TriggerCheck(span, -1, span, "inside a not_in word"))
                continue
            if name_spans.overlaps(start, end):
                out.append(TriggerCheck(span, -1, span, ""))
                continue
            if boilerplate and inside(boilerplate, start, end):
                out.append(TriggerCheck(span, -1, span, "in boilerplate"))
                continue
            sent_index = index_of_span(sent_starts, start)
            sent_start = sentences[sent_index][0]
            if self.question_marks:
                question = questions.get(sent_index)
                if question is None:
                    sentence = text[sent_start : sentences[sent_index][1]]
                    question = questions[sent_index] = sentence.rstrip().endswith(self.question_marks)
                if question:
                    out.append(TriggerCheck(span, sent_index, span, "in a question"))
                    continue
            if not_after and any(text.find(word, sent_start, start) >= 0 for word in not_after):
                out.append(TriggerCheck(span, sent_index, span, "after a not_after word"))
                continue
            clause = self._clause_bounds(text, sentences[sent_index], span)
            if not_before and any(text.find(word, end, clause[1]) >= 0 for word in not_before):
                out.append(TriggerCheck(span, sent_index, clause, "before a not_before word"))
                continue
            why = self._background_cue(text, clause, span, headline, background_words)
            if why is not None:
                out.append(TriggerCheck(span, sent_index, clause, why))
                continue
            tier = ctype.tiers.get(text[start:end], "normal")
            ok, p = self._sentence_gate(ctype, tier, sentence_scores[sent_index] if sentence_scores else None)
            out.append(TriggerCheck(span, sent_index, clause, None, tier, ok, p))
        return out

    def _type_drafts(
        self,
        doc: WorkDoc,
        ctype: CompiledType,
        sentences: Sequence[tuple[int, int]],
        fillers: SentenceFillers,
        checked: Sequence[TriggerCheck],
    ) -> list[Draft]:
        """The drafts of one type: its trigger matches that count, one draft per sentence.

        ``checked``: what :meth:`_checked_triggers` says of the type's trigger matches.
        """
        text = doc.text
        by_sentence: dict[int, Draft] = {}
        confident: set[int] = set()
        vetoed: dict[int, list[tuple[tuple[int, int], float | None]]] = {}
        for check in checked:
            (start, end), sent_index, clause = check.span, check.sentence, check.clause
            if check.excluded is not None:
                if check.excluded:  # a trigger inside a name goes without a note
                    doc.note("events", "trigger excluded", ctype.spec.id, check.span, check.excluded)
                continue
            tier, ok, p = check.tier, check.ok, check.p
            if not ok:
                vetoed.setdefault(sent_index, []).append(((start, end), p))
                continue
            if p is not None and p >= self.settings.weak:
                confident.add(sent_index)
            draft = by_sentence.get(sent_index)
            if draft is None:
                source = "model:events" if tier == "weak" else f"rule:{ctype.spec.id}"
                draft = Draft(ctype.spec.type, ctype.spec.id, (start, end), sent_index, source=source)
                draft.confidence = p if p is not None else 0.8
                by_sentence[sent_index] = draft
                self._fill(
                    text,
                    ctype,
                    draft,
                    sentences[sent_index],
                    fillers.of(sent_index),
                    set(),
                    clause,
                    fillers.by_label(sent_index),
                )
            else:
                # A second trigger in the same sentence: fill what is still missing.
                saved = draft.trigger
                draft.trigger = (start, end)
                used = {(a.start, a.end) for v in draft.args.values() for a in v if a.start is not None}
                self._fill(
                    text,
                    ctype,
                    draft,
                    sentences[sent_index],
                    fillers.of(sent_index),
                    used,  # type: ignore[arg-type]
                    clause,
                    fillers.by_label(sent_index),
                )
                draft.trigger = saved
        if doc.trace is not None:
            self._note_vetoed(doc, ctype, sentences, fillers, by_sentence, vetoed)
        out = []
        for sent_index, draft in by_sentence.items():
            required = set(ctype.spec.requires_any)
            if required and not (draft.local_roles & required) and sent_index not in confident:
                if self.role_model is not None and self.settings.requires_after_model:
                    draft.tentative = True
                else:
                    doc.note("events", "dropped", ctype.spec.id, draft.trigger, "no required role in its sentence")
                    continue
            out.append(draft)
        return out

    def _background_cue(
        self,
        text: str,
        clause: tuple[int, int],
        trigger: tuple[int, int],
        headline: int,
        words: WordHits | None = None,
    ) -> str | None:
        """Why the trigger tells history rather than the document's news (``background`` rules), or None.

        ``words``: where each rule's words are in ``text`` (:meth:`background_words`), when the caller has them.
        """
        if trigger[0] < headline:
            return None
        for index, rule in enumerate(self.background):
            if words is not None and not words.within(index, clause[0], trigger[0]):
                continue  # none of its words before the trigger (the clause starts at or before it)
            word = next((w for w in rule.words if text.find(w, clause[0], trigger[0]) >= 0), None)
            if word is not None:
                return f"background: {word!r} before it ({rule.id})"
        return None

    def _note_vetoed(
        self,
        doc: WorkDoc,
        ctype: CompiledType,
        sentences: Sequence[tuple[int, int]],
        fillers: SentenceFillers,
        by_sentence: dict[int, Draft],
        vetoed: dict[int, list[tuple[tuple[int, int], float | None]]],
    ) -> None:
        """Say why vetoed triggers made no event (for ``zhpipe rules explain``): the rules' reason first."""
        required = set(ctype.spec.requires_any)
        for sent_index, triggers in vetoed.items():
            lacks_role = False
            if sent_index not in by_sentence and required:
                scratch = Draft(ctype.spec.type, ctype.spec.id, triggers[0][0], sent_index)
                self._fill(doc.text, ctype, scratch, sentences[sent_index], fillers.of(sent_index), set())
                lacks_role = not (scratch.local_roles & required)
            for span, p in triggers:
                if lacks_role:
                    doc.note("events", "dropped", ctype.spec.id, span, "no required role in its sentence")
                else:
                    detail = f"the sentence classifier gives {ctype.spec.type} p={p:.3f}" if p is not None else ""
                    doc.note("events", "trigger vetoed", ctype.spec.id, span, detail)

    def _drop_unsupported(self, doc: WorkDoc, drafts: list[Draft]) -> list[Draft]:
        """Drop tentative drafts (no required role in their sentence) that the role model did not fill either."""
        required = {ct.spec.type: set(ct.spec.requires_any) for ct in self.types}
        kept = []
        for draft in drafts:
            if draft.tentative and not (set(draft.args) & required[draft.type]):
                doc.note("events", "dropped", draft.rule_id, draft.trigger, "no required role, even from the model")
                continue
            kept.append(draft)
        return kept

    def _model_fill(
        self,
        doc: WorkDoc,
        drafts: list[Draft],
        sentences: Sequence[tuple[int, int]],
        fillers: Sequence[Filler],
        trigger_spans: Mapping[str, Sequence[tuple[int, int]]],
        titled: bool,
    ) -> dict[tuple[int, int], dict[str, float]]:
        """Add the role model's arguments to the drafts (see the module docstring, step 4).

        ``titled``: the document is a headline and a body, the shape of the articles the
        role model learnt from; only there may it overrule the rules (``model.trust``).
        Returns the model's scores by filler span (the best over fillers sharing a span).
        """
        assert self.role_model is not None
        # Only the labels of the drafts' types are ever read (here, _veto, _keep_single).
        scores = self.role_model.document_scores(
            self.featurizer, doc.text, sentences, fillers, trigger_spans, types={d.type for d in drafts}
        )
        by_span: dict[tuple[int, int], dict[str, float]] = {}
        # Spans whose entry is a copy (merged from several fillers): the others share their
        # filler's scores, which nothing changes; most spans are one filler's.
        copied: set[tuple[int, int]] = set()
        for filler, filler_scores in zip(fillers, scores, strict=True):
            span = filler.span
            merged = by_span.get(span)
            if merged is None:
                # The first filler of a span: its probabilities (never below 0) are the maxima so far.
                by_span[span] = filler_scores
                continue
            if span not in copied:
                merged = by_span[span] = dict(merged)
                copied.add(span)
            for k, v in filler_scores.items():
                merged[k] = max(v, merged.get(k, 0.0))
        labels = set(self.role_model.labels)
        threshold = self.settings.role
        spec_of = {ct.spec.type: ct.spec for ct in self.types}
        for event_type in sorted({d.type for d in drafts}):
            spec = spec_of[event_type]
            role_specs = {r.role: r for r in spec.roles if role_label(event_type, r.role) in labels and not r.enum}
            if not role_specs:
                continue
            of_type = [d for d in drafts if d.type == event_type]
            # Best cut per (role, base span): the model picks how to cut a mention.
            best: dict[tuple[str, tuple[int, int]], tuple[float, Filler]] = {}
            role_labels = [(role, role_spec, role_label(event_type, role)) for role, role_spec in role_specs.items()]
            # The roles a filler may take depend on its label and kind alone: worked out once per pair.
            fitting: dict[tuple[str, str], list[tuple[str, str]]] = {}
            for filler, score in zip(fillers, scores, strict=True):
                fits = fitting.get((filler.label, filler.kind))
                if fits is None:
                    fits = fitting[(filler.label, filler.kind)] = [
                        (role, label)
                        for role, role_spec, label in role_labels
                        if self._model_kind_ok(filler, role_spec)
                    ]
                if not fits:
                    continue
                base = filler.base
                for role, label in fits:
                    p = score.get(label, 0.0)
                    key = (role, base)
                    current = best.get(key)
                    if current is None or p > current[0]:
                        best[key] = (p, filler)
            # A filler below ``model.role`` neither recuts a rule's argument nor adds one.
            above = [(key, value) for key, value in best.items() if value[0] >= threshold]
            if self.settings.veto > 0:
                self._veto(doc, of_type, event_type, by_span, {role for (role, _base), _best in above}, titled)
            for (role, base), (p, filler) in sorted(above, key=lambda kv: kv[1][1].start):
                rule_args = [a for d in of_type for a in d.args.get(role, []) if a.start is not None]
                for draft in of_type:
                    for i, arg in enumerate(draft.args.get(role, [])):
                        same_base = (
                            arg.start is not None
                            and base[0] <= arg.start
                            and arg.end is not None
                            and arg.end <= base[1]
                        )
                        if same_base and (arg.start, arg.end) != filler.span:
                            recut = list(draft.args[role])
                            recut[i] = Argument(role, filler.text, filler.start, filler.end, filler.mention_id)
                            same = draft.keys.get(role, {}).get((arg.text, arg.start), filler.key)
                            draft.set_role(role, recut)
                            draft.keys[role][(filler.text, filler.start)] = same
                # A filler for a role that splits events (高管姓名) makes a new event: ask for more.
                needed = max(threshold, self.settings.split_role) if role_specs[role].split else threshold
                if p < needed or any(a.text == filler.text for a in rule_args):
                    continue
                target = min(of_type, key=lambda d: abs(d.trigger[0] - filler.start))
                # A filler the rules gave another role of this event keeps that role.
                if any(
                    a.start is not None and a.end is not None and a.start < base[1] and base[0] < a.end
                    for r, args in target.args.items()
                    if r != role
                    for a in args
                ):
                    continue
                if target.add(
                    role, Argument(role, filler.text, filler.start, filler.end, filler.mention_id), filler.key
                ):
                    doc.note("events", "role", "model:events_roles", filler.span, f"{event_type}/{role} p={p:.2f}")
        return by_span

    @staticmethod
    def _keep_single(spec: EventType, draft: Draft, span_scores: dict[tuple[int, int], dict[str, float]]) -> None:
        """Roles marked ``single`` keep one argument (or one list, 杭州城投、京西智谷).

        The one kept is the role model's favourite, then a cue-chosen one, then the first found.
        """
        for role in spec.roles:
            args = draft.args.get(role.role, [])
            if not role.single or len(args) <= 1:
                continue
            in_list = [a for a in args if (role.role, a.start) in draft.listed]
            if len(in_list) > 1:
                draft.set_role(role.role, in_list)
                continue
            # Variants of one name (东瑞, 东瑞制药): the fullest is the one to keep.
            texts = [a.text for a in args]
            if all(_overlapping_names({x}, {y}) for x in texts for y in texts):
                draft.set_role(role.role, [max(args, key=lambda a: len(a.text))])
                continue
            label = role_label(spec.type, role.role)
            ranked = []
            for i, arg in enumerate(args):
                p = 0.0
                if arg.start is not None and arg.end is not None:
                    p = span_scores.get((arg.start, arg.end), {}).get(label, 0.0)
                ranked.append((p, (role.role, arg.start) in draft.cued, -i, arg))
            best = max(ranked, key=lambda item: item[:3])[3]
            draft.set_role(role.role, [best])

    @staticmethod
    def _role_names(drafts: Sequence[Draft]) -> dict[str, set[str]]:
        """The names (texts and canonical keys) each role has in any of ``drafts``."""
        names: dict[str, set[str]] = {}
        for draft in drafts:
            for role, args in draft.args.items():
                keys = draft.keys.get(role, {})
                names.setdefault(role, set()).update(
                    name for a in args for name in (a.text, keys.get((a.text, a.start), a.text))
                )
        return names

    @staticmethod
    def _one_role_per_party(
        doc: WorkDoc, spec: EventType, draft: Draft, elsewhere: dict[str, set[str]] | None = None
    ) -> None:
        """An organisation or person plays one party role of an event: the first of the type's roles keeps it.

        A buyer is not its own target (前程无忧收到来自DCP资本的收购提议 gave DCP资本 as both);
        the later role loses the name, and an event left without a required role is dropped.
        A role's ``not_same_as`` roles keep a name it shares with them: a pledger is not the
        company whose shares are pledged, although that role may repeat a party. ``elsewhere``
        (role -> names) gives the names those roles have in any event of the document: the
        issuer named in one pledge of a notice is no pledger in its next one either.
        """
        seen: set[str] = set()
        for role in spec.roles:
            if role.label not in ("ORG", "PERSON") or role.role not in draft.args or role.role in _SHARES_OF_ROLES:
                continue
            keys = draft.keys.get(role.role, {})
            args = draft.args[role.role]
            kept = [a for a in args if keys.get((a.text, a.start), a.text) not in seen]
            for a in args:
                if a not in kept:
                    span = (a.start or 0, a.end or 0)
                    doc.note("events", "dropped", draft.rule_id, span, f"{role.role}: plays another role")
            seen.update(keys.get((a.text, a.start), a.text) for a in kept)
            if len(kept) < len(args):
                draft.set_role(role.role, kept)
        for role in spec.roles:
            if not role.not_same_as or role.role not in draft.args:
                continue
            others = {
                name
                for other in role.not_same_as
                for a in draft.args.get(other, [])
                for name in (a.text, draft.keys.get(other, {}).get((a.text, a.start), a.text))
            }
            if elsewhere:
                others.update(name for other in role.not_same_as for name in elsewhere.get(other, ()))
            keys = draft.keys.get(role.role, {})
            kept = [a for a in draft.args[role.role] if not {a.text, keys.get((a.text, a.start), a.text)} & others]
            if len(kept) < len(draft.args[role.role]):
                doc.note("events", "dropped", draft.rule_id, draft.trigger, f"{role.role}: names {role.not_same_as}")
                draft.set_role(role.role, kept)

    @classmethod
    def _model_kind_ok(cls, filler: Filler, role: RoleSpec) -> bool:
        """Whether the role model may put ``filler`` in ``role``: same label (a pattern role takes its own TEXT)."""
        if role.label is None:
            return filler.label == "TEXT" and filler.kind == role.role
        if role.label == "TEXT":
            return filler.label == "TEXT" and filler.kind in (role.kinds or [role.role])
        # The model weighs kinds itself (a money amount as 发行价格); only the label must agree,
        # and parties may be people or organisations (a shareholder who pledges is either).
        if role.label in ("ORG", "PERSON"):
            # ... but an organisation of a type the role rules out (a government office as the
            # company summoned) is not the role's, whatever the model says.
            if filler.label == "ORG" and role.org_types:
                return cls._org_type_ok(filler, role)
            return filler.label in ("ORG", "PERSON")
        return filler.label == role.label

    def _veto(
        self,
        doc: WorkDoc,
        drafts: Sequence[Draft],
        event_type: str,
        by_span: dict[tuple[int, int], dict[str, float]],
        found: set[str],
        titled: bool,
    ) -> None:
        """Drop rule-filled arguments the role model does not believe in.

        An argument goes when the model gives it less than ``model.veto`` for its role
        and has found a filler of its own for that role (it prefers another), or when
        it gives it less than ``model.veto_alone`` (it believes in none).
        """
        for draft in drafts:
            for role, args in list(draft.args.items()):
                label = role_label(event_type, role)
                # Where the classifier recognises the event (an announcement like those the
                # models learnt from), the role model is trusted outright.
                trusted = titled and draft.confidence >= self.settings.trust
                limit = self.settings.veto if role in found else self.settings.veto_alone
                if trusted and (role in found or not self.settings.trusted_needs_alternative):
                    limit = max(limit, self.settings.trusted_veto)
                verdicts = []
                for arg in args:
                    score: dict[str, float] | None = None
                    protected = (role, arg.start) in draft.cued and not trusted
                    if arg.start is not None and arg.end is not None and not protected:
                        score = by_span.get((arg.start, arg.end))
                    supported = (
                        self.role_model is not None
                        and self.role_model.support.get(label, 0) >= self.settings.min_support
                    )
                    verdicts.append(score is None or not supported or label not in score or score[label] >= limit)
                kept = [
                    arg
                    for i, arg in enumerate(args)
                    if verdicts[i] or (not trusted and self._coordinated_with_kept(doc.text, args, verdicts, i))
                ]
                for arg in args:
                    if arg not in kept:
                        doc.note("events", "vetoed", "model:events_roles", (arg.start or 0, arg.end or 0), label)
                draft.set_role(role, kept)

    @staticmethod
    def _coordinated_with_kept(text: str, args: Sequence[Argument], verdicts: Sequence[bool], i: int) -> bool:
        """True when ``args[i]`` is listed with a kept argument (X和Y联合投资): members of a list share the role."""
        arg = args[i]
        if arg.start is None or arg.end is None:
            return False
        for j, other in enumerate(args):
            if j == i or not verdicts[j] or other.start is None or other.end is None:
                continue
            lo, hi = (arg.end, other.start) if arg.end <= other.start else (other.end, arg.start)
            if 0 <= hi - lo <= 3 and _COORDINATION.fullmatch(text[lo:hi]):
                return True
        return False

    def _fallback(self, spec: EventType, draft: Draft, fillers: Sequence[Filler], main_orgs: MainOrgs) -> None:
        """Fill empty ``document`` roles with the document's main organisation (nearest before the trigger).

        The main organisation of the types the role allows (``org_types``): a story about a
        regulator summoning 万科 gives 万科 as the company, not the regulator.
        """
        for role in spec.roles:
            if role.document and role.role not in draft.args and role.label == "ORG":
                main_org = main_orgs.of(role)
                if main_org is None or any(main_org in keys.values() for keys in draft.keys.values()):
                    continue  # none, or the main organisation already plays another role in this event
                best = None
                taken = {(a.start, a.end) for args in draft.args.values() for a in args}
                subjects = (
                    main_orgs.subject_fillers() if fillers is main_orgs.fillers else self._subject_fillers(fillers)
                )
                for f in subjects:
                    if f.key == main_org and f.span not in taken and (f.start <= draft.trigger[0] or best is None):
                        best = f
                if best is not None:
                    draft.add(
                        role.role, Argument(role.role, best.text, best.start, best.end, best.mention_id), main_org
                    )

    def _split(self, spec: EventType, draft: Draft, mentions: Sequence[Mention]) -> list[Draft]:
        split_role = next((r.role for r in spec.roles if r.split), None)
        if split_role is None or len(draft.args.get(split_role, [])) <= 1:
            return [self._person_details(spec, draft, mentions)]
        by_id = {m.id: m for m in mentions}
        out = []
        for arg in draft.args[split_role]:
            copy = draft.copy()
            copy.set_role(split_role, [arg])
            # The person's own title and organisation replace the shared ones where the text gives them.
            person = by_id.get(arg.mention_id or "")
            value = person.value if person is not None else None
            if spec.person_org_role and isinstance(value, PersonValue) and value.org:
                copy.set_role(spec.person_org_role, [])
            if spec.person_title_role and isinstance(value, PersonValue) and value.title:
                copy.set_role(spec.person_title_role, [])
            out.append(self._person_details(spec, copy, mentions))
        return out

    @staticmethod
    def _person_details(spec: EventType, draft: Draft, mentions: Sequence[Mention]) -> Draft:
        """Fill title and organisation roles from the person mention's own value."""
        split_role = next((r.role for r in spec.roles if r.split), None)
        if split_role is None:
            return draft
        by_id = {m.id: m for m in mentions}
        for arg in draft.args.get(split_role, []):
            person = by_id.get(arg.mention_id or "")
            if person is None or not isinstance(person.value, PersonValue):
                continue
            if spec.person_title_role and person.value.title and spec.person_title_role not in draft.args:
                draft.add(spec.person_title_role, Argument(spec.person_title_role, person.value.title, None, None))
            if spec.person_org_role and person.value.org and spec.person_org_role not in draft.args:
                org = next(
                    (
                        m
                        for m in mentions
                        if m.label == "ORG"
                        and isinstance(m.value, OrgValue)
                        and m.value.name == person.value.org
                        and m.end <= person.start
                    ),
                    None,
                )
                if org is not None:
                    draft.add(
                        spec.person_org_role, Argument(spec.person_org_role, org.text, org.start, org.end, org.id)
                    )
        return draft

    def _merge(self, drafts: list[Draft], has_title: bool) -> list[Draft]:
        """Merge drafts of one type that tell the same happening.

        Two drafts merge when no ``merge_on`` role disagrees (both filled, nothing in
        common) and they share something: a ``merge_on`` value, any other argument,
        or one of them is the title's (a headline announces the body's event).
        """
        merge_on = {ct.spec.type: ct.spec.merge_on for ct in self.types}
        # A product's name inside another's is another product (GLM-4, GLM-4-Voice, GLM-4.1V-9B-Base:
        # three launches), where an organisation's is its short name (东瑞, 东瑞制药).
        exact_roles = {
            (ct.spec.type, role.role) for ct in self.types for role in ct.spec.roles if role.label == "PRODUCT"
        }

        def keys(draft: Draft, role: str) -> set[str]:
            # A reporting period by what it is, not how it is written (2020年上半年 and 2020年半年度 agree).
            return {_period_key(key) for key in draft.keys.get(role, {}).values()}

        def same_happening(draft: Draft, other: Draft) -> bool:
            roles = merge_on.get(draft.type) or []
            shared = False
            for role in roles:
                a, b = keys(draft, role), keys(other, role)
                if a and b:
                    if not (a & b if (draft.type, role) in exact_roles else _overlapping_names(a, b)):
                        return False
                    shared = True
            if shared or (has_title and 0 in (draft.sentence, other.sentence)):
                return True
            return any(
                keys(draft, role) & keys(other, role)
                for role in draft.args
                if role in other.args and draft.args[role][0].start is not None
            )

        result: list[Draft] = []
        for draft in drafts:
            target = next((o for o in result if o.type == draft.type and same_happening(draft, o)), None)
            if target is None:
                result.append(draft)
                continue
            for role, args in draft.args.items():
                for arg in args:
                    target.add(role, arg, draft.keys.get(role, {}).get((arg.text, arg.start)))
            if MERGE_RANK[draft.status] > MERGE_RANK[target.status]:
                target.status = draft.status
            target.confidence = min(1.0, max(target.confidence, draft.confidence) + 0.05)
        return result

    @staticmethod
    def _to_event(text: str, index: int, draft: Draft) -> Event:
        args = tuple(a for role_args in draft.args.values() for a in role_args)
        start, end = draft.trigger
        return Event(
            id=f"e{index}",
            type=draft.type,
            trigger=Trigger(text[start:end], start, end),
            arguments=args,
            source=draft.source or f"rule:{draft.rule_id}",
            confidence=round(draft.confidence, 4),
            status=draft.status,
        )


@dataclass(frozen=True, slots=True)
class _Written:
    """An amount as written: its exact value, the value of its last written digit, its currency."""

    value: Decimal
    step: Decimal
    currency: str | None


def _written_amount(arg: Argument, mentions: Mapping[str, Mention]) -> _Written | None:
    """The value of an amount argument and the precision it is written to (2.71万: 27100, step 100).

    The value is the amount mention's; the step is that of the argument's one numeral in
    Arabic digits (its last decimal place, times the unit the value implies). None when the
    argument has no single-valued amount mention or no single such numeral.
    """
    mention = mentions.get(arg.mention_id or "")
    value = mention.value if mention is not None else None
    if not isinstance(value, AmountValue) or value.value is None:
        return None
    numerals = _NUMERAL.findall(arg.text)
    if len(numerals) != 1:
        return None
    try:
        # Magnitudes: a loss's mention may be signed (-147.04万元) where its argument is not.
        exact, written = abs(Decimal(value.value)), Decimal(numerals[0].replace(",", ""))
    except InvalidOperation:
        return None
    if written == 0 or exact == 0:
        return None
    exponent = written.as_tuple().exponent
    if not isinstance(exponent, int):
        return None
    step = (exact / written).scaleb(exponent)
    return _Written(exact, step, value.currency)


def _undominated(
    args: Sequence[Argument], readings: Sequence[_Reading | None], better: Callable[[_Reading, _Reading], bool]
) -> list[Argument]:
    """The arguments no other argument's reading is ``better`` than (one with no reading always stays).

    For a role written twice: ``better(other, mine)`` says that ``other`` is the writing
    DuEE-fin keeps of what ``mine`` writes too (a more precise figure, a preferred period name).
    """
    return [
        arg
        for arg, mine in zip(args, readings, strict=True)
        if mine is None or not any(other is not None and better(other, mine) for other in readings)
    ]


def _period_told_of(text: str, period: str, words: Sequence[str]) -> bool:
    """Whether a writing of ``period`` stands in a clause with one of ``words``, not after 较 or 比.

    The clause runs between punctuation that ends one (，。；！？ and the line's end).
    """
    for found in regex.finditer(regex.escape(period), text):
        if text[max(0, found.start() - 2) : found.start()].endswith(("较", "比")):
            continue
        start = max(text.rfind(mark, 0, found.start()) for mark in _CLAUSE_MARKS) + 1
        ends = [e for e in (text.find(mark, found.end()) for mark in _CLAUSE_MARKS) if e >= 0]
        clause = text[start : min(ends, default=len(text))]
        if any(word in clause for word in words):
            return True
    return False


def _keep_arguments(doc: WorkDoc, draft: Draft, role: str, kept: list[Argument], why: str) -> None:
    """Leave ``role`` with the ``kept`` of its arguments, noting each one dropped and why (the document's log).

    Nothing changes when every argument is kept.
    """
    args = draft.args.get(role, [])
    if len(kept) == len(args):
        return
    for arg in args:
        if arg not in kept:
            doc.note("events", "dropped", draft.rule_id, (arg.start or 0, arg.end or 0), why)
    draft.set_role(role, kept)


def _figures_to_the_verb_after_them(
    doc: WorkDoc,
    sentences: Sequence[tuple[int, int]],
    drafts: Sequence[Draft],
    spec_of: Mapping[str, EventType],
    words: Mapping[str, Sequence[int]],
) -> None:
    """Take a figure from the events of a type none of its writings tells it of, when they all tell another.

    A release notice writes its figure in the headline and again in the body (解除质押400万股 …
    将原质押给X的400万股公司股份办理了解除质押手续), and the role model may put one writing in the
    解除质押 event and the other in the 质押 one: ``_figures_to_their_own_type`` compares writings
    at one place only. Here each writing of the figure's text is read: a figure right after a
    trigger word in its clause (解除质押677万股) belongs to that word's type; one written before its
    verb (将所持公司472万股股份办理了解除质押手续), or after a word that only describes the shares
    (将原质押给X的400万股…解除质押), to the type of the first trigger word after it in its clause;
    else to that of the nearest one before it in its sentence. When
    the writings that tell a type all tell the same one, and the document has an event of that type
    with the role, the other types' events lose the figure (本次解除质押800万股，占其所持公司股份的比例为
    37.43% is no pledge's ratio, whether or not the release event took it).
    Only the types of ``_SHAREHOLDING_TYPES`` take part.
    ``words``: where each type's trigger words stand (see ``_trigger_words``).
    """
    text = doc.text
    sent_starts = [s for s, _e in sentences]
    holders: dict[tuple[str, str], list[Draft]] = {}
    for draft in drafts:
        for role in spec_of[draft.type].roles:
            if role.label == "AMOUNT":
                for arg in draft.args.get(role.role, []):
                    if arg.start is not None:
                        holders.setdefault((role.role, arg.text), []).append(draft)
    for (role_name, figure), held_by in holders.items():
        # The types of the document's events that have the role, whether or not they hold the figure.
        types = {
            d.type
            for d in drafts
            if d.type in _SHAREHOLDING_TYPES and any(r.role == role_name for r in spec_of[d.type].roles)
        }
        if len(types) < 2:
            continue
        owners: set[str] = set()
        for start in occurrences(figure, text):
            end = start + len(figure)
            if (start > 0 and text[start - 1] in _FIGURE_CHARS) or (end < len(text) and text[end] in _FIGURE_CHARS):
                continue  # inside a longer figure (1,400万 in 11,400万)
            sent_start = sent_starts[index_of_span(sent_starts, start)]
            clause_start = max(
                (m.end() for m in _CLAUSE_OR_SENTENCE.finditer(text, sent_start, start)), default=sent_start
            )
            # The verb right before the figure (解除质押677万股 新增质押905万股): its type, unless a 的 between
            # makes the word a description of the shares (质押给X的1554万股…解除质押).
            near = max(((w, t) for t in types for w in words.get(t, ()) if clause_start <= w < start), default=None)
            if near is not None and "的" not in text[near[0] : start]:
                owners.add(near[1])
                continue
            clause_end = _CLAUSE_OR_SENTENCE.search(text, end)
            stop = clause_end.start() if clause_end is not None else len(text)
            after = {t: min((w for w in words.get(t, ()) if end <= w < stop), default=stop) for t in types}
            first = min(after.values())
            if first < stop:
                owners.update(t for t in types if after[t] == first)
                continue
            before = {t: max((w for w in words.get(t, ()) if sent_start <= w < start), default=-1) for t in types}
            last = max(before.values())
            if last >= 0:
                owners.update(t for t in types if before[t] == last)
        if len(owners) != 1:
            continue
        owner = next(iter(owners))
        for draft in held_by:
            if draft.type != owner:
                dropped = [a for a in draft.args[role_name] if a.text == figure]
                for arg in dropped:
                    span = (arg.start or 0, arg.end or 0)
                    doc.note("events", "dropped", draft.rule_id, span, f"{role_name}: {owner}'s figure")
                draft.set_role(role_name, [a for a in draft.args[role_name] if a.text != figure])


def _only_compared(text: str, period: str) -> bool:
    """Whether every writing of ``period`` in ``text`` only sets a figure beside the report's: a comparison.

    Right after 较 or 比 (较上年同期由盈转亏), or followed by the other year's figure (上年同期为0.38元,
    上年同期17.88%); not 上年同期蚀992.4万元 or 上年同期亏损486.03万元, a loss told in it.
    """
    found = list(regex.finditer(regex.escape(period), text))
    return bool(found) and all(
        text[max(0, m.start() - 2) : m.start()].endswith(("较", "比")) or _FIGURE_AFTER.match(text, m.end())
        for m in found
    )


def _no_comparison_period_alone(doc: WorkDoc, draft: Draft) -> None:
    """Drop a loss draft's periods when all are comparison periods the text writes only as one.

    挖贝网's headline 斯尔克2019年亏损432.85万元 较上年同期由盈转亏: the trigger 由盈转亏 makes a draft whose
    only period is the comparison's 上年同期 (after 较), a period of no loss; kept, the draft stays an
    event of its own beside the report's (merge_on 财报周期 disagrees) with a false period. Without it
    the draft merges with the event of the company's own period, or, with none, is dropped
    (``requires_all``). A comparison period written once without 较 or 比 (上年同期蚀992.4万元: a loss in
    it, DuEE-fin's period) stays. Only the roles of ``_ANNUAL_REPORT_ROLES`` (a loss's period).
    """
    text = doc.text
    for role, args in list(draft.args.items()):
        if (draft.type, role) not in _ANNUAL_REPORT_ROLES or not args:
            continue
        if all(_COMPARISON_PERIOD.fullmatch(a.text) and _only_compared(text, a.text) for a in args):
            _keep_arguments(doc, draft, role, [], f"{role}: only a comparison period")


def _annual_report_named(doc: WorkDoc, draft: Draft) -> None:
    """Write an annual period (2019年年度) as its report's name (2019年年度报告) when the text names the report.

    挖贝网's loss reports open with 发布2019年年度报告 and DuEE-fin's period is the report's name
    (see ``_ANNUAL_REPORT_ROLES``); a period written another way, or a report the text does not
    name, stays.
    """
    text = doc.text
    for role, args in list(draft.args.items()):
        if (draft.type, role) not in _ANNUAL_REPORT_ROLES:
            continue
        written: list[Argument] = []
        for arg in args:
            if _ANNUAL_PERIOD.fullmatch(arg.text) and (at := text.find(arg.text + "报告")) >= 0:
                named = arg.text + "报告"
                doc.note("events", "role", draft.rule_id, (at, at + len(named)), f"{role}: the annual report's name")
                arg = Argument(role, named, at, at + len(named), None)
            if all(a.text != arg.text for a in written):
                written.append(arg)
        if written != args:
            draft.set_role(role, written)


def _in_order(short: str, full: str) -> bool:
    """Whether the characters of ``short`` appear in ``full`` in their order.

    海垦控股集团 in 海南省农垦投资控股集团有限公司: a short name keeps some characters of the full one.
    """
    rest = iter(full)
    return all(ch in rest for ch in short)


@dataclass(slots=True)
class _FullNames:
    """A document's registered company names and the short names it defines for them.

    A notice or an article names a company in full once (北京北明伟业控股有限公司, 深圳市东创精密
    技术有限公司) and then by a short name, defined (（以下简称"北明控股"）) or not (东创精密); DuEE-fin
    writes the full name in the roles of ``_HOLDER_ROLES`` and of ``_REGISTERED_NAME_TYPES``.
    """

    # A defined short name's full name and where it starts: the shortest organisation filler ending
    # right before the definition that holds the short name's characters in order (so neither a
    # definition of 公司 nor words before the name count); the first definition wins.
    defined: dict[str, tuple[str, int]]
    # The registered names (of those ending at one place the shortest) and where each first starts.
    registered: dict[str, int]

    @classmethod
    def of(cls, text: str, fillers: Sequence[Filler]) -> _FullNames:
        """Collect the document's definitions and registered names from its organisation fillers."""
        ends: dict[int, list[Filler]] = {}
        for filler in fillers:
            if filler.label == "ORG":
                ends.setdefault(filler.end, []).append(filler)
        defined: dict[str, tuple[str, int]] = {}
        for m in _SHORT_NAME_DEFINED.finditer(text):
            short = m.group("short")
            named = [f for f in ends.get(m.start(), []) if len(f.text) > len(short) and _in_order(short, f.text)]
            if named and short not in defined:
                best = min(named, key=lambda f: len(f.text))
                defined[short] = (best.text, best.start)
        registered: dict[str, int] = {}
        for at_end in ends.values():
            names = [f for f in at_end if len(f.text) >= 6 and _REGISTERED_NAME.search(f.text)]
            if names:
                best = min(names, key=lambda f: len(f.text))
                registered[best.text] = min(best.start, registered.get(best.text, best.start))
        return cls(defined, registered)

    def full_name(self, short: str, undefined: Literal["contained", "in_order"] | None) -> tuple[str, int] | None:
        """The full name ``short`` stands for and where it starts, or None.

        A defined short name stands for its definition's name. Else, with ``undefined``, a short
        name stands for the one registered name that contains it (``contained``: 东创精密 in 深圳市
        东创精密技术有限公司) or that starts with its first character and holds its characters in
        order (``in_order``: 东宝集团 for 东宝实业集团有限公司); two such names (a group and its
        subsidiary) leave it as it is.
        """
        found = self.defined.get(short)
        if found is not None or undefined is None or len(short) < 2 or _REGISTERED_NAME.search(short):
            return found
        if undefined == "contained":
            holders = [(n, at) for n, at in self.registered.items() if short in n and n != short]
        else:
            holders = [
                (n, at)
                for n, at in self.registered.items()
                if len(n) > len(short) and n[0] == short[0] and _in_order(short, n)
            ]
        return holders[0] if len(holders) == 1 else None


def _full_name_rule(event_type: str, role: RoleSpec) -> tuple[bool, Literal["contained", "in_order"] | None]:
    """Whether a role's short names are written in full, and how a short name never defined is."""
    if (event_type, role.role) in _HOLDER_ROLES:
        return True, _HOLDER_ROLES[(event_type, role.role)]
    if event_type in _REGISTERED_NAME_TYPES and role.label == "ORG" and role.role not in _BRAND_NAMED_ROLES:
        return True, "contained"
    return False, None


def _written_in_full(
    doc: WorkDoc,
    spec: EventType,
    draft: Draft,
    names: _FullNames,
    span_scores: dict[tuple[int, int], dict[str, float]],
) -> None:
    """Write the draft's short organisation names as the full names the document gives (see _FullNames).

    The name written keeps what the short one had for choosing a single role's argument
    (``_keep_single``: the role model's score, a cue, a list); a name the role already has in
    full is not written twice.
    """
    for role in spec.roles:
        args = draft.args.get(role.role, [])
        in_full, undefined = _full_name_rule(draft.type, role)
        if not args or not in_full:
            continue
        changed = False
        written: list[Argument] = []
        for arg in args:
            found = names.full_name(arg.text, undefined)
            if found is None or found[0] == arg.text:
                written.append(arg)
                continue
            name, start = found
            span = (start, start + len(name))
            doc.note("events", "role", draft.rule_id, span, f"{role.role}: the full name")
            changed = True
            if arg.start is not None and arg.end is not None:
                scores = span_scores.setdefault(span, {})
                for label, p in span_scores.get((arg.start, arg.end), {}).items():
                    scores[label] = max(p, scores.get(label, 0.0))
            for marks in (draft.cued, draft.listed):
                if (role.role, arg.start) in marks:
                    marks.add((role.role, start))
            written.append(Argument(role.role, name, start, span[1], None))
        if changed:
            draft.set_role(role.role, [a for i, a in enumerate(written) if all(b.text != a.text for b in written[:i])])


def _trigger_words(found: Sequence[TriggerCheck]) -> list[int]:
    """Where a type's trigger words stand, whatever the classifier says.

    Not those inside a ``not_in`` word (质押 in 解除质押), a name or boilerplate: no word of the type.
    """
    return [c.span[0] for c in found if c.excluded not in ("inside a not_in word", "", "in boilerplate")]


class _Period(NamedTuple):
    """A reporting period as written: its year (None when not written), the period, the writing's rank."""

    year: str | None
    period: str
    rank: int


def _period_of(text: str) -> _Period | None:
    """The reporting period ``text`` writes (2020年半年度: 2020, H1, 0), None for any other text."""
    year_only = _YEAR_ONLY.fullmatch(text)
    if year_only is not None:
        # 2019年 beside the 2019年年度 its report names: the year's period, written least as DuEE-fin does.
        return _Period(year_only.group("year"), "FY", len(_YEAR_WRITINGS))
    m = _PERIOD.fullmatch(text)
    if m is None:
        return None
    writing = m.group("writing")
    # 2020年度: the year's 年 is the writing's first character.
    found = _WRITINGS.get("年" + writing if writing == "度" else writing)
    return None if found is None else _Period(m.group("year"), *found)


def _period_key(key: str) -> str:
    """A merge key that is the same for every writing of one period (a yearless one is inside the dated)."""
    period = _period_of(key)
    return key if period is None else f"{period.year or ''}|{period.period}"


def _better_writing(other: _Period, mine: _Period) -> bool:
    """Whether ``other`` writes ``mine``'s period (same year, or one without) in a way DuEE-fin prefers."""
    if other.period != mine.period or (other.year and mine.year and other.year != mine.year):
        return False
    return (other.rank, other.year is None) < (mine.rank, mine.year is None)


def _month_day_key(text: str) -> str:
    """A date's text without spaces and leading zeros (09月04日 and 9月4日 alike), for comparing writings."""
    key: str = regex.sub(r"(?<!\d)0+(?=\d)", "", regex.sub(r"\s+", "", text))
    return key


def _rounds_to(precise: _Written, coarse: _Written) -> bool:
    """Whether ``coarse`` is ``precise`` rounded or cut to ``coarse``'s last written digit."""
    if coarse.step <= precise.step or (precise.currency and coarse.currency and precise.currency != coarse.currency):
        return False
    units = precise.value / coarse.step
    return any(
        units.quantize(Decimal(1), rounding=mode) * coarse.step == coarse.value for mode in (ROUND_DOWN, ROUND_HALF_UP)
    )


def _keep_noting(
    doc: WorkDoc, drafts: list[Draft], keep: Callable[[Draft], bool], reason: Callable[[Draft], str]
) -> list[Draft]:
    """The drafts ``keep`` accepts; each one dropped is noted on ``doc`` with its ``reason``."""
    kept = []
    for draft in drafts:
        if keep(draft):
            kept.append(draft)
        else:
            doc.note("events", "dropped", draft.rule_id, draft.trigger, reason(draft))
    return kept


def _dateline(text: str, mentions: Sequence[Mention], title_end: int) -> Mention | None:
    """The report's dateline: its body's first date of a day, when it opens its paragraph and tells a report.

    None when that date is not near the body's opening, sits further into its paragraph than an
    outlet's lead, follows 于 or a repeated headline, or its sentence tells no report within reach.
    """
    first = next(
        (
            m
            for m in sorted(mentions, key=lambda m: m.start)
            if m.label in ("DATE", "TIME") and m.start > title_end and _DAY.search(m.text)
        ),
        None,
    )
    if first is None or first.start - title_end > _DATELINE_OPENING:
        return None
    lead = text[text.rfind("\n", 0, first.start) + 1 : first.start]
    if len(lead) > _DATELINE_LEAD or _LEAD_BREAK.search(lead) or lead.rstrip().endswith("于") or "原标题" in lead:
        return None
    told = _SENTENCE_END.split(text[first.end : first.end + _DATELINE_REACH], maxsplit=1)[0]
    return first if _TELLING.search(told) else None
