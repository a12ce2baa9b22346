"""The segmenter cores: rjieba (jieba-rs) must give jieba's tokens and honour the lexicon."""

from __future__ import annotations

import pytest

from pipeline.core import Pipeline
from pipeline.rulebook.loader import load_rulebook
from pipeline.stages.segment import Segmenter, lexicon_words, split_words

pytest.importorskip("rjieba")

TEXTS = [
    "理想汽车(02015.HK)拟将美国IPO定价在招股区间顶端，发行价区间为8-10美元。",
    "本报讯 2019-09-16，中信证券(600030.SH)公告称，公司拟发行不超过7.45-7.5亿股A股，详见www.cs.ecitic.com。",
    "智谱AI向北京证监局提交上市辅导备案，估值超过200亿元，GLM-10B训练于2020年开始。",
    "他说：“我们的Wi-Fi 6产品在第三季度卖出了3.5万台，同比增长120%。”",
]


@pytest.fixture(scope="module")
def cores() -> tuple[Segmenter, Segmenter]:
    rulebook = load_rulebook([])
    words, forget = lexicon_words(rulebook), split_words(rulebook)
    return Segmenter(words, forget, "jieba"), Segmenter(words, forget, "rjieba")


@pytest.mark.parametrize("text", TEXTS)
def test_rjieba_tokens_equal_jieba_tokens(cores: tuple[Segmenter, Segmenter], text: str) -> None:
    reference, fast = cores
    assert fast.tokens(text) == reference.tokens(text)
    assert fast.dictionary_tokens(text) == reference.dictionary_tokens(text)


def test_both_cores_apply_added_and_split_words() -> None:
    for backend in ("jieba", "rjieba"):
        seg = Segmenter([("麒麟电池", None, "nz"), ("宁德时代新能源", None, "nt")], ["人民银行"], backend)
        words = seg.lcut("宁德时代新能源发布麒麟电池，中国人民银行表示关注。")
        assert "麒麟电池" in words and "宁德时代新能源" in words, backend
        assert "人民银行" not in words, backend


def test_the_gazetteer_survives_segmentation_in_both_cores(cores: tuple[Segmenter, Segmenter]) -> None:
    reference, fast = cores
    multi = [w for w, _, tag in reference._words if tag == "nt" and len(w) > 3][:50]
    text = "，".join(multi)
    assert set(multi) <= set(fast.lcut(text))
    assert fast.lcut(text) == reference.lcut(text)


def test_the_pipeline_option_picks_the_core() -> None:
    seg = Pipeline.build(segmenter="jieba").stage("segment")
    assert seg.segmenter.backend == "jieba"  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="unknown segmenter backend"):
        Segmenter([], [], "stanza")


def test_tokens_are_named_tuples_of_the_spans(cores: tuple[Segmenter, Segmenter]) -> None:
    _reference, fast = cores
    text = TEXTS[0]
    tokens = fast.tokens(text)
    assert [tuple(t) for t in tokens] == fast.spans(text)
    assert all(type(t).__name__ == "Token" and text[t.start : t.end] == t.text for t in tokens)
