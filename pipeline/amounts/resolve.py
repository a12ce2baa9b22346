"""Turn a rule match (its named groups and its left context) into an :class:`AmountValue`.

The bounds follow the record contract: exact -> low = high = value; more_than and
at_least -> low = value; less_than and at_most -> high = value; approx -> no bounds;
``3000多`` -> value 3000, low 3000, high 4000 (more_than; a negative one mirrors it:
``-3000多`` -> value -3000, low -4000, high -3000); ``十几``, ``几十万``,
``数千万`` -> value null with low/high (approx); a range -> value null with low/high.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

import regex

from pipeline.numerals import DIGITS, decimal_str, parse_quantity, place_value
from pipeline.records import AmountKind, AmountValue, Qualifier
from pipeline.rulebook.schemas.amounts import AmountRule, AmountsFile

Groups = Mapping[str, str | None]

# Magnitude words written after a number (and after 多/余): 3000多万, $1.5 billion.
EN_MAGNITUDES = {
    "K": Decimal(1000),
    "k": Decimal(1000),
    "M": Decimal(1_000_000),
    "mn": Decimal(1_000_000),
    "million": Decimal(1_000_000),
    "B": Decimal(1_000_000_000),
    "bn": Decimal(1_000_000_000),
    "billion": Decimal(1_000_000_000),
    "trillion": Decimal(1_000_000_000_000),
}
_TRAILING_UNITS = regex.compile(r"[十百千]*[万亿萬億]+$")
_TRAILING_BIG = regex.compile(r"[万亿萬億]+$")
_UNIT_START = "十百千万亿萬億拾佰仟"
_FRACTION_PLACES = Decimal("0.000001")
_ONE = Decimal(1)
_PERCENT = Decimal("0.01")
_JIAO = Decimal("0.1")
_FEN = Decimal("0.01")


class Unparsable(ValueError):
    """A match that is not an amount after all (the reason is the message)."""


class LeftContext(NamedTuple):
    """What is written right before a match, as read by the left-context pattern."""

    qualifier: str | None = None
    lead: str | None = None
    currency: str | None = None
    per_share: bool = False
    sign: bool = False
    between: bool = False


NO_CONTEXT = LeftContext()


def number(text: str | None) -> Decimal:
    """The exact value of a numeral (``1.6亿``, ``三千万``, ``1,234.5``).

    Raises:
        Unparsable: ``text`` is empty or not a numeral.

    """
    if not text:
        raise Unparsable("no number")
    try:
        return parse_quantity(text)
    except (ValueError, InvalidOperation) as exc:
        raise Unparsable(str(exc)) from None


def magnitude(word: str | None) -> Decimal:
    """The multiplier of a magnitude word after a number (万, 千万, million, K)."""
    if not word:
        return _ONE
    known = EN_MAGNITUDES.get(word)
    return known if known is not None else number(word)


class Resolver:
    """Reads values with the tables of one ``amounts`` file (qualifiers, currencies, leads)."""

    def __init__(self, rules: AmountsFile, currency_of: Mapping[str, str]) -> None:
        self.rules = rules
        self.currency_of = dict(currency_of)
        self.qualifiers: dict[str, Qualifier] = dict(rules.qualifiers)
        self.leads = dict(rules.leads)
        self._scales: dict[str, Decimal] = {}
        # Minor units of the local currency (角 = 0.1, 分 = 0.01), from the currency table.
        local = [cur for cur in rules.currencies if cur.code == rules.implied_currency]
        self._minor = {k: Decimal(v) for cur in local for k, v in cur.minor.items()}

    # -- pieces ------------------------------------------------------------
    def qualifier_of(self, word: str | None) -> Qualifier | None:
        """The qualifier a word stands for (qualifier table first, then leads)."""
        if not word:
            return None
        found = self.qualifiers.get(word)
        if found is not None:
            return found
        lead = self.leads.get(word)
        return None if lead in (None, "fuzzy") else lead  # type: ignore[return-value]

    def currency(self, g: Groups, left: LeftContext) -> str | None:
        """The ISO code named after the number, else before it."""
        for word in (g.get("cur"), g.get("cur1"), g.get("cursym2"), left.currency):
            if word:
                code = self.currency_of.get(word)
                if code is not None:
                    return code
        return None

    # -- the value -----------------------------------------------------------
    def resolve(self, rule: AmountRule, g: Groups, left: LeftContext, *, money_cue: bool = False) -> AmountValue:
        """The value of one match.

        Raises:
            Unparsable: the match is not an amount (an article 一家, a zero denominator ...).

        """
        params = rule.params
        kind: AmountKind = params.kind
        num_text = g.get("num")
        if num_text and num_text in params.skip_numerals and not g.get("mag") and not g.get("fuzzy"):
            raise Unparsable(f"{num_text} before a classifier is an article, not a count")
        qualifier: Qualifier = (self.qualifier_of(left.qualifier) or self.qualifier_of(g.get("tail"))) or "exact"
        lead_kind = self.leads.get(left.lead or "")
        if lead_kind not in (None, "fuzzy") and qualifier == "exact":
            qualifier = lead_kind  # type: ignore[assignment]
        currency = self.currency(g, left)
        unit = params.unit or g.get("unit")
        if kind == "money" and (left.per_share or g.get("per") or g.get("per1")):
            unit = "每股"
        scale = self._scales.get(rule.id)
        if scale is None:
            scale = Decimal(params.scale) if params.scale else (_PERCENT if kind == "percent" else _ONE)
            self._scales[rule.id] = scale
        negative = left.sign and kind in ("money", "percent")

        if params.fixed is not None:
            return bounded(kind, Decimal(params.fixed), None, None, None, unit, qualifier)
        if g.get("den"):
            den = number(g.get("den"))
            if den == 0 or number(num_text) > den:
                raise Unparsable("not a proper fraction")
            value = (number(num_text) / den).quantize(_FRACTION_PLACES).normalize()
            return bounded("percent", value, None, None, None, unit, qualifier)

        implied = False
        if params.currency is not None:
            currency = params.currency
        if kind == "count" and unit is None and (currency is not None or money_cue):
            kind = "money"  # ￥500万, 营收3亿: a bare number that is money
        if kind == "money" and currency is None:
            currency, implied = self.rules.implied_currency, True
        elif kind != "money":
            currency = None  # 美元0个: a currency word before a count is not its currency

        if g.get("num2"):
            low, high = self._range(g, scale)
            if negative:
                low = -low
            if g.get("sign2"):
                high = -high
            low, high = min(low, high), max(low, high)
            return AmountValue(kind, None, decimal_str(low), decimal_str(high), currency, implied, unit, qualifier)

        value = number(num_text)
        mag = g.get("mag")
        if mag:
            value *= magnitude(mag)
        fuzzy = g.get("fuzzy")
        if left.lead and lead_kind == "fuzzy" and num_text and num_text[0] in _UNIT_START:
            # 几十万, 数千万: somewhere from the number to ten times it.
            return self._span(kind, value, value * 10, scale, negative, currency, implied, unit)
        if fuzzy:
            step = place_value(number(num_text)) * magnitude(g.get("mag"))
            if fuzzy == "几":
                return self._span(kind, value, value + step, scale, negative, currency, implied, unit)
            if fuzzy == "来":
                qualifier = "approx" if qualifier == "exact" else qualifier
            elif qualifier in ("exact", "more_than"):
                low, high = value * scale, (value + step) * scale
                if negative and value:  # "-0多" is no negative amount
                    low, high = -high, -low
                return AmountValue(
                    kind,
                    decimal_str(-value * scale if negative and value else value * scale),
                    decimal_str(low),
                    decimal_str(high),
                    currency,
                    implied,
                    unit,
                    "more_than",
                )
        if scale is not _ONE:
            value *= scale
        jiao, fen = g.get("jiao"), g.get("fen")
        if jiao or fen:  # 3元5角2分, 两毛五: the minor units add up
            minor = self._minor
            value += number(jiao) * minor.get("角", _JIAO) if jiao else 0
            value += number(fen) * minor.get("分", _FEN) if fen else 0
        return bounded(kind, -value if negative else value, currency, implied, None, unit, qualifier)

    def _range(self, g: Groups, scale: Decimal) -> tuple[Decimal, Decimal]:
        """Both ends of a range; the first takes the second's magnitude when it has none (3-10亿元)."""
        first, second = str(g.get("num") or ""), str(g.get("num2") or "")
        mag, mag2 = g.get("mag"), g.get("mag2")
        if not mag and not _TRAILING_BIG.search(first):
            shared = (
                _TRAILING_UNITS if all(ch.isdigit() or ch in ".,，" or ch in DIGITS for ch in first) else _TRAILING_BIG
            )
            trailing = shared.search(second)
            if mag2:
                mag = mag2
            elif trailing:
                first += trailing.group()
        low = number(first) * magnitude(mag)
        high = number(second) * magnitude(mag2)
        return low * scale, high * scale

    def _span(
        self,
        kind: AmountKind,
        low: Decimal,
        high: Decimal,
        scale: Decimal,
        negative: bool,
        currency: str | None,
        implied: bool,
        unit: str | None,
    ) -> AmountValue:
        """A fuzzy amount (十几, 几十万): value null, approx, with the interval as bounds."""
        lo, hi = low * scale, high * scale
        if negative:
            lo, hi = -hi, -lo
        return AmountValue(kind, None, decimal_str(lo), decimal_str(hi), currency, implied, unit, "approx")


def bounded(
    kind: AmountKind,
    value: Decimal,
    currency: str | None,
    implied: bool | None,
    bounds: tuple[Decimal, Decimal] | None,
    unit: str | None,
    qualifier: Qualifier,
) -> AmountValue:
    """An amount with one value and the bounds its qualifier implies (see the module docstring)."""
    text = decimal_str(value)
    low: str | None = None
    high: str | None = None
    if bounds is not None:
        low, high = decimal_str(bounds[0]), decimal_str(bounds[1])
    elif qualifier == "exact":
        low = high = text
    elif qualifier in ("more_than", "at_least"):
        low = text
    elif qualifier in ("less_than", "at_most"):
        high = text
    return AmountValue(kind, text, low, high, currency, bool(implied), unit, qualifier)
