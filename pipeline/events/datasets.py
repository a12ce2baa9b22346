"""The event data sets we train and measure on, read from ``../shared/data``.

Three sets, each in the shared JSONL shape ``{id, text, events: [{type, trigger,
arguments: [{role, text, start, end}]}]}``:

- DuEE-fin (document level, 13 financial types; only its dev split is available).
  We keep a deterministic part of it back for final numbers (:func:`duee_fin_part`):
  a document is *held back* when the SHA-1 of its id, read as a number, falls in the
  lowest :data:`HELD_BACK_PERCENT` percent. Everything else is the *tuning* part that
  rules are tuned on and the model is trained on.
- DuEE 1.0 (sentence level, 65 general types) and FewFC (sentence level, 10
  financial types): their train splits feed the sentence classifier, with types
  mapped onto ours by :data:`DUEE1_TYPES` and :data:`FEWFC_TYPES`.

Types with no counterpart in our schema are left out of the mapping; a sentence whose
only events are such types is not used as a negative either (it may describe one of
our events in other words, e.g. FewFC 股份股权转让 is often an acquisition).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pipeline.errors import ErrorCode, GoldError

DUEE_FIN_TYPES: tuple[str, ...] = (
    "公司上市",
    "企业融资",
    "中标",
    "高管变动",
    "亏损",
    "企业收购",
    "股份回购",
    "股东减持",
    "股东增持",
    "质押",
    "解除质押",
    "企业破产",
    "被约谈",
)
EXTRA_TYPES: tuple[str, ...] = ("裁员", "产品发布", "营收", "合作")
ALL_TYPES: tuple[str, ...] = DUEE_FIN_TYPES + EXTRA_TYPES

# DuEE 1.0 types that mean one of ours. 组织关系-加盟/辞/离职 are mostly sport and
# entertainment transfers, but the sentence cue (加盟, 离职, 辞去) is the same one a
# business article uses, which is what a sentence classifier learns.
DUEE1_TYPES: dict[str, str] = {
    "财经/交易-上市": "公司上市",
    "财经/交易-融资": "企业融资",
    "财经/交易-出售/收购": "企业收购",
    "组织关系-裁员": "裁员",
    "组织关系-辞/离职": "高管变动",
    "组织关系-加盟": "高管变动",
    "组织关系-解雇": "高管变动",
    "产品行为-发布": "产品发布",
    "司法行为-约谈": "被约谈",
}
# DuEE 1.0 types that are close to ours without being them: their sentences are
# neither positives nor negatives for the classifier.
DUEE1_AMBIGUOUS: frozenset[str] = frozenset({"组织关系-退出", "组织关系-停职", "组织关系-解约", "组织关系-解散"})
# FewFC types that mean one of ours (the mapping the issue gives for the FewFC report).
# 股份股权转让, 签署合同, 担保, 起诉, 判决 have no counterpart and are not mapped.
FEWFC_TYPES: dict[str, str] = {
    "中标": "中标",
    "收购": "企业收购",
    "减持": "股东减持",
    "质押": "质押",
    "投资": "企业融资",
}
# For *training* the classifier, FewFC 投资 is split by its trigger: most 投资 events
# are stake purchases (收购, 购买, 增持), which DuEE-fin calls 企业收购 or 股东增持;
# only 投资/增资/融资... mean a company receiving money (企业融资). Unlisted triggers
# are dropped. 股份股权转让 and 签署合同 overlap ours and are neither positive nor
# negative; 担保, 起诉, 判决 are negatives.
FEWFC_INVEST_TRIGGERS: dict[str, str] = {
    **dict.fromkeys(["收购", "购买", "并购", "受让", "控股", "入主", "接盘", "购入"], "企业收购"),
    **dict.fromkeys(["增持", "新进", "买入", "加仓", "增仓", "举牌", "净买入", "新增持股"], "股东增持"),
    **dict.fromkeys(["投资", "增资", "出资", "融资", "募资", "认购", "参股", "引入", "定增", "投入"], "企业融资"),
}
FEWFC_AMBIGUOUS: frozenset[str] = frozenset({"股份股权转让", "签署合同"})

# Role maps for training the role model on sentence sets: (their type, their role) ->
# our role, for the types above. Roles whose annotation convention differs from
# DuEE-fin's (DuEE 1.0 writes 融资轮次 "A轮", DuEE-fin "A") are left out.
DUEE1_ROLES: dict[str, dict[str, str]] = {
    "财经/交易-融资": {
        "融资方": "被投资方",
        "融资金额": "融资金额",
        "领投方": "领投方",
        "跟投方": "投资方",
        "时间": "事件时间",
    },
    "财经/交易-上市": {"上市企业": "上市公司", "融资金额": "募资金额", "时间": "事件时间"},
    "财经/交易-出售/收购": {"收购方": "收购方", "出售价格": "交易金额", "时间": "收购完成时间"},
    "组织关系-裁员": {"裁员方": "公司", "裁员人数": "人数", "时间": "时间"},
    "组织关系-辞/离职": {"离职者": "高管姓名", "原所属组织": "任职公司", "时间": "事件时间"},
    "组织关系-加盟": {"加盟者": "高管姓名", "所加盟组织": "变动后公司名称", "时间": "事件时间"},
    "组织关系-解雇": {"被解雇人员": "高管姓名", "解雇方": "任职公司", "时间": "事件时间"},
    "产品行为-发布": {"发布方": "公司", "发布产品": "产品", "时间": "时间"},
    "司法行为-约谈": {"约谈对象": "公司名称", "约谈发起方": "约谈机构", "时间": "被约谈时间"},
}
# FewFC roles per *our* type (FewFC 投资 is split by trigger, see FEWFC_INVEST_TRIGGERS).
FEWFC_ROLES_TO_OURS: dict[str, dict[str, str]] = {
    "中标": {"sub": "中标公司", "obj": "招标方", "amount": "中标金额", "date": "中标日期"},
    "企业收购": {
        "sub": "收购方",
        "sub-org": "收购方",
        "sub-per": "收购方",
        "obj": "被收购方",
        "obj-org": "被收购方",
        "money": "交易金额",
        "date": "收购完成时间",
    },
    "股东减持": {
        "sub": "减持方",
        "obj": "股票简称",
        "share-org": "减持部分占总股本比例",
        "share-per": "减持部分占所持比例",
        "date": "交易完成时间",
    },
    "股东增持": {"sub": "增持方", "obj": "股票简称", "date": "交易完成时间"},
    "质押": {
        "sub-org": "质押方",
        "sub-per": "质押方",
        "obj-org": "质权方",
        "obj-per": "质权方",
        "number": "质押股票/股份数量",
        "collateral": "质押物",
        "date": "事件时间",
    },
    "企业融资": {"sub": "投资方", "obj": "被投资方", "money": "融资金额", "date": "事件时间"},
}

HELD_BACK_PERCENT = 22
MODEL_DEV_PERCENT = 10
Part = Literal["tune", "held_back", "all", "model_dev", "model_train"]


@dataclass(frozen=True, slots=True)
class GoldArgument:
    """One gold argument: its role and text (offsets are not used by the metric)."""

    role: str
    text: str


@dataclass(frozen=True, slots=True)
class GoldEvent:
    """One gold event: its type, trigger text and arguments."""

    type: str
    trigger: str
    arguments: tuple[GoldArgument, ...]


@dataclass(frozen=True, slots=True)
class GoldDoc:
    """One annotated document (or sentence) of a shared data set."""

    id: str
    text: str
    events: tuple[GoldEvent, ...]
    title: str | None = None


def data_dir() -> Path:
    """The shared data folder: ``$ZHPIPE_DATA``, ``../shared/data`` beside the checkout, or ``/work/shared/data``."""
    import os

    here = Path(__file__).resolve()
    candidates = [Path(os.environ["ZHPIPE_DATA"])] if os.environ.get("ZHPIPE_DATA") else []
    candidates += [here.parents[3] / "shared" / "data", Path("../shared/data").resolve(), Path("/work/shared/data")]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("shared data folder not found (set ZHPIPE_DATA)")


def read_jsonl(path: Path) -> Iterator[GoldDoc]:
    """Documents of one shared JSONL file.

    Raises:
        GoldError: a line is not JSON or lacks ``id``/``text`` (code E401).

    """
    with path.open(encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                record: dict[str, Any] = json.loads(line)
                events = tuple(
                    GoldEvent(
                        e["type"],
                        e.get("trigger", {}).get("text", ""),
                        tuple(GoldArgument(a["role"], a["text"]) for a in e.get("arguments", [])),
                    )
                    for e in record.get("events", [])
                )
                yield GoldDoc(str(record["id"]), record["text"], events, record.get("title"))
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise GoldError(ErrorCode.E401, path=path, line=line_no, field="record", detail=repr(exc)) from None


def is_held_back(doc_id: str) -> bool:
    """True when the DuEE-fin document ``doc_id`` belongs to our held-back part."""
    digest = hashlib.sha1(doc_id.encode("utf-8"), usedforsecurity=False).hexdigest()
    return int(digest[:8], 16) % 100 < HELD_BACK_PERCENT


def is_model_dev(doc_id: str) -> bool:
    """True for the tenth of the tuning part kept as the models' development set."""
    digest = hashlib.sha1(("model-dev:" + doc_id).encode("utf-8"), usedforsecurity=False).hexdigest()
    return int(digest[:8], 16) % 100 < MODEL_DEV_PERCENT


def duee_fin_part(part: Part, root: Path | None = None) -> list[GoldDoc]:
    """DuEE-fin dev documents of one part.

    ``held_back`` (final figures only), ``tune`` (everything else), and within the
    tuning part ``model_train`` and ``model_dev`` (what the models train on and pick
    their epoch and thresholds with); ``all`` is the whole file.
    """
    docs = list(read_jsonl((root or data_dir()) / "duee_fin" / "dev.jsonl"))
    if part == "all":
        return docs
    if part == "held_back":
        return [d for d in docs if is_held_back(d.id)]
    tune = [d for d in docs if not is_held_back(d.id)]
    if part == "model_dev":
        return [d for d in tune if is_model_dev(d.id)]
    if part == "model_train":
        return [d for d in tune if not is_model_dev(d.id)]
    return tune


def role_mapped_sentences(
    name: Literal["duee1.0", "fewfc"], split: str = "train", root: Path | None = None
) -> Iterator[GoldDoc]:
    """Sentences of DuEE 1.0 or FewFC with events and roles mapped onto ours (for the role model).

    Only sentences with at least one mapped event are yielded; unmapped roles are dropped.
    """
    for doc in read_jsonl((root or data_dir()) / name / f"{split}.jsonl"):
        events = []
        for event in doc.events:
            if name == "duee1.0":
                our_type = DUEE1_TYPES.get(event.type)
                roles = DUEE1_ROLES.get(event.type, {})
            else:
                our_type = (
                    FEWFC_INVEST_TRIGGERS.get(event.trigger) if event.type == "投资" else FEWFC_TYPES.get(event.type)
                )
                roles = FEWFC_ROLES_TO_OURS.get(our_type or "", {})
            if our_type is None:
                continue
            args = tuple(GoldArgument(roles[a.role], a.text) for a in event.arguments if a.role in roles)
            events.append(GoldEvent(our_type, event.trigger, args))
        if events:
            yield GoldDoc(doc.id, doc.text, tuple(events), doc.title)


def mapped_sentences(name: Literal["duee1.0", "fewfc"], split: str, root: Path | None = None) -> Iterator[GoldDoc]:
    """Sentences of DuEE 1.0 or FewFC with their event types mapped onto ours.

    Events of unmapped types are dropped; a sentence left with no event but which had
    some is skipped (see the module docstring), so every yielded sentence with no
    event is a true negative.
    """
    mapping = DUEE1_TYPES if name == "duee1.0" else FEWFC_TYPES
    for doc in read_jsonl((root or data_dir()) / name / f"{split}.jsonl"):
        events = tuple(GoldEvent(mapping[e.type], e.trigger, e.arguments) for e in doc.events if e.type in mapping)
        if doc.events and not events:
            continue
        yield GoldDoc(doc.id, doc.text, events, doc.title)
