"""BIOES tags: from gold spans to tags, and from tag scores back to the best valid spans.

The model scores every tag at every character independently, so the most likely tag
of each character need not form a valid sequence (``I-ORG`` after ``O``, ``B-ORG``
then ``E-PERSON``). :func:`decode` finds the most probable *valid* sequence (Viterbi
over the BIOES transition rules, no learnt transition weights). It only runs where the
model is unsure that a character is outside every entity: stretches whose characters
all have ``P(O) >= OUTSIDE_SURE`` are ``O`` without search, and the remaining short
stretches are searched together, as one padded batch, so decoding costs little next
to the network.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

# ``(start, end, label, confidence)`` of one entity.
Span = tuple[int, int, str, float]
OUTSIDE = "O"
PREFIXES = ("B", "I", "E", "S")
# Above this probability of O a character is taken as outside without search.
OUTSIDE_SURE = 0.995
_NEG = -1e9
# Stretches searched together (sorted by length, so padding stays small).
_GROUP = 256


def tag_names(labels: Sequence[str]) -> list[str]:
    """All tags for ``labels``: ``O`` then ``B-``, ``I-``, ``E-``, ``S-`` of each label."""
    return [OUTSIDE, *(f"{p}-{label}" for label in labels for p in PREFIXES)]


def spans_to_tags(length: int, spans: Sequence[tuple[int, int, str]]) -> list[str]:
    """The BIOES tag of every character of a text of ``length`` with the given entity spans."""
    tags = [OUTSIDE] * length
    for start, end, label in spans:
        if end - start == 1:
            tags[start] = f"S-{label}"
            continue
        tags[start] = f"B-{label}"
        for i in range(start + 1, end - 1):
            tags[i] = f"I-{label}"
        tags[end - 1] = f"E-{label}"
    return tags


class Decoder:
    """Valid BIOES spans from per-character tag probabilities, for a fixed tag order."""

    def __init__(self, tags: Sequence[str]) -> None:
        self.tags = list(tags)
        if OUTSIDE not in self.tags:
            raise ValueError("the tag set has no O tag")
        self.outside = self.tags.index(OUTSIDE)
        n = len(self.tags)
        parts = [tag.split("-", 1) if tag != OUTSIDE else (OUTSIDE, "") for tag in self.tags]
        self.labels = [label for _prefix, label in parts]
        self.prefixes = [prefix for prefix, _label in parts]
        # May tag j follow tag i?
        allowed = np.zeros((n, n), dtype=bool)
        for i, (p_i, l_i) in enumerate(parts):
            for j, (p_j, l_j) in enumerate(parts):
                if p_i in (OUTSIDE, "E", "S"):
                    allowed[i, j] = p_j in (OUTSIDE, "B", "S")
                else:  # inside an entity: continue or close it, same label
                    allowed[i, j] = p_j in ("I", "E") and l_i == l_j
        self.transition = np.where(allowed, 0.0, _NEG).astype(np.float32)
        # Stretches are searched between two O characters.
        self.start = self.transition[self.outside].copy()
        self.end_ok = allowed[:, self.outside]

    def decode(self, probs: NDArray[np.float32], lengths: Sequence[int]) -> list[list[Span]]:
        """The entity spans ``(start, end, label, confidence)`` of each sequence of a ragged batch.

        The confidence of a span is the lowest probability the model gave to any of
        its characters' tags on the chosen path (a span is as sure as its weakest
        character).

        Args:
            probs: ``(sum(lengths), n_tags)`` tag probabilities, sequences one after another.
            lengths: the length of each sequence; span offsets are relative to its start.

        """
        out: list[list[Span]] = [[] for _ in lengths]
        if not len(probs):
            return out
        unsure = probs[:, self.outside] < OUTSIDE_SURE
        if not unsure.any():
            return out
        seq_of = np.repeat(np.arange(len(lengths)), lengths)
        offsets = np.cumsum(lengths) - np.asarray(lengths)
        # Stretches of unsure characters, never across two sequences.
        flags = unsure.astype(np.int8)
        breaks = np.zeros(len(probs), dtype=bool)
        breaks[offsets[np.asarray(lengths) > 0]] = True
        starts = np.flatnonzero(unsure & (breaks | np.concatenate(([True], flags[:-1] == 0))))
        last = np.concatenate((breaks[1:], [True])) | np.concatenate((flags[1:] == 0, [True]))
        ends = np.flatnonzero(unsure & last)
        ends = ends + 1
        logp = np.log(np.maximum(probs, 1e-12))
        for s, path in zip(starts, self._viterbi(logp, starts, ends), strict=True):
            seq = int(seq_of[s])
            base = int(offsets[seq])
            sure = probs[np.arange(int(s), int(s) + len(path)), path]
            out[seq].extend(self._spans(path, sure, int(s) - base))
        return out

    def _viterbi(
        self, logp: NDArray[np.float32], starts: NDArray[np.intp], ends: NDArray[np.intp]
    ) -> list[NDArray[np.intp]]:
        """The best valid tag path of every stretch, searched in groups of similar length."""
        paths: list[NDArray[np.intp]] = [np.empty(0, dtype=np.intp)] * len(starts)
        order = np.argsort(ends - starts, kind="stable")
        for first in range(0, len(order), _GROUP):
            group = order[first : first + _GROUP]
            for k, path in zip(group.tolist(), self._viterbi_group(logp, starts[group], ends[group]), strict=True):
                paths[k] = path
        return paths

    def _viterbi_group(
        self, logp: NDArray[np.float32], starts: NDArray[np.intp], ends: NDArray[np.intp]
    ) -> list[NDArray[np.intp]]:
        n_tags = len(self.tags)
        sizes = ends - starts
        width = int(sizes.max())
        batch = len(starts)
        # Padding after a stretch forces O, so each path must be able to end there.
        emissions = np.full((batch, width + 1, n_tags), _NEG, dtype=np.float32)
        emissions[:, :, self.outside] = 0.0
        rows = np.repeat(np.arange(batch), sizes)
        cols = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        emissions[rows, cols] = logp[np.repeat(starts, sizes) + cols]
        score = self.start[None, :] + emissions[:, 0]
        back = np.zeros((batch, width + 1, n_tags), dtype=np.intp)
        # One buffer for every step's (previous tag, next tag) scores, and the ufuncs
        # called directly: with a few dozen stretches a step is all call overhead.
        total = np.empty((batch, n_tags, n_tags), dtype=np.float32)
        best_previous = np.empty((batch, n_tags), dtype=np.float32)
        transition = self.transition[None, :, :]
        for t in range(1, width + 1):
            np.add(score[:, :, None], transition, out=total)
            total.argmax(axis=1, out=back[:, t])
            np.maximum.reduce(total, axis=1, out=best_previous)
            np.add(best_previous, emissions[:, t], out=score)
        best = np.empty((batch, width), dtype=np.intp)
        tag = np.full(batch, self.outside, dtype=np.intp)  # the forced O after the stretch
        every = np.arange(batch)
        for t in range(width, 0, -1):
            tag = back[every, t, tag]
            best[:, t - 1] = tag
        return [best[k, : sizes[k]] for k in range(batch)]

    def _spans(self, path: NDArray[np.intp], sure: NDArray[np.float32], offset: int) -> list[Span]:
        spans = []
        begin = -1
        for i, tag in enumerate(path.tolist()):
            prefix = self.prefixes[tag]
            if prefix == "S":
                spans.append((offset + i, offset + i + 1, self.labels[tag], float(sure[i])))
            elif prefix == "B":
                begin = i
            elif prefix == "E" and begin >= 0:
                spans.append((offset + begin, offset + i + 1, self.labels[tag], float(sure[begin : i + 1].min())))
                begin = -1
        return spans
