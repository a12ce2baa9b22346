"""Argument choices that hold whatever the models say (issue 7: argument precision)."""

from __future__ import annotations

import pytest

from pipeline.core import Pipeline
from pipeline.events.extractor import _only_compared


@pytest.fixture(scope="module")
def with_models() -> Pipeline:
    """The default pipeline, models included: for choices the role model makes."""
    return Pipeline.build()


def _values(pipe: Pipeline, text: str, event_type: str, role: str) -> list[str]:
    return [a.text for e in pipe.process(text).events if e.type == event_type for a in e.arguments if a.role == role]


def test_the_whole_share_capital_is_no_quantity_bought_back(rules_only: Pipeline) -> None:
    # 公司股份总数由X减少为Y: the company's share capital before and after, not the shares bought back.
    text = "华发股份公告，公司已回购股份1000万股。回购完成后，公司股份总数由244,152,600股减少为243,993,800股。"
    assert _values(rules_only, text, "股份回购", "回购股份数量") == ["1000万股"]
    # The event's own total (本次回购股份总数为) is its quantity.
    own = "华发股份公告，公司本次回购股份总数为1,523,685股，占公司总股本的0.56%。"
    assert _values(rules_only, own, "股份回购", "回购股份数量") == ["1,523,685股"]
    # A ratio to the share capital in a closed aside does not reach the quantity after it.
    aside = "华发股份公告，持有公司股份470.33万股（占本公司总股本比例3.03%）的股东华发集团拟减持数量不超过470.33万股。"
    assert _values(rules_only, aside, "股东减持", "交易股票/股份数量") == ["不超过470.33万股"]


def test_a_latin_script_company_after_the_verb_is_the_target(rules_only: Pipeline) -> None:
    # events.filler.latin_target: foreign names the NER misses or cuts at the first space.
    cases = {
        "微软宣布以1亿美元收购BlueTalon，增强云计算数据类服务。": "BlueTalon",
        "特斯拉收购了一家自动化生产公司Compass Automation。": "Compass Automation",
        "伊顿公司完成收购Innovative Switchgear Solutions，交易金额未披露。": "Innovative Switchgear Solutions",
    }
    for text, target in cases.items():
        assert _values(rules_only, text, "企业收购", "被收购方") == [target]


def test_a_news_outlet_takes_part_in_no_event(rules_only: Pipeline) -> None:
    # The outlet that reports (路透社, 财华社讯) is no buyer, even as the document's most named organisation.
    text = "路透社报道，路透社获悉，公司以12亿美元收购了字节跳动。"
    assert _values(rules_only, text, "企业收购", "收购方") == []
    assert _values(rules_only, text, "企业收购", "被收购方") == ["字节跳动"]
    wire = "财华社讯：回购4.2万股\n财华社讯，据财华社报道，公司于9月4日耗资86.2万港元回购4.2万股。"
    assert _values(rules_only, wire, "股份回购", "回购方") == []
    assert _values(rules_only, "腾讯以12亿美元收购了字节跳动。", "企业收购", "收购方") == ["腾讯"]


def test_an_organisation_the_rules_type_as_media_takes_part_in_no_event(rules_only: Pipeline) -> None:
    # 格隆汇 (gazetteer type media) and 挖贝网 on a source line (rule:orgs.byline, media ending
    # 网) are not named like 路透社 or 证券报, but the rules know them as outlets.
    text = "格隆汇9月20日丨格隆汇获悉，公司以12亿美元收购了字节跳动。"
    assert _values(rules_only, text, "企业收购", "收购方") == []
    byline = "侨银环保中标城市环卫项目，中标金额1.2亿元。\n来源：挖贝网\n挖贝网获悉，挖贝网中标金额为1.2亿元。"
    assert "挖贝网" not in _values(rules_only, byline, "中标", "中标公司")


def test_an_outlet_named_by_its_ending_is_media_and_takes_part_in_no_event(rules_only: Pipeline) -> None:
    # type_suffixes.media (…财经, …新闻): outlets no gazetteer lists, found by the NER model or on a
    # source line, are typed media by their ending and so fill no role.
    for outlet in ("新华财经", "阿思达克财经新闻"):
        text = f"据{outlet}报道，{outlet}获悉，公司以12亿美元收购了字节跳动。"
        record = rules_only.process(text)
        types = {m.value.type for m in record.mentions if m.label == "ORG" and m.text == outlet}  # type: ignore[union-attr]
        assert types == {"media"}, outlet
        assert outlet not in _values(rules_only, text, "企业收购", "收购方")
    byline = "中国天楹中标垃圾分类项目\n来源：云财经\n云财经讯，云财经获悉，中国天楹中标垃圾分类项目，中标金额1.2亿元。"
    assert "云财经" not in _values(rules_only, byline, "中标", "中标公司")


def test_a_pattern_found_name_with_an_outlets_ending_takes_part_in_no_event(rules_only: Pipeline) -> None:
    # A pattern filler is no mention: it is typed by org_patterns.yaml's endings like a model name.
    # 巨潮资讯网 (a disclosure site) taken by the announcer pattern is no buyer.
    site = "公司回购股份4.2万股，耗资86.2万港元，详见巨潮资讯网公告。"
    assert _values(rules_only, site, "股份回购", "回购方") == []
    # A newsletter's column name before the headline's colon (科技早报：) is no buyer either.
    column = "科技早报：字节跳动完成全资收购互动百科\n字节跳动完成全资收购互动百科，交易金额未披露。"
    assert "科技早报" not in _values(rules_only, column, "企业收购", "收购方")


def test_a_headline_figure_rounded_from_the_body_is_one_quantity(rules_only: Pipeline) -> None:
    # one_figure: the headline's 2.71万 is the body's 27,148 rounded; DuEE-fin writes the body's figure.
    buyback = "华发股份回购2.71万股\n华发股份公告，公司于9月4日回购27,148股，耗资86.2万港元。"
    assert _values(rules_only, buyback, "股份回购", "回购股份数量") == ["27,148股"]
    # Cut rather than rounded (19万 of 19.8万), or only written with fewer digits (5.9万, 5.90万).
    cut = "华发股份回购19万股\n华发股份公告，公司于9月4日回购19.8万股，耗资86.2万港元。"
    assert _values(rules_only, cut, "股份回购", "回购股份数量") == ["19.8万股"]
    zeros = "华发股份回购5.9万股\n华发股份公告，公司于9月4日回购5.90万股，耗资86.2万港元。"
    assert _values(rules_only, zeros, "股份回购", "回购股份数量") == ["5.90万股"]
    # A loss's mention may be signed (-147.04万元) where the argument is not.
    loss = "华发股份上半年净亏损147.04万元\n华发股份公告，公司上半年净亏损1,470,378.88元。"
    assert _values(rules_only, loss, "亏损", "净亏损") == ["1,470,378.88元"]
    # Two different figures both stay: 2.8万 is not 27,148 rounded.
    other = "华发股份回购2.8万股\n华发股份公告，公司于9月4日回购27,148股，耗资86.2万港元。"
    assert sorted(_values(rules_only, other, "股份回购", "回购股份数量")) == ["2.8万股", "27,148股"]


def test_a_headline_date_without_its_year_is_the_bodys_dated_one(rules_only: Pipeline) -> None:
    # The headline's 10月14日 and the body's 2019年10月14日 are one date; DuEE-fin writes the body's.
    buyback = "阳光控股10月14日斥22.65万港元回购16.1万股\n阳光控股公布，于2019年10月14日斥资22.65万港元回购16.1万股。"
    assert _values(rules_only, buyback, "股份回购", "回购完成时间") == ["2019年10月14日"]
    # Zero-padded in the body (2019年09月04日) it is still the headline's 9月4日.
    padded = "海尔电器9月4日耗资86.2万港元回购4.2万股\n海尔电器公布，2019年09月04日，公司耗资86.2万港元回购4.2万股。"
    assert _values(rules_only, padded, "股份回购", "回购完成时间") == ["2019年09月04日"]
    # Another day stays: 9月5日 is not 2019年9月4日 written without its year.
    other = "海尔电器9月5日耗资86.2万港元回购4.2万股\n海尔电器公布，2019年9月4日，公司耗资86.2万港元回购4.2万股。"
    assert sorted(_values(rules_only, other, "股份回购", "回购完成时间")) == ["2019年9月4日", "9月5日"]


def test_a_figure_per_share_is_no_total(rules_only: Pipeline) -> None:
    # one_figure roles are totals: a loss per share (每股亏损0.16美元, 基本每股收益亏损0.0792元/股) is no net loss.
    text = "德斯维尔下半年每股亏损0.16美元\n德斯维尔公布2020财年下半年业绩，净亏损1200万美元，每股亏损0.16美元。"
    assert _values(rules_only, text, "亏损", "净亏损") == ["1200万美元"]
    per_share = "华发股份公告，预计2020年上半年亏损1900万元~2400万元；基本每股收益亏损0.0792元/股~0.1元/股。"
    assert _values(rules_only, per_share, "亏损", "净亏损") == ["1900万元~2400万元"]
    # A price is left to the price role (每股交易价格 is no total), the total stays.
    price = "华发股份公告，公司回购股份100万股，每股价格20.45港元，耗资2045万港元。"
    assert _values(rules_only, price, "股份回购", "交易金额") == ["2045万港元"]
    assert _values(rules_only, price, "股份回购", "每股交易价格") == ["20.45港元"]


def test_one_reporting_period_is_written_once(rules_only: Pipeline) -> None:
    # 挖贝网's headline writes 2020年上半年, its body the report's 2020年半年度: one period (the two
    # drafts merge), and DuEE-fin writes the report's name (半年度 over 中期, 半年报 and 上半年).
    loss = "宏达矿业2020年上半年亏损480.33万\n宏达矿业近日发布2020年半年度报告，2020年半年度净亏损480.33万元。"
    events = [e for e in rules_only.process(loss).events if e.type == "亏损"]
    assert len(events) == 1
    assert _values(rules_only, loss, "亏损", "财报周期") == ["2020年半年度"]
    # A period without its year beside the same period with it is that one (前三季度, 2020年前三季度).
    nine = "华发股份2020年前三季度亏损2.1亿元\n华发股份公告，公司前三季度净亏损2.1亿元。"
    assert _values(rules_only, nine, "亏损", "财报周期") == ["2020年前三季度"]
    # Another year's half-year is another period: both stay.
    two = "宏达矿业2019年上半年亏损480.33万\n宏达矿业近日发布2020年半年度报告，2020年半年度净亏损480.33万元。"
    assert sorted(_values(rules_only, two, "亏损", "财报周期")) == ["2019年上半年", "2020年半年度"]


def test_a_ratio_of_the_whole_share_capital_is_no_ratio_of_the_holders_shares(with_models: Pipeline) -> None:
    # 占公司股份总数的9.27%: the ratio says what it is a ratio of. The role model takes it for the
    # pledger's (质押物占持股比); DuEE-fin files it as 质押物占总股比.
    text = (
        "银泰资源股份有限公司关于股东股权质押的公告\n"
        "2019年9月20日，公司接到股东王水通知，获悉王水所持有本公司的部分股份被质押。\n"
        "截至目前，王水持有公司312,138,102股，占公司股份总数的15.74%，累计质押股数183,945,998股，占公司股份总数的9.27%。"
    )
    assert _values(with_models, text, "质押", "质押物占持股比") == []
    assert "9.27%" in _values(with_models, text, "质押", "质押物占总股比")
    # A holder's ratio names the holder (占其直接持有公司股份总数的): it stays the holder's.
    held = "公司股东王水将其持有的1000万股质押给中信证券，占其所持股份的93.30%。"
    assert _values(with_models, held, "质押", "质押物占持股比") == ["93.30%"]


def test_a_release_notices_figures_go_to_the_type_their_sentence_tells(with_models: Pipeline) -> None:
    # The release (本次解除质押28,000,000股) and the pledges left (累计被质押198,220,000股): the role
    # model puts each figure in both events; each belongs to the type whose word precedes it.
    text = (
        "莱茵达体育发展股份有限公司关于公司股东部分股份解除质押的公告\n"
        "公司近日收到股东莱茵达控股集团有限公司的通知，获悉其所持有公司的部分股份已办理解除质押的手续。\n"
        "截至本公告披露日，莱茵达集团持有公司226,270,000股股份。本次解除质押28,000,000股，占其所持有公司股份的12.37%。"
        "其所持有公司股份累计被质押198,220,000股，占其所持公司股份总数的87.60%，占公司总股本的15.38%。"
    )
    pledged = _values(with_models, text, "质押", "质押股票/股份数量")
    assert "198,220,000" in pledged and "28,000,000" not in pledged
    assert "12.37%" not in _values(with_models, text, "质押", "质押物占持股比")
    assert _values(with_models, text, "解除质押", "质押股票/股份数量") == ["28,000,000"]
    # A word of the other type after the figure in its clause tells of it too: the figure stays in both.
    both = "东宝实业将质押给吉林银行的1554万股股份解除质押，并再质押给中信银行。"
    assert _values(with_models, both, "解除质押", "质押股票/股份数量") == ["1554万"]


def test_a_name_is_cut_from_what_is_said_of_it(rules_only: Pipeline) -> None:
    # The NER took the kind of business (直播电商平台) or the word before (据) into the name; the
    # article also writes the name alone, and DuEE-fin writes it alone.
    platform = (
        "直播电商平台生活有鱼完成数千万元A轮融资\n"
        "近日，直播电商平台生活有鱼完成数千万元A轮融资，由真格基金领投。生活有鱼成立于2019年。"
    )
    assert _values(rules_only, platform, "企业融资", "被投资方") == ["生活有鱼"]
    said = "据领益智造公告，公司拟以1亿元收购东莞盛翔精密金属有限公司100%股权。领益智造表示，此次收购有助于拓展业务。"
    assert _values(rules_only, said, "企业收购", "收购方") == ["领益智造"]
    # A name that only contains such a word, never written without it, stays whole.
    whole = "深圳市中小企业信用融资担保集团有限公司投资了云玖科技，完成A轮融资。"
    assert _values(rules_only, whole, "企业融资", "投资方") == ["深圳市中小企业信用融资担保集团有限公司"]


def test_a_post_of_a_career_history_is_not_the_executives_title(rules_only: Pipeline) -> None:
    # 此前，张伟相继卸任…执行董事: a post held before, told after a history word in its sentence;
    # DuEE-fin's 高管职位 is the post held when the change happens (监事 here).
    text = (
        "沃芽科技人员变更：张伟从监事中退出\n"
        "7月24日，沃芽科技发生主要人员变更，张伟从监事中退出，李娜接任。"
        "此前，张伟相继卸任华发科技有限公司法定代表人和执行董事。"
    )
    titles = _values(rules_only, text, "高管变动", "高管职位")
    assert "执行董事" not in titles and "监事" in titles
    # Without a history word the post is the event's own.
    plain = "华发科技公告，张伟卸任公司执行董事。"
    assert _values(rules_only, plain, "高管变动", "高管职位") == ["执行董事"]


def test_a_consortium_is_no_company_that_wins_a_bid(rules_only: Pipeline) -> None:
    # 公司组成的联合体成为…中标候选人: the NER tags 联合体 as an organisation; it names no company,
    # and the role left empty takes the document's subject (the company that announces).
    text = (
        "城发环境：联合体预中标城市环卫项目，投标报价约1000万元\n"
        "城发环境10月18日晚间发布公告称，公司组成的联合体成为郑州市上街区生活垃圾分拣中心建设运营项目的"
        "第一中标候选人。联合体投标总报价为1000.2096万元。"
    )
    winners = _values(rules_only, text, "中标", "中标公司")
    assert "联合体" not in winners and "城发环境" in winners


def test_a_comparison_period_is_a_period_only_when_its_clause_tells_the_event(with_models: Pipeline) -> None:
    # 上年同期净盈利302.88万元: last year's period is compared with, no loss was made in it.
    profit = (
        "中国金属利用：2019年半年度净亏损1319.48万元\n"
        "公司公告，2019年半年度归属于上市公司股东的净亏损为1319.48万元，上年同期净盈利302.88万元。"
    )
    assert set(_values(with_models, profit, "亏损", "财报周期")) == {"2019年半年度"}
    # 上年同期亏损486.03万元: a loss in that period too, which DuEE-fin writes.
    both = (
        "华发股份2020年第三季度亏损\n"
        "华发股份公告，2020年第三季度归属于上市公司股东的净亏损506万元–610万元，上年同期亏损486.03万元。"
    )
    assert set(_values(with_models, both, "亏损", "财报周期")) == {"2020年第三季度", "上年同期"}


def test_a_bare_year_is_its_annual_reports_period(rules_only: Pipeline) -> None:
    # The headline's 2019年 beside the body's 2019年年度: one period (the drafts merge), written as the
    # report names it, never the bare year.
    loss = "斯太尔2019年净亏损432.85万元\n斯太尔公告，2019年年度归属于上市公司股东的净亏损为432.85万元。"
    events = [e for e in rules_only.process(loss).events if e.type == "亏损"]
    assert len(events) == 1
    assert set(_values(rules_only, loss, "亏损", "财报周期")) == {"2019年年度"}
    # Another year stays another period.
    two = "斯太尔2018年净亏损432.85万元\n斯太尔公告，2019年年度归属于上市公司股东的净亏损为432.85万元。"
    assert set(_values(rules_only, two, "亏损", "财报周期")) == {"2018年", "2019年年度"}


def test_a_short_company_name_is_written_by_its_registered_name(rules_only: Pipeline) -> None:
    # The headline names the target short, the body writes its registered name (or defines the
    # short name after it): DuEE-fin writes the registered name.
    contained = (
        "科创新源拟6亿元收购东创精密\n"
        "科创新源公告，公司拟以6亿元收购东创精密，即购买深圳市东创精密技术有限公司100%股权。"
    )
    assert _values(rules_only, contained, "企业收购", "被收购方") == ["深圳市东创精密技术有限公司"]
    defined = (
        "铁流股份拟收购湖北三环\n"
        "铁流股份公告，公司拟以现金1.89亿元收购湖北三环离合器有限公司（下称“湖北三环”）100%股权。"
        "湖北三环2019年上半年营收3.3亿元。"
    )
    assert _values(rules_only, defined, "企业收购", "被收购方") == ["湖北三环离合器有限公司"]
    # A short name defined with its stock quote after it.
    quoted = (
        "中设集团中标生态治理项目\n"
        "近日，中设设计集团股份有限公司(简称：中设集团(12.090,-0.34,-2.74%)（603018）)发布公告，"
        "中设集团中标水环境生态治理项目，中标金额2.1亿元。"
    )
    assert _values(rules_only, quoted, "中标", "中标公司") == ["中设设计集团股份有限公司"]
    # Investors keep their brand (深创投), as DuEE-fin writes them.
    brand = (
        "云玖科技完成1亿元A轮融资\n"
        "本轮投资方深圳市创新投资集团有限公司（简称“深创投”）看好公司前景。云玖科技完成1亿元A轮融资，深创投领投。"
    )
    assert _values(rules_only, brand, "企业融资", "领投方") == ["深创投"]


def test_a_creditor_is_named_as_such(rules_only: Pipeline) -> None:
    # The parent company announcing its subsidiary's liquidation is no creditor of it.
    text = "安徽省皖北煤电集团有限责任公司公告，二级子公司安徽淮化股份有限公司破产清算。"
    assert _values(rules_only, text, "企业破产", "破产公司") == ["安徽淮化股份有限公司"]
    assert _values(rules_only, text, "企业破产", "债权人") == []
    cued = "法院裁定受理债权人铜陵市国发创业投资有限公司对安徽铜峰电子集团有限公司的破产清算申请。"
    assert _values(rules_only, cued, "企业破产", "债权人") == ["铜陵市国发创业投资有限公司"]


def test_a_bankruptcy_procedure_named_is_not_second_guessed(with_models: Pipeline) -> None:
    # 申请破产 and its kin are strong triggers: the sentence classifier (which reads this one as no
    # bankruptcy) does not veto them.
    text = (
        "比速科技：汽车发动机业务客户北汽银翔的破产申请已被提交\n"
        "比速科技公告，北汽银翔企业有限公司已于2019年9月10日申请破产。"
    )
    assert "企业破产" in {e.type for e in with_models.process(text).events}


def test_a_person_named_in_latin_script_is_taken_whole(rules_only: Pipeline) -> None:
    # events.filler.person_latin: the NER misses such names or cuts them at the first space.
    cases = {
        "华润啤酒公告，董事会委任Richard Raymond Weissend为非执行董事。": "Richard Raymond Weissend",
        "智利农业巨头爱阁食品宣布任命新的首席商务官Facundo Porolli。": "Facundo Porolli",
        "华润啤酒宣布，Rudolf Gijsbert Servaas van den Brink辞任公司非执行董事。": (
            "Rudolf Gijsbert Servaas van den Brink"
        ),
    }
    for text, name in cases.items():
        assert name in _values(rules_only, text, "高管变动", "高管姓名")


def test_a_shareholder_is_written_by_the_full_name_its_short_one_stands_for(rules_only: Pipeline) -> None:
    # A notice defines a short name (以下简称"北明控股") and tells the pledge with it: DuEE-fin writes the full one.
    defined = (
        "常山北明近日接到公司第二大股东北京北明伟业控股有限公司（以下简称“北明控股”）的通知。"
        "北明控股将其持有的5000万股股份质押给中信证券股份有限公司。"
    )
    assert _values(rules_only, defined, "质押", "质押方") == ["北京北明伟业控股有限公司"]
    sold = (
        "华发股份近日收到股东珠海华发投资控股集团有限公司（以下简称“华发控股”）的通知。"
        "华发控股于2019年6月3日减持公司股份100万股。"
    )
    assert _values(rules_only, sold, "股东减持", "减持方") == ["珠海华发投资控股集团有限公司"]
    # A pledge notice that shortens the holder's registered name without defining the short one.
    undefined = (
        "通化东宝公告，公司第一大股东东宝实业集团有限公司将1554万股股份解除质押。"
        "东宝集团将其持有的1412万股股份质押给吉林银行股份有限公司。"
    )
    assert _values(rules_only, undefined, "质押", "质押方") == ["东宝实业集团有限公司"]


def test_an_annual_period_is_written_as_the_report_the_text_names(rules_only: Pipeline) -> None:
    # 发布2019年年度报告: DuEE-fin's period of the loss is the report's name.
    named = "挖贝网 5月7日，穿越科技近日发布2019年年度报告，2019年年度公司实现归属于上市公司股东的净亏损792.34万元。"
    assert _values(rules_only, named, "亏损", "财报周期") == ["2019年年度报告"]
    # No report named: the period as written.
    plain = "斯太尔公告，2019年年度归属于上市公司股东的净亏损为432.85万元。"
    assert _values(rules_only, plain, "亏损", "财报周期") == ["2019年年度"]


def test_a_release_of_all_its_holders_pledges_is_no_pledge(rules_only: Pipeline) -> None:
    # 解除其全部质押: the holder's 其 inside the release verb; the 质押 in it pledges nothing.
    text = "塞力斯公告，实际控制人温伟先生本次解除其全部质押的有限售条件流通股6,000,000股，占公司总股本的2.92%。"
    types = {e.type for e in rules_only.process(text).events}
    assert "解除质押" in types and "质押" not in types


def test_a_loss_whose_only_period_is_a_comparison_is_the_reports_loss(rules_only: Pipeline) -> None:
    # 较上年同期由盈转亏: the trigger's draft has only the comparison period (and 上年同期为0.38元 gives the
    # other year's figure); it is no loss of its own but the report's.
    text = (
        "斯尔克2019年亏损432.85万元 较上年同期由盈转亏\n"
        "挖贝网 4月16日消息，斯尔克近日公布的2019年年度报告显示，归属于挂牌公司股东的净利润为-4,328,469.23元，"
        "较上年同期由盈转亏；基本每股收益为-0.04元，上年同期为0.38元。"
    )
    events = [e for e in rules_only.process(text).events if e.type == "亏损"]
    assert len(events) == 1
    assert "上年同期" not in _values(rules_only, text, "亏损", "财报周期")
    # A loss told in the comparison period (上年同期蚀992.4万元) is no mere comparison.
    assert _only_compared(text, "上年同期")
    assert not _only_compared("亏损扩大至1,411.1万元，上年同期蚀992.4万元。", "上年同期")
