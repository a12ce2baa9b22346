"""``zhpipe rules lint|test|explain`` and the ``--rules``/``--config`` overlays of the other commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from pipeline.cli import load_commands

app = load_commands()

runner = CliRunner()


def zhpipe(*args: str | Path) -> Result:
    return runner.invoke(app, [str(a) for a in args])


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """\
kind: amounts
currencies:
  - {code: THB, names: [泰铢]}
rules:
  - id: my.amounts.thb
    priority: 5
    pattern: '(?P<num>\\d+)\\s*(?P<mag>万|亿)?\\s*(?P<cur>泰铢)'
    params: {kind: money}
    examples:
      - {text: 营收50万泰铢, span: 50万泰铢, value: {currency: THB}}
      - {text: 营收50万泰铢, span: 50万泰铢, value: {currency: USD}}
      - {text: 营收50万泰铢, span: 50万泰铢, value: {currency: EUR}, xfail: waiting for the euro}
negatives:
  - {text: 泰铢汇率走强}
"""


def test_lint_builtin_rules() -> None:
    result = zhpipe("rules", "lint")
    assert result.exit_code == 0, result.output
    assert "0 errors" in result.stdout


def test_lint_reports_file_line_field_and_exits_1(tmp_path: Path) -> None:
    write(tmp_path / "ov", "dates.yaml", "kind: dates\nrules:\n  - id: my.dates.a\n    pattern: '(?P<y>'\n")
    write(tmp_path / "ov", "gaz.yaml", "kind: gazetteer\nentries:\n  - {name: 甲, typ: company}\n")
    result = zhpipe("rules", "lint", tmp_path / "ov")
    assert result.exit_code == 1
    assert "[E204]" in result.stdout and "dates.yaml, line 4, rule my.dates.a" in result.stdout
    assert "gaz.yaml, line 3, field entries.0.typ: unknown field 'typ' (did you mean 'type'?)" in result.stdout
    assert "2 errors" in result.stdout


def test_lint_refuses_python_tags(tmp_path: Path) -> None:
    write(tmp_path / "ov", "x.yaml", "kind: lexicon\nwords: !!python/object/apply:os.getcwd []\n")
    result = zhpipe("rules", "lint", "--rules", tmp_path / "ov")
    assert result.exit_code == 1
    assert "python/object/apply" in result.stdout and "line 2" in result.stdout


def test_lint_strict_fails_on_missing_examples(tmp_path: Path) -> None:
    write(tmp_path / "ov", "dates.yaml", "kind: dates\nrules:\n  - id: my.dates.a\n    pattern: '某日'\n")
    relaxed = zhpipe("rules", "lint", tmp_path / "ov")
    assert relaxed.exit_code == 0
    assert "[W201]" in relaxed.stdout and "[W202]" in relaxed.stdout
    assert zhpipe("rules", "lint", "--strict", tmp_path / "ov").exit_code == 1


def test_rules_test_reports_like_a_test_runner(tmp_path: Path) -> None:
    write(tmp_path / "ov", "amounts.yaml", GOOD)
    result = zhpipe("rules", "test", "--rules", tmp_path / "ov", "--only", tmp_path / "ov")
    assert result.exit_code == 1
    out = result.stdout
    assert "amounts.yaml  1 failed, 2 passed, 1 xfailed" in out
    failures = out[out.index("=== FAILURES ===") : out.index("=== KNOWN FAILURES")]
    assert "amounts.yaml:11: my.amounts.thb example 1" in failures
    assert "expected: AMOUNT '50万泰铢' with {currency: 'USD'}" in failures
    assert "got:      AMOUNT '50万泰铢' from rule:my.amounts.thb with currency='THB'" in failures
    known = out[out.index("=== KNOWN FAILURES") :]
    assert "amounts.yaml:12: my.amounts.thb example 2  [xfail: waiting for the euro]" in known
    assert "=== 1 failed, 2 passed, 1 xfailed, 0 xpassed (4 examples" in out


def test_rules_test_keyword_filter_and_exit_0(tmp_path: Path) -> None:
    write(tmp_path / "ov", "amounts.yaml", GOOD)
    result = zhpipe("rules", "test", tmp_path / "ov", "-k", "::negatives::", "-v")
    assert result.exit_code == 0, result.stdout
    assert "PASS" in result.stdout and "ov/amounts.yaml::negatives::0" in result.stdout


def test_rules_test_builtin_passes() -> None:
    result = zhpipe("rules", "test")
    assert result.exit_code == 0, result.stdout
    assert " 0 failed" in result.stdout


def test_explain_text_file_and_json(tmp_path: Path) -> None:
    result = zhpipe("rules", "explain", "2024年1月，智谱推出新一代基座大模型GLM-4。", "--doc-date", "2025-11-20")
    assert result.exit_code == 0
    assert "dates.month" in result.stdout and "OVERRIDDEN" in result.stdout and "产品发布" in result.stdout
    article = write(tmp_path, "a.txt", "2024年1月，智谱推出新一代基座大模型GLM-4。")
    as_json = zhpipe("rules", "explain", "--file", article, "--json")
    data = json.loads(as_json.stdout)
    assert data["document"]["events"][0]["type"] == "产品发布"
    assert zhpipe("rules", "explain").exit_code == 2


def test_extract_with_rules_and_config(tmp_path: Path) -> None:
    write(tmp_path / "my_rules", "amounts.yaml", GOOD)
    write(tmp_path, "run.toml", 'rules = ["my_rules"]\ndoc_date = "2025-11-20"\n')
    article = write(tmp_path, "a.txt", "公司营收50万泰铢。")
    for args in (["--rules", tmp_path / "my_rules"], ["--config", tmp_path / "run.toml"]):
        result = zhpipe("extract", article, *args)
        assert result.exit_code == 0, result.output
        record = json.loads(result.stdout)
        assert [m["value"]["currency"] for m in record["mentions"] if m["label"] == "AMOUNT"] == ["THB"]
    assert json.loads(zhpipe("extract", article, "--config", tmp_path / "run.toml").stdout)["doc_date"] == {
        "value": "2025-11-20T00:00:00",
        "origin": "argument",
    }


def test_bad_config_exits_2(tmp_path: Path) -> None:
    write(tmp_path, "run.toml", "rulez = []\n")
    article = write(tmp_path, "a.txt", "正文")
    result = zhpipe("extract", article, "--config", tmp_path / "run.toml")
    assert result.exit_code == 2
    assert "[E207]" in result.output and "did you mean 'rules'" in result.output


@pytest.mark.parametrize("via_config", [False, True])
def test_a_catastrophic_pattern_fails_one_document_and_the_batch_goes_on(tmp_path: Path, via_config: bool) -> None:
    write(
        tmp_path / "bad_rules",
        "dates.yaml",
        "kind: dates\nrules:\n  - id: my.dates.catastrophic\n    pattern: '(?:哈|哈)+$'\n",
    )
    inputs = tmp_path / "in"
    write(inputs, "1_slow.txt", "哈" * 40 + "。")
    write(inputs, "2_fine.txt", "2025年3月，智谱推出新模型。")
    out = tmp_path / "out"
    if via_config:
        config = 'rules = ["bad_rules"]\ninputs = ["in"]\nout = "out"\nformat = "jsonl"\npattern_timeout = 0.2\n'
        write(tmp_path, "run.toml", config)
        result = zhpipe("run", "--config", tmp_path / "run.toml")
    else:
        result = zhpipe("run", inputs, "--out", out, "--rules", tmp_path / "bad_rules", "--pattern-timeout", "0.2")
    assert result.exit_code == 0, result.output
    failures = [json.loads(line) for line in (out / "failures.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [f["code"] for f in failures] == ["E206"]
    assert "my.dates.catastrophic" in failures[0]["message"] and failures[0]["source"].endswith("1_slow.txt")
    documents = (out / "documents.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(documents) == 1 and "2025年3月" in documents[0]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["pattern_timeout"] == 0.2
    assert manifest["rule_layers"][-1].endswith("bad_rules")
    assert any(path.endswith("bad_rules/dates.yaml") for path in manifest["rules"])
