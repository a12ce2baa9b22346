"""Importers for the shared-data JSONL format (excerpts of DuEE-fin and CLUENER2020 dev)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.errors import GoldError
from pipeline.evaluate.importers import detect_format, load_shared, parse_label_map

# Two lines of /work/shared/data/cluener2020/dev.jsonl (CLUENER2020 dev, ids cluener-dev-0 and -1).
CLUENER = [
    {
        "id": "cluener-dev-0",
        "text": "彭小军认为，国内银行现在走的是台湾的发卡模式，先通过跑马圈地再在圈的地里面选择客户，",
        "entities": [
            {"start": 0, "end": 3, "label": "name", "text": "彭小军"},
            {"start": 15, "end": 17, "label": "address", "text": "台湾"},
        ],
        "events": [],
    },
    {
        "id": "cluener-dev-1",
        "text": "温格的球队终于又踢了一场经典的比赛，2比1战胜曼联之后枪手仍然留在了夺冠集团之内，",
        "entities": [
            {"start": 0, "end": 2, "label": "name", "text": "温格"},
            {"start": 23, "end": 25, "label": "organization", "text": "曼联"},
        ],
        "events": [],
    },
]
# Shortened from /work/shared/data/duee_fin/dev.jsonl (DuEE-fin dev, id 60229be25b3f52bdbbd91ea664591a72).
DUEE_TEXT = "理想汽车拟将美国IPO定价在招股区间顶端\n据腾讯美股30日消息，理想汽车正以每股8-10美元发行9500万股股票。"
DUEE = [
    {
        "id": "60229be25b3f52bdbbd91ea664591a72",
        "text": DUEE_TEXT,
        "entities": [],
        "events": [
            {
                "type": "公司上市",
                "trigger": {"start": 8, "end": 11, "text": "IPO"},
                "arguments": [
                    {"role": "上市公司", "text": "理想汽车", "start": 0, "end": 4},
                    {"role": "环节", "text": "筹备上市", "start": None, "end": None},
                ],
            },
            {
                "type": "高管变动",
                "trigger": {"start": 0, "end": 2, "text": "理想"},
                "arguments": [{"role": "变动类型", "text": "聘任", "start": None, "end": None}],
            },
        ],
    },
]


def write(tmp_path: Path, rows: list[dict[str, object]], name: str = "dev.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def test_formats_are_told_apart(tmp_path: Path) -> None:
    assert detect_format(write(tmp_path, CLUENER)) == "shared"
    assert detect_format(write(tmp_path, [{"doc_id": "x", "text": "t"}], "g.jsonl")) == "gold"
    with pytest.raises(GoldError, match="E402"):
        detect_format(write(tmp_path, [{"title": "x"}], "odd.jsonl"))


def test_label_map_parsing() -> None:
    assert parse_label_map("company=ORG, name=person") == {"company": "ORG", "name": "PERSON"}
    with pytest.raises(GoldError, match=r"\[E404\].*--label-map.*'company' is not source=TARGET"):
        parse_label_map("company")
    with pytest.raises(GoldError, match="'PLACE' is not one of"):
        parse_label_map("address=PLACE")


def test_cluener_with_a_label_map(tmp_path: Path) -> None:
    gold = load_shared(write(tmp_path, CLUENER), label_map=parse_label_map("organization=ORG,name=PERSON"), task="ner")
    assert gold.labels == ["ORG", "PERSON"]
    assert [(m.label, m.text) for d in gold.documents for m in d.mentions] == [
        ("PERSON", "彭小军"),
        ("PERSON", "温格"),
        ("ORG", "曼联"),
    ]
    assert gold.dropped_labels == {"address": 1}


def test_duee_fin_events_with_normalised_enumerations(tmp_path: Path) -> None:
    gold = load_shared(write(tmp_path, DUEE), task="events")
    (doc,) = gold.documents
    assert doc.doc_id == "60229be25b3f52bdbbd91ea664591a72"
    listing, change = doc.events
    assert [(a.role, a.text) for a in listing.arguments] == [("上市公司", "理想汽车"), ("环节", "筹备上市")]
    # DuEE-fin writes the verb; the rulebook's enumeration maps it to the normalised value.
    assert change.arguments[0].text == "上任"
    assert gold.labels == []


def test_bad_lines_are_reported_and_skipped(tmp_path: Path) -> None:
    rows = [
        *CLUENER,
        {"id": "bad", "text": "", "entities": []},
        {"id": "worse", "text": "短", "entities": [{"start": 0, "end": 9, "label": "name"}]},
    ]
    gold = load_shared(write(tmp_path, rows), label_map={"name": "PERSON"}, limit=10)
    assert len(gold.documents) == 2
    found = [str(p) for p in gold.problems]
    assert any("line 3, field text: is missing or empty" in m for m in found), found
    assert any("line 4, field entities[0]: span 0:9 is outside the text" in m for m in found), found


def test_limit_counts_documents(tmp_path: Path) -> None:
    assert len(load_shared(write(tmp_path, CLUENER), limit=1).documents) == 1
