"""``zhpipe extract`` and ``zhpipe normalize`` (``zhpipe run`` is in :mod:`pipeline.cli.run`)."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from pipeline.cli import app
from pipeline.cli.common import (
    ConfigOption,
    DocDateOption,
    NoModelOption,
    PatternTimeoutOption,
    RulesOption,
    build_pipeline,
    load_run_config,
    read_input,
)
from pipeline.errors import PipelineError


def _write_json(data: object) -> None:
    sys.stdout.buffer.write((json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))


@app.command()
def extract(
    file: Annotated[str, typer.Argument(help="An article (any common encoding), or - for stdin.")],
    doc_date: DocDateOption = None,
    rules: RulesOption = None,
    no_simplify: Annotated[bool, typer.Option("--no-simplify", help="Keep Traditional characters.")] = False,
    config: ConfigOption = None,
    pattern_timeout: PatternTimeoutOption = None,
    no_model: NoModelOption = False,
) -> None:
    """Print the JSON record of one article (UTF-8, not ASCII-escaped)."""
    settings = load_run_config(config)
    data, source = read_input(file)
    pipe = build_pipeline(
        rules, simplify=not no_simplify, config=settings, pattern_timeout=pattern_timeout, model=not no_model
    )
    try:
        doc = pipe.process(data, doc_date=doc_date or settings.doc_date, source=source)
    except PipelineError as exc:  # a bad --doc-date (E109), a pattern timeout (E206)
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    _write_json(doc.to_dict())


@app.command()
def normalize(
    file: Annotated[str, typer.Argument(help="A text (any common encoding), or - for stdin.")],
    no_simplify: Annotated[bool, typer.Option("--no-simplify", help="Keep Traditional characters.")] = False,
    repairs: Annotated[bool, typer.Option("--repairs", help="Print the repairs as JSON instead of the text.")] = False,
    rules: RulesOption = None,
    config: ConfigOption = None,
) -> None:
    """Print the normalised text (or, with --repairs, every repair made)."""
    data, _source = read_input(file)
    result = build_pipeline(rules, config=load_run_config(config)).normalize(data, simplify=not no_simplify)
    if repairs:
        _write_json({"encoding": result.encoding, "repairs": [r.to_dict() for r in result.repairs]})
    else:
        sys.stdout.buffer.write(result.text.encode("utf-8"))
        if not result.text.endswith("\n"):
            sys.stdout.buffer.write(b"\n")
