"""Which event types and roles a gold file may use, and which roles are enumerations.

The thirteen DuEE-fin types and their roles are copied from the dataset's
``duee_fin_event_schema.json`` (Baidu LUGE DuEE-fin, as shipped in
``/work/shared/data/duee_fin/event_schema.json``); the project's extra types (裁员,
产品发布, 营收, 合作) and any type a rule overlay adds come from the loaded rulebook,
so a data engineer who adds an event type can annotate it without touching Python.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

DUEE_FIN_ROLES: Mapping[str, tuple[str, ...]] = {
    "解除质押": (
        "质押方",
        "披露时间",
        "质权方",
        "质押物",
        "质押股票/股份数量",
        "事件时间",
        "质押物所属公司",
        "质押物占总股比",
        "质押物占持股比",
    ),
    "股份回购": ("回购方", "披露时间", "回购股份数量", "每股交易价格", "占公司总股本比例", "交易金额", "回购完成时间"),
    "股东减持": (
        "股票简称",
        "披露时间",
        "交易股票/股份数量",
        "每股交易价格",
        "交易金额",
        "交易完成时间",
        "减持方",
        "减持部分占所持比例",
        "减持部分占总股本比例",
    ),
    "亏损": ("公司名称", "披露时间", "财报周期", "净亏损", "亏损变化"),
    "中标": ("中标公司", "中标标的", "中标金额", "招标方", "中标日期", "披露日期"),
    "高管变动": (
        "高管姓名",
        "任职公司",
        "高管职位",
        "事件时间",
        "变动类型",
        "披露日期",
        "变动后职位",
        "变动后公司名称",
    ),
    "企业破产": ("破产公司", "披露时间", "债务规模", "破产时间", "债权人"),
    "股东增持": (
        "股票简称",
        "披露时间",
        "交易股票/股份数量",
        "每股交易价格",
        "交易金额",
        "交易完成时间",
        "增持方",
        "增持部分占所持比例",
        "增持部分占总股本比例",
    ),
    "被约谈": ("公司名称", "披露时间", "被约谈时间", "约谈机构"),
    "企业收购": ("收购方", "披露时间", "被收购方", "收购标的", "交易金额", "收购完成时间"),
    "公司上市": ("上市公司", "证券代码", "环节", "披露时间", "发行价格", "事件时间", "市值", "募资金额"),
    "企业融资": ("投资方", "披露时间", "被投资方", "融资金额", "融资轮次", "事件时间", "领投方"),
    "质押": (
        "质押方",
        "披露时间",
        "质权方",
        "质押物",
        "质押股票/股份数量",
        "事件时间",
        "质押物占总股比",
        "质押物所属公司",
        "质押物占持股比",
    ),
}

# Roles whose filler is a normalised value, not a span (the README contract).
ENUM_ROLES: Mapping[tuple[str, str], frozenset[str] | None] = {
    ("公司上市", "环节"): frozenset({"筹备上市", "暂停上市", "正式上市", "终止上市"}),
    # DuEE-fin writes the verb (聘任, 辞任 ...); the pipeline normalises it, so any text is allowed.
    ("高管变动", "变动类型"): None,
}

EVENT_STATUSES = ("asserted", "denied", "planned", "reported", "negated")


def is_enum_role(event_type: str, role: str) -> bool:
    """True for the roles that carry a normalised value rather than a span."""
    return (event_type, role) in ENUM_ROLES


@lru_cache(maxsize=1)
def rulebook_roles() -> dict[str, frozenset[str]]:
    """Event types and roles of the built-in rulebook (the project's extra types)."""
    from pipeline.rulebook.loader import load_rulebook
    from pipeline.rulebook.schemas.events import EventsFile

    events = load_rulebook([]).get("events")
    if not isinstance(events, EventsFile):
        return {}
    return {t.type: frozenset(r.role for r in t.roles) for t in events.types}


@lru_cache(maxsize=1)
def enum_cues() -> dict[tuple[str, str], dict[str, str]]:
    """For each enumerated role, the cue word -> normalised value table of the rulebook.

    DuEE-fin writes 变动类型 as the verb of the text (聘任, 辞任); the pipeline writes the
    normalised value (上任, 离职). Importers map the dataset's words through this table
    so both sides speak the same vocabulary.
    """
    from pipeline.rulebook.loader import load_rulebook
    from pipeline.rulebook.schemas.events import EventsFile

    events = load_rulebook([]).get("events")
    table: dict[tuple[str, str], dict[str, str]] = {}
    if not isinstance(events, EventsFile):
        return table
    for event_type in events.types:
        for role in event_type.roles:
            if role.enum:
                cues = table.setdefault((event_type.type, role.role), {})
                for value, words in role.enum.items():
                    cues[value] = value
                    for word in words:
                        cues.setdefault(word, value)
    return table


def known_roles(event_type: str) -> frozenset[str] | None:
    """The roles ``event_type`` may have, or ``None`` when the type is unknown."""
    roles = set(DUEE_FIN_ROLES.get(event_type, ()))
    extra = rulebook_roles().get(event_type)
    if extra is not None:
        roles |= extra
    if not roles and event_type not in DUEE_FIN_ROLES and extra is None:
        return None
    return frozenset(roles)
