"""Who may own a straddling annotation: only a character the converter writes (pipeline/repair/pinyin.py)."""

from __future__ import annotations

import pytest

from pipeline.corrupt import decode_gbk_lossy
from pipeline.offsets import TextState
from pipeline.repair.lm import default_lm
from pipeline.repair.pinyin import PinyinRepairer, _converter_alphabet


@pytest.fixture(scope="module")
def repairer() -> PinyinRepairer:
    return PinyinRepairer(default_lm())


def _spam(traditional: str, site: str) -> str:
    """The converter's byte-level replacement with a given site set (its readings pypinyin's first)."""
    from pypinyin import Style, pinyin

    data = traditional.encode("gbk")
    for ch in sorted(set(site)):
        reading = pinyin(ch, style=Style.TONE)[0][0]
        data = data.replace(ch.encode("gbk"), f"{ch}({reading})".encode("gbk"))
    return decode_gbk_lossy(data)


def _repair(repairer: PinyinRepairer, text: str) -> str:
    state = TextState(text)
    state.apply(repairer.edits(text))
    return state.text


def test_the_simplified_owner_is_one_the_converter_never_writes() -> None:
    # The two owners the bytes allow below: 照 is D5 D5, 赵 is D5 D4 (趙 is DA 77).
    assert "照".encode("gbk").hex() == "d5d5"
    assert "赵".encode("gbk").hex() == "d5d4"
    assert "照" in _converter_alphabet()
    assert "赵" not in _converter_alphabet()


@pytest.mark.parametrize(
    ("traditional", "site"),
    [
        ("那日正午來到村口，照例休息片刻。", "照口休"),
        ("冬日正午來訪的客人不多。", "照客人"),
        ("春日正午來此賞花，遊人如織。", "照人如"),
    ],
)
def test_a_straddle_owner_is_a_character_the_converter_writes(
    repairer: PinyinRepairer, traditional: str, site: str
) -> None:
    # 照 (D5 D5) straddles 日|正 (C8 D5|D5 FD); out of step, 正's trail and 午's lead
    # (FD CE) are dropped and 午's trail with 來's lead (E7 81) reads 鐏. The hidden
    # byte D4 reads 日早來 with nothing put back, but makes the owner 赵 (D5 D4), a
    # Simplified-only form the converter never writes, so never annotates: that text,
    # converted with the same site set, has no straddle at all. Which text the hidden
    # D5 gives (日正午來 or 日甄來, no pair dropped) is the model's to choose; it must be
    # one the converter turns into the same damaged text.
    damaged = _spam(traditional, site)
    assert "日?zhào)鐏" in damaged
    repaired = _repair(repairer, damaged)
    assert "早" not in repaired
    assert _spam(repaired, site) == damaged
