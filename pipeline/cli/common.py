"""Options and helpers shared by the commands."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from pipeline.config import RunConfig, load_config
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
ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="A TOML run config: rules overlays, inputs, out, format, doc_date, pattern_timeout, stage options.",
    ),
]
PatternTimeoutOption = Annotated[
    float | None,
    typer.Option(
        "--pattern-timeout",
        min=0.001,
        help="Seconds of rule-pattern matching one document may use (default 5); past it the document fails (E206).",
    ),
]

NoModelOption = Annotated[
    bool,
    typer.Option("--no-model", help="Rules only: skip the trained NER model (faster, lower recall)."),
]


def load_run_config(path: Path | None) -> RunConfig:
    """The run config at ``path`` (defaults when ``None``); exit 2 with the message when it is bad."""
    if path is None:
        return RunConfig()
    try:
        return load_config(path)
    except PipelineError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None


def overlays(rules: list[Path] | None, config: RunConfig | None = None) -> list[Path]:
    """The overlay folders of a run: the config's first, then the command line's."""
    return [*(config.rules if config is not None else []), *(rules or [])]


def build_pipeline(
    rules: list[Path] | None,
    *,
    simplify: bool = True,
    config: RunConfig | None = None,
    pattern_timeout: float | None = None,
    model: bool = True,
) -> Pipeline:
    """Build a pipeline, turning rule and model errors into a clean exit with the message.

    ``model=False`` (``--no-model``) runs the rules only, without the trained NER model.
    """
    options = config.stage_options() if config is not None else {}
    options["simplify"] = simplify and bool(options.get("simplify", True))
    if pattern_timeout is not None:
        options["pattern_timeout"] = pattern_timeout
    if not model:
        options["ner"] = False
    try:
        return Pipeline.build(overlays(rules, config), **options)
    except (PipelineError, ValueError) as exc:
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
