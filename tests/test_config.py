"""The TOML run config: overlays, inputs and options in a file, paths relative to it, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import ConfigError, RunConfig, load_config
from pipeline.errors import ErrorCode


def test_paths_are_relative_to_the_config_file(tmp_path: Path) -> None:
    path = tmp_path / "job" / "run.toml"
    path.parent.mkdir()
    path.write_text(
        'rules = ["my_rules", "/abs/rules"]\ninputs = ["in/*.txt", "-"]\nout = "out"\nformat = "jsonl, csv"\n'
        'doc_date = "2025-11-20"\npattern_timeout = 2.5\nsimplify = false\n[options]\nner = false\n',
        encoding="utf-8",
    )
    config = load_config(path)
    base = path.parent.resolve()
    assert config.rules == [base / "my_rules", Path("/abs/rules")]
    assert config.inputs == [str(base / "in/*.txt"), "-"]
    assert config.out == base / "out"
    assert config.format == ["jsonl", "csv"]
    assert config.stage_options() == {"ner": False, "simplify": False, "pattern_timeout": 2.5}
    assert config.path == path


def test_defaults() -> None:
    config = RunConfig()
    assert config.rules == [] and config.stage_options() == {"simplify": True}


def test_unknown_field_names_line_and_suggests(tmp_path: Path) -> None:
    path = tmp_path / "run.toml"
    path.write_text('out = "x"\n\nrule = ["my_rules"]\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.code is ErrorCode.E207
    assert info.value.details["line"] == 3 and info.value.details["field"] == "rule"
    assert "did you mean 'rules'" in str(info.value)


def test_wrong_type_and_bad_values(tmp_path: Path) -> None:
    path = tmp_path / "run.toml"
    path.write_text('rules = ["a"]\npattern_timeout = -1\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.details["field"] == "pattern_timeout" and info.value.details["line"] == 2


def test_not_toml_or_missing(tmp_path: Path) -> None:
    path = tmp_path / "run.toml"
    path.write_text("rules = [\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.code is ErrorCode.E208 and "not valid TOML" in str(info.value)
    with pytest.raises(ConfigError, match="cannot be read"):
        load_config(tmp_path / "missing.toml")


def test_pipeline_from_config(tmp_path: Path) -> None:
    from pipeline.core import Pipeline

    rules = tmp_path / "my_rules"
    rules.mkdir()
    (rules / "gaz.yaml").write_text("kind: gazetteer\nentries:\n  - {name: 深蓝航天}\n", encoding="utf-8")
    (tmp_path / "run.toml").write_text('rules = ["my_rules"]\npattern_timeout = 1.5\n', encoding="utf-8")
    pipe = Pipeline.from_config(tmp_path / "run.toml", stages=["normalize", "segment", "entities", "mentions"])
    assert pipe.pattern_budget == 1.5
    assert pipe.rulebook.dirs[-1] == rules.resolve()
    assert [m.text for m in pipe.process("深蓝航天发射火箭").mentions] == ["深蓝航天"]
