"""Highlighted text stays well-formed HTML whatever the spans do; pages are self-contained."""

from __future__ import annotations

from html.parser import HTMLParser

from hypothesis import given
from hypothesis import strategies as st

from pipeline.render.html import CJK_FONT_STACK, Mark, bar_chart, marked_text, page


class Checker(HTMLParser):
    """Collects the text and checks that every element closes in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []
        self.opened: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack.append(tag)
        self.opened.append(dict(attrs))

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, (self.stack, tag)
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def check(html: str) -> Checker:
    checker = Checker()
    checker.feed(html)
    checker.close()
    assert checker.stack == []
    return checker


def test_nested_and_crossing_marks() -> None:
    text = "智谱AI在2024年1月推出GLM-4"
    marks = [Mark(0, 4, id="a"), Mark(2, 9, id="b"), Mark(0, 2, id="c"), Mark(5, 12, id="d")]
    html = marked_text(text, marks)
    checker = check(html)
    assert "".join(checker.text) == text
    ids = [a.get("id") for a in checker.opened if a.get("id")]
    assert sorted(ids) == ["a", "b", "c", "d"]  # each id once, on the first piece
    assert html.count('data-part="next"') >= 1


def test_text_and_attributes_are_escaped() -> None:
    html = marked_text('<b>"AT&T"</b>', [Mark(4, 8, attrs=(("data-tip", 'a "quoted" <tip>'),))])
    assert "&lt;b&gt;&quot;" in html and "AT&amp;T" in html and "&lt;tip&gt;" in html
    check(html)


@given(
    st.text(alphabet='智谱<>&"融资 \n', min_size=1, max_size=30),
    st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30)), max_size=8),
)
def test_any_spans_give_well_formed_html(text: str, spans: list[tuple[int, int]]) -> None:
    marks = [Mark(min(a, b), max(a, b), classes=("m",)) for a, b in spans]
    checker = check(marked_text(text, marks))
    assert "".join(checker.text) == text


def test_page_is_self_contained_with_a_cjk_font_stack() -> None:
    html = page("标题", "<p>正文</p>", script="console.log(1)")
    assert CJK_FONT_STACK in html and "Noto Sans CJK SC" in CJK_FONT_STACK
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "") and "https://" not in html
    assert '<meta charset="utf-8">' in html
    chart = bar_chart("DATE", [("strict F1", 0.5), ("partial F1", 1.2)])
    assert "<svg" in chart and "0.500" in chart and "1.200" in chart
