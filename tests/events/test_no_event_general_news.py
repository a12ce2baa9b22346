"""General news that tells no business event (issue 7, twelfth round), judged with the rules alone.

The cases come from ``benchmarks/events_noevent.py`` (MSRA and CLUENER dev sentences with no
DuEE-fin event): officials, retired people and committees that the rules took for executives
and bankrupt companies. Each is paired with the same trigger telling a real event.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from pipeline.core import Pipeline
from pipeline.events.extractor import EventExtractor
from pipeline.rulebook.schemas.events import EventType
from tests.events.conftest import event_types


# Public offices are no executive posts (not_before 大使, 总理, 县委 ...); people with no company
# and no company post are no executive change (requires_all 任职公司|高管职位|变动后职位).
@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            "七、免去朱应鹿的中华人民共和国驻挪威王国特命全权大使职务。任命陈健为中华人民共和国驻日本国特命全权大使。",
            id="ambassador",
        ),
        pytest.param("这是1996年春节前夕新任县委书记汪明新的“施政宣言”。", id="county-secretary"),
        pytest.param(
            "姜庆植直到去年11月韩国发生金融危机初期为止，担任主管国家经济的副总理兼财政经济院长官。", id="minister"
        ),
        pytest.param("亚米尼的父亲曾是总统的副秘书，在政府机关工作了一辈子，现已退休在家。", id="retired-official"),
        pytest.param("全国武术冠军王群也在剧中担任重要角色。", id="actor-role"),
        pytest.param("他复函时，中古史研究所所长一职由中国科学院聘请他出任。", id="institute-head"),
    ],
)
def test_no_executive_change_without_a_company_or_its_post(rules_only: Pipeline, text: str) -> None:
    assert "高管变动" not in event_types(rules_only, text)


def test_company_posts_stay_executive_changes(rules_only: Pipeline) -> None:
    # The same verbs with a company's post (党委书记 and 董事长 are company posts too).
    assert "高管变动" in event_types(rules_only, "中国太保集团宣布，原上海国际集团总裁傅帆担任中国太保集团党委副书记。")
    assert "高管变动" in event_types(rules_only, "美图公司发布公告，任命王秀娟为新任美图COO。")


def test_a_one_line_notice_with_a_company_post_keeps_its_event(rules_only: Pipeline) -> None:
    # No company is named, but the post is a company's (requires_all 任职公司|高管职位|变动后职位).
    assert "高管变动" in event_types(rules_only, "董事会同意聘任刘轶为公司总经理。")
    assert "高管变动" in event_types(rules_only, "公司副总经理袁健芳因个人原因辞去副总经理职务。")
    # A company named is enough without a post.
    assert "高管变动" in event_types(rules_only, "美图公司创始人蔡文胜退休。")


def test_a_requires_all_entry_with_alternatives_needs_one_of_them() -> None:
    roles = [{"role": role} for role in ("任职公司", "高管职位", "高管姓名")]
    spec = EventType.model_validate(
        {
            "id": "events.t",
            "type": "高管变动",
            "triggers": ["离职"],
            "roles": roles,
            "requires_all": ["任职公司|高管职位", "高管姓名"],
        }
    )

    class Draft:
        def __init__(self, roles: Sequence[str]) -> None:
            self.args = dict.fromkeys(roles)
            self.rule_id, self.trigger = "t", None

    class Doc:
        def __init__(self) -> None:
            self.notes: list[str] = []

        def note(self, *parts: object) -> None:
            self.notes.append(str(parts[-1]))

    doc = Doc()
    assert EventExtractor._has_all_required(doc, spec, Draft(["高管姓名", "高管职位"]))  # type: ignore[arg-type]
    assert EventExtractor._has_all_required(doc, spec, Draft(["高管姓名", "任职公司"]))  # type: ignore[arg-type]
    assert not EventExtractor._has_all_required(doc, spec, Draft(["高管姓名"]))  # type: ignore[arg-type]
    assert not EventExtractor._has_all_required(doc, spec, Draft(["任职公司"]))  # type: ignore[arg-type]
    assert doc.notes == ["no 任职公司|高管职位 in the end", "no 高管姓名 in the end"]


def test_a_bankruptcy_needs_a_company(rules_only: Pipeline) -> None:
    committee = (
        "他说，29日，加强财政、税收纪律临时紧急委员会将开会研究落实这些措施的具体办法，"
        "其中包括加速破产和查封欠税企业财产问题。"
    )
    assert "企业破产" not in event_types(rules_only, committee)
    assert "企业破产" in event_types(rules_only, "恒大集团申请破产，负债超过2万亿元。")


def test_chosen_from_among_is_no_bid_won(rules_only: Pipeline) -> None:
    council = "根据北爱和平协议的规定，北爱地方议会将由从北爱18个选区中选出的108名议员组成。"
    assert "中标" not in event_types(rules_only, council)
    assert "中标" in event_types(rules_only, "中科恒运中选中国移动IC卡采购项目，中标金额约3000万元。")
