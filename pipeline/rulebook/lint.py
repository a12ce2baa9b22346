"""``zhpipe rules lint``: every check that needs no pipeline run.

Errors (E2xx) are what :func:`~pipeline.rulebook.loader.load_rulebook` refuses:
invalid YAML, schema violations, repeated rule ids, bad ``replaces``, patterns that
do not compile. Warnings (W2xx) are what a rule file should have but may lack for a
while: a positive example for every rule, negative examples in every file, macros
that are defined, entries that do not silently shadow each other. ``--strict`` makes
warnings fail the lint too.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pipeline.errors import ErrorCode, RuleError
from pipeline.rulebook.loader import (
    LoadedFile,
    Rulebook,
    format_loc,
    list_items,
    overlay_key,
    pattern_fields,
    rules_with_ids,
    scan_rulebook,
)
from pipeline.rulebook.patterns import undefined_macros
from pipeline.rulebook.schemas.base import Example, Negative
from pipeline.rulebook.yamlsrc import LineIndex


@dataclass
class LintReport:
    """What ``rules lint`` found: the files that validated and every problem, worst first."""

    rulebook: Rulebook
    problems: list[RuleError]
    notes: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[RuleError]:
        """Problems that stop the rules from loading."""
        return [p for p in self.problems if is_error(p)]

    @property
    def warnings(self) -> list[RuleError]:
        """Problems that do not stop the rules from loading."""
        return [p for p in self.problems if not is_error(p)]


def is_error(problem: RuleError) -> bool:
    """True for E-codes, false for W-codes."""
    return problem.code.name.startswith("E")


def _key(problem: RuleError) -> tuple[str, int]:
    line = problem.details.get("line")
    return str(problem.details.get("path", "")), line if isinstance(line, int) else 0


def lint_rules(
    overlays: Sequence[Path | str] = (), *, include_builtin: bool = True, only: Sequence[Path] | None = None
) -> LintReport:
    """Lint the built-in rules plus ``overlays``; warnings only for files under ``only`` if given."""
    rulebook, errors = scan_rulebook(overlays, include_builtin=include_builtin)
    warnings: list[RuleError] = []
    notes: list[str] = []
    for loaded in rulebook.files:
        lines = LineIndex.of(loaded.path)
        errors.extend(_example_errors(loaded, lines, rulebook))
        if only is not None and not _under(loaded.path, only):
            continue
        warnings.extend(_coverage_warnings(loaded, lines))
        warnings.extend(_macro_warnings(loaded, rulebook, lines))
        warnings.extend(_entry_warnings(loaded, lines))
    notes.extend(_overlay_notes(rulebook, only))
    problems = sorted(errors, key=_key) + sorted(warnings, key=_key)
    return LintReport(rulebook, problems, notes)


def _under(path: Path, roots: Sequence[Path]) -> bool:
    resolved = path.resolve()
    return any(resolved == r.resolve() or r.resolve() in resolved.parents for r in roots)


def _positive_count(loaded: LoadedFile) -> int:
    model = loaded.model
    count = len(getattr(model, "examples", None) or [])
    return count + sum(len(getattr(item, "examples", None) or []) for _name, _i, item in list_items(model))


def _coverage_warnings(loaded: LoadedFile, lines: LineIndex) -> Iterator[RuleError]:
    """Every rule (an item with an id) needs a positive example; every file needs negatives."""
    has_rules = False
    for rule_id, item, loc in rules_with_ids(loaded.model):
        has_rules = True
        if not getattr(item, "examples", None):
            yield RuleError(ErrorCode.W201, path=loaded.path, line=lines.line(loc) or 1, rule_id=rule_id)
    if not has_rules and _positive_count(loaded) == 0:
        yield RuleError(ErrorCode.W203, path=loaded.path)
    if not loaded.model.negatives:
        yield RuleError(ErrorCode.W202, path=loaded.path)


def _macro_warnings(loaded: LoadedFile, rulebook: Rulebook, lines: LineIndex) -> Iterator[RuleError]:
    merged = rulebook.get(loaded.kind)
    macros: dict[str, str] = dict(getattr(merged, "macros", None) or {})
    for loc, pattern, rule_id in pattern_fields(loaded.model):
        for name in undefined_macros(pattern, macros, loaded.kind):
            yield RuleError(
                ErrorCode.W204, path=loaded.path, line=lines.line(loc) or 1, rule_id=rule_id or "-", macro=name
            )


_ONE_ENTRY = "a name can stand for one entry only"


def _entry_warnings(loaded: LoadedFile, lines: LineIndex) -> Iterator[RuleError]:
    """Entries keyed by name, and aliases, that repeat inside one file (only the last one counts)."""
    first_key: dict[tuple[str, str], int] = {}
    alias_owner: dict[tuple[str, str], tuple[str, int]] = {}
    for name, i, item in list_items(loaded.model):
        key = overlay_key(item)
        if key is None:
            continue
        line = lines.line((name, i)) or 1
        if (name, key) in first_key:
            yield _repeat(loaded, line, f"{name} entry", key, f"line {first_key[name, key]}", "merge the two entries")
        first_key.setdefault((name, key), line)
        words = [(alias, f"alias of {key}") for alias in getattr(item, "aliases", None) or []]
        for word, what in [*words, (key, f"{name} entry")]:
            owner = alias_owner.get((name, word))
            if owner is not None and owner[0] != key:
                yield _repeat(loaded, line, what, word, f"an alias of {owner[0]} (line {owner[1]})", _ONE_ENTRY)
            if word != key:
                alias_owner.setdefault((name, word), (key, line))


def _repeat(loaded: LoadedFile, line: int, what: str, word: str, first: str, effect: str) -> RuleError:
    return RuleError(ErrorCode.W205, path=loaded.path, line=line, what=what, name=word, first=first, effect=effect)


def _overlay_notes(rulebook: Rulebook, only: Sequence[Path] | None) -> Iterator[str]:
    """Entries an overlay replaces by repeating their name or code (intended, but worth seeing)."""
    seen: dict[tuple[str, str, str], LoadedFile] = {}
    for loaded in rulebook.files:
        for name, _i, item in list_items(loaded.model):
            key = overlay_key(item)
            if key is None:
                continue
            earlier = seen.get((loaded.kind, name, key))
            if earlier is not None and earlier.layer < loaded.layer and (only is None or _under(loaded.path, only)):
                yield (
                    f"note: {loaded.path}: {name} entry {key!r} replaces the one in {earlier.path} "
                    "(whole: repeat every field you want to keep)"
                )
            seen[(loaded.kind, name, key)] = loaded


def _example_errors(loaded: LoadedFile, lines: LineIndex, rulebook: Rulebook) -> Iterator[RuleError]:
    """Examples that cannot be right whatever the rules do: a span not in its text, a bad date."""
    model = loaded.model
    normalized: dict[str, str] = {}

    def contains(text: str, part: str) -> bool:
        if part in text:
            return True
        # Spans are written against the normalised text (Simplified, half-width ...).
        if text not in normalized:
            from pipeline.stages.normalize import Normalizer

            normalized[text] = Normalizer.from_rulebook(rulebook)(text).text
        return part in normalized[text]

    def problem(loc: tuple[str | int, ...], detail: str) -> RuleError:
        line = lines.line(loc) or 1
        return RuleError(ErrorCode.E202, path=loaded.path, line=line, field=format_loc(loc), detail=detail)

    if model.reference_time is not None and not _is_datetime(model.reference_time):
        yield problem(("reference_time",), f"{model.reference_time!r} is not an ISO date or datetime")
    located: list[tuple[tuple[str | int, ...], Any]] = [(("negatives", i), n) for i, n in enumerate(model.negatives)]
    located += [(("examples", i), e) for i, e in enumerate(getattr(model, "examples", None) or [])]
    for name, i, item in list_items(model):
        for j, example in enumerate(getattr(item, "examples", None) or []):
            located.append(((name, i, "examples", j), example))
    for loc, example in located:
        span = getattr(example, "span", None)
        if isinstance(span, str) and isinstance(example, Example | Negative) and not contains(example.text, span):
            yield problem((*loc, "span"), f"span {span!r} is not in the text {example.text!r}")
        ref = getattr(example, "ref", None)
        if isinstance(ref, str) and not _is_datetime(ref):
            yield problem((*loc, "ref"), f"{ref!r} is not an ISO date or datetime")
        if loaded.kind == "lexicon" and isinstance(example, Negative) and not example.span:
            yield problem(loc, "a lexicon negative needs the span that must not be one token")
        words = getattr(example, "words", None)
        if isinstance(words, list):
            for word in words:
                if not contains(example.text, word):
                    yield problem((*loc, "words"), f"word {word!r} is not in the text {example.text!r}")


def _is_datetime(value: str) -> bool:
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True
