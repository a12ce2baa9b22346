"""The event models' forward pass for a whole document at once, for inference only.

Both event models are spaCy ``TextCatBOW`` classifiers: ``extract_ngrams`` (the sorted
distinct n-gram hashes of a doc and their counts) ``>> sparse_linear >> logistic``.
thinc runs the n-gram step one doc at a time (``numpy.unique`` per doc) and its sparse
linear layer reads the weights of a key at a stride of the table's length (one cache
miss per label). This module computes the same function per document:

* :func:`distinct_pairs` does the n-gram step of all the bags in one integer sort;
* :class:`HashedLinear` keeps the weight table transposed (a key's weights in one row)
  and adds the rows with thinc's ``scatter_add``, in thinc's order;
* :class:`SentenceForward` (sentence classifier: character 1-3-grams, hashes known only
  at run time, 15 labels) makes the n-grams of all a document's sentences from one
  array, then runs thinc's own sparse linear layer on them;
* :class:`FeatureForward` (role model: unigrams of a known feature vocabulary, 87
  labels) maps each feature name to its key and weight rows once, at load, and uses
  :class:`HashedLinear`.

The results are equal to the bit: thinc's sparse linear layer adds, per label, the bias and
then ``weight * count`` of each key's two hashed slots in the order of the sorted keys,
in float32; ``scatter_add`` adds rows one after another in the order given, so the same
float32 additions happen in the same order (a sum in another order, such as numpy's
pairwise ``reduceat``, differs in the last bits). The tests compare both with spaCy's
``textcat.predict`` on many inputs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import chain, repeat
from typing import Any

import numpy as np
from numpy.typing import NDArray

Floats = NDArray[np.float32]
Keys = NDArray[np.uint64]
Ints = NDArray[np.int64]


@cache
def _ops() -> Any:
    """The CPU ops of thinc (imported on first use: the rules-only pipeline never needs thinc)."""
    from thinc.api import NumpyOps

    return NumpyOps()


@dataclass(frozen=True, slots=True)
class BowLayers:
    """The parts of a spaCy ``TextCatBOW`` model: its n-gram size, sparse linear layer and output layer."""

    ngram_size: int
    linear: Any  # thinc's ``sparse_linear`` (inside spaCy's ``resizable``)
    output: Any  # thinc's ``logistic``

    @property
    def n_labels(self) -> int:
        """Width of the output (one column per label)."""
        return int(self.linear.get_dim("nO"))

    @property
    def length(self) -> int:
        """Rows of the hashed weight table."""
        return int(self.linear.get_dim("length"))


def bow_layers(textcat: Any) -> BowLayers | None:
    """The layers of a ``TextCatBOW`` over ``ORTH`` hashes with a logistic output, else None.

    spaCy builds it as ``with_cpu(extract_ngrams >> resizable(sparse_linear)) >> with_cpu(logistic)``;
    a model of another shape (softmax, a tok2vec, other attributes) gets None and keeps
    ``textcat.predict``.
    """
    from spacy.attrs import ORTH

    try:
        ngram_part, output_part = textcat.model.layers
        extract, resizable = ngram_part.layers[0].layers
        linear = resizable.layers[0]
        output = output_part.layers[0]
    except (AttributeError, IndexError, ValueError):
        return None
    size = extract.attrs.get("ngram_size")
    if (
        extract.name != "extract_ngrams"
        or not isinstance(size, int)
        or size < 1
        or extract.attrs.get("attr") != ORTH
        or resizable.name != "resizable(sparse_linear)"
        or linear.name != "sparse_linear"
        or linear.attrs.get("v1_indexing")
        or output.name != "logistic"
    ):
        return None
    return BowLayers(size, linear, output)


def distinct_pairs(keys: Ints, owner: Ints, n_keys: int) -> tuple[Ints, Ints, Floats]:
    """The sorted distinct ``(bag, key)`` pairs of many bags and how often each occurs.

    ``keys[i]`` (a rank below ``n_keys``, in the order of the hashes it stands for)
    belongs to bag ``owner[i]``. Per bag, the keys come out as ``numpy.unique`` gives
    them (thinc's ``extract_ngrams``): sorted, with their counts. One integer sort.
    """
    pairs = owner * n_keys + keys
    pairs.sort()
    first = np.ones(len(pairs), dtype=bool)
    first[1:] = pairs[1:] != pairs[:-1]
    starts = np.flatnonzero(first)
    counts = np.diff(np.append(starts, len(pairs))).astype(np.float32)
    pairs = pairs[starts]
    bag = pairs // n_keys
    return bag, pairs - bag * n_keys, counts


class HashedLinear:
    """thinc's ``sparse_linear`` (v2 indexing) with its weight table transposed: a key's weights side by side.

    thinc reads the weights of one key at a stride of the table's length, one cache
    miss per label; here they are one row.
    """

    def __init__(self, layers: BowLayers) -> None:
        self.length, self.n_labels = layers.length, layers.n_labels
        weights = layers.linear.get_param("W").reshape(self.n_labels, self.length)
        self.rows = np.ascontiguousarray(weights.T)
        self.bias = layers.linear.get_param("b").astype(np.float32)

    def slots(self, keys: Keys) -> Ints:
        """The two rows each key reads, ``(len(keys), 2)``: its murmurhash with seeds 0 and 1, modulo the length."""
        slots = np.empty((len(keys), 2), dtype=np.int64)
        slots[:, 0] = murmurhash3_32(keys, 0) % np.uint32(self.length)
        slots[:, 1] = murmurhash3_32(keys, 1) % np.uint32(self.length)
        return slots

    def scores(self, slots: Ints, counts: Floats, bag: Ints, n: int) -> Floats:
        """The layer's output for ``n`` bags, given each distinct key's slots, count and bag, in thinc's order.

        Per bag: the bias, then per key ``weight * count`` of its first slot, then of its
        second, added one after another in float32 (thinc's ``set_scoresC``); thinc's
        ``scatter_add`` adds rows in the order given.
        """
        terms = self.rows[slots.ravel()]
        repeated = np.flatnonzero(counts != 1.0)
        if len(repeated):
            by_key = terms.reshape(len(counts), 2, -1)
            by_key[repeated] *= counts[repeated, None, None]
        scores = np.empty((n, self.n_labels), dtype=np.float32)
        scores[:] = self.bias
        _ops().scatter_add(scores, np.repeat(bag.astype(np.int32), 2), terms)
        return scores


def murmurhash3_32(keys: Keys, seed: int) -> NDArray[np.uint32]:
    """Each key's ``MurmurHash3_x86_32_uint64`` (thinc's sparse linear layer: the weight slot a key reads)."""
    c1, c2 = np.uint32(0xCC9E2D51), np.uint32(0x1B873593)
    h = np.full(keys.shape, seed, dtype=np.uint32)
    with np.errstate(over="ignore"):
        low = (keys & np.uint64(0xFFFFFFFF)).astype(np.uint32)
        high = (keys >> np.uint64(32)).astype(np.uint32)
        for part in (low, high):
            k = part * c1
            k = (k << np.uint32(15)) | (k >> np.uint32(17))
            k *= c2
            h ^= k
            h = (h << np.uint32(13)) | (h >> np.uint32(19))
            h = h * np.uint32(5) + np.uint32(0xE6546B64)
        h ^= np.uint32(8)  # the key's length in bytes
        h ^= h >> np.uint32(16)
        h *= np.uint32(0x85EBCA6B)
        h ^= h >> np.uint32(13)
        h *= np.uint32(0xC2B2AE35)
        h ^= h >> np.uint32(16)
    return h


class SentenceForward:
    """Probabilities of the sentence classifier for all sentences of a document at once."""

    def __init__(self, layers: BowLayers) -> None:
        self.layers = layers

    def probabilities(self, unigrams: Keys, sizes: Ints, batch_size: int) -> Floats:
        """One row per sentence, given the token hashes (``ORTH``) of all sentences one after another.

        ``sizes``: each sentence's number of tokens. As ``textcat.predict`` over batches
        of ``batch_size`` docs: a batch in which no doc has a token scores zero (spaCy's
        shortcut); an empty doc elsewhere scores the bias alone.
        """
        n = len(sizes)
        if not n:
            return np.zeros((0, self.layers.n_labels), dtype=np.float32)
        unigrams = np.ascontiguousarray(unigrams, dtype=np.uint64)
        owner = np.repeat(np.arange(n, dtype=np.int64), sizes)
        parts, owners = [unigrams], [owner]
        for size in range(2, self.layers.ngram_size + 1):
            if len(unigrams) < size:
                break
            # An n-gram of the joined sentences is one of a sentence when its first and
            # last token share the sentence (ngrams hash the n keys of the window alone).
            grams = _ops().ngrams(size, unigrams)
            inside = owner[: len(grams)] == owner[size - 1 :]
            parts.append(grams[inside])
            owners.append(owner[: len(grams)][inside])
        # The document's distinct keys, each then named by its rank (sorting ranks sorts keys).
        keys, ranks = np.unique(np.concatenate(parts), return_inverse=True)
        bag, key, counts = distinct_pairs(ranks, np.concatenate(owners), len(keys))
        # thinc's own sparse linear layer: with few labels its strided reads cost less
        # than hashing every key here for HashedLinear.
        lengths = np.bincount(bag, minlength=n).astype(np.int32)
        rows: Floats = self.layers.output.predict(self.layers.linear.predict((keys[key], counts, lengths)))
        for start in range(0, n, batch_size):
            if not sizes[start : start + batch_size].any():
                rows[start : start + batch_size] = 0.0
        return rows


class FeatureForward:
    """Probabilities of a bag-of-unigrams model over a known feature vocabulary.

    At load, each feature name gets the rank of its hash among the vocabulary's
    hashes (so sorting by rank is sorting by hash, the order thinc adds keys in) and
    the two rows of the transposed weight table its hash reads.
    """

    def __init__(self, layers: BowLayers, hashes: Mapping[str, int], empty: int) -> None:
        """``hashes``: each known feature's string hash (what spaCy stores as ``ORTH``).

        ``empty``: the hash of the one-key bag a list without known features is scored as.
        """
        if layers.ngram_size != 1:
            raise ValueError("FeatureForward reads bags of unigrams only")
        self.layers = layers
        known = np.fromiter(hashes.values(), dtype=np.uint64, count=len(hashes))
        unique = np.unique(np.append(known, np.uint64(empty)))
        # Names sharing a hash share a rank: one key, as in thinc.
        self.rank: dict[str, int] = dict(zip(hashes, np.searchsorted(unique, known).tolist(), strict=True))
        self.empty_rank = int(np.searchsorted(unique, np.uint64(empty)))
        self.n_keys = len(unique)
        self.linear = HashedLinear(layers)
        self.slots = self.linear.slots(unique)

    def probabilities(self, features: Sequence[Sequence[str]]) -> Floats:
        """One row per feature list; unknown features are dropped, a list left empty is the ``empty`` bag."""
        n = len(features)
        if not n:
            return np.zeros((0, self.layers.n_labels), dtype=np.float32)
        sizes = np.fromiter(map(len, features), dtype=np.int64, count=n)
        flat = np.fromiter(
            map(self.rank.get, chain.from_iterable(features), repeat(-1)), dtype=np.int64, count=int(sizes.sum())
        )
        owner = np.repeat(np.arange(n, dtype=np.int64), sizes)
        known = flat >= 0
        ranks, owner = flat[known], owner[known]
        missing = np.flatnonzero(np.bincount(owner, minlength=n) == 0)
        if len(missing):
            ranks = np.concatenate([ranks, np.full(len(missing), self.empty_rank, dtype=np.int64)])
            owner = np.concatenate([owner, missing])
        bag, key, counts = distinct_pairs(ranks, owner, self.n_keys)
        scores = self.linear.scores(self.slots[key], counts, bag, n)
        return self.layers.output.predict(scores)  # type: ignore[no-any-return]
