"""``zhpipe eval``: score the pipeline (or saved records) against gold annotations."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from pipeline.cli import app
from pipeline.cli.common import RulesOption, build_pipeline
from pipeline.errors import ErrorCode, GoldError


@app.command("eval")
def eval_command(
    gold: Annotated[
        Path,
        typer.Option("--gold", help="Gold JSONL: our gold format, or shared-data JSONL (id, text, entities, events)."),
    ],
    pred: Annotated[
        Path | None,
        typer.Option(
            "--pred", help="Records to score (documents.jsonl or one record's JSON); default: run the pipeline."
        ),
    ] = None,
    task: Annotated[str, typer.Option("--task", help="What to score: all, ner or events.")] = "all",
    label_map: Annotated[
        str | None,
        typer.Option("--label-map", help="Rename dataset labels, e.g. company=ORG,name=PERSON (shared format)."),
    ] = None,
    input_mode: Annotated[
        str,
        typer.Option(
            "--input", help="Run on each gold document's raw article, its damaged copies, or the clean gold text."
        ),
    ] = "raw",
    damaged: Annotated[bool, typer.Option("--damaged", help="Shorthand for --input damaged.")] = False,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="Score only the first N gold documents.")] = None,
    out: Annotated[
        Path, typer.Option("--out", help="Folder for metrics.json, report.html, errors.jsonl, predictions.jsonl.")
    ] = Path("outputs/eval"),
    html: Annotated[bool, typer.Option("--html/--no-html", help="Write the HTML report.")] = True,
    min_f1: Annotated[
        list[str] | None,
        typer.Option("--min-f1", help="LABEL[:scheme]=F1 (or ALL, EVENTS, EVENT_TYPES); exit 1 below it. Repeatable."),
    ] = None,
    own_dates: Annotated[
        bool,
        typer.Option(
            "--own-dates", help="Let the pipeline find each document's date instead of using the gold doc_date."
        ),
    ] = False,
    corpus_root: Annotated[
        Path | None, typer.Option("--corpus-root", help="Folder gold paths are relative to (default: gold/..).")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the gate result.")] = False,
    rules: RulesOption = None,
) -> None:
    """Per-label P/R/F1 (strict, exact, partial, type), value accuracy, DuEE-fin event tuple F1, and every error."""
    from rich.console import Console

    from pipeline.evaluate.gold import default_corpus_root, load_gold_files
    from pipeline.evaluate.importers import TASKS, detect_format, load_shared, parse_label_map
    from pipeline.evaluate.report import check_gate, evaluate, parse_thresholds, render_tables
    from pipeline.evaluate.runner import INPUT_MODES, load_predictions, match_predictions, run_pipeline
    from pipeline.io.writers import atomic_write_text
    from pipeline.records import LABELS

    console = Console(stderr=False, highlight=False)
    mode = "damaged" if damaged else input_mode
    if task not in TASKS or mode not in INPUT_MODES:
        typer.echo(
            f"[E404] bad evaluation option: --task is one of {', '.join(TASKS)}, "
            f"--input one of {', '.join(INPUT_MODES)}",
            err=True,
        )
        raise typer.Exit(2)
    try:
        fmt = "gold" if gold.is_dir() else detect_format(gold)
        if fmt == "gold":
            if label_map:
                raise GoldError(
                    ErrorCode.E404, option="--label-map", detail="applies to shared-data files, not gold files"
                )
            gold_set: Any = load_gold_files(gold, corpus_root=corpus_root)
            labels = list(LABELS)
        else:
            gold_set = load_shared(gold, label_map=parse_label_map(label_map), task=task, limit=limit)
            labels = gold_set.labels
        thresholds = parse_thresholds(min_f1 or [], labels)
    except GoldError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    for problem in gold_set.problems:
        typer.echo(str(problem), err=True)
    docs = gold_set.documents[:limit] if limit else gold_set.documents
    if not docs:
        typer.echo(f"[E402] gold file {gold}: no valid document to score", err=True)
        raise typer.Exit(2)
    root = corpus_root or default_corpus_root(gold if gold.is_file() else gold / "x.jsonl")
    if pred is not None:
        try:
            predictions = list(match_predictions(docs, load_predictions(pred)))
        except GoldError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(2) from None
        source = f"records from {pred}"
    else:
        if mode == "damaged" and not any(d.damaged for d in docs):
            typer.echo(f"[E402] gold file {gold}: no document lists a damaged copy", err=True)
            raise typer.Exit(2)
        pipe = build_pipeline(rules)
        predictions = list(
            _progress(run_pipeline(pipe, docs, mode=mode, root=root, use_gold_dates=not own_dates), len(docs), quiet)
        )
        source = (
            f"pipeline on the {mode} {'copies' if mode == 'damaged' else 'articles' if mode == 'raw' else 'gold texts'}"
        )
    meta = {
        "gold": str(gold),
        "gold_format": fmt,
        "pred": str(pred) if pred else None,
        "input": source,
        "label_map": parse_label_map(label_map) if label_map else None,
        "gold_problems": [str(p) for p in gold_set.problems],
        "doc_dates": "pipeline" if own_dates else "gold",
    }
    if mode == "damaged" and pred is None:
        skipped = [d.doc_id for d in docs if not d.damaged]
        if skipped:
            meta["skipped_without_damaged_copy"] = skipped
            typer.echo(
                f"{len(skipped)} gold document(s) have no damaged copy and were not scored: {', '.join(skipped)}"
            )
    event_types = getattr(gold_set, "event_types", None)
    if event_types is not None:
        meta["event_types_scored"] = event_types
    result = evaluate(predictions, labels=labels, task=task, meta=meta, event_types=event_types)
    gate_failures = check_gate(result, thresholds)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out / "metrics.json", json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n")
    atomic_write_text(
        out / "errors.jsonl",
        "".join(
            json.dumps({"doc_id": doc.key, **e.to_dict()}, ensure_ascii=False) + "\n"
            for doc in result.errors
            for e in doc.errors
        ),
    )
    records = [p.record for p in predictions if p.record is not None]
    if records:
        atomic_write_text(out / "predictions.jsonl", "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    if html:
        from pipeline.render.report import render_report

        atomic_write_text(out / "report.html", render_report(result))
    if not quiet:
        render_tables(result, console)
        typer.echo(f"outputs: {out / 'metrics.json'}" + (f", {out / 'report.html'}" if html else ""))
    if gold_set.problems:
        typer.echo(f"{len(gold_set.problems)} gold problem(s) above: those documents were not scored", err=True)
    for message in gate_failures:
        typer.echo(f"FAILED {message}", err=True)
    if thresholds and not gate_failures:
        typer.echo(f"gate passed: {', '.join(f'{k}>={v}' for k, v in thresholds.items())}")
    if gate_failures:
        raise typer.Exit(1)


def _progress(items: Any, total: int, quiet: bool) -> Any:
    import sys

    if quiet or total < 20 or not sys.stderr.isatty():
        return items
    from tqdm import tqdm

    return tqdm(items, total=total, desc="eval", unit="doc", leave=False)
