"""The run fingerprint changes with the installed code and models, not only the version (pipeline/batch/work.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.batch import work
from pipeline.batch.work import PipelineSpec, tree_digest
from pipeline.rulebook.loader import load_rulebook


def test_the_tree_digest_follows_every_file_but_byte_code(tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "weights.bin").write_bytes(b"\x00\x01")
    (tmp_path / "stage.py").write_text("RULE = 1\n", encoding="utf-8")
    first = tree_digest(tmp_path)
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "stage.cpython-311.pyc").write_bytes(b"cache")
    assert tree_digest(tmp_path) == first
    # A model retrained in place, an edited module, a renamed file: each is another digest.
    (tmp_path / "models" / "weights.bin").write_bytes(b"\x00\x02")
    retrained = tree_digest(tmp_path)
    assert retrained != first
    (tmp_path / "stage.py").write_text("RULE = 2\n", encoding="utf-8")
    edited = tree_digest(tmp_path)
    assert edited not in (first, retrained)
    (tmp_path / "stage.py").rename(tmp_path / "other.py")
    assert tree_digest(tmp_path) not in (first, retrained, edited)


def test_a_run_under_other_code_or_models_has_another_fingerprint(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = PipelineSpec(stages=("normalize",))
    rulebook = load_rulebook()
    monkeypatch.setattr(work, "installed_code_digest", lambda: "code-a")
    before = spec.fingerprint(rulebook)
    assert spec.fingerprint(rulebook) == before
    monkeypatch.setattr(work, "installed_code_digest", lambda: "code-b")
    assert spec.fingerprint(rulebook) != before
