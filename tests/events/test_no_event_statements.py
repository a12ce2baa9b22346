"""Generic statements that tell no event (issue 7, tenth round), judged with the rules alone.

The sentence classifier already vetoes most of these; the rules must not depend on it, since a
document where it does not would be a false positive. Each case is paired with the same trigger
telling a real event, so that the rule is seen to remove only the statement.
"""

from __future__ import annotations

from pipeline.core import Pipeline
from tests.events.conftest import event_types


def test_a_shareholders_short_name_ending_in_touzi_is_no_financing(rules_only: Pipeline) -> None:
    # The NER misses such names; what follows them (、, 持有, 已, 通知, （) is no object of an investment.
    assert "企业融资" not in event_types(
        rules_only, "英飞特晚间公告，合计持股15.61%股东华睿泰信、尚志投资、尚全投资拟6个月内合计减持不超过9.3%。"
    )
    assert "企业融资" not in event_types(rules_only, "本次增持后，天亿投资持有富奥股份331,495,386股股份。")
    assert "企业融资" in event_types(rules_only, "红杉资本向字节跳动投资30亿美元。")


def test_a_financing_plan_is_no_financing(rules_only: Pipeline) -> None:
    plan = "福建水泥股份有限公司关于2020年度向实际控制人及其关联方融资计划公告的更正公告"
    assert "企业融资" not in event_types(rules_only, plan)
    assert "企业融资" in event_types(rules_only, "福建水泥股份有限公司完成5亿元B轮融资")


def test_a_pledges_repurchase_and_a_funds_units_are_no_buyback(rules_only: Pipeline) -> None:
    assert "股份回购" not in event_types(
        rules_only, "宋都控股将其持有的部分公司股票办理了股票质押式回购交易购回5000万股。"
    )
    assert "股份回购" not in event_types(rules_only, "北京泓钧以1000万元回购优先级和中间级合伙人的合伙份额。")
    assert "股份回购" in event_types(rules_only, "北京泓钧以1000万元回购公司股份100万股。")


def test_a_pledges_risk_status_is_no_pledge(rules_only: Pipeline) -> None:
    assert "质押" not in event_types(rules_only, "伟星新材：控股股东质押处于安全区域")
    assert "质押" in event_types(rules_only, "伟星新材：控股股东质押1000万股")


def test_a_pledges_term_and_its_risk_are_no_release(rules_only: Pipeline) -> None:
    term = "股东陈东将持有的部分股份质押1,390万股股份，质押日期为2019年08月12日至办理解除质押登记手续之日。"
    assert "解除质押" not in event_types(rules_only, term)
    assert "解除质押" not in event_types(rules_only, "拉夏贝尔控股股东未能采取有效化解质押风险的措施，涉及1.4亿股。")
    assert "解除质押" in event_types(rules_only, "股东陈东将持有的部分股份1,390万股办理了解除质押登记手续。")


def test_a_hardship_is_no_bankruptcy(rules_only: Pipeline) -> None:
    assert "企业破产" not in event_types(rules_only, "恒大集团面临破产困境")
    assert "企业破产" not in event_types(rules_only, "恒大集团面临马上要破产的时候。")
    assert "企业破产" in event_types(rules_only, "恒大集团面临破产")


def test_something_already_listed_is_no_listing(rules_only: Pipeline) -> None:
    assert "公司上市" not in event_types(rules_only, "双成药业4个已上市多肽产品销售额为1亿元。")
    assert "公司上市" in event_types(rules_only, "双成药业股份有限公司今日在深交所上市，发行价为10元。")


def test_a_pledges_default_or_loan_is_no_pledge(rules_only: Pipeline) -> None:
    default = "西藏金宝藏因质押股份违约，于2020年7月6日至7月14日累计被动减持公司股份500万股。"
    assert "质押" not in event_types(rules_only, default)
    assert "质押" not in event_types(rules_only, "东土科技控股股东为偿还股票质押贷款，计划减持公司股份1000万股。")
    assert "质押" in event_types(rules_only, "控股股东将1000万股质押给中信证券。")


def test_a_rating_of_increase_is_no_purchase(rules_only: Pipeline) -> None:
    assert "股东增持" not in event_types(rules_only, "东正金融被摩根士丹利大幅下调目标价，投资评级为增持。")
    assert "股东增持" in event_types(rules_only, "高瓴资本增持东正金融500万股。")
