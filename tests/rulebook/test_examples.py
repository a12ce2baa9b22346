"""Every inline example of every rule file is a test (at the file's fixed reference time)."""

from __future__ import annotations

import pytest

from pipeline.core import Pipeline
from pipeline.rulebook.examples import Case, collect_cases, run_case
from pipeline.rulebook.loader import load_rulebook

CASES = collect_cases(load_rulebook())


@pytest.mark.parametrize("case", CASES, ids=[c.case_id for c in CASES])
def test_rule_example(case: Case, pipe: Pipeline) -> None:
    outcome, message = run_case(case, pipe)
    if outcome == "xfail":
        pytest.xfail(message or "")
    assert outcome == "pass", f"{case.path} {case.rule_id}: {message}"


def test_every_rule_file_has_examples() -> None:
    assert CASES, "no rule examples found"
    kinds_with_cases = {c.path for c in CASES}
    assert len(kinds_with_cases) >= 8
