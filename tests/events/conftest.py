"""Fixtures shared by the events tests."""

from __future__ import annotations

import pytest

from pipeline.core import Pipeline


@pytest.fixture(scope="module")
def rules_only() -> Pipeline:
    """The default pipeline with the events models switched off: what the rules alone find."""
    return Pipeline.build(events_model=False)


def event_types(pipe: Pipeline, text: str) -> set[str]:
    """The event types ``pipe`` finds in ``text``."""
    return {e.type for e in pipe.process(text).events}
