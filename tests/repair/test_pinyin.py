"""Spam-converter annotations, straddles included (pipeline/repair/pinyin.py)."""

from __future__ import annotations

import random

import pytest

from pipeline.corrupt import decode_gbk_lossy, spam_convert
from pipeline.offsets import TextState
from pipeline.repair.lm import default_lm
from pipeline.repair.pinyin import PinyinRepairer, is_reading


@pytest.fixture(scope="module")
def repairer() -> PinyinRepairer:
    return PinyinRepairer(default_lm())


def _repair(repairer: PinyinRepairer, text: str) -> str:
    state = TextState(text)
    state.apply(repairer.edits(text))
    return state.text


def test_the_corruption_tool_reproduces_the_seed_straddle() -> None:
    data = "家帶著清華".encode("gbk")
    assert data.hex(" ") == "bc d2 8e a7 d6 f8 c7 e5 c8 41"
    replaced = data.replace("規".encode("gbk"), "規(guī)".encode("gbk"))
    assert decode_gbk_lossy(replaced) == "家?guī)е迦A"


def test_the_seed_straddle_is_undone(repairer: PinyinRepairer) -> None:
    text = "六年前,一家?guī)е迦A計算機(jī)系基因的AI創(chuàng)業(yè)公司悄然成立。"
    assert _repair(repairer, text) == "六年前,一家帶著清華計算機系基因的AI創業公司悄然成立。"
    kinds = [e.kind for e in repairer.edits(text)]
    assert "pinyin_straddle" in kinds and "pinyin_annotation" in kinds


def test_converted_text_round_trips() -> None:
    repairer = PinyinRepairer(default_lm())
    traditional = "據媒體報道，智譜商業化部門迎來團隊合併，不再劃分業務線，直接匯報給張鵬。"
    ok = 0
    for seed in range(10):
        converted = spam_convert(traditional, random.Random(seed))
        ok += _repair(repairer, converted) == traditional
    assert ok >= 9


def test_readings() -> None:
    assert is_reading("業", "yè")
    assert is_reading("著", "zhe") and is_reading("著", "zhù")
    assert not is_reading("王", "lǐ")


@pytest.mark.parametrize(
    "text",
    ["智能體(Agent)", "張三(Zhang San)", "网络流行语槑(méi)", "他姓王(lǐ)。", "MAU(月度活跃用户)"],
)
def test_what_is_not_an_annotation_stays(repairer: PinyinRepairer, text: str) -> None:
    assert repairer.edits(text) == []


def test_a_lone_annotation_on_a_common_character_goes(repairer: PinyinRepairer) -> None:
    assert _repair(repairer, "這是業(yè)務") == "這是業務"
