"""Every inline example of the built-in rules is a pytest test (one test id per example).

``zhpipe rules test`` runs the same cases through the same code; an example marked
``xfail: <reason>`` is a strict pytest xfail (it fails the suite once it passes).
"""

from __future__ import annotations

import pytest

from pipeline.core import Pipeline
from pipeline.rulebook.examples import Case, check_case, collect_cases
from pipeline.rulebook.loader import load_rulebook


def _params() -> list[object]:
    params = []
    for case in collect_cases(load_rulebook()):
        marks = [pytest.mark.xfail(reason=case.xfail, strict=True)] if case.xfail else []
        params.append(pytest.param(case, id=case.case_id, marks=marks))
    return params


@pytest.mark.parametrize("case", _params())
def test_rule_example(case: Case, pipe: Pipeline) -> None:
    problem = check_case(case, pipe)
    if problem is not None:
        pytest.fail(f"{case.location}: {case.example.text!r}\n  expected {problem.expected}\n  got      {problem.got}")
