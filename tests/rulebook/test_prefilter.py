"""The prefilter makes rule scans cheaper and must never change a match."""

from __future__ import annotations

import gc
import itertools

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.core import Pipeline
from pipeline.rulebook.patterns import (
    Deadline,
    PatternScope,
    PatternTimeout,
    SafePattern,
    compile_pattern,
    pattern_scope,
    scan_each,
)
from pipeline.rulebook.prefilter import NO_FACTS, RUN_CAP, analyse, linear_work


@pytest.fixture(scope="module")
def pipe() -> Pipeline:
    return Pipeline.build()


@pytest.fixture(scope="module")
def rule_patterns(pipe: Pipeline) -> list[SafePattern]:
    """Every rule pattern the default pipeline compiled, as fresh untuned copies.

    Copies, because other tests may already have scanned with the shared pipeline's
    patterns, and a tuned pattern keeps only its winning variant.
    """
    found = [obj for obj in gc.get_objects() if isinstance(obj, SafePattern)]
    unique = {id(p): p for p in found}.values()
    return [SafePattern(p.compiled, p.source, rule_id=p.rule_id) for p in unique]


@pytest.fixture(scope="module")
def texts(article_and_example_texts: list[str]) -> list[str]:
    """Normalised articles and every rule example text, plus some awkward strings."""
    awkward = ["", "2025", "3月", "月", "\n\n", "二〇二五年三月六日下午3点20分", "3亿-10亿元，约1.6亿元，千万美元"]
    return article_and_example_texts + awkward


def test_first_set_lookahead_and_required_characters() -> None:
    facts = analyse(r"(?<![\d.])(?P<month>1[0-2]|0?[1-9]|十[一二]?)[ \t]*月份?")
    assert facts.lead is not None and facts.lead.startswith("(?=[")
    assert facts.required == frozenset("月")
    fast = regex.compile(facts.lead)
    assert {c for c in "0123456789十一二月a" if fast.match(c)} == set("0123456789十")
    # Every branch must contribute: each alternative holds one of the required characters.
    required = analyse(r"(?:上半年|下半年|全年|年内)").required
    assert required is not None
    assert all(required & set(word) for word in ("上半年", "下半年", "全年", "年内"))


@pytest.mark.parametrize(
    "pattern",
    [
        r"\d*",  # can match the empty string
        r"(?<=x)",  # zero width
        r"(?i)abc",  # case-insensitive: no first set or required characters
        r"(?:abc){e<=1}",  # fuzzy
        r"(?P<a>x)?(?P=a)y",  # a back reference may be first
        r"[^a]b",  # a negated set first
        r".b",
    ],
)
def test_patterns_that_get_no_lead(pattern: str) -> None:
    assert analyse(pattern).lead is None


def test_unparsable_patterns_get_no_facts() -> None:
    assert analyse("(unbalanced") == NO_FACTS
    assert analyse(r"(?i)年").required is None


def test_the_built_in_rules_are_accelerated(rule_patterns: list[SafePattern]) -> None:
    """Most built-in rule patterns get a lead or a required set (a regex upgrade must not lose them)."""
    dates = [p for p in rule_patterns if (p.rule_id or "").startswith("dates.")]
    assert len(dates) > 40
    assert sum(p.facts.lead is not None for p in dates) > 0.7 * len(dates)
    assert sum(p.facts.required is not None for p in dates) > 0.8 * len(dates)
    md = next(p for p in dates if p.rule_id == "dates.md")
    assert md.facts.required == frozenset("月") and md.facts.near is not None
    assert len(md.variants) == 3 and md.variants[0] is md.compiled
    # Required words: the holidays by name, company names by their legal suffixes.
    by_id = {p.rule_id: p for p in rule_patterns}
    assert sum(p.facts.words is not None for p in rule_patterns) > 0.3 * len(rule_patterns)
    assert "春节" in (by_id["dates.holiday"].facts.words or ())
    assert "有限公司" in (by_id["events.filler.legal_name"].facts.words or ())


def test_every_rule_pattern_finds_what_the_plain_pattern_finds(
    rule_patterns: list[SafePattern], texts: list[str]
) -> None:
    assert len(rule_patterns) > 100
    for pattern in rule_patterns:
        plain = pattern.compiled
        for text in texts:
            expected = [(m.span(), m.groups()) for m in plain.finditer(text)]
            for variant in pattern.variants[1:]:
                assert [(m.span(), m.groups()) for m in variant.finditer(text)] == expected, (variant.pattern, text)
            assert [(m.span(), m.groups()) for m in pattern.finditer(text)] == expected, (pattern, text)
            with pattern_scope(Deadline(60.0)):
                assert [(m.span(), m.groups()) for m in pattern.finditer(text)] == expected, (pattern, text)
                first = plain.search(text)
                found = pattern.search(text)
                assert (found.span() if found else None) == (first.span() if first else None)


def test_a_text_without_the_required_characters_is_not_scanned() -> None:
    pattern = compile_pattern(r"(?<!\d)(?P<n>\d+)[ ]*月", rule_id="t.month")
    assert pattern.facts.required == frozenset("月")
    with pattern_scope(Deadline(5.0)) as scope:
        assert list(pattern.finditer("2025年12日")) == []
        assert pattern.search("2025年12日") is None
        assert pattern.findall("2025年12日") == []
        assert [m.group("n") for m in pattern.finditer("2025年12月")] == ["12"]
    assert scope.deadline is not None and "t.month" in scope.deadline.by_rule


def test_required_words_come_from_every_branch_and_positive_lookarounds() -> None:
    facts = analyse(r"(?P<x>[\p{Han}]{2,30}?(?:股份有限公司|有限公司|基金会))(?:分行)?")
    assert facts.words == frozenset({"股份有限公司", "有限公司", "基金会"})
    assert analyse(r"(?<=中标)[^，。]{2,40}?(?:项目|工程)").words is not None
    assert analyse(r"(?=.*公告)\d+").words == frozenset({"公告"})
    # A branch without a literal of its own, a negative lookaround, fuzzy or
    # case-insensitive matching and single characters give no words.
    for pattern in (r"(?:春节|\d+)号", r"(?<!先生)\d+", r"(?:公告){e<=1}", r"(?i:ab)\d", r"(?:a|bc)\d"):
        assert analyse(pattern).words is None, pattern


def test_a_text_without_the_required_words_is_not_scanned() -> None:
    pattern = compile_pattern(r"(?P<x>[\p{Han}]{2,10}?(?:有限公司|基金会))", rule_id="t.company")
    assert pattern.facts.words == frozenset({"有限公司", "基金会"})
    text = "腾讯控股有限公司与某某基金会"
    expected = [m.span() for m in pattern.compiled.finditer(text)]
    assert len(expected) == 2
    with pattern_scope(Deadline(5.0)):
        assert pattern.cannot_match("有限责任的公司和基金")
        assert list(pattern.finditer("有限责任的公司和基金")) == []
        assert scan_each([pattern], "有限责任的公司和基金") == [[]]
        assert [m.span() for m in pattern.finditer(text)] == expected
        assert [m.span() for m in scan_each([pattern], text)[0]] == expected
    assert pattern.cannot_match("没有公司") and not pattern.cannot_match(text)  # outside a document too


def test_near_lookahead_allows_free_characters_between() -> None:
    facts = analyse(r"(?<!\d)(?P<n>\d{1,2})[ ]*月")
    assert facts.near is not None
    near = regex.compile(facts.near)
    assert near.match("12月") and near.match("12    月") and near.match("1 月")
    assert not near.match("123月") and not near.match("12日")


def test_the_tuner_keeps_one_variant_and_the_matches() -> None:
    pattern = compile_pattern(r"(?<![\d.])(?P<m>1[0-2]|0?[1-9])[ ]*月", rule_id="t.month")
    assert len(pattern.variants) > 1
    text = "2025年3月，公司营收12亿元，同比增长5%；10 月发布新品。" * 40
    expected = [m.span() for m in pattern.compiled.finditer(text)]
    with pattern_scope(Deadline(60.0)):
        for _ in range(60):
            assert [m.span() for m in pattern.finditer(text)] == expected
            assert [m.span() for m in scan_each([pattern], text)[0]] == expected
    assert len(pattern.variants) == 1 and pattern.scanner in (pattern.compiled, *pattern.variants)


def test_a_spent_budget_still_stops_a_skipped_scan() -> None:
    pattern = compile_pattern(r"\d+月", rule_id="t.month")
    deadline = Deadline(1.0, "doc-1")
    deadline.charge("other", 2.0)
    with pattern_scope(deadline), pytest.raises(PatternTimeout):
        pattern.finditer("没有月份")
    with pattern_scope(deadline), pytest.raises(PatternTimeout):
        pattern.search("没有")


@pytest.mark.parametrize(
    "pattern",
    [
        r"(?:哈|哈)+$",  # exponential
        r"(a+)+b",  # exponential
        r"\d+\d+x",  # polynomial: two runs of the same class
        r"a*a*b",
        r"x[ ]*(?:y)?[ ]*z",  # the optional y lets the two runs meet
        r"[ ]*x",  # a run first is entered at every one of its characters
        r"(?=x)[ ]*y",  # ... also behind a lookahead, which takes no character
        r"x[ ]*(?=y)z",  # a lookaround would run at every character given back
        r"x[ ]*(?:(?!q)y)",
        r"(?:ab|a)*c",  # a repeat of more than one character
        r"(\w+)\1",  # a back reference
        r"x\s*y",  # \s is not a small explicit class
        r"(?<=[ ]*)x",  # a run in a look-behind
    ],
)
def test_patterns_that_are_not_proved_linear(pattern: str) -> None:
    assert linear_work(pattern) is None
    assert analyse(pattern).work is None


@pytest.mark.parametrize(
    ("pattern", "most"),
    [
        (r"x[ ]*y", 10),
        (r"(?<![\d])(?P<y>\d{1,4})[ ]*年[ ]*(?P<m>1[0-2]|0?[1-9])[ ]*月", 200),
        (r"截至(?:[ \t]*(?:目前|今天))?[ ]*止", 50),
        (r"x[ ]*", 10),  # last in the pattern: the greedy run ends the match, nothing is given back
    ],
)
def test_patterns_proved_linear_get_a_bound(pattern: str, most: int) -> None:
    work = linear_work(pattern)
    assert work is not None and 1 <= work <= most


def test_look_behinds_get_no_first_character_shortcut() -> None:
    # The engine matches a look-behind from its end: its branches are not told apart by
    # their first characters, so the same alternatives cost more inside one.
    forward = linear_work(r"(?:bx|cyy|dzzz)(?:bx|cyy|dzzz)q")
    behind = linear_work(r"(?<=(?:bx|cyy|dzzz)(?:bx|cyy|dzzz))q")
    assert forward is not None and behind is not None and behind > forward


def test_a_linear_scan_takes_linear_time_on_a_hostile_text() -> None:
    pattern = compile_pattern(r"(?<![\d])(?P<y>\d{1,4})[ ]*年[ ]*(?P<m>1[0-2]|0?[1-9])[ ]*月", rule_id="t.linear")
    assert pattern.facts.work is not None
    hostile = ("1" + " " * 2000 + "年") * 20
    with pattern_scope(Deadline(10.0)):
        assert list(pattern.finditer(hostile)) == []
    # Well inside the bound the scan is run without the engine's timeout.
    assert pattern._timeout(hostile, 10.0) is None
    assert pattern._timeout(hostile * 10_000, 1.0) == 1.0


def test_the_dates_rules_are_mostly_proved_linear(rule_patterns: list[SafePattern]) -> None:
    dates = [p for p in rule_patterns if (p.rule_id or "").startswith("dates.")]
    linear = [p for p in dates if p.facts.work is not None]
    assert len(linear) >= len(dates) // 2


# -- windowed scans ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("ab", (2, 0)),
        (r"(?<![\d.])\d{1,2}月", (3, 1)),
        (r"(?<=中标)[^，。]{2,40}?(?:项目|工程)", (42, 2)),
        (r"x(?!\d)", (2, 0)),
        (r"(?=abc)a", (3, 0)),
        (r"(?:ab){2,3}c", (7, 0)),
        (r"(?m)^ab$", (4, 2)),  # an anchor looks at both neighbours
    ],
)
def test_the_reach_of_a_try(pattern: str, expected: tuple[int, int]) -> None:
    assert analyse(pattern).reach == expected


@pytest.mark.parametrize(
    "pattern", [r"(?:ab)+c", r"[^）]+x", r"a?", r"(a)\1", r"a\Kb", r"(?w)\bab", r"(?:公告){e<=1}", r"(?i)ab"]
)
def test_patterns_without_a_bounded_reach(pattern: str) -> None:
    """Unbounded repeats (but of one class), empty matches, back references, \\K, fuzzy or caseless matching ..."""
    assert analyse(pattern).reach is None


def test_an_unbounded_run_of_one_class_counts_as_the_cap() -> None:
    facts = analyse(r"(?<!\d)\d+\s*月")
    assert facts.reach == (2 * RUN_CAP + 1, 1)
    assert facts.runs == ("\\p{GENERALCATEGORY=DECIMALNUMBER}", "\\p{WHITESPACE=TRUE}")
    pattern = _windowed(r"(?<!\d)\d+\s*月")
    text = "营收增长，" * 20 + "12 月"
    found = pattern._windows.scan(pattern.compiled, text, None, None, None)
    assert found is not None and [m.span() for m in found] == [m.span() for m in pattern.compiled.finditer(text)]
    # A longer run than the cap: the reach does not hold, the text is scanned whole.
    assert pattern._windows.scan(pattern.compiled, "1" * (RUN_CAP + 1) + "月", None, None, None) is None


# Patterns whose tries read around their match: look-behinds, look-aheads, anchors and
# boundaries, which a window that cut the text in the wrong place would fool.
WINDOW_PATTERNS = [
    r"(?<![A-Za-z])[A-Z][a-z]{0,3}?(?:Co|Ltd)",
    r"[a-z]{1,4}(?:xy|z)(?![a-z])",
    r"(?<=q)[a-z]{0,3}z",
    r"\bz[a-z]{0,2}\b",
    r"(?m)^[a-z]{0,2}z$",
    r"[a-z]{1,3}z(?=[a-z]{2})",
    r"xy",
    r"(?<![0-9])[0-9]+\s*z",
    r"q\s*[a-z]{0,2}?[0-9]*xy(?!\s*z)",
]


def _windowed(source: str) -> SafePattern:
    pattern = compile_pattern(source, rule_id="t.window")
    assert pattern.facts.reach is not None and pattern._windows is not None, source
    return pattern


@pytest.mark.parametrize("source", WINDOW_PATTERNS)
def test_a_windowed_scan_finds_what_finditer_finds(source: str) -> None:
    pattern = _windowed(source)
    windows = pattern._windows
    assert windows is not None
    texts = [
        "zab zz z\nqaz Zz xyz abcxy z",
        "qqqz zq z\nz\nabz\n" * 5,
        "Abc Co. Ltd Xyz Ltd AbLtd ZZCo z xyxyxy",
        "z" * 40 + "ab" * 40 + "xy",
        "",
        "no anchor here",
    ]
    for text in texts:
        for pos, endpos in ((None, None), (3, None), (0, len(text) // 2), (5, len(text) - 3)):
            if (pos is not None and pos > len(text)) or (endpos is not None and not 0 <= endpos <= len(text)):
                continue
            expected = [(m.span(), m.groups()) for m in pattern.compiled.finditer(text, pos, endpos)]
            found = windows.scan(pattern.compiled, text, pos, endpos, None)
            if found is not None:
                assert [(m.span(), m.groups()) for m in found] == expected, (source, text, pos, endpos)


@given(st.text(alphabet="abqxyzACLZot\n 01", max_size=80), st.sampled_from(WINDOW_PATTERNS))
@settings(max_examples=300, deadline=None)
def test_a_windowed_scan_finds_what_finditer_finds_on_any_text(text: str, source: str) -> None:
    pattern = _windowed(source)
    assert pattern._windows is not None
    expected = [m.span() for m in pattern.compiled.finditer(text)]
    found = pattern._windows.scan(pattern.compiled, text, None, None, 5.0)
    assert found is None or [m.span() for m in found] == expected


def test_every_windowed_rule_pattern_finds_what_the_plain_pattern_finds(
    rule_patterns: list[SafePattern], texts: list[str]
) -> None:
    windowed = [p for p in rule_patterns if p.facts.reach is not None and p._windows is not None]
    assert len(windowed) > 20
    for pattern in windowed:
        windows = pattern._windows
        assert windows is not None
        for text in texts:
            found = windows.scan(pattern.compiled, text, None, None, None)
            if found is not None:
                expected = [(m.span(), m.groups()) for m in pattern.compiled.finditer(text)]
                assert [(m.span(), m.groups()) for m in found] == expected, (pattern, text)


def test_the_tuner_takes_windows_where_the_required_words_are_rare() -> None:
    """A company name that ends with its legal suffix, in a long text that names one company."""
    pattern = compile_pattern(r"(?P<x>[\p{Han}A-Za-z]{2,30}?(?:股份有限公司|有限公司|基金会))", rule_id="t.company")
    text = "公司营收同比增长，市场份额继续扩大，董事会审议通过了年度报告。" * 60 + "腾讯科技有限公司。"
    expected = [m.span() for m in pattern.compiled.finditer(text)]
    assert len(expected) == 1
    with pattern_scope(Deadline(60.0)):
        for _ in range(40):
            assert [m.span() for m in pattern.finditer(text)] == expected
            assert [m.span() for m in scan_each([pattern], text)[0]] == expected
    assert pattern._tuner is None and pattern.windowed


def test_a_windowed_scan_keeps_the_timeout() -> None:
    """A pattern not proved linear still runs under the engine's timeout inside windows."""
    pattern = _windowed(r"甲(?:乙|乙){1,30}(?:乙|乙){1,30}丙")
    assert pattern._windows is not None
    with pytest.raises(TimeoutError):
        pattern._windows.scan(pattern.compiled, "甲" + "乙" * 50 + "丁丙", None, None, 0.05)


def test_the_scope_keeps_the_characters_of_the_last_few_texts() -> None:
    """A stage that scans a sentence or a skeleton between document scans does not make the document's set again."""
    scope = PatternScope(None)
    document, sentence, skeleton = "公司公告称，营收增长。", "营收增长", "\ue000至\ue000"
    chars = scope.chars_of(document)
    assert chars == frozenset(document)
    scope.chars_of(sentence)
    scope.chars_of(skeleton)
    assert scope.chars_of(document) is chars
    for i in range(PatternScope.KEEP):
        scope.chars_of(f"别的文本{i}")
    assert scope.chars_of(document) is not chars and scope.chars_of(document) == chars


# -- scan_each's fast path for settled patterns -----------------------------------------
def _settled(pattern: SafePattern, variant: int, windowed: bool) -> SafePattern:
    """A fresh copy of ``pattern`` whose tuner has settled on ``variant`` (and on windows, if asked)."""
    copy = SafePattern(pattern.compiled, pattern.source, rule_id=pattern.rule_id)
    variants = copy.variants
    copy._scan, copy._windowed, copy._tuner = variants[variant % len(variants)], windowed, None
    return copy


def _settled_forms(pattern: SafePattern) -> list[SafePattern]:
    """The pattern settled on each of its variants, windowed too where it has windows."""
    forms = [_settled(pattern, i, False) for i in range(len(pattern.variants))]
    if pattern._windows is not None:
        forms += [_settled(pattern, i, True) for i in range(len(pattern.variants))]
    return forms


def test_scan_each_on_settled_patterns_finds_what_finditer_finds(
    rule_patterns: list[SafePattern], texts: list[str]
) -> None:
    """The direct scan of a settled pattern, on every variant and windowed, gives the plain pattern's matches."""
    dates = [p for p in rule_patterns if (p.rule_id or "").startswith("dates.")]
    forms = [form for pattern in dates for form in _settled_forms(pattern)]
    assert sum(form.windowed for form in forms) > 10
    for text in texts:
        expected = [[(m.span(), m.groups()) for m in form.compiled.finditer(text)] for form in forms]
        with pattern_scope(Deadline(60.0)) as scope:
            found = scan_each(forms, text)
        assert [[(m.span(), m.groups()) for m in matches] for matches in found] == expected, text
        if any(expected):
            assert scope.deadline is not None and scope.deadline.by_rule  # the scans were charged per rule


@given(st.text(alphabet="2025年3月至12日下午点:：半周内以来截止 \n一二十廿", max_size=60))
@settings(max_examples=200, deadline=None)
def test_scan_each_on_settled_patterns_matches_finditer_on_any_text(text: str) -> None:
    patterns = [
        compile_pattern(r"(?<![\d])(?P<y>\d{1,4})[ ]*年[ ]*(?P<m>1[0-2]|0?[1-9])[ ]*月", rule_id="t.ym"),
        compile_pattern(r"(?P<h>[01]?\d|2[0-4])\s*[:：]\s*(?P<mi>[0-5]\d)(?![\d:：])", rule_id="t.clock"),
        compile_pattern(r"(?:截至|截止)[ ]*(?P<d>\d{1,2})日(?:以来)?", rule_id="t.until"),
        compile_pattern(r"[一二十廿]+(?:周|日)(?:内)?", rule_id="t.span"),
    ]
    forms = [form for pattern in patterns for form in _settled_forms(pattern)]
    expected = [[(m.span(), m.groups()) for m in form.compiled.finditer(text)] for form in forms]
    with pattern_scope(Deadline(60.0)):
        found = scan_each(forms, text)
    assert [[(m.span(), m.groups()) for m in matches] for matches in found] == expected


def test_scan_each_on_settled_patterns_keeps_the_budget() -> None:
    """A spent budget stops the next scan; a pattern not proved linear still gets the engine's timeout."""
    pattern = _settled(compile_pattern(r"\d+月", rule_id="t.month"), 0, False)
    deadline = Deadline(1.0, "doc-1")
    deadline.charge("other", 2.0)
    with pattern_scope(deadline), pytest.raises(PatternTimeout):
        scan_each([pattern], "3月")
    slow = _settled(compile_pattern(r"(?:哈|哈)+$", rule_id="t.slow"), 0, False)
    assert slow.facts.work is None
    with pattern_scope(Deadline(0.05, "doc-2")) as scope, pytest.raises(PatternTimeout):
        scan_each([slow], "哈" * 40 + "!")
    assert scope.deadline is not None and scope.deadline.by_rule["t.slow"] > 0


def test_finditer_on_settled_patterns_finds_what_finditer_finds(
    rule_patterns: list[SafePattern], texts: list[str]
) -> None:
    """``SafePattern.finditer`` of a settled pattern (in one call, with ``pos``/``endpos``) gives the plain matches."""
    forms = [form for pattern in rule_patterns for form in _settled_forms(pattern)]
    assert sum(form.windowed for form in forms) > 20
    for text in texts:
        for pos, endpos in ((None, None), (1, None), (0, len(text) // 2), (len(text) // 3, len(text) - 1)):
            if (pos is not None and pos > len(text)) or (endpos is not None and endpos < 0):
                continue
            with pattern_scope(Deadline(60.0)):
                for form in forms:
                    expected = [(m.span(), m.groups()) for m in form.compiled.finditer(text, pos, endpos)]
                    found = [(m.span(), m.groups()) for m in form.finditer(text, pos, endpos)]
                    assert found == expected, (form, text, pos, endpos)


# -- windows narrowed by where the anchor sits in a match -------------------------------
@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (r"ab[（(]\d", (0, 0)),  # the required word opens the match
        (r"(?<![a-z])[a-z]{1,9}?\s*[（(]\d", (1, 9 + RUN_CAP)),  # after a bounded name and a run
        (r"x{0,3}融资", (0, 3)),  # a word anchor in a literal
        (r"[a-z]{2}公告[a-z]", (2, 2)),
        (r"x{0,3}(?:融资|融券)", (0, 3)),  # each alternative opens with the anchor
        (r"a{1,2}(?:(?:上|下)个|今)天", (2, 4)),  # the anchor after a branch
        (r"(?:ab|cd)q", (0, 0)),  # the required words open the match
        (r"[a-z]{1,2}(?:x|y)?q", (1, 3)),  # after an optional part
        (r"(?:q\d|\dq)", None),  # the anchor at different places in the alternatives
    ],
)
def test_where_the_anchor_sits_in_a_match(source: str, expected: tuple[int, int] | None) -> None:
    pattern = compile_pattern(source, rule_id="t.offsets")
    assert pattern.facts.reach is not None, source
    assert pattern._windows is not None, source
    assert pattern._windows.offsets == expected


def test_windows_narrowed_by_the_anchor_offsets_try_fewer_places() -> None:
    """A stock code: the tries are only the 20 or so places before each parenthesis, not the whole reach."""
    pattern = compile_pattern(r"(?<![a-z])[a-z]{1,9}?\s*[（(]\s*\d{4,6}\s*[）)]", rule_id="t.code")
    assert pattern.facts.reach is not None
    windows = pattern._windows
    assert windows is not None and windows.offsets == (1, 9 + RUN_CAP)
    text = ("x" * 200 + "(") * 5 + "abc(002771)"
    spans = windows.spans(text, 0, len(text), frozenset(text))
    assert spans is not None
    assert sum(last - first + 1 for first, last in spans) <= 6 * (9 + RUN_CAP)
    found = windows.scan(pattern.compiled, text, None, None, None)
    assert found is not None and [m.span() for m in found] == [m.span() for m in pattern.compiled.finditer(text)]


# Patterns whose anchor sits after items of varying length: runs, lazy and bounded
# repeats, optional parts, look-behinds, and anchors that also occur inside the items.
OFFSET_PATTERNS = [
    r"(?<![a-z])[a-z][a-z\-]{1,4}?\s*[(q]\s*-?\d+\.\d\s*[,]",
    r"(?<![a-z])(?P<x>[a-z]{1,3}?)\s*\(\s*(?:ab)?[:]?\s*\d{2,3}(?:\s*\.\s*(?:z|q))?\s*[),]",
    r"[a-z(]{0,3}\(z",
    r"a?b?\(\(?",
    r"(?:ab|b)x{0,2}zz[a-z]",
    r"[0-9]*\.(?![0-9])",
    r"[a-z]{0,2}(?:\(x|\(|\(\(z)z",
    r"(?<!a)b{1,3}(?:\(|\(x)a?",
]


@pytest.mark.parametrize("source", OFFSET_PATTERNS)
def test_offset_patterns_have_offsets(source: str) -> None:
    pattern = compile_pattern(source, rule_id="t.offsets")
    assert pattern.facts.reach is not None, source
    assert pattern._windows is not None and pattern._windows.offsets is not None, source


@given(st.text(alphabet="abqxz(),.:-01 \n", max_size=120), st.sampled_from(OFFSET_PATTERNS))
@settings(max_examples=600, deadline=None)
def test_a_scan_in_narrowed_windows_finds_what_finditer_finds(text: str, source: str) -> None:
    pattern = compile_pattern(source, rule_id="t.offsets")
    assert pattern.facts.reach is not None, source
    assert pattern._windows is not None
    expected = [(m.span(), m.groups()) for m in pattern.compiled.finditer(text)]
    found = pattern._windows.scan(pattern.compiled, text, None, None, 5.0)
    assert found is None or [(m.span(), m.groups()) for m in found] == expected


@pytest.mark.parametrize("source", [*OFFSET_PATTERNS[2:5], *OFFSET_PATTERNS[6:]])
def test_a_scan_in_narrowed_windows_finds_what_finditer_finds_on_every_short_text(
    source: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Exhaustively, every text of up to 7 characters over the pattern's alphabet (windows never too many)."""
    pattern = compile_pattern(source, rule_id="t.offsets")
    assert pattern.facts.reach is not None, source
    windows = pattern._windows
    assert windows is not None and windows.offsets is not None
    monkeypatch.setattr(type(windows), "MAX_SHARE", 1e9)  # always windowed, however many anchors
    for n in range(8):
        for chars in itertools.product("ab(xz", repeat=n):
            text = "".join(chars)
            expected = [m.span() for m in pattern.compiled.finditer(text)]
            found = windows.scan(pattern.compiled, text, None, None, None)
            assert found is not None and [m.span() for m in found] == expected, (source, text)


def test_a_run_of_literals_and_small_sets_is_spelled_out_into_words() -> None:
    # ``Q[1-4]`` alone requires only ``Q`` (one character): spelled out, it requires Q1 … Q4.
    assert analyse(r"(?:全年|Q[1-4])").words == frozenset({"全年", "Q1", "Q2", "Q3", "Q4"})
    assert analyse(r"第[一二]季").words == frozenset({"第一季", "第二季"})
    # Where the items give a word of their own, it is kept (fewer words to test).
    assert analyse(r"免责声明[:：]").words == frozenset({"免责声明"})
    # A large set, a negated one or case-insensitive matching is no spelling.
    for pattern in (r"Q[0-9A-Z]", r"Q[^1-4]", r"(?i)q[1-4]"):
        assert analyse(pattern).words is None, pattern
    pattern = compile_pattern(r"(?:全年|Q[1-4])", rule_id="t.quarter")
    with pattern_scope(Deadline(5.0)):
        assert pattern.cannot_match("Q公司业绩") and list(pattern.finditer("Q公司业绩")) == []
        assert [m.span() for m in pattern.finditer("公司Q3业绩")] == [(2, 4)]
