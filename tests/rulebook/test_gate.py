"""The RE2 gate rules out patterns for a text only when they cannot match in it.

``prefilter.superset`` widens a ``regex`` pattern into RE2 syntax; ``PatternGate``
scans a text once with the widened forms of many patterns. Every test here compares
the gated path with the plain one (every pattern scanned).
"""

from __future__ import annotations

import pickle
import sys
from datetime import datetime

import pytest
import re2
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.core import Pipeline
from pipeline.dates.extractor import DateExtractor
from pipeline.events.extractor import EventExtractor
from pipeline.rulebook.patterns import (
    Deadline,
    PatternGate,
    PatternScope,
    PatternTimeout,
    compile_pattern,
    pattern_scope,
    scan_each,
)
from pipeline.rulebook.prefilter import superset

DATE_ALPHABET = list("0123456789年月日号至到-—/.:： 今去明上下本周星期季度半")
DATE_ALPHABET += list("一二三四五六七八九十两前后以来近日午时点分初底旬节")


@pytest.fixture(scope="module")
def pipe() -> Pipeline:
    return Pipeline.build(stages=["normalize", "dates", "amounts"])


@pytest.fixture(scope="module")
def extractor(pipe: Pipeline) -> DateExtractor:
    stage = pipe.stage("dates")
    assert isinstance(stage.extractor, DateExtractor)  # type: ignore[attr-defined]
    return stage.extractor  # type: ignore[attr-defined, no-any-return]


@pytest.fixture(scope="module")
def texts(article_and_example_texts: list[str]) -> list[str]:
    """Normalised articles and every rule example text."""
    return article_and_example_texts


def widened(pattern: str, flags: int = regex.V0) -> re2._Regexp:
    source = superset(pattern, flags)
    assert source is not None, pattern
    return re2.compile(source)


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        (r"(?<![\d.])(?P<m>1[0-2]|0?[1-9])月", "3月"),
        (r"(?P<s>[-/.])\d{2}(?P=s)\d{2}", "2025-03-06"),
        (r"\p{Han}{2}公司", "智谱公司"),
        (r"[^\d\s]+元", "美元"),
        (r"(?>\d+)年", "2025年"),
        (r"\d{1,3}+万", "300万"),
        (r"(?=\d)\d+(?!\d)%", "5%"),
        (r"(a)?(?(1)b|c)", "c"),
        (r"^\s*日期[:：]", "  日期："),
        (r"\d+年(?:\s*\d+月)?", "2025年"),
        (r"𠀋+", "𠀋"),
    ],
)
def test_the_widened_pattern_matches_what_the_pattern_matches(pattern: str, text: str) -> None:
    assert regex.search(pattern, text) is not None
    assert widened(pattern).search(text) is not None


def test_properties_are_listed_as_the_regex_module_knows_them() -> None:
    # Every decimal digit regex knows (Arabic-Indic, fullwidth ...), whatever RE2's tables say.
    every = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)
    digits = regex.findall(r"\d", every)
    assert len(digits) > 600
    wide = widened(r"\d")
    assert all(wide.fullmatch(d) for d in digits)
    assert not wide.search("a一")


@pytest.mark.parametrize("pattern", [r"(?i)abc", r"(?:abc){e<=1}", r"(?P<a>x(?&a)?y)"])
def test_what_cannot_be_widened_gets_no_superset(pattern: str) -> None:
    assert superset(pattern, regex.V0) is None


def test_every_rule_pattern_is_widened_and_the_widening_finds_every_match(
    extractor: DateExtractor, texts: list[str]
) -> None:
    patterns = extractor._atom_patterns + extractor._composition_patterns
    sources = [superset(p.pattern, p.flags) for p in patterns]
    assert all(s is not None for s in sources)
    compiled = [re2.compile(s) for s in sources if s is not None]
    for text in texts:
        for pattern, wide in zip(patterns, compiled, strict=True):
            if pattern.compiled.search(text) is not None:
                assert wide.search(text) is not None, (pattern.rule_id, text)


def plain_atoms(extractor: DateExtractor, text: str) -> list[tuple[int, int, str, dict[str, str | None]]]:
    """``find_atoms`` with every pattern scanned (no gate)."""
    gate = extractor._atom_gate
    extractor._atom_gate = None  # type: ignore[assignment]
    try:
        with pattern_scope(Deadline(5.0)):
            return [(a.start, a.end, a.rule.id, a.groups) for a in extractor.find_atoms(text)]
    finally:
        extractor._atom_gate = gate


def gated_atoms(extractor: DateExtractor, text: str) -> list[tuple[int, int, str, dict[str, str | None]]]:
    with pattern_scope(Deadline(5.0)):
        return [(a.start, a.end, a.rule.id, a.groups) for a in extractor.find_atoms(text)]


def test_the_gate_rules_out_most_patterns_and_changes_no_atom(extractor: DateExtractor, texts: list[str]) -> None:
    gate = extractor._atom_gate
    assert gate.widened == len(extractor._atom_patterns)
    ruled_out = 0
    for text in texts:
        possible = gate.possible(text)
        assert possible is not None
        ruled_out += len(extractor._atom_patterns) - len(possible)
        assert gated_atoms(extractor, text) == plain_atoms(extractor, text)
    assert ruled_out > len(texts) * len(extractor._atom_patterns) // 2


def test_an_exact_gate_leaves_only_patterns_whose_characters_the_text_holds(
    extractor: DateExtractor, texts: list[str]
) -> None:
    # Why a screened scan_each skips the character tests: they would rule out none of these.
    gate = extractor._atom_gate
    assert not gate.loose
    for text in [*texts, "3月", "去年", "2025年三季度"]:
        possible = gate.possible(text)
        assert possible is not None
        for index in possible:
            assert not extractor._atom_patterns[index].cannot_match(text, PatternScope(None)), (index, text)


def test_a_screened_scan_finds_what_a_checked_one_finds(extractor: DateExtractor, texts: list[str]) -> None:
    patterns = extractor._atom_patterns
    everything = set(range(len(patterns)))
    with pattern_scope(Deadline(60.0)):
        for text in texts[:50]:
            screened = scan_each(patterns, text, possible=everything, screened=True)
            checked = scan_each(patterns, text, possible=everything)
            assert [[m.span() for m in ms] for ms in screened] == [[m.span() for m in ms] for ms in checked]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=DATE_ALPHABET, max_size=40))
def test_gated_atoms_are_the_plain_atoms_on_any_text(extractor: DateExtractor, text: str) -> None:
    assert gated_atoms(extractor, text) == plain_atoms(extractor, text)


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=DATE_ALPHABET, max_size=40))
def test_gated_dates_are_the_plain_dates_on_any_text(extractor: DateExtractor, text: str) -> None:
    # The compositions (run over the skeleton) go through a gate of their own.
    ref = datetime(2025, 11, 1)
    with pattern_scope(Deadline(5.0)):
        gated = extractor.find(text, ref)
    gates = extractor._atom_gate, extractor._composition_gate
    extractor._atom_gate = extractor._composition_gate = None  # type: ignore[assignment]
    try:
        with pattern_scope(Deadline(5.0)):
            plain = extractor.find(text, ref)
    finally:
        extractor._atom_gate, extractor._composition_gate = gates
    assert gated == plain


def test_a_text_re2_cannot_read_is_scanned_whole(extractor: DateExtractor) -> None:
    text = "2025年3月6日\ud800发布"  # a lone surrogate is not UTF-8
    assert extractor._atom_gate.possible(text) is None
    assert gated_atoms(extractor, text) == plain_atoms(extractor, text) != []


def test_patterns_that_cannot_be_widened_are_always_scanned() -> None:
    patterns = [compile_pattern(r"(?i)abc", rule_id="caseless"), compile_pattern(r"\d+年", rule_id="year")]
    gate = PatternGate(patterns)
    assert gate.widened == 1
    assert gate.possible("没有") == frozenset({0})
    assert gate.possible("2025年") == frozenset({0, 1})
    with pattern_scope(Deadline(5.0)):
        assert [len(m) for m in scan_each(patterns, "ABC 2025年", gate=gate)] == [1, 1]


@pytest.mark.parametrize("memory", [1, 1 << 14])
def test_when_re2_runs_out_of_memory_every_pattern_is_scanned(
    extractor: DateExtractor, texts: list[str], monkeypatch: pytest.MonkeyPatch, memory: int
) -> None:
    monkeypatch.setattr(PatternGate, "MAX_MEM", memory)
    starved = PatternGate(extractor._atom_patterns)
    answers = [starved.possible(text) for text in texts[:20]]
    assert None in answers  # the set did not compile, or its automaton ran out on a text
    with pattern_scope(Deadline(5.0)):
        for text in texts[:20]:
            scans = scan_each(extractor._atom_patterns, text, gate=starved)
            plain = scan_each(extractor._atom_patterns, text)
            assert [[m.span() for m in s] for s in scans] == [[m.span() for m in s] for s in plain]


def test_without_re2_every_pattern_is_scanned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "re2", None)  # import re2 now fails
    gate = PatternGate([compile_pattern(r"\d+年", rule_id="year")])
    assert gate.possible("没有") is None
    assert gate.widened == 0


def test_the_gate_time_is_charged_and_a_gate_pickles() -> None:
    gate = PatternGate([compile_pattern(r"\d+年", rule_id="year")], "year gate")
    deadline = Deadline(5.0)
    assert gate.possible("2025年", deadline) == frozenset({0})
    assert "year gate" in deadline.by_rule
    copy = pickle.loads(pickle.dumps(gate))
    assert copy.possible("2025年") == frozenset({0}) and copy.possible("年") == frozenset()


def test_a_spent_budget_stops_a_gated_scan_at_the_same_pattern(extractor: DateExtractor) -> None:
    text = "据悉，公司计划扩大生产。"  # no pattern can match: the gate rules them all out
    assert extractor._atom_gate.possible(text) == frozenset()
    errors = []
    for gate in (extractor._atom_gate, None):
        deadline = Deadline(0.5)
        deadline.charge("earlier", 1.0)
        with pattern_scope(deadline), pytest.raises(PatternTimeout) as info:
            scan_each(extractor._atom_patterns, text, gate=gate)
        errors.append(info.value.details["rule_id"])
    assert errors[0] == errors[1] == extractor._atom_patterns[0].rule_id


@pytest.mark.parametrize("spend_after", ["dates.ymd", "dates.md", "dates.duration"])
def test_a_budget_spent_by_a_gated_scan_stops_at_the_same_pattern(extractor: DateExtractor, spend_after: str) -> None:
    # A scan that uses up the budget: the next pattern in order names the failure,
    # whether or not the gate ruled it out.
    text = "2025年3月6日，公司3个月内营收增长。"
    patterns = extractor._atom_patterns

    class SpentBy(Deadline):
        def charge(self, rule: str, elapsed: float) -> None:
            super().charge(rule, elapsed + (10.0 if rule == spend_after else 0.0))

    assert {spend_after} <= {patterns[i].rule_id for i in extractor._atom_gate.possible(text) or ()}
    errors = []
    for gate in (extractor._atom_gate, None):
        with pattern_scope(SpentBy(5.0)), pytest.raises(PatternTimeout) as info:
            scan_each(patterns, text, gate=gate)
        errors.append(info.value.details["rule_id"])
    after = patterns[[p.rule_id for p in patterns].index(spend_after) + 1].rule_id
    assert errors == [after, after]


def test_the_loose_widening_leaves_out_runs_of_common_characters() -> None:
    # A name before the words that mark it, and a run between two words: what is kept must be there.
    assert superset(r"(?<![\p{Han}])(?P<x>[\p{Han}]{1,9}?)(?:发布)?公告", loose=True) == r"\x{516c}\x{544a}"
    between = superset(r"收购[^，。\n]{0,20}?融资", loose=True)
    assert between is not None and re2.search(between, "融资") and not re2.search(between, "收购")
    # The side that must match more characters is kept (here the one before the run).
    before = superset(r"(?:中标|预中标)[“《](?P<x>[^”》\n]{4,80}?)[”》]", loose=True)
    assert before is not None and re2.search(before, "中标《") and not re2.search(before, "》")
    # Counted repeats become unbounded (no counting states); a run of common characters alone gives nothing.
    counted = superset(r"\d{1,3}万", loose=True)
    assert counted is not None and re2.fullmatch(counted, "12345万")
    assert superset(r"\d{1,3}万") is not None and not re2.fullmatch(superset(r"\d{1,3}万") or "", "12345万")
    assert superset(r"[\p{Han}]{2,}", loose=True) is None
    assert superset(r"[^，。]+|公告", loose=True) is None  # a branch that is all common characters


def test_every_events_pattern_widened_loosely_finds_every_match(texts: list[str]) -> None:
    # The role fillers' patterns, gated loosely (``FillerFinder``).
    finder = EventExtractor.from_rulebook(Pipeline.build(stages=["normalize"]).rulebook).finder
    patterns = [pattern for _rule, pattern in finder.patterns]
    sources = [superset(p.pattern, p.flags, loose=True) for p in patterns]
    assert sum(s is not None for s in sources) > 0.8 * len(patterns)
    for text in texts:
        for pattern, source in zip(patterns, sources, strict=True):
            if source is not None and pattern.compiled.search(text) is not None:
                assert re2.search(source, text) is not None, (pattern.rule_id, text)


def test_a_loose_gate_pickles_loose_and_possible_patterns_are_the_only_ones_scanned() -> None:
    patterns = [compile_pattern(r"[\p{Han}]{2,4}公告", rule_id="notice"), compile_pattern(r"\d+年", rule_id="year")]
    gate = PatternGate(patterns, "loose gate", loose=True)
    assert gate.widened == 2 and gate.possible("华源控股公告") == frozenset({0})
    copy = pickle.loads(pickle.dumps(gate))
    assert copy.loose and copy.possible("2025年") == frozenset({1})
    with pattern_scope(Deadline(5.0)):
        assert [len(m) for m in scan_each(patterns, "华源控股公告2025年", possible={1})] == [0, 1]
        assert [len(m) for m in scan_each(patterns, "华源控股公告2025年")] == [1, 1]
