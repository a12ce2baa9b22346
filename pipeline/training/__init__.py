"""Training scripts for the models the pipeline ships with (run by ``make train-*``, never at run time)."""

from __future__ import annotations

import hashlib
from pathlib import Path


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, recorded with a model so a training run can be matched to its data."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()
