"""Load rule folders: validate each file against its schema, merge overlays, check ids.

The built-in rules live in the repository's top-level ``rules/`` folder (shipped in the
wheel as ``pipeline/_rules``). User folders given with ``--rules`` are overlays: their
files are merged onto the built-in ones kind by kind, in the order given.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from pipeline.errors import ErrorCode, RuleError
from pipeline.rulebook.schemas import KIND_SCHEMAS
from pipeline.rulebook.schemas.base import RuleFile
from pipeline.rulebook.yamlsrc import line_of, load_yaml

RULE_SUFFIXES = (".yaml", ".yml")


def builtin_rules_dir() -> Path:
    """Return the folder of the built-in rules (installed copy first, then the checkout)."""
    package_dir = Path(__file__).resolve().parent.parent
    shipped = package_dir / "_rules"
    if shipped.is_dir():
        return shipped
    return package_dir.parent / "rules"


@dataclass(frozen=True, slots=True)
class LoadedFile:
    """One validated rule file."""

    path: Path
    kind: str
    model: RuleFile
    sha256: str
    layer: int


def _format_loc(loc: Sequence[str | int]) -> str:
    return ".".join(str(p) for p in loc) or "(top level)"


def load_rule_file(path: Path, layer: int = 0) -> LoadedFile | None:
    """Parse and validate one rule file; return ``None`` for files without a ``kind``.

    Raises:
        RuleError: the file is not valid YAML, names an unknown kind, or does not fit
            its schema (the message names the file, line and field).

    """
    data_bytes = path.read_bytes()
    try:
        data = load_yaml(path)
    except Exception as exc:  # yaml.YAMLError and decoding errors
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            raise RuleError(
                ErrorCode.E202, path=path, line=mark.line + 1, field="(syntax)", detail=str(exc).splitlines()[0]
            ) from None
        raise RuleError(ErrorCode.E201, path=path, detail=f"not valid YAML: {exc}") from None
    if data is None:
        return None
    if not isinstance(data, dict):
        raise RuleError(ErrorCode.E202, path=path, line=1, field="(top level)", detail="expected a mapping")
    kind = data.get("kind")
    if kind is None:
        raise RuleError(ErrorCode.E202, path=path, line=1, field="kind", detail="every rule file needs a kind")
    schema = KIND_SCHEMAS.get(str(kind))
    if schema is None:
        raise RuleError(ErrorCode.E205, path=path, kind=kind, known=", ".join(sorted(KIND_SCHEMAS)))
    try:
        model = schema.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(first["loc"])
        raise RuleError(
            ErrorCode.E202,
            path=path,
            line=line_of(path, loc) or 1,
            field=_format_loc(loc),
            detail=first["msg"] + (f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""),
        ) from None
    return LoadedFile(path, str(kind), model, hashlib.sha256(data_bytes).hexdigest(), layer)


def _rule_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix in RULE_SUFFIXES and p.is_file())


def _items_with_ids(
    model: BaseModel, prefix: tuple[str | int, ...] = ()
) -> Iterable[tuple[str, BaseModel, tuple[str | int, ...]]]:
    """Yield ``(id, item, location)`` for every rule with an ``id`` in a file."""
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, BaseModel):
                    item_id = getattr(item, "id", None)
                    if isinstance(item_id, str):
                        yield item_id, item, (*prefix, name, i)


def _merge_lists(base: list[Any], extra: list[Any]) -> list[Any]:
    """Concatenate two rule lists, letting ``replaces`` (or a repeated key) drop the old item."""
    out = list(base)
    for item in extra:
        replaced = getattr(item, "replaces", None)
        key = _overlay_key(item)
        if replaced is not None:
            out = [old for old in out if getattr(old, "id", None) != replaced]
        elif key is not None:
            out = [old for old in out if _overlay_key(old) != key]
        out.append(item)
    return out


def _overlay_key(item: Any) -> str | None:
    """Items without ids (gazetteer entries) are keyed by their ``name``."""
    if isinstance(item, BaseModel) and getattr(item, "id", None) is None:
        name = getattr(item, "name", None)
        return name if isinstance(name, str) else None
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

    def hashes(self) -> dict[str, str]:
        """SHA-256 of every rule file, keyed by path (for the run manifest)."""
        return {str(f.path): f.sha256 for f in self.files}

    def fingerprint(self) -> str:
        """One hash over every rule file: changes when any rule changes."""
        digest = hashlib.sha256()
        for f in self.files:
            digest.update(f.sha256.encode())
        return digest.hexdigest()[:16]


def load_rulebook(overlays: Sequence[Path | str] = (), *, include_builtin: bool = True) -> Rulebook:
    """Load the built-in rules and the given overlay folders (or single files).

    Raises:
        RuleError: a file does not validate, or a rule id repeats without ``replaces``.

    """
    dirs: list[Path] = [builtin_rules_dir()] if include_builtin else []
    dirs.extend(Path(d) for d in overlays)
    loaded: list[LoadedFile] = []
    for layer, folder in enumerate(dirs):
        paths = [folder] if folder.is_file() else _rule_files(folder)
        if not folder.exists():
            raise RuleError(ErrorCode.E201, path=folder, detail="no such file or folder")
        for path in paths:
            item = load_rule_file(path, layer)
            if item is not None:
                loaded.append(item)
    _check_unique_ids(loaded)
    return Rulebook(tuple(dirs), tuple(loaded))


def _check_unique_ids(files: Sequence[LoadedFile]) -> None:
    seen: dict[str, tuple[Path, tuple[str | int, ...]]] = {}
    for f in files:
        for rule_id, item, loc in _items_with_ids(f.model):
            replaces = getattr(item, "replaces", None)
            if rule_id in seen and replaces != rule_id:
                first_path, first_loc = seen[rule_id]
                raise RuleError(
                    ErrorCode.E203,
                    path=f.path,
                    line=line_of(f.path, loc) or 1,
                    rule_id=rule_id,
                    first=f"{first_path}:{line_of(first_path, first_loc) or 1}",
                )
            if replaces is not None and replaces not in seen:
                raise RuleError(
                    ErrorCode.E202,
                    path=f.path,
                    line=line_of(f.path, (*loc, "replaces")) or 1,
                    field=_format_loc((*loc, "replaces")),
                    detail=f"replaces {replaces!r}, but no earlier rule has that id",
                )
            seen.setdefault(rule_id, (f.path, loc))
