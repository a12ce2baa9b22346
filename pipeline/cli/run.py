"""``zhpipe run``: process many articles into records, tables, failures and a manifest."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import regex
import typer

from pipeline.cli import app
from pipeline.cli.common import (
    ConfigOption,
    DocDateOption,
    NoModelOption,
    PatternTimeoutOption,
    RulesOption,
    load_run_config,
    overlays,
)
from pipeline.errors import ErrorCode, PipelineError

_SIZE = regex.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)?\s*$", regex.IGNORECASE)
_UNITS = {"": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


def parse_size(value: str) -> int:
    """``50MB``, ``512k``, ``1.5GiB`` or a plain number of bytes, as bytes (powers of 1024).

    Raises:
        PipelineError: the value is not a size (code E508).

    """
    m = _SIZE.match(value)
    if m is None:
        raise PipelineError(ErrorCode.E508, option="--max-size", detail=f"{value!r} is not a size such as 50MB")
    unit = (m[2] or "").lower()[:1]
    return int(float(m[1]) * _UNITS[unit])


def default_workers() -> int:
    """The number of cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@app.command()
def run(
    inputs: Annotated[
        list[str] | None,
        typer.Argument(help="Files, folders (recursive), globs, JSONL feeds, HTML pages, or - (JSONL on stdin)."),
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Output folder (also holds the run state).")] = None,
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="Table formats: jsonl, parquet, csv (comma-separated; default jsonl,parquet)."),
    ] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", "-w", min=1, help="Worker processes (default: the number of cores).")
    ] = None,
    engine: Annotated[
        str, typer.Option("--engine", help="local (a process pool) or dask (dask.distributed).")
    ] = "local",
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="Dask scheduler address (default: a local cluster).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Reprocess every input, changed or not.")] = False,
    retry_failed: Annotated[
        bool, typer.Option("--retry-failed", help="Retry inputs that failed before even if unchanged.")
    ] = False,
    prune: Annotated[
        bool, typer.Option("--prune", help="Drop from the outputs every input not named in this run.")
    ] = False,
    max_size: Annotated[
        str, typer.Option("--max-size", help="Larger inputs fail with E104 (e.g. 50MB, 512k).")
    ] = "50MB",
    chunk_size: Annotated[
        int, typer.Option("--chunk-size", min=1, help="Documents per committed part (and per task).")
    ] = 256,
    segmenter: Annotated[
        str | None, typer.Option("--segmenter", help="Segmenter backend: jieba or rjieba (default: the built-in).")
    ] = None,
    progress: Annotated[
        bool | None,
        typer.Option("--progress/--no-progress", help="Progress bar on stderr (default: on a terminal, not in CI)."),
    ] = None,
    doc_date: DocDateOption = None,
    rules: RulesOption = None,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 when the outputs list any failure.")] = False,
    config: ConfigOption = None,
    pattern_timeout: PatternTimeoutOption = None,
    no_model: NoModelOption = False,
) -> None:
    """Process many articles into documents.jsonl, mentions/events tables, failures and a manifest.

    Reruns into the same --out process only new or changed inputs; a killed run can
    simply be run again.
    """
    from pipeline.batch import RunOptions, run_batch
    from pipeline.batch.runner import progress_enabled
    from pipeline.io.writers import parse_formats, summary_lines

    settings = load_run_config(config)
    inputs = inputs or settings.inputs
    out = out or settings.out
    if not inputs or out is None:
        typer.echo("zhpipe run needs INPUT... and --out DIR (on the command line or in --config)", err=True)
        raise typer.Exit(2)
    stage_options = settings.stage_options()
    stage_options.pop("simplify", None)
    if pattern_timeout is not None:
        stage_options["pattern_timeout"] = pattern_timeout
    if no_model:
        stage_options["ner"] = False
    try:
        options = RunOptions(
            inputs=inputs,
            out_dir=out,
            formats=parse_formats(fmt or settings.format or "jsonl,parquet"),
            workers=workers or default_workers(),
            engine=engine,
            scheduler=scheduler,
            force=force,
            retry_failed=retry_failed,
            prune=prune,
            rules=[str(r) for r in overlays(rules, settings)],
            doc_date=doc_date or settings.doc_date,
            simplify=settings.simplify,
            stage_options=stage_options,
            config_path=str(settings.path) if settings.path is not None else None,
            segmenter=segmenter,
            max_bytes=parse_size(max_size),
            chunk_docs=chunk_size,
            progress=progress_enabled() if progress is None else progress,
        )
        report = run_batch(options)
    except PipelineError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    stats = report.stats
    rate = stats.processed / stats.seconds if stats.seconds else 0.0
    typer.echo(
        f"run {stats.run_id}: {stats.seen} inputs, {stats.processed} processed, {stats.unchanged} unchanged, "
        f"{stats.failed} failed, {stats.duplicates} named twice ({stats.seconds:.1f} s, {rate:.1f} docs/s)"
    )
    for line in summary_lines(report.manifest):
        typer.echo(line)
    typer.echo(f"outputs: {out}")
    if strict and report.manifest["counts"]["failures"]:
        raise typer.Exit(1)
