"""Shared pieces of every rule file schema: rules with ids, inline examples, negatives."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class StrictModel(BaseModel):
    """A rule-file model that rejects unknown fields, so a typo is an error, not a no-op."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Example(StrictModel):
    """A positive example: running the pipeline on ``text`` must produce this mention.

    ``span`` is the expected mention text (default: the whole ``text``); ``value``
    lists the value fields that must match (others are not checked); ``ref`` is the
    reference date for relative expressions (default: the file's ``reference_time``).
    ``xfail`` marks a known failure with its reason: it is reported, not failed.
    """

    text: str
    span: str | None = None
    label: str | None = None
    value: dict[str, Any] = Field(default_factory=dict)
    ref: str | None = None
    xfail: str | None = None


class Negative(StrictModel):
    """A negative example: the pipeline must not produce a mention with ``label``.

    With ``span`` set, only mentions overlapping that substring count; with ``type``
    set (event files), no event of that type may come out.
    """

    text: str
    label: str | None = None
    span: str | None = None
    type: str | None = None
    ref: str | None = None
    xfail: str | None = None
    note: str | None = None


class Rule(StrictModel):
    """A rule with a unique id. An overlay rule may ``replaces`` a built-in one by id."""

    id: str = Field(pattern=r"^[A-Za-z0-9_]+(\.[A-Za-z0-9_\-]+)+$")
    replaces: str | None = None
    priority: int = 0
    description: str | None = None
    examples: list[Example] = Field(default_factory=list)


class RuleFile(StrictModel):
    """Fields every rule file has; ``kind`` picks the schema."""

    kind: str
    version: int = 1
    description: str | None = None
    reference_time: str | None = None
    negatives: list[Negative] = Field(default_factory=list)
