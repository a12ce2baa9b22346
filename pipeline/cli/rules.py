"""``zhpipe rules lint`` and ``zhpipe rules test``: check rule files and run their examples."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pipeline.cli import app
from pipeline.cli.common import build_pipeline
from pipeline.errors import PipelineError

rules_app = typer.Typer(help="Check rule files and run their inline examples.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")

PathsArgument = Annotated[
    list[Path] | None, typer.Argument(help="Rule folders or files to overlay on the built-in rules.")
]


@rules_app.command("lint")
def lint(paths: PathsArgument = None) -> None:
    """Validate every rule file (built-in plus PATHS) against its schema."""
    from pipeline.rulebook.loader import load_rulebook

    try:
        rulebook = load_rulebook(paths or [])
    except PipelineError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    for loaded in rulebook.files:
        typer.echo(f"ok  {loaded.path} ({loaded.kind})")
    typer.echo(f"{len(rulebook.files)} rule files valid")


@rules_app.command("test")
def test(
    paths: PathsArgument = None,
    only: Annotated[list[Path] | None, typer.Option("--only", help="Run only the examples of these files.")] = None,
) -> None:
    """Run the inline examples of every rule at their fixed reference date."""
    from pipeline.rulebook.examples import collect_cases, run_case

    pipe = build_pipeline(paths)
    cases = collect_cases(pipe.rulebook)
    if only:
        wanted = {str(p.resolve()) for p in only}
        cases = [c for c in cases if str(Path(c.path).resolve()) in wanted]
    counts = {"pass": 0, "fail": 0, "xfail": 0, "xpass": 0}
    for case in cases:
        outcome, message = run_case(case, pipe)
        counts[outcome] += 1
        if outcome != "pass":
            typer.echo(f"{outcome.upper():5} {case.case_id}: {case.example.text!r}\n      {message}")
    typer.echo(", ".join(f"{v} {k}" for k, v in counts.items()) + f" ({len(cases)} examples)")
    if counts["fail"] or counts["xpass"]:
        raise typer.Exit(1)
