"""The events stage: business events with their arguments, by trigger rules.

For each trigger (``kind: events``) the stage fills the type's roles from the
trigger's sentence: mentions of the right label (nearest on the role's side, cue
words first), patterns, and enumerations chosen by cue words. A role marked
``document`` falls back to the document's main organisation. Triggers of one type in
one sentence make one event; events whose ``merge_on`` roles agree are merged
(title and body tell the same happening). Status (denied, planned, reported,
negated) comes from cue words around the trigger.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import regex

from pipeline.records import Argument, Event, Mention, OrgValue, PersonValue, Trigger
from pipeline.rulebook.loader import Rulebook
from pipeline.rulebook.patterns import compile_pattern
from pipeline.rulebook.schemas.events import EventsFile, EventType, RoleSpec, StatusCue
from pipeline.stages.base import StageContext, WorkDoc, stage_factory
from pipeline.textutil import index_of_span, sentence_spans

_CLAUSE = regex.compile(r"[，,；;：:]")
_CUE_WINDOW = 6
_STATUS_RANK = {"denied": 4, "negated": 3, "reported": 2, "planned": 1, "asserted": 0}


@dataclass(slots=True)
class Draft:
    """An event being built: its trigger, sentence, arguments and status."""

    type: str
    rule_id: str
    trigger: tuple[int, int]
    sentence: int
    args: dict[str, list[Argument]] = field(default_factory=dict)
    status: str = "asserted"
    local_roles: set[str] = field(default_factory=set)
    confidence: float = 0.8
    keys: dict[str, set[str]] = field(default_factory=dict)

    def add(self, role: str, argument: Argument, key: str | None = None) -> None:
        """Add an argument unless the same thing (same text, or same canonical ``key``) fills the role."""
        existing = self.args.setdefault(role, [])
        keys = self.keys.setdefault(role, set())
        k = key or argument.text
        if k not in keys and all(a.text != argument.text for a in existing):
            existing.append(argument)
            keys.add(k)


@dataclass(frozen=True, slots=True)
class CompiledType:
    """An event type with its compiled trigger and role patterns."""

    spec: EventType
    trigger: regex.Pattern[str]
    not_in: tuple[str, ...]
    patterns: dict[str, regex.Pattern[str]]


def _alternation(words: Sequence[str]) -> str:
    return "|".join(regex.escape(w) for w in sorted(set(words), key=len, reverse=True)) or "(?!)"


class EventExtractor:
    """Builds events from triggers and the document's mentions."""

    def __init__(self, rules: EventsFile) -> None:
        self.types = [
            CompiledType(
                spec,
                regex.compile(_alternation(spec.triggers)),
                tuple(spec.not_in),
                {r.role: compile_pattern(r.pattern, rule_id=spec.id) for r in spec.roles if r.pattern},
            )
            for spec in rules.types
        ]
        self.status_cues: list[StatusCue] = list(rules.status)
        # Each cue's words as one literal alternation, looked for in a scope with one
        # search (``None`` when a word is empty: the scope test then reads the words).
        self._cue_words: list[regex.Pattern[str] | None] = [
            regex.compile(_alternation(cue.words)) if cue.words and all(cue.words) else None
            for cue in self.status_cues
        ]

    @classmethod
    def from_rulebook(cls, rulebook: Rulebook) -> EventExtractor:
        """Build the extractor from the merged ``events`` rules."""
        rules = rulebook.get("events")
        return cls(rules if isinstance(rules, EventsFile) else EventsFile(kind="events"))

    # -- helpers -----------------------------------------------------------
    @staticmethod
    def _excluded(text: str, start: int, end: int, not_in: Sequence[str]) -> bool:
        """True when the trigger at ``[start, end)`` is part of one of the ``not_in`` words."""
        trigger = text[start:end]
        for word in not_in:
            k = word.find(trigger)
            while k >= 0:
                s = start - k
                if s >= 0 and text.startswith(word, s):
                    return True
                k = word.find(trigger, k + 1)
        return False

    @staticmethod
    def _main_org(mentions: Sequence[Mention]) -> str | None:
        """The organisation the document is about: most mentioned, earliest on ties."""
        counts: Counter[str] = Counter()
        first: dict[str, int] = {}
        for m in mentions:
            if m.label == "ORG" and isinstance(m.value, OrgValue):
                counts[m.value.name] += 1
                first.setdefault(m.value.name, m.start)
        if not counts:
            return None
        return max(counts, key=lambda name: (counts[name], -first[name]))

    @staticmethod
    def _cued(text: str, mention: Mention, cues: Sequence[str], sent_start: int) -> bool:
        for cue in cues:
            if cue.startswith("~"):
                word = cue[1:]
                if word in text[mention.end : mention.end + len(word) + 2]:
                    return True
            elif word_before(text, mention.start, cue, sent_start):
                return True
        return False

    @staticmethod
    def _kind_ok(mention: Mention, role: RoleSpec) -> bool:
        if mention.label != role.label:
            return False
        if role.amount_kinds:
            return getattr(mention.value, "kind", None) in role.amount_kinds
        if role.label == "DATE":
            return getattr(mention.value, "kind", None) != "duration"
        if role.org_types and isinstance(mention.value, OrgValue):
            return mention.value.type in role.org_types
        return True

    def _clause_bounds(self, text: str, sent: tuple[int, int], trig: tuple[int, int]) -> tuple[int, int]:
        start = sent[0]
        for m in _CLAUSE.finditer(text, sent[0], trig[0]):
            start = m.end()
        end_match = _CLAUSE.search(text, trig[1], sent[1])
        return start, end_match.start() if end_match else sent[1]

    # -- role filling --------------------------------------------------------
    def _fill(
        self,
        text: str,
        ctype: CompiledType,
        draft: Draft,
        sent: tuple[int, int],
        mentions: Sequence[Mention],
        used: set[str],
    ) -> None:
        """Fill the roles of ``draft`` from ``mentions`` (those inside the sentence ``sent``, in document order)."""
        trig_start, trig_end = draft.trigger
        # The mentions that may fill a role, by label (a role takes one label only).
        by_label: dict[str, list[Mention]] = {}
        for m in mentions:
            if not (m.start < trig_end and trig_start < m.end):
                by_label.setdefault(m.label, []).append(m)
        clause = self._clause_bounds(text, sent, draft.trigger)

        def on_side(m: Mention, side: str) -> bool:
            if side == "before":
                return m.end <= trig_start
            if side == "after":
                return m.start >= trig_end
            return True

        def distance(m: Mention) -> int:
            return trig_start - m.end if m.end <= trig_start else m.start - trig_end

        # Pass 1: cued fillers; pass 2: the rest by side and distance.
        for cued_pass in (True, False):
            for role in ctype.spec.roles:
                if role.label is None or (role.role in draft.args and not role.many):
                    continue
                if not cued_pass and role.cued_only:
                    continue
                pool = [m for m in by_label.get(role.label, ()) if m.id not in used and self._kind_ok(m, role)]
                if cued_pass:
                    if not role.cues:
                        continue
                    pool = [m for m in pool if self._cued(text, m, role.cues, sent[0])]
                else:
                    pool = [m for m in pool if on_side(m, role.side)]
                if not pool:
                    continue
                if role.many:
                    in_clause = [m for m in pool if m.start >= clause[0] and m.end <= clause[1]]
                    if role.scope == "clause" or (role.scope == "nearest_clause" and in_clause):
                        pool = in_clause
                    if not pool:
                        continue
                    chosen = sorted(pool, key=lambda m: m.start)
                else:
                    chosen = [min(pool, key=distance)]
                for m in chosen:
                    draft.add(role.role, Argument(role.role, m.text, m.start, m.end, m.id), _key(m))
                    draft.local_roles.add(role.role)
                    used.add(m.id)
        sentence_text = text[sent[0] : sent[1]]
        for role in ctype.spec.roles:
            if role.pattern and role.role not in draft.args:
                pattern = ctype.patterns[role.role]
                best = None
                for m in pattern.finditer(sentence_text):
                    s, e = sent[0] + m.start(), sent[0] + m.end()
                    if best is None or abs(s - trig_start) < abs(best[0] - trig_start):
                        best = (s, e)
                if best is not None:
                    draft.add(role.role, Argument(role.role, text[best[0] : best[1]], best[0], best[1]))
                    draft.local_roles.add(role.role)
            if role.enum and role.role not in draft.args:
                value = self._enum_value(sentence_text, sent[0], role, draft.trigger)
                if value is not None:
                    draft.add(role.role, Argument(role.role, value, None, None))
                    draft.local_roles.add(role.role)
                elif role.default is not None:
                    draft.add(role.role, Argument(role.role, role.default, None, None))

    @staticmethod
    def _enum_value(sentence_text: str, offset: int, role: RoleSpec, trigger: tuple[int, int]) -> str | None:
        best: tuple[int, int, str] | None = None
        for value, cues in role.enum.items():
            for cue in cues:
                for found in _occurrences(cue, sentence_text):
                    s = offset + found
                    key = (abs(s - trigger[0]), -len(cue))
                    if best is None or key < (best[0], best[1]):
                        best = (key[0], key[1], value)
        return best[2] if best else None

    def _status(self, text: str, sentences: Sequence[tuple[int, int]], draft: Draft) -> str:
        status = "asserted"
        sent = sentences[draft.sentence]
        for cue, words in zip(self.status_cues, self._cue_words, strict=True):
            # The rank test first: it is cheap, and a cue that cannot raise the status
            # need not be looked for.
            if _STATUS_RANK[cue.status] <= _STATUS_RANK[status]:
                continue
            scopes = [(sent[0], draft.trigger[0] if cue.before_trigger_only else sent[1])]
            for k in range(1, cue.after_sentences + 1):
                if draft.sentence + k < len(sentences):
                    scopes.append(sentences[draft.sentence + k])
            if words is not None:
                found = any(s < e and words.search(text, s, e) is not None for s, e in scopes)
            else:
                found = any(word in text[s:e] for s, e in scopes for word in cue.words)
            if found:
                status = cue.status
        return status

    # -- the document ----------------------------------------------------------
    def extract(self, doc: WorkDoc) -> list[Event]:
        """Events of ``doc`` from its text and final mentions."""
        text = doc.text
        sentences = sentence_spans(text)
        if not sentences:
            return []
        sent_starts = [s for s, _e in sentences]
        mentions = doc.mentions
        by_sentence_mentions = _mentions_by_sentence(mentions, sentences, sent_starts)
        in_name = _NameCover([(m.start, m.end) for m in mentions if m.label in ("ORG", "PRODUCT", "PERSON")])
        main_org = self._main_org(mentions)
        drafts: list[Draft] = []
        for ctype in self.types:
            by_sentence: dict[int, Draft] = {}
            for m in ctype.trigger.finditer(text):
                start, end = m.span()
                if self._excluded(text, start, end, ctype.not_in):
                    doc.note("events", "trigger excluded", ctype.spec.id, (start, end), "inside a not_in word")
                    continue
                if in_name.overlaps(start, end):
                    continue
                sent_index = index_of_span(sent_starts, start)
                draft = by_sentence.get(sent_index)
                if draft is None:
                    draft = Draft(ctype.spec.type, ctype.spec.id, (start, end), sent_index)
                    by_sentence[sent_index] = draft
                    used: set[str] = set()
                    self._fill(
                        text, ctype, draft, sentences[sent_index], by_sentence_mentions.get(sent_index, ()), used
                    )
                else:
                    # A second trigger in the same sentence: fill what is still missing.
                    saved = draft.trigger
                    draft.trigger = (start, end)
                    self._fill(
                        text,
                        ctype,
                        draft,
                        sentences[sent_index],
                        by_sentence_mentions.get(sent_index, ()),
                        {a.mention_id for v in draft.args.values() for a in v if a.mention_id},
                    )
                    draft.trigger = saved
            for draft in by_sentence.values():
                if ctype.spec.requires_any and not (draft.local_roles & set(ctype.spec.requires_any)):
                    doc.note("events", "dropped", ctype.spec.id, draft.trigger, "no required role in its sentence")
                    continue
                self._fallback(ctype.spec, draft, mentions, main_org)
                draft.status = self._status(text, sentences, draft)
                drafts.extend(self._split(ctype.spec, draft, mentions))
        merged = self._merge(drafts, mentions)
        merged.sort(key=lambda d: d.trigger)
        return [self._to_event(text, i, d) for i, d in enumerate(merged, start=1)]

    def _fallback(self, spec: EventType, draft: Draft, mentions: Sequence[Mention], main_org: str | None) -> None:
        if main_org is None:
            return
        used = {a.mention_id for args in draft.args.values() for a in args if a.mention_id}
        used_names = {n for role_keys in draft.keys.values() for n in role_keys}
        if main_org in used_names:
            return  # the main organisation already plays another role in this event
        for role in spec.roles:
            if role.document and role.role not in draft.args and role.label == "ORG":
                best = None
                for m in mentions:
                    if m.id in used:
                        continue
                    is_main = m.label == "ORG" and isinstance(m.value, OrgValue) and m.value.name == main_org
                    if is_main and (m.start <= draft.trigger[0] or best is None):
                        best = m
                if best is not None:
                    draft.add(role.role, Argument(role.role, best.text, best.start, best.end, best.id), _key(best))

    def _split(self, spec: EventType, draft: Draft, mentions: Sequence[Mention]) -> list[Draft]:
        split_role = next((r.role for r in spec.roles if r.split), None)
        if split_role is None or len(draft.args.get(split_role, [])) <= 1:
            return [self._person_details(spec, draft, mentions)]
        out = []
        for arg in draft.args[split_role]:
            copy = Draft(
                draft.type,
                draft.rule_id,
                draft.trigger,
                draft.sentence,
                {k: list(v) for k, v in draft.args.items()},
                draft.status,
                set(draft.local_roles),
                draft.confidence,
                {k: set(v) for k, v in draft.keys.items()},
            )
            copy.args[split_role] = [arg]
            if spec.person_org_role:
                copy.args.pop(spec.person_org_role, None)
            if spec.person_title_role:
                copy.args.pop(spec.person_title_role, None)
            out.append(self._person_details(spec, copy, mentions))
        return out

    @staticmethod
    def _person_details(spec: EventType, draft: Draft, mentions: Sequence[Mention]) -> Draft:
        """Fill title and organisation roles from the person mention's own value."""
        split_role = next((r.role for r in spec.roles if r.split), None)
        if split_role is None:
            return draft
        by_id = {m.id: m for m in mentions}
        for arg in draft.args.get(split_role, []):
            person = by_id.get(arg.mention_id or "")
            if person is None or not isinstance(person.value, PersonValue):
                continue
            if spec.person_title_role and person.value.title and spec.person_title_role not in draft.args:
                draft.add(spec.person_title_role, Argument(spec.person_title_role, person.value.title, None, None))
            if spec.person_org_role and person.value.org and spec.person_org_role not in draft.args:
                org = next(
                    (
                        m
                        for m in mentions
                        if m.label == "ORG"
                        and isinstance(m.value, OrgValue)
                        and m.value.name == person.value.org
                        and m.end <= person.start
                    ),
                    None,
                )
                if org is not None:
                    draft.add(
                        spec.person_org_role, Argument(spec.person_org_role, org.text, org.start, org.end, org.id)
                    )
        return draft

    def _merge(self, drafts: list[Draft], mentions: Sequence[Mention]) -> list[Draft]:
        by_id = {m.id: m for m in mentions}
        merge_on = {ct.spec.type: ct.spec.merge_on for ct in self.types}

        def keys(draft: Draft, role: str) -> set[str]:
            out = set()
            for arg in draft.args.get(role, []):
                mention = by_id.get(arg.mention_id or "")
                value = mention.value if mention is not None else None
                out.add(getattr(value, "name", None) or arg.text)
            return out

        result: list[Draft] = []
        for draft in drafts:
            target = None
            for other in result:
                if other.type != draft.type:
                    continue
                roles = merge_on.get(draft.type) or []
                shared = False
                compatible = True
                for role in roles:
                    a, b = keys(draft, role), keys(other, role)
                    if a and b:
                        if a & b:
                            shared = True
                        else:
                            compatible = False
                            break
                if compatible and shared:
                    target = other
                    break
            if target is None:
                result.append(draft)
                continue
            for role, args in draft.args.items():
                for arg in args:
                    mention = by_id.get(arg.mention_id or "")
                    target.add(role, arg, _key(mention) if mention is not None else None)
            if _STATUS_RANK[draft.status] > _STATUS_RANK[target.status]:
                target.status = draft.status
            target.confidence = min(1.0, target.confidence + 0.1)
        return result

    @staticmethod
    def _to_event(text: str, index: int, draft: Draft) -> Event:
        args = tuple(a for role_args in draft.args.values() for a in role_args)
        start, end = draft.trigger
        return Event(
            id=f"e{index}",
            type=draft.type,
            trigger=Trigger(text[start:end], start, end),
            arguments=args,
            source=f"rule:{draft.rule_id}",
            confidence=draft.confidence,
            status=draft.status,
        )


def _occurrences(word: str, text: str) -> list[int]:
    """Start offsets of the non-overlapping occurrences of ``word`` in ``text``, left to right.

    The matches ``regex.finditer(regex.escape(word), text)`` gives, without compiling a pattern.
    """
    if not word:
        return list(range(len(text) + 1))
    out: list[int] = []
    k = text.find(word)
    while k >= 0:
        out.append(k)
        k = text.find(word, k + len(word))
    return out


def _mentions_by_sentence(
    mentions: Sequence[Mention], sentences: Sequence[tuple[int, int]], sent_starts: Sequence[int]
) -> dict[int, list[Mention]]:
    """The mentions lying wholly inside each sentence, by sentence index, in document order."""
    out: dict[int, list[Mention]] = {}
    for m in mentions:
        k = index_of_span(sent_starts, m.start)
        s, e = sentences[k]
        if s <= m.start and m.end <= e:
            out.setdefault(k, []).append(m)
    return out


class _NameCover:
    """Which characters the document's names cover, to test a trigger for overlap with any of them."""

    __slots__ = ("covered", "empty", "spans")

    def __init__(self, spans: Sequence[tuple[int, int]]) -> None:
        self.spans = spans
        self.covered: set[int] = set()
        self.empty: list[int] = []
        for s, e in spans:
            if e > s:
                self.covered.update(range(s, e))
            elif e == s:
                self.empty.append(s)

    def overlaps(self, start: int, end: int) -> bool:
        """True when ``[start, end)`` overlaps a name span ``[s, e)``, that is ``s < end and start < e``."""
        if start >= end:
            return any(s < end and start < e for s, e in self.spans)
        covered = self.covered
        return any(p in covered for p in range(start, end)) or any(start < p < end for p in self.empty)


def _key(mention: Mention) -> str:
    """What makes two fillers the same: the canonical name where there is one."""
    name = getattr(mention.value, "name", None)
    return name if isinstance(name, str) else mention.text


def word_before(text: str, position: int, word: str, floor: int) -> bool:
    """True when ``word`` ends within a few characters before ``position`` (not before ``floor``)."""
    window_start = max(floor, position - len(word) - _CUE_WINDOW)
    return text.find(word, window_start, position) >= 0


@stage_factory("events")
def make_events_stage(context: StageContext) -> EventsStage:
    """Build the rule-based events stage."""
    return EventsStage(EventExtractor.from_rulebook(context.rulebook))


class EventsStage:
    """Fills ``events`` from the trigger rules and the final mentions."""

    name = "events"
    requires: tuple[str, ...] = ("text", "mentions")
    assigns: tuple[str, ...] = ("events",)

    def __init__(self, extractor: EventExtractor) -> None:
        self.extractor = extractor

    def __call__(self, doc: WorkDoc) -> None:
        """Extract the events of ``doc``."""
        doc.events = self.extractor.extract(doc)
