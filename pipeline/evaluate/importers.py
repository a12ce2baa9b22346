"""Read gold from the shared-data JSONL format (CLUENER, MSRA, DuEE, DuEE-fin, FewFC).

Each line of ``/work/shared/data/<set>/{train,dev}.jsonl`` is ``{id, text, entities:
[{start, end, label, text}], events: [{type, trigger, arguments: [{role, text, start,
end}]}]}`` with end-exclusive offsets. ``--label-map company=ORG,name=PERSON`` renames
the dataset's labels to ours; entities whose label maps to nothing are dropped, and
only the mapped labels are scored (a dataset without dates must not count our dates
as spurious). Enumerated roles (高管变动/变动类型: 聘任 -> 上任) are mapped through the
rulebook's cue tables, so the dataset and the pipeline use the same vocabulary.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import ErrorCode, GoldError
from pipeline.evaluate.gold import GoldSet, iter_jsonl
from pipeline.evaluate.model import EvalArgument, EvalDoc, EvalEvent, EvalMention
from pipeline.evaluate.schema import enum_cues
from pipeline.records import LABELS

TASKS = ("all", "ner", "events")


@dataclass
class ImportedSet(GoldSet):
    """A gold set read from the shared format, with the labels it can score."""

    labels: list[str] = field(default_factory=list)
    dropped_labels: dict[str, int] = field(default_factory=dict)
    # The event types the dataset annotates; predicted events of other types are not scored.
    event_types: list[str] | None = None


def detect_format(path: Path) -> str:
    """``gold`` (our gold files, keyed by ``doc_id``) or ``shared`` (keyed by ``id``).

    Raises:
        GoldError: the file cannot be read or its first line is not a JSON object (E402).

    """
    try:
        with path.open(encoding="utf-8") as handle:
            for raw in handle:
                if raw.strip():
                    first = json.loads(raw)
                    break
            else:
                raise GoldError(ErrorCode.E402, path=path, detail="holds no document")
    except OSError as exc:
        raise GoldError(ErrorCode.E402, path=path, detail=f"cannot be read ({exc.strerror or exc})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise GoldError(ErrorCode.E402, path=path, detail=f"the first line is not JSON ({exc})") from None
    if not isinstance(first, dict):
        raise GoldError(ErrorCode.E402, path=path, detail="the first line is not a JSON object")
    if "doc_id" in first:
        return "gold"
    if "id" in first and "text" in first:
        return "shared"
    raise GoldError(
        ErrorCode.E402, path=path, detail="is neither a gold file (doc_id) nor shared-data JSONL (id, text)"
    )


def parse_label_map(spec: str | None) -> dict[str, str]:
    """``"company=ORG,name=PERSON"`` -> ``{"company": "ORG", "name": "PERSON"}``.

    Raises:
        GoldError: an item is not ``source=TARGET`` or the target is not one of our labels (E404).

    """
    out: dict[str, str] = {}
    for item in (spec or "").split(","):
        item = item.strip()
        if not item:
            continue
        source, sep, target = item.partition("=")
        target = target.strip().upper()
        if not sep or not source.strip():
            raise GoldError(ErrorCode.E404, option="--label-map", detail=f"{item!r} is not source=TARGET")
        if target not in LABELS:
            raise GoldError(
                ErrorCode.E404, option="--label-map", detail=f"{target!r} is not one of {', '.join(LABELS)}"
            )
        out[source.strip()] = target
    return out


def _enum_value(event_type: str, role: str, text: str) -> str:
    cues = enum_cues().get((event_type, role))
    return cues.get(text, text) if cues else text


def _problem(path: Path, line: int, loc: str, detail: str) -> GoldError:
    return GoldError(ErrorCode.E401, path=path, line=line, field=loc, detail=detail)


def shared_document(
    data: Any, *, path: Path, line: int, label_map: Mapping[str, str], task: str, dropped: dict[str, int]
) -> tuple[EvalDoc | None, list[GoldError]]:
    """One line of the shared format as an :class:`EvalDoc` (or ``None`` with its problems)."""
    if not isinstance(data, dict):
        return None, [_problem(path, line, "(line)", "a line is a JSON object")]
    text = data.get("text")
    if not isinstance(text, str) or not text:
        return None, [_problem(path, line, "text", "is missing or empty")]
    problems: list[GoldError] = []
    mentions = []
    if task in ("all", "ner"):
        for i, ent in enumerate(data.get("entities") or []):
            try:
                start, end, label = int(ent["start"]), int(ent["end"]), str(ent["label"])
            except (KeyError, TypeError, ValueError):
                problems.append(_problem(path, line, f"entities[{i}]", "needs start, end and label"))
                continue
            target = label_map.get(label, label if not label_map and label in LABELS else None)
            if target is None:
                dropped[label] = dropped.get(label, 0) + 1
                continue
            if not 0 <= start < end <= len(text):
                problems.append(_problem(path, line, f"entities[{i}]", f"span {start}:{end} is outside the text"))
                continue
            mentions.append(EvalMention(target, start, end, text[start:end], None, id=f"g{i + 1}"))
    events = []
    if task in ("all", "events"):
        for i, ev in enumerate(data.get("events") or []):
            if not isinstance(ev, dict) or not ev.get("type"):
                problems.append(_problem(path, line, f"events[{i}].type", "is missing"))
                continue
            trigger = ev.get("trigger") or {}
            arguments = tuple(
                EvalArgument(
                    str(a.get("role")),
                    _enum_value(str(ev["type"]), str(a.get("role")), str(a.get("text") or "")),
                    a.get("start"),
                    a.get("end"),
                )
                for a in ev.get("arguments") or []
                if a.get("text")
            )
            events.append(
                EvalEvent(
                    type=str(ev["type"]),
                    arguments=arguments,
                    trigger=(str(trigger.get("text") or ""), trigger.get("start"), trigger.get("end"))
                    if trigger
                    else None,
                    id=f"ge{i + 1}",
                )
            )
    if problems:
        return None, problems
    mentions.sort(key=lambda m: (m.start, m.end))
    doc_id = str(data.get("id") or f"line-{line}")
    return EvalDoc(doc_id, text, tuple(mentions), tuple(events), origin=str(path), line=line), []


def load_shared(
    path: Path | str, *, label_map: Mapping[str, str] | None = None, task: str = "all", limit: int | None = None
) -> ImportedSet:
    """Read a shared-data JSONL file as gold (first ``limit`` documents when given).

    Raises:
        GoldError: the file cannot be read (E402).

    """
    path = Path(path)
    label_map = dict(label_map or {})
    result = ImportedSet(path)
    for number, item in iter_jsonl(path):
        if limit is not None and len(result.documents) >= limit:
            break
        if isinstance(item, GoldError):
            result.problems.append(item)
            continue
        doc, problems = shared_document(
            item, path=path, line=number, label_map=label_map, task=task, dropped=result.dropped_labels
        )
        result.problems.extend(problems)
        if doc is not None:
            result.documents.append(doc)
    if task in ("all", "events"):
        result.event_types = sorted({e.type for d in result.documents for e in d.events})
    if label_map:
        result.labels = sorted(set(label_map.values()), key=LABELS.index)
    else:
        present = {m.label for d in result.documents for m in d.mentions}
        result.labels = [label for label in LABELS if label in present]
    return result
