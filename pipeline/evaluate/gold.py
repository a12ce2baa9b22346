"""Gold annotation files: pydantic validation with errors that name file, line and field.

A gold file (``corpus/gold/*.jsonl``, format in ``corpus/gold/README.md``) holds one
JSON object per line. :func:`load_gold` validates every line, collects *all* problems
(each an ``E401`` naming the file, line and field, e.g. ``mentions[3].value.start``),
and returns the documents that passed, so one bad line does not hide the others.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from pipeline.corrupt import KINDS, SCOPES
from pipeline.errors import ErrorCode, GoldError
from pipeline.evaluate.model import DamagedCopy, EvalArgument, EvalDoc, EvalEvent, EvalMention
from pipeline.evaluate.schema import ENUM_ROLES, known_roles

ISO_DATETIME = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$"
# Python regex: pydantic's Rust engine has no look-ahead.
ISO_DURATION = re.compile(r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$")
DECIMAL = r"^-?\d+(\.\d+)?$"
ORG_TYPES = ("company", "government", "organization", "university", "fund", "media", "exchange")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- values, one model per label -------------------------------------------------


class DateValueModel(_Strict):
    """DATE value: an interval, end exclusive, ``None`` where open."""

    kind: Literal["point", "range", "since", "until", "duration", "recurring"]
    start: str | None = Field(pattern=ISO_DATETIME)
    end: str | None = Field(pattern=ISO_DATETIME)
    grain: Literal["year", "half", "quarter", "month", "xun", "week", "day", "hour", "minute", "second"]
    fuzzy: bool = False
    duration: str | None = None

    @model_validator(mode="after")
    def _interval(self) -> DateValueModel:
        for name in ("start", "end"):
            stamp = getattr(self, name)
            if stamp is not None:
                try:
                    datetime.fromisoformat(stamp)
                except ValueError:
                    raise ValueError(f"{name} {stamp!r} is not a real date and time") from None
        if self.start is not None and self.end is not None and self.start >= self.end:
            raise ValueError(f"start {self.start} is not before end {self.end} (end is exclusive)")
        if self.kind in ("point", "range") and (self.start is None or self.end is None):
            raise ValueError(f"a {self.kind} needs both start and end")
        if self.kind == "since" and (self.start is None or self.end is not None):
            raise ValueError("a since interval has a start and no end")
        if self.kind == "until" and (self.end is None or self.start is not None):
            raise ValueError("an until interval has an end and no start")
        if self.duration is not None and not ISO_DURATION.match(self.duration):
            raise ValueError(f"duration {self.duration!r} is not an ISO 8601 duration (e.g. P3M, P1Y6M, PT2H)")
        if self.kind == "duration" and self.duration is None:
            raise ValueError("a duration needs its ISO 8601 duration (e.g. P3M)")
        return self


class AmountValueModel(_Strict):
    """AMOUNT value: decimal strings, bounds by the README convention."""

    kind: Literal["money", "percent", "count", "shares"]
    value: str | None = Field(pattern=DECIMAL)
    low: str | None = Field(pattern=DECIMAL)
    high: str | None = Field(pattern=DECIMAL)
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    currency_implied: bool = False
    unit: str | None = None
    qualifier: Literal["exact", "approx", "more_than", "less_than", "at_least", "at_most"] = "exact"

    @model_validator(mode="after")
    def _bounds(self) -> AmountValueModel:
        value, low, high = (Decimal(x) if x is not None else None for x in (self.value, self.low, self.high))
        if self.kind == "money" and self.currency is None:
            raise ValueError("money needs a currency (with currency_implied true when the text leaves it out)")
        if self.kind != "money" and self.currency is not None and self.unit != "每股":
            raise ValueError(f"a {self.kind} has no currency")
        if value is None:
            if low is None or high is None:
                raise ValueError("a range (value null) needs both low and high")
            if low > high:
                raise ValueError(f"low {self.low} is above high {self.high}")
            return self
        rules = {
            "exact": (low == value and high == value, "exact: low = high = value"),
            "approx": (low is None and high is None, "approx: low and high are null"),
            "more_than": (low == value, "more_than: low = value"),
            "at_least": (low == value, "at_least: low = value"),
            "less_than": (high == value, "less_than: high = value"),
            "at_most": (high == value, "at_most: high = value"),
        }
        ok, rule = rules[self.qualifier]
        if not ok:
            raise ValueError(
                f"bounds break the convention ({rule}): value {self.value}, low {self.low}, high {self.high}"
            )
        return self


class OrgValueModel(_Strict):
    """ORG value: the canonical name and the kind of organisation."""

    name: str = Field(min_length=1)
    type: Literal["company", "government", "organization", "university", "fund", "media", "exchange"]
    alias: str | None = None


class PersonValueModel(_Strict):
    """PERSON value: the name, with the title and organisation the document gives."""

    name: str = Field(min_length=1)
    title: str | None = None
    org: str | None = None


class ProductValueModel(_Strict):
    """PRODUCT value: the product's name and its maker."""

    name: str = Field(min_length=1)
    org: str | None = None


VALUE_MODELS: Mapping[str, type[_Strict]] = {
    "DATE": DateValueModel,
    "AMOUNT": AmountValueModel,
    "ORG": OrgValueModel,
    "PERSON": PersonValueModel,
    "PRODUCT": ProductValueModel,
}


# --- the document -------------------------------------------------------------------


class GoldSpanModel(_Strict):
    """A trigger: its text and span."""

    text: str = Field(min_length=1)
    start: int = Field(ge=0)
    end: int = Field(ge=0)


class GoldMentionModel(_Strict):
    """A labelled span; ``value`` is checked against the label's value model."""

    label: Literal["DATE", "AMOUNT", "ORG", "PERSON", "PRODUCT"]
    text: str = Field(min_length=1)
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    value: dict[str, Any] | None = None


class GoldArgumentModel(_Strict):
    """A role filler; enumerated roles have null offsets."""

    role: str = Field(min_length=1)
    text: str = Field(min_length=1)
    start: int | None = Field(default=None, ge=0)
    end: int | None = Field(default=None, ge=0)


class GoldEventModel(_Strict):
    """An event of a known type with role-filling arguments."""

    type: str = Field(min_length=1)
    status: Literal["asserted", "denied", "planned", "reported", "negated"] = "asserted"
    trigger: GoldSpanModel | None = None
    arguments: list[GoldArgumentModel] = Field(default_factory=list)


class DamagedModel(_Strict):
    """A damaged copy of the article, made with ``zhpipe corrupt``."""

    file: str = Field(min_length=1)
    kind: str
    scope: str = "document"
    seed: int = 0

    @model_validator(mode="after")
    def _known(self) -> DamagedModel:
        if self.kind not in KINDS:
            raise ValueError(f"unknown corruption kind {self.kind!r} (known: {', '.join(KINDS)})")
        if self.scope not in SCOPES:
            raise ValueError(f"unknown scope {self.scope!r} (known: {', '.join(SCOPES)})")
        return self


class GoldDocumentModel(_Strict):
    """One line of a gold file."""

    doc_id: str = Field(min_length=1)
    file: str | None = None
    clean: str | None = None
    text: str | None = None
    doc_date: str | None = None
    doc_date_note: str | None = None
    source: dict[str, Any] | str | None = None
    damaged: list[DamagedModel] = Field(default_factory=list)
    notes: str | None = None
    mentions: list[GoldMentionModel] = Field(default_factory=list)
    events: list[GoldEventModel] = Field(default_factory=list)

    @model_validator(mode="after")
    def _has_text(self) -> GoldDocumentModel:
        if self.text is None and self.clean is None:
            raise ValueError("a gold document needs its clean text: `text` inline or a `clean` file")
        return self


# --- loading --------------------------------------------------------------------------


@dataclass
class GoldSet:
    """The documents that validated, and every problem found (E401/E402)."""

    path: Path
    documents: list[EvalDoc] = field(default_factory=list)
    problems: list[GoldError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every line validated."""
        return not self.problems


def format_loc(loc: Sequence[str | int]) -> str:
    """``("mentions", 3, "value", "start")`` -> ``mentions[3].value.start``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(document)"


def default_corpus_root(gold_path: Path) -> Path:
    """``corpus/gold/x.jsonl`` -> ``corpus/``: paths in a gold file are relative to it."""
    parent = gold_path.resolve().parent
    return parent.parent if parent.name == "gold" else parent


class _Collector:
    def __init__(self, path: Path, line: int) -> None:
        self.path = path
        self.line = line
        self.problems: list[GoldError] = []

    def add(self, loc: Sequence[str | int] | str, detail: str) -> None:
        where = loc if isinstance(loc, str) else format_loc(loc)
        self.problems.append(GoldError(ErrorCode.E401, path=self.path, line=self.line, field=where, detail=detail))


def _pydantic_problems(exc: ValidationError, prefix: Sequence[str | int], out: _Collector) -> None:
    for err in exc.errors(include_url=False):
        loc = [*prefix, *err["loc"]]
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "missing":
            message = "is required"
        elif err["type"] == "extra_forbidden":
            message = "is not a field of the gold format"
        elif "input" in err and err["type"] not in ("value_error",):
            message = f"{message} (got {err['input']!r})"
        out.add(loc, message)


def _check_span(
    text: str, loc: Sequence[str | int], surface: str, start: int | None, end: int | None, out: _Collector
) -> bool:
    if start is None or end is None:
        if (start is None) != (end is None):
            out.add([*loc, "end" if end is None else "start"], "start and end are both given or both null")
            return False
        return True
    if not 0 <= start < end <= len(text):
        out.add([*loc, "end"], f"span {start}:{end} is not inside the text (length {len(text)}) or is empty")
        return False
    if text[start:end] != surface:
        out.add([*loc, "text"], f"text {surface!r} is not the text at {start}:{end}, which is {text[start:end]!r}")
        return False
    return True


def _check_document(model: GoldDocumentModel, text: str, out: _Collector) -> None:
    spans: list[tuple[int, int, int]] = []
    for i, mention in enumerate(model.mentions):
        loc: list[str | int] = ["mentions", i]
        if _check_span(text, loc, mention.text, mention.start, mention.end, out):
            spans.append((mention.start, mention.end, i))
        if mention.value is not None:
            try:
                VALUE_MODELS[mention.label].model_validate(mention.value)
            except ValidationError as exc:
                _pydantic_problems(exc, [*loc, "value"], out)
    spans.sort()
    for (s1, e1, i1), (s2, _e2, i2) in itertools.pairwise(spans):
        if s2 < e1:
            out.add(["mentions", i2], f"overlaps mentions[{i1}] ({text[s1:e1]!r} at {s1}:{e1}); gold mentions are flat")
    for i, event in enumerate(model.events):
        loc = ["events", i]
        roles = known_roles(event.type)
        if roles is None:
            out.add([*loc, "type"], f"unknown event type {event.type!r}")
        if event.trigger is not None:
            _check_span(text, [*loc, "trigger"], event.trigger.text, event.trigger.start, event.trigger.end, out)
        for j, arg in enumerate(event.arguments):
            aloc: list[str | int] = [*loc, "arguments", j]
            if roles is not None and arg.role not in roles:
                out.add(
                    [*aloc, "role"],
                    f"role {arg.role!r} is not a role of {event.type} (roles: {', '.join(sorted(roles))})",
                )
            enum_key = (event.type, arg.role)
            if enum_key in ENUM_ROLES:
                allowed = ENUM_ROLES[enum_key]
                if allowed is not None and arg.text not in allowed:
                    out.add([*aloc, "text"], f"{arg.role} is one of {', '.join(sorted(allowed))}, not {arg.text!r}")
                if arg.start is not None:
                    out.add([*aloc, "start"], f"{arg.role} is an enumerated value: start and end are null")
                continue
            _check_span(text, aloc, arg.text, arg.start, arg.end, out)


def _resolve_text(model: GoldDocumentModel, root: Path, out: _Collector) -> str | None:
    text = model.text
    if model.clean is not None:
        clean_path = root / model.clean
        try:
            clean = clean_path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            out.add("clean", f"cannot read {clean_path}: {exc}")
            return None
        if text is not None and text != clean:
            out.add(
                "text", f"the inline text differs from {model.clean} (first difference at {_first_diff(text, clean)})"
            )
            return None
        text = clean
    return text


def _first_diff(a: str, b: str) -> int:
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return i
    return min(len(a), len(b))


def validate_document(
    data: Any, *, path: Path, line: int, root: Path, check_files: bool = True
) -> tuple[EvalDoc | None, list[GoldError]]:
    """Validate one parsed line; return the document (or ``None``) and its problems."""
    out = _Collector(path, line)
    if not isinstance(data, dict):
        out.add("(line)", f"a gold line is a JSON object, not {type(data).__name__}")
        return None, out.problems
    try:
        model = GoldDocumentModel.model_validate(data)
    except ValidationError as exc:
        _pydantic_problems(exc, [], out)
        return None, out.problems
    text = _resolve_text(model, root, out)
    if text is None:
        return None, out.problems
    if model.doc_date is not None:
        try:
            datetime.fromisoformat(model.doc_date)
        except ValueError:
            out.add("doc_date", f"{model.doc_date!r} is not a date (YYYY-MM-DD or ISO datetime)")
    if check_files:
        if model.file is not None and not (root / model.file).is_file():
            out.add("file", f"the raw article {root / model.file} does not exist")
        for k, damaged in enumerate(model.damaged):
            if not (root / damaged.file).is_file():
                out.add(["damaged", k, "file"], f"the damaged copy {root / damaged.file} does not exist")
    _check_document(model, text, out)
    if out.problems:
        return None, out.problems
    return to_eval_doc(model, text, path=path, line=line), []


def to_eval_doc(model: GoldDocumentModel, text: str, *, path: Path, line: int) -> EvalDoc:
    """The validated model as the scorer's :class:`EvalDoc`."""
    mentions = tuple(
        sorted(
            (
                EvalMention(m.label, m.start, m.end, m.text, m.value, id=f"g{i + 1}")
                for i, m in enumerate(model.mentions)
            ),
            key=lambda m: (m.start, m.end),
        )
    )
    events = tuple(
        EvalEvent(
            type=e.type,
            arguments=tuple(EvalArgument(a.role, a.text, a.start, a.end) for a in e.arguments),
            trigger=(e.trigger.text, e.trigger.start, e.trigger.end) if e.trigger else None,
            status=e.status,
            id=f"ge{i + 1}",
        )
        for i, e in enumerate(model.events)
    )
    return EvalDoc(
        doc_id=model.doc_id,
        text=text,
        mentions=mentions,
        events=events,
        doc_date=model.doc_date,
        file=model.file,
        damaged=tuple(DamagedCopy(d.file, d.kind, d.scope, d.seed) for d in model.damaged),
        origin=str(path),
        line=line,
        meta={"doc_date_note": model.doc_date_note, "source": model.source},
    )


def iter_jsonl(path: Path) -> Iterable[tuple[int, Any | GoldError]]:
    """Yield ``(line number, parsed object or E401)`` for each non-blank line of ``path``."""
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise GoldError(ErrorCode.E402, path=path, detail=f"cannot be read ({exc.strerror or exc})") from None
    with handle:
        try:
            for number, raw in enumerate(handle, start=1):
                if not raw.strip():
                    continue
                try:
                    yield number, json.loads(raw)
                except json.JSONDecodeError as exc:
                    yield (
                        number,
                        GoldError(
                            ErrorCode.E401,
                            path=path,
                            line=number,
                            field="(line)",
                            detail=f"not valid JSON ({exc.msg} at column {exc.colno})",
                        ),
                    )
        except UnicodeDecodeError as exc:
            raise GoldError(
                ErrorCode.E402, path=path, detail=f"is not UTF-8 ({exc.reason} at byte {exc.start})"
            ) from None


def load_gold(path: Path | str, *, corpus_root: Path | None = None, check_files: bool = True) -> GoldSet:
    """Validate every line of the gold file at ``path`` and return what passed and what did not.

    Raises:
        GoldError: the file cannot be read at all, or holds no document (code E402).

    """
    path = Path(path)
    root = corpus_root or default_corpus_root(path)
    result = GoldSet(path)
    seen: dict[str, int] = {}
    for number, item in iter_jsonl(path):
        if isinstance(item, GoldError):
            result.problems.append(item)
            continue
        doc, problems = validate_document(item, path=path, line=number, root=root, check_files=check_files)
        result.problems.extend(problems)
        if doc is None:
            continue
        if doc.doc_id in seen:
            result.problems.append(
                GoldError(
                    ErrorCode.E401,
                    path=path,
                    line=number,
                    field="doc_id",
                    detail=f"duplicate doc_id {doc.doc_id!r} (first on line {seen[doc.doc_id]})",
                )
            )
            continue
        seen[doc.doc_id] = number
        result.documents.append(doc)
    if not result.documents and not result.problems:
        raise GoldError(ErrorCode.E402, path=path, detail="holds no document")
    return result


def load_gold_files(path: Path | str, *, corpus_root: Path | None = None, check_files: bool = True) -> GoldSet:
    """Load one gold file, or every ``*.jsonl`` of a folder as one set (doc ids unique across files).

    Raises:
        GoldError: a file cannot be read, or the folder holds no gold file (code E402).

    """
    path = Path(path)
    if not path.is_dir():
        return load_gold(path, corpus_root=corpus_root, check_files=check_files)
    files = sorted(path.glob("*.jsonl"))
    if not files:
        raise GoldError(ErrorCode.E402, path=path, detail="holds no *.jsonl gold file")
    merged = GoldSet(path)
    seen: dict[str, str] = {}
    for file in files:
        part = load_gold(file, corpus_root=corpus_root, check_files=check_files)
        merged.problems.extend(part.problems)
        for doc in part.documents:
            if doc.doc_id in seen:
                detail = f"duplicate doc_id {doc.doc_id!r} (also in {seen[doc.doc_id]})"
                merged.problems.append(
                    GoldError(ErrorCode.E401, path=file, line=doc.line, field="doc_id", detail=detail)
                )
                continue
            seen[doc.doc_id] = str(file)
            merged.documents.append(doc)
    return merged


def decimal_equal(a: str | None, b: str | None) -> bool:
    """Compare two decimal strings by value ("1.60" equals "1.6"); ``None`` only equals ``None``."""
    if a is None or b is None:
        return a is b
    try:
        return Decimal(str(a)) == Decimal(str(b))
    except InvalidOperation:
        return str(a) == str(b)
