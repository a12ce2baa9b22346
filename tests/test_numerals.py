"""Numerals: exact parsing of Arabic, Chinese and mixed numbers (pipeline/numerals.py).

cn2an is the oracle for the forms it knows; the forms it does not (万九, 千一, 1.2万亿,
百亿, 千万) are checked by hand.
"""

from __future__ import annotations

from decimal import Decimal

import cn2an
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.numerals import decimal_str, parse_chinese, parse_number, parse_quantity, place_value, to_int

ISSUE_FORMS = [
    ("1.6亿", "160000000"),
    ("三千万", "30000000"),
    ("一百二十万三", "1203000"),
    ("万九", "19000"),
    ("千一", "1100"),
    ("两千", "2000"),
    ("廿三", "23"),
    ("卅", "30"),
    ("幺零零", "100"),
    ("二〇二五", "2025"),
    ("二〇〇万", "2000000"),
    ("１２３４", "1234"),
    ("1,234.5", "1234.5"),
    ("19，212，760", "19212760"),
    ("73.500.000", "73500000"),
    ("1.2万亿", "1200000000000"),
    ("4.287亿", "428700000"),
    ("百亿", "10000000000"),
    ("千万", "10000000"),
    ("万亿", "1000000000000"),
    ("三亿五千万", "350000000"),
    ("3万5千", "35000"),
    ("3千5百万", "35000000"),
    ("三点五亿", "350000000"),
    ("壹仟万", "10000000"),
    ("一百零五", "105"),
    ("一千〇五", "1005"),
    ("两万零五百", "20500"),
    ("零点五", "0.5"),
]


@pytest.mark.parametrize(("text", "expected"), ISSUE_FORMS)
def test_parse_quantity_issue_forms(text: str, expected: str) -> None:
    assert decimal_str(parse_quantity(text)) == expected


@pytest.mark.parametrize("text", ["", "abc", "三四", "3五", "1.2.3", "元"])
def test_parse_quantity_rejects_what_is_not_one_number(text: str) -> None:
    with pytest.raises(ValueError):
        parse_quantity(text)


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=10**12 - 1))
def test_parse_quantity_agrees_with_cn2an_on_chinese_integers(n: int) -> None:
    assert parse_quantity(cn2an.an2cn(n)) == n
    assert parse_quantity(cn2an.an2cn(n, "up")) == n  # capitals: 壹仟贰佰


@settings(max_examples=200, deadline=None)
@given(
    st.decimals(min_value=0, max_value=99999, places=3, allow_nan=False, allow_infinity=False),
    st.sampled_from([("万", 10**4), ("亿", 10**8), ("万亿", 10**12), ("", 1)]),
)
def test_parse_quantity_is_exact_on_arabic_with_units(number: Decimal, unit: tuple[str, int]) -> None:
    word, factor = unit
    text = format(number, "f") + word
    assert parse_quantity(text) == number * factor


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1000, max_value=10**15))
def test_thousand_separators_and_full_width_digits(n: int) -> None:
    grouped = f"{n:,}"
    assert parse_quantity(grouped) == n
    full_width = grouped.translate({ord(str(d)): chr(0xFF10 + d) for d in range(10)}).replace(",", "，")
    assert parse_quantity(full_width) == n


def test_parse_quantity_is_exact_where_cn2an_is_not() -> None:
    # cn2an returns floats: 1.23456789亿 would lose digits.
    assert parse_quantity("1.23456789亿") == Decimal("123456789")
    assert parse_quantity("0.1亿") == Decimal("10000000")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.6", "1.6"),
        ("三千万", "30000000"),
        ("二〇二五", "2025"),
        ("一九九八", "1998"),
        ("十二", "12"),
        ("１２", "12"),
    ],
)
def test_parse_number_keeps_its_behaviour(text: str, expected: str) -> None:
    # The dates stage relies on parse_number and to_int (一九九八 is a year there).
    assert decimal_str(parse_number(text)) == expected


def test_to_int_and_parse_chinese() -> None:
    assert to_int("三十一") == 31
    assert to_int("1.5") is None
    assert parse_chinese("一百二十万三") == 1203000


@pytest.mark.parametrize(
    ("value", "place"), [("3000", "1000"), ("130", "10"), ("1.5", "0.1"), ("45890000", "10000"), ("0", "1")]
)
def test_place_value(value: str, place: str) -> None:
    assert place_value(Decimal(value)) == Decimal(place)


@pytest.mark.parametrize(
    ("value", "text"), [("3E+8", "300000000"), ("0.30", "0.3"), ("-0", "0"), ("-2.50", "-2.5"), ("1E-7", "0.0000001")]
)
def test_decimal_str(value: str, text: str) -> None:
    assert decimal_str(Decimal(value)) == text
