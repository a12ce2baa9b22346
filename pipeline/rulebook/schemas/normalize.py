"""Schema of ``kind: normalize`` files: boilerplate to drop and context-dependent t2s."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from pipeline.rulebook.schemas.base import Rule, RuleFile, StrictModel


class TransformExample(StrictModel):
    """Normalising ``text`` must give exactly ``expect``."""

    text: str
    expect: str
    simplify: bool = True
    xfail: str | None = None


class BoilerplateRule(Rule):
    """A regular expression (``regex`` module, multiline) whose whole matches are removed.

    Patterns are written against the Simplified shadow of the text, so one rule also
    matches Traditional input.
    """

    pattern: str
    kind_name: Literal["boilerplate", "placeholder"] = "boilerplate"
    examples: list[TransformExample] = Field(default_factory=list)  # type: ignore[assignment]


class ContextConversion(Rule):
    """A character whose Simplified form depends on the word around it.

    ``char`` becomes ``default`` unless the Simplified context at that point starts
    one of the ``keep`` words (then ``char`` stays as it is).
    """

    char: str = Field(min_length=1, max_length=1)
    default: str = Field(min_length=1, max_length=1)
    keep: list[str] = Field(default_factory=list)
    examples: list[TransformExample] = Field(default_factory=list)  # type: ignore[assignment]


class NormalizeFile(RuleFile):
    """``kind: normalize``."""

    kind: Literal["normalize"]
    boilerplate: list[BoilerplateRule] = Field(default_factory=list)
    conversions: list[ContextConversion] = Field(default_factory=list)
    examples: list[TransformExample] = Field(default_factory=list)
