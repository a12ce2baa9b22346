"""Options and helpers shared by the commands."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from pipeline.core import Pipeline
from pipeline.errors import PipelineError

RulesOption = Annotated[
    list[Path] | None,
    typer.Option("--rules", help="A rule folder (or file) to overlay on the built-in rules; repeatable."),
]
DocDateOption = Annotated[
    str | None,
    typer.Option("--doc-date", help="Anchor for relative dates (YYYY-MM-DD); overrides the document's own date."),
]

NoModelOption = Annotated[
    bool,
    typer.Option("--no-model", help="Rules only: skip the trained NER model (faster, lower recall)."),
]


def build_pipeline(rules: list[Path] | None, *, simplify: bool = True, model: bool = True) -> Pipeline:
    """Build a pipeline, turning rule and model errors into a clean exit with the message."""
    try:
        return Pipeline.build(rules or [], simplify=simplify, ner=model)
    except PipelineError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None


def read_input(path: str) -> tuple[bytes, str]:
    """Read a file (or stdin for ``-``) as bytes; exit with a clear message when it cannot."""
    if path == "-":
        return sys.stdin.buffer.read(), "<stdin>"
    try:
        return Path(path).read_bytes(), path
    except OSError as exc:
        typer.echo(f"[E105] unreadable input: {path} could not be read ({exc.strerror or exc})", err=True)
        raise typer.Exit(2) from None
