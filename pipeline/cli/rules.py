"""``zhpipe rules lint|test|explain``: check rule files, run their examples, explain a text.

All three take overlay folders the same way: ``PATHS`` arguments, ``--rules DIR``
(repeatable) and the ``rules`` of a ``--config`` file, overlaid in that order
(config, then ``--rules``, then ``PATHS``) on the built-in rules.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer

from pipeline.cli import app
from pipeline.cli.common import (
    ConfigOption,
    DocDateOption,
    PatternTimeoutOption,
    RulesOption,
    build_pipeline,
    load_run_config,
    overlays,
    read_input,
)
from pipeline.errors import PipelineError
from pipeline.rulebook.examples import CaseResult

rules_app = typer.Typer(
    help="Check rule files, run their inline examples, explain what the rules do on a text.",
    no_args_is_help=True,
)
app.add_typer(rules_app, name="rules")

PathsArgument = Annotated[
    list[Path] | None, typer.Argument(help="Rule folders or files to overlay on the built-in rules.")
]


def _echo(text: str) -> None:
    sys.stdout.buffer.write((text + "\n").encode("utf-8"))
    sys.stdout.buffer.flush()


@rules_app.command("lint")
def lint(
    paths: PathsArgument = None,
    rules: RulesOption = None,
    config: ConfigOption = None,
    strict: Annotated[bool, typer.Option("--strict", help="Fail on warnings too.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="List every file checked.")] = False,
) -> None:
    """Validate the rule files (built-in plus overlays) and check their examples' coverage.

    Errors (exit 1): invalid YAML, schema violations (file, line, field), repeated rule
    ids, bad ``replaces``, patterns that do not compile. Warnings (exit 1 with
    --strict): rules without a positive example, files without negatives, undefined
    macros, repeated entries. With overlays given, warnings cover the overlays only.
    """
    from pipeline.rulebook.lint import is_error, lint_rules

    settings = load_run_config(config)
    layers = [*overlays(rules, settings), *(paths or [])]
    report = lint_rules(layers, only=layers or None)
    for problem in report.problems:
        _echo(("error   " if is_error(problem) else "warning ") + _relative_message(problem))
    for note in report.notes:
        _echo(note)
    if verbose:
        for loaded in report.rulebook.files:
            _echo(f"checked {loaded.path} ({loaded.kind}, layer {loaded.layer})")
    errors, warnings = len(report.errors), len(report.warnings)
    _echo(
        f"{_count(len(report.rulebook.files), 'rule file')} loaded, "
        f"{_count(errors, 'error')}, {_count(warnings, 'warning')}"
    )
    if errors or (strict and warnings):
        raise typer.Exit(1)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _relative_message(problem: PipelineError) -> str:
    """The problem's message with its path relative to the working folder, where it is under it."""
    path = problem.details.get("path")
    if isinstance(path, Path):
        try:
            shown = path.resolve().relative_to(Path.cwd())
        except ValueError:
            return str(problem)
        return problem.code.message(**{**problem.details, "path": shown})
    return str(problem)


@rules_app.command("test")
def test(
    paths: PathsArgument = None,
    rules: RulesOption = None,
    config: ConfigOption = None,
    only: Annotated[
        list[Path] | None, typer.Option("--only", help="Run only the examples of these files or folders.")
    ] = None,
    keyword: Annotated[
        str | None, typer.Option("-k", help="Run only examples whose id (file::rule::n) contains this.")
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Print every example, passed or not.")] = False,
    exitfirst: Annotated[bool, typer.Option("--exitfirst", "-x", help="Stop at the first failure.")] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="Also fail examples that pass through another rule than their own.")
    ] = False,
    pattern_timeout: PatternTimeoutOption = None,
) -> None:
    """Run the inline examples of every rule at their reference date, like a test runner.

    Prints each failure with its file:line, what the example expects and what the
    pipeline gave; known failures (marked xfail) are listed apart and do not
    fail the run, unless they pass (then the mark must go). Exit 1 on any failure.
    """
    from pipeline.rulebook.examples import collect_cases, evaluate

    settings = load_run_config(config)
    layers = [*(rules or []), *(paths or [])]
    pipe = build_pipeline(layers, config=settings, pattern_timeout=pattern_timeout)
    cases = collect_cases(pipe.rulebook)
    if only:
        roots = [p.resolve() for p in only]
        cases = [
            c for c in cases if any(Path(c.path).resolve() == r or r in Path(c.path).resolve().parents for r in roots)
        ]
    if keyword:
        cases = [c for c in cases if keyword in c.case_id]
    started = time.perf_counter()
    results: list[CaseResult] = []
    per_file: dict[str, Counter[str]] = {}
    for case in cases:
        result = evaluate(case, pipe)
        results.append(result)
        per_file.setdefault(case.path, Counter())[result.outcome] += 1
        if verbose:
            _echo(f"{result.outcome.upper():6} {case.location} {case.case_id}")
        if exitfirst and result.outcome in ("fail", "xpass"):
            break
    elapsed = time.perf_counter() - started
    if not verbose:
        for path, counts in per_file.items():
            _echo(f"{path}  " + ", ".join(f"{n} {_word(k)}" for k, n in sorted(counts.items(), key=_order)))
    _section("FAILURES", [r for r in results if r.outcome == "fail"])
    _section("XPASS (marked xfail, but they pass: remove the mark)", [r for r in results if r.outcome == "xpass"])
    _section("KNOWN FAILURES (xfail)", [r for r in results if r.outcome == "xfail"])
    uncredited = [r for r in results if r.uncredited]
    if uncredited:
        _echo("")
        _echo(f"=== PASSED THROUGH ANOTHER RULE{' (failures with --strict)' if strict else ''} ===")
        for r in uncredited:
            _echo(f"{r.case.location}: {r.case.rule_id} {_ordinal(r.case.case_id)}: {r.uncredited}")
    totals = Counter(r.outcome for r in results)
    summary = ", ".join(f"{totals[k]} {_word(k)}" for k in ("fail", "pass", "xfail", "xpass"))
    if uncredited:
        summary += f", {len(uncredited)} through another rule"
    _echo(f"=== {summary} ({len(results)} examples in {elapsed:.2f}s) ===")
    if totals["fail"] or totals["xpass"] or (strict and uncredited):
        raise typer.Exit(1)


def _word(outcome: str) -> str:
    return {"pass": "passed", "fail": "failed", "xfail": "xfailed", "xpass": "xpassed"}[outcome]


def _order(item: tuple[str, int]) -> int:
    return ["fail", "pass", "xfail", "xpass"].index(item[0])


def _ordinal(case_id: str) -> str:
    _file, _rule, index = case_id.rsplit("::", 2)
    return f"{'negative' if _rule == 'negatives' else 'example'} {index}"


def _section(title: str, items: list[CaseResult]) -> None:
    if not items:
        return
    _echo("")
    _echo(f"=== {title} ===")
    for r in items:
        case = r.case
        reason = f"  [xfail: {case.xfail}]" if case.xfail else ""
        _echo(f"{case.location}: {case.rule_id} {_ordinal(case.case_id)}{reason}")
        _echo(f"    text:     {case.example.text!r}")
        if r.problem is not None:
            _echo(f"    expected: {r.problem.expected}")
            _echo(f"    got:      {r.problem.got}")


@rules_app.command("explain")
def explain(
    text: Annotated[str | None, typer.Argument(help="The text to explain (or use --file).")] = None,
    file: Annotated[
        str | None, typer.Option("--file", "-f", help="Read the text from a file (any common encoding), - for stdin.")
    ] = None,
    doc_date: DocDateOption = None,
    rules: RulesOption = None,
    config: ConfigOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the explanation as JSON.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Also show pattern time per rule.")] = False,
    pattern_timeout: PatternTimeoutOption = None,
) -> None:
    """Show which rules fired on TEXT, which were overridden and why, and the final mentions and events."""
    from pipeline.rulebook.explain import explain as run_explain
    from pipeline.rulebook.explain import render

    if (text is None) == (file is None):
        typer.echo("give the text as an argument or with --file (one of them)", err=True)
        raise typer.Exit(2)
    settings = load_run_config(config)
    data: str | bytes = text if text is not None else read_input(file or "-")[0]
    pipe = build_pipeline(rules, config=settings, pattern_timeout=pattern_timeout)
    try:
        explanation = run_explain(pipe, data, doc_date=doc_date or settings.doc_date)
    except PipelineError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    if as_json:
        _echo(json.dumps(explanation.to_dict(), ensure_ascii=False, indent=2))
    else:
        sys.stdout.buffer.write(render(explanation, verbose=verbose).encode("utf-8"))
    if explanation.error:
        raise typer.Exit(1)
