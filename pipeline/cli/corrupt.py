"""``zhpipe corrupt``: damage a clean text the way the web does (for tests and benchmarks)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from pipeline.cli import app
from pipeline.cli.common import read_input
from pipeline.corrupt import KINDS, SCOPES, corrupt


@app.command("corrupt")
def corrupt_command(
    file: Annotated[str, typer.Argument(help="A clean UTF-8 text, or - for stdin.")],
    kind: Annotated[str, typer.Option("--kind", help=f"One of: {', '.join(KINDS)}.")] = "pinyin_traditional",
    scope: Annotated[str, typer.Option("--scope", help=f"One of: {', '.join(SCOPES)}.")] = "document",
    seed: Annotated[int, typer.Option("--seed", help="Random seed (the same seed gives the same damage).")] = 0,
    out: Annotated[Path | None, typer.Option("--out", help="Write the damaged bytes here (default: stdout).")] = None,
    info: Annotated[bool, typer.Option("--info", help="Print the damaged span as JSON on stderr.")] = False,
) -> None:
    """Write a damaged copy of a clean text."""
    if kind not in KINDS or scope not in SCOPES:
        typer.echo(
            f"unknown kind or scope: {kind!r}, {scope!r} (kinds: {', '.join(KINDS)}; scopes: {', '.join(SCOPES)})",
            err=True,
        )
        raise typer.Exit(2)
    data, _source = read_input(file)
    result = corrupt(data.decode("utf-8"), kind, scope, seed)
    if out is None:
        sys.stdout.buffer.write(result.data)
    else:
        out.write_bytes(result.data)
    if info:
        typer.echo(
            json.dumps({"kind": kind, "scope": scope, "span": result.span, "damaged_span": result.damaged_span}),
            err=True,
        )
