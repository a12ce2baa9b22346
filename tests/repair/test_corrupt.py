"""The corruption tool (pipeline/corrupt.py): deterministic, mechanism-true damage."""

from __future__ import annotations

import pytest

from pipeline.corrupt import KINDS, LOSSY_KINDS, SCOPES, corrupt, explains_damage, unrecoverable_positions

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


# --- documents no repair can restore (unrecoverable_positions) ---------------------


def _lost(text: str, kind: str, scope: str = "document", seed: int = 0) -> list[str]:
    return [text[i] for i in unrecoverable_positions(text, kind, scope, seed)]  # type: ignore[arg-type]


def test_a_character_outside_gbk_is_lost_to_the_spam_converter_only() -> None:
    text = "项目•进展顺利，面积100\u00a0平方米。"
    assert _lost(text, "pinyin_traditional") == ["•", "\u00a0"]
    # The witness: another clean text gives the identical damaged text.
    other = text.replace("•", "²").replace("\u00a0", "\u2022")
    for seed in range(3):
        assert (
            corrupt(text, "pinyin_traditional", seed=seed).text == corrupt(other, "pinyin_traditional", seed=seed).text
        )
    # Judged on the text as written: U+00A0 is lost although fold() would make it a space.
    for kind in ("traditional", "utf8_as_gbk", "gbk_as_latin1", "gbk_as_big5"):
        assert _lost(text, kind) == []


@pytest.mark.parametrize("kind", ["pinyin_traditional", "traditional", "big5_as_gbk"])
def test_a_variant_merged_by_the_conversion_table_is_lost(kind: str) -> None:
    text = "其馀的人员，余下的工作。"
    assert _lost(text, kind) == ["馀"]
    assert corrupt(text, kind).text == corrupt(text.replace("馀", "余"), kind).text  # type: ignore[arg-type]
    assert _lost(text, "utf8_as_gbk") == []


def test_a_digit_swallowed_into_a_question_mark_is_lost() -> None:
    # 家帶 straddles 規 (BC D2 8E A7 holds D2 8E); annotating 規 puts the converter out of
    # step, and A7 with the digit after it becomes "?".
    text = "公司于2019年12月发布公告，规定家带3个人。"
    damaged = corrupt(text, "pinyin_traditional", seed=2).text
    assert "?" in damaged and "3" not in damaged
    assert corrupt(text.replace("3", "7"), "pinyin_traditional", seed=2).text == damaged
    assert _lost(text, "pinyin_traditional", seed=2) == ["3"]


@pytest.mark.parametrize("kind", sorted(set(KINDS) - LOSSY_KINDS))
@pytest.mark.parametrize("scope", SCOPES)
def test_clean_text_without_such_characters_is_recoverable(kind: str, scope: str) -> None:
    assert _lost(CLEAN, kind, scope, seed=3) == []


@pytest.mark.parametrize("scope", SCOPES)
def test_the_characters_lost_bytes_replaces_are_lost(scope: str) -> None:
    damaged = corrupt(CLEAN, "lost_bytes", scope, seed=3)
    lost = unrecoverable_positions(CLEAN, "lost_bytes", scope, seed=3)
    assert lost and all(damaged.span[0] <= i < damaged.span[1] for i in lost)
    kept = "".join(c for i, c in enumerate(CLEAN) if i not in lost)
    assert "".join(c for c in damaged.text if c not in "\ufffd锟斤拷") == kept


def test_another_character_behind_a_byte_lost_next_to_ascii_explains_the_damage() -> None:
    # ： (EF BC 9A) and ， (EF BC 8C) differ in the last byte only; before ASCII the GBK
    # decoder loses that byte, so both texts arrive as the same damaged text.
    text = "公司公告：\n2024年营收增长。"
    assert corrupt(text, "utf8_as_gbk").text == corrupt(text.replace("：", "，"), "utf8_as_gbk").text
    assert explains_damage(text, text.replace("：", "，"), "utf8_as_gbk")
    # Before a Han character the byte is kept: the other mark is the repair's own mistake.
    inside = "公司公告：营收增长。"
    assert not explains_damage(inside, inside.replace("：", "，"), "utf8_as_gbk")
    # Damage left in is never an explanation.
    assert not explains_damage(text, corrupt(text, "utf8_as_gbk").text, "utf8_as_gbk")


def test_a_folded_full_width_letter_is_judged_in_its_written_form() -> None:
    # The normaliser writes Ａ as A; the written Ａ is what the damage saw (GBK A3 C1, a
    # pair Big5 lacks), so the folded output still explains the damage.
    text = "公司发行人民币普通股（Ａ股）。"
    assert explains_damage(text, text.replace("Ａ", "A"), "gbk_as_big5")
    assert not explains_damage(text, text.replace("Ａ", "B"), "gbk_as_big5")


def test_a_pinyin_repair_one_character_short_is_judged_with_the_clean_texts_site_set() -> None:
    # 陳先生全資 = EA 90 CF C8 C9 FA C8 AB D9 59: after a 申 (C9 EA) straddle the decoder drops
    # FA C8 and AB D9, and 陳先生資 (… C9 FA D9 59, FA D9 dropped) arrives the same. The converter
    # draws its site set per distinct character, so the shorter text, damaged from the same
    # seed, gets another set; the clean text's own set is the one that must explain it.
    clean = "公司申请上市。一间由陈先生全资拥有之公司。"
    damaged = corrupt(clean, "pinyin_traditional", seed=4).text
    assert "由?shēn)愊壬Y" in damaged
    short = clean.replace("全资", "资")
    assert corrupt(short, "pinyin_traditional", seed=4).text != damaged
    assert explains_damage(clean, short, "pinyin_traditional", seed=4)
    # So does 集資 (C9 FA BC AF D9 59: FA BC and AF D9 dropped too); 合資 (… FA BA CF D9 …) does not.
    assert explains_damage(clean, clean.replace("全资", "集资"), "pinyin_traditional", seed=4)
    assert not explains_damage(clean, clean.replace("全资", "合资"), "pinyin_traditional", seed=4)
