"""What every stage shares: the document under work, the stage protocol, the registry.

A stage is built by a *factory* (``make_stage(name, context)``) and is a callable with
a ``name`` and the document fields it ``requires`` and ``assigns``, as in spaCy. The
pipeline checks that every field a stage requires was assigned by an earlier stage.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple, Protocol, runtime_checkable

from pipeline.offsets import OffsetMap
from pipeline.records import Event, Mention, MentionValue, Repair
from pipeline.rulebook.loader import Rulebook
from pipeline.rulebook.patterns import Deadline


class Token(NamedTuple):
    """A segmenter token: its text and its span in the normalised text.

    A named tuple rather than a dataclass: a document has one per word, and tuples are
    made several times faster (``Token._make`` straight from the segmenter's triples).
    """

    text: str
    start: int
    end: int


@dataclass(slots=True)
class Candidate:
    """A proposed mention before overlaps between rules and models are settled."""

    label: str
    start: int
    end: int
    value: MentionValue | None
    source: str
    priority: int = 0
    confidence: float = 1.0

    @property
    def length(self) -> int:
        """Number of characters the candidate covers."""
        return self.end - self.start


@dataclass(frozen=True, slots=True)
class TraceEntry:
    """One decision a stage made, kept for ``zhpipe rules explain``."""

    stage: str
    action: str
    source: str
    span: tuple[int, int]
    detail: str


@dataclass(slots=True)
class WorkDoc:
    """The mutable document the stages work on; turned into a frozen record at the end."""

    raw: str
    doc_id: str
    source: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    encoding: str = "str"
    text: str = ""
    offset_map: OffsetMap | None = None
    repairs: tuple[Repair, ...] = ()
    tokens: list[Token] = field(default_factory=list)
    doc_date: datetime | None = None
    doc_date_origin: str = "none"
    candidates: list[Candidate] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    trace: list[TraceEntry] | None = None
    # The time budget of this document's rule patterns (see pipeline.rulebook.patterns).
    deadline: Deadline | None = None

    def note(self, stage: str, action: str, source: str, span: tuple[int, int], detail: str) -> None:
        """Record a decision when tracing is on (it costs nothing otherwise)."""
        if self.trace is not None:
            self.trace.append(TraceEntry(stage, action, source, span, detail))


@dataclass(frozen=True, slots=True)
class StageContext:
    """What a factory may use to build its stage: the rules, the run options, shared resources.

    ``shared`` hands out one instance per pipeline of a heavy resource (the jieba
    tokenizer) to every stage that asks for it, so it is built and held once.
    """

    rulebook: Rulebook
    options: dict[str, Any] = field(default_factory=dict)
    resources: dict[str, Any] = field(default_factory=dict)

    def shared(self, name: str, factory: Callable[[], Any]) -> Any:
        """The pipeline's resource called ``name``, built by ``factory`` the first time."""
        if name not in self.resources:
            self.resources[name] = factory()
        return self.resources[name]


@runtime_checkable
class Stage(Protocol):
    """A pipeline stage: reads the fields it requires, writes the fields it assigns."""

    name: str
    requires: tuple[str, ...]
    assigns: tuple[str, ...]

    def __call__(self, doc: WorkDoc) -> None:
        """Process one document in place."""


StageFactory = Callable[[StageContext], Stage]
_FACTORIES: dict[str, StageFactory] = {}


def stage_factory(name: str) -> Callable[[StageFactory], StageFactory]:
    """Register a stage factory under ``name`` (done once, at import time)."""

    def register(factory: StageFactory) -> StageFactory:
        if name in _FACTORIES and _FACTORIES[name] is not factory:
            raise ValueError(f"stage factory {name!r} registered twice")
        _FACTORIES[name] = factory
        return factory

    return register


def make_stage(name: str, context: StageContext) -> Stage:
    """Build the stage registered as ``name``."""
    try:
        factory = _FACTORIES[name]
    except KeyError:
        known = ", ".join(sorted(_FACTORIES))
        raise KeyError(f"no stage named {name!r} (known: {known})") from None
    return factory(context)


def registered_stages() -> list[str]:
    """Names of every registered stage factory."""
    return sorted(_FACTORIES)


@dataclass(slots=True)
class FunctionStage:
    """A stage made of a plain function plus its declared fields."""

    name: str
    requires: tuple[str, ...]
    assigns: tuple[str, ...]
    func: Callable[[WorkDoc], None]

    def __call__(self, doc: WorkDoc) -> None:
        """Run the wrapped function on ``doc``."""
        self.func(doc)
