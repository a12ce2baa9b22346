"""The ``zhpipe`` command line (typer): extract, normalize, run, rules ..."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="zhpipe",
    help=(
        "Chinese news extraction: repair damaged text, find dates, amounts, organisations, "
        "persons, products and events."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def main() -> None:
    """Entry point of the ``zhpipe`` console script."""
    from pipeline.cli import commands, corrupt, eval, gold, rules, run, show  # noqa: F401 - registers the commands

    app()
