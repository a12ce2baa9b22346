"""The amounts stage: money, percentages, counts and shares with exact decimal values.

Patterns come from ``kind: amounts`` rule files; the currency, unit and qualifier
alternations in them are built from the file's tables. This module turns a match's
named groups into an :class:`~pipeline.records.AmountValue`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import cast

import regex

from pipeline.numerals import decimal_str, parse_chinese, parse_number
from pipeline.records import AmountKind, AmountValue, Qualifier
from pipeline.rulebook.loader import Rulebook
from pipeline.rulebook.schemas.amounts import AmountRule, AmountsFile
from pipeline.stages.base import Candidate, StageContext, WorkDoc, stage_factory
from pipeline.textutil import compile_with_macros, select_non_overlapping

_CUE_WINDOW = 8


def _alternation(words: Sequence[str]) -> str:
    """A regex alternation that prefers longer words (元人民币 before 元)."""
    return "|".join(regex.escape(w) for w in sorted(set(words), key=len, reverse=True)) or "(?!)"


class Unparsable(ValueError):
    """A match whose number cannot be read."""


@dataclass(frozen=True, slots=True)
class CompiledAmountRule:
    """An amount rule with its compiled pattern."""

    rule: AmountRule
    pattern: regex.Pattern[str]


class AmountExtractor:
    """Finds amounts and resolves their value, bounds, currency and qualifier."""

    def __init__(self, rules: AmountsFile) -> None:
        self.rules = rules
        self.currency_of: dict[str, str] = {}
        for cur in rules.currencies:
            for word in [*cur.names, *cur.symbols]:
                self.currency_of.setdefault(word, cur.code)
        pre = [w for w, q in rules.qualifiers.items() if w not in ("多", "余", "以上", "以下", "左右", "上下")]
        post = [w for w in ("以上", "以下", "左右", "上下") if w in rules.qualifiers]
        macros = dict(rules.macros)
        macros.update(
            CUR_NAME=_alternation([n for c in rules.currencies for n in c.names]),
            CUR_SYMBOL=_alternation([s for c in rules.currencies for s in c.symbols]),
            COUNT_UNIT=_alternation(rules.count_units),
            SHARE_UNIT=_alternation(rules.share_units),
            QUAL_PRE=_alternation(pre),
            QUAL_POST=_alternation(post),
        )
        self.compiled = [
            CompiledAmountRule(r, compile_with_macros(r.pattern, macros, rule_id=r.id)) for r in rules.rules
        ]
        self.cues = regex.compile(_alternation(rules.implied_money_cues))

    @classmethod
    def from_rulebook(cls, rulebook: Rulebook) -> AmountExtractor:
        """Build the extractor from the merged ``amounts`` rules."""
        rules = rulebook.get("amounts")
        return cls(rules if isinstance(rules, AmountsFile) else AmountsFile(kind="amounts"))

    # -- numbers -----------------------------------------------------------
    @staticmethod
    def number(num: str | None, mag: str | None = None) -> Decimal:
        """The value of a number with an optional magnitude word (``1.6`` + ``亿``)."""
        if not num:
            raise Unparsable("no number")
        try:
            value = parse_number(num)
        except (ValueError, ArithmeticError) as exc:
            raise Unparsable(str(exc)) from None
        if mag:
            value *= parse_chinese(mag)
        return value

    @staticmethod
    def _fuzzy_step(num: str, mag: str | None) -> Decimal:
        """The width of ``3000多`` (1000) or ``十几`` (10): the unit of the last stated digit."""
        digits = num.replace(",", "")
        if digits.isdigit():
            stripped = digits.rstrip("0")
            step = Decimal(10) ** (len(digits) - len(stripped))
        elif digits and digits[-1] in "十百千":
            step = {"十": Decimal(10), "百": Decimal(100), "千": Decimal(1000)}[digits[-1]]
        else:
            step = Decimal(1)
        return step * (parse_chinese(mag) if mag else 1)

    # -- resolution --------------------------------------------------------
    def resolve(self, rule: AmountRule, g: Mapping[str, str | None], text: str, start: int) -> AmountValue:
        """Turn one match into a value; raises :class:`Unparsable` when it is not one."""
        params = rule.params
        kind = cast(AmountKind, str(params.get("kind", "count")))
        skip = params.get("skip_numerals") or []
        if g.get("num") in skip and not g.get("mag"):
            raise Unparsable("article, not a count")
        qualifier: Qualifier = self.rules.qualifiers.get(g.get("qual") or "", "exact")
        tail = g.get("tail")
        if tail:
            qualifier = self.rules.qualifiers.get(tail, qualifier)
        currency: str | None = None
        implied = False
        cur_word = g.get("cur") or g.get("cursym") or g.get("cursym2") or g.get("cur1")
        if cur_word:
            currency = self.currency_of.get(cur_word)
        unit = params.get("unit") or g.get("unit")
        if kind == "percent" and "fixed" in params:
            value = Decimal(str(params["fixed"]))
            return self._value(
                "percent", value, None, None, None, False, unit, cast(Qualifier, params.get("qualifier", qualifier))
            )
        mag = g.get("mag")
        sym_mag = {"K": "千", "k": "千", "M": "百万", "m": "百万", "B": "十亿", "b": "十亿"}.get(mag or "")
        if sym_mag:
            mag = sym_mag
        if g.get("den") or g.get("den_cn"):
            num = self.number(g.get("num") or g.get("num_cn"))
            den = self.number(g.get("den") or g.get("den_cn"))
            if den == 0:
                raise Unparsable("zero denominator")
            value = (num / den).quantize(Decimal("0.000001")).normalize()
            return self._value("percent", value, None, None, None, False, unit, qualifier)
        if g.get("num2"):
            mag2 = g.get("mag2")
            low = self.number(g.get("num"), mag or mag2)
            high = self.number(g.get("num2"), mag2 or mag)
            if kind == "percent":
                low, high = low / 100, high / 100
            if low > high:
                raise Unparsable("range runs backwards")
            if kind == "money" and currency is None:
                currency, implied = self.rules.implied_currency, True
            return AmountValue(kind, None, decimal_str(low), decimal_str(high), currency, implied, unit, "exact")
        value = self.number(g.get("num"), mag)
        if kind == "percent":
            scale = Decimal(str(params.get("scale", "0.01")))
            value = value * scale
        fuzzy = g.get("fuzzy")
        if kind == "count" and unit is None and currency is None and self._has_money_cue(text, start):
            kind, currency, implied = "money", self.rules.implied_currency, True
        if kind == "money" and currency is None:
            currency, implied = self.rules.implied_currency, True
        if fuzzy:
            step = self._fuzzy_step(str(g.get("num")), mag)
            if fuzzy == "几":
                base = value
                return AmountValue(
                    kind, None, decimal_str(base), decimal_str(base + step), currency, implied, unit, "approx"
                )
            return AmountValue(
                kind,
                decimal_str(value),
                decimal_str(value),
                decimal_str(value + step),
                currency,
                implied,
                unit,
                "more_than",
            )
        return self._value(kind, value, None, None, currency, implied, unit, qualifier)

    @staticmethod
    def _value(
        kind: AmountKind,
        value: Decimal,
        low: Decimal | None,
        high: Decimal | None,
        currency: str | None,
        implied: bool,
        unit: str | None,
        qualifier: Qualifier,
    ) -> AmountValue:
        text = decimal_str(value)
        lo = decimal_str(low) if low is not None else None
        hi = decimal_str(high) if high is not None else None
        if low is None and high is None:
            if qualifier == "exact":
                lo = hi = text
            elif qualifier in ("more_than", "at_least"):
                lo = text
            elif qualifier in ("less_than", "at_most"):
                hi = text
        return AmountValue(kind, text, lo, hi, currency, implied, unit, qualifier)

    def _has_money_cue(self, text: str, start: int) -> bool:
        window = text[max(0, start - _CUE_WINDOW) : start]
        return self.cues.search(window) is not None

    def extract(self, doc: WorkDoc) -> list[Candidate]:
        """Find, resolve and de-overlap the amounts of ``doc.text``."""
        text = doc.text
        found: list[tuple[int, int, int, CompiledAmountRule, dict[str, str | None]]] = []
        for compiled in self.compiled:
            for m in compiled.pattern.finditer(text, timeout=2.0):
                if m.end() > m.start():
                    found.append((m.start(), m.end(), compiled.rule.priority, compiled, m.groupdict()))
        out: list[Candidate] = []
        resolved = []
        for start, end, priority, compiled, groups in found:
            try:
                value = self.resolve(compiled.rule, groups, text, start)
            except (Unparsable, ArithmeticError, ValueError) as exc:
                doc.note("amounts", "rejected", compiled.rule.id, (start, end), str(exc))
                continue
            resolved.append((start, end, priority, compiled, value))
        for start, end, priority, compiled, value in select_non_overlapping(
            resolved, key=lambda f: (f[1] - f[0], f[2])
        ):
            confidence = 0.9 if value.currency_implied else 1.0
            out.append(Candidate("AMOUNT", start, end, value, f"rule:{compiled.rule.id}", priority, confidence))
        return sorted(out, key=lambda c: c.start)


@stage_factory("amounts")
def make_amounts_stage(context: StageContext) -> AmountsStage:
    """Build the amounts stage from the ``amounts`` rules."""
    return AmountsStage(AmountExtractor.from_rulebook(context.rulebook))


class AmountsStage:
    """Adds AMOUNT candidates."""

    name = "amounts"
    requires: tuple[str, ...] = ("text",)
    assigns: tuple[str, ...] = ("candidates",)

    def __init__(self, extractor: AmountExtractor) -> None:
        self.extractor = extractor

    def __call__(self, doc: WorkDoc) -> None:
        """Find the amounts of ``doc``."""
        doc.candidates.extend(self.extractor.extract(doc))
