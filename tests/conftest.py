"""Shared fixtures: one pipeline for the whole session (building it loads jieba)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.core import Pipeline

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "corpus" / "articles" / "000_18f992a553737757.txt"
REFERENCE_DATE = "2025-11-20"


@pytest.fixture(scope="session")
def pipe() -> Pipeline:
    """The pipeline with the built-in rules."""
    return Pipeline.build()


@pytest.fixture(scope="session")
def seed_bytes() -> bytes:
    """The real seed article, byte for byte."""
    return SEED.read_bytes()
