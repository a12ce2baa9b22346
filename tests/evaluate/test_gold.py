"""Gold files: every problem named by file, line and field; the corpus gold is valid."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pipeline.corrupt import corrupt
from pipeline.errors import GoldError
from pipeline.evaluate.gold import load_gold
from pipeline.events.datasets import DUEE_FIN_TYPES

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "corpus"
TEXT = "2024年1月，智谱推出GLM-4，融资10亿元。"


def good() -> dict[str, Any]:
    return {
        "doc_id": "t1",
        "text": TEXT,
        "doc_date": "2025-11-01",
        "mentions": [
            {
                "label": "DATE",
                "text": "2024年1月",
                "start": 0,
                "end": 7,
                "value": {
                    "kind": "point",
                    "start": "2024-01-01T00:00:00",
                    "end": "2024-02-01T00:00:00",
                    "grain": "month",
                    "fuzzy": False,
                },
            },
            {"label": "ORG", "text": "智谱", "start": 8, "end": 10, "value": {"name": "智谱AI", "type": "company"}},
            {
                "label": "AMOUNT",
                "text": "10亿元",
                "start": 20,
                "end": 24,
                "value": {
                    "kind": "money",
                    "value": "1000000000",
                    "low": "1000000000",
                    "high": "1000000000",
                    "currency": "CNY",
                    "currency_implied": False,
                    "unit": None,
                    "qualifier": "exact",
                },
            },
        ],
        "events": [
            {
                "type": "企业融资",
                "status": "asserted",
                "trigger": {"text": "融资", "start": 18, "end": 20},
                "arguments": [
                    {"role": "被投资方", "text": "智谱", "start": 8, "end": 10},
                    {"role": "融资金额", "text": "10亿元", "start": 20, "end": 24},
                ],
            }
        ],
    }


def write(tmp_path: Path, *records: Any, raw_lines: tuple[str, ...] = ()) -> Path:
    path = tmp_path / "gold" / "g.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(r, ensure_ascii=False) for r in records] + list(raw_lines)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def messages(path: Path) -> list[str]:
    return [str(p) for p in load_gold(path).problems]


def test_a_valid_document_loads(tmp_path: Path) -> None:
    result = load_gold(write(tmp_path, good()))
    assert result.ok
    (doc,) = result.documents
    assert [m.text for m in doc.mentions] == ["2024年1月", "智谱", "10亿元"]
    assert doc.events[0].arguments[0].role == "被投资方"


@pytest.mark.parametrize(
    ("mutate", "field", "words"),
    [
        (lambda r: r["mentions"][1].update(start=9), "mentions[1].text", "is not the text at 9:10"),
        (
            lambda r: r["mentions"][0]["value"].update(start="2024-02-01T00:00:00"),
            "mentions[0].value",
            "not before end",
        ),
        (lambda r: r["mentions"][0]["value"].update(grain="fortnight"), "mentions[0].value.grain", "fortnight"),
        (lambda r: r["mentions"][2]["value"].update(low="5"), "mentions[2].value", "exact: low = high = value"),
        (lambda r: r["mentions"][2]["value"].update(currency=None), "mentions[2].value", "needs a currency"),
        (lambda r: r["mentions"][1]["value"].update(type="club"), "mentions[1].value.type", "club"),
        (lambda r: r["mentions"][1].update(label="LOC"), "mentions[1].label", "LOC"),
        (lambda r: r["mentions"].append(dict(r["mentions"][1], start=8, end=10)), "mentions[3]", "overlaps"),
        (lambda r: r["events"][0].update(type="发财"), "events[0].type", "unknown event type"),
        (
            lambda r: r["events"][0]["arguments"][0].update(role="买方"),
            "events[0].arguments[0].role",
            "not a role of 企业融资",
        ),
        (lambda r: r["events"][0].update(status="maybe"), "events[0].status", "maybe"),
        (lambda r: r.update(doc_date="last week"), "doc_date", "not a date"),
        (lambda r: r.pop("text"), "(document)", "needs its clean text"),
        (lambda r: r.update(extra=1), "extra", "not a field of the gold format"),
    ],
)
def test_problems_name_file_line_and_field(tmp_path: Path, mutate: Any, field: str, words: str) -> None:
    record = good()
    mutate(record)
    path = write(tmp_path, good(), record)
    found = messages(path)
    assert found, "the problem was not reported"
    assert any(f"{path}, line 2, field {field}:" in m and words in m for m in found), found
    assert all(m.startswith("[E401]") for m in found)


def test_enumerated_roles_have_no_offsets_and_known_values(tmp_path: Path) -> None:
    record = good()
    record["events"] = [
        {
            "type": "公司上市",
            "arguments": [{"role": "环节", "text": "快要上市", "start": None, "end": None}],
        }
    ]
    found = messages(write(tmp_path, record))
    assert any("events[0].arguments[0].text" in m and "筹备上市" in m for m in found), found


def test_a_bad_line_does_not_hide_the_others(tmp_path: Path) -> None:
    other = dict(good(), doc_id="t2")
    path = write(tmp_path, good(), raw_lines=("{not json", json.dumps(other, ensure_ascii=False)))
    result = load_gold(path)
    assert [d.doc_id for d in result.documents] == ["t1", "t2"]
    assert len(result.problems) == 1
    assert "line 2, field (line): not valid JSON" in str(result.problems[0])


def test_duplicate_ids_and_missing_files(tmp_path: Path) -> None:
    missing = dict(good(), doc_id="t3", file="articles/nope.txt")
    path = write(tmp_path, good(), good(), missing)
    found = messages(path)
    assert any("line 2, field doc_id: duplicate doc_id 't1'" in m for m in found), found
    assert any("line 3, field file: the raw article" in m and "nope.txt" in m for m in found), found


def test_clean_file_must_agree_with_inline_text(tmp_path: Path) -> None:
    (tmp_path / "clean").mkdir()
    (tmp_path / "clean" / "a.txt").write_text(TEXT.replace("智谱", "智普"), encoding="utf-8")
    found = messages(write(tmp_path, dict(good(), clean="clean/a.txt")))
    assert any("field text: the inline text differs from clean/a.txt (first difference at 9)" in m for m in found)


def test_unreadable_and_empty_files_are_e402(tmp_path: Path) -> None:
    with pytest.raises(GoldError, match=r"\[E402\].*cannot be read"):
        load_gold(tmp_path / "absent.jsonl")
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n", encoding="utf-8")
    with pytest.raises(GoldError, match=r"\[E402\].*holds no document"):
        load_gold(empty)


@pytest.mark.parametrize("name", ["seed.jsonl", "duee_fin.jsonl"])
def test_the_corpus_gold_is_valid(name: str) -> None:
    result = load_gold(CORPUS / "gold" / name)
    assert result.ok, "\n".join(map(str, result.problems))
    assert result.documents


def test_the_corpus_covers_thirty_articles_and_every_duee_fin_type() -> None:
    docs = load_gold(CORPUS / "gold" / "duee_fin.jsonl").documents
    assert len(docs) >= 30
    types = {e.type for d in docs for e in d.events}
    assert set(DUEE_FIN_TYPES) <= types
    assert {m.label for d in docs for m in d.mentions} == {"DATE", "AMOUNT", "ORG", "PERSON", "PRODUCT"}
    kinds = {c.kind for d in docs for c in d.damaged}
    assert len(kinds) >= 8
    assert all(d.damaged and d.file for d in docs)


def test_damaged_copies_are_what_the_corruption_tool_makes() -> None:
    for doc in load_gold(CORPUS / "gold" / "duee_fin.jsonl").documents:
        for copy in doc.damaged:
            made = corrupt(doc.text, copy.kind, copy.scope, copy.seed)  # type: ignore[arg-type]
            assert (CORPUS / copy.file).read_bytes() == made.data, copy.file
