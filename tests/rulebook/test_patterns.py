"""Rule patterns run under a per-document time budget: a catastrophic pattern cannot hang a batch."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
import regex

from pipeline.core import Pipeline
from pipeline.errors import ErrorCode
from pipeline.rulebook.patterns import (
    Deadline,
    PatternTimeout,
    compile_pattern,
    expand_macros,
    pattern_scope,
    undefined_macros,
)
from pipeline.textutil import compile_with_macros

# Exponential backtracking in the regex module: (a|a)+ before a failing end.
CATASTROPHIC = r"(?:哈|哈)+$"
BAIT = "哈" * 40 + "。"


def test_expand_macros_nested_and_safe_braces() -> None:
    macros = {"NUM": r"\d+", "PAIR": "{NUM}-{NUM}"}
    assert expand_macros(r"{PAIR}\d{1,3}\p{Han}", macros) == r"(?:(?:\d+)-(?:\d+))\d{1,3}\p{Han}"
    with pytest.raises(ValueError, match="nest too deeply"):
        expand_macros("{A}", {"A": "{A}x"})


def test_undefined_macros_ignore_unicode_properties() -> None:
    assert undefined_macros(r"\p{L}{YAER}{NUM}", {"NUM": "{DIGITS}"}) == ["DIGITS", "YAER"]
    assert undefined_macros("{CUR_NAME}", {}, kind="amounts") == []


def test_safe_pattern_behaves_like_regex() -> None:
    safe = compile_with_macros(r"(?P<n>{NUM})亿", {"NUM": r"\d+(?:\.\d+)?"}, rule_id="t.money")
    plain = regex.compile(r"(?P<n>\d+(?:\.\d+)?)亿")
    text = "营收3亿，亏损20.5亿"
    assert [m.span() for m in safe.finditer(text)] == [m.span() for m in plain.finditer(text)]
    assert safe.search(text).group("n") == "3"  # type: ignore[union-attr]
    assert safe.findall(text) == plain.findall(text)
    assert safe.sub("X", text) == plain.sub("X", text)
    assert safe.match("3亿") is not None and safe.fullmatch("3亿多") is None
    assert safe.groupindex == {"n": 1}
    copy = pickle.loads(pickle.dumps(safe))
    assert copy.rule_id == "t.money" and copy.search(text).span() == (2, 4)  # type: ignore[union-attr]


def test_catastrophic_pattern_times_out_within_the_document_budget() -> None:
    pattern = compile_pattern(CATASTROPHIC, rule_id="bad.rule")
    deadline = Deadline(0.2, "doc-1")
    # Unbounded, this search takes about 2**40 steps; it must stop once the budget is spent.
    with pattern_scope(deadline), pytest.raises(PatternTimeout) as info:
        list(pattern.finditer(BAIT))
    assert deadline.spent >= 0.2 * 0.5
    assert info.value.code is ErrorCode.E206
    assert info.value.details["rule_id"] == "bad.rule"
    assert info.value.details["doc_id"] == "doc-1"
    assert "bad.rule" in str(info.value) and "doc-1" in str(info.value)


def test_budget_is_shared_by_every_pattern_of_a_document() -> None:
    deadline = Deadline(0.3, "doc")
    slow = compile_pattern(CATASTROPHIC, rule_id="slow")
    other = compile_pattern("哈", rule_id="other")
    with pattern_scope(deadline):
        with pytest.raises(PatternTimeout):
            slow.search(BAIT)
        # The budget is spent: the next pattern of the same document fails at once.
        with pytest.raises(PatternTimeout) as info:
            other.search(BAIT)
    assert info.value.details["rule_id"] == "other"
    assert deadline.by_rule["slow"] > 0.2
    assert deadline.slowest(1)[0][0] == "slow"


def test_time_is_charged_per_rule_and_matches_are_logged() -> None:
    deadline = Deadline(5.0, "doc")
    log: list = []
    pattern = compile_pattern("亿", rule_id="r.yi")
    text = "3亿和5亿"
    with pattern_scope(deadline, log):
        assert len(list(pattern.finditer(text))) == 2
    assert set(deadline.by_rule) == {"r.yi"}
    assert [(m.rule, m.start, m.end) for m in log] == [("r.yi", 1, 2), ("r.yi", 4, 5)]
    assert all(m.string is text for m in log)


def test_outside_a_document_an_explicit_timeout_still_applies() -> None:
    pattern = compile_pattern(CATASTROPHIC, rule_id="bad")
    with pytest.raises(PatternTimeout) as info:
        pattern.search(BAIT, timeout=0.1)
    assert info.value.details["seconds"] == 0.1
    assert info.value.details["doc_id"] == "(none)"


@pytest.fixture(scope="module")
def slow_pipe(tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    folder: Path = tmp_path_factory.mktemp("slow_rules")
    (folder / "dates.yaml").write_text(
        "kind: dates\nrules:\n  - id: my.dates.catastrophic\n"
        f"    pattern: '{CATASTROPHIC}'\n"
        "    examples:\n      - text: 哈哈\n",
        encoding="utf-8",
    )
    return Pipeline.build([folder], pattern_timeout=0.2)


def test_a_document_that_times_out_fails_with_e206(slow_pipe: Pipeline) -> None:
    with pytest.raises(PatternTimeout) as info:
        slow_pipe.process(BAIT, doc_id="slow-doc", doc_date="2025-11-20")
    assert info.value.code is ErrorCode.E206
    assert info.value.details["rule_id"] == "my.dates.catastrophic"
    assert info.value.details["doc_id"] == "slow-doc"
    # The next document has its own budget.
    doc = slow_pipe.process("2025年3月，智谱发布新模型。", doc_date="2025-11-20")
    assert any(m.label == "DATE" for m in doc.mentions)


def test_traced_run_reports_the_failure_instead_of_raising(slow_pipe: Pipeline) -> None:
    run = slow_pipe.process_traced(BAIT, doc_id="slow-doc")
    assert run.error is not None and run.error.code is ErrorCode.E206
    assert run.pattern_seconds["my.dates.catastrophic"] > 0.1


def test_pattern_timeout_option_is_checked() -> None:
    with pytest.raises(ValueError, match="pattern_timeout"):
        Pipeline.build(stages=["normalize"], pattern_timeout=0)
