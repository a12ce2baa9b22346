"""The role model: which role of which event type a filler plays, from its context.

Each filler of a document becomes a bag of features (its label and kind, how it
begins and ends, the words just before and after it, whether it sits in the title,
how near the triggers of each type are); a spaCy ``textcat_multilabel`` (bag of
features, linear, i.e. a logistic regression per label) gives the probability of each
``type/role`` label. It learns what rules write badly: that ``质押给X`` makes X the
质权方, that the first date of an announcement is its 披露时间, that DuEE-fin cuts
``6月24日晚间`` rather than ``6月24日``.

The same :class:`RoleFeaturizer` serves training (:mod:`pipeline.events.train`) and
the events stage, so the features cannot drift apart.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy
import regex

from pipeline.errors import ErrorCode, ModelError
from pipeline.events.fillers import Filler
from pipeline.memo import remember

if TYPE_CHECKING:
    from pipeline.events.inference import ContextRanks, FeatureForward

LABEL_SEP = "/"
FEATURES_FILE = "features.txt"
_CONTEXT = 6
_WINDOW = 16
_PUNCT = regex.compile(r"[\p{P}\p{S}\s]")
_NEWLINE = regex.compile("\n")


def role_label(event_type: str, role: str) -> str:
    """The model label of a role of a type: ``质押/质押方``."""
    return f"{event_type}{LABEL_SEP}{role}"


def split_label(label: str) -> tuple[str, str]:
    """``(type, role)`` of a model label (roles may contain ``/`` too: 质押股票/股份数量)."""
    event_type, _, role = label.partition(LABEL_SEP)
    return event_type, role


def _bucket(n: int, edges: Sequence[int]) -> str:
    for edge in edges:
        if n <= edge:
            return str(edge)
    return f">{edges[-1]}"


class _Bucketed:
    """``prefix + _bucket(n, edges)``, the same string objects every time.

    A feature string made once keeps its hash, which the role model's lookup would
    otherwise compute again for every filler.
    """

    __slots__ = ("edges", "over", "prefix", "table")

    def __init__(self, prefix: str, edges: Sequence[int]) -> None:
        self.prefix, self.edges = prefix, tuple(edges)
        self.table = [prefix + _bucket(n, edges) for n in range(self.edges[-1] + 1)]
        self.over = prefix + _bucket(self.edges[-1] + 1, edges)

    def __call__(self, n: int) -> str:
        if 0 <= n < len(self.table):
            return self.table[n]
        return self.over if n > self.edges[-1] else self.prefix + _bucket(n, self.edges)


_SENT = _Bucketed("SENT=", (1, 2, 4, 8))
_LINE = _Bucketed("LINE=", (0, 1, 2, 4))
_OCC = _Bucketed("OCC=", (1, 2, 4))
_SENTPOS = _Bucketed("SENTPOS=", (0, 3, 8, 20, 40))
_LEN = _Bucketed("LEN=", (2, 3, 4, 6, 9, 14, 20))
# A type's trigger features for the fillers of one sentence (RoleFeaturizer._sentence_plan): the
# one feature they all get, or the type's matches in the sentence, its same-sentence and
# several-triggers features (None: one trigger) and its gap features before, after and over.
_PlanEntry = str | tuple[list[tuple[int, int]], str, str | None, tuple[_Bucketed, ...]]
_GAP_EDGES = (0, 2, 5, 10, 20)
_RANK_EDGES = (0, 1, 2)
# How many fillers' own features are kept (then the memo starts again).
_OWN_MEMO = 20_000


@lru_cache(maxsize=256)
def _is_punct(ch: str) -> bool:
    """Whether the character is punctuation, a symbol or whitespace (an edge of a filler's context)."""
    return _PUNCT.fullmatch(ch) is not None


@lru_cache(maxsize=8192)
def _shape(text: str) -> str:
    out: list[str] = []
    for ch in text:
        kind = (
            "d"
            if ch.isdigit()
            else "a"
            if ch.isascii() and ch.isalpha()
            else "h"
            if "\u4e00" <= ch <= "\u9fff"
            else "p"
        )
        if not out or out[-1] != kind:
            out.append(kind)
    return "".join(out)[:6]


class RoleFeaturizer:
    """Turns the fillers of one document into feature lists for the role model."""

    def __init__(self, triggers: Mapping[str, regex.Pattern[str]]) -> None:
        self.triggers = dict(triggers)
        # Feature strings made once per prefix (see _Bucketed).
        self._bucketeds: dict[str, _Bucketed] = {}
        # Per type: its same-sentence, several-triggers, next-sentence and far features, and
        # the gap features of a filler before, after and over its trigger.
        self._type_features = {
            t: (
                f"TS:{t}",
                f"TS:{t}:many",
                f"TN:{t}",
                f"TD:{t}",
                tuple(self._bucketed(f"TS:{t}:{side}", _GAP_EDGES) for side in "BAO"),
            )
            for t in self.triggers
        }
        # A filler's kind and the features of its own text, label, kind and source, by those
        # (see _own_features): the same names and figures recur within and across documents.
        self._own: dict[tuple[str, str, str, str, bool], tuple[str, tuple[str, ...]]] = {}
        # Per label: each trigger feature that pairs with a label, as ``label|feature`` (None: it does not).
        self._labelled: dict[str, dict[str, str | None]] = {}

    def _bucketed(self, prefix: str, edges: Sequence[int]) -> _Bucketed:
        """The :class:`_Bucketed` of ``prefix`` (one set of edges per prefix)."""
        bucketed = self._bucketeds.get(prefix)
        if bucketed is None:
            bucketed = self._bucketeds[prefix] = _Bucketed(prefix, edges)
        return bucketed

    def document_features(
        self,
        text: str,
        sentences: Sequence[tuple[int, int]],
        fillers: Sequence[Filler],
        trigger_spans: Mapping[str, Sequence[tuple[int, int]]] | None = None,
        windows: list[tuple[str, int, int]] | None = None,
    ) -> list[list[str]]:
        """One feature list per filler, in the order given.

        ``trigger_spans``: each type's trigger matches when the caller has them already
        (the extractor's one-pass scan); else the trigger patterns are run here.
        ``windows``: when given, the context features (the characters and pairs of
        characters next to the filler, :meth:`_context_features`) are left out and each
        filler's kind and context window ``(kind, window_start, window_end)`` appended to
        it instead, for a caller that looks them up itself (:class:`~pipeline.events.inference.ContextRanks`).
        """
        starts = [s for s, _e in sentences]
        title_end = text.find("\n")
        title_end = len(text) if title_end < 0 else title_end
        # Each type's trigger matches by sentence index, in the order found.
        hits: dict[str, dict[int, list[tuple[int, int]]]] = {}
        for event_type, pattern in self.triggers.items():
            spans = (
                trigger_spans.get(event_type, ())
                if trigger_spans is not None
                else [m.span() for m in pattern.finditer(text)]
            )
            by_sentence: dict[int, list[tuple[int, int]]] = {}
            for s, e in spans:
                by_sentence.setdefault(max(0, bisect_right(starts, s) - 1), []).append((s, e))
            if by_sentence:
                hits[event_type] = by_sentence
        key_counts = Counter(f.key for f in fillers if f.label in ("ORG", "PERSON"))
        text_counts = Counter(f.text for f in fillers)
        first_seen: dict[str, int] = {}
        for f in fillers:
            first_seen.setdefault(f.text, f.start)
        org_rank = {key: f"ORGRANK={rank}" for rank, (key, _n) in enumerate(key_counts.most_common(3))}
        title_keys = {f.key for f in fillers if f.start < title_end}
        # Order of each mention among the document's mentions of its label (the first date ...).
        label_rank: dict[tuple[int, int], int] = {}
        seen_by_label: Counter[str] = Counter()
        for base, label in sorted({(f.base, f.label) for f in fillers}):
            if base[0] >= title_end:
                label_rank[base] = seen_by_label[label]
                seen_by_label[label] += 1
        line_starts = [0, *(m.end() for m in _NEWLINE.finditer(text))]
        plans: dict[int, list[_PlanEntry]] = {}
        rank_features: dict[str, _Bucketed] = {}
        out = []
        for f in fillers:
            sent_index = max(0, bisect_right(starts, f.start) - 1)
            sent_start, sent_end = sentences[sent_index] if sentences else (0, len(text))
            kind, feats = self._filler_features(text, f, sent_start, sent_end, windows is None)
            if windows is not None:
                windows.append((kind, max(sent_start, f.start - _WINDOW), min(sent_end, f.end + _WINDOW)))
            feats.append("TITLE" if f.start < title_end else _SENT(sent_index))
            feats.append(_LINE(bisect_right(line_starts, f.start) - 1))
            feats.append(_OCC(text_counts[f.text]))
            feats.append(_SENTPOS(f.start - sent_start))
            if first_seen.get(f.text) == f.start:
                feats.append("FIRST")
            if f.key in org_rank:
                feats.append(org_rank[f.key])
            if f.start >= title_end and f.key in title_keys:
                feats.append("IN_TITLE_TOO")
            if f.base in label_rank:
                ranked = rank_features.get(f.label)
                if ranked is None:
                    ranked = rank_features[f.label] = self._bucketed(f"LRANK={f.label}:", _RANK_EDGES)
                feats.append(ranked(label_rank[f.base]))
            plan = plans.get(sent_index)
            if plan is None:
                plan = plans[sent_index] = self._sentence_plan(sent_index, hits)
            triggers = self._trigger_features(f, plan)
            feats.extend(triggers)
            labelled = self._labelled.get(f.label)
            if labelled is None:
                labelled = self._labelled[f.label] = {}
            for t in triggers:
                pair = labelled.get(t, "")  # "" (no feature's pair): not worked out yet
                if pair == "":
                    # Trigger features are finitely many (types x buckets): this memo stays small.
                    pair = labelled[t] = f"{f.label}|{t}" if t.count(":") == 2 else None
                if pair is not None:
                    feats.append(pair)
            out.append(feats)
        return out

    def _filler_features(
        self, text: str, f: Filler, sent_start: int, sent_end: int, context: bool = True
    ) -> tuple[str, list[str]]:
        """The filler's kind (:func:`filler_kind`), and the features of the filler itself and of its window.

        ``context=False`` leaves out its context features.
        """
        t = f.text
        cut = (f.start, f.end) != f.base
        key = (f.label, f.kind, f.source, t, cut)
        own = self._own.get(key)
        if own is None:
            own = remember(self._own, key, _own_features(f, cut), _OWN_MEMO)
        kind = own[0]
        feats = list(own[1])
        left = text[max(sent_start, f.start - _WINDOW) : f.start]
        right = text[f.end : min(sent_end, f.end + _WINDOW)]
        if context:
            feats += _window_chars(kind, left, right)
        if not left.strip() or _is_punct(left[-1]):
            feats.append("LEFT_EDGE")
        if not right.strip() or _is_punct(right[0]):
            feats.append("RIGHT_EDGE")
        if context:
            feats += _window_pairs(left, right)
        return kind, feats

    def _sentence_plan(
        self, sent_index: int, hits: Mapping[str, Mapping[int, list[tuple[int, int]]]]
    ) -> list[_PlanEntry]:
        """What each type's trigger features are for the fillers of sentence ``sent_index``, in the order of ``hits``.

        A type without a trigger in the sentence gives every filler there one feature (next
        sentence or far); one with triggers there, its matches and the features to pick from.
        """
        plan: list[_PlanEntry] = []
        for event_type, by_sentence in hits.items():
            same_sentence, many, next_to, far, sides = self._type_features[event_type]
            same = by_sentence.get(sent_index)
            if same:
                plan.append((same, same_sentence, many if len(same) > 1 else None, sides))
            elif sent_index - 1 in by_sentence or sent_index + 1 in by_sentence:
                plan.append(next_to)
            else:
                plan.append(far)
        return plan

    @staticmethod
    def _trigger_features(f: Filler, plan: Sequence[_PlanEntry]) -> list[str]:
        """The trigger features of a filler of a sentence whose :meth:`_sentence_plan` is ``plan``."""
        feats = []
        for entry in plan:
            if isinstance(entry, str):
                feats.append(entry)
            else:
                same, same_sentence, many, sides = entry
                nearest = same[0] if len(same) == 1 else min(same, key=lambda h: abs(h[0] - f.start))
                if f.end <= nearest[0]:
                    side, gap = 0, nearest[0] - f.end
                elif f.start >= nearest[1]:
                    side, gap = 1, f.start - nearest[1]
                else:
                    side, gap = 2, 0
                feats.append(same_sentence)
                feats.append(sides[side](gap))
                if many is not None:
                    feats.append(many)
        return feats


def filler_kind(f: Filler) -> str:
    """The filler's label and kind as its features name them (``AMOUNT:money``, ``ORG``)."""
    return f"{f.label}:{f.kind}" if f.kind else f.label


def _own_features(f: Filler, cut: bool) -> tuple[str, tuple[str, ...]]:
    """The filler's kind and the features of its text, label, kind and source (``cut``: not its mention's span)."""
    t = f.text
    kind = filler_kind(f)
    source = f.source.split(":", 1)[-1].rsplit(".", 1)[-1] if f.source.startswith("rule:events") else "mention"
    feats = [
        f"L={f.label}",
        f"K={kind}",
        f"SRC={source}",
        _LEN(len(t)),
        f"SHAPE={_shape(t)}",
        f"B1={t[:1]}",
        f"B2={t[:2]}",
        f"E1={t[-1:]}",
        f"E2={t[-2:]}",
        f"E3={t[-3:]}",
        f"CUT={int(cut)}",
    ]
    if f.label == "TEXT" or len(t) <= 4:
        feats.append(f"T={t}")
    return kind, tuple(feats)


# The context features of a filler: its windows' characters next to it (_window_chars) and
# their pairs of characters (_window_pairs). ContextRanks (pipeline.events.inference) looks
# the same strings up without making them; a test holds the two together.


def _window_chars(kind: str, left: str, right: str) -> list[str]:
    """The last and first 1 to ``_CONTEXT`` characters of a filler's windows ``left`` and ``right``, also by kind."""
    feats: list[str] = []
    n_left, n_right = len(left), len(right)
    kind_left, kind_right = f"{kind}|l", f"{kind}|r"
    append = feats.append
    for k in range(1, _CONTEXT + 1):
        if n_left >= k:
            part = left[-k:]
            append(f"l{k}={part}")
            append(f"{kind_left}{k}={part}")
        if n_right >= k:
            part = right[:k]
            append(f"r{k}={part}")
            append(f"{kind_right}{k}={part}")
    return feats


def _window_pairs(left: str, right: str) -> list[str]:
    """Every pair of characters of a filler's windows ``left`` and ``right``."""
    return ["lw=" + left[i : i + 2] for i in range(len(left) - 1)] + [
        "rw=" + right[i : i + 2] for i in range(len(right) - 1)
    ]


class RoleModel:
    """The trained role model: feature lists -> probability of each ``type/role`` label."""

    def __init__(self, path: Path) -> None:
        """Load the model at ``path``.

        Raises:
            ModelError: the folder is missing (E301) or does not load (E302).

        """
        from pipeline.events.model import MODEL_NAME, TRAIN_COMMAND

        if not (path / "config.cfg").is_file():
            raise ModelError(ErrorCode.E301, name=f"{MODEL_NAME}/roles", path=path, command=TRAIN_COMMAND)
        try:
            import spacy

            self.nlp = spacy.load(path, exclude=["vocab"])
        except Exception as exc:  # spaCy raises many kinds; all mean "cannot load"
            raise ModelError(ErrorCode.E302, name=f"{MODEL_NAME}/roles", path=path, detail=repr(exc)) from exc
        textcat: Any = self.nlp.get_pipe("textcat_multilabel")
        self.textcat = textcat
        self.labels: tuple[str, ...] = tuple(textcat.labels)
        # How many training fillers had each label: a label learnt from a handful says little.
        report = path / "training.json"
        positives = json.loads(report.read_text(encoding="utf-8")).get("positives", {}) if report.is_file() else {}
        self.support: dict[str, int] = {str(k): int(v) for k, v in positives.items()}
        # Features never seen in training are dropped: they carry no weight, and
        # keeping them would grow the vocabulary with every new document. Their string
        # hashes (what the bag-of-features layer reads) are computed once here.
        known = path / FEATURES_FILE
        self.known: frozenset[str] | None = None
        self._hashes: dict[str, int] | None = None
        if known.is_file():
            from spacy.strings import get_string_id

            names = known.read_text(encoding="utf-8").splitlines()
            self.known = frozenset(names)
            self._hashes = {name: get_string_id(name) for name in names}
        self._empty = FeatureBag.of(["EMPTY"])
        # Labels and columns by set of event types (see scores).
        self._type_labels: dict[frozenset[str], tuple[tuple[str, ...], numpy.ndarray[Any, Any]]] = {}
        from pipeline.events.inference import ContextRanks, FeatureForward, bow_layers

        # The document-at-once forward pass (pipeline.events.inference) when the model is
        # the bag of known unigram features it mirrors; else each filler goes through a bag.
        self._forward: FeatureForward | None = None
        layers = bow_layers(textcat) if self._hashes is not None else None
        if layers is not None and layers.ngram_size == 1 and self._hashes is not None:
            self._forward = FeatureForward(layers, self._hashes, int(self._empty.ids[0]))
        # The context features' ranks from the text (see document_scores); made at load, so
        # that a batch's forked workers inherit them.
        self._context: ContextRanks | None = None
        if self._forward is not None:
            self._context = ContextRanks(self._forward.rank)

    def scores(self, features: Sequence[Sequence[str]], types: Collection[str] | None = None) -> list[dict[str, float]]:
        """Probability of each label for each feature list, in order.

        ``types``: only the labels of these event types (``type/role``) are computed and
        given, each as it is among all labels; without, every label.

        The feature lists go to the classifier's weights directly (:class:`FeatureForward`),
        without building a spaCy ``Doc`` per filler nor writing ``doc.cats``: both cost
        more than the model itself, and the model only reads the features' hashes. A
        document's events are of a few types, whose labels are a tenth of the model's.
        """
        labels, columns = self.labels, None
        if types is not None:
            labels, columns = self._labels_of(frozenset(types))
        if not labels:
            return [{} for _ in features]
        if self._forward is None or not features:
            all_scores = self.scores_by_bags(features)
            if columns is None:
                return all_scores
            return [{label: scores[label] for label in labels} for scores in all_scores]
        rows = self._forward.probabilities(features, columns).astype(numpy.float64).tolist()
        return [dict(zip(labels, row, strict=True)) for row in rows]

    def document_scores(
        self,
        featurizer: RoleFeaturizer,
        text: str,
        sentences: Sequence[tuple[int, int]],
        fillers: Sequence[Filler],
        trigger_spans: Mapping[str, Sequence[tuple[int, int]]] | None = None,
        types: Collection[str] | None = None,
    ) -> list[dict[str, float]]:
        """:meth:`scores` of the features ``featurizer`` gives the fillers of a document (the events stage's call).

        With the document-at-once forward pass the context features (two thirds of a
        filler's) are looked up from the text by :class:`ContextRanks`, not made as
        strings; the scores are the same to the bit.
        """
        if self._context is None or self._forward is None or not fillers:
            return self.scores(featurizer.document_features(text, sentences, fillers, trigger_spans), types)
        labels, columns = self.labels, None
        if types is not None:
            labels, columns = self._labels_of(frozenset(types))
        if not labels:
            return [{} for _ in fillers]
        windows: list[tuple[str, int, int]] = []
        features = featurizer.document_features(text, sentences, fillers, trigger_spans, windows)
        context = self._context.ranks(text, [f.span for f in fillers], windows)
        rows = self._forward.probabilities(features, columns, context).astype(numpy.float64).tolist()
        return [dict(zip(labels, row, strict=True)) for row in rows]

    def _labels_of(self, types: frozenset[str]) -> tuple[tuple[str, ...], numpy.ndarray[Any, Any]]:
        """The labels of ``types`` and their columns, in the model's order."""
        found = self._type_labels.get(types)
        if found is None:
            if len(self._type_labels) >= 256:  # bounded: the combinations of types are many
                self._type_labels.clear()
            columns = [i for i, label in enumerate(self.labels) if split_label(label)[0] in types]
            found = self._type_labels[types] = (
                tuple(self.labels[i] for i in columns),
                numpy.array(columns, dtype=numpy.int64),
            )
        return found

    def scores_by_bags(self, features: Sequence[Sequence[str]]) -> list[dict[str, float]]:
        """:meth:`scores` through ``textcat.predict``, one bag of hashes per feature list (the reference path)."""
        hashes = self._hashes
        bags: list[FeatureBag] = []
        for feats in features:
            if hashes is not None:
                ids = [h for h in map(hashes.get, feats) if h is not None]
                bags.append(FeatureBag(numpy.array(ids, dtype=numpy.uint64)) if ids else self._empty)
            else:
                bags.append(FeatureBag.of(feats) if feats else self._empty)
        return predict_cats(self.textcat, bags, self.labels, batch_size=256)


class FeatureBag:
    """The one thing a bag-of-features classifier reads of a ``Doc``: its tokens' ORTH hashes.

    spaCy's ``TextCatBOW`` model hashes a doc through ``doc.to_array([ORTH])`` (then
    counts n-grams of those hashes) and asks ``len(doc)``; nothing else. The tests
    check that the scores equal those of real docs.
    """

    __slots__ = ("ids",)

    def __init__(self, ids: Any) -> None:
        self.ids = ids

    @classmethod
    def of(cls, words: Sequence[str]) -> FeatureBag:
        """The bag of ``words`` (feature strings), hashed as spaCy hashes token texts."""
        from spacy.strings import get_string_id

        return cls(numpy.array([get_string_id(w) for w in words], dtype=numpy.uint64))

    def __len__(self) -> int:
        return len(self.ids)

    def to_array(self, attrs: Any) -> Any:
        """The ORTH column, as ``Doc.to_array([ORTH])`` gives it (the model asks for nothing else)."""
        return self.ids


def predict_cats(textcat: Any, docs: Sequence[Any], labels: Sequence[str], batch_size: int) -> list[dict[str, float]]:
    """``doc.cats`` of each doc as ``textcat.pipe`` would set them, in batches of ``batch_size``.

    The same batches as ``pipe`` (a batch without any token scores zero), without
    the per-label writes into ``doc.cats``.
    """
    out: list[dict[str, float]] = []
    for i in range(0, len(docs), batch_size):
        batch = docs[i : i + batch_size]
        rows = textcat.predict(batch)
        out.extend(dict(zip(labels, row, strict=True)) for row in numpy.asarray(rows, dtype=numpy.float64).tolist())
    return out
