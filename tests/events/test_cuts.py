"""Argument cuts the DuEE-fin way (issue 7, fourteenth round): what the fillers offer the roles."""

from __future__ import annotations

import pytest

from pipeline.core import Pipeline
from pipeline.events.extractor import EventExtractor


@pytest.fixture(scope="module")
def extractor(rules_only: Pipeline) -> EventExtractor:
    return EventExtractor.from_rulebook(rules_only.rulebook)


def _fillers(pipe: Pipeline, extractor: EventExtractor, text: str, label: str) -> list[str]:
    record = pipe.process(text)
    fillers, _boilerplate = extractor.document_fillers(record.text, record.mentions)
    return [f.text for f in fillers if f.label == label]


def _values(pipe: Pipeline, text: str, event_type: str, role: str) -> list[str]:
    return [a.text for e in pipe.process(text).events if e.type == event_type for a in e.arguments if a.role == role]


def test_a_price_per_share_with_an_escaped_slash_is_cut_without_it(
    rules_only: Pipeline, extractor: EventExtractor
) -> None:
    # The source escapes the slash (10.00元\/股): the unit goes with its backslash.
    text = "公司本次回购股份100万股，最高成交价为10.00元\\/股，最低成交价为9.50元\\/股，支付总金额1000万元。"
    amounts = _fillers(rules_only, extractor, text, "AMOUNT")
    assert "最高成交价为10.00元" in amounts and "最低成交价为9.50元" in amounts
    assert not [a for a in amounts if a.endswith("\\")]


def test_a_price_takes_its_label_with_its_verb_and_never_a_bare_one(
    rules_only: Pipeline, extractor: EventExtractor
) -> None:
    # 最高成交价为6.35元 keeps its label; 每股为0.026-0.027港元 has none: DuEE-fin writes the bare range.
    labelled = "公司本次回购股份100万股，最高成交价为人民币6.35元，支付总金额635万元。"
    assert "最高成交价为人民币6.35元" in _fillers(rules_only, extractor, labelled, "AMOUNT")
    bare = "中国智能健康公布，公司回购股份3885万股，每股价格为0.026-0.027港元，付出总额186.7万港元。"
    amounts = _fillers(rules_only, extractor, bare, "AMOUNT")
    assert "0.026-0.027港元" in amounts
    assert not [a for a in amounts if a.startswith("为")]


def test_a_special_treatment_name_keeps_its_star(rules_only: Pipeline, extractor: EventExtractor) -> None:
    text = "*ST利源公告，公司2019年度净亏损93.92亿元，较上年同期亏损增加。"
    orgs = _fillers(rules_only, extractor, text, "ORG")
    assert "*ST利源" in orgs and "ST利源" not in orgs
    assert _values(rules_only, text, "亏损", "公司名称") == ["*ST利源"]


def test_a_hong_kong_code_written_with_a_hyphen_ends_the_stock_name(
    rules_only: Pipeline, extractor: EventExtractor
) -> None:
    # 纵横游控股(08069-HK): the NER took 游控股; the name before the code is the stock name.
    text = "纵横游控股(08069-HK)公布，2019年第一季度净亏损约319.8万港元。"
    assert "纵横游控股" in _fillers(rules_only, extractor, text, "ORG")
    assert _values(rules_only, text, "亏损", "公司名称") == ["纵横游控股"]


def test_a_report_period_is_cut_without_the_word_report(rules_only: Pipeline, extractor: EventExtractor) -> None:
    # DuEE-fin writes 2020年半年度 for 发布2020年半年度报告.
    text = "宏达矿业近日发布2020年半年度报告，公司2020年半年度净亏损480.33万元。"
    dates = _fillers(rules_only, extractor, text, "DATE")
    assert "2020年半年度" in dates and "2020年半年度报告" not in dates


def test_a_loss_change_is_the_word_after_the_loss(rules_only: Pipeline) -> None:
    # 亏损减少 / 亏损程度有所增加 / 亏损大幅增加: DuEE-fin writes 减少, 增加, 大幅增加.
    cases = {
        "宏达矿业2020年上半年亏损480.33万亏损减少 营业成本下降": "减少",
        "嘉翔股份公告，公司2020年上半年净亏损79.18万元，较上年同期亏损程度有所增加。": "增加",
        "华发股份公告，公司2020年上半年净亏损55.9万美元，亏损大幅增加。": "大幅增加",
        "希慎兴业公告，公司2020年中期盈转亏，股东应占亏损26.26亿港元。": "盈转亏",
    }
    for text, change in cases.items():
        assert _values(rules_only, text, "亏损", "亏损变化") == [change], text


def test_the_investors_of_a_financings_list_are_fillers(rules_only: Pipeline, extractor: EventExtractor) -> None:
    # Funds and foreign investors the NER misses or cuts at a space (Artesian Capital Management gave Management).
    listed = "Coffee Exchange获投51万美元种子轮融资，该轮融资由SOSV（领投）、Artesian Capital Management（领投）投资。"
    orgs = _fillers(rules_only, extractor, listed, "ORG")
    assert "SOSV" in orgs and "Artesian Capital Management" in orgs
    named = "丰疆智能完成战略融资，投资方为腾讯投资、深创投。"
    assert {"腾讯投资", "深创投"} <= set(_fillers(rules_only, extractor, named, "ORG"))
    # 获X投资 (亿邦动力's notes): the investor, not 获投 (a round's sum follows that).
    got = "10月21日消息，EBANX获FTV Capital投资。"
    assert _values(rules_only, got, "企业融资", "投资方") == ["FTV Capital"]
    # A name ending in 投资 is cut whole: 盛宇投资等跟投 names 盛宇投资, not 盛宇.
    follow = "本轮投资由招银国际领投，盛宇投资等跟投。"
    orgs = _fillers(rules_only, extractor, follow, "ORG")
    assert "盛宇投资" in orgs and "盛宇" not in orgs
    # 战略投资方为主，资金为辅 (strategic investors first, money second) lists no investor: no financing.
    remark = "网易云音乐CEO：IPO和盈利已有内部时间表\n他表示，融资的话，战略投资方为主，资金为辅。"
    assert "资金为辅" not in _fillers(rules_only, extractor, remark, "ORG")


def test_a_board_is_no_title_and_a_financed_name_stops_before_its_adverb(
    rules_only: Pipeline, extractor: EventExtractor
) -> None:
    # 董事会同意…: the board, not a 董事 (the title pattern took 董事 out of 董事会).
    board = "华发科技公告，董事会同意聘任张伟为公司总经理。"
    assert "董事" not in _values(rules_only, board, "高管变动", "高管职位")
    # 十荟团已累计完成过亿美元融资: the company is 十荟团.
    total = "十荟团获阿里巴巴投资。此前，十荟团已累计完成过亿美元融资。"
    orgs = _fillers(rules_only, extractor, total, "ORG")
    assert "十荟团" in orgs and "十荟团已累计" not in orgs


def test_the_dateline_is_the_disclosure_date_of_an_event_without_one(rules_only: Pipeline) -> None:
    # 格隆汇 6月29日丨…公布: DuEE-fin takes the report's dateline as the pledge's 披露时间.
    dateline = (
        "盐湖股份控股股东质押8400万股\n格隆汇 6月29日丨盐湖股份公布，控股股东青海国投将其持有的8400万股质押给中信银行。"
    )
    assert set(_values(rules_only, dateline, "质押", "披露时间")) == {"6月29日"}
    # With 晚 attached, in a 披露日期 type (高管变动), after an outlet's lead.
    evening = "华发科技总经理变更\n新浪财经讯 8月14日晚，华发科技发布公告，董事会同意聘任张伟为公司总经理。"
    assert set(_values(rules_only, evening, "高管变动", "披露日期")) == {"8月14日晚"}
    # Not a date that tells an earlier notice (于…发布), nor one deep in its paragraph.
    earlier = (
        "盐湖股份控股股东质押8400万股\n盐湖股份于6月29日发布说明，控股股东青海国投将其持有的8400万股质押给中信银行。"
    )
    assert _values(rules_only, earlier, "质押", "披露时间") == []
    inside = (
        "盐湖股份控股股东质押8400万股\n"
        "市场人士认为，盐湖股份6月29日发布说明，控股股东青海国投将其持有的8400万股质押给中信银行。"
    )
    assert _values(rules_only, inside, "质押", "披露时间") == []
    # Nor a paragraph's date far into a long report: a dateline opens it.
    background = "市场人士认为，控股股东的股权质押比例仍处于行业较低水平，公司经营情况稳定。" * 9
    telling = "盐湖股份6月29日发布说明，控股股东青海国投将其持有的8400万股质押给中信银行。"
    deep = f"盐湖股份控股股东质押8400万股\n{background}\n{telling}"
    assert len(background) > 300
    assert _values(rules_only, deep, "质押", "披露时间") == []
