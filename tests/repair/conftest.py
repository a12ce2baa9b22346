"""Fixtures shared by the repair tests."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

SharedData = Callable[[list[str], list[str]], Path]


@pytest.fixture
def shared_data(tmp_path: Path) -> SharedData:
    """A factory of small ``shared/data`` folders for the training scripts of the repair tables.

    It writes DuEE-fin dev documents and CLUENER train lines with the given texts and
    returns the folder: the scripts read the same layout as ``../shared/data``.
    """

    def write(duee_fin_texts: list[str], cluener_texts: list[str]) -> Path:
        data = tmp_path / "data"
        (data / "duee_fin").mkdir(parents=True)
        (data / "cluener2020").mkdir()
        lines = "".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in duee_fin_texts)
        (data / "duee_fin" / "dev.jsonl").write_text(lines, encoding="utf-8")
        lines = "".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in cluener_texts)
        (data / "cluener2020" / "train.jsonl").write_text(lines, encoding="utf-8")
        return data

    return write
