"""Safe YAML loading that can point at the line of any value when validation fails."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

try:  # the C loader is ten times faster on large gazetteers
    _SafeLoader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _SafeLoader = yaml.SafeLoader


def load_yaml(path: Path) -> Any:
    """Parse ``path`` with the safe loader (no tags that construct Python objects)."""
    with path.open("rb") as fh:
        return yaml.load(fh, Loader=_SafeLoader)  # noqa: S506 - the loader is a SafeLoader


def line_of(path: Path, location: Sequence[str | int]) -> int | None:
    """Return the 1-based line of the value at ``location`` (keys and list indices).

    Walks as deep as the document allows, so a missing field points at the mapping
    that should have held it. Parsing again is fine: this only runs on an error.
    """
    try:
        with path.open("rb") as fh:
            node = yaml.compose(fh, Loader=_SafeLoader)
    except yaml.YAMLError:
        return None
    if node is None:
        return None
    line = node.start_mark.line + 1
    for step in location:
        child = None
        if isinstance(node, yaml.MappingNode) and isinstance(step, str):
            for key, value in node.value:
                if getattr(key, "value", None) == step:
                    child = value
                    line = key.start_mark.line + 1
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
            child = node.value[step]
            line = child.start_mark.line + 1
        if child is None:
            break
        node = child
    return line
