"""Helpers of the event extractor that replace slower equivalents: same answers, checked by hypothesis."""

from __future__ import annotations

from typing import Any

import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.core import Pipeline
from pipeline.events.extractor import Draft, EventExtractor, NameCover, _figures_to_the_verb_after_them, occurrences
from pipeline.records import Argument
from pipeline.rulebook.loader import load_rulebook
from pipeline.rulebook.schemas.events import EventsFile, EventType
from pipeline.stages.base import WorkDoc
from pipeline.textutil import sentence_spans

# A small alphabet makes repeats and overlaps (aa in aaa) common.
_TEXT = st.text(alphabet="ab发布会", max_size=30)


def test_a_tenderer_of_one_bid_is_no_winner_in_another() -> None:
    """中标公司 not_same_as 招标方: the buyer the headline's bid names (中国铁塔) wins no bid of the document."""
    spec = _type_specs()
    doc = WorkDoc(raw="", doc_id="t")
    headline = Draft("中标", "events.bid", (4, 6), 0)
    headline.add("中标公司", Argument("中标公司", "南都电源", 0, 4))
    headline.add("招标方", Argument("招标方", "中国铁塔", 6, 10))
    body = Draft("中标", "events.bid", (40, 42), 1)
    body.add("中标公司", Argument("中标公司", "中国铁塔", 20, 24))
    body.add("中标金额", Argument("中标金额", "约1.58亿元", 45, 52))
    elsewhere = EventExtractor._role_names([headline, body])
    for draft in (headline, body):
        EventExtractor._one_role_per_party(doc, spec[draft.type], draft, elsewhere)
    assert "中标公司" not in body.args
    assert [a.text for a in headline.args["中标公司"]] == ["南都电源"]
    assert [a.text for a in headline.args["招标方"]] == ["中国铁塔"]


@settings(max_examples=300, deadline=None)
@given(word=st.text(alphabet="ab发", max_size=3), text=_TEXT)
def test_occurrences_are_those_of_a_literal_regex(word: str, text: str) -> None:
    expected = [m.start() for m in regex.finditer(regex.escape(word), text)]
    assert occurrences(word, text) == expected


def test_occurrences_do_not_overlap() -> None:
    assert occurrences("aa", "aaaaa") == [0, 2]
    assert occurrences("发布", "无") == []


_SPAN = st.tuples(st.integers(0, 20), st.integers(0, 20))


@settings(max_examples=300, deadline=None)
@given(spans=st.lists(_SPAN, max_size=6), start=st.integers(0, 22), end=st.integers(0, 22))
def test_name_cover_overlap_is_the_pairwise_test(spans: list[tuple[int, int]], start: int, end: int) -> None:
    spans = [(s, e) for s, e in spans if e >= s]  # mentions never run backwards
    expected = any(s < end and start < e for s, e in spans)
    assert NameCover(spans).overlaps(start, end) is expected


def _type_specs() -> dict[str, EventType]:
    """Each event type's spec in the project's rulebook, by type."""
    return {ct.spec.type: ct.spec for ct in EventExtractor.from_rulebook(load_rulebook()).types}


def test_one_party_plays_one_role() -> None:
    """A buyer is not its own target: the later party role loses the name; the shares' company may repeat it."""
    spec = _type_specs()
    doc = WorkDoc(raw="", doc_id="t")

    takeover = Draft("企业收购", "events.acquisition", (10, 12), 0)
    takeover.add("收购方", Argument("收购方", "DCP资本", 0, 5))
    takeover.add("被收购方", Argument("被收购方", "DCP资本", 14, 19))
    takeover.add("交易金额", Argument("交易金额", "12亿美元", 20, 25))
    EventExtractor._one_role_per_party(doc, spec["企业收购"], takeover)
    assert set(takeover.args) == {"收购方", "交易金额"}

    increase = Draft("股东增持", "events.increase", (10, 12), 0)
    increase.add("增持方", Argument("增持方", "华发集团", 0, 4))
    increase.add("股票简称", Argument("股票简称", "华发集团", 20, 24))
    EventExtractor._one_role_per_party(doc, spec["股东增持"], increase)
    assert set(increase.args) == {"增持方", "股票简称"}

    # ... but a pledger is never the company whose shares are pledged (not_same_as): that role keeps it.
    pledge = Draft("质押", "events.pledge", (10, 12), 0)
    pledge.add("质押方", Argument("质押方", "华发集团", 0, 4))
    pledge.add("质押物所属公司", Argument("质押物所属公司", "华发集团", 20, 24))
    EventExtractor._one_role_per_party(doc, spec["质押"], pledge)
    assert set(pledge.args) == {"质押物所属公司"}


def test_shares_company_of_one_event_is_no_pledger_in_another() -> None:
    """The issuer a notice names as the pledged shares' company in one event is no pledger in its others."""
    spec = _type_specs()
    doc = WorkDoc(raw="", doc_id="t")

    release = Draft("解除质押", "events.unpledge", (10, 12), 0)
    release.add("质押方", Argument("质押方", "毕于东", 30, 33))
    release.add("质押物所属公司", Argument("质押物所属公司", "山东赫达股份有限公司", 0, 10))
    pledge = Draft("质押", "events.pledge", (60, 62), 2)
    pledge.add("质押方", Argument("质押方", "山东赫达股份有限公司", 40, 50))
    pledge.add("质押方", Argument("质押方", "毕心德", 52, 55))
    pledge.add("质押股票/股份数量", Argument("质押股票/股份数量", "500万", 63, 67))
    elsewhere = EventExtractor._role_names([release, pledge])
    for draft in (release, pledge):
        EventExtractor._one_role_per_party(doc, spec[draft.type], draft, elsewhere)
    assert [a.text for a in pledge.args["质押方"]] == ["毕心德"]
    assert [a.text for a in release.args["质押方"]] == ["毕于东"]
    # Without the other events, the pledge alone keeps both pledgers (nothing tells them apart).
    alone = Draft("质押", "events.pledge", (60, 62), 2)
    alone.add("质押方", Argument("质押方", "山东赫达股份有限公司", 40, 50))
    alone.add("质押方", Argument("质押方", "毕心德", 52, 55))
    EventExtractor._one_role_per_party(doc, spec["质押"], alone)
    assert len(alone.args["质押方"]) == 2


@settings(max_examples=300, deadline=None)
@given(
    words=st.lists(st.lists(st.text(alphabet="ab发布", min_size=1, max_size=3), max_size=4), min_size=1, max_size=3),
    text=_TEXT,
)
def test_trigger_scanner_finds_what_each_types_alternation_finds(words: list[list[str]], text: str) -> None:
    from pipeline.events.extractor import TriggerScanner, alternation

    expected = [[m.span() for m in regex.finditer(alternation(ws), text)] for ws in words]
    assert TriggerScanner(words).scan(text) == expected


def test_sentence_fillers_are_those_starting_in_the_sentence() -> None:
    from pipeline.events.extractor import SentenceFillers
    from pipeline.events.fillers import Filler

    spans = [(0, 2), (3, 5), (4, 9), (9, 10)]
    fillers = [Filler("ORG", "", s, e, "x" * (e - s), "x", "t", None, (s, e)) for s, e in spans]
    index = SentenceFillers(fillers, [(0, 4), (4, 9), (9, 12)])
    assert [f.span for f in index.of(0)] == [(0, 2), (3, 5)]
    assert [f.span for f in index.of(1)] == [(4, 9)]
    assert [f.span for f in index.of(2)] == [(9, 10)]


_EXTRACTOR = EventExtractor(EventsFile(kind="events"))


@settings(max_examples=300, deadline=None)
@given(
    not_in=st.lists(st.text(alphabet="ab发", min_size=1, max_size=4), max_size=4),
    text=_TEXT,
    start=st.integers(0, 30),
    size=st.integers(1, 3),
)
def test_the_kept_not_in_places_exclude_what_the_plain_test_excludes(
    not_in: list[str], text: str, start: int, size: int
) -> None:
    """``_excluded_by`` (the trigger's places in the ``not_in`` words kept) agrees with ``_excluded``, overlaps too."""
    end = min(start + size, len(text))
    if start >= end:
        return
    words = tuple(not_in)
    assert _EXTRACTOR._excluded_by(text, start, end, words) == EventExtractor._excluded(text, start, end, words)


@settings(max_examples=300, deadline=None)
@given(
    lists=st.lists(st.lists(st.text(alphabet="ab发", max_size=3), max_size=4), min_size=1, max_size=3),
    text=_TEXT,
    start=st.integers(0, 35),
    end=st.integers(0, 35),
)
def test_word_hits_tell_what_in_on_the_slice_tells(lists: list[list[str]], text: str, start: int, end: int) -> None:
    """``WordHits.within`` (one scan, then bisection) agrees with ``word in text[start:end]``, empty words too."""
    from pipeline.events.extractor import WordHits

    hits = WordHits(WordHits.automaton(lists), lists, text)
    for index, words in enumerate(lists):
        assert hits.within(index, start, end) == any(word in text[start:end] for word in words)


def test_sentence_candidates_are_the_whole_mention_cuts_inside_the_sentence() -> None:
    from pipeline.events.extractor import sentence_candidates
    from pipeline.events.fillers import Filler

    def filler(label: str, start: int, end: int, base: tuple[int, int] | None = None) -> Filler:
        return Filler(label, "", start, end, "x" * (end - start), "x", "t", None, base or (start, end))

    fillers = [
        filler("ORG", 2, 4),
        filler("DATE", 3, 5),
        filler("ORG", 3, 6, base=(3, 5)),  # another cut of a mention: no candidate
        filler("ORG", 6, 12),  # runs past the sentence
        filler("ORG", 8, 10),
    ]
    grouped = sentence_candidates(fillers, (2, 10))
    assert {label: [f.span for f in found] for label, found in grouped.items()} == {
        "ORG": [(2, 4), (8, 10)],
        "DATE": [(3, 5)],
    }


def test_fillers_are_looked_for_only_when_a_trigger_counts(pipe: Pipeline) -> None:
    """With the models too: a document whose triggers all fail (a question) makes no draft, so needs no filler."""
    from pipeline.stages.events import EventsStage

    extractor = next(s for s in pipe.stages if isinstance(s, EventsStage)).extractor
    assert extractor.role_model is not None
    calls: list[str] = []
    original = extractor.document_fillers

    def spy(text: str, *args: Any, **kwargs: Any) -> Any:
        calls.append(text)
        return original(text, *args, **kwargs)

    extractor.document_fillers = spy  # type: ignore[method-assign]
    try:
        asked = pipe.process("微软会以1亿美元收购BlueTalon吗？")
        assert not asked.events and not calls
        told = pipe.process("微软宣布以1亿美元收购BlueTalon，增强云计算数据类服务。")
        assert told.events and len(calls) == 1
    finally:
        del extractor.document_fillers


def test_a_figure_goes_to_the_type_every_writing_of_it_tells() -> None:
    """A release's figure, in the headline after its verb and in the body before it, leaves the pledge event."""
    spec = _type_specs()
    text = (
        "万里石股东邹鹏解除质押472万股\n"
        "万里石公布，股东邹鹏将所持公司472万股股份办理了解除质押手续，本次解除质押占其所持股份比例的17.95%。"
        "本次解除质押后，邹鹏所持有公司股份累计质押2157.57万股。"
    )
    doc = WorkDoc(raw=text, doc_id="t", text=text)
    release_words = occurrences("解除质押", text)
    pledge_words = [w for w in occurrences("质押", text) if w - 2 not in release_words]
    words = {"解除质押": release_words, "质押": pledge_words}
    title, body = text.find("472万"), text.rfind("472万")
    total, ratio = text.find("2157.57万"), text.find("17.95%")
    release = Draft("解除质押", "events.unpledge", (7, 11), 0)
    release.add("质押股票/股份数量", Argument("质押股票/股份数量", "472万", title, title + 4))
    pledge = Draft("质押", "events.pledge", (total - 2, total), 1)
    # The role model put the body's writing of the release's figure, and its ratio, in the pledge too.
    pledge.add("质押股票/股份数量", Argument("质押股票/股份数量", "472万", body, body + 4))
    pledge.add("质押股票/股份数量", Argument("质押股票/股份数量", "2157.57万", total, total + 8))
    pledge.add("质押物占持股比", Argument("质押物占持股比", "17.95%", ratio, ratio + 6))
    _figures_to_the_verb_after_them(doc, sentence_spans(text), [release, pledge], spec, words)
    assert [a.text for a in pledge.args["质押股票/股份数量"]] == ["2157.57万"]
    assert "质押物占持股比" not in pledge.args
    assert [a.text for a in release.args["质押股票/股份数量"]] == ["472万"]
