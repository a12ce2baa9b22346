"""The normalise stage (pipeline/stages/normalize.py): case files, properties, the seed.

Case files live in tests/cases/normalize/*.yaml (ftfy style: input and expected output,
see the comment at the top of mojibake.yaml). Every normalisation made here is also
replayed from its repair log.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
import regex
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.core import Pipeline
from pipeline.corrupt import damage, spam_convert
from pipeline.repair.replay import replay
from pipeline.stages.normalize import Normalized, Normalizer

CASES = Path(__file__).resolve().parent.parent / "cases" / "normalize"
ROOT = Path(__file__).resolve().parents[2]
_BRACED = regex.compile(r"\{([^{}]*)\}")


def _load_cases() -> list[Any]:
    params = []
    for path in sorted(CASES.glob("*.yaml")):
        for i, case in enumerate(yaml.safe_load(path.read_text(encoding="utf-8"))):
            marks = [pytest.mark.xfail(reason=case["xfail"], strict=True)] if case.get("xfail") else []
            params.append(pytest.param(case, id=f"{path.stem}-{i}-{case['name'][:40]}", marks=marks))
    return params


def _input_of(case: dict[str, Any]) -> tuple[str | bytes, str]:
    """The case's input and its expected output."""
    if "bytes" in case:
        spec = case["bytes"]
        return spec["text"].encode(spec["encoding"]), case["expect"]
    if "spam" in case:
        site = set(case["site"])
        return _spam(case["spam"], site), case["expect"]
    if "clean" in case:
        rng = random.Random(0)
        clean = case["clean"]
        damaged = _BRACED.sub(lambda m: damage(m.group(1), case["kind"], rng), clean)
        return damaged, case.get("expect", _BRACED.sub(lambda m: m.group(1), clean))
    return case["text"], case["expect"]


def _spam(traditional: str, site: set[str]) -> str:
    """The converter of pipeline.corrupt with a fixed site set (its rng decides nothing else)."""

    class Fixed(random.Random):
        def __init__(self, chars: list[str]) -> None:
            super().__init__(0)
            self._chars = chars

    chars = sorted({ch for ch in traditional if regex.match(r"\p{Han}", ch)})
    rolls = iter([0.0 if ch in site else 1.0 for ch in chars])
    rng = Fixed(chars)
    rng.random = lambda: next(rolls)  # type: ignore[method-assign]
    return spam_convert(traditional, rng, share=0.5)


@pytest.fixture(scope="module")
def normalizer(pipe: Pipeline) -> Normalizer:
    return pipe.normalizer()


def _check_replay(result: Normalized) -> None:
    assert replay(result.raw, result.repairs) == result.text
    for r in result.repairs:
        assert 0 <= r.raw_start <= r.raw_end <= len(result.raw)
        assert result.raw[r.raw_start : r.raw_end] or r.before == "" or r.kind != "lost"


@pytest.mark.parametrize("case", _load_cases())
def test_case(normalizer: Normalizer, case: dict[str, Any]) -> None:
    data, expect = _input_of(case)
    result = normalizer(data, simplify=case.get("simplify", True))
    assert result.text == expect
    kinds = {r.kind for r in result.repairs}
    for kind in case.get("kinds", []):
        assert kind in kinds, f"no {kind} repair in {sorted(kinds)}"
    if "encoding" in case:
        assert result.encoding == case["encoding"]
    _check_replay(result)
    # Idempotent: the output needs nothing more.
    assert normalizer(result.text, simplify=case.get("simplify", True)).text == result.text


def test_seed_article_equals_the_hand_checked_clean_text(normalizer: Normalizer) -> None:
    raw = (ROOT / "corpus" / "articles" / "000_18f992a553737757.txt").read_bytes()
    clean = (ROOT / "corpus" / "clean" / "000_18f992a553737757.txt").read_text(encoding="utf-8")
    result = normalizer(raw)
    assert result.text == clean
    assert "一家带着清华计算机系" in result.text
    straddles = [r for r in result.repairs if r.kind == "pinyin_straddle"]
    assert straddles and straddles[0].before.startswith("?guī)")
    assert result.raw[straddles[0].raw_start : straddles[0].raw_end] == straddles[0].before
    _check_replay(result)


def test_every_repair_is_explained(normalizer: Normalizer) -> None:
    result = normalizer("據了解&amp;ÄãºÃ業(yè)務(wù)２０２５�")
    for r in result.repairs:
        assert r.kind and r.source
        assert 0.0 <= r.confidence <= 1.0
        assert result.raw[r.raw_start : r.raw_end] == r.before or r.kind in {"t2s", "width"}
    assert [r.kind for r in result.repairs if r.kind == "lost"] == ["lost"]
    lost = next(r for r in result.repairs if r.kind == "lost")
    assert lost.confidence == 0.0 and lost.before == lost.after == "\ufffd"


def test_offsets_map_back_to_the_raw_text(normalizer: Normalizer) -> None:
    raw = "前言。ä½\u00a0å¥½ï¼Œä¸–ç•Œ！智譜AI"
    result = normalizer(raw)
    assert result.text == "前言。你好，世界！智谱AI"
    i = result.text.index("你好")
    start, end = result.to_raw_span(i, i + 2)
    assert raw[start:end] == "ä½\u00a0å¥½"
    j = result.text.index("智谱")
    assert raw[result.to_raw(j) : result.to_raw_span(j, j + 2)[1]] == "智譜"


def test_clean_text_has_no_repairs(normalizer: Normalizer) -> None:
    text = "据媒体报道，2025年之前，ToG和ToB在智谱内部曾是两条相对独立业务线。"
    result = normalizer(text)
    assert result.text == text
    assert result.repairs == ()


# --- properties -------------------------------------------------------------------

_HANZI = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面"
_OTHER = "，。、：；！？“”（）《》0123456789ABCabc ?&()\n"
_CHINESE = st.text(alphabet=st.sampled_from(list(_HANZI + _OTHER)), max_size=40)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=30))
def test_never_raises_and_is_idempotent_on_any_text(normalizer: Normalizer, text: str) -> None:
    once = normalizer(text)
    assert normalizer(once.text).text == once.text
    _check_replay(once)
    for i in range(len(once.text) + 1):
        assert 0 <= once.to_raw(i) <= len(once.raw)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=_CHINESE, kind=st.sampled_from(["utf8_as_gbk", "gbk_as_latin1", "utf8_as_cp1252", "big5_as_gbk"]))
def test_idempotent_on_damaged_chinese(normalizer: Normalizer, text: str, kind: str) -> None:
    damaged = damage(text, kind, random.Random(0))  # type: ignore[arg-type]
    once = normalizer(damaged)
    assert normalizer(once.text).text == once.text
    _check_replay(once)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=60))
def test_never_raises_on_any_bytes(normalizer: Normalizer, data: bytes) -> None:
    result = normalizer(data)
    assert isinstance(result.text, str)
    _check_replay(result)
    for i in range(len(result.text) + 1):
        assert 0 <= result.to_raw(i) <= len(result.raw)
