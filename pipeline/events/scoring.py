"""Scoring events against gold: the DuEE-fin tuple metric, document types, FewFC and DuEE 1.0 roles.

The DuEE-fin metric compares, per document, the *set* of ``(event type, role,
argument text)`` tuples and micro-averages precision/recall/F1 over documents.
Our records keep the normalised value of 高管变动/变动类型 (上任, 离职, 退休, 去世)
while DuEE-fin's gold writes the verbatim word (聘任, 辞职 ...); the verbatim word is
the event's trigger, so :func:`duee_fin_view` writes it back for scoring.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TextIO

from pipeline.evaluate.rates import Rates
from pipeline.events.datasets import DUEE1_ROLES, DUEE1_TYPES, DUEE_FIN_TYPES, GoldDoc, GoldEvent
from pipeline.records import Event

if TYPE_CHECKING:
    from pipeline.core import Pipeline
    from pipeline.records import Document

Tuple3 = tuple[str, str, str]


class DocumentHook(Protocol):
    """Called by :func:`evaluate_duee_fin` with each document, its record and the scored tuple sets."""

    def __call__(self, doc: GoldDoc, record: Document, predicted: set[Tuple3], gold: set[Tuple3]) -> None:
        """See each document as it is scored."""


# Our role -> FewFC's role (sub-org/sub-per and obj-org/obj-per taken as sub and obj),
# per type; roles not listed are not scored on FewFC.
FEWFC_ROLES: dict[str, dict[str, str]] = {
    "中标": {"中标公司": "sub", "招标方": "obj", "中标金额": "amount", "中标日期": "date", "披露日期": "date"},
    "企业收购": {
        "收购方": "sub",
        "被收购方": "obj",
        "交易金额": "money",
        "收购完成时间": "date",
        "披露时间": "date",
    },
    "股东减持": {
        "减持方": "sub",
        "股票简称": "obj",
        "减持部分占总股本比例": "share-org",
        "减持部分占所持比例": "share-per",
        "交易完成时间": "date",
        "披露时间": "date",
    },
    "质押": {
        "质押方": "sub",
        "质权方": "obj",
        "质押股票/股份数量": "number",
        "质押物占持股比": "proportion",
        "质押物占总股比": "proportion",
        "质押物": "collateral",
        "事件时间": "date",
        "披露时间": "date",
    },
    "企业融资": {"投资方": "sub", "领投方": "sub", "被投资方": "obj", "融资金额": "money", "事件时间": "date"},
}
_FEWFC_ROLE_MERGE = {"sub-org": "sub", "sub-per": "sub", "obj-org": "obj", "obj-per": "obj"}


@dataclass(slots=True)
class PRF(Rates):
    """True positives, false positives and false negatives, with P/R/F1."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, predicted: AbstractSet[Hashable], gold: AbstractSet[Hashable]) -> None:
        """Count one document's predicted and gold sets."""
        self.tp += len(predicted & gold)
        self.fp += len(predicted - gold)
        self.fn += len(gold - predicted)

    def counts(self) -> tuple[float, float, float]:
        """Return ``(correct, predicted, gold)``."""
        return self.tp, self.tp + self.fp, self.tp + self.fn

    def line(self) -> str:
        """``P 0.500 R 0.400 F1 0.444  (tp 4 fp 4 fn 6)``."""
        return f"P {self.precision:.3f} R {self.recall:.3f} F1 {self.f1:.3f}  (tp {self.tp} fp {self.fp} fn {self.fn})"

    def to_dict(self) -> dict[str, float | int]:
        """Counts and rounded scores."""
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


def duee_fin_view(event: Event) -> list[tuple[str, str]]:
    """The event's ``(role, text)`` pairs as DuEE-fin writes them (变动类型 verbatim)."""
    pairs = []
    for arg in event.arguments:
        text = arg.text
        if arg.role == "变动类型" and arg.start is None:
            text = event.trigger.text
        pairs.append((arg.role, text))
    return pairs


def predicted_tuples(events: Iterable[Event], types: Iterable[str] | None = None) -> set[Tuple3]:
    """The ``(type, role, text)`` set of our events (only ``types`` when given)."""
    keep = set(types) if types is not None else None
    return {(e.type, role, text) for e in events if keep is None or e.type in keep for role, text in duee_fin_view(e)}


def gold_tuples(events: Iterable[GoldEvent]) -> set[Tuple3]:
    """The ``(type, role, text)`` set of gold events."""
    return {(e.type, a.role, a.text) for e in events for a in e.arguments}


def fewfc_tuples_predicted(events: Iterable[Event]) -> set[Tuple3]:
    """Our events in FewFC's role space (see :data:`FEWFC_ROLES`)."""
    out = set()
    for e in events:
        roles = FEWFC_ROLES.get(e.type)
        if roles is None:
            continue
        for role, text in duee_fin_view(e):
            if role in roles:
                out.add((e.type, roles[role], text))
    return out


def fewfc_tuples_gold(
    events: Iterable[GoldEvent], scored_roles: Mapping[str, Iterable[str]] | None = None
) -> set[Tuple3]:
    """Gold FewFC events (already mapped to our types) in the merged FewFC role space.

    Only roles that some role of ours maps onto are kept (FewFC's 收购/way has no
    counterpart), unless ``scored_roles`` says otherwise.
    """
    wanted = scored_roles or {t: set(r.values()) for t, r in FEWFC_ROLES.items()}
    out = set()
    for e in events:
        for a in e.arguments:
            role = _FEWFC_ROLE_MERGE.get(a.role, a.role)
            if role in set(wanted.get(e.type, ())):
                out.add((e.type, role, a.text))
    return out


def duee1_scored_roles() -> dict[str, frozenset[str]]:
    """Our roles that some DuEE 1.0 role maps onto, per our type (what DuEE 1.0 can score)."""
    roles: dict[str, set[str]] = defaultdict(set)
    for theirs, mapping in DUEE1_ROLES.items():
        roles[DUEE1_TYPES[theirs]].update(mapping.values())
    return {t: frozenset(r) for t, r in roles.items()}


def duee1_tuples_gold(events: Iterable[GoldEvent]) -> set[Tuple3]:
    """Gold DuEE 1.0 events (their own types) as ``(our type, our role, text)`` tuples.

    Events of types with no counterpart of ours and roles :data:`DUEE1_ROLES` leaves out
    (DuEE 1.0 writes 融资轮次 "A轮" where DuEE-fin writes "A") are not scored.
    """
    out: set[Tuple3] = set()
    for e in events:
        ours = DUEE1_TYPES.get(e.type)
        if ours is None:
            continue
        roles = DUEE1_ROLES.get(e.type, {})
        out.update((ours, roles[a.role], a.text) for a in e.arguments if a.role in roles)
    return out


def scored_tuples(events: Iterable[Event], roles: Mapping[str, AbstractSet[str]]) -> set[Tuple3]:
    """Our events' ``(type, role, text)`` tuples, only for the roles a sentence set can score."""
    return {
        (e.type, role, text)
        for e in events
        if e.type in roles
        for role, text in duee_fin_view(e)
        if role in roles[e.type]
    }


@dataclass(slots=True)
class SentenceReport:
    """What a sentence-level set (FewFC, DuEE 1.0) measures for the types mapped onto ours."""

    types: tuple[str, ...]
    sentences: int = 0
    event_type: PRF = field(default_factory=PRF)
    arguments: PRF = field(default_factory=PRF)
    by_type: dict[str, PRF] = field(default_factory=lambda: defaultdict(PRF))
    by_type_arguments: dict[str, PRF] = field(default_factory=lambda: defaultdict(PRF))

    def add(self, predicted_types: set[str], gold_types: set[str], predicted: set[Tuple3], gold: set[Tuple3]) -> None:
        """Count one sentence: its predicted and gold types and argument tuples."""
        self.sentences += 1
        self.event_type.add(predicted_types, gold_types)
        self.arguments.add(predicted, gold)
        for t in self.types:
            self.by_type[t].add({t} & predicted_types, {t} & gold_types)
            self.by_type_arguments[t].add({x for x in predicted if x[0] == t}, {x for x in gold if x[0] == t})

    def to_dict(self) -> dict[str, Any]:
        """The figures as JSON-ready data."""
        return {
            "sentences": self.sentences,
            "event_type": self.event_type.to_dict(),
            "arguments": self.arguments.to_dict(),
            "by_type": {
                t: {"type": self.by_type[t].to_dict(), "arguments": self.by_type_arguments[t].to_dict()}
                for t in sorted(self.types)
            },
        }

    def lines(self, title: str, types_label: str, arguments_label: str) -> list[str]:
        """The report as text: a title, the pooled type and argument lines, then :meth:`type_lines`."""
        width = max(len(types_label), len(arguments_label)) + 1
        return [
            title,
            f"{types_label + ':':{width}s} {self.event_type.line()}",
            f"{arguments_label + ':':{width}s} {self.arguments.line()}",
            *self.type_lines(),
        ]

    def render(self, as_json: bool, title: str, types_label: str, arguments_label: str) -> str:
        """What a benchmark script prints: :meth:`to_dict` as JSON, or :meth:`lines` as text."""
        if as_json:
            return json.dumps(self.to_dict(), ensure_ascii=False, indent=1)
        return "\n".join(self.lines(title, types_label, arguments_label))

    def type_lines(self) -> list[str]:
        """One type line and one argument line per type, the most frequent gold type first."""
        lines = []
        for t in sorted(self.types, key=lambda t: -(self.by_type[t].tp + self.by_type[t].fn)):
            lines.append(f"  {t:5s} type {self.by_type[t].line()}")
            lines.append(f"  {'':5s} args {self.by_type_arguments[t].line()}")
        return lines


@dataclass(slots=True)
class DueeFinReport:
    """What :func:`evaluate_duee_fin` measures."""

    documents: int = 0
    negatives: int = 0
    false_positive_docs: int = 0
    false_positive_docs_any: int = 0
    tuples: PRF = field(default_factory=PRF)
    types: PRF = field(default_factory=PRF)
    by_type: dict[str, PRF] = field(default_factory=dict)
    by_role: dict[tuple[str, str], PRF] = field(default_factory=dict)
    false_types: Counter[str] = field(default_factory=Counter)

    @property
    def false_positive_rate(self) -> float | None:
        """Share of documents without gold events where a DuEE-fin-type event came out."""
        return self.false_positive_docs / self.negatives if self.negatives else None

    def to_dict(self) -> dict[str, Any]:
        """The figures as JSON."""
        return {
            "documents": self.documents,
            "tuple": self.tuples.to_dict(),
            "event_type": self.types.to_dict(),
            "negatives": self.negatives,
            "false_positive_rate": None if self.negatives == 0 else round(self.false_positive_docs / self.negatives, 4),
            "false_positive_rate_any_type": None
            if self.negatives == 0
            else round(self.false_positive_docs_any / self.negatives, 4),
            "false_positive_types": dict(self.false_types.most_common()),
            "by_type": {t: p.to_dict() for t, p in self.by_type.items()},
        }


def evaluate_duee_fin(
    pipe: Pipeline,
    docs: Iterable[GoldDoc],
    errors: TextIO | None = None,
    report: DueeFinReport | None = None,
    on_document: DocumentHook | None = None,
) -> DueeFinReport:
    """Run ``pipe`` on DuEE-fin documents and score it (see the module docstring).

    Gold argument texts are normalised like the documents (our arguments are cut from
    the normalised text). With ``errors``, each document's misses and false hits are
    written there as JSON lines; ``on_document`` sees every document (the gate's
    cross-validation records its events' features and labels that way).
    """
    normalizer = pipe.normalizer()
    report = report or DueeFinReport()
    for doc in docs:
        record = pipe.process(doc.text, doc_id=doc.id)
        pred = predicted_tuples(record.events, DUEE_FIN_TYPES)
        gold = {(t, r, normalizer(x).text) for t, r, x in gold_tuples(doc.events)}
        if on_document is not None:
            on_document(doc, record, pred, gold)
        report.documents += 1
        report.tuples.add(pred, gold)
        pred_types = {e.type for e in record.events if e.type in DUEE_FIN_TYPES}
        report.types.add(pred_types, {e.type for e in doc.events})
        for t in DUEE_FIN_TYPES:
            report.by_type.setdefault(t, PRF()).add({x for x in pred if x[0] == t}, {x for x in gold if x[0] == t})
        for key in {(x[0], x[1]) for x in pred | gold}:
            report.by_role.setdefault(key, PRF()).add(
                {x for x in pred if x[:2] == key}, {x for x in gold if x[:2] == key}
            )
        if not doc.events:
            report.negatives += 1
            report.false_positive_docs += bool(pred_types)
            report.false_positive_docs_any += bool(record.events)
            report.false_types.update(pred_types)
        if errors is not None and pred != gold:
            row = {
                "id": doc.id,
                "text": doc.text[:600],
                "missed": sorted(gold - pred),
                "false": sorted(pred - gold),
                "events": [
                    {"type": e.type, "trigger": e.trigger.text, "status": e.status, "source": e.source}
                    for e in record.events
                ],
            }
            errors.write(json.dumps(row, ensure_ascii=False) + "\n")
    return report


def format_report(report: DueeFinReport, title: str, roles: int = 30) -> str:
    """A readable summary of a report."""
    t, ty = report.tuples, report.types
    lines = [
        title,
        f"tuple (type, role, text): {t.line()}",
        f"event type per document:  P {ty.precision:.3f} R {ty.recall:.3f} F1 {ty.f1:.3f}",
        f"false-positive rate on {report.negatives} documents without events: "
        f"{report.false_positive_rate if report.false_positive_rate is None else round(report.false_positive_rate, 4)}"
        f" (any type incl. 裁员/产品发布/营收/合作: "
        f"{round(report.false_positive_docs_any / report.negatives, 4) if report.negatives else None})",
        "by type:",
    ]
    for name, p in sorted(report.by_type.items(), key=lambda kv: -(kv[1].tp + kv[1].fn)):
        lines.append(f"  {name:6s} {p.line()}")
    if roles:
        lines.append("by role (most gold first):")
        for (etype, role), p in sorted(report.by_role.items(), key=lambda kv: -(kv[1].tp + kv[1].fn))[:roles]:
            lines.append(f"  {etype}/{role:10s} {p.line()}")
    return "\n".join(lines)
