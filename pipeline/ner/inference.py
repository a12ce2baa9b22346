"""The NER network's forward pass in plain numpy, for inference only.

thinc runs the network (``pipeline.ner.layers``) one small layer at a time, each with
its own temporaries and Python overhead; at inference that is most of the cost. This
module reads the trained parameters out of the thinc model once and computes the same
function with fewer, larger numpy operations:

* the sequences of a batch are laid out one after another with ``max(dilations)``
  zero rows between them, so a dilated window is three shifted slices of one matrix
  product instead of a gathered copy (the zero rows are what thinc's window pads
  with, so the result is the same);
* each block is then one matrix product, in-place bias, ReLU, layer norm and residual
  add.

The thinc model stays the definition (training uses it); a test checks that both give
the same probabilities.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
from numpy.typing import NDArray
from thinc.api import Model, NumpyOps

from pipeline.ner.features import BIGRAM, SHAPE, SHAPE_KEYS, TRIGRAM
from pipeline.ner.layers import STATIC_REF, _openblas_threads, static_rows, static_tables

Floats = NDArray[np.float32]
_EPS = 1e-08  # thinc's LayerNorm variance epsilon
_NGRAMS = frozenset({BIGRAM, TRIGRAM})


@dataclass(frozen=True, slots=True)
class _Norm:
    gain: Floats
    bias: Floats

    def apply(self, X: Floats) -> None:
        """Layer norm of every row of ``X``, in place (as thinc's ``LayerNorm``)."""
        # = X.mean(axis=1, keepdims=True) (the same sum, then the same division) without
        # numpy's Python-level wrapper, which costs as much as the sum on these rows.
        mean = np.add.reduce(X, axis=1, keepdims=True)  # = X.sum(...), without its wrapper
        mean /= X.shape[1]
        X -= mean
        var = np.einsum("ij,ij->i", X, X)[:, None]
        var /= X.shape[1]
        var += _EPS
        np.sqrt(var, out=var)
        X /= var
        X *= self.gain
        X += self.bias


@dataclass(frozen=True, slots=True)
class _Table:
    vectors: Floats
    seed: int
    column: int


@dataclass(frozen=True, slots=True)
class _Block:
    dilation: int
    weights: Floats  # (3, width, width): the left, centre and right parts of W, transposed
    bias: Floats
    norm: _Norm


class FastEncoder:
    """Tag probabilities from feature keys, computed like the thinc encoder it was read from."""

    def __init__(self, encoder: Model[Any, Any]) -> None:
        self.ops = NumpyOps()
        self.tables = [
            _Table(
                cast(Floats, encoder.get_ref(f"table{i}").layers[-1].get_param("E")),
                int(encoder.get_ref(f"table{i}").layers[-1].attrs["seed"]),
                int(encoder.get_ref(f"table{i}").attrs["column"]),
            )
            for i in range(sum(1 for name in encoder.ref_names if name.startswith("table")))
        ]
        # The pretrained-vector input, when the model has one: each column's vectors are
        # multiplied by their part of the projection once, here, so at run time they are
        # looked up and added like the hashed tables' rows.
        self.static = encoder.get_ref(STATIC_REF) if encoder.has_ref(STATIC_REF) else None
        self.static_projected: list[Floats] = []
        if self.static is not None:
            W = cast(Floats, self.static.get_param("W"))
            first = 0
            for table in static_tables(self.static):
                part = W[:, first : first + table.shape[1]]
                self.static_projected.append(np.ascontiguousarray(table @ part.T, dtype=np.float32))
                first += table.shape[1]
        # The shape column has few possible keys: the sum of each one's rows is read
        # from a table made here, instead of being hashed and added per text.
        self.key_sums = {
            table.column: self._key_vectors(table, np.arange(SHAPE_KEYS, dtype=np.uint64))
            for table in self.tables
            if table.column == SHAPE
        }
        self.embed_norm = _norm(encoder.get_ref("embed_norm"))
        dilations = [int(d) for d in encoder.attrs["dilations"]]
        self.blocks = []
        for k, dilation in enumerate(dilations):
            linear = encoder.get_ref(f"block{k}_linear")
            W = cast(Floats, linear.get_param("W"))  # (width, 3 * width)
            width = W.shape[0]
            # np.matmul(X, stacked) gives the three partial products (left, centre, right)
            # as three contiguous matrices: the adds that combine them run faster than
            # over the column slices of one product, and each product is the same.
            stacked = np.ascontiguousarray(np.stack([W[:, i * width : (i + 1) * width].T for i in range(3)]))
            self.blocks.append(
                _Block(dilation, stacked, cast(Floats, linear.get_param("b")), _norm(encoder.get_ref(f"block{k}_norm")))
            )
        output = encoder.get_ref("output")
        self.out_weights = np.ascontiguousarray(cast(Floats, output.get_param("W")).T)
        self.out_bias = cast(Floats, output.get_param("b"))
        self.gap = max(dilations, default=0)
        self.threads = _openblas_threads()

    def __call__(self, keys: NDArray[np.uint64], lengths: Sequence[int]) -> Floats:
        """Probabilities ``(len(keys), n_tags)`` for the concatenated sequences of ``lengths``."""
        if self.threads.get is not None:
            with self.threads.one():
                return self._forward(keys, lengths)
        return self._forward(keys, lengths)

    def _forward(self, keys: NDArray[np.uint64], lengths: Sequence[int]) -> Floats:
        n = len(keys)
        embedded = self._embed(keys)
        if not self.blocks or not n:
            return self._output(embedded)
        gap, width = self.gap, embedded.shape[1]
        # The sequences one after another with ``gap`` zero rows between them (the rows
        # before the first and after the last are never computed: the products the
        # edge rows read there are the zero rows of ``parts``).
        padding: NDArray[np.intp] | None = None
        if np.count_nonzero(lengths) > 1:
            rows = np.arange(n) + np.repeat(np.arange(len(lengths)) * gap, lengths)
            rows -= rows[0]
            X = np.zeros((int(rows[-1]) + 1, width), dtype=np.float32)
            X[rows] = embedded
            is_real = np.zeros(len(X), dtype=bool)
            is_real[rows] = True
            padding = np.flatnonzero(~is_real)
        else:
            X = embedded
        inner = len(X)
        parts = np.zeros((3, inner + 2 * gap, width), dtype=np.float32)
        products = parts[:, gap : gap + inner]
        H = np.empty_like(X)
        for block in self.blocks:
            np.matmul(X, block.weights, out=products)
            d = block.dilation
            # The centre part plus the row d before, then the row d after (thinc's order).
            np.add(products[1], parts[0, gap - d : gap - d + inner], out=H)
            H += parts[2, gap + d : gap + d + inner]
            H += block.bias
            np.maximum(H, 0, out=H)
            block.norm.apply(H)
            X += H
            if padding is not None:
                X[padding] = 0.0
        return self._output(X if padding is None else X[rows])

    def _embed(self, keys: NDArray[np.uint64]) -> Floats:
        summed = self.hashed_sum(keys)
        if self.static is not None:
            for projected, rows in zip(self.static_projected, static_rows(self.static, keys), strict=True):
                summed += projected.take(rows, axis=0)
        self.embed_norm.apply(summed)
        return summed

    def hashed_sum(self, keys: NDArray[np.uint64]) -> Floats:
        """The sum of the hashed tables' vectors of every row of ``keys`` (before the static input).

        Each key reads four rows of its table (thinc's ``HashEmbed``). They are added
        in thinc's order (the four rows of a table, then the tables' sums one after
        another), so the result is the same to the bit as with thinc's ``gather_add``;
        numpy's row gathers (``np.take``) and adds take a third of the time of that loop.
        """
        summed: Floats | None = None
        for table in self.tables:
            vectors = self._column_vectors(table, np.ascontiguousarray(keys[:, table.column]))
            if summed is None:
                summed = vectors
            else:
                summed += vectors
        if summed is None:
            return np.zeros((len(keys), 0), dtype=np.float32)
        return summed

    def _column_vectors(self, table: _Table, ids: NDArray[np.uint64]) -> Floats:
        """The sum of the four rows of ``table`` that each key of ``ids`` reads, per position."""
        sums = self.key_sums.get(table.column)
        if sums is not None and len(ids) and ids.max() < len(sums):
            vectors: Floats = sums.take(ids, axis=0)
            return vectors
        # Characters, shapes, tags and most words repeat within a text: each distinct
        # key's four rows are then added once and the sums spread to every position.
        # A position's vector is the same sum of the same rows in the same order.
        # Bigrams and trigrams hardly repeat (in one text of 20 in the benchmark
        # news): they are not sorted for it.
        if table.column not in _NGRAMS:
            distinct, inverse = np.unique(ids, return_inverse=True)
            if 2 * len(distinct) <= len(ids):
                return self._key_vectors(table, distinct).take(inverse, axis=0)
        return self._key_vectors(table, ids)

    def _key_vectors(self, table: _Table, ids: NDArray[np.uint64]) -> Floats:
        """The sum of the four rows of ``table`` that each key of ``ids`` reads, in thinc's order."""
        # One contiguous index array per hashed row: np.take over it is faster than
        # fancy indexing with a column of the (n, 4) array.
        hashed = np.ascontiguousarray((self.ops.hash(ids, table.seed) % table.vectors.shape[0]).T)
        # The array method: np.take's Python wrapper costs as much as a small gather.
        vectors: Floats = table.vectors.take(hashed[0], axis=0)
        for k in range(1, len(hashed)):
            vectors += table.vectors.take(hashed[k], axis=0)
        return vectors

    def _output(self, X: Floats) -> Floats:
        logits = X @ self.out_weights
        logits += self.out_bias
        # The ufunc reductions themselves (what .max and .sum call, without their wrappers).
        logits -= np.maximum.reduce(logits, axis=1, keepdims=True)
        np.exp(logits, out=logits)
        logits /= np.add.reduce(logits, axis=1, keepdims=True)
        return logits


def _norm(layer: Model[Any, Any]) -> _Norm:
    return _Norm(cast(Floats, layer.get_param("G")), cast(Floats, layer.get_param("b")))
