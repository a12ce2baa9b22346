"""Schema of ``kind: events`` files: event types, their triggers and argument roles."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from pipeline.rulebook.schemas.base import Rule, RuleFile, StrictModel


class EventExample(StrictModel):
    """Running the pipeline on ``text`` must give an event of this type with these arguments.

    ``arguments`` maps a role to the argument text (or several texts) that must be
    among the event's arguments; other arguments are not checked.
    """

    text: str
    type: str | None = None
    status: str | None = None
    arguments: dict[str, str | list[str]] = Field(default_factory=dict)
    ref: str | None = None
    xfail: str | None = None


class RoleSpec(StrictModel):
    """How one role is filled: by a mention label (and value kind), a pattern, or an enumeration.

    ``side``: where the filler sits relative to the trigger (``before``, ``after``,
    ``any``); ``document`` lets the role fall back to the document's main organisation.
    ``enum`` maps each normalised value to the cue words that select it.
    """

    role: str
    label: Literal["DATE", "AMOUNT", "ORG", "PERSON", "PRODUCT"] | None = None
    amount_kinds: list[str] = Field(default_factory=list)
    pattern: str | None = None
    enum: dict[str, list[str]] = Field(default_factory=dict)
    default: str | None = None
    side: Literal["before", "after", "any"] = "any"
    # Words right before (or, with a leading "~", right after) a filler that mark it for this role.
    cues: list[str] = Field(default_factory=list)
    # Only cued fillers count (a 披露时间 needs 公告/宣布 near it).
    cued_only: bool = False
    many: bool = False
    # Where ``many`` fillers are collected: the trigger's clause, the whole sentence,
    # or the clause falling back to the sentence when the clause has none.
    scope: Literal["clause", "sentence", "nearest_clause"] = "clause"
    # For ORG fillers: only organisations of these types (上市公司 is not a regulator).
    org_types: list[str] = Field(default_factory=list)
    document: bool = False
    # One event per filler of this role (one per person in 张帆、魏伟等出走).
    split: bool = False


class EventType(Rule):
    """One event type: its trigger words and roles."""

    type: str
    triggers: list[str] = Field(min_length=1)
    # A trigger only counts when none of these words contains it (上市公司 is not a listing).
    not_in: list[str] = Field(default_factory=list)
    roles: list[RoleSpec] = Field(default_factory=list)
    # The event needs at least one of these roles filled from its own sentence.
    requires_any: list[str] = Field(default_factory=list)
    # Two events of this type in one document are one happening when these roles agree.
    merge_on: list[str] = Field(default_factory=list)
    # When the event is split per person, these roles take the person's title and organisation.
    person_title_role: str | None = None
    person_org_role: str | None = None
    examples: list[EventExample] = Field(default_factory=list)  # type: ignore[assignment]


class StatusCue(Rule):
    """Words that set an event's status, looked for in its sentence (and ``after`` sentences)."""

    status: Literal["denied", "planned", "reported", "negated"]
    words: list[str] = Field(min_length=1)
    after_sentences: int = 0
    before_trigger_only: bool = False


class EventsFile(RuleFile):
    """``kind: events``."""

    kind: Literal["events"]
    types: list[EventType] = Field(default_factory=list)
    status: list[StatusCue] = Field(default_factory=list)
