"""``zhpipe extract``, ``zhpipe normalize`` and ``zhpipe run``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
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
from pipeline.stages.ner import ner_model_info


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


@app.command()
def run(
    inputs: Annotated[
        list[str] | None,
        typer.Argument(help="Files, folders (recursive), globs, JSONL feeds, or - (JSONL on stdin)."),
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Output folder.")] = None,
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="Table formats: jsonl, parquet, csv (comma-separated; default jsonl,parquet)."),
    ] = None,
    doc_date: DocDateOption = None,
    rules: RulesOption = None,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 when any input failed.")] = False,
    config: ConfigOption = None,
    pattern_timeout: PatternTimeoutOption = None,
    no_model: NoModelOption = False,
) -> None:
    """Process many articles into documents.jsonl, mentions/events tables, failures and a manifest."""
    from pipeline.io.readers import InputFailure, iter_inputs
    from pipeline.io.writers import RunWriter, parse_formats, summary_lines

    settings = load_run_config(config)
    inputs = inputs or settings.inputs
    out = out or settings.out
    doc_date = doc_date or settings.doc_date
    if not inputs or out is None:
        typer.echo("zhpipe run needs INPUT... and --out DIR (on the command line or in --config)", err=True)
        raise typer.Exit(2)
    try:
        formats = parse_formats(fmt or settings.format or "jsonl,parquet")
    except PipelineError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    pipe = build_pipeline(rules, config=settings, pattern_timeout=pattern_timeout, model=not no_model)
    writer = RunWriter(out, formats)
    for item in iter_inputs(inputs):
        if isinstance(item, InputFailure):
            writer.fail(item)
            continue
        try:
            doc = pipe.process(item.data, doc_id=item.doc_id, doc_date=doc_date, source=item.source, meta=item.meta)
        except PipelineError as exc:
            writer.fail(InputFailure(item.source, exc.code.name, str(exc)))
            continue
        except Exception as exc:
            writer.fail(
                InputFailure(
                    item.source, "E110", f"[E110] processing failed: {item.source}: {type(exc).__name__}: {exc}"
                )
            )
            continue
        writer.add(doc)
    manifest = writer.close(
        {
            "inputs": list(inputs),
            "rules": pipe.rulebook.hashes(),
            "rules_fingerprint": pipe.rulebook.fingerprint(),
            "rule_layers": [str(d) for d in pipe.rulebook.dirs],
            "pattern_timeout": pipe.pattern_budget,
            "config": str(settings.path) if settings.path is not None else None,
            "ner_model": ner_model_info(pipe),
        }
    )
    for line in summary_lines(manifest):
        typer.echo(line)
    typer.echo(f"outputs: {out}")
    if strict and manifest["counts"]["failures"]:
        raise typer.Exit(1)
