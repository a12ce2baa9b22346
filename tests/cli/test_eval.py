"""``zhpipe eval`` end to end, and the regression gate on corpus/gold.

The gate's thresholds are the current pipeline's figures minus a margin (measured on the raw
articles after merging the NER v2 and events work: strict F1 DATE 0.914, AMOUNT 0.921, ORG 0.651,
PERSON 0.853, PRODUCT 0.818, all labels 0.793; event tuples 0.580, event types 0.926); they are
raised as extractors improve.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import load_commands

app = load_commands()

ROOT = Path(__file__).resolve().parents[2]
GOLD = ROOT / "corpus" / "gold"
GATE = [
    "DATE=0.88",
    "AMOUNT=0.88",
    "ORG=0.61",
    "PERSON=0.80",
    "PRODUCT=0.78",
    "ALL=0.75",
    "EVENTS=0.60",
    "EVENT_TYPES=0.88",
]
runner = CliRunner()


def zhpipe(*args: str | Path) -> tuple[int, str, str]:
    result = runner.invoke(app, [str(a) for a in args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("eval")
    args = ["eval", "--gold", GOLD, "--out", out]
    for item in GATE:
        args += ["--min-f1", item]
    code, stdout, stderr = zhpipe(*args)
    assert code == 0, stdout + stderr
    assert "gate passed" in stdout
    return out


def test_regression_gate_on_corpus_gold(corpus_run: Path) -> None:
    metrics = json.loads((corpus_run / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["documents"] >= 31
    assert metrics["gate"]["passed"] is True
    assert {c["key"] for c in metrics["gate"]["checks"]} >= {"DATE:strict", "EVENTS", "EVENT_TYPES"}
    for label in ("DATE", "AMOUNT", "ORG", "PERSON", "PRODUCT"):
        assert set(metrics["ner"]["labels"][label]) == {"strict", "exact", "partial", "type"}
    assert metrics["values"]["DATE"]["matched"] > 0 and metrics["values"]["AMOUNT"]["matched"] > 0
    assert metrics["events"]["tuples"]["gold"] > 200
    assert "realigned" in metrics["alignment"]


def test_outputs_are_written(corpus_run: Path) -> None:
    html = (corpus_run / "report.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "<svg" in html and 'class="err e-missed"' in html
    errors = [json.loads(line) for line in (corpus_run / "errors.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {e["kind"] for e in errors} >= {"missed", "wrong_boundary", "missed_argument"}
    assert len((corpus_run / "predictions.jsonl").read_text(encoding="utf-8").splitlines()) == 35


def test_gate_fails_below_a_threshold(corpus_run: Path, tmp_path: Path) -> None:
    code, _stdout, stderr = zhpipe(
        "eval", "--gold", GOLD, "--pred", corpus_run / "predictions.jsonl", "--out", tmp_path, "--min-f1", "DATE=0.99"
    )
    assert code == 1
    assert "FAILED DATE:strict: F1" in stderr and "below the minimum 0.9900" in stderr


def test_saved_predictions_score_the_same(corpus_run: Path, tmp_path: Path) -> None:
    code, _out, stderr = zhpipe(
        "eval", "--gold", GOLD, "--pred", corpus_run / "predictions.jsonl", "--out", tmp_path, "-q"
    )
    assert code == 0, stderr
    again = json.loads((tmp_path / "metrics.json").read_text(encoding="utf-8"))
    first = json.loads((corpus_run / "metrics.json").read_text(encoding="utf-8"))
    assert again["ner"] == first["ner"] and again["events"] == first["events"]


def test_a_missing_prediction_counts_as_all_missed(tmp_path: Path) -> None:
    preds = tmp_path / "documents.jsonl"
    preds.write_text(json.dumps({"doc_id": "someone-else", "text": "x", "mentions": [], "events": []}) + "\n")
    code, _out, stderr = zhpipe("eval", "--gold", GOLD / "seed.jsonl", "--pred", preds, "--out", tmp_path / "o", "-q")
    assert code == 0, stderr
    metrics = json.loads((tmp_path / "o" / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["failures"][0]["message"] == "no prediction for seed-000"
    assert metrics["ner"]["overall"]["strict"]["missed"] == 150


def test_damaged_and_clean_inputs(tmp_path: Path) -> None:
    code, _stdout, stderr = zhpipe(
        "eval", "--gold", GOLD / "duee_fin.jsonl", "--damaged", "--limit", "3", "--out", tmp_path
    )
    assert code == 0, stderr
    metrics = json.loads((tmp_path / "metrics.json").read_text(encoding="utf-8"))
    assert [d["doc_id"].split("#")[1] for d in metrics["per_document"]] == [
        "pinyin_traditional",
        "utf8_as_gbk",
        "gbk_as_latin1",
    ]
    assert "damaged copies" in metrics["input"]
    code, _out, stderr = zhpipe(
        "eval", "--gold", GOLD / "duee_fin.jsonl", "--input", "clean", "--limit", "2", "--out", tmp_path
    )
    assert code == 0, stderr
    assert json.loads((tmp_path / "metrics.json").read_text(encoding="utf-8"))["alignment"]["realigned"] == 0


def test_shared_data_importers(tmp_path: Path) -> None:
    cluener = tmp_path / "cluener.jsonl"
    cluener.write_text(
        json.dumps(
            {
                "id": "c0",
                "text": "阿里巴巴董事局主席马云表示，公司将继续投资。",
                "entities": [
                    {"start": 0, "end": 4, "label": "company", "text": "阿里巴巴"},
                    {"start": 9, "end": 11, "label": "name", "text": "马云"},
                    {"start": 4, "end": 9, "label": "position", "text": "董事局主席"},
                ],
            },
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    code, _stdout, stderr = zhpipe(
        "eval", "--gold", cluener, "--task", "ner", "--label-map", "company=ORG,name=PERSON", "--out", tmp_path / "n"
    )
    assert code == 0, stderr
    metrics = json.loads((tmp_path / "n" / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["labels"] == ["ORG", "PERSON"] and metrics["events"] is None
    assert metrics["ner"]["labels"]["ORG"]["strict"]["possible"] == 1
    duee = tmp_path / "duee.jsonl"
    duee.write_text(
        json.dumps(
            {
                "id": "d0",
                "text": "理想汽车计划在美国首次公开募股，每股8-10美元。",
                "events": [
                    {
                        "type": "公司上市",
                        "trigger": {"text": "首次公开募股", "start": 9, "end": 15},
                        "arguments": [{"role": "上市公司", "text": "理想汽车", "start": 0, "end": 4}],
                    }
                ],
            },
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    code, _stdout, stderr = zhpipe("eval", "--gold", duee, "--task", "events", "--out", tmp_path / "e")
    assert code == 0, stderr
    metrics = json.loads((tmp_path / "e" / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["ner"] is None and metrics["events"]["types"]["gold"] == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--gold", "nowhere.jsonl"], "[E402] gold file nowhere.jsonl: cannot be read"),
        (["--gold", str(GOLD / "seed.jsonl"), "--min-f1", "DATE"], "[E404] bad evaluation option --min-f1"),
        (["--gold", str(GOLD / "seed.jsonl"), "--label-map", "a=ORG"], "applies to shared-data files"),
        (["--gold", str(GOLD / "seed.jsonl"), "--task", "vibes"], "--task is one of all, ner, events"),
    ],
)
def test_bad_options_exit_2_with_a_message(args: list[str], message: str, tmp_path: Path) -> None:
    code, _out, stderr = zhpipe("eval", *args, "--out", tmp_path)
    assert code == 2
    assert message in stderr


def test_bad_gold_lines_are_reported_and_the_rest_scored(tmp_path: Path) -> None:
    lines = (GOLD / "seed.jsonl").read_text(encoding="utf-8").splitlines()
    bad = json.loads(lines[0])
    bad["doc_id"] = "broken"
    bad["mentions"][0]["start"] += 1
    gold_dir = tmp_path / "gold"
    gold_dir.mkdir()
    path = gold_dir / "g.jsonl"
    path.write_text(lines[0] + "\n" + json.dumps(bad, ensure_ascii=False) + "\n", encoding="utf-8")
    code, _out, stderr = zhpipe(
        "eval", "--gold", path, "--corpus-root", ROOT / "corpus", "--pred", tmp_path / "none.jsonl", "--out", tmp_path
    )
    assert code == 2 and "[E403]" in stderr  # the prediction file is missing
    (tmp_path / "p.jsonl").write_text("", encoding="utf-8")
    code, _out, stderr = zhpipe(
        "eval",
        "--gold",
        path,
        "--corpus-root",
        ROOT / "corpus",
        "--pred",
        tmp_path / "p.jsonl",
        "--out",
        tmp_path,
        "-q",
    )
    assert code == 0, stderr
    assert f"{path}, line 2, field mentions[0].text" in stderr
    assert json.loads((tmp_path / "metrics.json").read_text(encoding="utf-8"))["documents"] == 1


SHARED = Path("/work/shared/data")


@pytest.mark.slow
@pytest.mark.skipif(not (SHARED / "duee_fin" / "dev.jsonl").exists(), reason="the shared DuEE-fin data is not here")
def test_duee_fin_dev_events(tmp_path: Path) -> None:
    code, _out, stderr = zhpipe(
        "eval", "--gold", SHARED / "duee_fin" / "dev.jsonl", "--task", "events", "--limit", "300", "--out", tmp_path
    )
    assert code == 0, stderr
    metrics = json.loads((tmp_path / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["documents"] == 300 and metrics["ner"] is None
    assert len(metrics["event_types_scored"]) == 13
    assert metrics["events"]["tuples"]["f1"] > 0.15 and metrics["events"]["types"]["f1"] > 0.5


@pytest.mark.slow
@pytest.mark.skipif(not (SHARED / "cluener2020" / "dev.jsonl").exists(), reason="the shared CLUENER data is not here")
def test_cluener_dev_ner(tmp_path: Path) -> None:
    label_map = "company=ORG,organization=ORG,government=ORG,name=PERSON"
    code, _out, stderr = zhpipe(
        "eval",
        "--gold",
        SHARED / "cluener2020" / "dev.jsonl",
        "--task",
        "ner",
        "--label-map",
        label_map,
        "--out",
        tmp_path,
    )
    assert code == 0, stderr
    metrics = json.loads((tmp_path / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["labels"] == ["ORG", "PERSON"] and metrics["events"] is None
    assert metrics["ner"]["labels"]["ORG"]["strict"]["possible"] > 500


@pytest.mark.slow
def test_damaged_copies_of_the_whole_corpus(tmp_path: Path) -> None:
    code, _out, stderr = zhpipe("eval", "--gold", GOLD / "duee_fin.jsonl", "--damaged", "--out", tmp_path, "-q")
    assert code == 0, stderr
    metrics = json.loads((tmp_path / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["documents"] == 34 and not metrics["failures"]
