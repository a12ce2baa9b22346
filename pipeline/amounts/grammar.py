"""Compile an ``amounts`` rule file into one scanner plus a backwards left-context reader.

Every rule is one branch of a single alternation (:attr:`Grammar.scanner`), in
priority order, behind a shared start guard; scanning a text is then one pass of the
``regex`` engine, which is what makes the stage fast. Each rule is also compiled on
its own (:attr:`CompiledRule.pattern`) so a match that its rule turns down can be
retried with the rules after it at the same place.

The left context (``left_context`` in the file) is compiled with ``regex.REVERSE``:
it is matched backwards from the start of a scanner match, so the words written
before a number (超过, 人民币, US$, 每股, a minus sign) are read without making every
rule start with optional groups, which would defeat the engine's fast scan.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import regex

from pipeline.rulebook.schemas.amounts import AmountRule, AmountsFile
from pipeline.textutil import expand_macros

# Qualifiers written after the number; every other qualifier word is read before it.
POST_QUALIFIERS = ("以上", "以下", "左右", "上下", "以内", "之内", "有余")


class GrammarError(ValueError):
    """A rule pattern (or the left context) that does not compile."""

    def __init__(self, rule_id: str, field: str, detail: str) -> None:
        self.rule_id = rule_id
        self.field = field
        self.detail = detail
        super().__init__(f"{rule_id}: {field} does not compile: {detail}")


def alternation(words: Iterable[str]) -> str:
    """A regex alternation that prefers longer words (元人民币 before 元); never matches when empty.

    A lookahead on the words' first characters comes first: the engine then rejects
    most places with one character test instead of trying every word.
    """
    unique = sorted({w for w in words if w}, key=lambda w: (-len(w), w))
    if not unique:
        return "(?!)"
    return f"(?={first_chars(unique)})(?:" + "|".join(regex.escape(w) for w in unique) + ")"


def first_chars(words: Iterable[str]) -> str:
    """A character class of the words' first characters (never matches when there are none)."""
    firsts = "".join(sorted({regex.escape(w[0], special_only=False) for w in words if w}))
    return f"[{firsts}]" if firsts else "(?!)"


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """A rule, the name of its branch group in the scanner, and its own pattern."""

    rule: AmountRule
    group: str
    pattern: regex.Pattern[str]
    not_after: regex.Pattern[str] | None
    before: regex.Pattern[str] | None


@dataclass(frozen=True, slots=True)
class Grammar:
    """Everything compiled from one ``amounts`` file."""

    scanner: regex.Pattern[str]
    rules: tuple[CompiledRule, ...]
    left: regex.Pattern[str] | None
    # Every character the left context could end with (a superset): when the character
    # before a match is not one of them, the left context is empty and is not read.
    left_enders: frozenset[str]
    cues: regex.Pattern[str] | None
    cues_after: regex.Pattern[str] | None
    not_amount_words: regex.Pattern[str] | None
    per_share_context: regex.Pattern[str] | None
    currency_of: dict[str, str]
    macros: dict[str, str]


def table_macros(rules: AmountsFile) -> dict[str, str]:
    """The macros built from the file's tables (currencies, units, qualifiers, leads)."""
    names = [n for c in rules.currencies for n in c.names]
    prefixes = [n for c in rules.currencies for n in c.prefixes]
    symbols = [s for c in rules.currencies for s in c.symbols]
    pre = [w for w in rules.qualifiers if w not in POST_QUALIFIERS]
    post = [w for w in rules.qualifiers if w in POST_QUALIFIERS]
    return {
        # 元 is not a currency in 元旦, 元年, 元素, 元首 ...
        "CUR_NAME": f"(?:{alternation(names)})(?![旦年素首宵件帅老气])",
        "CUR_PREFIX": alternation(prefixes),
        "CUR_SYMBOL": alternation(symbols),
        "COUNT_UNIT": alternation(rules.count_units),
        "SHARE_UNIT": alternation(rules.share_units),
        "QUAL_PRE": alternation(pre),
        "QUAL_POST": alternation(post),
        "LEAD": alternation(rules.leads),
        # The first characters of the words above, as classes (for after_number).
        "CUR_NAME_FIRST": first_chars(names),
        "COUNT_UNIT_FIRST": first_chars(rules.count_units),
        "SHARE_UNIT_FIRST": first_chars(rules.share_units),
    }


def _compile(rule_id: str, field: str, pattern: str, flags: int = 0) -> regex.Pattern[str]:
    try:
        return regex.compile(pattern, flags)
    except (regex.error, ValueError) as exc:
        raise GrammarError(rule_id, field, str(exc)) from None


def ordered(rules: Sequence[AmountRule]) -> list[AmountRule]:
    """Rules in the order the scanner tries them: higher priority first, then file order."""
    return sorted(rules, key=lambda r: -r.priority)


# Rules whose pattern starts with this share one reading of the number in the scanner.
SHARED_NUMBER = "(?P<num>{NUMBER})"


def has_top_level_bar(pattern: str) -> bool:
    """Tell whether ``pattern`` has a ``|`` outside every group and character class."""
    depth = 0
    in_class = False
    escaped = False
    for ch in pattern:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            return True
    return False


_NAMED_GROUP = regex.compile(r"(?<!\\)\(\?P<\w+>")


def _uncaptured(pattern: str) -> str:
    """The pattern with its named groups made non-capturing (the scanner only needs the rule groups)."""
    return str(_NAMED_GROUP.sub("(?:", pattern))


def build_grammar(rules: AmountsFile) -> Grammar:
    """Compile the scanner, the per-rule patterns and the left-context reader.

    Consecutive rules (in scanner order) whose pattern starts with
    ``(?P<num>{NUMBER})`` become one branch that reads the number once, checks
    ``after_number`` (what may follow a number in any of them) and then tries each
    rule's rest in turn; since NUMBER is an atomic group, this matches what the rules
    would match one by one, only faster. The scanner has no groups but one per rule:
    the extractor matches the winning rule's own pattern again to read its groups.

    Raises:
        GrammarError: a pattern does not compile (the error names the rule).

    """
    macros = {**table_macros(rules), **rules.macros}
    guard = expand_macros(rules.start_guard, macros) if rules.start_guard else ""
    compiled: list[CompiledRule] = []
    branches: list[str] = []
    shared: list[str] = []

    def close_shared() -> None:
        if shared:
            number = _uncaptured(expand_macros(SHARED_NUMBER, macros))
            after = f"(?:{expand_macros(rules.after_number, macros)})" if rules.after_number else ""
            branches.append(number + after + "(?:" + "|".join(shared) + ")")
            shared.clear()

    for i, rule in enumerate(ordered(rules.rules)):
        body = expand_macros(rule.pattern, macros)
        own = _compile(rule.id, "pattern", guard + f"(?:{body})")
        not_after = _compile(rule.id, "params.not_after", rule.params.not_after) if rule.params.not_after else None
        group = f"r{i}"
        before = _compile(rule.id, "params.before", rule.params.before) if rule.params.before else None
        compiled.append(CompiledRule(rule, group, own, not_after, before))
        rest = rule.pattern[len(SHARED_NUMBER) :]
        if rule.pattern.startswith(SHARED_NUMBER) and "NUMBER" in macros and not has_top_level_bar(rest):
            shared.append(f"(?P<{group}>{_uncaptured(expand_macros(rest, macros))})")
        else:
            close_shared()
            branches.append(f"(?P<{group}>{_uncaptured(body)})")
    close_shared()
    scanner = _compile("amounts", "scanner", guard + "(?:" + ("|".join(branches) or "(?!)") + ")")
    left_source = expand_macros(rules.left_context, macros) if rules.left_context else ""
    left = _compile("amounts", "left_context", left_source, regex.REVERSE) if left_source else None
    cues = _compile("amounts", "implied_money_cues", alternation(rules.implied_money_cues))
    per_share = (
        _compile("amounts", "per_share_context", rules.per_share_context + r"\Z") if rules.per_share_context else None
    )
    currency_of: dict[str, str] = {}
    for cur in rules.currencies:
        for word in [*cur.names, *cur.prefixes, *cur.symbols]:
            currency_of.setdefault(word, cur.code)
    return Grammar(
        scanner=scanner,
        rules=tuple(compiled),
        left=left,
        left_enders=frozenset(left_source) | frozenset(" \t\u3000\xa0"),
        cues=cues if rules.implied_money_cues else None,
        cues_after=(
            _compile("amounts", "implied_money_cues_after", r"\s*的?\s*" + alternation(rules.implied_money_cues_after))
            if rules.implied_money_cues_after
            else None
        ),
        not_amount_words=(
            _compile("amounts", "not_amount_words", alternation(rules.not_amount_words))
            if rules.not_amount_words
            else None
        ),
        per_share_context=per_share,
        currency_of=currency_of,
        macros=macros,
    )
