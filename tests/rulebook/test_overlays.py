"""User rule folders overlay the built-in rules: new entries, currencies, date idioms and event types work."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.core import Pipeline


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


TEXT = "上上个月，深蓝航天获得5000万泰铢投资。11月18日，宁德时代公告称，拟回购注销1200万股限制性股票。"


@pytest.fixture(scope="module")
def overlay(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("my_rules")
    write(
        folder,
        "gazetteer.yaml",
        "kind: gazetteer\nentries:\n  - {name: 深蓝航天, aliases: [Deep Blue Aerospace], type: company}\n",
    )
    write(folder, "amounts.yaml", "kind: amounts\ncurrencies:\n  - {code: THB, names: [泰铢], symbols: ['฿']}\n")
    write(
        folder,
        "dates.yaml",
        "kind: dates\nrelative:\n  上上个月: {unit: month, offset: -2}\n"
        "rules:\n  - id: my.dates.month_before_last\n    priority: 2\n    pattern: '(?P<rel>上上个?月)'\n",
    )
    write(
        folder / "events",
        "buyback_cancel.yaml",
        "kind: events\ntypes:\n  - id: my.events.buyback_cancel\n    type: 回购注销\n    triggers: [回购注销]\n"
        "    requires_any: [回购方, 注销股份数量]\n    roles:\n"
        "      - {role: 回购方, label: ORG, side: before, document: true}\n"
        "      - {role: 注销股份数量, label: AMOUNT, amount_kinds: [shares], side: after}\n",
    )
    return folder


@pytest.fixture(scope="module")
def record(overlay: Path) -> dict:
    return Pipeline.build([overlay]).process(TEXT, doc_date="2025-11-20").to_dict()


def test_builtin_rules_do_not_know_these_things() -> None:
    # Rules only: the trained NER model may well read 深蓝航天 as an ORG by itself.
    doc = Pipeline.build(ner=False).process(TEXT, doc_date="2025-11-20").to_dict()
    assert not [m for m in doc["mentions"] if m["text"] in ("深蓝航天", "上上个月")]
    assert not [m for m in doc["mentions"] if (m["value"] or {}).get("currency") == "THB"]
    assert not [e for e in doc["events"] if e["type"] == "回购注销"]


def test_new_gazetteer_entry(record: dict) -> None:
    [org] = [m for m in record["mentions"] if m["text"] == "深蓝航天"]
    assert org["label"] == "ORG" and org["value"]["name"] == "深蓝航天" and org["source"] == "rule:orgs.gazetteer"


def test_new_currency(record: dict) -> None:
    [money] = [m for m in record["mentions"] if m["text"] == "5000万泰铢"]
    assert money["value"]["currency"] == "THB" and money["value"]["value"] == "50000000"


def test_new_date_idiom(record: dict) -> None:
    [date] = [m for m in record["mentions"] if m["text"] == "上上个月"]
    assert date["source"] == "rule:my.dates.month_before_last"
    assert date["value"]["start"] == "2025-09-01T00:00:00" and date["value"]["grain"] == "month"


def test_new_event_type(record: dict) -> None:
    [event] = [e for e in record["events"] if e["type"] == "回购注销"]
    assert event["source"] == "rule:my.events.buyback_cancel"
    roles = {a["role"]: a["text"] for a in event["arguments"]}
    assert roles == {"回购方": "宁德时代", "注销股份数量": "1200万股"}
    # The built-in 股份回购 type keeps out of 回购注销 (its not_in).
    assert not [e for e in record["events"] if e["type"] == "股份回购"]


def test_later_overlays_win(overlay: Path, tmp_path: Path) -> None:
    second = tmp_path / "second"
    write(second, "gaz.yaml", "kind: gazetteer\nentries:\n  - {name: 深蓝航天, type: fund}\n")
    doc = Pipeline.build([overlay, second], stages=["normalize", "segment", "entities", "mentions"]).process(TEXT)
    [org] = [m for m in doc.mentions if m.text == "深蓝航天"]
    assert org.value is not None and org.value.to_dict()["type"] == "fund"


def test_replacing_a_builtin_rule(tmp_path: Path) -> None:
    folder = tmp_path / "ov"
    write(
        folder,
        "dates.yaml",
        "kind: dates\nrules:\n  - id: dates.recent\n    replaces: dates.recent\n    resolve: fuzzy\n"
        "    params: {days: 3}\n    pattern: '近日'\n",
    )
    doc = Pipeline.build([folder], stages=["normalize", "dates", "mentions"]).process("近日", doc_date="2025-11-20")
    [m] = doc.mentions
    assert m.value is not None and m.value.to_dict()["start"] == "2025-11-17T00:00:00"
