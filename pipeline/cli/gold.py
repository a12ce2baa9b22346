"""``zhpipe gold``: validate gold files, build them from annotation sources, draft new sources."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from pipeline.cli import app
from pipeline.cli.common import DocDateOption, RulesOption, build_pipeline, read_input
from pipeline.errors import GoldError

gold_app = typer.Typer(help="Gold annotations: validate, build from sources, draft.", no_args_is_help=True)
app.add_typer(gold_app, name="gold")


@gold_app.command("validate")
def validate(
    files: Annotated[list[Path], typer.Argument(help="Gold JSONL files.")],
    corpus_root: Annotated[
        Path | None, typer.Option("--corpus-root", help="Folder the gold paths are relative to (default: gold/..).")
    ] = None,
) -> None:
    """Check gold files; print every problem (file, line, field) and exit 1 when there is one."""
    from pipeline.evaluate.gold import load_gold

    bad = 0
    for path in files:
        try:
            result = load_gold(path, corpus_root=corpus_root)
        except GoldError as exc:
            typer.echo(str(exc), err=True)
            bad += 1
            continue
        for problem in result.problems:
            typer.echo(str(problem), err=True)
        bad += len(result.problems)
        mentions = sum(len(d.mentions) for d in result.documents)
        events = sum(len(d.events) for d in result.documents)
        typer.echo(f"{path}: {len(result.documents)} valid documents, {mentions} mentions, {events} events")
    if bad:
        raise typer.Exit(1)


@gold_app.command("build")
def build(
    sources: Annotated[list[Path], typer.Argument(help="Annotation sources (YAML) or folders of them.")],
    out: Annotated[Path, typer.Option("--out", help="The gold JSONL file to write.")],
    corpus_root: Annotated[Path, typer.Option("--corpus-root", help="Folder the source paths are relative to.")] = Path(
        "corpus"
    ),
    listing: Annotated[bool, typer.Option("--listing", help="Print every placed mention with its context.")] = False,
) -> None:
    """Compile annotation sources into a gold file (offsets computed from the surface strings), then validate it."""
    from pipeline.evaluate.annotate import SourceProblems, check_listing, compile_file
    from pipeline.evaluate.gold import validate_document
    from pipeline.io.writers import atomic_write_text

    paths = sorted(p for s in sources for p in ([s] if s.is_file() else [*s.glob("*.yaml"), *s.glob("*.yml")]))
    records, problems = [], 0
    for number, path in enumerate(paths, start=1):
        placed: list[Any] = []
        try:
            record = compile_file(path, corpus_root, placed)
        except SourceProblems as exc:
            for problem in exc.problems:
                typer.echo(str(problem), err=True)
            problems += len(exc.problems)
            continue
        _doc, found = validate_document(record, path=out, line=number, root=corpus_root)
        for problem in found:
            typer.echo(f"{problem} (source {path})", err=True)
        problems += len(found)
        if listing:
            typer.echo(f"# {path}")
            for line in check_listing(record["text"], placed):
                typer.echo(line)
        records.append(record)
    if problems:
        typer.echo(f"{problems} problem(s); {out} not written", err=True)
        raise typer.Exit(1)
    atomic_write_text(out, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    typer.echo(f"wrote {out}: {len(records)} documents")


@gold_app.command("draft")
def draft(
    file: Annotated[str, typer.Argument(help="A clean article (UTF-8), or - for stdin.")],
    doc_id: Annotated[str, typer.Option("--doc-id", help="The document id to write.")] = "",
    clean: Annotated[str, typer.Option("--clean", help="Its path relative to the corpus root.")] = "",
    doc_date: DocDateOption = None,
    rules: RulesOption = None,
) -> None:
    """Print an annotation source drafted from the pipeline's output, for a human to check and complete."""
    from pipeline.evaluate.annotate import draft_source

    data, source = read_input(file)
    text = data.decode("utf-8")
    record = build_pipeline(rules).process(text, doc_id=doc_id or None, doc_date=doc_date).to_dict()
    header = {
        "doc_id": doc_id or record["doc_id"],
        "clean": clean or source,
        "doc_date": doc_date,
        "doc_date_note": "TODO: where the publication date comes from",
    }
    sys.stdout.write(draft_source(text, record, header=header))
