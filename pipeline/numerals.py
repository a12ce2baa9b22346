"""Parse Arabic, Chinese and mixed numerals into exact decimals.

Used by the date and amount extractors. Chinese numerals go through cn2an where it
fits; the forms cn2an does not know (廿, 卅, 幺, 两, 万九, 一百二十万三, digit-by-digit
years such as 二〇二五) are handled here first.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import cn2an

DIGITS: dict[str, int] = {
    "零": 0, "〇": 0, "○": 0, "Ｏ": 0, "0": 0,
    "一": 1, "壹": 1, "幺": 1, "1": 1,
    "二": 2, "贰": 2, "两": 2, "2": 2,
    "三": 3, "叁": 3, "3": 3,
    "四": 4, "肆": 4, "4": 4,
    "五": 5, "伍": 5, "5": 5,
    "六": 6, "陆": 6, "6": 6,
    "七": 7, "柒": 7, "7": 7,
    "八": 8, "捌": 8, "8": 8,
    "九": 9, "玖": 9, "9": 9,
}  # fmt: skip
SMALL_UNITS: dict[str, int] = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
BIG_UNITS: dict[str, int] = {"万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000}
SPECIAL: dict[str, int] = {"廿": 20, "卅": 30, "卌": 40}
CHINESE_NUMERAL_CHARS = "".join(DIGITS) + "".join(SMALL_UNITS) + "".join(BIG_UNITS) + "".join(SPECIAL) + "点點"


def digit_string(text: str) -> int | None:
    """Read ``text`` digit by digit (``二〇二五`` -> 2025); ``None`` if a char is not a digit."""
    value = 0
    for ch in text:
        d = DIGITS.get(ch)
        if d is None:
            return None
        value = value * 10 + d
    return value


def _section(text: str) -> Decimal:
    """Parse a numeral below 10^4 (``三千五百``, ``十二``, ``廿三``), with the 一百二十万三 tail rule."""
    total = 0
    current: int | None = None
    last_unit = 1
    for ch in text:
        if ch in DIGITS:
            current = DIGITS[ch]
        elif ch in SPECIAL:
            total += SPECIAL[ch]
            current = None
            last_unit = 10
        elif ch in SMALL_UNITS:
            unit = SMALL_UNITS[ch]
            total += (1 if current is None else current) * unit
            current = None
            last_unit = unit
        else:
            raise ValueError(f"not a numeral character: {ch!r}")
    if current is not None:
        # 三千五 = 3500, 一百二 = 120: a trailing digit counts in the next unit down.
        total += current * (last_unit // 10 if last_unit >= 10 and len(text) >= 2 and text[-2] in SMALL_UNITS else 1)
    return Decimal(total)


def parse_chinese(text: str) -> Decimal:
    """Parse a Chinese numeral, big units included (``一百二十万三`` -> 1203000).

    Raises:
        ValueError: ``text`` is not a Chinese numeral.

    """
    if not text:
        raise ValueError("empty numeral")
    for point in ("点", "點"):
        if point in text:
            whole, frac = text.split(point, 1)
            frac_digits = digit_string(frac)
            if frac_digits is None:
                raise ValueError(f"bad decimal part: {text!r}")
            return parse_chinese(whole or "零") + Decimal(f"0.{frac}".translate(_DIGIT_TABLE))
    if all(ch in DIGITS for ch in text) and len(text) > 1:
        value = digit_string(text)
        assert value is not None
        return Decimal(value)
    total = Decimal(0)
    rest = text
    # Split on 亿 then 万, so 三亿五千万 = 3*10^8 + 5000*10^4.
    for unit_char, unit in (("亿", 100_000_000), ("億", 100_000_000), ("万", 10_000), ("萬", 10_000)):
        if unit_char in rest:
            head, rest = rest.split(unit_char, 1)
            head_value = parse_chinese(head) if head else Decimal(1)
            total += head_value * unit
            if rest and all(ch in DIGITS for ch in rest) and len(rest) == 1:
                # 一百二十万三 = 1,203,000; 万九 = 19,000: a lone digit after a big unit
                # is in the next unit down.
                return total + Decimal(DIGITS[rest]) * unit // 10
    if rest:
        total += _section(rest)
    return total


_DIGIT_TABLE = str.maketrans({k: str(v) for k, v in DIGITS.items()})


def parse_number(text: str) -> Decimal:
    """Parse any numeral: ``1,234.5``, ``1.6``, ``三千万``, ``4.287``, ``２０２５``.

    Raises:
        ValueError: ``text`` is not a number.

    """
    cleaned = text.strip().replace(",", "").replace("，", "").replace(" ", "")
    cleaned = cleaned.translate(_FULLWIDTH)
    if not cleaned:
        raise ValueError("empty number")
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        pass
    if any(ch.isdigit() for ch in cleaned) and any(ch in CHINESE_NUMERAL_CHARS for ch in cleaned if not ch.isdigit()):
        # Mixed: 3千5百 -> let cn2an handle it.
        try:
            return Decimal(str(cn2an.cn2an(cleaned, "smart")))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"not a number: {text!r}") from exc
    return parse_chinese(cleaned)


_FULLWIDTH = str.maketrans({chr(0xFF10 + i): str(i) for i in range(10)} | {"．": "."})


def to_int(text: str) -> int | None:
    """Parse a small whole number (month, day, count); ``None`` when it is not one."""
    try:
        value = parse_number(text)
    except ValueError:
        return None
    if value != value.to_integral_value():
        return None
    return int(value)


def decimal_str(value: Decimal) -> str:
    """Format a decimal exactly, without exponent or trailing zeros (``300000000``, ``0.3``)."""
    normalized = value.normalize()
    sign, digits, exponent = normalized.as_tuple()
    assert isinstance(exponent, int)
    if exponent >= 0:
        text = "".join(map(str, digits)) + "0" * exponent
    else:
        text = format(normalized, "f")
    if sign and text != "0":
        return "-" + text.lstrip("-")
    return text
