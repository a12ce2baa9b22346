"""Traditional to Simplified with the LM on one-to-many characters (pipeline/repair/t2s.py)."""

from __future__ import annotations

import pytest

from pipeline.offsets import TextState
from pipeline.repair.lm import default_lm
from pipeline.repair.t2s import ContextRule, Simplifier, to_simplified, to_simplified_many


@pytest.fixture(scope="module")
def simplifier() -> Simplifier:
    return Simplifier(default_lm())


def _convert(simplifier: Simplifier, text: str) -> str:
    state = TextState(text)
    state.apply(simplifier.edits(text))
    return state.text


@pytest.mark.parametrize(
    ("traditional", "simplified"),
    [
        ("一家帶著清華基因的公司", "一家带着清华基因的公司"),
        ("意味著未來", "意味着未来"),
        ("他是著名學者，著有多部專著。", "他是著名学者，著有多部专著。"),
        ("三年後，他在公司裏當上了經理。", "三年后，他在公司里当上了经理。"),
        ("這裏的河床已經乾了。", "这里的河床已经干了。"),
        # 像 is kept by OpenCC: the model's liking for 现象 is not enough to make it 象.
        ("日本經濟出現像1980年代那樣的泡沫", "日本经济出现像1980年代那样的泡沫"),
        ("沈默的大多數", "沉默的大多数"),  # OpenCC's phrase table still converts its words
        # 划 and 里 are written 劃 and 裏: 畫 and 哩 are they only in rarer uses (計畫,
        # 英哩), and a slight preference of the model does not make them so.
        ("但她能不畏艱辛，鍥而不舍，由畫及書，由書及印。", "但她能不畏艰辛，锲而不舍，由画及书，由书及印。"),
        ("它比蛟龍猛虎還要狠十分哩。", "它比蛟龙猛虎还要狠十分哩。"),
    ],
)
def test_traditional_text(simplifier: Simplifier, traditional: str, simplified: str) -> None:
    assert _convert(simplifier, traditional) == simplified


@pytest.mark.parametrize("text", ["这一点有显著的先例。", "队副大队长庄乾恺赶到现场。", "乾隆年间"])
def test_simplified_text_is_left_alone(simplifier: Simplifier, text: str) -> None:
    assert simplifier.edits(text) == []


def test_model_decisions_are_named(simplifier: Simplifier) -> None:
    edits = simplifier.edits("意味著未來")
    assert {e.source for e in edits} >= {"normalize.t2s"}
    assert all(e.kind == "t2s" for e in edits)


def test_rules_keep_their_words() -> None:
    rule = ContextRule("normalize.t2s_zhe", "著", "着", ("著名",))
    simplifier = Simplifier(default_lm(), [rule])
    edits = simplifier.edits("帶著著名學者")
    state = TextState("帶著著名學者")
    state.apply(edits)
    assert state.text == "带着著名学者"


def test_convert_many_is_for_scoring(simplifier: Simplifier) -> None:
    assert simplifier.convert_many(["帶著清華", "著名"]) == ["带着清华", "著名"]


def test_batched_conversion_equals_one_text_at_a_time() -> None:
    texts = ["頭髮乾了", "後來", "", "著名學者", "裏面", "乾隆", "A股", "髮", "一個\n兩個", "發"]
    assert to_simplified_many(texts) == [to_simplified(t) for t in texts]
    joined_phrases = ["頭", "髮", "乾", "淨"]  # phrases across texts must not be matched
    assert to_simplified_many(joined_phrases) == [to_simplified(t) for t in joined_phrases]


def test_batched_conversion_of_texts_with_line_breaks() -> None:
    # Texts with breaks of their own go into the same batch, line by line; a phrase
    # split by a break (頭|髮) or by the end of a text is not matched across it.
    texts = ["頭\n髮乾了", "乾", "淨\n", "\n", "著名\n學者\n裏面", "", "頭髮", "後\n\n來"]
    assert to_simplified_many(texts) == [to_simplified(t) for t in texts]
    assert to_simplified_many(["一個\n兩個", "三個"]) == ["一个\n两个", "三个"]


def test_a_reading_the_character_is_the_traditional_form_of() -> None:
    from pipeline.repair.t2s import writes_as

    assert writes_as("画", "畫") and writes_as("里", "裏") and writes_as("着", "着")
    assert not writes_as("划", "畫") and not writes_as("里", "哩")


def test_texts_with_line_breaks_take_one_opencc_call(monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.repair import t2s

    calls: list[str] = []

    def counted(text: str) -> str:
        calls.append(text)
        return to_simplified(text)

    texts = ["頭髮\n", "乾淨", "著\n名"]
    alone = [to_simplified(t) for t in texts]
    monkeypatch.setattr(t2s, "to_simplified", counted)
    assert t2s.to_simplified_many(texts) == alone
    assert len(calls) == 1


def test_convert_many_equals_one_text_at_a_time(simplifier: Simplifier) -> None:
    # One-to-many characters at the start and end of texts, texts with none, empty
    # texts and line breaks: each text is read alone, whatever comes before or after.
    texts = ["著名", "帶著", "", "乾隆皇帝", "頭髮乾了\n著", "清華", "著", "後來\n", "乾"]
    assert simplifier.convert_many(texts) == [simplifier.convert(t) for t in texts]
