"""Load rule folders: validate each file against its schema, merge overlays, check ids and patterns.

The built-in rules live in the repository's top-level ``rules/`` folder (shipped in the
wheel as ``pipeline/_rules``). User folders given with ``--rules`` are overlays: their
files are merged onto the built-in ones kind by kind, in the order given (see
``rules/README.md``, "Overlays").

Every problem is a :class:`~pipeline.errors.RuleError` whose message names the file,
the line and the field. :func:`load_rulebook` raises the first one (a pipeline never
runs on rules that do not validate); :func:`scan_rulebook` collects them all, for
``zhpipe rules lint``.
"""

from __future__ import annotations

import difflib
import hashlib
import types
import typing
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import regex
import yaml
from pydantic import BaseModel, ValidationError

from pipeline.errors import ErrorCode, RuleError
from pipeline.rulebook.patterns import KIND_FLAGS, validation_source
from pipeline.rulebook.schemas import KIND_SCHEMAS
from pipeline.rulebook.schemas.base import RuleFile
from pipeline.rulebook.yamlsrc import LineIndex, YamlProblem, line_of, parse_yaml

RULE_SUFFIXES = (".yaml", ".yml")
Location = tuple[str | int, ...]


def builtin_rules_dir() -> Path:
    """Return the folder of the built-in rules (installed copy first, then the checkout)."""
    package_dir = Path(__file__).resolve().parent.parent
    shipped = package_dir / "_rules"
    if shipped.is_dir():
        return shipped
    return package_dir.parent / "rules"


@dataclass(frozen=True, slots=True)
class LoadedFile:
    """One validated rule file; ``layer`` 0 is the built-in folder, overlays follow."""

    path: Path
    kind: str
    model: RuleFile
    sha256: str
    layer: int


def format_loc(loc: Sequence[str | int]) -> str:
    """A location as a dotted field path (``types.3.roles.0.label``)."""
    return ".".join(str(p) for p in loc) or "(top level)"


# ---------------------------------------------------------------------------
# One file


def _existing_prefix(data: Any, loc: Location) -> Location:
    """The longest prefix of ``loc`` that exists in ``data`` (drops pydantic's union tags)."""
    out: list[str | int] = []
    node = data
    for step in loc:
        if isinstance(node, Mapping):
            if step not in node:
                break
            node = node[step]
        elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
            node = node[step]
        else:
            break
        out.append(step)
    return tuple(out)


def _model_at(schema: type[BaseModel], loc: Location) -> type[BaseModel] | None:
    """The model class that holds the value at ``loc`` (to suggest field names)."""
    current: Any = schema
    for step in loc:
        if isinstance(step, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        info = current.model_fields.get(step)
        if info is None:
            return None
        current = _inner_model(info.annotation)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _inner_model(annotation: Any) -> Any:
    """The model class inside ``list[M]``, ``dict[str, M]``, ``M | None``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin in (list, dict, typing.Union, types.UnionType):
        for arg in reversed(typing.get_args(annotation)):
            found = _inner_model(arg)
            if found is not None:
                return found
    return None


def _validation_errors(
    path: Path, schema: type[RuleFile], data: Any, exc: ValidationError, lines: LineIndex
) -> list[RuleError]:
    """One error per field (union alternatives folded into one message)."""
    by_loc: dict[Location, list[str]] = {}
    for err in exc.errors():
        loc = tuple(err["loc"])
        if err["type"] != "missing":
            loc = _existing_prefix(data, loc) or loc
        msg = str(err["msg"])
        if err["type"] == "extra_forbidden":
            holder = _model_at(schema, loc[:-1])
            known = sorted(holder.model_fields) if holder is not None else []
            close = difflib.get_close_matches(str(loc[-1]), known, n=1)
            msg = f"unknown field {loc[-1]!r}" + (f" (did you mean {close[0]!r}?)" if close else "")
            if known and not close:
                msg += f"; allowed: {', '.join(known)}"
        elif err["type"] == "missing":
            msg = f"required field {loc[-1]!r} is missing"
        messages = by_loc.setdefault(loc, [])
        if msg not in messages:
            messages.append(msg)
    return [
        RuleError(ErrorCode.E202, path=path, line=lines.line(loc) or 1, field=format_loc(loc), detail=" or ".join(msgs))
        for loc, msgs in by_loc.items()
    ]


def read_rule_file(path: Path, layer: int = 0) -> tuple[LoadedFile | None, list[RuleError]]:
    """Parse and validate one rule file; return it (``None`` if empty or invalid) and every error.

    A file needs a ``kind`` that names a schema; everything in it must fit that schema.
    """
    try:
        data_bytes = path.read_bytes()
    except OSError as exc:
        return None, [RuleError(ErrorCode.E201, path=path, detail=f"cannot be read ({exc.strerror or exc})")]
    try:
        text = data_bytes.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data_bytes[: exc.start].count(b"\n") + 1
        return None, [RuleError(ErrorCode.E201, path=path, detail=f"not UTF-8 (line {line}, byte {exc.start})")]
    try:
        data, node = parse_yaml(text)
    except YamlProblem as problem:
        return None, [
            RuleError(
                ErrorCode.E202,
                path=path,
                line=problem.line,
                field=format_loc(problem.location),
                detail=problem.detail,
            )
        ]
    except yaml.YAMLError as exc:
        return None, [_yaml_error(path, exc)]
    if data is None:
        return None, []
    if not isinstance(data, dict):
        return None, [
            RuleError(ErrorCode.E202, path=path, line=1, field="(top level)", detail="expected a mapping with a kind")
        ]
    kind = data.get("kind")
    if kind is None:
        return None, [RuleError(ErrorCode.E202, path=path, line=1, field="kind", detail="every rule file needs a kind")]
    schema = KIND_SCHEMAS.get(str(kind))
    if schema is None:
        return None, [RuleError(ErrorCode.E205, path=path, kind=kind, known=", ".join(sorted(KIND_SCHEMAS)))]
    try:
        model = schema.model_validate(data)
    except ValidationError as exc:
        return None, _validation_errors(path, schema, data, exc, LineIndex(node))
    return LoadedFile(path, str(kind), model, hashlib.sha256(data_bytes).hexdigest(), layer), []


def _yaml_error(path: Path, exc: yaml.YAMLError) -> RuleError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if isinstance(exc, yaml.constructor.ConstructorError) and "python/" in str(problem):
        problem = f"{problem}: rule files are loaded with the safe loader and never construct Python objects"
    if mark is not None:
        return RuleError(ErrorCode.E202, path=path, line=mark.line + 1, field="(syntax)", detail=problem)
    return RuleError(ErrorCode.E201, path=path, detail=f"not valid YAML: {problem}")


def load_rule_file(path: Path, layer: int = 0) -> LoadedFile | None:
    """Parse and validate one rule file; return ``None`` for an empty file.

    Raises:
        RuleError: the file is not valid YAML, names an unknown kind, or does not fit
            its schema (the message names the file, line and field).

    """
    loaded, errors = read_rule_file(path, layer)
    if errors:
        raise errors[0]
    return loaded


def rule_files(folder: Path) -> list[Path]:
    """The rule files of a folder (recursive, sorted) or the file itself."""
    if folder.is_file():
        return [folder]
    return sorted(p for p in folder.rglob("*") if p.suffix in RULE_SUFFIXES and p.is_file())


# ---------------------------------------------------------------------------
# Merging


def list_items(model: BaseModel) -> Iterator[tuple[str, int, Any]]:
    """``(field, index, item)`` of every item of every list field of a rule file (rules, entries ...)."""
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, list):
            for i, item in enumerate(value):
                yield name, i, item


def rules_with_ids(model: BaseModel) -> Iterator[tuple[str, Any, Location]]:
    """Yield ``(id, item, location)`` for every rule with an ``id`` in a file."""
    for name, i, item in list_items(model):
        item_id = getattr(item, "id", None) if isinstance(item, BaseModel) else None
        if isinstance(item_id, str):
            yield item_id, item, (name, i)


def _merge_lists(base: list[Any], extra: list[Any]) -> list[Any]:
    """Concatenate two rule lists, letting ``replaces`` (or a repeated key) drop the old item.

    An item of ``extra`` drops every item before it (of ``base`` or of ``extra``) with
    the id it replaces or, without ``replaces``, with its overlay key. The positions of
    each id and key are indexed, so a gazetteer of many thousand entries merges in one
    pass instead of one pass over the list per entry.
    """
    out = list(base)
    alive = [True] * len(out)
    by_id: dict[str, list[int]] = {}
    by_key: dict[str, list[int]] = {}

    def index(position: int, item: Any) -> None:
        item_id = getattr(item, "id", None)
        if isinstance(item_id, str):
            by_id.setdefault(item_id, []).append(position)
        key = overlay_key(item)
        if key is not None:
            by_key.setdefault(key, []).append(position)

    for position, item in enumerate(out):
        index(position, item)
    for item in extra:
        replaced = getattr(item, "replaces", None)
        key = overlay_key(item)
        if replaced is not None:
            for position in by_id.pop(replaced, ()):
                alive[position] = False
        elif key is not None:
            for position in by_key.pop(key, ()):
                alive[position] = False
        index(len(out), item)
        out.append(item)
        alive.append(True)
    return [item for item, keep in zip(out, alive, strict=True) if keep]


def overlay_key(item: Any) -> str | None:
    """Items without ids (gazetteer entries, currencies) are keyed by ``name`` or ``code``."""
    if isinstance(item, BaseModel) and getattr(item, "id", None) is None:
        for attr in ("name", "code"):
            value = getattr(item, attr, None)
            if isinstance(value, str):
                return value
    return None


def merge_models(models: Sequence[RuleFile]) -> RuleFile:
    """Merge files of one kind: lists concatenate (with replacement), mappings update."""
    merged: dict[str, Any] = {}
    first = models[0]
    for name in type(first).model_fields:
        merged[name] = getattr(first, name)
    for model in models[1:]:
        for name in model.model_fields_set | {
            n for n in type(model).model_fields if isinstance(getattr(model, n), list)
        }:
            value = getattr(model, name)
            if isinstance(value, list):
                merged[name] = _merge_lists(merged.get(name, []), value)
            elif isinstance(value, dict):
                merged[name] = {**merged.get(name, {}), **value}
            elif name in model.model_fields_set:
                merged[name] = value
    return type(first).model_construct(**merged)


@dataclass
class Rulebook:
    """Every rule file of the built-in folder plus overlays, validated and merged by kind."""

    dirs: tuple[Path, ...]
    files: tuple[LoadedFile, ...]
    _merged: dict[str, RuleFile] = field(default_factory=dict, repr=False)
    _active: dict[str, set[int]] = field(default_factory=dict, repr=False)

    def kinds(self) -> list[str]:
        """Kinds that have at least one file."""
        return sorted({f.kind for f in self.files})

    def get(self, kind: str) -> RuleFile | None:
        """Return the merged rules of ``kind`` (``None`` if no file has that kind)."""
        if kind not in self._merged:
            models = [f.model for f in self.files if f.kind == kind]
            if not models:
                return None
            self._merged[kind] = merge_models(models)
        return self._merged[kind]

    def require(self, kind: str) -> RuleFile:
        """Return the merged rules of ``kind``; raise if there are none."""
        model = self.get(kind)
        if model is None:
            raise RuleError(
                ErrorCode.E201, path=", ".join(map(str, self.dirs)), detail=f"no rule file of kind {kind!r}"
            )
        return model

    def is_active(self, kind: str, item: object) -> bool:
        """False when a later overlay replaced ``item`` (by ``replaces``, or by repeating its name)."""
        if kind not in self._active:
            merged = self.get(kind)
            ids: set[int] = set()
            if merged is not None:
                ids.update(id(item) for _name, _i, item in list_items(merged))
            self._active[kind] = ids
        return id(item) in self._active[kind]

    def hashes(self) -> dict[str, str]:
        """SHA-256 of every rule file, keyed by path (for the run manifest)."""
        return {str(f.path): f.sha256 for f in self.files}

    def fingerprint(self) -> str:
        """One hash over every rule file: changes when any rule changes."""
        digest = hashlib.sha256()
        for f in self.files:
            digest.update(f.sha256.encode())
        return digest.hexdigest()[:16]


# ---------------------------------------------------------------------------
# Checks across files


class _LazyLines:
    """A file's line index, parsed only when an error needs a line."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._index: LineIndex | None = None

    def line(self, location: Sequence[str | int]) -> int | None:
        if self._index is None:
            self._index = LineIndex.of(self.path)
        return self._index.line(location)


def _check_ids(files: Sequence[LoadedFile]) -> Iterator[RuleError]:
    """Rule ids are unique across every file and overlay, unless a later rule ``replaces`` one."""
    seen: dict[str, tuple[LoadedFile, Location]] = {}
    for f in files:
        lines = _LazyLines(f.path)
        for rule_id, item, loc in rules_with_ids(f.model):
            replaces = getattr(item, "replaces", None)
            if rule_id in seen and replaces != rule_id:
                first_file, first_loc = seen[rule_id]
                yield RuleError(
                    ErrorCode.E203,
                    path=f.path,
                    line=lines.line(loc) or 1,
                    rule_id=rule_id,
                    first=f"{first_file.path}:{line_of(first_file.path, first_loc) or 1}",
                )
            if replaces is not None:
                target = seen.get(replaces)
                problem = None
                if target is None:
                    problem = f"replaces {replaces!r}, but no earlier rule has that id"
                elif target[0].kind != f.kind or target[1][0] != loc[0]:
                    problem = (
                        f"replaces {replaces!r}, which is a {target[0].kind} {target[1][0]} rule "
                        f"(this is a {f.kind} {loc[0]} rule)"
                    )
                elif target[0].layer >= f.layer:
                    problem = (
                        f"replaces {replaces!r} from {target[0].path}, which is not an earlier layer "
                        "(a rule can only replace one of the built-in rules or of an earlier overlay)"
                    )
                if problem is not None:
                    yield RuleError(
                        ErrorCode.E202,
                        path=f.path,
                        line=lines.line((*loc, "replaces")) or 1,
                        field=format_loc((*loc, "replaces")),
                        detail=problem,
                    )
            seen.setdefault(rule_id, (f, loc))


def pattern_fields(
    model: BaseModel, loc: Location = (), rule_id: str | None = None
) -> Iterator[tuple[Location, str, str | None]]:
    """Every regular expression in a rule file, with its location and the id of its rule.

    A field holds a pattern when it is called ``pattern`` (or ``..._pattern``), is a
    list of strings called ``patterns``, or is marked ``json_schema_extra={"regex": True}``.
    """
    own_id = getattr(model, "id", None)
    rule = own_id if isinstance(own_id, str) else rule_id
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        is_pattern = name == "pattern" or name.endswith("_pattern") or extra.get("regex") is True
        here = (*loc, name)
        if isinstance(value, str) and is_pattern:
            yield here, value, rule
        elif isinstance(value, BaseModel):
            yield from pattern_fields(value, here, rule)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, BaseModel):
                    yield from pattern_fields(item, (*here, i), rule)
                elif isinstance(item, str) and (is_pattern or name == "patterns"):
                    yield (*here, i), item, rule
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(item, BaseModel):
                    yield from pattern_fields(item, (*here, key), rule)


def _check_patterns(files: Sequence[LoadedFile], merged: Mapping[str, RuleFile]) -> Iterator[RuleError]:
    """Every pattern and macro compiles with the ``regex`` module, with the merged macros of its kind."""
    for f in files:
        macros: dict[str, str] = dict(getattr(merged.get(f.kind), "macros", None) or {})
        flags = KIND_FLAGS.get(f.kind, 0)
        lines = _LazyLines(f.path)
        checks: list[tuple[Location, str, str]] = [
            (("macros", name), value, f"macro {name}")
            for name, value in (getattr(f.model, "macros", None) or {}).items()
        ]
        checks += [(loc, pattern, rule_id or format_loc(loc)) for loc, pattern, rule_id in pattern_fields(f.model)]
        for loc, pattern, rule_id in checks:
            try:
                regex.compile(validation_source(pattern, macros, f.kind), flags)
                continue
            except regex.error as exc:
                detail = str(exc)
            except ValueError as exc:
                detail = str(exc)
            yield RuleError(ErrorCode.E204, path=f.path, line=lines.line(loc) or 1, rule_id=rule_id, detail=detail)


def check_rulebook(rulebook: Rulebook) -> list[RuleError]:
    """Problems across the files of a rulebook: repeated ids, bad ``replaces``, patterns that do not compile."""
    merged = {kind: model for kind in rulebook.kinds() if (model := rulebook.get(kind)) is not None}
    return [*_check_ids(rulebook.files), *_check_patterns(rulebook.files, merged)]


def scan_rulebook(
    overlays: Sequence[Path | str] = (), *, include_builtin: bool = True
) -> tuple[Rulebook, list[RuleError]]:
    """Load what validates and collect every problem (for ``zhpipe rules lint``).

    The rulebook holds only the files that validated; the errors name every file,
    line and field that did not.
    """
    dirs: list[Path] = [builtin_rules_dir()] if include_builtin else []
    dirs.extend(Path(d) for d in overlays)
    loaded: list[LoadedFile] = []
    errors: list[RuleError] = []
    for layer, folder in enumerate(dirs):
        if not folder.exists():
            errors.append(RuleError(ErrorCode.E201, path=folder, detail="no such file or folder"))
            continue
        for path in rule_files(folder):
            item, problems = read_rule_file(path, layer)
            errors.extend(problems)
            if item is not None:
                loaded.append(item)
    rulebook = Rulebook(tuple(dirs), tuple(loaded))
    errors.extend(check_rulebook(rulebook))
    return rulebook, errors


# Rulebooks this process has loaded, by their folders and the content of every file:
# a batch run's driver reads the rules for the manifest and then builds the pipeline
# from the same folders, and parsing and validating them is most of a second.
_LOADED: dict[tuple[object, ...], Rulebook] = {}
_MAX_LOADED = 4


def load_rulebook(overlays: Sequence[Path | str] = (), *, include_builtin: bool = True) -> Rulebook:
    """Load the built-in rules and the given overlay folders (or single files).

    A rulebook is only read; loading the same folders again while no file in them has
    changed (same paths, same bytes) gives the rulebook loaded before.

    Raises:
        RuleError: a file does not validate, a rule id repeats without ``replaces``,
            or a pattern does not compile (the first problem found).

    """
    key = _content_key(overlays, include_builtin)
    cached = _LOADED.get(key) if key is not None else None
    if cached is not None:
        return cached
    rulebook, errors = scan_rulebook(overlays, include_builtin=include_builtin)
    if errors:
        raise errors[0]
    if key is not None:
        if len(_LOADED) >= _MAX_LOADED:
            _LOADED.pop(next(iter(_LOADED)))
        _LOADED[key] = rulebook
    return rulebook


def _content_key(overlays: Sequence[Path | str], include_builtin: bool) -> tuple[object, ...] | None:
    """The folders and every rule file's path and SHA-256, as :func:`scan_rulebook` would read them (or ``None``)."""
    dirs: list[Path] = [builtin_rules_dir()] if include_builtin else []
    dirs.extend(Path(d) for d in overlays)
    files: list[tuple[int, str, str]] = []
    for layer, folder in enumerate(dirs):
        if not folder.exists():
            return None
        for path in rule_files(folder):
            try:
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
            except OSError:
                return None
            files.append((layer, str(path), digest))
    return tuple(str(d) for d in dirs), tuple(files)
