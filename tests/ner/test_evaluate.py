"""The NER evaluation's error listing (``python -m pipeline.ner.evaluate --errors``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.ner.data import Sentence
from pipeline.ner.evaluate import error_row, main


def test_error_row_lists_missed_and_spurious_spans_with_their_source() -> None:
    sent = Sentence("s1", "美国政府表示，张三说", ((0, 4, "ORG"), (0, 2, "LOC"), (7, 9, "PERSON")))
    found = {(7, 9, "PERSON"): ("model:ner", 0.9), (0, 2, "ORG"): ("model:ner", 0.4)}
    row = error_row(sent, found)
    assert row is not None
    assert row["missed"] == [[0, 4, "ORG", "美国政府"]]
    assert row["spurious"] == [[0, 2, "ORG", "美国", "model:ner", 0.4]]
    assert row["gold"][1] == [0, 2, "LOC", "美国"]  # other labels are shown, not scored
    assert error_row(sent, {(0, 4, "ORG"): ("rule:x", 1.0), (7, 9, "PERSON"): ("rule:y", 1.0)}) is None


def _write(folder: Path, rows: list[dict[str, object]]) -> None:
    folder.mkdir(parents=True)
    with (folder / "dev.jsonl").open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def test_errors_option_writes_the_wrong_sentences(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wrong = {
        "id": "c-1",
        "text": "监管部门正在关注此事，腾讯表示",
        "entities": [{"start": 0, "end": 4, "label": "government", "text": "监管部门"}],
    }
    right = {"id": "c-2", "text": "今天天气很好", "entities": []}
    _write(tmp_path / "data" / "cluener2020", [wrong, right])
    _write(tmp_path / "data" / "msra_ner", [right])
    out = tmp_path / "errors.jsonl"
    assert main(["--data", str(tmp_path / "data"), "--mode", "rules", "--errors", str(out)]) == 0
    scores = json.loads(capsys.readouterr().out)
    assert scores["cluener2020"]["ORG"]["gold"] == 1
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [(r["set"], r["id"]) for r in rows] == [("cluener2020", "c-1")]
    assert rows[0]["missed"] == [[0, 4, "ORG", "监管部门"]]
    assert [s[3] for s in rows[0]["spurious"]] == ["腾讯"]  # a gazetteer name the gold leaves out
    assert "model" not in rows[0]  # rules only: no model readings
    with pytest.raises(SystemExit):
        main(["--data", str(tmp_path / "data"), "--mode", "model", "--errors", str(out)])
