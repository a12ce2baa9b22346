"""Rule files are validated at load time; every error names the file, the line and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.errors import ErrorCode, RuleError
from pipeline.rulebook.loader import load_rule_file, load_rulebook, read_rule_file, scan_rulebook


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def errors_of(path: Path) -> list[RuleError]:
    _loaded, errors = read_rule_file(path)
    return errors


def test_builtin_rules_load_without_errors() -> None:
    rulebook, errors = scan_rulebook()
    assert errors == []
    assert {"normalize", "lexicon", "dates", "amounts", "gazetteer", "events"} <= set(rulebook.kinds())


def test_nested_field_error_names_file_line_and_field(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "events.yaml",
        "kind: events\n"
        "types:\n"
        "  - id: my.events.x\n"
        "    type: 测试\n"
        "    triggers: [测试]\n"
        "    roles:\n"
        "      - {role: 甲, label: ORG}\n"
        "      - role: 乙\n"
        "        label: COMPANY\n",
    )
    [error] = errors_of(path)
    assert error.code is ErrorCode.E202
    assert error.details["line"] == 9
    assert error.details["field"] == "types.0.roles.1.label"
    assert str(path) in str(error) and "line 9" in str(error)


def test_every_error_of_a_file_is_reported(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "dates.yaml",
        "kind: dates\nrules:\n  - id: my.dates.a\n    pattern: 'x'\n    priorty: 2\n  - id: bad id\n    pattern: 'y'\n",
    )
    errors = errors_of(path)
    fields = {e.details["field"] for e in errors}
    assert fields == {"rules.0.priorty", "rules.1.id"}
    typo = next(e for e in errors if e.details["field"] == "rules.0.priorty")
    assert typo.details["line"] == 5
    assert "did you mean 'priority'" in str(typo)


def test_missing_field_points_at_its_mapping(tmp_path: Path) -> None:
    path = write(tmp_path, "dates.yaml", "kind: dates\nrules:\n  - id: my.dates.a\n    priority: 1\n")
    [error] = errors_of(path)
    assert error.details["field"] == "rules.0.pattern"
    assert error.details["line"] == 3
    assert "required field 'pattern' is missing" in str(error)


def test_union_errors_are_folded_into_one(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "events.yaml",
        "kind: events\ntypes:\n  - id: my.events.x\n    type: 测试\n    triggers: [测试]\n"
        "    examples:\n      - text: 测试\n        arguments: {甲: 3}\n",
    )
    [error] = errors_of(path)
    assert error.details["field"] == "types.0.examples.0.arguments.甲"
    assert error.details["line"] == 8


def test_repeated_yaml_key_is_an_error(tmp_path: Path) -> None:
    text = "kind: gazetteer\nentries:\n  - name: 甲公司\n    type: company\n    type: fund\n"
    path = write(tmp_path, "gaz.yaml", text)
    [error] = errors_of(path)
    assert error.code is ErrorCode.E202
    assert error.details["line"] == 5
    assert "repeats (first on line 4)" in str(error)


def test_python_tags_are_refused_and_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    path = write(
        tmp_path,
        "evil.yaml",
        f"kind: normalize\ndescription: !!python/object/apply:os.system ['touch {marker}']\n",
    )
    [error] = errors_of(path)
    assert error.code is ErrorCode.E202
    assert error.details["line"] == 2
    assert "python/object/apply" in str(error) and "not allowed" in str(error)
    assert not marker.exists()


def test_non_core_tags_and_alias_bombs_are_refused(tmp_path: Path) -> None:
    binary = write(tmp_path, "bin.yaml", "kind: normalize\ndescription: !!binary aGVsbG8=\n")
    assert "not allowed" in str(errors_of(binary)[0])
    bomb = "kind: lexicon\n" + "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
    for i in range(1, 8):
        bomb += f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]\n"
    path = write(tmp_path, "bomb.yaml", bomb)
    [error] = errors_of(path)
    assert "aliases expand to more than" in str(error)


def test_bad_yaml_syntax_gives_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.yaml", "kind: dates\nrules:\n  - id: my.dates.a\n    pattern: '(unclosed\n")
    [error] = errors_of(path)
    assert error.code is ErrorCode.E202
    assert error.details["field"] == "(syntax)"
    assert isinstance(error.details["line"], int) and error.details["line"] >= 4


def test_unknown_kind_and_missing_kind(tmp_path: Path) -> None:
    unknown = write(tmp_path, "a.yaml", "kind: datez\n")
    [error] = errors_of(unknown)
    assert error.code is ErrorCode.E205
    assert "dates" in str(error)
    missing = write(tmp_path, "b.yaml", "rules: []\n")
    assert errors_of(missing)[0].details["field"] == "kind"


def test_non_utf8_and_empty_files(tmp_path: Path) -> None:
    path = tmp_path / "gbk.yaml"
    path.write_bytes("kind: lexicon\nwords:\n  - {word: 大模型}\n".encode("gbk"))
    [error] = errors_of(path)
    assert error.code is ErrorCode.E201 and "not UTF-8 (line 3" in str(error)
    empty = write(tmp_path, "empty.yaml", "# nothing yet\n")
    assert load_rule_file(empty) is None


def test_bad_regex_is_reported_with_line_and_rule(tmp_path: Path) -> None:
    write(
        tmp_path / "ov",
        "dates.yaml",
        "kind: dates\nrules:\n  - id: my.dates.ok\n    pattern: '今[天日]'\n"
        "  - id: my.dates.broken\n    pattern: '(?P<year>\\d{4}年'\n",
    )
    with pytest.raises(RuleError) as info:
        load_rulebook([tmp_path / "ov"])
    error = info.value
    assert error.code is ErrorCode.E204
    assert error.details["rule_id"] == "my.dates.broken"
    assert error.details["line"] == 6


def test_patterns_compile_with_the_merged_macros(tmp_path: Path) -> None:
    # {YEAR} and {MONTH} come from the built-in dates file.
    write(
        tmp_path / "ov",
        "dates.yaml",
        "kind: dates\nrules:\n  - id: my.dates.fiscal\n    pattern: '(?P<year>{YEAR})财年(?P<month>{MONTH})月'\n"
        "macros:\n  BROKEN: '[a-'\n",
    )
    _book, errors = scan_rulebook([tmp_path / "ov"])
    [error] = errors
    assert error.code is ErrorCode.E204
    assert error.details["rule_id"] == "macro BROKEN"
    assert error.details["line"] == 6


def test_rule_ids_are_unique_across_overlays(tmp_path: Path) -> None:
    write(tmp_path / "ov", "dates.yaml", "kind: dates\nrules:\n  - id: dates.ymd\n    pattern: 'x'\n")
    with pytest.raises(RuleError) as info:
        load_rulebook([tmp_path / "ov"])
    assert info.value.code is ErrorCode.E203
    assert "dates.ymd" in str(info.value) and "first defined in" in str(info.value)


def test_replaces_must_name_an_earlier_rule_of_the_same_kind(tmp_path: Path) -> None:
    write(tmp_path / "a", "x.yaml", "kind: dates\nrules:\n  - id: my.x\n    replaces: dates.nope\n    pattern: 'x'\n")
    write(tmp_path / "b", "x.yaml", "kind: amounts\nrules:\n  - id: my.y\n    replaces: dates.ymd\n    pattern: 'x'\n")
    _book, errors = scan_rulebook([tmp_path / "a", tmp_path / "b"])
    messages = sorted(str(e) for e in errors)
    assert len(errors) == 2
    assert any("no earlier rule has that id" in m for m in messages)
    assert any("which is a dates rules rule" in m for m in messages)
    assert all(e.details["field"].endswith("replaces") for e in errors)


def test_a_replaced_rule_leaves_the_merged_rules(tmp_path: Path) -> None:
    write(
        tmp_path / "ov",
        "dates.yaml",
        "kind: dates\nrules:\n  - id: my.dates.recent\n    replaces: dates.recent\n    resolve: fuzzy\n"
        "    pattern: '近日'\n",
    )
    book = load_rulebook([tmp_path / "ov"])
    merged = book.require("dates")
    ids = [r.id for r in merged.rules]  # type: ignore[attr-defined]
    assert "dates.recent" not in ids and "my.dates.recent" in ids
    original = next(
        r
        for f in book.files
        if f.kind == "dates" and f.layer == 0
        for r in f.model.rules
        if r.id == "dates.recent"  # type: ignore[attr-defined]
    )
    assert not book.is_active("dates", original)


def test_load_rule_file_raises_the_first_error(tmp_path: Path) -> None:
    path = write(tmp_path, "e.yaml", "kind: events\ntypes: [{id: my.e, type: x}]\n")
    with pytest.raises(RuleError, match=r"field types\.0\.triggers"):
        load_rule_file(path)


def test_the_same_folders_unchanged_load_once(tmp_path: Path) -> None:
    overlay = tmp_path / "rules"
    overlay.mkdir()
    rule = overlay / "dates.yaml"
    rule.write_text("kind: dates\nrules:\n  - id: my.a\n    pattern: '甲'\n", encoding="utf-8")
    first = load_rulebook([overlay])
    assert load_rulebook([overlay]) is first
    # A changed file (same length, so only its content tells) is read again.
    rule.write_text("kind: dates\nrules:\n  - id: my.b\n    pattern: '乙'\n", encoding="utf-8")
    second = load_rulebook([overlay])
    assert second is not first
    assert [r.id for r in second.get("dates").rules if r.id.startswith("my.")] == ["my.b"]  # type: ignore[union-attr]
    # So is an added file, and a file that no longer validates still raises.
    (overlay / "more.yaml").write_text("kind: dates\nrules:\n  - id: my.b\n    pattern: '丙'\n", encoding="utf-8")
    with pytest.raises(RuleError):
        load_rulebook([overlay])


def test_event_type_naming_a_role_it_does_not_have_is_an_error() -> None:
    from pydantic import ValidationError

    from pipeline.rulebook.schemas.events import EventType

    roles = [{"role": "任职公司", "label": "ORG"}, {"role": "高管职位", "label": "TEXT"}]
    fields = {"id": "my.events.change", "type": "高管变动", "triggers": ["离职"], "roles": roles}
    EventType.model_validate({**fields, "requires_all": ["任职公司|高管职位"]})
    with pytest.raises(ValidationError, match="does not have: 变动后职务"):
        EventType.model_validate({**fields, "requires_all": ["任职公司|变动后职务"]})
    with pytest.raises(ValidationError, match="does not have: 公司"):
        EventType.model_validate({**fields, "requires_any": ["公司"]})


def test_merging_lists_drops_what_each_later_item_replaces_or_repeats() -> None:
    import random

    from pydantic import BaseModel

    from pipeline.rulebook.loader import _merge_lists, overlay_key

    class Rule(BaseModel):
        id: str | None = None
        replaces: str | None = None
        name: str | None = None

    def reference(base: list[Rule], extra: list[Rule]) -> list[Rule]:
        """The rule as written: each later item filters the whole list again."""
        out = list(base)
        for item in extra:
            if item.replaces is not None:
                out = [old for old in out if old.id != item.replaces]
            elif overlay_key(item) is not None:
                out = [old for old in out if overlay_key(old) != overlay_key(item)]
            out.append(item)
        return out

    rng = random.Random(8)

    def rule() -> Rule:
        if rng.random() < 0.5:
            return Rule(name=rng.choice("abcdef"))  # a gazetteer entry: keyed by its name
        return Rule(id=rng.choice("pqrs"), replaces=rng.choice([None, "p", "q", "x"]))

    for _ in range(200):
        base = [rule() for _ in range(rng.randrange(8))]
        extra = [rule() for _ in range(rng.randrange(8))]
        merged = _merge_lists(base, extra)
        assert [id(r) for r in merged] == [id(r) for r in reference(base, extra)]
