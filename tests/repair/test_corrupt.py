"""The corruption tool (pipeline/corrupt.py): deterministic, mechanism-true damage."""

from __future__ import annotations

import pytest

from pipeline.corrupt import KINDS, LOSSY_KINDS, SCOPES, corrupt

CLEAN = "第一段：智谱AI开始了百亿参数模型的训练。\n第二段，公司迎来团队合并，不再划分业务线。"


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("scope", SCOPES)
def test_corruption_is_deterministic_and_local(kind: str, scope: str) -> None:
    a = corrupt(CLEAN, kind, scope, seed=3)  # type: ignore[arg-type]
    b = corrupt(CLEAN, kind, scope, seed=3)  # type: ignore[arg-type]
    assert a == b
    start, end = a.span
    d_start, d_end = a.damaged_span
    assert a.text[:d_start] == CLEAN[:start]
    assert a.text[d_end:] == CLEAN[end:]
    assert a.data == a.text.encode("utf-8")
    if kind not in {"fullwidth"}:
        assert a.text != CLEAN or kind in LOSSY_KINDS


def test_unknown_kind() -> None:
    with pytest.raises(ValueError, match="unknown corruption kind"):
        corrupt(CLEAN, "nonsense", "document")  # type: ignore[arg-type]
