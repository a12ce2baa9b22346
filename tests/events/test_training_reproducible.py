"""The committed event models are what ``make train-events`` makes of the shared data today.

Training is seeded and single-threaded, so it is bit-reproducible; a model trained before a
change to what it reads (the normalised text, the rules' fillers) would silently stop being
the script's output. Slow (minutes): run by ``make test-slow``.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.events.datasets import data_dir

MODELS = Path(__file__).resolve().parents[2] / "pipeline" / "models" / "events"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.slow
@pytest.mark.parametrize("model", ["types", "roles"])
def test_make_train_events_reproduces_the_committed_model(model: str, tmp_path: Path) -> None:
    try:
        data_dir()
    except FileNotFoundError as exc:  # the shared data is not on this machine
        pytest.skip(f"no shared data: {exc}")
    subprocess.run(
        [sys.executable, "-m", "pipeline.events.train", "--out", str(tmp_path), "--only", model],
        check=True,
        capture_output=True,
    )
    weights = Path(model) / "textcat_multilabel" / "model"
    assert _sha256(tmp_path / weights) == _sha256(MODELS / weights)
