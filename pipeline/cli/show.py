"""``zhpipe show``: look at one document: mentions highlighted by label, events, repairs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from pipeline.cli import app
from pipeline.cli.common import DocDateOption, RulesOption, build_pipeline, read_input
from pipeline.errors import InputError
from pipeline.render.html import LABEL_COLOURS


def _load_record(path: Path, doc_id: str | None) -> dict[str, Any] | None:
    """A record from a record JSON or documents.jsonl, or ``None`` when ``path`` is an article."""
    if path.suffix.lower() not in (".json", ".jsonl", ".ndjson"):
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    candidates: list[Any] = []
    try:
        candidates = [json.loads(text)]
    except json.JSONDecodeError:
        for line in text.splitlines():
            if line.strip():
                try:
                    candidates.append(json.loads(line))
                except json.JSONDecodeError:
                    return None
    records = [c for c in candidates if isinstance(c, dict) and "mentions" in c and "text" in c]
    if not records:
        return None
    if doc_id is None:
        return records[0]
    for record in records:
        if record.get("doc_id") == doc_id:
            return record
    typer.echo(f"no record with doc_id {doc_id!r} in {path}", err=True)
    raise typer.Exit(2)


@app.command("show")
def show(
    file: Annotated[str, typer.Argument(help="An article (any encoding), a record's JSON, documents.jsonl, or -.")],
    html: Annotated[Path | None, typer.Option("--html", help="Write the self-contained HTML page here.")] = None,
    screenshot: Annotated[
        Path | None, typer.Option("--screenshot", help="Also save a PNG of the page (needs Chromium).")
    ] = None,
    doc_id: Annotated[str | None, typer.Option("--doc-id", help="Which record of a documents.jsonl to show.")] = None,
    doc_date: DocDateOption = None,
    rules: RulesOption = None,
) -> None:
    """Show a document: the normalised text with every mention highlighted, its events and its repairs."""
    from pipeline.io.writers import atomic_write_text
    from pipeline.render.document import render_document

    record = _load_record(Path(file), doc_id) if file != "-" else None
    raw_text: str | None = None
    if record is None:
        data, source = read_input(file)
        pipe = build_pipeline(rules)
        try:
            doc = pipe.process(data, doc_date=doc_date, source=source)
        except InputError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(2) from None
        record = doc.to_dict()
        raw_text = pipe.normalize(data).raw
    if html is None and screenshot is None:
        _print_terminal(record)
        return
    page = render_document(record, raw_text=raw_text)
    target = html
    if target is None:
        import tempfile

        target = Path(tempfile.mkdtemp(prefix="zhpipe-show-")) / "page.html"
    atomic_write_text(target, page)
    if html is not None:
        typer.echo(f"wrote {html}: {len(record.get('mentions') or ())} mentions highlighted")
    if screenshot is not None:
        from pipeline.render.browser import run_chromium

        try:
            run = run_chromium(target, screenshot=screenshot, window=(1280, 2000))
        except (FileNotFoundError, OSError) as exc:
            typer.echo(f"cannot take a screenshot: {exc}", err=True)
            raise typer.Exit(2) from None
        if run.returncode != 0 or not screenshot.exists():
            typer.echo(f"Chromium failed ({run.returncode}): {run.stderr.strip()[-500:]}", err=True)
            raise typer.Exit(2)
        typer.echo(f"wrote {screenshot}")


def _print_terminal(record: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from pipeline.render.document import describe_value

    console = Console(highlight=False)
    text = Text(record["text"])
    for m in record.get("mentions") or ():
        text.stylize(f"on {LABEL_COLOURS.get(m['label'], '#e8e8e8')} black", m["start"], m["end"])
    console.print(Text(f"{record.get('doc_id')} · doc_date {record.get('doc_date', {}).get('value')}", style="bold"))
    console.print(text)
    mentions = Table(title="Mentions")
    for column in ("id", "label", "text", "span", "value", "source"):
        mentions.add_column(column)
    for m in record.get("mentions") or ():
        mentions.add_row(
            m["id"],
            m["label"],
            m["text"],
            f"{m['start']}-{m['end']}",
            describe_value(m["label"], m.get("value")),
            m["source"],
        )
    console.print(mentions)
    events = Table(title="Events")
    for column in ("id", "type", "status", "trigger", "arguments"):
        events.add_column(column)
    for e in record.get("events") or ():
        args = "; ".join(f"{a['role']}={a['text']}" for a in e.get("arguments") or ())
        events.add_row(e["id"], e["type"], e.get("status", ""), (e.get("trigger") or {}).get("text", ""), args)
    console.print(events)
    repairs = (record.get("normalization") or {}).get("repairs") or ()
    console.print(f"{len(repairs)} normalisation repairs (zhpipe normalize --repairs FILE lists them)")
