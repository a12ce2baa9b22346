"""The BIOES decoder finds the same paths as a plain Viterbi over every transition."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from pipeline.ner.decode import OUTSIDE, Decoder, spans_to_tags, tag_names

LABELS = ("LOC", "ORG", "PERSON")


def _plain_spans(decoder: Decoder, probs: NDArray[np.float32]) -> list[tuple[int, int, str, float]]:
    """The best valid path of one whole sequence between two O tags, scored over all n x n transitions."""
    tags = decoder.tags
    n = len(tags)
    allowed = np.zeros((n, n), dtype=bool)
    for i, a in enumerate(tags):
        for j, b in enumerate(tags):
            inside = a[0] in "BI"
            allowed[i, j] = (b[0] in "IE" and a[2:] == b[2:]) if inside else b[0] in "OBS"
    logp = np.log(np.maximum(probs.astype(np.float64), 1e-12))
    outside = tags.index(OUTSIDE)
    score = np.where(allowed[outside], logp[0], -np.inf)
    back = []
    for t in range(1, len(probs)):
        total = np.where(allowed, score[:, None], -np.inf)
        back.append(total.argmax(axis=0))
        score = total.max(axis=0) + logp[t]
    tag = int(np.where(allowed[:, outside], score, -np.inf).argmax())
    path = [tag]
    for step in reversed(back):
        tag = int(step[tag])
        path.append(tag)
    path.reverse()
    spans = []
    begin = 0
    for i, k in enumerate(path):
        name = tags[k]
        if name[0] in "BS":
            begin = i
        if name[0] in "ES":
            spans.append((begin, i + 1, name[2:], float(min(probs[j, path[j]] for j in range(begin, i + 1)))))
    return spans


def test_decode_matches_a_plain_viterbi_on_unsure_sequences() -> None:
    decoder = Decoder(tag_names(LABELS))
    rng = np.random.default_rng(11)
    n_tags = len(decoder.tags)
    lengths = [int(k) for k in rng.integers(1, 40, size=60)]
    # Peaked random distributions: the best path has entities of every label, and no
    # character is sure enough of O to be skipped, so the whole sequence is searched.
    logits = rng.normal(size=(sum(lengths), n_tags)) * 3
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    probs[:, decoder.outside] = np.minimum(probs[:, decoder.outside], 0.9)
    probs = (probs / probs.sum(axis=1, keepdims=True)).astype(np.float32)
    got = decoder.decode(probs, lengths)
    found = 0
    first = 0
    for length, spans in zip(lengths, got, strict=True):
        expected = _plain_spans(decoder, probs[first : first + length])
        assert [s[:3] for s in spans] == [s[:3] for s in expected]
        np.testing.assert_allclose([s[3] for s in spans], [s[3] for s in expected], rtol=1e-6)
        found += len(spans)
        first += length
    assert found > 50


class _SearchEverything(Decoder):
    """The decoder without its shortcut: every unsure stretch is searched."""

    def _paths(
        self, probs: NDArray[np.float32], rows: NDArray[np.intp], starts: NDArray[np.intp], ends: NDArray[np.intp]
    ) -> NDArray[np.intp]:
        return np.concatenate(self._viterbi(probs, starts, ends))


def test_stretches_whose_best_tags_are_valid_are_decoded_as_the_search_would() -> None:
    decoder = Decoder(tag_names(LABELS))
    searched = _SearchEverything(decoder.tags)
    rng = np.random.default_rng(5)
    n_tags = len(decoder.tags)
    # Sequences peaked on valid paths (the shortcut's case), on paths cut inside an
    # entity at either end (searched), on random tags (mostly invalid: searched), and
    # with the best tag tied or nearly tied with another.
    lengths = [int(k) for k in rng.integers(1, 30, size=90)]
    probs = rng.dirichlet(np.ones(n_tags) * 0.3, size=sum(lengths))
    first = 0
    for k, length in enumerate(lengths):
        if k % 4 < 3:
            spans = [(s, s + 3, LABELS[s % 3]) for s in range(0, length + 3, 5)]
            tags = [decoder.tags.index(t) for t in spans_to_tags(length + 6, spans)[k % 4 : k % 4 + length]]
            probs[first + np.arange(length), tags] += 5.0
        first += length
    probs = (probs / probs.sum(axis=1, keepdims=True)).astype(np.float32)
    near = rng.choice(len(probs), size=40, replace=False)
    order = np.argsort(probs[near], axis=1)
    probs[near, order[:, -2]] = probs[near, order[:, -1]]
    probs[near[::2], order[::2, -2]] = np.nextafter(probs[near[::2], order[::2, -1]], np.float32(0))
    got = decoder.decode(probs, lengths)
    assert got == searched.decode(probs, lengths)
    assert sum(len(spans) for spans in got) > 50
