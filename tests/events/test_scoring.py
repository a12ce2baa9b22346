"""The sentence-level scoring of mapped data sets (DuEE 1.0, FewFC): roles mapped, counts kept apart."""

from __future__ import annotations

import json

from pipeline.events.datasets import GoldArgument, GoldEvent
from pipeline.events.scoring import SentenceReport, duee1_scored_roles, duee1_tuples_gold


def test_duee1_gold_events_are_scored_in_our_types_and_roles() -> None:
    layoff = GoldEvent(
        "组织关系-裁员",
        "裁员",
        (GoldArgument("裁员方", "特斯拉"), GoldArgument("裁员人数", "7%"), GoldArgument("时间", "周五")),
    )
    launch = GoldEvent(
        "产品行为-发布", "发布", (GoldArgument("发布产品", "Mate 30系列"), GoldArgument("发布方", "华为"))
    )
    unmapped = GoldEvent("竞赛行为-胜负", "击败", (GoldArgument("胜者", "火箭"),))
    assert duee1_tuples_gold([layoff, launch, unmapped]) == {
        ("裁员", "公司", "特斯拉"),
        ("裁员", "人数", "7%"),
        ("裁员", "时间", "周五"),
        ("产品发布", "产品", "Mate 30系列"),
        ("产品发布", "公司", "华为"),
    }


def test_a_duee1_role_with_another_writing_convention_is_not_scored() -> None:
    # DuEE 1.0 writes 融资轮次 "A轮" where DuEE-fin writes "A": DUEE1_ROLES leaves it out.
    financing = GoldEvent("财经/交易-融资", "融资", (GoldArgument("融资轮次", "A轮"), GoldArgument("融资方", "小鹏")))
    assert duee1_tuples_gold([financing]) == {("企业融资", "被投资方", "小鹏")}
    assert "融资轮次" not in duee1_scored_roles()["企业融资"]
    # Three DuEE 1.0 types are our 高管变动: their roles are pooled.
    assert {"高管姓名", "任职公司", "变动后公司名称"} <= duee1_scored_roles()["高管变动"]


def test_the_sentence_report_counts_types_and_arguments_per_type() -> None:
    report = SentenceReport(("产品发布", "裁员"))
    report.add(
        {"产品发布"}, {"产品发布"}, {("产品发布", "产品", "X"), ("产品发布", "公司", "Y")}, {("产品发布", "产品", "X")}
    )
    report.add({"裁员"}, set(), set(), set())
    assert report.sentences == 2
    assert (report.event_type.tp, report.event_type.fp, report.event_type.fn) == (1, 1, 0)
    assert (report.by_type["裁员"].fp, report.by_type["产品发布"].tp) == (1, 1)
    assert (report.by_type_arguments["产品发布"].tp, report.by_type_arguments["产品发布"].fp) == (1, 1)
    data = report.to_dict()
    assert data["by_type"]["产品发布"]["arguments"]["precision"] == 0.5
    assert report.type_lines()[0].strip().startswith("产品发布")


def test_the_sentence_report_renders_as_json_or_as_text() -> None:
    report = SentenceReport(("裁员",))
    report.add({"裁员"}, {"裁员"}, {("裁员", "裁员人数", "300人")}, {("裁员", "裁员人数", "300人")})
    assert json.loads(report.render(True, "title", "types", "arguments")) == report.to_dict()
    text = report.render(False, "DuEE 1.0 dev: 1 sentence", "types", "arguments")
    assert text.splitlines()[0] == "DuEE 1.0 dev: 1 sentence"
    assert text.splitlines()[1].startswith("types:")
    assert text.splitlines()[2].startswith("arguments:")
