"""A lost pair that ends a misread line is filled with a whole character (pipeline/repair/mojibake.py).

GBK text read as Big5 loses every pair Big5 has no character for (权 is C8 A8) as one
U+FFFD. At the end of a line the fill used to be a lone lead byte: the character it
starts is cut off by the line break, the text reads one character shorter, and the
language model liked that better (回购公司离职员工股权 came out 股 and U+FFFD).
"""

from __future__ import annotations

import pytest

from pipeline import normalize
from pipeline.repair.codecs import decode_whatwg_big5

# Headlines and clauses from financial news, each ending in a character Big5 cannot read.
LINES = [
    "恩捷股份：回购公司离职员工股权",
    "豫金刚石：无法保证年报真实准确",
    "海外扩张影响经营利润",
    "公司拟转让所持子公司全部股权",
]


def _misread(text: str) -> str:
    return decode_whatwg_big5(text.encode("gbk"))


@pytest.mark.parametrize("line", LINES)
def test_each_line_ends_in_a_lost_pair(line: str) -> None:
    assert _misread(line).endswith("\ufffd")


@pytest.mark.parametrize("line", LINES)
@pytest.mark.parametrize("after", ["\n原标题：公司公告", "\n", ""], ids=["line-break", "last-line", "text-end"])
def test_a_lost_pair_before_a_line_end_is_filled(line: str, after: str) -> None:
    damaged = _misread(line) + after
    assert normalize(damaged).text == line + after
