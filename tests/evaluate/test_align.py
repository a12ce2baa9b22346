"""The character alignment that carries predicted offsets onto the gold text."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pipeline.evaluate.align import Alignment


def test_identical_texts_map_offsets_unchanged() -> None:
    a = Alignment("智谱AI融资", "智谱AI融资")
    assert a.identical and a.span(0, 4) == (0, 4)
    assert a.stats.similarity == 1.0


def test_substitutions_map_position_by_position() -> None:
    # A t2s choice the annotator did not make (頴/颕) and a folded decimal point.
    a = Alignment("萧颕洁为秘书，8﹒71亿", "萧頴洁为秘书，8.71亿")
    assert a.span(0, 3) == (0, 3)
    assert a.span(7, 12) == (7, 12)
    assert not a.identical and a.stats.changed_source == 2


def test_insertions_and_deletions_shift_offsets() -> None:
    source = "![]()\n六年前，一家公司(jī)成立。"
    target = "六年前，一家公司成立。"
    a = Alignment(source, target)
    assert a.span(source.index("六年前"), source.index("六年前") + 3) == (0, 3)
    start = source.index("成立")
    assert a.span(start, start + 2) == (target.index("成立"), target.index("成立") + 2)
    # Text that exists only in the prediction has no counterpart.
    assert a.span(source.index("(jī)"), source.index("(jī)") + 4) is None


def test_a_span_across_a_rewritten_block_covers_the_block() -> None:
    a = Alignment("abcXYZdef", "abcQdef")
    assert a.span(3, 6) == (3, 4)
    assert a.span(0, 4) == (0, 4)
    assert a.span(6, 9) == (4, 7)


def test_a_repeated_character_next_to_an_insertion_keeps_its_place() -> None:
    a = Alignment("上?上上", "上上上")
    assert [a.span(i, i + 1) for i in range(4)] == [(0, 1), None, (1, 2), (2, 3)]


@given(
    st.text(alphabet="智谱融资上市公司年月日亿元", min_size=1, max_size=40),
    st.text(alphabet="ABC?", max_size=6),
    st.integers(min_value=0, max_value=40),
)
def test_unchanged_text_always_maps_back(text: str, noise: str, at: int) -> None:
    at = min(at, len(text))
    source = text[:at] + noise + text[at:]
    a = Alignment(source, text)
    # Every character of the original text keeps its identity through the insertion.
    for i in range(len(text)):
        j = i if i < at else i + len(noise)
        mapped = a.span(j, j + 1)
        assert mapped is not None
        assert text[mapped[0] : mapped[1]] == text[i]
