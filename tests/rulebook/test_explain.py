"""``rules explain``: rules that fired, which lost and why (priority, overlap, boundary), the final output."""

from __future__ import annotations

import json

import pytest

from pipeline.core import Pipeline
from pipeline.rulebook.explain import Explanation, explain, firings_of, render


@pytest.fixture(scope="module")
def launch(pipe: Pipeline) -> Explanation:
    return explain(pipe, "2024年1月，智谱推出新一代基座大模型GLM-4。上市公司的财务表现。", doc_date="2025-11-20")


def test_kept_rules_point_at_their_mentions(launch: Explanation) -> None:
    [ym] = firings_of(launch, "dates.ym")
    assert ym.fate == "kept" and ym.text == "2024年1月"
    mention = next(m for m in launch.document.mentions if m.id == ym.mention_id)
    assert mention.source == "rule:dates.ym"


def test_overlap_inside_a_stage_names_the_winner(launch: Explanation) -> None:
    [month] = firings_of(launch, "dates.month")
    assert month.fate == "overridden"
    assert month.text == "1月"
    assert month.reason is not None
    assert "rule:dates.ym" in month.reason and "longer match wins: 7 vs 2" in month.reason


def test_overlap_across_stages_gives_length_and_priority(launch: Explanation) -> None:
    [glm] = [f for f in firings_of(launch, "products.gazetteer") if f.text == "GLM"]
    assert glm.fate == "overridden"
    assert glm.reason is not None
    assert "GLM-4" in glm.reason and "length 5 vs 3" in glm.reason and "priority" in glm.reason


def test_trigger_decisions(launch: Explanation) -> None:
    excluded = [d for d in launch.decisions if d.rule == "events.ipo" and d.text == "上市"]
    assert excluded and excluded[0].action == "trigger excluded"
    assert [e.type for e in launch.document.events] == ["产品发布"]


def test_boundary_suppression(pipe: Pipeline) -> None:
    expl = explain(pipe, "阿里山的风景很美，Kimiko说。", doc_date="2025-11-20")
    ali = [f for f in expl.firings if f.text == "阿里"]
    assert ali and ali[0].fate == "suppressed"
    assert ali[0].reason is not None and "boundary" in ali[0].reason and "阿里山" in ali[0].reason
    kimi = [f for f in expl.firings if f.text == "Kimi"]
    assert kimi and "Latin alias inside a longer Latin word" in (kimi[0].reason or "")
    assert not [m for m in expl.document.mentions if m.label in ("ORG", "PRODUCT")]


def test_trigger_inside_a_name_and_dropped_event(pipe: Pipeline) -> None:
    expl = explain(pipe, "中国投资有限责任公司发布年报。")
    [inside] = [d for d in expl.decisions if d.rule == "events.financing"]
    assert inside.text == "投资" and "inside the ORG mention" in inside.detail
    [dropped] = [d for d in expl.decisions if d.rule == "events.launch"]
    assert dropped.action == "dropped" and "no required role" in dropped.detail
    assert expl.document.events == ()


def test_render_and_json(launch: Explanation) -> None:
    text = render(launch, verbose=True)
    assert "rules that fired:" in text and "dates.month" in text and "OVERRIDDEN" in text
    assert "pattern time per rule" in text
    data = json.loads(json.dumps(launch.to_dict(), ensure_ascii=False))
    assert data["document"]["events"][0]["type"] == "产品发布"
    assert any(f["rule"] == "dates.month" and f["fate"] == "overridden" for f in data["firings"])


def test_explaining_does_not_change_the_record(pipe: Pipeline) -> None:
    text = "2024年1月，智谱推出新一代基座大模型GLM-4。"
    traced = explain(pipe, text, doc_date="2025-11-20").document.to_dict()
    assert traced == pipe.process(text, doc_date="2025-11-20").to_dict()
