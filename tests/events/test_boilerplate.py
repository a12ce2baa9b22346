"""Boilerplate spans, argument repairs, question headlines and the final role requirement."""

from __future__ import annotations

import pytest

from pipeline.core import Pipeline
from pipeline.events.boilerplate import BoilerplateFinder, inside, merge_spans
from pipeline.events.fillers import FillerFinder
from pipeline.records import Mention, OrgValue, PersonValue
from pipeline.rulebook.schemas.events import Boilerplate, SpanVariant

FOOTER = "海量资讯、精准解读，尽在新浪财经APP"
BODY = "华发股份回购100万股\n来源：新浪财经\n华发股份今日回购100万股，耗资3.5亿元。\n"


def test_a_footer_rule_covers_the_rest_of_the_page() -> None:
    finder = BoilerplateFinder(
        [Boilerplate(id="t.footer", pattern=r"^[^\n]*尽在[^\n]{0,12}APP[^\n]*$", to_end=True, min_line=2)]
    )
    text = BODY + FOOTER + "\n马云前脚刚退休，腾讯就开始动手！"
    assert finder.spans(text) == [(len(BODY), len(text))]
    # In the first lines (a headline) the same words are not a footer.
    assert finder.spans(FOOTER + "\n" + BODY) == []


def test_a_line_rule_covers_whole_lines_only() -> None:
    finder = BoilerplateFinder([Boilerplate(id="t.ad", pattern="【立即开户】")])
    text = "第一行\n特斯拉差点破产？【立即开户】领福利\n第三行"
    start = text.index("特斯拉")
    assert finder.spans(text) == [(start, text.index("\n第三行"))]


def test_merge_and_inside() -> None:
    assert merge_spans([(5, 8), (0, 2), (2, 4), (7, 9)]) == [(0, 4), (5, 9)]
    assert inside([(0, 4)], 3, 6)
    assert not inside([(0, 4)], 4, 6)
    assert not inside([], 0, 1)


def _org(text: str, name: str, start: int | None = None) -> Mention:
    s = text.index(name) if start is None else start
    return Mention("m1", "ORG", name, s, s + len(name), s, s + len(name), OrgValue(name, "company", name), "ner")


def _person(text: str, name: str) -> Mention:
    s = text.index(name)
    return Mention(f"p{s}", "PERSON", name, s, s + len(name), s, s + len(name), PersonValue(name), "ner")


REPAIR_ORG = SpanVariant(
    id="t.repair_org",
    label="ORG",
    replace=True,
    min_length=2,
    split_left=["股东"],
    trim_left_pattern=r"^(?:[^\n]*[丨|｜]|[^（(\n]*[）)])\s*",
    trim_right_pattern=r"\s*[（(]\s*\d{4,6}(?:\.[A-Za-z]{2})?\s*[）)]$",
)


@pytest.mark.parametrize(
    ("text", "tagged", "repaired"),
    [
        ("公司股东凯撒集团将其股份质押。", "东凯撒集团", "凯撒集团"),
        ("格隆汇11月15日丨君实生物公布。", "日丨君实生物", "君实生物"),
        ("禾丰牧业(603609.SH)公布。", "禾丰牧业(603609.SH)", "禾丰牧业"),
        ("（简称“公司”）山东博汇集团有限公司通知。", "”）山东博汇集团有限公司", "山东博汇集团有限公司"),
    ],
)
def test_an_org_repair_replaces_the_filler(text: str, tagged: str, repaired: str) -> None:
    fillers = FillerFinder([], [REPAIR_ORG]).find(text, [_org(text, tagged)])
    assert [f.text for f in fillers] == [repaired]
    assert fillers[0].base == fillers[0].span  # the repaired span is a filler of its own
    assert fillers[0].mention_id == "m1"


def test_a_repair_never_leaves_less_than_min_length() -> None:
    text = "股东凯公告。"
    fillers = FillerFinder([], [REPAIR_ORG]).find(text, [_org(text, "东凯")])
    assert [f.text for f in fillers] == ["东凯"]


def test_a_person_repair_cuts_a_swallowed_character() -> None:
    variant = SpanVariant(
        id="t.repair_person",
        label="PERSON",
        replace=True,
        min_length=2,
        trim_right_pattern=r"(?<=^\p{Han}{2,3})[其因]$",
    )
    text = "董事邹鹏其于近日辞职，王其也辞职。"
    fillers = FillerFinder([], [variant]).find(text, [_person(text, "邹鹏其"), _person(text, "王其")])
    assert [f.text for f in fillers] == ["邹鹏", "王其"]


def test_no_event_from_boilerplate(rules_only: Pipeline) -> None:
    text = "公司公告\n来源：新浪财经\n华发集团解除质押3000万股。\n" + FOOTER + "\n马云前脚刚退休，腾讯就开始动手！"
    types = {e.type for e in rules_only.process(text).events}
    assert "解除质押" in types
    assert "高管变动" not in types


def test_no_event_from_a_question(rules_only: Pipeline) -> None:
    assert not [e for e in rules_only.process("特斯拉差点破产？").events if e.type == "企业破产"]
    assert [e for e in rules_only.process("恒大集团申请破产，负债超过2万亿元。").events if e.type == "企业破产"]


def test_a_negation_far_from_the_trigger_does_not_negate(rules_only: Pipeline) -> None:
    near = rules_only.process("公司控股股东并未减持公司股份1000万股。").events
    far = rules_only.process("公司没有收到任何通知，控股股东华发集团本月减持公司股份1000万股。").events
    assert [e.status for e in near if e.type == "股东减持"] == ["negated"]
    assert [e.status for e in far if e.type == "股东减持"] == ["asserted"]


def test_a_section_header_opens_the_sites_list_of_other_stories() -> None:
    # events.boilerplate.section_list: the stories under 热点 are not the article's.
    article = "海尔电器回购4.2万股\n海尔电器公布，9月4日耗资86.2万港元回购4.2万股。\n标签：海尔电器回购\n"
    others = "ZAO回应工信部约谈\n北京市监局约谈美团、饿了么等6家网络平台\n"
    pipe = Pipeline.build(events_model=False)
    assert {e.type for e in pipe.process(article + "热点\n" + others).events} == {"股份回购"}
    # Without the header the same lines are the article's own.
    assert "被约谈" in {e.type for e in pipe.process(article + others).events}
