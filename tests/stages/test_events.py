"""The events stage: the seed article, status, merging, DuEE-fin compatibility, models on and off.

The inline examples of ``rules/events.yaml`` run in ``tests/rulebook/test_examples.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.core import Pipeline
from pipeline.errors import ModelError
from pipeline.events.scoring import duee_fin_view
from pipeline.records import Document, Event

SEED_DATE = "2025-11-01"


@pytest.fixture(scope="module")
def rules_only() -> Pipeline:
    """The pipeline with the trigger rules alone (no event models)."""
    return Pipeline.build(events_model=False)


@pytest.fixture(scope="module")
def seed(pipe: Pipeline, seed_bytes: bytes) -> Document:
    return pipe.process(seed_bytes, doc_date=SEED_DATE)


def _args(event: Event) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for arg in event.arguments:
        out.setdefault(arg.role, set()).add(arg.text)
    return out


def _events(doc: Document, event_type: str) -> list[Event]:
    return [e for e in doc.events if e.type == event_type]


# -- the seed article -----------------------------------------------------------


def test_seed_ipo_preparation(seed: Document) -> None:
    ipo = _events(seed, "公司上市")
    assert ipo, "no 公司上市 event"
    args = _args(ipo[0])
    assert args["环节"] == {"筹备上市"}
    assert "智谱AI" in args["上市公司"]
    stage = next(a for a in ipo[0].arguments if a.role == "环节")
    assert stage.start is None and stage.end is None  # an enumerated value, not a span


def test_seed_layoff_is_denied(seed: Document) -> None:
    layoffs = _events(seed, "裁员")
    assert len(layoffs) == 1, "the rumour and the denial are one happening"
    assert layoffs[0].status == "denied"
    args = _args(layoffs[0])
    assert args["部门"] == {"产研中心"}
    assert "智谱" in args["公司"]


def test_seed_zhang_fan_leaves(seed: Document) -> None:
    departures = [e for e in _events(seed, "高管变动") if "张帆" in _args(e).get("高管姓名", set())]
    assert len(departures) == 1
    args = _args(departures[0])
    assert args["变动类型"] == {"离职"}
    assert departures[0].trigger.text == "离职"
    # The paragraph opens with 据媒体报道.
    assert departures[0].status == "reported"
    # 智谱 later refers to 智谱AI: the company is filled across sentences.
    assert args["任职公司"] & {"智谱", "智谱AI"}


def test_seed_financing_rounds(seed: Document) -> None:
    rounds = _events(seed, "企业融资")
    joint = [e for e in rounds if {"浦东创投集团", "张江集团"} <= _args(e).get("投资方", set())]
    assert joint, [(_args(e)) for e in rounds]
    assert "10亿元" in _args(joint[0])["融资金额"]
    assert _args(joint[0])["被投资方"] & {"智谱", "智谱AI"}


def test_seed_bid_wins(seed: Document) -> None:
    bids = _events(seed, "中标")
    assert bids
    first = _args(bids[0])
    assert first["中标公司"] & {"智谱", "智谱AI"}
    assert "杭州城投" in first["招标方"]
    assert "超6000万元" in first["中标金额"]


def test_seed_overseas_bid_won_with_na_xia(seed: Document) -> None:
    # 拿下了东南亚某主权基金的千万美元项目: a bid won told with 拿下, a verb games are won with too
    # (rules/events.yaml keeps it a plain trigger of 中标; as a weak one this event was lost).
    objects = {text for event in _events(seed, "中标") for text in _args(event).get("中标标的", set())}
    assert "东南亚某主权基金的千万美元项目" in objects


def test_seed_2024_loss(seed: Document) -> None:
    losses = _events(seed, "亏损")
    assert losses
    args = _args(losses[0])
    assert args["净亏损"] == {"20亿"}
    assert args["财报周期"] == {"2024年"}


def test_seed_events_carry_provenance_and_offsets(seed: Document) -> None:
    for event in seed.events:
        assert event.source.startswith(("rule:events.", "model:events"))
        assert seed.text[event.trigger.start : event.trigger.end] == event.trigger.text
        for arg in event.arguments:
            if arg.start is not None and arg.end is not None:
                assert seed.text[arg.start : arg.end] == arg.text
        assert event.status in ("asserted", "denied", "planned", "reported", "negated")


def test_seed_record_shape(seed: Document) -> None:
    record = seed.to_dict()
    event = record["events"][0]
    assert set(event) == {"id", "type", "trigger", "arguments", "source", "confidence", "status"}
    assert set(event["arguments"][0]) == {"role", "text", "start", "end", "mention_id"}


# -- status, merging, cross-sentence filling ---------------------------------------


@pytest.mark.parametrize(
    ("text", "event_type", "status"),
    [
        ("华发集团拟回购不超过500万股公司股份。", "股份回购", "planned"),
        ("据报道，腾讯以12亿美元收购了字节跳动。", "企业收购", "reported"),
        ("公司控股股东并未减持公司股份1000万股。", "股东减持", "negated"),
        ("网传智谱裁员30%。对此智谱AI予以否认。", "裁员", "denied"),
        ("腾讯以12亿美元收购了字节跳动。", "企业收购", "asserted"),
        ("截至目前，凯撒集团和志凯公司均未减持公司股份。", "股东减持", "negated"),
        ("截至本公告披露日，尚铭尚未实施减持，持有公司88.6万股股份。", "股东减持", "negated"),
        ("股东华睿泰信拟在未来6个月内减持公司股份不超过100万股。", "股东减持", "planned"),
    ],
)
def test_status(pipe: Pipeline, text: str, event_type: str, status: str) -> None:
    doc = pipe.process(text, doc_date="2025-11-20")
    events = _events(doc, event_type)
    assert events, [e.type for e in doc.events]
    assert events[0].status == status


def test_denial_does_not_reach_past_another_event(rules_only: Pipeline) -> None:
    text = "网传智谱裁员30%。腾讯以12亿美元收购了字节跳动。对此字节跳动予以否认。"
    doc = rules_only.process(text, doc_date="2025-11-20")
    assert _events(doc, "裁员")[0].status == "reported"  # 网传, and the denial is about the next event
    assert _events(doc, "企业收购")[0].status == "denied"


def test_title_and_body_merge_into_one_event(rules_only: Pipeline) -> None:
    text = "腾讯12亿美元收购字节跳动\n11月3日，腾讯公告称，公司以12亿美元收购了字节跳动。"
    doc = rules_only.process(text, doc_date="2025-11-20")
    acquisitions = _events(doc, "企业收购")
    assert len(acquisitions) == 1
    assert _args(acquisitions[0])["被收购方"] == {"字节跳动"}


def test_launches_of_versions_of_one_name_stay_apart(rules_only: Pipeline) -> None:
    # GLM-4 inside GLM-4-Voice is another product, where 东瑞 inside 东瑞制药 is one company's short name.
    text = "2024年1月，智谱推出新一代基座大模型GLM-4。10月，智谱发布端到端情感语音模型GLM-4-Voice。"
    doc = rules_only.process(text, doc_date="2025-11-20")
    launches = _events(doc, "产品发布")
    assert [_args(e)["产品"] for e in launches] == [{"GLM-4"}, {"GLM-4-Voice"}]
    assert [_args(e)["时间"] for e in launches] == [{"2024年1月"}, {"10月"}]


def test_subject_company_from_the_title(rules_only: Pipeline) -> None:
    text = "智谱AI启动上市辅导\n据悉，公司已向北京证监局提交上市辅导备案。公司此前已完成多轮融资。"
    doc = rules_only.process(text, doc_date="2025-11-20")
    ipo = _events(doc, "公司上市")
    assert ipo
    assert "智谱AI" in _args(ipo[0])["上市公司"]


def test_negative_contexts_make_no_event(pipe: Pipeline) -> None:
    for text, event_type in [
        ("上市公司的财务表现至关重要。", "公司上市"),
        ("大摩给予中国移动减持评级，目标价65港元。", "股东减持"),
        ("阿克苏地区小麦收购价格保持稳定。", "企业收购"),
        ("各夏粮收购站已备足收购资金，推出上门收购、预约收购等服务措施。", "企业收购"),
        ("公司5月13日将原质押给华泰联合证券的366万股办理了解除质押。", "质押"),
        ("公司控股股东股份质押延期购回，延期至2020年12月26日。", "质押"),
        ("投资者应注意风险。", "企业融资"),
    ]:
        doc = pipe.process(text, doc_date="2025-11-20")
        assert not _events(doc, event_type), (text, [e.trigger.text for e in doc.events])


# -- DuEE-fin compatibility ---------------------------------------------------------------


def test_executive_change_type_normalised_and_verbatim(pipe: Pipeline) -> None:
    doc = pipe.process("公司董事会同意聘任王强先生为公司总经理。", doc_date="2025-11-20")
    change = _events(doc, "高管变动")[0]
    assert _args(change)["变动类型"] == {"上任"}
    assert ("变动类型", "聘任") in duee_fin_view(change)


def test_duee_fin_style_announcement(pipe: Pipeline) -> None:
    text = (
        "东瑞制药7月2日耗资7.25万港元回购5万股\n"
        "东瑞制药(02348.HK)公布，2019年7月2日，公司按每股1.45港元，耗资7.25万港元回购5万股。"
    )
    doc = pipe.process(text, doc_date="2019-07-03")
    buyback = _events(doc, "股份回购")
    assert len(buyback) == 1
    args = _args(buyback[0])
    assert "东瑞制药" in args["回购方"]
    assert "7.25万港元" in args["交易金额"]
    # DuEE-fin writes share counts without 股.
    assert args["回购股份数量"] & {"5万", "5万股"}


# -- models on and off ---------------------------------------------------------------------


def test_rules_alone_still_extract(rules_only: Pipeline, seed_bytes: bytes) -> None:
    doc = rules_only.process(seed_bytes, doc_date=SEED_DATE)
    types = {e.type for e in doc.events}
    assert {"公司上市", "裁员", "高管变动", "企业融资", "中标", "亏损"} <= types
    assert all(not e.source.startswith("model:") for e in doc.events)


def test_missing_model_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError) as info:
        Pipeline.build(events_model=str(tmp_path / "nowhere"))
    assert "E301" in str(info.value)
    assert "make train-events" in str(info.value)


def test_weak_triggers_need_the_model(rules_only: Pipeline) -> None:
    # 成交 alone (a weak trigger) makes no 中标 event without the classifier's agreement.
    doc = rules_only.process("该地块最终以3.5亿元成交。", doc_date="2025-11-20")
    assert not _events(doc, "中标")


# -- corpus scale (make test-slow) --------------------------------------------------


@pytest.mark.slow
def test_held_back_duee_fin_scores_do_not_regress(pipe: Pipeline) -> None:
    """Regression gate on the held-back part of DuEE-fin dev (figures: ``benchmarks/events_duee_fin.py``).

    The floors sit a little under the figures at the time of writing (tuple F1 0.569,
    event-type F1 0.897) so that a change that loses ground fails here.
    """
    from pipeline.events.datasets import duee_fin_part
    from pipeline.events.scoring import evaluate_duee_fin

    try:
        docs = duee_fin_part("held_back")
    except FileNotFoundError:
        pytest.skip("the shared DuEE-fin data is not here")
    report = evaluate_duee_fin(pipe, docs)
    assert report.documents > 150
    assert report.tuples.f1 >= 0.55
    assert report.types.f1 >= 0.87
