"""``rules/README.md`` is tested: the walkthrough's files and commands run, and its snippets validate.

The walkthrough marks each file with ``<!-- file: PATH -->`` before its code block and
each block of commands with ``<!-- commands -->``; this test writes the files into a
fresh folder and runs every ``$ zhpipe ...`` line there, as a reader would.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
import regex
import yaml
from typer.testing import CliRunner

from pipeline.cli import load_commands
from pipeline.rulebook.loader import pattern_fields, read_rule_file
from pipeline.rulebook.patterns import KIND_FLAGS, validation_source

app = load_commands()

README = Path(__file__).resolve().parents[2] / "rules" / "README.md"
TEXT = README.read_text(encoding="utf-8")
WALKTHROUGH = TEXT[TEXT.index("## Walkthrough") : TEXT.index("## Commands")]
FILE_BLOCK = regex.compile(r"<!-- file: (?P<path>\S+) -->\n```\w*\n(?P<body>.*?)```", regex.DOTALL)
COMMAND_BLOCK = regex.compile(r"<!-- commands -->\n```console\n(?P<body>.*?)```", regex.DOTALL)


def walkthrough_files() -> dict[str, str]:
    return {m["path"]: m["body"] for m in FILE_BLOCK.finditer(WALKTHROUGH)}


def walkthrough_commands() -> list[list[str]]:
    return [
        shlex.split(line[len("$ zhpipe ") :])
        for block in COMMAND_BLOCK.finditer(WALKTHROUGH)
        for line in block["body"].splitlines()
        if line.startswith("$ zhpipe ")
    ]


def test_the_walkthrough_has_files_and_commands() -> None:
    assert {"article.txt", "my_rules/events.yaml", "run.toml"} <= set(walkthrough_files())
    verbs = [" ".join(c[:2]) for c in walkthrough_commands()]
    assert {"rules lint", "rules test", "rules explain"} <= set(verbs)
    assert any(c[0] == "extract" for c in walkthrough_commands())


def test_the_walkthrough_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, body in walkthrough_files().items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    outputs = {}
    for args in walkthrough_commands():
        result = runner.invoke(app, args)
        assert result.exit_code == 0, f"zhpipe {' '.join(args)}\n{result.output}"
        outputs[" ".join(args[:2])] = result.stdout
    assert "0 failed" in outputs["rules test"] and "0 errors, 0 warnings" in outputs["rules lint"]
    assert "trigger excluded" in outputs["rules explain"] and "回购注销" in outputs["rules explain"]
    record = json.loads(next(v for k, v in outputs.items() if k.startswith("extract")))
    [event] = [e for e in record["events"] if e["type"] == "回购注销"]
    shown = json.loads(WALKTHROUGH[WALKTHROUGH.index('{"type": "回购注销"') :].split("```")[0])
    assert event["source"] == shown["source"] and event["status"] == shown["status"]
    assert event["trigger"] == shown["trigger"]
    assert [(a["role"], a["text"]) for a in event["arguments"]] == [(a["role"], a["text"]) for a in shown["arguments"]]
    # The run config made it into the batch job.
    events = (tmp_path / "outputs" / "events.jsonl").read_text(encoding="utf-8")
    assert "回购注销" in events


def _rule_snippets() -> list[str]:
    blocks = regex.findall(r"```yaml\n(.*?)```", TEXT, flags=regex.DOTALL)
    return [b for b in blocks if regex.search(r"^kind: ", b, flags=regex.MULTILINE)]


@pytest.mark.parametrize("snippet", _rule_snippets(), ids=lambda s: s.split("\n", 1)[0])
def test_every_rule_snippet_validates(snippet: str, tmp_path: Path) -> None:
    path = tmp_path / "snippet.yaml"
    path.write_text(snippet, encoding="utf-8")
    loaded, errors = read_rule_file(path)
    assert errors == [] and loaded is not None, [str(e) for e in errors]
    macros = dict(getattr(loaded.model, "macros", None) or {})
    data = yaml.safe_load(snippet)
    assert data["kind"] == loaded.kind
    for _loc, pattern, _rule in pattern_fields(loaded.model):
        regex.compile(validation_source(pattern, macros, loaded.kind), KIND_FLAGS.get(loaded.kind, 0))
