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

from pipeline.rulebook.patterns import SafePattern, expand_macros
from pipeline.rulebook.schemas.amounts import AmountRule, AmountsFile

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


def last_chars(words: Iterable[str], extra: str = "") -> str:
    """A character class of the words' last characters (and ``extra``)."""
    chars = {w[-1] for w in words if w} | set(extra)
    lasts = "".join(regex.escape(c, special_only=False) for c in sorted(chars))
    return f"[{lasts}]" if lasts else "(?!)"


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """A rule, the name of its branch group in the scanner, and its own pattern."""

    rule: AmountRule
    group: str
    pattern: SafePattern
    # The named groups the rule's pattern sets (read from the scanner match).
    groups: tuple[str, ...]
    # Its branch in a scanner: the whole pattern, or what follows the shared number.
    branch: str
    shares_number: bool
    not_after: SafePattern | None
    before: SafePattern | None
    # Precomputed for the hot path: does the rule say what must (not) be around its
    # match; is it money (prices may be per share); is it a count without a unit of
    # its own (a business word can make it money).
    has_checks: bool = False
    is_money: bool = False
    may_be_money: bool = False


@dataclass(frozen=True, slots=True)
class Grammar:
    """Everything compiled from one ``amounts`` file."""

    scanner: SafePattern
    rules: tuple[CompiledRule, ...]
    # The start guard, and the shared number with its after_number check.
    guard: str
    number: str
    left: SafePattern | None
    # The words the left context can end with, by their last character: when none ends
    # right before a match, its left context is empty and is not read.
    left_enders: dict[str, tuple[str, ...]]
    cues: regex.Pattern[str] | None
    cues_after: regex.Pattern[str] | None
    not_amount_words: regex.Pattern[str] | None
    per_share_context: SafePattern | None
    currency_of: dict[str, str]
    macros: dict[str, str]

    def scanner_source(self, first: int = 0) -> str:
        """The scanner pattern over ``rules[first:]`` (a rule turned down is retried with the rest)."""
        return assemble(self.guard, self.number, self.rules[first:])


def assemble(guard: str, number: str, rules: Sequence[CompiledRule]) -> str:
    """One alternation of the rules' branches; consecutive number-first rules share the number."""
    branches: list[str] = []
    shared: list[str] = []
    for compiled in rules:
        branch = f"(?P<{compiled.group}>{compiled.branch})"
        if compiled.shares_number:
            shared.append(branch)
            continue
        if shared:
            branches.append(number + "(?:" + "|".join(shared) + ")")
            shared = []
        branches.append(branch)
    if shared:
        branches.append(number + "(?:" + "|".join(shared) + ")")
    return guard + "(?:" + ("|".join(branches) or "(?!)") + ")"


def words_by_last_char(words: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """The words grouped by their last character (a single character matches at once)."""
    out: dict[str, list[str]] = {}
    for word in sorted(set(words), key=len):
        if word:
            out.setdefault(word[-1], []).append(word)
    return {ch: tuple(ws) for ch, ws in out.items()}


def pre_words(rules: AmountsFile) -> list[str]:
    """The qualifier words read before a number."""
    return [w for w in rules.qualifiers if w not in POST_QUALIFIERS]


def prefixes_and_symbols(rules: AmountsFile) -> list[str]:
    """The currency words written before a number (人民币, US$, ￥)."""
    return [w for c in rules.currencies for w in (*c.prefixes, *c.symbols)]


def table_macros(rules: AmountsFile) -> dict[str, str]:
    """The macros built from the file's tables (currencies, units, qualifiers, leads).

    Their names are listed in ``pipeline.rulebook.patterns.STAGE_MACROS["amounts"]``,
    so that ``zhpipe rules lint`` knows them.
    """
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
        # The first (last) characters of the words above, as classes: cheap tests that
        # let the engine skip a place before it tries every word.
        "CUR_NAME_FIRST": first_chars(names),
        "CUR_BEFORE_LAST": last_chars([*prefixes, *symbols], extra=" \t\u3000-−－"),
        "QUAL_LEAD_LAST": last_chars([*pre, *rules.leads]),
        "COUNT_UNIT_FIRST": first_chars(rules.count_units),
        "SHARE_UNIT_FIRST": first_chars(rules.share_units),
    }


def _compile(rule_id: str, field: str, pattern: str, flags: int = 0) -> SafePattern:
    """Compile a pattern made of rule data: it runs within the document's time budget."""
    try:
        return SafePattern(regex.compile(pattern, flags), pattern, rule_id)
    except (regex.error, ValueError) as exc:
        raise GrammarError(rule_id, field, str(exc)) from None


def _compile_words(rule_id: str, field: str, pattern: str) -> regex.Pattern[str]:
    """Compile an alternation of literal words (linear: no budget needed)."""
    try:
        return regex.compile(pattern)
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


_NAMED_GROUP = regex.compile(r"(?<!\\)\(\?P<(\w+)>")


def group_names(pattern: str) -> tuple[str, ...]:
    """The named groups of a pattern, each once, in order."""
    return tuple(dict.fromkeys(_NAMED_GROUP.findall(pattern)))


def build_grammar(rules: AmountsFile) -> Grammar:
    """Compile the scanner, the per-rule patterns and the left-context reader.

    Consecutive rules (in scanner order) whose pattern starts with
    ``(?P<num>{NUMBER})`` become one branch that reads the number once, checks
    ``after_number`` (what may follow a number in any of them) and then tries each
    rule's rest in turn; since NUMBER is an atomic group, this matches what the rules
    would match one by one, only faster. Rules share group names (``num``, ``cur``
    ...), which the ``regex`` module allows across alternatives; each rule also has a
    group of its own (``r0``, ``r1`` ...) that says which branch matched.

    Raises:
        GrammarError: a pattern does not compile (the error names the rule).

    """
    macros = {**table_macros(rules), **rules.macros}
    guard = expand_macros(rules.start_guard, macros) if rules.start_guard else ""
    number = expand_macros(SHARED_NUMBER, macros)
    if rules.after_number:
        number += f"(?:{expand_macros(rules.after_number, macros)})"
    compiled: list[CompiledRule] = []
    for i, rule in enumerate(ordered(rules.rules)):
        body = expand_macros(rule.pattern, macros)
        own = _compile(rule.id, "pattern", guard + f"(?:{body})")
        not_after = _compile(rule.id, "params.not_after", rule.params.not_after) if rule.params.not_after else None
        before = _compile(rule.id, "params.before", rule.params.before) if rule.params.before else None
        rest = rule.pattern[len(SHARED_NUMBER) :]
        shares = rule.pattern.startswith(SHARED_NUMBER) and "NUMBER" in macros and not has_top_level_bar(rest)
        branch = expand_macros(rest, macros) if shares else body
        params = rule.params
        compiled.append(
            CompiledRule(
                rule,
                f"r{i}",
                own,
                group_names(body),
                branch,
                shares,
                not_after,
                before,
                has_checks=bool(params.needs) or not_after is not None or before is not None,
                is_money=params.kind == "money",
                may_be_money=params.kind == "count" and not params.unit,
            )
        )
    scanner = _compile("amounts.scanner", "scanner", assemble(guard, number, compiled))
    left_source = expand_macros(rules.left_context, macros) if rules.left_context else ""
    left = _compile("amounts.left_context", "left_context", left_source, regex.REVERSE) if left_source else None
    cues = _compile_words("amounts", "implied_money_cues", alternation(rules.implied_money_cues))
    per_share = (
        _compile("amounts.per_share_context", "per_share_context", rules.per_share_context + r"\Z")
        if rules.per_share_context
        else None
    )
    currency_of: dict[str, str] = {}
    for cur in rules.currencies:
        for word in [*cur.names, *cur.prefixes, *cur.symbols]:
            currency_of.setdefault(word, cur.code)
    return Grammar(
        scanner=scanner,
        rules=tuple(compiled),
        guard=guard,
        number=number,
        left=left,
        left_enders=words_by_last_char(
            [*pre_words(rules), *rules.leads, *prefixes_and_symbols(rules), *rules.left_context_ends]
        ),
        cues=cues if rules.implied_money_cues else None,
        cues_after=(
            _compile_words(
                "amounts", "implied_money_cues_after", r"\s*的?\s*" + alternation(rules.implied_money_cues_after)
            )
            if rules.implied_money_cues_after
            else None
        ),
        not_amount_words=(
            _compile_words("amounts", "not_amount_words", alternation(rules.not_amount_words))
            if rules.not_amount_words
            else None
        ),
        per_share_context=per_share,
        currency_of=currency_of,
        macros=macros,
    )
