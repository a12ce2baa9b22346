"""The offset map between normalised and raw text (pipeline/offsets.py)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pipeline.offsets import Edit, TextState


def test_edits_map_back_to_the_raw_span() -> None:
    state = TextState("ab&amp;cd業(yè)x")
    state.apply([Edit(2, 7, "&", "html_entity"), Edit(9, 14, "業", "pinyin_annotation")])
    state.apply([Edit(5, 6, "业", "t2s")])
    text, repairs, offsets = state.finish()
    assert text == "ab&cd业x"
    assert offsets.to_raw_span(2, 3) == (2, 7)
    assert offsets.to_raw_span(5, 6) == (9, 14)
    assert offsets.to_raw(len(text)) == len("ab&amp;cd業(yè)x")
    assert [r.kind for r in repairs] == ["html_entity", "pinyin_annotation", "t2s"]
    assert repairs[1].before == "業(yè)" and repairs[1].after == "業"


def test_overlapping_edits_in_one_pass_keep_the_first() -> None:
    state = TextState("abcdef")
    assert state.apply([Edit(1, 4, "X", "a"), Edit(2, 5, "Y", "b")]) == 1
    assert state.text == "aXef"


@given(st.text(max_size=60), st.data())
def test_any_edit_maps_inside_the_raw_text(raw: str, data: st.DataObject) -> None:
    state = TextState(raw)
    if raw:
        start = data.draw(st.integers(0, len(raw)))
        end = data.draw(st.integers(start, len(raw)))
        state.apply([Edit(start, end, data.draw(st.text(max_size=5)), "test")])
    text, _repairs, offsets = state.finish()
    for i in range(len(text) + 1):
        assert 0 <= offsets.to_raw(i) <= len(raw)
    for i in range(len(text)):
        s, e = offsets.to_raw_span(i, i + 1)
        assert 0 <= s <= e <= len(raw)


@given(st.text(max_size=60))
def test_a_text_left_alone_maps_each_character_to_itself(raw: str) -> None:
    text, repairs, offsets = TextState(raw).finish()
    assert text == raw and repairs == ()
    assert [offsets.to_raw_span(i, i + 1) for i in range(len(raw))] == [(i, i + 1) for i in range(len(raw))]
    assert offsets.to_raw(len(raw)) == len(raw)
    assert offsets.from_raw_span(0, len(raw)) == (0, len(raw))
