"""``rules lint`` checks: coverage of examples, negatives, macros, repeated entries, impossible examples."""

from __future__ import annotations

from pathlib import Path

from pipeline.errors import ErrorCode
from pipeline.rulebook.lint import lint_rules


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def codes(report: object) -> list[tuple[str, int | None]]:
    return [(p.code.name, p.details.get("line")) for p in report.problems]  # type: ignore[attr-defined]


def test_builtin_rules_have_no_errors() -> None:
    report = lint_rules()
    assert report.errors == []
    # Every built-in file has negatives, and every file has positive examples.
    assert not [w for w in report.warnings if w.code in (ErrorCode.W202, ErrorCode.W203)]


def test_rule_without_example_and_file_without_negatives(tmp_path: Path) -> None:
    folder = tmp_path / "ov"
    write(
        folder,
        "dates.yaml",
        "kind: dates\nrules:\n  - id: my.dates.a\n    pattern: '某日'\n"
        "  - id: my.dates.b\n    pattern: '某天'\n    examples:\n      - text: 某天\n",
    )
    report = lint_rules([folder], only=[folder])
    assert report.errors == []
    assert codes(report) == [("W202", None), ("W201", 3)]
    assert "my.dates.a" in str(report.warnings[1])


def test_table_file_without_any_positive_example(tmp_path: Path) -> None:
    folder = tmp_path / "ov"
    write(folder, "gaz.yaml", "kind: gazetteer\nentries:\n  - {name: 甲乙科技}\nnegatives:\n  - {text: 甲乙丙}\n")
    report = lint_rules([folder], only=[folder])
    assert [p.code for p in report.problems] == [ErrorCode.W203]


def test_warnings_only_for_the_overlays_linted(tmp_path: Path) -> None:
    folder = tmp_path / "ov"
    write(
        folder,
        "lex.yaml",
        "kind: lexicon\nexamples:\n  - {text: 大模型, words: [大模型]}\n"
        "negatives:\n  - {text: 中国央企, span: 国央企}\n",
    )
    report = lint_rules([folder], only=[folder])
    assert report.problems == []


def test_undefined_macro_is_a_warning(tmp_path: Path) -> None:
    folder = tmp_path / "ov"
    write(
        folder,
        "dates.yaml",
        "kind: dates\nrules:\n  - id: my.dates.a\n    pattern: '(?P<year>{YAER})年\\p{Han}'\n"
        "    examples: [{text: 2025年}]\nnegatives: [{text: 无}]\n",
    )
    report = lint_rules([folder], only=[folder])
    [warning] = report.problems
    assert warning.code is ErrorCode.W204
    assert warning.details["macro"] == "YAER" and warning.details["line"] == 4


def test_repeated_entries_and_aliases_in_one_file(tmp_path: Path) -> None:
    folder = tmp_path / "ov"
    write(
        folder,
        "gaz.yaml",
        "kind: gazetteer\nentries:\n"
        "  - {name: 甲科技, aliases: [甲], examples: [{text: 甲科技发布}]}\n"
        "  - {name: 乙科技, aliases: [甲]}\n"
        "  - {name: 甲科技}\n"
        "negatives: [{text: 无}]\n",
    )
    report = lint_rules([folder], only=[folder])
    assert codes(report) == [("W205", 4), ("W205", 5)]
    assert "alias of 乙科技" in str(report.problems[0])


def test_overlay_entry_replacing_a_builtin_one_is_noted(tmp_path: Path) -> None:
    folder = tmp_path / "ov"
    write(
        folder,
        "amounts.yaml",
        "kind: amounts\ncurrencies:\n  - {code: USD, names: [美刀]}\nnegatives: [{text: 无}]\n",
    )
    report = lint_rules([folder], only=[folder])
    assert any("'USD' replaces the one in" in note for note in report.notes)


def test_examples_that_cannot_pass_are_errors(tmp_path: Path) -> None:
    folder = tmp_path / "ov"
    write(
        folder,
        "dates.yaml",
        "kind: dates\nreference_time: yesterday\nrules:\n  - id: my.dates.a\n    pattern: '某日'\n"
        "    examples:\n      - {text: 某日开会, span: 某天}\n      - {text: 某日, ref: 2025-13-01}\n"
        "negatives:\n  - {text: 業務, span: 业务}\n",
    )
    report = lint_rules([folder], only=[folder])
    fields = [e.details["field"] for e in report.errors]
    assert fields == ["reference_time", "rules.0.examples.0.span", "rules.0.examples.1.ref"]
    # A span written in Simplified matches a Traditional text once normalised.
