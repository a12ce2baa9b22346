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
# Probabilities are floored here before their logs are taken.
_FLOOR = 1e-12
_LOG_FLOOR = float(np.log(np.float32(_FLOOR)))
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
        self.allowed = allowed
        # Stretches are searched between two O characters.
        self.start = np.where(allowed[self.outside], 0.0, _NEG).astype(np.float32)
        # The transitions allow or forbid, with no weights, and tags share their sets of
        # allowed predecessors (O, B-X, S-X: any of O, E-Y, S-Y; I-X, E-X: B-X or I-X).
        # A step of the search takes, for each such set, the best predecessor once
        # (the first in tag order among equals, as an argmax over every tag would),
        # instead of scoring all n x n transitions. A set is padded to the longest by
        # repeating its last tag, which can never come first among equals.
        sets: dict[tuple[int, ...], int] = {}
        self.set_of = np.array(
            [sets.setdefault(tuple(np.flatnonzero(allowed[:, j]).tolist()), len(sets)) for j in range(n)],
            dtype=np.intp,
        )
        longest = max(len(members) for members in sets)
        self.members = np.array(
            [[*members, *[members[-1]] * (longest - len(members))] for members in sets], dtype=np.intp
        )

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
        # The stretches cover exactly the unsure characters, in order.
        rows = np.flatnonzero(unsure)
        tags = self._paths(probs, rows, starts, ends)
        # Every chosen tag's probability is read in one gather.
        sure = probs[rows, tags].tolist()
        tag_list = tags.tolist()
        first = 0
        for s, size, seq in zip(starts.tolist(), (ends - starts).tolist(), seq_of[starts].tolist(), strict=True):
            stop = first + size
            out[seq].extend(self._spans(tag_list[first:stop], sure[first:stop], s - int(offsets[seq])))
            first = stop
        return out

    def _paths(
        self, probs: NDArray[np.float32], rows: NDArray[np.intp], starts: NDArray[np.intp], ends: NDArray[np.intp]
    ) -> NDArray[np.intp]:
        """The tags of the best valid path of every stretch, one stretch after another.

        Where the most probable tag of every character of a stretch makes a valid
        sequence (from O and back to O), no other sequence scores higher, and the search
        would choose it too when each character's best tag leads its second by more
        than the rounding of the search's running sums can blur (so no tie can arise
        among its scores): such stretches take each character's best tag, unsearched.

        Args:
            probs: the tag probabilities of every character.
            rows: the characters of the stretches, one stretch after another.
            starts: where each stretch starts.
            ends: where each stretch ends.

        """
        emissions = np.log(np.maximum(probs[rows], _FLOOR))
        best: NDArray[np.intp] = emissions.argmax(axis=1)
        top = np.partition(emissions, -2, axis=1)
        lead = top[:, -1] - top[:, -2]
        sizes = ends - starts
        first = np.cumsum(sizes) - sizes
        last = first + sizes - 1
        valid = np.ones(len(best), dtype=bool)
        valid[1:] = self.allowed[best[:-1], best[1:]]
        valid[first] = self.start[best[first]] == 0.0
        closes = self.allowed[best[last], self.outside]
        # Every running sum of the search that competes with the best path's is at most
        # the stretch's summed |log p| plus one emission in size; a lead of eight of its
        # float32 ulps cannot be rounded away.
        magnitude = np.add.reduceat(np.abs(top[:, -1]), first) - _LOG_FLOOR
        margin = magnitude * np.float32(2.0**-20)
        clear = np.minimum.reduceat(valid & (lead > np.repeat(margin, sizes)), first) & closes
        searched = np.flatnonzero(~clear)
        if len(searched):
            paths = self._viterbi(probs, starts[searched], ends[searched])
            for f, path in zip(first[searched].tolist(), paths, strict=True):
                best[f : f + len(path)] = path
        return best

    def _viterbi(
        self, probs: NDArray[np.float32], starts: NDArray[np.intp], ends: NDArray[np.intp]
    ) -> list[NDArray[np.intp]]:
        """The best valid tag path of every stretch, searched in groups of similar length."""
        paths: list[NDArray[np.intp]] = [np.empty(0, dtype=np.intp)] * len(starts)
        order = np.argsort(ends - starts, kind="stable")
        for first in range(0, len(order), _GROUP):
            group = order[first : first + _GROUP]
            for k, path in zip(group.tolist(), self._viterbi_group(probs, starts[group], ends[group]), strict=True):
                paths[k] = path
        return paths

    def _viterbi_group(
        self, probs: NDArray[np.float32], starts: NDArray[np.intp], ends: NDArray[np.intp]
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
        emissions[rows, cols] = np.log(np.maximum(probs[np.repeat(starts, sizes) + cols], _FLOOR))
        score = self.start[None, :] + emissions[:, 0]
        # back[:, t, s]: the position within predecessor set s of the best tag before t.
        back = np.zeros((batch, width + 1, len(self.members)), dtype=np.intp)
        # Each step's candidates in one buffer and the ufuncs called directly: with a
        # few dozen stretches a step is all call overhead.
        candidates = np.empty((batch, *self.members.shape), dtype=np.float32)
        best_in_set = np.empty((batch, len(self.members)), dtype=np.float32)
        for t in range(1, width + 1):
            score.take(self.members, axis=1, out=candidates)
            candidates.argmax(axis=2, out=back[:, t])
            np.maximum.reduce(candidates, axis=2, out=best_in_set)
            np.add(best_in_set.take(self.set_of, axis=1), emissions[:, t], out=score)
        best = np.empty((batch, width), dtype=np.intp)
        tag = np.full(batch, self.outside, dtype=np.intp)  # the forced O after the stretch
        every = np.arange(batch)
        for t in range(width, 0, -1):
            owner = self.set_of[tag]
            tag = self.members[owner, back[every, t, owner]]
            best[:, t - 1] = tag
        return [best[k, : sizes[k]] for k in range(batch)]

    def _spans(self, path: list[int], sure: list[float], offset: int) -> list[Span]:
        spans = []
        begin = -1
        for i, tag in enumerate(path):
            prefix = self.prefixes[tag]
            if prefix == "S":
                spans.append((offset + i, offset + i + 1, self.labels[tag], sure[i]))
            elif prefix == "B":
                begin = i
            elif prefix == "E" and begin >= 0:
                spans.append((offset + begin, offset + i + 1, self.labels[tag], min(sure[begin : i + 1])))
                begin = -1
        return spans
