"""Role fillers: the spans an event argument may take, from mentions and event rules.

Every mention is a filler. The ``fillers`` patterns of ``rules/events.yaml`` add names
the mention stages miss (stock short names before a quote, the company that
announces), and the ``variants`` add other cuts of a filler the way DuEE-fin
annotators cut arguments (``6月24日晚间`` for ``6月24日``, ``不超过人民币9.31元`` for
``9.31元``, ``65.8万`` for ``65.8万股``). Which filler, and which cut, fills a role is
decided later by the role rules and the role model.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from operator import attrgetter
from typing import NamedTuple

import regex

from pipeline.memo import remember
from pipeline.records import Mention, OrgValue, PersonValue, ProductValue
from pipeline.rulebook.patterns import PatternGate, SafePattern, active_scope, compile_pattern, scan_each
from pipeline.rulebook.schemas.events import FillerPattern, SpanVariant

# Fillers never cross these: a variant that would is dropped.
_HARD_STOP = regex.compile(r"[。！？\n；;]")
_MAX_EXTEND_STEPS = 4
# Fillers in text order: by start, end, label (attrgetter makes the key tuple without a Python call).
_TEXT_ORDER = attrgetter("start", "end", "label")
# How many trimmed pieces are kept (then the memo starts again).
_TRIM_MEMO = 20_000


# Not frozen: a frozen dataclass sets each field through ``object.__setattr__``, which makes
# a filler four times as slow to build, and a document has dozens. A filler is never changed
# once made (``dataclasses.replace`` makes a new one); it hashes by its fields all the same.
@dataclass(slots=True, unsafe_hash=True)
class Filler:
    """A span that may fill a role.

    ``label`` is a mention label or ``TEXT``; ``kind`` the value kind (``money``,
    ``shares``, ``point`` ...), organisation type, or pattern kind; ``key`` what makes
    two fillers the same thing (canonical name, else text); ``base`` the span of the
    mention it was cut from (its own span for a mention).
    """

    label: str
    kind: str
    start: int
    end: int
    text: str
    key: str
    source: str
    mention_id: str | None = None
    base: tuple[int, int] = (0, 0)

    @property
    def span(self) -> tuple[int, int]:
        """``(start, end)``."""
        return (self.start, self.end)


def _kind_of(mention: Mention) -> str:
    value = mention.value
    if isinstance(value, OrgValue):
        return value.type
    if isinstance(value, PersonValue | ProductValue):
        return ""
    return str(getattr(value, "kind", "") or "")


def _key_of(mention: Mention) -> str:
    name = getattr(mention.value, "name", None)
    return name if isinstance(name, str) and name else mention.text


def from_mention(mention: Mention) -> Filler:
    """The filler a mention gives."""
    return Filler(
        mention.label,
        _kind_of(mention),
        mention.start,
        mention.end,
        mention.text,
        _key_of(mention),
        mention.source,
        mention.id,
        (mention.start, mention.end),
    )


class _VariantPlan(NamedTuple):
    """What ``FillerFinder.find`` reads of a variant: the rule, its label and kinds, and its word tuples.

    ``plain``: it only adds or trims words (no join, nothing for ``_repair``); ``joins``,
    ``left``, ``right``, ``trim_left``, ``trim_right``: its ``join``, ``extend_left``,
    ``extend_right``, ``trim_left`` and ``trim_right`` words.
    """

    variant: SpanVariant
    label: str
    kinds: frozenset[str]
    plain: bool
    joins: tuple[str, ...]
    left: tuple[str, ...]
    right: tuple[str, ...]
    trim_left: tuple[str, ...]
    trim_right: tuple[str, ...]


def _cut_left(text: str, start: int, end: int, stops: Sequence[str], min_length: int) -> int:
    """The start after the last stop word inside ``text[start:end]`` that leaves ``min_length`` characters."""
    best = start
    for word in stops:
        k = text.rfind(word, start, end - min_length)
        while k >= 0 and k + len(word) > end - min_length:
            k = text.rfind(word, start, k)
        if k >= 0:
            best = max(best, k + len(word))
    return best


class FillerFinder:
    """Builds a document's fillers from its mentions and the event file's patterns."""

    def __init__(self, patterns: Sequence[FillerPattern], variants: Sequence[SpanVariant]) -> None:
        # Rule-file patterns run within the document's time budget (SafePattern).
        self.patterns = [(p, compile_pattern(p.pattern, rule_id=p.id)) for p in patterns]
        # Whether a pattern marks its name with group ``x`` (else the whole match is the name).
        self._has_x = {rule.id: "x" in pattern.groupindex for rule, pattern in self.patterns}
        # Repairs (``replace``) first: the other variants cut the repaired fillers.
        self.variants = sorted(variants, key=lambda v: not v.replace)
        self._tuples: dict[str, tuple[tuple[str, ...], ...]] = {}
        # The characters a ``split_left`` word has before its last one: a filler can only
        # start inside such a word if the character before it is one of them.
        self._split_chars: dict[str, frozenset[str]] = {
            v.id: frozenset(ch for word in v.split_left for ch in word[:-1]) for v in variants
        }
        self.trim_patterns: dict[str, tuple[SafePattern | None, SafePattern | None]] = {
            v.id: (
                compile_pattern(v.trim_left_pattern, rule_id=v.id) if v.trim_left_pattern else None,
                compile_pattern(v.trim_right_pattern, rule_id=v.id) if v.trim_right_pattern else None,
            )
            for v in variants
        }
        # The RE2 gate of the patterns that read the whole text: most find nothing in a document,
        # and one scan of the gate tells which. Loose (see ``prefilter.superset``): their exact
        # widenings make an automaton too large to be fast. ``_whole``: each one's index in it.
        whole = [pattern for rule, pattern in self.patterns if not rule.title_only]
        self._whole = {pattern: index for index, pattern in enumerate(whole)}
        self._gate = PatternGate(whole, "events.fillers (gate)", loose=True)
        # What the trim patterns make of a piece of text, by variant and piece (see ``_repair``).
        self._trims: dict[tuple[str, str], tuple[int, int]] = {}
        # The variants with something for ``_repair`` to do (most have not).
        self._repairing = frozenset(
            v.id for v in variants if v.split_left or v.trim_left_pattern or v.trim_right_pattern
        )
        # What ``find`` reads of each variant, in order, read off the rule once (see ``_VariantPlan``).
        self._plans = [
            _VariantPlan(
                v,
                v.label,
                frozenset(v.kinds),
                not v.join and v.id not in self._repairing,
                tuple(v.join),
                *self._word_tuples(v),
            )
            for v in self.variants
        ]

    def find(self, text: str, mentions: Sequence[Mention], labels: Collection[str] | None = None) -> list[Filler]:
        """All fillers of a document, deduplicated by (label, span), in text order.

        ``labels``: the labels of the fillers needed; the patterns and variants of other labels
        are skipped (the fillers of each label are made apart from those of any other, so the
        fillers of these labels are all there and the same). Every mention is a filler still.
        """
        out: dict[tuple[str, int, int], Filler] = {}
        # The fillers of each label in the order they were first put (what a variant
        # walks through), so that a variant does not look at every filler of the document.
        by_label: dict[str, list[Filler]] = {}

        def put(filler: Filler) -> None:
            if filler.end > filler.start and text[filler.start : filler.end].strip():
                key = (filler.label, filler.start, filler.end)
                if key not in out:
                    out[key] = filler
                    by_label.setdefault(filler.label, []).append(filler)

        base = [
            # ``from_mention``, inline: a document has many mentions.
            Filler(m.label, _kind_of(m), m.start, m.end, m.text, _key_of(m), m.source, m.id, (m.start, m.end))
            for m in mentions
        ]
        for filler in base:
            # ``put``, inline: a document has many mentions.
            start, end = filler.start, filler.end
            if end > start and text[start:end].strip():
                key = (filler.label, start, end)
                if key not in out:
                    out[key] = filler
                    found = by_label.get(filler.label)
                    if found is None:
                        by_label[filler.label] = [filler]
                    else:
                        found.append(filler)
        title_end = text.find("\n")
        title_end = len(text) if title_end < 0 else title_end
        taken = {(f.start, f.end) for f in base if f.label in ("ORG", "PERSON")}
        # The patterns that read the whole text are scanned together (``scan_each``: the same
        # matches as ``finditer``, with the budget and prefilter bookkeeping done once per pattern).
        patterns = self.patterns
        if labels is not None:
            patterns = [(rule, pattern) for rule, pattern in patterns if rule.label in labels]
        whole_patterns = [pattern for rule, pattern in patterns if not rule.title_only]
        possible = None
        if whole_patterns:
            # One gate scan over every whole-text pattern, whatever labels are asked for (one
            # automaton, warmed by every document); those it rules out find nothing: not scanned.
            scope = active_scope()
            gated = self._gate.possible(text, scope.deadline if scope is not None else None)
            if gated is not None:
                possible = [i for i, pattern in enumerate(whole_patterns) if self._whole[pattern] in gated]
        whole = iter(scan_each(whole_patterns, text, possible=possible))
        for rule, pattern in patterns:
            matches = pattern.finditer(text, 0, title_end) if rule.title_only else next(whole)
            has_x = self._has_x[rule.id]
            for m in matches:
                s, e = m.span("x") if has_x else m.span()
                if s < 0 or e <= s:
                    continue
                if rule.left_stops:
                    s = _cut_left(text, s, e, rule.left_stops, rule.min_length)
                # A pattern name that is exactly a mention is the mention (keeps its canonical key).
                if (s, e) in taken:
                    continue
                name = text[s:e]
                put(Filler(rule.label, rule.kind, s, e, name, name, f"rule:{rule.id}", None, (s, e)))
        for variant, label, kinds, plain, joins, left, right, trim_left, trim_right in self._plans:
            if labels is not None and label not in labels:
                continue
            # A variant that only adds or trims words (``plain``) leaves a filler with none of
            # them around it as it is (no cut): that is tested here, without the call. A join
            # needs one of its words (``joins``) right after the filler.
            for filler in list(by_label.get(label, ())):
                if kinds and filler.kind not in kinds:
                    continue
                if plain:
                    start, end = filler.start, filler.end
                    if not (
                        (left and text.endswith(left, 0, start))
                        or (right and text.startswith(right, end))
                        or (trim_left and text.startswith(trim_left, start, end))
                        or (trim_right and text.endswith(trim_right, start, end))
                    ):
                        continue
                elif joins and not text.startswith(joins, filler.end):
                    continue
                cuts = self._cuts(text, filler, variant, out)
                if variant.replace and cuts:
                    # The repaired span is the filler (and the base of its later cuts).
                    del out[(filler.label, filler.start, filler.end)]
                    by_label[filler.label].remove(filler)
                    cuts = [replace(cut, base=cut.span) for cut in cuts]
                for cut in cuts:
                    put(cut)
        return sorted(out.values(), key=_TEXT_ORDER)

    def _cuts(
        self, text: str, filler: Filler, variant: SpanVariant, existing: dict[tuple[str, int, int], Filler]
    ) -> list[Filler]:
        start, end = filler.start, filler.end
        if variant.join:
            return self._joins(text, filler, variant, existing)
        # Each word list is first tested at once (``str.startswith`` and ``endswith``
        # take a tuple): most fillers have none of the words around them. Which word
        # is taken is still the first in the list that fits.
        left, right, trim_left, trim_right = self._word_tuples(variant)
        for _ in range(_MAX_EXTEND_STEPS):
            if not (left and text.endswith(left, 0, start)):
                break
            word = next(w for w in left if text.endswith(w, 0, start))
            start -= len(word)
        for _ in range(_MAX_EXTEND_STEPS):
            if not (right and text.startswith(right, end)):
                break
            word = next(w for w in right if text.startswith(w, end))
            end += len(word)
        if trim_left and text.startswith(trim_left, start, end):
            trimmed = next((w for w in trim_left if text.startswith(w, start) and end - start > len(w)), None)
            if trimmed is not None:
                start += len(trimmed)
        if trim_right and text.endswith(trim_right, start, end):
            trimmed = next((w for w in trim_right if text.endswith(w, start, end) and end - start > len(w)), None)
            if trimmed is not None:
                end -= len(trimmed)
        if variant.id in self._repairing:
            start, end = self._repair(text, start, end, variant)
        if end - start < variant.min_length:
            return []
        if (start, end) == (filler.start, filler.end) or _HARD_STOP.search(text, start, end):
            return []
        return [self._cut(text, filler, start, end, variant)]

    def _word_tuples(self, variant: SpanVariant) -> tuple[tuple[str, ...], ...]:
        """The variant's ``extend_left``, ``extend_right``, ``trim_left``, ``trim_right`` as tuples (built once)."""
        words = self._tuples.get(variant.id)
        if words is None:
            words = (
                tuple(variant.extend_left),
                tuple(variant.extend_right),
                tuple(variant.trim_left),
                tuple(variant.trim_right),
            )
            self._tuples[variant.id] = words
        return words

    def _repair(self, text: str, start: int, end: int, variant: SpanVariant) -> tuple[int, int]:
        """Apply ``split_left`` and the trim patterns to ``[start, end)``; cuts that leave too little are skipped."""
        least = variant.min_length
        if start > 0 and text[start - 1] in self._split_chars.get(variant.id, ()):
            for word in variant.split_left:
                # The filler starts ``j`` characters into ``word``.
                j = next((j for j in range(1, len(word)) if start >= j and text.startswith(word, start - j)), 0)
                if j and end - (start - j + len(word)) >= least:
                    start = start - j + len(word)
                    break
        left, right = self.trim_patterns.get(variant.id, (None, None))
        if left is None and right is None:
            return start, end
        piece = text[start:end]
        scope = active_scope()
        if scope is not None and scope.log is not None:
            # Tracing: the patterns run, so that their matches are in the log.
            trim = self._trim(piece, left, right, least)
        else:
            # The trims depend on the piece alone, and the same names recur from one document to the next.
            key = (variant.id, piece)
            found = self._trims.get(key)
            trim = (
                found
                if found is not None
                else remember(self._trims, key, self._trim(piece, left, right, least), _TRIM_MEMO)
            )
        return start + trim[0], start + trim[1]

    @staticmethod
    def _trim(piece: str, left: SafePattern | None, right: SafePattern | None, least: int) -> tuple[int, int]:
        """Where the trim patterns cut ``piece``: its new ``(start, end)`` in it (no cut leaves less than ``least``)."""
        start, end = 0, len(piece)
        if left is not None:
            # The leftmost match, taken only if it starts the span: a match at the start,
            # if there is one (the leftmost place is the first tried), so ``match`` finds it.
            m = left.match(piece)
            if m is not None and end - start - m.end() >= least:
                start += m.end()
        if right is not None:
            m = right.search(piece[start:])
            if m is not None and m.end() == end - start and m.start() >= least:
                end = start + m.start()
        return start, end

    def _joins(
        self, text: str, filler: Filler, variant: SpanVariant, existing: dict[tuple[str, int, int], Filler]
    ) -> list[Filler]:
        out = []
        for word in variant.join:
            if not text.startswith(word, filler.end):
                continue
            after = filler.end + len(word)
            partner = next(
                (f for f in existing.values() if f.label == filler.label and f.start == after and f.end > after),
                None,
            )
            if partner is not None:
                out.append(self._cut(text, filler, filler.start, partner.end, variant))
        return out

    @staticmethod
    def _cut(text: str, filler: Filler, start: int, end: int, variant: SpanVariant) -> Filler:
        cut_text = text[start:end]
        key = filler.key if filler.label in ("ORG", "PERSON", "PRODUCT") else cut_text
        return Filler(
            filler.label,
            filler.kind,
            start,
            end,
            cut_text,
            key,
            f"rule:{variant.id}",
            filler.mention_id,
            filler.base,
        )
