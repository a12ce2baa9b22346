"""Fixtures shared by the rulebook tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.core import Pipeline
from pipeline.rulebook.examples import collect_cases

ARTICLES = Path(__file__).resolve().parents[2] / "corpus" / "articles"


@pytest.fixture(scope="module")
def article_and_example_texts(pipe: Pipeline) -> list[str]:
    """Normalised corpus articles and every rule example text: real inputs for the pattern scanners.

    ``pipe`` is the requesting module's own pipeline fixture.
    """
    out = [pipe.normalize(p.read_bytes()).text for p in sorted(ARTICLES.glob("*.txt"))[:12]]
    for case in collect_cases(pipe.rulebook):
        text = getattr(case.example, "text", None)
        if isinstance(text, str):
            out.append(text)
    return out
