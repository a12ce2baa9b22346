"""Rule-based organisations, persons and products (the ``entities`` stage, rules only)."""

from __future__ import annotations

from collections import defaultdict

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.core import Pipeline
from pipeline.records import Document, OrgValue, PersonValue, ProductValue
from pipeline.rulebook.loader import load_rulebook
from pipeline.rulebook.schemas.entities import (
    GazetteerEntry,
    GazetteerFile,
    OrgPatternsFile,
    PersonsFile,
    ProductsFile,
)
from pipeline.stages.entities import Gazetteer, PersonFinder, SuffixOrgFinder, TokenIndex
from pipeline.stages.segment import Segmenter, lexicon_words, split_words

# Every organisation and person the issue names in the seed article (canonical names).
SEED_ORGS = {
    "智谱AI", "北京证监局", "清华大学", "字节跳动", "阿里巴巴", "腾讯", "DeepSeek", "杭州城投", "京西智谷",
    "浦东创投集团", "张江集团", "百度智能云", "科大讯飞", "火山引擎", "阿里云", "零一万物", "MiniMax",
    "百川智能", "月之暗面", "OpenAI", "商汤科技", "旷视科技", "金蝶", "用友",
}  # fmt: skip
SEED_ALIASES = {"智谱", "智普", "清华", "字节", "阿里"}
SEED_PERSONS = {"张鹏", "张帆", "魏伟", "洪涛", "戴宗宏", "李先刚", "黄文灏"}


@pytest.fixture(scope="module")
def rules_pipe() -> Pipeline:
    return Pipeline.build(ner=False)


@pytest.fixture(scope="module")
def seed_rules(rules_pipe: Pipeline, seed_bytes: bytes) -> Document:
    return rules_pipe.process(seed_bytes, doc_date="2025-11-20")


def _found(doc: Document, label: str) -> list[tuple[str, object]]:
    return [(m.text, m.value) for m in doc.mentions if m.label == label]


def test_gazetteer_aliases_are_unique_and_parents_known() -> None:
    gazetteer = load_rulebook([]).get("gazetteer")
    assert isinstance(gazetteer, GazetteerFile)
    assert len(gazetteer.entries) >= 500
    owners: dict[str, set[str]] = defaultdict(set)
    for entry in gazetteer.entries:
        for alias in (entry.name, *entry.aliases):
            owners[alias].add(entry.name)
    assert {a: o for a, o in owners.items() if len(o) > 1} == {}
    names = {e.name for e in gazetteer.entries}
    assert {e.parent for e in gazetteer.entries if e.parent and e.parent not in names} == set()
    assert set(gazetteer.ambiguous) <= set(owners)
    assert names >= SEED_ORGS


def test_seed_article_rules_find_every_organisation_and_person(seed_rules: Document) -> None:
    orgs = _found(seed_rules, "ORG")
    canonical = {v.name for _t, v in orgs if isinstance(v, OrgValue)}
    assert canonical >= SEED_ORGS
    assert {t for t, _v in orgs} >= SEED_ALIASES
    persons = {v.name for _t, v in _found(seed_rules, "PERSON") if isinstance(v, PersonValue)}
    assert persons >= SEED_PERSONS


def test_seed_article_products_are_never_org(seed_rules: Document) -> None:
    products = load_rulebook([]).get("products")
    assert isinstance(products, ProductsFile)
    product_names = {alias for e in products.entries for alias in (e.name, *e.aliases)}
    org_texts = {t for t, _v in _found(seed_rules, "ORG")}
    assert org_texts.isdisjoint(product_names)
    found = {t: v for t, v in _found(seed_rules, "PRODUCT")}
    for name in ("GLM-4", "ChatGLM-6B", "GLM-4.1V-9B-Base", "智谱清言", "豆包", "Kimi", "通义千问"):
        assert name in found, name
        assert isinstance(found[name], ProductValue) and found[name].org is not None  # type: ignore[union-attr]


def test_titles_link_person_to_organisation(seed_rules: Document) -> None:
    persons = {v.name: v for _t, v in _found(seed_rules, "PERSON") if isinstance(v, PersonValue)}
    assert persons["魏伟"] == PersonValue("魏伟", "商业化合伙人兼副总裁", "MiniMax")
    assert persons["张鹏"].title == "CEO"


@pytest.mark.parametrize(
    ("text", "span", "name", "kind"),
    [
        ("7月，浦北创新集团和张南集团联合投资10亿元。", "浦北创新集团", "浦北创新集团", "company"),
        ("宁波市中级人民法院裁定受理", "宁波市中级人民法院", "宁波市中级人民法院", "government"),
        ("公司收到湖南证监局出具的警示函", "湖南证监局", "湖南证监局", "government"),
        ("阿里巴巴集团今天发布财报", "阿里巴巴集团", "阿里巴巴", "company"),
        ("本轮由红杉中国领投，高瓴跟投", "红杉中国", "红杉中国", "fund"),
        ("他在上交所敲钟", "上交所", "上海证券交易所", "exchange"),
        ("美国财政部宣布新的制裁措施", "美国财政部", "美国财政部", "government"),  # not China's 财政部
        ("中国财政部发布公告", "中国财政部", "财政部", "government"),
        ("本轮由华南星河资本领投", "华南星河资本", "华南星河资本", "fund"),
        ("公司控股股东盛洋电器及实际控制人之一叶利明", "盛洋电器", "盛洋电器", "company"),
        ("公司近日与全志科技签署合作协议", "全志科技", "全志科技", "company"),
    ],
)
def test_organisations(rules_pipe: Pipeline, text: str, span: str, name: str, kind: str) -> None:
    doc = rules_pipe.process(text)
    found = {m.text: m.value for m in doc.mentions if m.label == "ORG"}
    assert span in found
    value = found[span]
    assert isinstance(value, OrgValue) and (value.name, value.type) == (name, kind)


@pytest.mark.parametrize(
    "text",
    [
        "这将有助于维护银行体系的稳定",  # a verb is not a name
        "固定资产投资增速回落",  # 产投 ends inside 投资
        "2009年银行业利润大增",  # a year is not a name
        "许多大型银行收紧了信贷",  # quantity and size words
        "在风投资本趋于谨慎的背景下",
        "杭州、珠海、成都等地城投/国企相继投资",
        "我们去阿里山旅游",
        "要把智力看成一种资本",  # common nouns only
        "组建大型企业集团",
        "记者致电主要银行",
        "民政部门都作出审核意见后",  # 民政部 ends inside 部门 (departments)
        "培训以军事高科技为重点",  # 科技 inside the word 高科技
        "据美国科技媒体报道",  # a country's firms
        "令香港科技企业界无不欢呼雀跃",  # a place's firms
        "当前新一轮科技革命正在重塑全球产业",
    ],
)
def test_not_organisations(rules_pipe: Pipeline, text: str) -> None:
    assert _found(rules_pipe.process(text), "ORG") == []


@pytest.mark.parametrize(
    ("text", "name", "title"),
    [
        # 萧, 傅, 阎, 赖: surnames the training data's names start with (傅 44 times) that the list lacked.
        ("委任萧颕洁为公司秘书", "萧颕洁", "秘书"),
        ("董事会同意聘任傅军民为公司副总经理", "傅军民", "副总经理"),
        ("由副总裁阎庆民负责", "阎庆民", "副总裁"),
        # A form of address between the appointee and 为 (filings of Hong Kong companies).
        ("委任萧颕洁女士为公司秘书，自2020年5月11日起生效", "萧颕洁", "秘书"),
        ("董事会同意聘任赖伟行先生为公司总经理", "赖伟行", "总经理"),
        ("委任陈丽华女士为公司秘书", "陈丽华", "秘书"),
    ],
)
def test_appointed_and_titled_persons(rules_pipe: Pipeline, text: str, name: str, title: str) -> None:
    persons = {v.name: v for _t, v in _found(rules_pipe.process(text), "PERSON") if isinstance(v, PersonValue)}
    assert name in persons
    assert persons[name].title == title


@pytest.mark.parametrize(
    "text",
    ["他和一批同事离开", "主任都遭到批评", "朱博士表示赞同", "但她认为不妥", "董事长曾经表示反对"],
)
def test_not_persons(rules_pipe: Pipeline, text: str) -> None:
    assert _found(rules_pipe.process(text), "PERSON") == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("承办方富龙集团董事长王诚王总，有请", "王诚"),  # 王总 is how he is addressed
        ("总经理王小明总结了经验", "王小明"),  # 总结 is a word, not 王总
        ("董事长张小明先生致辞", "张小明"),  # 先生 follows full names
    ],
)
def test_person_name_stops_before_a_form_of_address(rules_pipe: Pipeline, text: str, name: str) -> None:
    assert [span for span, _value in _found(rules_pipe.process(text), "PERSON")] == [name]


def test_ambiguous_alias_needs_an_unambiguous_mention(rules_pipe: Pipeline) -> None:
    assert _found(rules_pipe.process("这是属于大家的荣耀"), "ORG") == []
    doc = rules_pipe.process("荣耀终端发布新机，荣耀称销量翻倍")
    assert [v.name for _t, v in _found(doc, "ORG") if isinstance(v, OrgValue)] == ["荣耀", "荣耀"]


def test_gazetteer_automaton_handles_many_entries() -> None:
    """Functional check at 2*10^4 entries (the speed check at 10^5 is benchmarks/gazetteer_scale.py)."""
    entries = [GazetteerEntry(name=f"测{i:05d}号科技", aliases=[f"测{i:05d}号"], type="company") for i in range(20000)]
    gazetteer = Gazetteer(GazetteerFile(kind="gazetteer", entries=entries))
    text = "据报道，测01234号科技与测19999号签约"
    rulebook = load_rulebook([])
    tokens = Segmenter(lexicon_words(rulebook), split_words(rulebook)).tokens(text)
    hits = gazetteer.find(text, TokenIndex.build(tokens))
    names = sorted({c.value.name for c in hits if isinstance(c.value, OrgValue)})
    assert names == ["测01234号科技", "测19999号科技"]


def test_seed_article_with_model(pipe: Pipeline, seed_bytes: bytes) -> None:
    """Rules and model together still find every name, and the model never turns a product into an ORG."""
    doc = pipe.process(seed_bytes, doc_date="2025-11-20")
    orgs = {m.value.name for m in doc.mentions if m.label == "ORG" and isinstance(m.value, OrgValue)}
    persons = {m.value.name for m in doc.mentions if m.label == "PERSON" and isinstance(m.value, PersonValue)}
    assert orgs >= SEED_ORGS
    assert persons >= SEED_PERSONS
    products = {m.text for m in doc.mentions if m.label == "PRODUCT"}
    org_texts = {m.text for m in doc.mentions if m.label == "ORG"}
    assert org_texts.isdisjoint(products)
    for name in ("GLM-4", "智谱清言", "豆包", "Kimi", "通义千问", "ChatGLM-6B"):
        assert name in products and name not in org_texts


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="张三李四王五、等 。和a1", max_size=40))
def test_name_list_scan_finds_what_the_plain_pattern_finds(text: str) -> None:
    # The name-list pattern is guarded so that it tries one start per run of Han characters;
    # the guard must not change a match of the pattern as first written.
    from pipeline.stages.entities import PersonFinder

    plain = regex.compile(r"((?:\p{Han}+\s*、\s*)+\p{Han}{2,4})\s*等")
    guarded = PersonFinder(None).name_list
    assert [(m.span(), m.span(1)) for m in guarded.finditer(text)] == [
        (m.span(), m.span(1)) for m in plain.finditer(text)
    ]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("格隆汇9月20日丨万里石(002785.SZ)公布", "万里石"),
        ("智通财经APP获悉，中集车辆(01839.HK)公告", "中集车辆"),
        ("每经AI快讯，侨银环保（SZ 002973，收盘价：20元）", "侨银环保"),
        ("原标题：金力泰(5.280,-0.18,-3.30%)：控股股东质押", "金力泰"),
        ("来源：经济导报 鲁银投资(600784)8日晚间公告", "鲁银投资"),
        ("挖贝网10月17日，新天科技（证券代码：300259）近日中标", "新天科技"),
        ("这意味着大股东Liberty Global(LBTYA.US)已经将其所持股份货币化", "Liberty Global"),
        ("中标5.65亿元工程项目宏润建设(002062)10月30日晚间公告", "宏润建设"),
        ("PPF集团收购Central European Media Enterprises(CETV.US) 95%股份", "Central European Media Enterprises"),
    ],
)
def test_a_name_before_its_stock_code_is_a_listed_company(rules_pipe: Pipeline, text: str, name: str) -> None:
    doc = rules_pipe.process(text)
    assert (name, "rule:orgs.ticker") in [(m.text, m.source) for m in doc.mentions if m.label == "ORG"]


@pytest.mark.parametrize("text", ["北京奥运会(2008)开幕", "公司(600000)公告", "历任建设银行(6.150,0.01,0.16%)河南分行"])
def test_no_ticker_name_from_years_common_words_or_titles(rules_pipe: Pipeline, text: str) -> None:
    doc = rules_pipe.process(text)
    assert [m.text for m in doc.mentions if m.label == "ORG" and not text.startswith(m.text, m.start)] == []
    assert [m.text for m in doc.mentions if m.text in ("2008", "公司") or m.text.startswith("历任")] == []


def test_a_company_office_is_not_an_organisation_of_its_own(rules_pipe: Pipeline) -> None:
    doc = rules_pipe.process("西南证券办公室李主任表示，证监会办公室已收到材料")
    assert [m.text for m in doc.mentions if m.label == "ORG"] == ["西南证券", "证监会办公室"]  # a body's office stays


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("来源：挖贝网 挖贝网10月17日，新天科技中标", ("挖贝网", "media")),
        ("鲁银投资减持。\n来源：经济导报\n", ("经济导报", "media")),
        ("来源：视觉中国\n下一段", ("视觉中国", "company")),
        ("来源：公司公告\n", None),  # common words
        ("来源：本报\n", None),
        ("来源:深交所尴尬的是,这个项目", None),  # the name runs on into the text
    ],
)
def test_the_outlet_of_a_source_line_is_an_organisation(
    rules_pipe: Pipeline, text: str, found: tuple[str, str] | None
) -> None:
    doc = rules_pipe.process(text)
    bylines = [(m.text, m.value.type) for m in doc.mentions if m.source == "rule:orgs.byline"]  # type: ignore[union-attr]
    assert bylines == ([found] if found else [])


def test_dictionary_word_tags_are_the_table_jieba_posseg_reads() -> None:
    import jieba
    import jieba.posseg

    from pipeline.stages.entities import dictionary_word_tags

    assert dictionary_word_tags() == dict(jieba.posseg.POSTokenizer(jieba.Tokenizer()).word_tag_tab)


def _suffix_finder() -> SuffixOrgFinder:
    patterns = load_rulebook([]).get("org_patterns")
    assert isinstance(patterns, OrgPatternsFile)
    return SuffixOrgFinder(patterns, Gazetteer(None), {})


def _person_finder() -> PersonFinder:
    persons = load_rulebook([]).get("persons")
    assert isinstance(persons, PersonsFile)
    return PersonFinder(persons)


SUFFIX_FINDER = _suffix_finder()
PERSON_FINDER = _person_finder()
SUFFIX_CHARS = "".join(sorted({ch for suffix, _rule in SUFFIX_FINDER.suffixes for ch in suffix}))
TITLE_CHARS = "".join(sorted({ch for title in PERSON_FINDER.title_rule for ch in title}))


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=SUFFIX_CHARS + "中国的 a", max_size=60))
def test_suffix_matches_are_the_pattern_matches(text: str) -> None:
    # The automaton stands in for the alternation of every suffix: same spans, same order.
    expected = [(m.start(), m.end(), m.group()) for m in SUFFIX_FINDER.pattern.finditer(text)]
    assert SUFFIX_FINDER.suffix_matches(text) == expected


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=TITLE_CHARS + "原前现任时新候兼、及和/ 张伟a", max_size=60))
def test_title_chains_are_the_pattern_matches(text: str) -> None:
    # The chain pattern is tried only where a title or prefix starts: the matches finditer gives.
    expected = [m.span() for m in PERSON_FINDER.title_chain.finditer(text)]
    assert [m.span() for m in PERSON_FINDER.title_chains(text)] == expected
