"""Every inline example of every rule file is a test (at the file's fixed reference time).

One test id per example (``pytest -k "dates.yaml::dates.ymd"``); ``zhpipe rules test``
runs the same cases through the same code. An example marked ``xfail: <reason>`` is a
strict pytest xfail: it fails the suite once it passes, so the mark gets removed. The
other tests here check how examples are collected and judged: lines, kinds, xfail,
negatives, replaced rules, credit.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.core import Pipeline
from pipeline.rulebook.examples import Case, check_case, collect_cases, evaluate
from pipeline.rulebook.loader import load_rulebook

CASES = collect_cases(load_rulebook())


def _param(case: Case) -> object:
    marks = [pytest.mark.xfail(reason=case.xfail, strict=True)] if case.xfail else []
    return pytest.param(case, id=case.case_id, marks=marks)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_rule_example(case: Case, pipe: Pipeline) -> None:
    problem = check_case(case, pipe)
    if problem is not None:
        pytest.fail(f"{case.location}: {case.example.text!r}\n  expected {problem.expected}\n  got      {problem.got}")


def test_every_rule_file_has_examples() -> None:
    assert CASES, "no rule examples found"
    files_with_cases = {c.path for c in CASES}
    assert len(files_with_cases) >= 9


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


OVERLAY = """\
kind: amounts
reference_time: "2025-11-20T10:00:00"
currencies:
  - {code: THB, names: [泰铢], symbols: ["฿"]}
rules:
  - id: my.amounts.thb_words
    priority: 5
    pattern: '(?P<num>\\d+)\\s*(?P<mag>万|亿)?\\s*(?P<cur>泰铢)'
    params: {kind: money}
    examples:
      - text: 营收50万泰铢
        span: 50万泰铢
        value: {currency: THB, value: "500000"}
      - text: 营收50万泰铢
        span: 50万泰铢
        value: {currency: USD}
      - text: 营收50万泰铢
        span: 50万泰铢
        value: {currency: USD}
        xfail: a wrong expectation, kept to show the report
      - text: 营收50万泰铢
        span: 50万泰铢
        xfail: marked, but it passes
negatives:
  - text: 泰铢汇率走强
  - text: 营收50万泰铢
    label: AMOUNT
"""


@pytest.fixture(scope="module")
def overlay(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("ov")
    write(folder, "amounts.yaml", OVERLAY)
    write(
        folder,
        "events.yaml",
        "kind: events\nnegatives:\n"
        "  - text: 智谱AI完成10亿元融资。\n"
        "  - text: 智谱AI完成10亿元融资。\n    type: 中标\n",
    )
    write(
        folder,
        "dates.yaml",
        "kind: dates\nrules:\n  - id: my.dates.recent\n    replaces: dates.recent\n    resolve: fuzzy\n"
        "    params: {days: 7}\n    pattern: '近日|日前'\n"
        "    examples:\n      - {text: 近日, value: {fuzzy: true, end: '2025-11-21T00:00:00'}}\n",
    )
    return folder


@pytest.fixture(scope="module")
def overlay_pipe(overlay: Path) -> Pipeline:
    return Pipeline.build([overlay])


@pytest.fixture(scope="module")
def cases(overlay_pipe: Pipeline, overlay: Path) -> dict[str, Case]:
    return {c.case_id: c for c in collect_cases(overlay_pipe.rulebook) if str(overlay.name) in c.case_id}


def test_cases_carry_file_line_and_kind(cases: dict[str, Case], overlay: Path) -> None:
    case = cases[f"{overlay.name}/amounts.yaml::my.amounts.thb_words::0"]
    assert case.kind == "amounts" and case.label == "AMOUNT"
    assert case.line == 11
    assert case.location.endswith("amounts.yaml:11")
    assert case.credit == "rule:my.amounts.thb_words"


def test_outcomes(cases: dict[str, Case], overlay_pipe: Pipeline, overlay: Path) -> None:
    prefix = f"{overlay.name}/amounts.yaml::my.amounts.thb_words::"
    outcomes = {i: evaluate(cases[prefix + str(i)], overlay_pipe) for i in range(4)}
    assert outcomes[0].outcome == "pass" and outcomes[0].uncredited is None
    assert outcomes[1].outcome == "fail"
    assert outcomes[1].problem is not None
    assert "currency: 'USD'" in outcomes[1].problem.expected
    assert "currency='THB'" in outcomes[1].problem.got
    assert outcomes[2].outcome == "xfail"
    assert outcomes[3].outcome == "xpass"


def test_negatives(cases: dict[str, Case], overlay_pipe: Pipeline, overlay: Path) -> None:
    neg = f"{overlay.name}/amounts.yaml::negatives::"
    assert evaluate(cases[neg + "0"], overlay_pipe).outcome == "pass"
    failed = evaluate(cases[neg + "1"], overlay_pipe)
    assert failed.outcome == "fail"
    assert failed.problem is not None and "50万泰铢" in failed.problem.got
    events = f"{overlay.name}/events.yaml::negatives::"
    # Without a type, an events negative forbids every event; with one, only that type.
    untyped = evaluate(cases[events + "0"], overlay_pipe)
    assert untyped.outcome == "fail" and untyped.problem is not None and "企业融资" in untyped.problem.got
    assert evaluate(cases[events + "1"], overlay_pipe).outcome == "pass"


def test_replaced_rules_examples_do_not_run(overlay_pipe: Pipeline) -> None:
    ids = {c.case_id for c in collect_cases(overlay_pipe.rulebook)}
    assert not any("::dates.recent::" in i for i in ids)
    assert any("::my.dates.recent::" in i for i in ids)
    assert any("::dates.ymd::" in i for i in ids)


def test_example_credited_to_another_rule(tmp_path: Path) -> None:
    # A suffix rule's example that the gazetteer matches first passes, but not through its rule.
    folder = tmp_path / "ov"
    write(
        folder,
        "orgs.yaml",
        "kind: org_patterns\nsuffixes:\n  - id: my.orgs.lab\n    suffixes: [智能实验室]\n    type: university\n"
        "    examples:\n      - {text: 月之暗面发布新模型, span: 月之暗面}\n",
    )
    pipe = Pipeline.build([folder], stages=["normalize", "segment", "dates", "amounts", "entities", "mentions"])
    [case] = [c for c in collect_cases(pipe.rulebook) if c.rule_id == "my.orgs.lab"]
    result = evaluate(case, pipe)
    assert result.outcome == "pass"
    assert result.uncredited == "made by rule:orgs.gazetteer, not by rule:my.orgs.lab"


def test_lexicon_and_normalize_cases(pipe: Pipeline) -> None:
    cases = [c for c in collect_cases(pipe.rulebook) if c.kind in ("lexicon", "normalize")]
    assert {c.kind for c in cases if not c.positive} == {"lexicon", "normalize"}
    assert all(evaluate(c, pipe).outcome == "pass" for c in cases)
