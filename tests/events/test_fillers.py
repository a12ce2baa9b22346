"""Role fillers (``pipeline.events.fillers``): the shortcuts of ``FillerFinder.find`` give what the plain way gives."""

from __future__ import annotations

import pytest

from pipeline.core import Pipeline
from pipeline.events.extractor import EventExtractor
from pipeline.events.fillers import Filler
from pipeline.records import Mention
from pipeline.rulebook.patterns import PatternMatch, pattern_scope

TEXTS = [
    "凯撒旅业：股东凯撒集团（香港）有限公司将其持有的5000万股质押给中信证券\n"
    "公司股东凯撒集团（香港）有限公司将其持有的5000万股质押给中信证券。禾丰牧业(603609.SH)公告，"
    "董事会同意聘任刘轶为公司总经理。副总经理邹鹏其因个人原因辞职。",
    "国祯环保公告，公司拟以1.5亿-3亿元回购股份，回购价格不超过13.50元/股。",
    "真视通：中标中国移动2019年数据中心项目，中标金额约1.58亿元。",
]


@pytest.fixture(scope="module")
def documents() -> list[tuple[str, list[Mention]]]:
    """Each text with its final mentions (the events stage's input)."""
    pipe = Pipeline.build(stages=["normalize", "segment", "dates", "amounts", "entities", "mentions"])
    out = []
    for text in TEXTS:
        doc = pipe.new_doc(text, doc_id=None, doc_date=None, source=None, meta={})
        pipe.run_stages(doc)
        out.append((doc.text, list(doc.mentions)))
    return out


def _extractor() -> EventExtractor:
    return EventExtractor.from_rulebook(Pipeline.build(stages=["normalize"]).rulebook)


def _rows(fillers: list[Filler]) -> list[tuple[object, ...]]:
    return [(f.label, f.kind, f.start, f.end, f.text, f.key, f.source, f.mention_id, f.base) for f in fillers]


@pytest.mark.parametrize("labels", [{"ORG"}, {"PERSON"}, {"TEXT", "DATE"}, {"AMOUNT"}, set()])
def test_the_fillers_of_some_labels_are_those_of_the_whole_search(
    documents: list[tuple[str, list[Mention]]], labels: set[str]
) -> None:
    """Looking only for some labels gives the same fillers of those labels, and the other labels' mentions only."""
    finder = _extractor().finder
    for text, mentions in documents:
        whole = finder.find(text, mentions)
        some = finder.find(text, mentions, labels)
        assert _rows([f for f in some if f.label in labels]) == _rows([f for f in whole if f.label in labels])
        assert all(f.mention_id is not None and f.span == f.base for f in some if f.label not in labels)


def test_remembered_trims_are_the_trims(documents: list[tuple[str, list[Mention]]]) -> None:
    """The repair variants' trims come from memory the second time, the same; a traced run logs their matches."""
    finder = _extractor().finder
    first = [_rows(finder.find(text, mentions)) for text, mentions in documents]
    assert finder._trims  # the trims were remembered ...
    assert [_rows(finder.find(text, mentions)) for text, mentions in documents] == first  # ... and give the same
    fresh = _extractor().finder
    log: list[PatternMatch] = []
    with pattern_scope(None, log):
        traced = [_rows(fresh.find(text, mentions)) for text, mentions in documents]
    assert traced == first
    assert not fresh._trims  # not while tracing: the patterns ran ...
    assert any(m.rule == "events.variant.repair_person_end" for m in log)  # ... and their matches are logged
    # 邹鹏其因个人原因辞职: the person's name loses the next word's first character.
    assert any(row[4] == "邹鹏" and row[6] == "rule:events.variant.repair_person_end" for row in first[0])


def test_the_rules_alone_find_what_a_traced_run_finds() -> None:
    """Without a trace the rules alone look only for the filler labels the counted types take: same events."""
    pipe = Pipeline.build(events_model=False)
    for text in TEXTS:
        plain = pipe.process(text)
        traced = pipe.process(text, trace=True)
        assert plain.events, text
        assert [e.to_dict() for e in plain.events] == [e.to_dict() for e in traced.events]


class _NoGate:
    """A gate that rules nothing out (as when RE2 cannot read a text): every pattern is scanned."""

    def possible(self, text: str, deadline: object = None) -> None:
        return None


def test_the_gate_changes_no_filler(documents: list[tuple[str, list[Mention]]]) -> None:
    """The patterns the RE2 gate rules out for a text find nothing in it: the same fillers with it as without."""
    finder = _extractor().finder
    texts = [*documents, ("据悉，公司计划扩大生产。", [])]
    ruled_out = 0
    for text, mentions in texts:
        possible = finder._gate.possible(text)
        assert possible is not None
        ruled_out += len(finder._whole) - len(possible)
        gated = _rows(finder.find(text, mentions))
        gate = finder._gate
        finder._gate = _NoGate()  # type: ignore[assignment]
        try:
            assert _rows(finder.find(text, mentions)) == gated
        finally:
            finder._gate = gate
    assert ruled_out > len(texts) * len(finder._whole) // 2
