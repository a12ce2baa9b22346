"""The annotation helper: surfaces and shorthands in, offsets and full values out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from pipeline.evaluate.annotate import (
    SourceProblems,
    compact_date,
    compile_file,
    compile_source,
    draft_source,
    expand_amount,
    expand_date,
    pick,
)

ROOT = Path(__file__).resolve().parents[2]
TEXT = "智谱AI在2024年1月推出GLM-4；智谱还在2024年完成融资约10亿元，智谱AI称。"


def test_pick_occurrences() -> None:
    assert pick(TEXT, "智谱", "all", "all") == [(0, 2), (20, 22), (39, 41)]
    assert pick(TEXT, "智谱", "2", "all") == [(20, 22)]
    assert pick(TEXT, "智谱", None, "1") == [(0, 2)]
    with pytest.raises(ValueError, match="occurs 3 time"):
        pick(TEXT, "智谱", "4", "all")
    with pytest.raises(ValueError, match="does not occur"):
        pick(TEXT, "百度", None, "all")


@pytest.mark.parametrize(
    ("spec", "kind", "start", "end", "grain"),
    [
        ("2024-01-17", "point", "2024-01-17T00:00:00", "2024-01-18T00:00:00", "day"),
        ("2024-12", "point", "2024-12-01T00:00:00", "2025-01-01T00:00:00", "month"),
        (2024, "point", "2024-01-01T00:00:00", "2025-01-01T00:00:00", "year"),
        ("2024-Q4", "point", "2024-10-01T00:00:00", "2025-01-01T00:00:00", "quarter"),
        ("2024-H2", "point", "2024-07-01T00:00:00", "2025-01-01T00:00:00", "half"),
        ("2019-12-25/2020-06-05", "range", "2019-12-25T00:00:00", "2020-06-06T00:00:00", "day"),
        ("since 2025-03", "since", "2025-03-01T00:00:00", None, "month"),
        ("until 2025-09-30", "until", None, "2025-10-01T00:00:00", "day"),
    ],
)
def test_date_shorthands(spec: object, kind: str, start: str | None, end: str | None, grain: str) -> None:
    value = expand_date(spec)
    assert (value["kind"], value["start"], value["end"], value["grain"], value["fuzzy"]) == (
        kind,
        start,
        end,
        grain,
        False,
    )
    assert expand_date(compact_date(value)) == value


def test_date_durations_fuzziness_and_full_mappings() -> None:
    assert expand_date("duration P6M")["duration"] == "P6M"
    assert expand_date("duration PT3M")["grain"] == "minute"
    assert expand_date("2018~")["fuzzy"] is True
    from datetime import date

    full = expand_date({"kind": "until", "start": None, "end": date(2019, 1, 1), "grain": "month"})
    assert full == {"kind": "until", "start": None, "end": "2019-01-01T00:00:00", "grain": "month", "fuzzy": False}


def test_amount_bounds_follow_the_convention() -> None:
    assert expand_amount({"kind": "money", "value": 6e8, "currency": "CNY"})["low"] == "600000000"
    assert expand_amount({"kind": "percent", "value": "1.86%"})["value"] == "0.0186"
    more = expand_amount({"kind": "money", "value": 1e8, "currency": "CNY", "qualifier": "more_than", "high": 2e8})
    assert (more["low"], more["high"]) == ("100000000", "200000000")
    at_most = expand_amount({"kind": "shares", "value": 3000000, "unit": "股", "qualifier": "at_most"})
    assert (at_most["low"], at_most["high"]) == (None, "3000000")
    approx = expand_amount({"kind": "money", "value": 1.6e8, "currency": "CNY", "qualifier": "approx"})
    assert (approx["low"], approx["high"]) == (None, None)
    with pytest.raises(ValueError, match="unknown AMOUNT field"):
        expand_amount({"kind": "money", "value": 1, "curency": "CNY"})


def test_compile_places_every_occurrence_and_longest_first(tmp_path: Path) -> None:
    src = {
        "doc_id": "x",
        "mentions": [
            {"ORG 智谱": {"name": "智谱AI", "type": "company"}},
            {"ORG 智谱AI": "company"},
            {"DATE 2024年1月": "2024-01"},
            {"DATE 2024年@2": 2024},
            {"PRODUCT GLM-4": {"org": "智谱AI"}},
            {"AMOUNT 约10亿元": {"kind": "money", "value": 1e9, "currency": "CNY", "qualifier": "approx"}},
        ],
        "events": [
            {"type": "企业融资", "trigger": "融资", "arguments": {"被投资方": "智谱@2", "融资金额": "约10亿元"}}
        ],
    }
    record = compile_source(src, TEXT, path=tmp_path / "s.yaml")
    spans = [(m["label"], m["text"], m["start"]) for m in record["mentions"]]
    assert spans == [
        ("ORG", "智谱AI", 0),
        ("DATE", "2024年1月", 5),
        ("PRODUCT", "GLM-4", 14),
        ("ORG", "智谱", 20),
        ("DATE", "2024年", 24),
        ("AMOUNT", "约10亿元", 33),
        ("ORG", "智谱AI", 39),
    ]
    assert all(TEXT[m["start"] : m["end"]] == m["text"] for m in record["mentions"])
    (event,) = record["events"]
    assert event["trigger"] == {"text": "融资", "start": 31, "end": 33}
    assert {a["role"]: a["start"] for a in event["arguments"]} == {"被投资方": 20, "融资金额": 33}


def test_source_problems_point_at_yaml_lines(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        "doc_id: x\nclean: c.txt\nmentions:\n  - ORG 智谱: company\n  - ORG 百度: company\n  - PLACE 北京: null\n",
        encoding="utf-8",
    )
    (tmp_path / "c.txt").write_text(TEXT, encoding="utf-8")
    with pytest.raises(SourceProblems) as info:
        compile_file(path, tmp_path)
    text = str(info.value)
    assert "[E405]" in text
    assert f"{path}, line 5, field mentions[1]: '百度' does not occur" in text
    assert "line 6, field mentions[2]" in text


def test_draft_round_trips_through_compile(tmp_path: Path) -> None:
    record = {
        "mentions": [
            {"label": "ORG", "text": "智谱AI", "start": 0, "end": 4, "value": {"name": "智谱AI", "type": "company"}},
            {
                "label": "DATE",
                "text": "2024年1月",
                "start": 5,
                "end": 12,
                "value": expand_date("2024-01"),
            },
        ],
        "events": [],
    }
    draft = draft_source(TEXT, record, header={"doc_id": "x", "clean": "c.txt"})
    (tmp_path / "c.txt").write_text(TEXT, encoding="utf-8")
    path = tmp_path / "d.yaml"
    path.write_text(draft, encoding="utf-8")
    assert yaml.safe_load(draft)["mentions"][1] == {"DATE 2024年1月": "2024-01"}
    compiled = compile_file(path, tmp_path)
    # The draft reproduces the pipeline: 智谱AI was found once, so only that occurrence is listed.
    assert "智谱AI@1" in draft
    assert [(m["text"], m["start"]) for m in compiled["mentions"]] == [("智谱AI", 0), ("2024年1月", 5)]


def test_the_corpus_gold_is_built_from_its_sources() -> None:
    built = [compile_file(p, ROOT / "corpus") for p in sorted((ROOT / "corpus/gold/src/duee_fin").glob("*.yaml"))]
    stored = [
        json.loads(line) for line in (ROOT / "corpus/gold/duee_fin.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert built == stored, (
        "corpus/gold/duee_fin.jsonl is stale: run "
        "`zhpipe gold build corpus/gold/src/duee_fin --out corpus/gold/duee_fin.jsonl`"
    )
