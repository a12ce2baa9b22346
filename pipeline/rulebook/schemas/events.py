"""Schema of ``kind: events`` files: event types, their triggers and argument roles."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from pipeline.rulebook.schemas.base import Negative, Rule, RuleFile, StrictModel


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
    label: Literal["DATE", "AMOUNT", "ORG", "PERSON", "PRODUCT", "TEXT"] | None = None
    # Only fillers of these value kinds (money, shares, percent; company; a TEXT filler's kind).
    kinds: list[str] = Field(default_factory=list)
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
    # One value per event (one 披露时间): the best-supported filler is kept.
    single: bool = False
    # Never the same name (or a variant of it) as these roles of the event: a shareholder who
    # pledges shares is not the company whose shares they are. The listed roles keep the name.
    not_same_as: list[str] = Field(default_factory=list)
    # A total (shares, a sum of money) that the text writes twice, once rounded (a headline's
    # 2.71万 for the body's 27,148), is one figure: only its most precise writing fills the role.
    # Not for prices or ratios, which DuEE-fin annotates as often as they are written.
    one_figure: bool = False


class EventType(Rule):
    """One event type: its trigger words and roles."""

    type: str
    # Words that announce the event unless the sentence classifier gives it less than ``model.keep``.
    triggers: list[str] = Field(min_length=1)
    # Words so specific that the classifier is not asked (上市辅导, 裁员).
    strong_triggers: list[str] = Field(default_factory=list)
    # Words that announce the event only when the classifier gives at least ``model.weak`` (成交, 购买).
    weak_triggers: list[str] = Field(default_factory=list)
    # A trigger only counts when none of these words contains it (上市公司 is not a listing).
    not_in: list[str] = Field(default_factory=list)
    # A trigger does not count after one of these words in its sentence: the sentence tells of
    # something else (激励对象…离职 is a share-incentive participant leaving, not an executive).
    not_after: list[str] = Field(default_factory=list)
    # A trigger does not count when one of these words follows it in its clause: the clause
    # tells of something else (公司收购…原料煤均价 buys goods, it acquires no company).
    not_before: list[str] = Field(default_factory=list)
    roles: list[RoleSpec] = Field(default_factory=list)
    # The event needs at least one of these roles filled from its own sentence.
    requires_any: list[str] = Field(default_factory=list)
    # Every finished event needs all of these roles (from anywhere in the document): a loss
    # without the reporting period it was made in is no reported loss (两年巨亏40亿). An entry
    # ``A|B`` needs either (an executive change needs a company or a company post).
    requires_all: list[str] = Field(default_factory=list)
    # Two events of this type in one document are one happening when these roles agree.
    merge_on: list[str] = Field(default_factory=list)
    # When the event is split per person, these roles take the person's title and organisation.
    person_title_role: str | None = None
    person_org_role: str | None = None
    examples: list[EventExample] = Field(default_factory=list)  # type: ignore[assignment]

    @model_validator(mode="after")
    def _required_roles_exist(self) -> EventType:
        # A misspelt required role would silently drop every event of the type.
        known = {spec.role for spec in self.roles}
        named = [*self.requires_any, *(role for need in self.requires_all for role in need.split("|"))]
        unknown = [role for role in named if role not in known]
        if unknown:
            raise ValueError(f"requires_any/requires_all name roles this type does not have: {', '.join(unknown)}")
        return self


class StatusCue(Rule):
    """Words that set an event's status, looked for in its sentence (and ``after`` sentences)."""

    status: Literal["denied", "planned", "reported", "negated"]
    words: list[str] = Field(min_length=1)
    after_sentences: int = 0
    before_trigger_only: bool = False
    # With a window, the cue must lie within this many characters before the trigger (并未减持);
    # the other scopes (later sentences, paragraph opening) still apply.
    window: int = Field(default=0, ge=0)
    # The cue also counts when it opens the event's paragraph (据媒体报道，... covers the paragraph).
    paragraph_opening: bool = False
    # Examples are events (``type`` required) with the status this cue gives.
    examples: list[EventExample] = Field(default_factory=list)  # type: ignore[assignment]


class FillerPattern(Rule):
    """Extra role fillers found by a pattern (group ``x``), for names the mention stages miss.

    A stock short name before a quote (``中国中铁(5.780,-0.19,-3.18%)``), a company
    announcing (``XX公告``), a title's subject (``真视通：中标...``). They only fill
    event roles; they are not mentions.
    """

    label: Literal["ORG", "PERSON", "DATE", "AMOUNT", "TEXT"]
    kind: str = ""
    pattern: str
    # Examples are events (``type`` required) with the argument the filler lets through.
    examples: list[EventExample] = Field(default_factory=list)  # type: ignore[assignment]
    # Only in the document's first line (the title).
    title_only: bool = False
    # Cut the name after the last of these words inside it (控股股东东方集团有限公司
    # gives 东方集团有限公司), as long as ``min_length`` characters are left.
    left_stops: list[str] = Field(default_factory=list)
    min_length: int = 2


class SpanVariant(Rule):
    """Another way of cutting a filler, as DuEE-fin annotators cut arguments.

    Applied to fillers of ``label`` (and value ``kinds``): words right before or after
    the filler are taken in (``extend_left``/``extend_right``, repeatedly), or left out
    (``trim_left``/``trim_right``); ``join`` merges two fillers with one of these words
    between them (``2020年5月28日至2020年6月3日``). The original filler is kept too;
    which cut a role takes is for the role rules and the role model to decide.
    """

    label: Literal["ORG", "PERSON", "DATE", "AMOUNT", "PRODUCT"]
    kinds: list[str] = Field(default_factory=list)
    # Examples are events (``type`` required) with an argument cut this way.
    examples: list[EventExample] = Field(default_factory=list)  # type: ignore[assignment]
    extend_left: list[str] = Field(default_factory=list)
    extend_right: list[str] = Field(default_factory=list)
    trim_left: list[str] = Field(default_factory=list)
    trim_right: list[str] = Field(default_factory=list)
    join: list[str] = Field(default_factory=list)
    # A filler that starts inside one of these words loses its part of the word (股东|凯撒集团
    # tagged 东凯撒集团 gives 凯撒集团).
    split_left: list[str] = Field(default_factory=list)
    # What these patterns match at the filler's start (``^...``) or end (``...$``) is cut off
    # (日丨君实生物 gives 君实生物; 禾丰牧业(603609.SH) gives 禾丰牧业).
    trim_left_pattern: str | None = None
    trim_right_pattern: str | None = None
    # A cut never leaves fewer characters than this.
    min_length: int = Field(default=1, ge=1)
    # The cut replaces the filler instead of joining it: a boundary the mention stages got
    # wrong (the mention itself is left as it is).
    replace: bool = False


class Boilerplate(Rule):
    """Text around the article that is not the article: app promotions, ads, disclaimers, related-news lists.

    ``pattern`` is searched in the whole document (multi-line: ``^`` and ``$`` are line
    ends); what it matches, widened to whole lines, is boilerplate, and with ``to_end``
    everything after it too (a footer: the related-news list after an app promotion).
    No trigger is taken from boilerplate and no role filler either.
    """

    pattern: str
    to_end: bool = False
    # Only a match starting after this many lines counts (a footer is not the headline).
    min_line: int = Field(default=0, ge=0)
    # Examples are texts with an event only in their boilerplate: no event of ``type`` may come out.
    examples: list[Negative] = Field(default_factory=list)  # type: ignore[assignment]


class Background(Rule):
    """Words that make a trigger history told as background, not the document's news.

    A trigger after one of ``words`` in its clause (此前…也曾减持, 后来他辞去了医院的工作)
    makes no event. The headline is news and never background.
    """

    words: list[str] = Field(min_length=1)
    # Examples are texts with such a trigger: no event of ``type`` may come out.
    examples: list[Negative] = Field(default_factory=list)  # type: ignore[assignment]


class Commentary(Rule):
    """A headline that makes the document an opinion piece, such as an analyst's rating note.

    When ``pattern`` matches the document's first line, only events of types whose
    trigger words the first line holds are kept: the figures and deals in the body are
    the analyst's evidence, not the news (维持“增持”评级，目标价24.23港元 above a paragraph
    on the half-year loss).
    """

    pattern: str
    # Examples are notes with an event told only in their body: no event of ``type`` may come out.
    examples: list[Negative] = Field(default_factory=list)  # type: ignore[assignment]


class ModelSettings(StrictModel):
    """How the trained models are combined with the trigger rules (thresholds are probabilities).

    A trigger makes an event when the sentence classifier gives its type at least
    ``keep`` in the trigger's sentence; a weak trigger needs ``weak``. The role model
    adds an argument when it gives the role at least ``role``; a rule-filled argument
    is dropped when the role model gives it less than ``veto`` and prefers another
    filler, or less than ``veto_alone``.
    """

    keep: float = Field(default=0.1, ge=0, le=1)
    weak: float = Field(default=0.5, ge=0, le=1)
    role: float = Field(default=0.5, ge=0, le=1)
    veto: float = Field(default=0.0, ge=0, le=1)
    # The same when the model found no filler of its own for the role.
    veto_alone: float = Field(default=0.0, ge=0, le=1)
    # Arguments a cue word chose (质押给X, 由X领投) are kept whatever the role model says.
    protect_cued: bool = True
    # So are arguments the rules found in the trigger's own clause (between commas),
    # and those at most ``protect_adjacent`` characters from the trigger (亏损达到20亿).
    protect_clause: bool = False
    protect_adjacent: int = Field(default=-1, ge=-1)
    # The role model adds a filler to a role that splits events (高管姓名) only from this probability.
    split_role: float = Field(default=0.5, ge=0, le=1)
    # The role model only vetoes roles it saw at least this many examples of in training.
    min_support: int = Field(default=20, ge=0)
    # A draft whose sentence the classifier scores at least ``trust`` is an announcement of
    # the kind the models learnt from: its rule arguments need ``trusted_veto`` from the
    # role model and nothing is protected.
    trust: float = Field(default=1.01, ge=0, le=1.01)
    trusted_veto: float = Field(default=0.0, ge=0, le=1)
    # ... only for roles where the role model found a filler of its own.
    trusted_needs_alternative: bool = False
    # A draft without a required role in its sentence survives if the role model fills one.
    requires_after_model: bool = False
    # Every event of a text of several sentences needs one of its ``requires_any`` roles in the
    # end (from its sentence, the role model or the document's subject), even where the
    # classifier is confident.
    requires_in_the_end: bool = False
    # Where the document's headline (its first line, at most ``headline_chars`` characters) holds
    # no trigger word of any type found, an event is news only where the classifier believes in
    # it: its probability must reach ``untold_keep`` (0 = no such check). Events in a body the
    # headline says nothing about are mostly history, context or asides.
    untold_keep: float = Field(default=0.0, ge=0, le=1)
    headline_chars: int = Field(default=80, ge=1)


class EventsFile(RuleFile):
    """``kind: events``."""

    kind: Literal["events"]
    types: list[EventType] = Field(default_factory=list)
    status: list[StatusCue] = Field(default_factory=list)
    fillers: list[FillerPattern] = Field(default_factory=list)
    variants: list[SpanVariant] = Field(default_factory=list)
    boilerplate: list[Boilerplate] = Field(default_factory=list)
    background: list[Background] = Field(default_factory=list)
    commentary: list[Commentary] = Field(default_factory=list)
    # A trigger in a sentence that ends with one of these marks asks, it does not tell
    # (特斯拉差点破产？): it makes no event (the body tells the real ones).
    question_marks: list[str] = Field(default_factory=list)
    model: ModelSettings = Field(default_factory=ModelSettings)
