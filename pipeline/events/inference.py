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

import re
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

# Column sets of HashedLinear kept at once (a document asks for the labels of its event
# types; few combinations recur).
_SUBSETS_KEPT = 64


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
    starts, counts = _runs(len(pairs), pairs[1:] != pairs[:-1])
    pairs = pairs[starts]
    bag = pairs // n_keys
    return bag, pairs - bag * n_keys, counts


def _distinct_keys(keys: Keys, owner: Ints, n: int) -> tuple[Keys, Ints, Floats]:
    """The sorted distinct keys of each of ``n`` bags, the bag of each and how often it occurs there.

    ``keys[i]`` belongs to bag ``owner[i]``. Per bag, the keys come out as ``numpy.unique``
    gives them (thinc's ``extract_ngrams``): sorted, with their counts. The keys are sorted
    once, then stably by bag: a bag number of 16 bits sorts in one linear radix pass.
    """
    order = np.argsort(keys)
    bags = owner[order]
    order = order[np.argsort(bags.astype(np.uint16) if n <= 1 << 16 else bags, kind="stable")]
    keys, owner = keys[order], owner[order]
    starts, counts = _runs(len(keys), (keys[1:] != keys[:-1]) | (owner[1:] != owner[:-1]))
    return keys[starts], owner[starts], counts


def _runs(size: int, changed: NDArray[np.bool_]) -> tuple[Ints, Floats]:
    """Where each run of equal items of a sorted array of ``size`` items starts, and its length.

    ``changed[i]`` tells whether item ``i + 1`` differs from item ``i``.
    """
    first = np.ones(size, dtype=bool)
    first[1:] = changed
    starts = np.flatnonzero(first)
    counts = np.diff(np.append(starts, size)).astype(np.float32)
    return starts, counts


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
        self._subsets: dict[bytes, tuple[Floats, Floats]] = {}

    def slots(self, keys: Keys) -> Ints:
        """The two rows each key reads, ``(len(keys), 2)``: its murmurhash with seeds 0 and 1, modulo the length."""
        slots = np.empty((len(keys), 2), dtype=np.int64)
        slots[:, 0] = murmurhash3_32(keys, 0) % np.uint32(self.length)
        slots[:, 1] = murmurhash3_32(keys, 1) % np.uint32(self.length)
        return slots

    def scores(self, slots: Ints, counts: Floats, bag: Ints, n: int, columns: Ints | None = None) -> Floats:
        """The layer's output for ``n`` bags, given each distinct key's slots, count and bag, in thinc's order.

        Per bag: the bias, then per key ``weight * count`` of its first slot, then of its
        second, added one after another in float32 (thinc's ``set_scoresC``); thinc's
        ``scatter_add`` adds rows in the order given. ``columns``: only these labels'
        columns, in that order (each column's sums are the same additions, bit for bit).
        """
        rows, bias = (self.rows, self.bias) if columns is None else self._columns(columns)
        terms = rows[slots.ravel()]
        repeated = np.flatnonzero(counts != 1.0)
        if len(repeated):
            by_key = terms.reshape(len(counts), 2, -1)
            by_key[repeated] *= counts[repeated, None, None]
        scores = np.empty((n, len(bias)), dtype=np.float32)
        scores[:] = bias
        _ops().scatter_add(scores, np.repeat(bag.astype(np.int32), 2), terms)
        return scores

    def _columns(self, columns: Ints) -> tuple[Floats, Floats]:
        """The weight table and bias of ``columns`` alone (kept for the last few column sets asked for).

        Gathering the rows of a few labels, not all, is what makes a subset cheaper: the
        gathered rows are the layer's largest array.
        """
        key = columns.tobytes()
        cached = self._subsets.get(key)
        if cached is None:
            if len(self._subsets) >= _SUBSETS_KEPT:
                self._subsets.clear()
            cached = self._subsets[key] = (np.ascontiguousarray(self.rows[:, columns]), self.bias[columns])
        return cached


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
        keys, bag, counts = _distinct_keys(np.concatenate(parts), np.concatenate(owners), n)
        # thinc's own sparse linear layer: with few labels its strided reads cost less
        # than hashing every key here for HashedLinear.
        lengths = np.bincount(bag, minlength=n).astype(np.int32)
        rows: Floats = self.layers.output.predict(self.layers.linear.predict((keys, counts, lengths)))
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

    def probabilities(
        self, features: Sequence[Sequence[str]], columns: Ints | None = None, extra: tuple[Ints, Ints] | None = None
    ) -> Floats:
        """One row per feature list; unknown features are dropped, a list left empty is the ``empty`` bag.

        ``columns``: only these labels' probabilities, in that order (each equal to the
        bit to its column of the whole row). ``extra``: more known features, as their ranks
        and the index of the list each belongs to (:class:`ContextRanks`).
        """
        n = len(features)
        if not n:
            return np.zeros((0, self.layers.n_labels if columns is None else len(columns)), dtype=np.float32)
        sizes = np.fromiter(map(len, features), dtype=np.int64, count=n)
        flat = np.fromiter(
            map(self.rank.get, chain.from_iterable(features), repeat(-1)), dtype=np.int64, count=int(sizes.sum())
        )
        owner = np.repeat(np.arange(n, dtype=np.int64), sizes)
        known = flat >= 0
        ranks, owner = flat[known], owner[known]
        if extra is not None:
            ranks, owner = np.concatenate([ranks, extra[0]]), np.concatenate([owner, extra[1]])
        missing = np.flatnonzero(np.bincount(owner, minlength=n) == 0)
        if len(missing):
            ranks = np.concatenate([ranks, np.full(len(missing), self.empty_rank, dtype=np.int64)])
            owner = np.concatenate([owner, missing])
        bag, key, counts = distinct_pairs(ranks, owner, self.n_keys)
        scores = self.linear.scores(self.slots[key], counts, bag, n, columns)
        return self.layers.output.predict(scores)  # type: ignore[no-any-return]


# ContextRanks: the context features of RoleFeaturizer (pipeline.events.roles) are a
# prefix naming the family (``l3=``, ``ORG:company|r2=``, ``lw=``) and 1 to 6 characters of
# the text. A piece of text is coded as two integers: its first three characters and the
# rest, 21 bits per code point (every code point fits), exact.
_CHAR_BITS = 21
_PIECE = 6  # characters at most (the featurizer's _CONTEXT; pairs have 2)
_SIDES = ("l", "r")
# The end of a context feature's prefix: ``l3=`` at the start, or ``|r2=`` after a kind.
_CONTEXT_PREFIX = re.compile(rf"(?:\A|\|)([{''.join(_SIDES)}])([1-{_PIECE}])=")


def _piece_codes(text: str, at: Ints, length: Ints) -> tuple[Ints, Ints]:
    """The ``(first, rest)`` codes of the pieces ``text[at : at + length]`` (lengths 1 to ``_PIECE``)."""
    # Lone surrogates are code points too; the padding keeps every gather inside the array.
    points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.int64)
    points = np.concatenate([points, np.zeros(_PIECE, dtype=np.int64)])
    first = points[at]
    for i in (1, 2):
        first = np.where(length > i, (first << _CHAR_BITS) | points[at + i], first)
    rest = np.where(length > 3, points[at + 3], 0)
    for i in (4, 5):
        rest = np.where(length > i, (rest << _CHAR_BITS) | points[at + i], rest)
    return first, rest


class _Lookup:
    """Positions of integers in a fixed set of distinct integers (-1 when absent), through pandas' hash table.

    A sorted search would do, but misses the cache at every step on tables this size. The
    table itself (what ``pandas.Index.get_indexer`` looks up in) is asked directly: the
    index's checks and conversions cost more than the lookup, twice per document.
    """

    def __init__(self, values: Ints) -> None:
        from pandas._libs.hashtable import Int64HashTable

        values = np.ascontiguousarray(values, dtype=np.int64)
        if len(np.unique(values)) != len(values):
            raise ValueError("_Lookup needs distinct values")
        self.size = len(values)
        self.table = Int64HashTable(len(values))
        self.table.map_locations(values)

    def __len__(self) -> int:
        return self.size

    def __call__(self, values: Ints) -> Ints:
        found: Ints = self.table.lookup(np.ascontiguousarray(values, dtype=np.int64))
        return found


class ContextRanks:
    """The ranks of a filler's context features (see ``RoleFeaturizer``), found without making their strings.

    At load every known feature name that a context feature could be is split into its
    family (kind or none, side ``l``/``r``/``lw``/``rw``, length) and its piece of text; at
    run time the pieces of a document's windows are coded from one array of its code
    points and looked up in hash tables. A name equal to the string the featurizer
    would make is found, and no other: the family fixes the prefix and the length, the
    codes the characters.
    """

    def __init__(self, rank: Mapping[str, int]) -> None:
        """``rank``: each known feature name's rank (:class:`FeatureForward`)."""
        families: dict[tuple[str | None, str, int], int] = {}
        entries: list[tuple[int, str, int]] = []
        for name, r in rank.items():
            for family, piece in _context_parses(name):
                entries.append((families.setdefault(family, len(families)), piece, r))
        self.families = families
        # Per kind: its family ids by side and length (-1: no such name is known).
        self.plain = self._family_table(None)
        # Kinds seen so far: each one's row of _kind_tables (a kind unknown to the model has -1s).
        self._kinds: dict[str, int] = {}
        self._kind_tables = np.zeros((0, len(_SIDES), _PIECE), dtype=np.int64)
        self.pairs = (families.get((None, "lw", 2), -1), families.get((None, "rw", 2), -1))
        # The pieces' codes as a text's: all pieces one after another.
        lengths = np.fromiter((len(piece) for _f, piece, _r in entries), dtype=np.int64, count=len(entries))
        first, rest = _piece_codes("".join(piece for _f, piece, _r in entries), np.cumsum(lengths) - lengths, lengths)
        # One table for both codes (one search per document), then one for the keys.
        self.codes = _Lookup(np.unique(np.concatenate([first, rest])))
        if (len(families) + 1) * (len(self.codes) + 1) ** 2 >= 2**63:
            raise ValueError("too many context features for 64-bit keys")
        # Distinct: a family and a piece make one string, which is one name.
        self.keys = _Lookup(self._keys(np.array([f for f, _p, _r in entries], dtype=np.int64), first, rest))
        self.key_rank = np.array([r for _f, _p, r in entries], dtype=np.int64)

    def _family_table(self, kind: str | None) -> Ints:
        """Family ids of ``kind``'s context features, ``[side, length - 1]`` (-1: none known)."""
        return np.array(
            [[self.families.get((kind, side, k), -1) for k in range(1, _PIECE + 1)] for side in _SIDES],
            dtype=np.int64,
        )

    def _kind_indexes(self, kinds: Sequence[str]) -> Ints:
        """Each kind's row of the family tables ``[row, side, length - 1]`` (tables of new kinds made once)."""
        rows = self._kinds
        for kind in set(kinds).difference(rows):
            rows[kind] = len(self._kind_tables)
            self._kind_tables = np.concatenate([self._kind_tables, self._family_table(kind)[None]])
        return np.fromiter(map(rows.__getitem__, kinds), dtype=np.int64, count=len(kinds))

    def _keys(self, family: Ints, first: Ints, rest: Ints) -> Ints:
        """One integer per ``(family, first, rest)`` (-1 where ``first`` or ``rest`` is no known name's)."""
        found = self.codes(np.concatenate([first, rest]))
        return self._combine(family, found[: len(first)], found[len(first) :])

    def _combine(self, family: Ints, i: Ints, j: Ints) -> Ints:
        """One integer per ``(family, i, j)``, ``i`` and ``j`` the codes' places in ``self.codes`` (-1: none)."""
        keys = (family * len(self.codes) + i) * len(self.codes) + j
        keys[(i < 0) | (j < 0) | (family < 0)] = -1
        return keys

    def ranks(
        self, text: str, fillers: Sequence[tuple[int, int]], windows: Sequence[tuple[str, int, int]]
    ) -> tuple[Ints, Ints]:
        """The known context features of each filler: their ranks and the filler (its index) each belongs to.

        ``fillers``: each filler's ``(start, end)``; ``windows``: its kind and window
        ``(kind, window_start, window_end)``, as ``RoleFeaturizer.document_features`` gives them.
        The features come in no particular order (a bag's order does not change its scores).
        """
        m = len(fillers)
        if not m:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        spans = np.array(fillers, dtype=np.int64).reshape(m, 2)
        starts, ends = spans[:, 0], spans[:, 1]
        bounds = np.array([(w[1], w[2]) for w in windows], dtype=np.int64).reshape(m, 2)
        # Single pieces, one per filler, side and length the window on that side holds: each
        # piece is a feature of the plain family and one of the filler's kind, with one code.
        room = np.stack([starts - bounds[:, 0], bounds[:, 1] - ends], axis=1)
        owner, side, k = np.nonzero(room[:, :, None] > np.arange(_PIECE))
        length = k + 1
        at = np.where(side == 0, starts[owner] - length, ends[owner])
        kind_rows = self._kind_indexes([w[0] for w in windows])
        kind_family = self._kind_tables[kind_rows[owner], side, k]
        # Pairs: one per position of a window but its last (left windows, then right ones).
        lo = np.concatenate([bounds[:, 0], ends])
        sizes = np.maximum(np.concatenate([starts - 1, bounds[:, 1] - 1]) - lo, 0)
        pair_family = np.repeat(np.array(self.pairs, dtype=np.int64), m)
        sizes[pair_family < 0] = 0
        total = int(sizes.sum())
        pair_of = np.repeat(np.arange(2 * m, dtype=np.int64), sizes)
        pair_at = lo[pair_of] + np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        first, rest = _piece_codes(text, np.concatenate([at, pair_at]), np.concatenate([length, np.full(total, 2)]))
        found = self.codes(np.concatenate([first, rest]))
        i, j = found[: len(first)], found[len(first) :]
        n = len(at)
        places = np.concatenate([np.arange(n), np.arange(n), np.arange(n, n + total)])
        family = np.concatenate([self.plain[side, k], kind_family, pair_family[pair_of]])
        found = self.keys(self._combine(family, i[places], j[places]))
        known = found >= 0
        return self.key_rank[found[known]], np.concatenate([owner, owner, pair_of % m])[known]


def _context_parses(name: str) -> list[tuple[tuple[str | None, str, int], str]]:
    """Every way ``name`` could be a context feature: ``((kind, side, length), piece)``.

    ``l3=abc``, ``ORG:company|r2=ab``, ``lw=ab``: a prefix ending in ``=`` and a piece of
    the length it names (one name can be read more than one way; each reading is kept).
    """
    parses: list[tuple[tuple[str | None, str, int], str]] = []
    if len(name) == 5 and name[:3] in ("lw=", "rw="):
        parses.append(((None, name[:2], 2), name[3:]))
    # The matches cannot overlap (only their first character may be ``|``): all are found.
    for match in _CONTEXT_PREFIX.finditer(name):
        k = int(match[2])
        if len(name) - match.end() == k:
            kind = name[: match.start()] if match[0][0] == "|" else None
            parses.append(((kind, match[1], k), name[match.end() :]))
    return parses
