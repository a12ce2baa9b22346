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


def load_commands() -> typer.Typer:
    """Register every ``zhpipe`` command on :data:`app` and return it.

    The command modules are imported here rather than at package import so that
    ``import pipeline.cli`` stays cheap; tests and the console script call this.
    """
    from pipeline.cli import commands, corrupt, eval, gold, rules, run, show  # noqa: F401 - registers the commands

    return app


def main() -> None:
    """Entry point of the ``zhpipe`` console script."""
    load_commands()()
