"""The TOML run config (``--config run.toml``): what a batch job runs with, kept in a file.

Operators and data engineers keep the rule overlays, formats and options of a job in
one file next to their rules instead of on a long command line::

    # run.toml
    rules = ["my_rules", "/srv/shared/zhpipe_rules"]   # overlay folders, in order
    inputs = ["incoming/"]                             # for `zhpipe run`
    out = "outputs"
    format = ["jsonl", "parquet"]
    doc_date = "2025-11-20"                            # usually left out
    simplify = true
    pattern_timeout = 5.0                              # seconds of rule matching per document

    [options]                                          # passed to the stages
    some_stage_option = 1

Relative paths are relative to the config file, so a job folder can be moved as a
whole. Command-line options win over the file; ``--rules`` folders given on the
command line are overlaid after the file's. ``tomllib`` (standard library) reads it;
the schema is a pydantic model, as for rule files, so a typo is an error that names
the file, the line and the field (E207).
"""

from __future__ import annotations

import difflib
import tomllib
from pathlib import Path
from typing import Any

import regex
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pipeline.errors import ErrorCode, PipelineError


class ConfigError(PipelineError):
    """A run config that cannot be read or does not validate (E207, E208)."""


class RunConfig(BaseModel):
    """The settings of a run; every field is optional."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rules: list[Path] = Field(default_factory=list)
    inputs: list[str] = Field(default_factory=list)
    out: Path | None = None
    format: list[str] | None = None
    doc_date: str | None = None
    simplify: bool = True
    pattern_timeout: float | None = Field(default=None, gt=0)
    options: dict[str, Any] = Field(default_factory=dict)
    path: Path | None = Field(default=None, exclude=True)

    @field_validator("format", mode="before")
    @classmethod
    def _split_format(cls, value: Any) -> Any:
        """Accept ``"jsonl,parquet"`` as well as a list."""
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    def stage_options(self) -> dict[str, Any]:
        """Options for :meth:`Pipeline.build` (``simplify``, ``pattern_timeout``, ``[options]``)."""
        out = dict(self.options)
        out["simplify"] = self.simplify
        if self.pattern_timeout is not None:
            out["pattern_timeout"] = self.pattern_timeout
        return out


_FIELDS = sorted(set(RunConfig.model_fields) - {"path"})


def _line_of_key(text: str, key: str) -> int:
    """The line where ``key = ...`` (or ``[key]``) is written; 1 when it cannot be found."""
    name = regex.escape(key)
    pattern = regex.compile(rf"^[ \t]*(?:{name}[ \t]*=|\[[ \t]*{name}[ \t]*\])", regex.MULTILINE)
    m = pattern.search(text)
    return text.count("\n", 0, m.start()) + 1 if m else 1


def load_config(path: Path | str) -> RunConfig:
    """Read and validate a TOML run config; resolve its paths against its folder.

    Raises:
        ConfigError: the file cannot be read, is not TOML (E208), or has a field that
            is unknown or of the wrong type (E207, with line and field).

    """
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise ConfigError(ErrorCode.E208, path=path, detail=f"cannot be read ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(ErrorCode.E208, path=path, detail=f"not UTF-8 ({exc.reason})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(ErrorCode.E208, path=path, detail=f"not valid TOML: {exc}") from None
    try:
        config = RunConfig.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = [str(p) for p in err["loc"]]
        field = ".".join(loc) or "(top level)"
        detail = str(err["msg"])
        if err["type"] == "extra_forbidden":
            close = difflib.get_close_matches(loc[-1], _FIELDS, n=1)
            detail = f"unknown field {loc[-1]!r}" + (
                f" (did you mean {close[0]!r}?)" if close else f"; known: {', '.join(_FIELDS)}"
            )
        if exc.error_count() > 1:
            detail += f" (and {exc.error_count() - 1} more)"
        raise ConfigError(
            ErrorCode.E207, path=path, line=_line_of_key(text, loc[0] if loc else ""), field=field, detail=detail
        ) from None
    base = path.resolve().parent
    return config.model_copy(
        update={
            "rules": [p if p.is_absolute() else base / p for p in config.rules],
            "inputs": [i if i == "-" or Path(i).is_absolute() else str(base / i) for i in config.inputs],
            "out": None if config.out is None else (config.out if config.out.is_absolute() else base / config.out),
            "path": path,
        }
    )
