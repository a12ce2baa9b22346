"""The event models' forward pass for a whole document at once, for inference only.

Both event models are spaCy ``TextCatBOW`` classifiers: ``extract_ngrams`` (the sorted
distinct n-gram hashes of a doc and their counts) ``>> sparse_linear >> logistic``.
thinc runs them one doc at a time in its n-gram step (``numpy.unique`` per doc) and
reads the weights of each key at a stride of the table's length (one cache miss per
label). This module computes the same function per document:

* :func:`bag_keys` does the n-gram step of many bags in one sort;
* :class:`SentenceForward` (sentence classifier: character 1-3-grams of hashes only
  known at run time) builds all n-grams of a document's sentences from one array and
  keeps thinc's own compiled sparse linear layer;
* :class:`FeatureForward` (role model: unigrams of a known feature vocabulary) maps each
  feature to its two weight rows once at load, and adds the rows of a transposed table
  with thinc's ``scatter_add``, in thinc's order.

The results are equal to the bit: the sparse linear layer adds, per label, the bias and
then ``weight * count`` of each key's two hashed slots in the order of the sorted keys,
in float32; ``scatter_add`` adds rows one after another in the order given, so the same
sequence of float32 additions happens (a sum in another order, such as numpy's pairwise
``reduceat``, differs in the last bits). The tests compare both with spaCy's
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

    def probabilities(self, keys: Keys, counts: Floats, lengths: NDArray[np.int32]) -> Floats:
        """``sparse_linear >> logistic`` of bags given as thinc's ``extract_ngrams`` gives them."""
        return self.output.predict(self.linear.predict((keys, counts, lengths)))  # type: ignore[no-any-return]


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


def bag_keys(ids: Keys, owner: Ints, n: int) -> tuple[Keys, Floats, NDArray[np.int32]]:
    """The n-gram step of ``n`` bags at once: sorted distinct keys per bag, their counts, each bag's length.

    ``ids[i]`` belongs to bag ``owner[i]``. What ``numpy.unique(..., return_counts=True)``
    gives bag by bag, concatenated in bag order (thinc's ``extract_ngrams``).
    """
    order = np.lexsort((ids, owner))
    ids, owner = ids[order], owner[order]
    first = np.ones(len(ids), dtype=bool)
    first[1:] = (ids[1:] != ids[:-1]) | (owner[1:] != owner[:-1])
    starts = np.flatnonzero(first)
    counts = np.diff(np.append(starts, len(ids))).astype(np.float32)
    lengths = np.bincount(owner[starts], minlength=n).astype(np.int32)
    return ids[starts], counts, lengths


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
        keys, counts, lengths = bag_keys(np.concatenate(parts), np.concatenate(owners), n)
        rows = self.layers.probabilities(keys, counts, lengths)
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
        length, n_labels = layers.length, layers.n_labels
        weights = layers.linear.get_param("W").reshape(n_labels, length)
        self.rows = np.ascontiguousarray(weights.T)  # (length, labels): a key's weights side by side
        self.bias = layers.linear.get_param("b").astype(np.float32)
        slots = np.empty((len(unique), 2), dtype=np.int64)
        slots[:, 0] = murmurhash3_32(unique, 0) % np.uint32(length)
        slots[:, 1] = murmurhash3_32(unique, 1) % np.uint32(length)
        self.slots = slots

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
        # Sorted distinct (bag, key) pairs and their counts, in one integer sort.
        pairs = owner * self.n_keys + ranks
        pairs.sort()
        first = np.ones(len(pairs), dtype=bool)
        first[1:] = pairs[1:] != pairs[:-1]
        starts = np.flatnonzero(first)
        counts = np.diff(np.append(starts, len(pairs))).astype(np.float32)
        pairs = pairs[starts]
        bag = pairs // self.n_keys
        # Each key adds weight * count from its first slot, then from its second.
        terms = self.rows[self.slots[pairs - bag * self.n_keys].ravel()]
        repeated = np.flatnonzero(counts != 1.0)
        if len(repeated):
            by_key = terms.reshape(len(pairs), 2, -1)
            by_key[repeated] *= counts[repeated, None, None]
        scores = np.empty((n, self.layers.n_labels), dtype=np.float32)
        scores[:] = self.bias
        _ops().scatter_add(scores, np.repeat(bag.astype(np.int32), 2), terms)
        return self.layers.output.predict(scores)  # type: ignore[no-any-return]
