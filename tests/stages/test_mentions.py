"""The merge policy between rules and the model, and in-document name resolution."""

from __future__ import annotations

from itertools import pairwise

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.records import OrgValue, PersonValue, ProductValue
from pipeline.rulebook.loader import load_rulebook
from pipeline.stages.base import Candidate, Token, WorkDoc
from pipeline.stages.entities import NAME_TAGS
from pipeline.stages.mentions import (
    ALIAS_SOURCE,
    LIST_SOURCE,
    MentionsStage,
    ShortForms,
    TokenIndex,
    agree,
    find_all,
    merge_model,
    overlap_test,
    propagate_persons,
    settle_overlaps,
    short_forms_from,
    sure_names_from,
)
from pipeline.textutil import select_non_overlapping


@pytest.fixture(scope="module")
def stage() -> MentionsStage:
    return MentionsStage(short_forms_from(load_rulebook([])))


def _doc(text: str, candidates: list[Candidate], tokens: list[tuple[int, int]] | None = None) -> WorkDoc:
    doc = WorkDoc(raw=text, doc_id="t", text=text, candidates=candidates)
    doc.tokens = [Token(text[s:e], s, e) for s, e in tokens or []]
    return doc


def _span(text: str, part: str, nth: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = text.index(part, start + 1)
    return start, start + len(part)


def _org(
    text: str, part: str, source: str, name: str | None = None, priority: int = 3, conf: float = 0.95
) -> Candidate:
    s, e = _span(text, part)
    return Candidate("ORG", s, e, OrgValue(name or part, "company", part), source, priority, conf)


def test_agreement_raises_confidence_and_keeps_rule_value(stage: MentionsStage) -> None:
    text = "智谱向北京证监局提交备案"
    rule = _org(text, "智谱", "rule:orgs.gazetteer", name="智谱AI", conf=0.85)
    model = _org(text, "智谱", "model:ner", priority=1, conf=0.7)
    doc = _doc(text, [rule, model])
    stage(doc)
    (mention,) = doc.mentions
    assert mention.source == "rule:orgs.gazetteer"
    assert mention.value == OrgValue("智谱AI", "company", "智谱")
    assert mention.confidence == pytest.approx(agree(0.85, 0.7))
    assert mention.confidence > 0.85


def test_model_alone_fills_what_no_rule_found(stage: MentionsStage) -> None:
    text = "据悉，华南星海科技完成融资"
    doc = _doc(text, [_org(text, "华南星海科技", "model:ner", priority=1, conf=0.7)])
    stage(doc)
    assert [(m.text, m.source, m.confidence) for m in doc.mentions] == [("华南星海科技", "model:ner", 0.7)]


def test_product_is_never_org(stage: MentionsStage) -> None:
    text = "智谱清言的用户在下滑"
    s, e = _span(text, "智谱清言")
    product = Candidate("PRODUCT", s, e, ProductValue("智谱清言", "智谱AI"), "rule:products.gazetteer", 3, 1.0)
    model_same = Candidate("ORG", s, e, OrgValue("智谱清言", "company", "智谱清言"), "model:ner", 1, 0.7)
    model_longer = Candidate("ORG", s, e + 1, OrgValue("智谱清言的", "company", "智谱清言的"), "model:ner", 1, 0.7)
    for model in (model_same, model_longer):
        doc = _doc(text, [product, model])
        stage(doc)
        assert [(m.label, m.text) for m in doc.mentions] == [("PRODUCT", "智谱清言")]


def test_model_may_extend_a_known_name_and_legal_form_keeps_canonical(stage: MentionsStage) -> None:
    text = "清华大学出版社与腾讯公司签约"
    known_qh = _org(text, "清华大学", "rule:orgs.gazetteer")
    known_tx = _org(text, "腾讯", "rule:orgs.gazetteer")
    model_qh = _org(text, "清华大学出版社", "model:ner", priority=1, conf=0.7)
    model_tx = _org(text, "腾讯公司", "model:ner", priority=1, conf=0.7)
    doc = _doc(text, [known_qh, known_tx, model_qh, model_tx])
    stage(doc)
    values = {m.text: m.value for m in doc.mentions}
    assert set(values) == {"清华大学出版社", "腾讯公司"}
    assert isinstance(values["清华大学出版社"], OrgValue) and values["清华大学出版社"].name == "清华大学出版社"
    assert isinstance(values["腾讯公司"], OrgValue) and values["腾讯公司"].name == "腾讯"


def test_model_cannot_cut_across_a_known_name() -> None:
    text = "阿里巴巴集团发布财报"
    known = _org(text, "阿里巴巴集团", "rule:orgs.gazetteer", name="阿里巴巴")
    s, _e = _span(text, "巴集团发")
    model = Candidate("ORG", s, s + 4, OrgValue("巴集团发", "company", "巴集团发"), "model:ner", 1, 0.7)
    doc = _doc(text, [known, model])
    assert merge_model(doc, doc.candidates) == [known]


def test_model_loc_is_dropped_and_firm_rules_win_across_labels(stage: MentionsStage) -> None:
    text = "ToB则由原COO张帆负责，会议在天坛公园管理处举行"
    guess = _org(text, "天坛公园管理处", "rule:orgs.suffix.government", priority=1, conf=0.8)
    loc = Candidate("LOC", *_span(text, "天坛公园管理处"), None, "model:ner", 1, 0.7)
    title = "rule:persons.title.executive"
    person = Candidate("PERSON", *_span(text, "张帆"), PersonValue("张帆", "COO"), title, 2, 0.9)
    wrong = _org(text, "COO张帆", "model:ner", priority=1, conf=0.7)
    backing = _org(text, "天坛公园管理处", "model:ner", priority=1, conf=0.6)
    doc = _doc(text, [guess, loc, person, wrong, backing])
    stage(doc)
    assert [(m.label, m.text) for m in doc.mentions] == [("PERSON", "张帆"), ("ORG", "天坛公园管理处")]
    assert doc.mentions[1].source == "rule:orgs.suffix.government"


def test_model_sets_the_boundaries_of_suffix_guesses() -> None:
    text = "承办方富龙集团表示，犯罪集团已被打掉"
    wide = _org(text, "承办方富龙集团", "rule:orgs.suffix.company", priority=1, conf=0.8)
    kind = _org(text, "犯罪集团", "rule:orgs.suffix.company", priority=1, conf=0.8)
    known = _org(text, "富龙", "rule:orgs.gazetteer", priority=3)
    model = _org(text, "富龙集团", "model:ner", priority=1, conf=0.9)
    # The model's span replaces the wide guess; a guess the model has no reading of
    # stands (the rule's own examples must not depend on the model); gazetteer names
    # are never overruled (and the model's longer span settles that overlap later).
    doc = _doc(text, [wide, kind, known, model])
    merged = merge_model(doc, doc.candidates)
    assert sorted(doc.text[c.start : c.end] for c in merged) == ["富龙", "富龙集团", "犯罪集团"]
    # Without the model (rules only), the guesses stand.
    doc = _doc(text, [wide, kind, known])
    assert merge_model(doc, doc.candidates) == [wide, kind, known]


def test_short_forms_of_a_legal_name() -> None:
    forms = short_forms_from(load_rulebook([])).of("深圳市腾云信息技术股份有限公司")
    assert "腾云信息技术" in forms and "腾云" in forms
    assert "深圳" not in forms and "深圳市" not in forms
    assert "腾云信息" in forms
    assert ShortForms(None, None).of("腾云科技") == []  # no rules, no short forms


def test_alias_resolution_within_a_document(stage: MentionsStage) -> None:
    text = "深圳市腾云信息技术股份有限公司今日公告。腾云信息表示，腾云将扩产。"
    full = _org(text, "深圳市腾云信息技术股份有限公司", "rule:orgs.suffix.company_legal", priority=1, conf=0.8)
    tokens = [_span(text, "腾云信息", 1), _span(text, "腾云", 2)]
    doc = _doc(text, [full], tokens=tokens)
    stage(doc)
    found = [(m.text, m.value.name, m.source) for m in doc.mentions]  # type: ignore[union-attr]
    assert found == [
        ("深圳市腾云信息技术股份有限公司", "深圳市腾云信息技术股份有限公司", "rule:orgs.suffix.company_legal"),
        ("腾云信息", "深圳市腾云信息技术股份有限公司", ALIAS_SOURCE),
        ("腾云", "深圳市腾云信息技术股份有限公司", ALIAS_SOURCE),
    ]


def test_short_alias_needs_word_boundaries(stage: MentionsStage) -> None:
    text = "深圳市腾云信息技术股份有限公司与腾云端公司"
    full = _org(text, "深圳市腾云信息技术股份有限公司", "rule:orgs.suffix.company_legal", priority=1, conf=0.8)
    doc = _doc(text, [full], tokens=[_span(text, "腾云端", 0)])
    stage(doc)
    assert [m.text for m in doc.mentions] == ["深圳市腾云信息技术股份有限公司"]


def test_rule_names_are_found_where_written_bare_and_model_names_are_not(stage: MentionsStage) -> None:
    text = "中集车辆(01839.HK)公告。截至发稿，中集车辆涨6%，泰禾红御跌2%。泰禾红御回应。"
    ticker = _org(text, "中集车辆", "rule:orgs.ticker", priority=3, conf=0.9)
    model = _org(text, "泰禾红御", "model:ner", priority=1, conf=0.9)
    doc = _doc(text, [ticker, model], tokens=[_span(text, "中集车辆", 1), _span(text, "泰禾红御", 1)])
    stage(doc)
    found = [(m.text, m.start, m.source) for m in doc.mentions]
    assert found == [
        ("中集车辆", 0, "rule:orgs.ticker"),
        ("中集车辆", _span(text, "中集车辆", 1)[0], ALIAS_SOURCE),
        ("泰禾红御", _span(text, "泰禾红御")[0], "model:ner"),
    ]


def test_model_reading_inside_a_rule_name_gives_way_to_it(stage: MentionsStage) -> None:
    text = "万润股份(002643.SZ)公告。鲁银投资减持万润股份股票，万润股份有限公司未回应。"
    ticker = _org(text, "万润股份", "rule:orgs.ticker", priority=3, conf=0.9)
    inside = Candidate("ORG", *_span(text, "万润", 1), OrgValue("万润", "company", "万润"), "model:ner", 1, 0.87)
    across = _org(text, "万润股份有限公司", "model:ner", priority=1, conf=0.8)
    doc = _doc(text, [ticker, inside, across], tokens=[_span(text, "万润股份", 1)])
    stage(doc)
    found = [(m.text, m.start, m.source) for m in doc.mentions]
    assert found == [
        ("万润股份", 0, "rule:orgs.ticker"),
        ("万润股份", _span(text, "万润股份", 1)[0], ALIAS_SOURCE),
        ("万润股份有限公司", _span(text, "万润股份有限公司")[0], "model:ner"),
    ]


def test_short_form_takes_a_legal_form_after_it_but_not_another_industry(stage: MentionsStage) -> None:
    text = "安徽淮化股份有限公司破产。去年淮化股份亏损，盛洋科技称，盛洋电器与盛洋合作。"
    full = _org(text, "安徽淮化股份有限公司", "rule:orgs.suffix.company_legal", priority=1, conf=0.8)
    listed = _org(text, "盛洋科技", "rule:orgs.ticker", priority=3, conf=0.9)
    tokens = [_span(text, "淮化", 1), _span(text, "股份", 1), _span(text, "盛洋", 1), _span(text, "电器")]
    tokens += [_span(text, "盛洋", 2)]
    doc = _doc(text, [full, listed], tokens=sorted(tokens))
    stage(doc)
    found = [(m.text, m.value.name) for m in doc.mentions]  # type: ignore[union-attr]
    assert found == [
        ("安徽淮化股份有限公司", "安徽淮化股份有限公司"),
        ("淮化股份", "安徽淮化股份有限公司"),
        ("盛洋科技", "盛洋科技"),
        ("盛洋", "盛洋科技"),
    ]


def test_person_later_mentions_carry_the_title(stage: MentionsStage) -> None:
    text = "CEO张鹏主导。后来张鹏离职。"
    first = _span(text, "张鹏")
    cand = Candidate("PERSON", *first, PersonValue("张鹏", "CEO", "智谱AI"), "rule:persons.title.executive", 2, 0.9)
    model = Candidate("PERSON", *_span(text, "张鹏", 1), PersonValue("张鹏"), "model:ner", 1, 0.7)
    doc = _doc(text, [cand, model], tokens=[first, _span(text, "张鹏", 1)])
    stage(doc)
    assert [m.value for m in doc.mentions] == [PersonValue("张鹏", "CEO", "智谱AI")] * 2


def _tokens(text: str, words: str) -> list[tuple[int, int]]:
    """Token spans of ``text`` cut where ``words`` has spaces."""
    out, pos = [], 0
    for word in words.split():
        start = text.index(word, pos)
        out.append((start, start + len(word)))
        pos = start + len(word)
    return out


@pytest.mark.parametrize(
    ("text", "words", "org", "expected"),
    [
        ("福州市公安局经侦支队在南京", "福州市 公安局 经侦 支队 在 南京", "福州市公安局", "福州市公安局经侦支队"),
        ("西城工商分局经检科接到举报", "西城 工商分局 经检科 接到 举报", "西城工商分局", "西城工商分局经检科"),
        ("北约处于意见纷纭的状态", "北约 处于 意见 纷纭 的 状态", "北约", "北约"),  # 处于 is no unit
        ("中科院所属科研院所", "中科院 所属 科研 院所", "中科院", "中科院"),
    ],
)
def test_organisation_extends_over_its_unit(
    stage: MentionsStage, text: str, words: str, org: str, expected: str
) -> None:
    doc = _doc(text, [_org(text, org, "model:ner", priority=1, conf=0.8)], tokens=_tokens(text, words))
    stage(doc)
    assert [(m.text, m.value.name) for m in doc.mentions] == [(expected, expected)]  # type: ignore[union-attr]


def test_unit_extension_absorbs_pieces_but_not_other_labels(stage: MentionsStage) -> None:
    text = "西城工商分局经检科接到举报"
    words = _tokens(text, "西城 工商分局 经检科 接到 举报")
    piece = _org(text, "检科", "model:ner", priority=1, conf=0.5)
    doc = _doc(text, [_org(text, "西城工商分局", "model:ner", priority=1, conf=0.8), piece], tokens=words)
    stage(doc)
    assert [m.text for m in doc.mentions] == ["西城工商分局经检科"]
    person = Candidate("PERSON", *_span(text, "经检"), PersonValue("经检"), "model:ner", 1, 0.5)
    doc = _doc(text, [_org(text, "西城工商分局", "model:ner", priority=1, conf=0.8), person], tokens=words)
    stage(doc)
    assert [m.text for m in doc.mentions] == ["西城工商分局", "经检"]


# Text from a small alphabet, so that names recur, overlap and sit next to each other.
_SMALL_TEXT = st.text(alphabet="张三李四王.a", max_size=40)


@given(text=_SMALL_TEXT, word=st.text(alphabet="张三李四王.a", max_size=4))
def test_find_all_gives_the_spans_of_regex_finditer(text: str, word: str) -> None:
    expected = [m.span() for m in regex.finditer(regex.escape(word), text)]
    assert list(find_all(text, word)) == expected


def test_find_all_does_not_overlap_occurrences() -> None:
    assert list(find_all("张张张张张", "张张")) == [(0, 2), (2, 4)]
    assert list(find_all("", "张")) == []
    assert list(find_all("ab", "")) == [(0, 0), (1, 1), (2, 2)]


def _check_index(tokens: list[Token]) -> None:
    index = TokenIndex(tokens)
    by_start = {t.start: t for t in tokens}
    starts, ends = {t.start for t in tokens}, {t.end for t in tokens}
    for offset in range(-1, 42):
        assert index.token_at(offset) is by_start.get(offset)
        assert index.starts_at(offset) == (offset in starts)
        assert index.ends_at(offset) == (offset in ends)


@given(spans=st.lists(st.tuples(st.integers(0, 30), st.integers(0, 5)), max_size=20))
def test_token_index_matches_the_plain_lookups(spans: list[tuple[int, int]]) -> None:
    # Any tokens: out of order, overlapping, empty, starting at the same offset.
    _check_index([Token("x" * size, start, start + size) for start, size in spans])


@given(sizes=st.lists(st.integers(1, 4), max_size=20))
def test_token_index_of_segmenter_tokens(sizes: list[int]) -> None:
    # Tokens as the segmenter gives them: in text order, each starting where the last ended.
    bounds = [0]
    for size in sizes:
        bounds.append(bounds[-1] + size)
    _check_index([Token("x" * (e - s), s, e) for s, e in pairwise(bounds)])


@given(text=st.text(alphabet="张三李四说王", min_size=2, max_size=30), cut=st.integers(0, 3))
def test_propagate_persons_same_with_a_shared_index(text: str, cut: int) -> None:
    # The first two characters are a rule name; tokens of two characters, shifted by ``cut``.
    name_cand = Candidate("PERSON", 0, 2, PersonValue(text[:2], "董事长", None), "rule:persons.title", 2, 0.9)
    bounds = [0, *range(cut or 2, len(text), 2), len(text)]
    tokens = sorted({(s, e) for s, e in pairwise(bounds) if s < e})
    doc = _doc(text, [], tokens)
    shared = TokenIndex(doc.tokens)
    shared_out = propagate_persons(doc, [name_cand], shared)
    assert shared_out == propagate_persons(doc, [name_cand])
    # Every later mention is a whole name at token boundaries (the plain computation).
    starts, ends = {t.start for t in doc.tokens}, {t.end for t in doc.tokens}
    expected = [(0, 2)]
    for m in regex.finditer(regex.escape(text[:2]), text):
        s, e = m.span()
        if s >= 2 and s in starts and e in ends:
            expected.append((s, e))
    assert [(c.start, c.end) for c in shared_out] == expected


def _plain_stems(forms: ShortForms, name: str) -> list[str]:
    """The stems ``ShortForms.of`` starts from, computed without its shortcuts (every suffix tried)."""
    core = name
    for suffix in forms.legal:
        if core.endswith(suffix) and len(core) > len(suffix):
            core = core[: -len(suffix)]
            break
    stems = [core]
    if core != name:
        for place in forms.places:
            if len(core) > len(place) and core.startswith(place):
                stems.append(core[len(place) :])
                break
    found: list[str] = []
    pending = list(stems)
    while pending:
        current = pending.pop(0)
        if current in found:
            continue
        found.append(current)
        pending.extend(current[: -len(w)] for w in forms.industry if current.endswith(w) and len(current) > len(w))
    return found


@pytest.fixture(scope="module")
def rule_short_forms() -> ShortForms:
    return short_forms_from(load_rulebook([]))


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_short_forms_match_the_plain_computation(rule_short_forms: ShortForms, data: st.DataObject) -> None:
    forms = rule_short_forms
    pick = st.sampled_from
    place = data.draw(st.one_of(st.just(""), pick(forms.places[:200])))
    stem = data.draw(st.text(alphabet="腾云华章智谱", min_size=0, max_size=3))
    industry = data.draw(st.lists(pick(forms.industry), max_size=2))
    legal = data.draw(st.one_of(st.just(""), pick(forms.legal)))
    name = place + stem + "".join(industry) + legal
    stems = _plain_stems(forms, name)
    tags = forms.word_tags() if forms.word_tags is not None else {}
    expected = [
        f
        for f in dict.fromkeys(stems)
        if f != name
        and len(f) >= 2
        and f not in forms.blocked
        and f not in forms.known
        and tags.get(f) in (None, *NAME_TAGS)
        and (len(f) != 2 or all(regex.match(r"\p{Han}", ch) for ch in f))
    ]
    assert forms.of(name) == expected


@given(
    spans=st.lists(
        st.tuples(st.integers(0, 20), st.integers(1, 6), st.integers(0, 3), st.sampled_from([0.5, 0.8, 0.9])),
        max_size=15,
    )
)
def test_settle_overlaps_ranks_as_the_plain_key(spans: list[tuple[int, int, int, float]]) -> None:
    cands = [Candidate("ORG", s, s + n, None, "rule:x", p, c) for s, n, p, c in spans]
    expected = select_non_overlapping(
        cands, key=lambda c: (c.length, c.priority, c.confidence), span=lambda c: (c.start, c.end)
    )
    kept = settle_overlaps(_doc("x" * 30, []), cands)
    assert kept == sorted(expected, key=lambda c: (c.start, c.end))
    assert [id(c) for c in kept] == [id(c) for c in sorted(expected, key=lambda c: (c.start, c.end))]


@given(
    spans=st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30)), max_size=15),
    probe=st.tuples(st.integers(-1, 32), st.integers(0, 8)),
)
def test_overlap_test_answers_as_any_over_the_spans(spans: list[tuple[int, int]], probe: tuple[int, int]) -> None:
    # Any spans: out of order, overlapping, empty (s == e) and even reversed (s > e).
    start, end = probe[0], probe[0] + probe[1]
    expected = any(s < end and start < e for s, e in spans)
    assert overlap_test(spans)(start, end) == expected


def _words(text: str, names: tuple[str, ...]) -> list[tuple[int, int]]:
    """Tokens: every occurrence of ``names`` as one word, every other character alone."""
    out, i = [], 0
    while i < len(text):
        size = next((len(n) for n in names if text.startswith(n, i)), 1)
        out.append((i, i + size))
        i += size
    return out


@pytest.fixture(scope="module")
def full_stage() -> MentionsStage:
    rules = load_rulebook([])
    short_forms = short_forms_from(rules)
    return MentionsStage(short_forms, sure_names_from(rules, short_forms))


def _model_person(text: str, part: str, conf: float) -> Candidate:
    s, e = _span(text, part)
    return Candidate("PERSON", s, e, PersonValue(part), "model:ner", 1, conf)


def test_sure_model_name_is_found_again_in_its_document(full_stage: MentionsStage) -> None:
    # The model reads 吴国政 once and misses him where the segmenter cut 吴|国政.
    text = "公司接到吴国政的通知。截至公告日，吴国政共持有公司股份。"
    doc = _doc(text, [_model_person(text, "吴国政", 0.93)], _words(text, ("吴国政",)))
    full_stage(doc)
    found = [(m.start, m.text, m.source) for m in doc.mentions if m.label == "PERSON"]
    second = _span(text, "吴国政", 1)[0]
    assert (second, "吴国政", "rule:persons.coreference") in found
    assert len(found) == 2


@pytest.mark.parametrize(
    ("text", "name", "conf"),
    [
        ("公司接到吴国政的通知。吴国政共持有公司股份。", "吴国政", 0.6),  # the model is unsure
        ("布伦特原油上涨。布伦特原油期货收涨。", "布伦特", 0.95),  # no Chinese name: Brent crude
        ("公司接到金智的通知。金智信息已完成收购。", "金智", 0.95),  # 金智信息: a company's name
        ("李明表示同意。李明华表示反对。", "李明", 0.95),  # inside another name: not a whole word
    ],
)
def test_model_names_not_copied(full_stage: MentionsStage, text: str, name: str, conf: float) -> None:
    doc = _doc(text, [_model_person(text, name, conf)], _words(text, (name + "华", name)))
    full_stage(doc)
    copied = [m for m in doc.mentions if m.source == "rule:persons.coreference"]
    assert copied == []


def test_rule_names_are_copied_before_an_industry_word_as_before(full_stage: MentionsStage) -> None:
    # Only the model's names are held back before 信息: a title-introduced name is still found there.
    text = "董事长金智表示同意。金智信息已完成收购。"
    s, e = _span(text, "金智")
    rule = Candidate("PERSON", s, e, PersonValue("金智", "董事长", None), "rule:persons.title.executive", 2, 0.9)
    doc = _doc(text, [rule], _words(text, ("金智",)))
    full_stage(doc)
    assert [m.text for m in doc.mentions if m.source == "rule:persons.coreference"] == ["金智"]


def _suffix_org(text: str, part: str, nth: int = 0) -> Candidate:
    s, e = _span(text, part, nth)
    return Candidate("ORG", s, e, OrgValue(part, "company", part), "rule:orgs.suffix.group", 1, 0.8)


def test_suffix_guess_over_a_sure_person_gives_way(full_stage: MentionsStage) -> None:
    # 王思聪控股熊猫互娱: "王思聪 controls 熊猫互娱", not a holding company called 王思聪控股.
    # The headline's reading (0.62) goes too, since the model is sure of the name in the body.
    text = "王思聪控股熊猫互娱破产\n据新京报，王思聪控股熊猫互娱进入实际破产程序。"
    first, second = _span(text, "王思聪", 0), _span(text, "王思聪", 1)
    candidates = [
        _suffix_org(text, "王思聪控股", 0),
        _suffix_org(text, "王思聪控股", 1),
        Candidate("PERSON", *first, PersonValue("王思聪"), "model:ner", 1, 0.62),
        Candidate("PERSON", *second, PersonValue("王思聪"), "model:ner", 1, 0.87),
    ]
    doc = _doc(text, candidates, _words(text, ("王思聪", "控股", "熊猫", "互娱")))
    full_stage(doc)
    assert [(m.start, m.label) for m in doc.mentions if "王思聪" in m.text] == [
        (first[0], "PERSON"),
        (second[0], "PERSON"),
    ]


@pytest.mark.parametrize(
    ("text", "guess", "person", "conf", "model_org"),
    [
        ("茅盾文学奖评奖办公室发布公告", "茅盾文学奖评奖办公室", "茅盾", 0.9, None),  # named after him
        ("王思聪控股熊猫互娱", "王思聪控股", "王思聪", 0.62, None),  # the model is unsure
        ("王思聪控股今日成立", "王思聪控股", "王思聪", 0.9, "王思聪控股"),  # the model reads the firm too
    ],
)
def test_suffix_guess_over_a_person_stays(
    full_stage: MentionsStage, text: str, guess: str, person: str, conf: float, model_org: str | None
) -> None:
    s, e = _span(text, person)
    candidates = [_suffix_org(text, guess), Candidate("PERSON", s, e, PersonValue(person), "model:ner", 1, conf)]
    if model_org is not None:
        candidates.append(_org(text, model_org, "model:ner", priority=1, conf=0.5))
    doc = _doc(text, candidates, _words(text, (person,)))
    full_stage(doc)
    assert guess in [m.text for m in doc.mentions if m.label == "ORG"]


def test_declared_short_name_is_an_alias_in_the_whole_document(stage: MentionsStage) -> None:
    text = "江苏锦源投资有限公司（以下简称“锦源投资”）持有5%股份。锦源投资计划减持。"
    full = _org(text, "江苏锦源投资有限公司", "rule:orgs.suffix.company_legal", priority=1, conf=0.8)
    # The segmenter splits 锦源投资 and the model reads only 锦源 in it: the declared name stands.
    inside = Candidate("ORG", *_span(text, "锦源", 2), OrgValue("锦源", "company", "锦源"), "model:ner", 1, 0.7)
    tokens = [_span(text, "锦源", 1), _span(text, "投资", 1), _span(text, "锦源", 2), _span(text, "投资", 2)]
    doc = _doc(text, [full, inside], tokens=tokens)
    stage(doc)
    found = [(m.text, m.start, m.value.name, m.source) for m in doc.mentions]  # type: ignore[union-attr]
    assert found == [
        ("江苏锦源投资有限公司", 0, "江苏锦源投资有限公司", "rule:orgs.suffix.company_legal"),
        ("锦源投资", _span(text, "锦源投资", 1)[0], "江苏锦源投资有限公司", ALIAS_SOURCE),
        ("锦源投资", _span(text, "锦源投资", 2)[0], "江苏锦源投资有限公司", ALIAS_SOURCE),
    ]


def test_several_declared_short_names_and_a_short_one_inside_its_declaration(stage: MentionsStage) -> None:
    text = '万科企业股份有限公司 (以下简称"万科"或"万科A")公告，万科A涨停。'
    full = _org(text, "万科企业股份有限公司", "model:ner", priority=1, conf=0.9)
    doc = _doc(text, [full], tokens=[_span(text, "万科A", 1)])  # 万科 in quotes is no token
    stage(doc)
    found = [(m.text, m.value.name) for m in doc.mentions]  # type: ignore[union-attr]
    assert (
        found
        == [("万科企业股份有限公司", "万科企业股份有限公司")]
        + [("万科", "万科企业股份有限公司")]
        + [("万科A", "万科企业股份有限公司")] * 2
    )


@pytest.mark.parametrize("declaration", ["（以下简称‘公司’）", '(以下简称"公司"或"本公司")', "（简称：甲方）"])
def test_generic_declared_names_are_no_aliases(stage: MentionsStage, declaration: str) -> None:
    text = f"江苏锦源投资有限公司{declaration}持股5%。公司计划减持，甲方同意，本公司回应。"
    full = _org(text, "江苏锦源投资有限公司", "rule:orgs.suffix.company_legal", priority=1, conf=0.8)
    doc = _doc(text, [full], tokens=[_span(text, w, n) for w, n in (("公司", 2), ("甲方", 0))])
    stage(doc)
    assert [m.text for m in doc.mentions] == ["江苏锦源投资有限公司"]


def test_only_a_declaring_parenthesis_makes_an_underived_alias(stage: MentionsStage) -> None:
    for aside, found in (("（以下简称“上汽集团”）", ["上汽集团"] * 2), ("（持股5%）", [])):
        text = f"上海汽车集团股份有限公司{aside}公告，上汽集团将增持。"
        full = _org(text, "上海汽车集团股份有限公司", "rule:orgs.suffix.company_legal", priority=1, conf=0.8)
        doc = _doc(text, [full], tokens=[_span(text, "上汽集团", text.count("上汽集团") - 1)])
        stage(doc)
        assert [m.text for m in doc.mentions] == ["上海汽车集团股份有限公司", *found]


def _model_org(text: str, part: str, nth: int = 0) -> Candidate:
    s, e = _span(text, part, nth)
    return Candidate("ORG", s, e, OrgValue(part, "company", part), "model:ner", 1, 0.9)


@pytest.mark.parametrize(
    ("text", "words", "orgs", "expected"),
    [
        # The model reads 中远 and 万科 but passes over 中集 between them.
        ("客户包括中远、中集、万科等", "客户 包括 中远 、 中集 、 万科 等", ("中远", "万科"), ["中远", "中集", "万科"]),
        # Only one organisation beside the item: nothing is read (交通 is the list's last item).
        ("兴业、广发、交通可实现到账", "兴业 、 广发 、 交通 可 实现 到账", ("兴业", "广发"), ["兴业", "广发"]),
        # A generic word, a place of org_patterns.yaml and an item a word runs out of stay unread.
        ("中远、企业、万科", "中远 、 企业 、 万科", ("中远", "万科"), ["中远", "万科"]),
        ("中远、杭州、万科", "中远 、 杭州 、 万科", ("中远", "万科"), ["中远", "万科"]),
        ("中远、中集、万科", "中远 、 中 集、 万科", ("中远", "万科"), ["中远", "万科"]),
        # Longer than LIST_ITEM_MAX: a clause, not a name.
        ("中远、中集今年收入大增、万科", "中远 、 中集 今年 收入 大增 、 万科", ("中远", "万科"), ["中远", "万科"]),
    ],
)
def test_item_between_two_organisations_of_a_list_is_one(
    full_stage: MentionsStage, text: str, words: str, orgs: tuple[str, ...], expected: list[str]
) -> None:
    doc = _doc(text, [_model_org(text, org) for org in orgs], tokens=_tokens(text, words))
    full_stage(doc)
    assert [m.text for m in doc.mentions if m.label == "ORG"] == expected
    assert all(m.source == LIST_SOURCE for m in doc.mentions if m.text not in orgs)


def test_list_item_takes_its_neighbours_label_and_a_place_stays_a_place(full_stage: MentionsStage) -> None:
    text = "古天乐、宣萱、卓灵主演；美国、澳大利亚、斯洛伐克等"
    words = _tokens(text, "古天乐 、 宣萱 、 卓灵 主演 ； 美国 、 澳大利亚 、 斯洛伐克 等")
    persons = [_model_person(text, "古天乐", 0.99), _model_person(text, "卓灵", 0.9)]
    # The model misread the countries around 澳大利亚 as organisations and read it as a place.
    countries = [_model_org(text, "美国"), _model_org(text, "斯洛伐克")]
    place = Candidate("LOC", *_span(text, "澳大利亚"), None, "model:ner", 1, 0.9)
    doc = _doc(text, [*persons, *countries, place], tokens=words)
    full_stage(doc)
    listed = [(m.label, m.text, m.value) for m in doc.mentions if m.source == LIST_SOURCE]
    assert listed == [("PERSON", "宣萱", PersonValue("宣萱"))]
