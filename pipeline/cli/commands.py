"""``zhpipe extract``, ``zhpipe normalize`` and ``zhpipe run``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from pipeline.cli import app
from pipeline.cli.common import DocDateOption, NoModelOption, RulesOption, build_pipeline, read_input
from pipeline.errors import InputError, PipelineError
from pipeline.stages.ner import ner_model_info


def _write_json(data: object) -> None:
    sys.stdout.buffer.write((json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))


@app.command()
def extract(
    file: Annotated[str, typer.Argument(help="An article (any common encoding), or - for stdin.")],
    doc_date: DocDateOption = None,
    rules: RulesOption = None,
    no_simplify: Annotated[bool, typer.Option("--no-simplify", help="Keep Traditional characters.")] = False,
    no_model: NoModelOption = False,
) -> None:
    """Print the JSON record of one article (UTF-8, not ASCII-escaped)."""
    data, source = read_input(file)
    pipe = build_pipeline(rules, simplify=not no_simplify, model=not no_model)
    try:
        doc = pipe.process(data, doc_date=doc_date, source=source)
    except InputError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    _write_json(doc.to_dict())


@app.command()
def normalize(
    file: Annotated[str, typer.Argument(help="A text (any common encoding), or - for stdin.")],
    no_simplify: Annotated[bool, typer.Option("--no-simplify", help="Keep Traditional characters.")] = False,
    repairs: Annotated[bool, typer.Option("--repairs", help="Print the repairs as JSON instead of the text.")] = False,
    rules: RulesOption = None,
) -> None:
    """Print the normalised text (or, with --repairs, every repair made)."""
    data, _source = read_input(file)
    result = build_pipeline(rules).normalize(data, simplify=not no_simplify)
    if repairs:
        _write_json({"encoding": result.encoding, "repairs": [r.to_dict() for r in result.repairs]})
    else:
        sys.stdout.buffer.write(result.text.encode("utf-8"))
        if not result.text.endswith("\n"):
            sys.stdout.buffer.write(b"\n")


@app.command()
def run(
    inputs: Annotated[
        list[str], typer.Argument(help="Files, folders (recursive), globs, JSONL feeds, or - (JSONL on stdin).")
    ],
    out: Annotated[Path, typer.Option("--out", help="Output folder.")],
    fmt: Annotated[
        str, typer.Option("--format", help="Table formats: jsonl, parquet, csv (comma-separated).")
    ] = "jsonl,parquet",
    doc_date: DocDateOption = None,
    rules: RulesOption = None,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 when any input failed.")] = False,
    no_model: NoModelOption = False,
) -> None:
    """Process many articles into documents.jsonl, mentions/events tables, failures and a manifest."""
    from pipeline.io.readers import InputFailure, iter_inputs
    from pipeline.io.writers import RunWriter, parse_formats, summary_lines

    try:
        formats = parse_formats(fmt)
    except PipelineError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    pipe = build_pipeline(rules, model=not no_model)
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
            "ner_model": ner_model_info(pipe),
        }
    )
    for line in summary_lines(manifest):
        typer.echo(line)
    typer.echo(f"outputs: {out}")
    if strict and manifest["counts"]["failures"]:
        raise typer.Exit(1)
