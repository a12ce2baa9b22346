"""Replaying the repair log on the raw text (pipeline/repair/replay.py)."""

from __future__ import annotations

import pytest

from pipeline.core import Pipeline
from pipeline.records import Repair
from pipeline.repair.replay import ReplayError, replay


def test_replay_gives_the_normalised_text(pipe: Pipeline) -> None:
    raw = (
        "![]()\n&#20320;ÄãºÃ業(yè)務(wù)２０２５\u00a0鍏徃\n"
        "特别声明：以上内容(如有图片或视频亦包括在内)为自媒体平台“网易号”用户上传并发布，本平台仅提供信息存储服务。"
    )
    result = pipe.normalize(raw)
    assert replay(result.raw, result.repairs) == result.text
    assert len({r.kind for r in result.repairs}) >= 5


def test_a_repair_that_does_not_fit_is_an_error() -> None:
    with pytest.raises(ReplayError):
        replay("abc", [Repair("t2s", 0, 1, "x", "y")])
