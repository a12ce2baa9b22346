"""Parse Arabic, Chinese and mixed numerals into exact decimals.

Used by the date and amount extractors. :func:`parse_quantity` reads any mix of
Arabic and Chinese numerals with their units (``1.2万亿``, ``3千5百万``,
``一百二十万三`` = 1203000, ``万九`` = 19000, ``千一`` = 1100, ``廿``, ``卅``, ``幺``,
``两``, ``〇``, capitals such as ``壹仟``, full-width digits, ``1,234.5``) into an
exact :class:`~decimal.Decimal`.

cn2an is the reference for the forms it knows (the property tests check that we
agree with it), but it is not used on the hot path: it returns floats, so
``1.23456789亿`` loses digits, it rejects 万九, 千一, 百亿, 千万 and 1.2万亿, and it
is several times slower than this single pass over the characters.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import cn2an
import regex

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
    text = format(value.normalize(), "f")
    return "0" if text == "-0" else text


# -- any mix of Arabic and Chinese numerals --------------------------------------------

_GROUPED = regex.compile(r"(?<=\d)[,，](?=\d{3}(?!\d))")
_DOTTED_THOUSANDS = regex.compile(r"\d{1,3}(?:\.\d{3}){2,}")
_QUANTITY_TOKEN = regex.compile(
    r"(?P<ar>\d+(?:\.\d+)?)|(?P<cn>[零〇○Ｏ一壹幺二贰两三叁四肆五伍六陆七柒八捌九玖])"
    r"|(?P<small>[十拾百佰千仟])|(?P<big>[万萬亿億])|(?P<special>[廿卅卌])|(?P<point>[点點])(?P<frac>[零〇一二三四五六七八九]+)"
)
_BIG_VALUE = {"万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000}
_ARABIC_BIG = regex.compile(r"(\d+(?:\.\d+)?)([万萬亿億]+)")


def clean_arabic(text: str) -> str:
    """Full-width digits to ASCII, thousand separators and spaces dropped (``1,234.5`` -> ``1234.5``).

    A comma counts as a separator only before a group of exactly three digits, so
    ``1,234`` is one number; ``73.500.000`` (dots every three digits) is read the same way.
    """
    cleaned = text.strip().translate(_FULLWIDTH).replace(" ", "")
    if _DOTTED_THOUSANDS.fullmatch(cleaned):
        return cleaned.replace(".", "")
    return str(_GROUPED.sub("", cleaned))


def parse_quantity(text: str) -> Decimal:
    """Parse any numeral, Arabic, Chinese or mixed, with its units, exactly.

    ``1.2万亿`` -> 1200000000000, ``3千5百万`` -> 35000000, ``一百二十万三`` -> 1203000,
    ``万九`` -> 19000, ``千一`` -> 1100, ``三点五亿`` -> 350000000, ``壹仟万`` -> 10000000,
    ``二〇二五`` -> 2025. A lone digit after a unit counts in the next unit down
    (``三千五`` = 3500), as Chinese writes it. Chinese digits one after the other are
    read digit by digit only when a 〇 or 零 shows that they are (二〇〇万); ``三四``
    ("three or four") is an error, for the rules to read as a range.

    Raises:
        ValueError: ``text`` is not a numeral (or two numbers run together).

    """
    if text.isascii() and text.replace(".", "", 1).isdigit():
        return Decimal(text)  # the common case, 1043 or 12.5, without cleaning
    simple = _ARABIC_BIG.fullmatch(text)
    if simple is None:
        cleaned = clean_arabic(text)
        if not cleaned:
            raise ValueError("empty number")
        simple = _ARABIC_BIG.fullmatch(cleaned)
    if simple is not None:  # 1.6亿, 3000万: an Arabic number and big units
        value = Decimal(simple.group(1))
        for ch in simple.group(2):
            value *= _BIG_VALUE[ch]
        return value
    if cleaned[0].isdigit() and cleaned[-1].isdigit():
        try:
            return Decimal(cleaned)
        except InvalidOperation:
            pass
    if len(cleaned) > 1 and all(ch in DIGITS for ch in cleaned):
        if not any(ch in "零〇○Ｏ" for ch in cleaned) and not cleaned.isascii():
            # 三四 is "three or four" (三四成, 两三万), not 34; 二〇二五 is digit by digit.
            raise ValueError(f"two numbers run together: {text!r}")
        as_digits = digit_string(cleaned)
        assert as_digits is not None
        return Decimal(as_digits)
    total = Decimal(0)
    section = Decimal(0)
    current: Decimal | None = None
    last_big = 0
    previous = ""  # kind of the previous token: "num", "small", "big", "zero"
    previous_unit = 1
    zero_run = False  # inside digits written one by one (二〇〇)
    previous_cn = False  # the previous token was a Chinese digit
    pos = 0
    for m in _QUANTITY_TOKEN.finditer(cleaned):
        if m.start() != pos:
            raise ValueError(f"not a numeral: {text!r}")
        pos = m.end()
        kind = m.lastgroup
        if kind in ("ar", "cn"):
            digit = Decimal(m.group("ar")) if kind == "ar" else Decimal(DIGITS[m.group()])
            if kind == "cn" and previous_cn and (zero_run or m.group() in "〇○Ｏ"):
                # 二〇〇万: digits written one by one, as a 〇 after a digit shows.
                current = (current or Decimal(0)) * 10 + digit
                previous, zero_run = "num", True
            elif previous in ("num", "point"):
                raise ValueError(f"two numbers run together: {text!r}")
            else:
                current = digit
                previous = "zero" if kind == "cn" and digit == 0 else "num"
                zero_run = previous == "zero" and m.group() in "〇○Ｏ"
                if previous == "zero" and not zero_run:
                    current = None
        elif kind == "frac":
            if current is None or previous != "num":
                current = current or Decimal(0)
            current += Decimal("0." + m.group("frac").translate(_DIGIT_TABLE))
            previous = "point"
        elif kind == "special":
            section += SPECIAL[m.group()]
            current, previous, previous_unit = None, "small", 10
        elif kind == "small":
            unit = SMALL_UNITS[m.group()]
            section += (Decimal(1) if current is None else current) * unit
            current, previous, previous_unit = None, "small", unit
        else:  # a big unit: 万, 亿
            unit = _BIG_VALUE[m.group()]
            group = section + (current or 0)
            if group == 0 and previous == "":
                group = Decimal(1)
            total = (total + group) * unit if unit > last_big or previous == "big" else total + group * unit
            last_big = max(last_big, unit)
            section, current, previous, previous_unit = Decimal(0), None, "big", unit
        previous_cn = kind == "cn"
    if pos != len(cleaned) or previous == "":
        raise ValueError(f"not a numeral: {text!r}")
    if current is not None:
        if previous == "num" and previous_unit >= 10 and current < 10 and current == current.to_integral_value():
            # 三千五 = 3500, 万九 = 19000: the digit after a unit, with nothing between.
            tail_unit = _unit_before_tail(cleaned)
            if tail_unit:
                current *= tail_unit // 10
        section += current
    return total + section


def _unit_before_tail(cleaned: str) -> int:
    """The unit written right before the last character (0 when it is not a unit)."""
    if len(cleaned) < 2:
        return 0
    before = cleaned[-2]
    return SMALL_UNITS.get(before) or _BIG_VALUE.get(before) or (10 if before in SPECIAL else 0)


def place_value(value: Decimal) -> Decimal:
    """The place of the last significant digit: 3000 -> 1000, 130 -> 10, 1.5 -> 0.1, 0 -> 1."""
    if value == 0:
        return Decimal(1)
    exponent = value.normalize().as_tuple().exponent
    assert isinstance(exponent, int)
    return Decimal(1).scaleb(exponent)
