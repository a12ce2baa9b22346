"""Write gold files from compact annotation sources: surface strings in, offsets out.

Annotators never type an offset. A source file (YAML, one per document, see
``corpus/gold/README.md``) lists each mention as ``LABEL surface[@which]`` with a
value shorthand, and each event argument as a surface string; :func:`compile_source`
finds the spans in the clean text and expands the shorthands into the record shape.

``@which``: ``@2`` the second occurrence, ``@1,3`` several, ``@all`` every occurrence
(the default for mentions; for triggers and arguments the default is the first).
Occurrences inside a longer mention placed before are skipped, so ``ORG 华夏幸福`` and
``ORG 华夏控股`` do not fight over 华夏.

Value shorthands (anything else is written out in full):

* DATE: ``2020-03-17`` (day), ``2020-03`` (month), ``2020`` (year), ``2020-Q3``,
  ``2020-H1``; ``A/B`` a range from the start of A to the end of B; ``since A``,
  ``until A`` (A inclusive); ``duration P6M``; a trailing ``~`` marks it fuzzy. A full
  mapping may give dates without a time (``2018-11-01``).
* AMOUNT: a mapping; ``value`` may be a number or ``1.86%`` (stored as the fraction);
  ``low``/``high`` follow the qualifier convention unless given; currency defaults to
  none, unit to none, qualifier to exact.
* ORG: a type (``company``) with the surface as name, or ``{name, type}``.
* PERSON / PRODUCT: nothing (the surface is the name) or ``{name, title, org}`` / ``{name, org}``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from pipeline.errors import ErrorCode, GoldError
from pipeline.evaluate.schema import is_enum_role
from pipeline.records import LABELS
from pipeline.rulebook.yamlsrc import line_of, load_yaml

_WHICH = re.compile(r"^(?P<surface>.+?)@(?P<which>all|\d+(?:,\d+)*)$")
_GRAINED = re.compile(r"^(?P<y>\d{4})(?:-(?:(?P<q>Q[1-4])|(?P<h>H[12])|(?P<m>\d{2})(?:-(?P<d>\d{2}))?))?$")
_DURATION_GRAIN = {"Y": "year", "M": "month", "W": "week", "D": "day"}


@dataclass(frozen=True, slots=True)
class Placed:
    """A mention placed in the text, for the annotator's check listing."""

    label: str
    start: int
    end: int
    text: str
    value: Any


class SourceProblems(Exception):
    """Every problem of one annotation source (each an E405)."""

    def __init__(self, problems: list[GoldError]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


# --- surfaces -> spans ---------------------------------------------------------------


def split_which(spec: str) -> tuple[str, str | None]:
    """``"理想汽车@2"`` -> ``("理想汽车", "2")``; no ``@`` -> ``(spec, None)``."""
    m = _WHICH.match(spec)
    if m is None:
        return spec, None
    return m["surface"], m["which"]


def occurrences(text: str, surface: str) -> list[int]:
    """Start offsets of every non-overlapping occurrence of ``surface`` in ``text``."""
    found, i = [], text.find(surface)
    while i >= 0:
        found.append(i)
        i = text.find(surface, i + len(surface))
    return found


def pick(text: str, surface: str, which: str | None, default: str) -> list[tuple[int, int]]:
    """The spans of ``surface`` chosen by ``which`` (``all``, ``2`` or ``1,3``).

    Raises:
        ValueError: the surface is not in the text, or an occurrence does not exist.

    """
    starts = occurrences(text, surface)
    if not starts:
        raise ValueError(f"{surface!r} does not occur in the clean text")
    which = which or default
    if which == "all":
        return [(s, s + len(surface)) for s in starts]
    spans = []
    for part in which.split(","):
        n = int(part)
        if not 1 <= n <= len(starts):
            raise ValueError(f"{surface!r} occurs {len(starts)} time(s); there is no occurrence {n}")
        spans.append((starts[n - 1], starts[n - 1] + len(surface)))
    return spans


# --- value shorthands ------------------------------------------------------------------


def _stamp(day: date) -> str:
    return datetime(day.year, day.month, day.day).isoformat(timespec="seconds")


def _grained(spec: str) -> tuple[date, date, str]:
    """``2020-03`` -> (2020-03-01, 2020-04-01, "month"): the interval and its grain."""
    m = _GRAINED.match(spec)
    if m is None:
        raise ValueError(f"{spec!r} is not a date shorthand (2020, 2020-03, 2020-03-17, 2020-Q3, 2020-H1)")
    year = int(m["y"])
    if m["d"]:
        start = date(year, int(m["m"]), int(m["d"]))
        return start, date.fromordinal(start.toordinal() + 1), "day"
    if m["m"]:
        month = int(m["m"])
        start = date(year, month, 1)
        return start, date(year + month // 12, month % 12 + 1, 1), "month"
    if m["q"]:
        first = (int(m["q"][1]) - 1) * 3 + 1
        return date(year, first, 1), date(year + (first + 3 > 12), (first + 2) % 12 + 1, 1), "quarter"
    if m["h"]:
        first = 1 if m["h"] == "H1" else 7
        return date(year, first, 1), date(year + (first == 7), 7 if first == 1 else 1, 1), "half"
    return date(year, 1, 1), date(year + 1, 1, 1), "year"


_GRAIN_ORDER = ("year", "half", "quarter", "month", "xun", "week", "day", "hour", "minute", "second")


def expand_date(value: Any) -> dict[str, Any]:
    """Expand a DATE shorthand (see the module docstring) into the record's value."""
    if isinstance(value, Mapping):
        out = dict(value)
        for key in ("start", "end"):
            stamp = out.get(key)
            if isinstance(stamp, date) and not isinstance(stamp, datetime):
                out[key] = _stamp(stamp)
            elif isinstance(stamp, datetime):
                out[key] = stamp.isoformat(timespec="seconds")
            elif isinstance(stamp, str) and len(stamp) == 10:
                out[key] = stamp + "T00:00:00"
        out.setdefault("fuzzy", False)
        return out
    if isinstance(value, date | int):
        value = value.isoformat() if isinstance(value, date) else str(value)
    if not isinstance(value, str):
        raise ValueError(f"a DATE value is a shorthand string or a mapping, not {type(value).__name__}")
    spec = value.strip()
    fuzzy = spec.endswith("~")
    spec = spec.rstrip("~").strip()
    if spec.startswith("duration "):
        duration = spec.split(None, 1)[1]
        date_part, _, time_part = duration.partition("T")
        time_units = re.findall(r"\d+([HMS])", time_part)
        date_units = re.findall(r"\d+([YMWD])", date_part)
        if time_units:
            grain = {"H": "hour", "M": "minute", "S": "second"}[time_units[-1]]
        else:
            grain = _DURATION_GRAIN[date_units[-1]] if date_units else "day"
        return {"kind": "duration", "start": None, "end": None, "grain": grain, "fuzzy": fuzzy, "duration": duration}
    for kind in ("since", "until"):
        if spec.startswith(kind + " "):
            start, end, grain = _grained(spec.split(None, 1)[1])
            return {
                "kind": kind,
                "start": _stamp(start) if kind == "since" else None,
                "end": _stamp(end) if kind == "until" else None,
                "grain": grain,
                "fuzzy": fuzzy,
            }
    if "/" in spec:
        left, right = spec.split("/", 1)
        start, _, grain_a = _grained(left)
        _, end, grain_b = _grained(right)
        grain = max(grain_a, grain_b, key=_GRAIN_ORDER.index)
        return {"kind": "range", "start": _stamp(start), "end": _stamp(end), "grain": grain, "fuzzy": fuzzy}
    start, end, grain = _grained(spec)
    return {"kind": "point", "start": _stamp(start), "end": _stamp(end), "grain": grain, "fuzzy": fuzzy}


def _decimal(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip().replace(",", "")
    scale = Decimal(1)
    if text.endswith("%"):
        text, scale = text[:-1], Decimal("0.01")
    try:
        number = Decimal(text) * scale
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a number") from None
    out = format(number.normalize(), "f")
    return out


def expand_amount(value: Any) -> dict[str, Any]:
    """Fill an AMOUNT mapping's defaults and bounds by the README convention."""
    if not isinstance(value, Mapping):
        raise ValueError("an AMOUNT value is a mapping (kind, value, currency ...)")
    out: dict[str, Any] = {
        "kind": value.get("kind"),
        "value": _decimal(value.get("value")),
        "low": None,
        "high": None,
        "currency": value.get("currency"),
        "currency_implied": bool(value.get("currency_implied", False)),
        "unit": value.get("unit"),
        "qualifier": value.get("qualifier", "exact"),
    }
    number, qualifier = out["value"], out["qualifier"]
    if number is not None:
        if qualifier == "exact":
            out["low"] = out["high"] = number
        elif qualifier in ("more_than", "at_least"):
            out["low"] = number
        elif qualifier in ("less_than", "at_most"):
            out["high"] = number
    for key in ("low", "high"):
        if key in value:
            out[key] = _decimal(value[key])
    unknown = set(value) - set(out)
    if unknown:
        raise ValueError(f"unknown AMOUNT field(s): {', '.join(sorted(unknown))}")
    return out


def expand_value(label: str, surface: str, value: Any) -> dict[str, Any] | None:
    """Expand the shorthand of one mention's value."""
    if label == "DATE":
        return expand_date(value)
    if label == "AMOUNT":
        return expand_amount(value)
    if label == "ORG":
        if isinstance(value, str):
            return {"name": surface, "type": value}
        if isinstance(value, Mapping):
            return {"name": value.get("name", surface), "type": value.get("type", "company")}
        raise ValueError("an ORG value is a type (company, government ...) or {name, type}")
    if label == "PERSON":
        value = dict(value or {})
        return {
            "name": value.pop("name", surface),
            "title": value.pop("title", None),
            "org": value.pop("org", None),
            **value,
        }
    if label == "PRODUCT":
        value = dict(value or {})
        return {"name": value.pop("name", surface), "org": value.pop("org", None), **value}
    raise ValueError(f"unknown label {label!r} (labels: {', '.join(LABELS)})")


# --- a whole source ----------------------------------------------------------------------


def _mention_items(raw: Any) -> list[tuple[int, str, Any]]:
    """``mentions`` is a list of one-key mappings ``{"LABEL surface@which": value}``."""
    items = []
    for i, item in enumerate(raw or []):
        if isinstance(item, Mapping) and len(item) == 1:
            key, value = next(iter(item.items()))
            items.append((i, str(key), value))
        elif isinstance(item, str):
            items.append((i, item, None))
        else:
            items.append((i, "", item))
    return items


def compile_source(
    src: Mapping[str, Any], text: str, *, path: Path, listing: list[Placed] | None = None
) -> dict[str, Any]:
    """Turn one parsed source into a gold record (the JSON object of one gold line).

    Raises:
        SourceProblems: surfaces not found, bad shorthands (each an E405 with its line).

    """
    problems: list[GoldError] = []

    def problem(loc: Sequence[str | int], detail: str) -> None:
        line = line_of(path, list(loc)) or 0
        from pipeline.evaluate.gold import format_loc

        problems.append(GoldError(ErrorCode.E405, path=path, line=line, field=format_loc(loc), detail=detail))

    placed: list[tuple[int, int, str, str, dict[str, Any] | None]] = []
    taken: list[tuple[int, int]] = []

    def free(span: tuple[int, int]) -> bool:
        return all(span[1] <= s or span[0] >= e for s, e in taken)

    items = _mention_items(src.get("mentions"))
    # Explicit occurrences first, then "all" from the longest surface down, so a longer
    # mention claims its characters before a shorter one that it contains.
    parsed = []
    for i, key, value in items:
        label, _, spec = key.partition(" ")
        surface, which = split_which(spec.strip())
        if label not in LABELS or not surface:
            problem(
                ["mentions", i],
                f"a mention key is 'LABEL surface[@which]' with LABEL one of {', '.join(LABELS)}, not {key!r}",
            )
            continue
        parsed.append((i, label, surface, which or "all", value))
    parsed.sort(key=lambda p: (p[3] == "all", -len(p[2])))
    for i, label, surface, which, value in parsed:
        try:
            spans = pick(text, surface, which, "all")
            expanded = expand_value(label, surface, value)
        except ValueError as exc:
            problem(["mentions", i], str(exc))
            continue
        for span in spans:
            if not free(span):
                if which != "all":
                    problem(["mentions", i], f"{surface!r} at {span[0]}:{span[1]} overlaps a mention placed before")
                continue
            taken.append(span)
            placed.append((span[0], span[1], label, surface, expanded))
    placed.sort()
    mentions = [{"label": lb, "text": s, "start": a, "end": b, "value": v} for a, b, lb, s, v in placed]
    if listing is not None:
        listing.extend(Placed(lb, a, b, s, v) for a, b, lb, s, v in placed)

    events = []
    for i, event in enumerate(src.get("events") or []):
        loc: list[str | int] = ["events", i]
        if not isinstance(event, Mapping) or "type" not in event:
            problem(loc, "an event is a mapping with type, status, trigger and arguments")
            continue
        record: dict[str, Any] = {"type": event["type"], "status": event.get("status", "asserted"), "trigger": None}
        if event.get("trigger"):
            surface, which = split_which(str(event["trigger"]))
            try:
                (a, b), *_ = pick(text, surface, which, "1")
                record["trigger"] = {"text": surface, "start": a, "end": b}
            except ValueError as exc:
                problem([*loc, "trigger"], str(exc))
        arguments = []
        for role, fillers in (event.get("arguments") or {}).items():
            for filler in fillers if isinstance(fillers, list) else [fillers]:
                if is_enum_role(str(event["type"]), str(role)):
                    arguments.append({"role": role, "text": str(filler), "start": None, "end": None})
                    continue
                surface, which = split_which(str(filler))
                try:
                    for a, b in pick(text, surface, which, "1"):
                        arguments.append({"role": role, "text": surface, "start": a, "end": b})
                except ValueError as exc:
                    problem([*loc, "arguments", role], str(exc))
        record["arguments"] = arguments
        events.append(record)
    if problems:
        raise SourceProblems(problems)

    out: dict[str, Any] = {"doc_id": src.get("doc_id")}
    for key in ("file", "clean", "source", "damaged"):
        if src.get(key) is not None:
            out[key] = src[key]
    doc_date = src.get("doc_date")
    out["doc_date"] = doc_date.isoformat() if isinstance(doc_date, date) else doc_date
    if src.get("doc_date_note"):
        out["doc_date_note"] = src["doc_date_note"]
    if src.get("notes"):
        out["notes"] = src["notes"]
    out["text"] = text
    out["mentions"] = mentions
    out["events"] = events
    return out


def compile_file(path: Path, root: Path, listing: list[Placed] | None = None) -> dict[str, Any]:
    """Read the source at ``path`` and its clean text (``clean``, relative to ``root``) and compile it.

    Raises:
        SourceProblems: the source does not compile.

    """
    src = load_yaml(path)
    if not isinstance(src, Mapping) or not src.get("clean"):
        raise SourceProblems(
            [GoldError(ErrorCode.E405, path=path, line=1, field="clean", detail="a source names its clean text file")]
        )
    clean_path = root / str(src["clean"])
    try:
        text = clean_path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SourceProblems(
            [
                GoldError(
                    ErrorCode.E405,
                    path=path,
                    line=line_of(path, ["clean"]) or 1,
                    field="clean",
                    detail=f"cannot read {clean_path}: {exc}",
                )
            ]
        ) from None
    return compile_source(src, text, path=path, listing=listing)


def check_listing(text: str, placed: Iterable[Placed], width: int = 8) -> list[str]:
    """One line per placed mention with its context, for the annotator to read through."""
    lines = []
    for p in placed:
        left = text[max(0, p.start - width) : p.start].replace("\n", "⏎")
        right = text[p.end : p.end + width].replace("\n", "⏎")
        lines.append(f"{p.start:>5}:{p.end:<5} {p.label:<7} {left}[{p.text}]{right}  {_short(p.value)}")
    return lines


def _short(value: Any) -> str:
    if not isinstance(value, Mapping):
        return ""
    if "grain" in value:
        fuzzy = " fuzzy" if value.get("fuzzy") else ""
        return f"{value['kind']} {value.get('start')}..{value.get('end')} {value['grain']}{fuzzy}"
    if "qualifier" in value:
        bits = [
            value["kind"],
            str(value.get("value")),
            f"[{value.get('low')},{value.get('high')}]",
            value.get("currency") or "",
            value.get("unit") or "",
            value["qualifier"],
        ]
        return " ".join(b for b in bits if b)
    return ", ".join(f"{k}={v}" for k, v in value.items() if v is not None)


# --- drafts ---------------------------------------------------------------------------------


def _flow(value: Any) -> str:
    return (
        str(yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10_000, sort_keys=False))
        .strip()
        .removesuffix("...")
        .strip()
    )


def compact_date(value: Mapping[str, Any]) -> Any:
    """The shortest shorthand that expands back to ``value`` (or ``value`` itself)."""
    candidates: list[str] = []
    start, end = value.get("start"), value.get("end")
    suffix = "~" if value.get("fuzzy") else ""
    if value.get("kind") == "duration" and value.get("duration"):
        candidates.append(f"duration {value['duration']}{suffix}")
    for stamp in (start, end):
        if stamp:
            day = stamp[:10]
            candidates += [day, day[:7], day[:4]]
    if start:
        candidates += [f"since {start[:10]}{suffix}", f"since {start[:7]}{suffix}", f"since {start[:4]}{suffix}"]
    if end:
        last = date.fromordinal(date.fromisoformat(end[:10]).toordinal() - 1).isoformat()
        candidates += [f"until {last}{suffix}", f"until {last[:7]}{suffix}", f"until {last[:4]}{suffix}"]
        if start:
            for a, b in ((start[:10], last), (start[:7], last[:7]), (start[:4], last[:4])):
                candidates.append(f"{a}/{b}{suffix}")
    for spec in candidates:
        spec = (
            spec
            if spec.endswith("~") or not suffix or spec.startswith(("since", "until", "duration"))
            else spec + suffix
        )
        try:
            if expand_date(spec) == expand_date(dict(value)):
                return spec
        except ValueError:
            continue
    return {k: v for k, v in value.items() if not (k == "fuzzy" and v is False)}


def compact_value(label: str, surface: str, value: Mapping[str, Any] | None) -> Any:
    """The shorthand a draft writes for a pipeline value."""
    if value is None:
        return None
    if label == "DATE":
        return compact_date(value)
    if label == "AMOUNT":
        out: dict[str, Any] = {"kind": value.get("kind"), "value": value.get("value")}
        for key, default in (("currency", None), ("currency_implied", False), ("unit", None), ("qualifier", "exact")):
            if value.get(key, default) != default:
                out[key] = value[key]
        if expand_amount(out) != {**expand_amount(out), "low": value.get("low"), "high": value.get("high")}:
            out["low"], out["high"] = value.get("low"), value.get("high")
        return out
    if label == "ORG":
        return (
            value.get("type")
            if value.get("name") == surface
            else {"name": value.get("name"), "type": value.get("type")}
        )
    if label == "PERSON":
        extra = {k: value.get(k) for k in ("title", "org") if value.get(k)}
        if value.get("name") != surface:
            extra = {"name": value.get("name"), **extra}
        return extra or None
    if label == "PRODUCT":
        extra = {k: value.get(k) for k in ("org",) if value.get(k)}
        if value.get("name") != surface:
            extra = {"name": value.get("name"), **extra}
        return extra or None
    return dict(value)


def draft_source(
    text: str,
    record: Mapping[str, Any],
    *,
    header: Mapping[str, Any],
    dataset_events: Sequence[Mapping[str, Any]] = (),
) -> str:
    """A source draft from a pipeline record: every mention and event, for a human to check.

    Mentions are grouped by surface and value; ``@which`` is written only when the
    pipeline did not find every occurrence. ``dataset_events`` (e.g. DuEE-fin's own
    labels) are written as events; the pipeline's events follow as comments.
    """
    lines = [f"{k}: {_flow(v)}" for k, v in header.items()]
    groups: dict[tuple[str, str, str], list[int]] = {}
    for m in record.get("mentions") or ():
        if text[m["start"] : m["end"]] != m["text"]:
            continue  # the record's text differs from the clean text here; the annotator adds it by hand
        key = (m["label"], m["text"], _flow(compact_value(m["label"], m["text"], m.get("value"))))
        groups.setdefault(key, []).append(m["start"])
    lines.append("mentions:")
    for (label, surface, value_text), starts in sorted(groups.items(), key=lambda kv: min(kv[1])):
        every = occurrences(text, surface)
        which = (
            ""
            if sorted(starts) == every
            else "@" + ",".join(str(every.index(s) + 1) for s in sorted(starts) if s in every)
        )
        lines.append(f"  - {_flow(label + ' ' + surface + which)}: {value_text}")
    lines.append("events:")
    for e in dataset_events:
        lines.append(f"  - type: {e['type']}")
        lines.append("    status: asserted")
        trigger = e.get("trigger") or {}
        if trigger.get("text"):
            lines.append(f"    trigger: {_flow(trigger['text'])}")
        lines.append("    arguments:")
        roles: dict[str, list[str]] = {}
        for a in e.get("arguments") or ():
            roles.setdefault(a["role"], []).append(a["text"])
        for role, texts in roles.items():
            lines.append(f"      {role}: {_flow(texts if len(texts) > 1 else texts[0])}")
    for e in record.get("events") or ():
        args = "; ".join(f"{a['role']}={a['text']}" for a in e.get("arguments") or ())
        lines.append(f"  # pipeline: {e['type']} [{e.get('status')}] {e['trigger']['text']}: {args}")
    return "\n".join(lines) + "\n"
