"""The NER model's network: hashed character features -> dilated CNN -> tag scores.

A per-character tagger (one BIOES tag per character, decoded by
``pipeline.ner.decode``) instead of spaCy's transition-based parser: the scores of a
whole batch come out of a few matrix products, which is several times faster at
inference for the same accuracy. The network, registered in spaCy's registry so a
saved pipeline's ``config.cfg`` names it:

* **embedding**: one hashed table per feature column (``pipeline/ner/features.py``),
  the vectors *added* (no mixing layer, which would cost more than the encoder), then
  layer-normalised; optionally (``vectors``) plus a learnt projection of fixed,
  pretrained vectors of the frequent characters and bigrams (:func:`static_vectors`,
  learnt from unlabelled text by ``pipeline.training.ner``), which tell the tagger
  that characters it rarely saw labelled behave like ones it knows;
* **encoder**: residual blocks, each a window of three positions ``d`` apart
  (``i - d``, ``i``, ``i + d``) into a ReLU layer with layer norm; the dilations
  ``1, 2, 4, 8, 1`` give every character a view of 16 characters on either side
  at the cost of five small layers (Strubell et al. 2017, "Fast and accurate entity
  recognition with iterated dilated convolutions"), so long organisation names fit;
* **output**: a softmax over the tags.

Only thinc's own layers are used, plus two small ones defined here: reading the feature
keys off spaCy ``Doc`` objects, and the dilated window over ragged batches.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, cast

import numpy as np
from numpy.typing import NDArray
from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import (
    Dropout,
    HashEmbed,
    LayerNorm,
    Model,
    NumpyOps,
    Ragged,
    Relu,
    Softmax_v2,
    add,
    chain,
    glorot_uniform_init,
    residual,
    with_array,
)

from pipeline.ner.features import N_FEATURES, char_features

# Where a Doc made by the project carries its feature keys (computed with the
# segmenter's words); a Doc without them (``nlp("...")``) gets keys without words.
FEATURES_KEY = "zhpipe_ner_features"
ENCODER_REF = "encoder"
STATIC_REF = "static"


@registry.architectures("zhpipe.CharTagger.v1")  # type: ignore[untyped-decorator]
def char_tagger(
    width: int,
    rows: Sequence[int],
    dilations: Sequence[int],
    n_tags: int,
    dropout: float = 0.1,
    vectors: Sequence[int] = (),
    vector_widths: Sequence[int] = (),
) -> Model[list[Doc], list[NDArray[np.float32]]]:
    """The whole network from ``Doc`` objects (one token per character) to tag scores.

    Args:
        width: the vector size of every position.
        rows: rows of the hashed table of each feature column used (the first ``len(rows)``
            columns of ``pipeline.ner.features``).
        dilations: one residual block per entry, looking this far left and right.
        n_tags: the number of tags (the tagger's labels).
        dropout: dropout after the embedding and inside each block, in training.
        vectors: feature columns that also get fixed pretrained vectors
            (:func:`static_vectors`); none by default.
        vector_widths: the size of those vectors, one per column in ``vectors``.

    """
    encoder = char_encoder(width, rows, dilations, n_tags, dropout, vectors, vector_widths)
    model: Model[list[Doc], list[NDArray[np.float32]]] = chain(doc_features(), encoder, ragged_to_list())
    model.set_ref(ENCODER_REF, encoder)
    return model


def char_encoder(
    width: int,
    rows: Sequence[int],
    dilations: Sequence[int],
    n_tags: int,
    dropout: float,
    vectors: Sequence[int] = (),
    vector_widths: Sequence[int] = (),
) -> Model[Ragged, Ragged]:
    """From a ragged batch of feature keys ``(n_chars, N_FEATURES)`` to tag probabilities.

    The layers that hold parameters are also reachable by name (``table0``...,
    ``static`` with ``vectors``, ``embed_norm``, ``block0_linear``, ``block0_norm``...,
    ``output``), for the plain numpy forward pass of ``pipeline.ner.inference``.
    """
    if not 0 < len(rows) <= N_FEATURES:
        raise ValueError(f"need 1 to {N_FEATURES} table sizes, one per feature column used, got {len(rows)}")
    refs: dict[str, Model[Any, Any]] = {}
    tables: list[Model[Any, Any]] = [
        HashEmbed(width, n_rows, column=i, seed=17 + i, dropout=dropout) for i, n_rows in enumerate(rows)
    ]
    refs.update((f"table{i}", table) for i, table in enumerate(tables))
    if vectors:
        refs[STATIC_REF] = static_vectors(width, vectors, vector_widths)
        tables.append(refs[STATIC_REF])
    refs["embed_norm"] = LayerNorm(width)
    embed: Model[Any, Any] = with_array(chain(add(*tables), refs["embed_norm"]))
    blocks = []
    for k, dilation in enumerate(dilations):
        # = Relu(width, 3 * width, normalize=True, dropout=dropout), with its parts named
        linear, norm = refs[f"block{k}_linear"], refs[f"block{k}_norm"] = Relu(width, 3 * width), LayerNorm(width)
        dense: Model[Any, Any] = chain(chain(linear, norm), Dropout(dropout))
        blocks.append(residual(chain(dilated_window(dilation), with_array(dense))))
    refs["output"] = Softmax_v2(n_tags, width)
    encoder = cast(Model[Ragged, Ragged], chain(embed, *blocks, with_array(refs["output"])))
    encoder.attrs["dilations"] = list(dilations)
    for name, layer in refs.items():
        encoder.set_ref(name, layer)
    return encoder


class _OpenBlasThreads:
    """Get and set the thread count of the OpenBLAS library numpy uses, when it is found."""

    def __init__(self) -> None:
        self.get: Callable[[], int] | None = None
        self.set: Callable[[int], None] | None = None
        try:
            with open("/proc/self/maps", encoding="utf-8") as maps:
                paths = {line.split()[-1] for line in maps if "openblas" in line and ".so" in line}
        except OSError:
            return
        for path in sorted(paths):
            lib = ctypes.CDLL(path)
            for prefix in ("scipy_openblas", "openblas"):
                for suffix in ("64_", ""):
                    getter = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
                    setter = getattr(lib, f"{prefix}_set_num_threads{suffix}", None)
                    if getter is not None and setter is not None:
                        self.get, self.set = getter, setter
                        return

    @contextmanager
    def one(self) -> Iterator[None]:
        """Run the block with one BLAS thread, then restore the previous count."""
        assert self.get is not None and self.set is not None
        before = int(self.get())
        if before != 1:
            self.set(1)
        try:
            yield
        finally:
            if before != 1:
                self.set(before)


class SingleThreadBlasOps(NumpyOps):  # type: ignore[misc]
    """thinc's numpy ops with matrix products by numpy's OpenBLAS on one thread.

    On this project's CPUs OpenBLAS (AVX-512 kernels) does 1.5-3 times the work per
    CPU-second of thinc's bundled blis for the network's matrix shapes. It must run on
    one thread: OpenBLAS's extra threads spin while they wait, which costs more CPU
    than they save on matrices this small, and steals cores from parallel workers.
    """

    def __init__(self, threads: _OpenBlasThreads) -> None:
        super().__init__(use_blis=False)
        self.threads = threads

    def gemm(self, x: Any, y: Any, *, out: Any = None, trans1: bool = False, trans2: bool = False) -> Any:
        """``x @ y`` (either transposed first), on one OpenBLAS thread."""
        with self.threads.one():
            return super().gemm(x, y, out=out, trans1=trans1, trans2=trans2)


@lru_cache(maxsize=1)
def _openblas_threads() -> _OpenBlasThreads:
    return _OpenBlasThreads()


def use_numpy_blas(model: Model[Any, Any]) -> None:
    """Make every layer of ``model`` multiply matrices with :class:`SingleThreadBlasOps`.

    Nothing changes where numpy's OpenBLAS cannot be found (the layers keep thinc's
    blis); the arithmetic is the same either way, up to rounding.
    """
    threads = _openblas_threads()
    if threads.get is None:
        return
    ops = SingleThreadBlasOps(threads)
    for node in model.walk():
        node.ops = ops


@registry.layers("zhpipe.doc_features.v1")
def doc_features() -> Model[list[Doc], Ragged]:
    """The feature keys of a batch of character ``Doc`` objects, as one ragged array."""
    return Model("doc_features", _doc_features_forward)


def _doc_features_forward(
    model: Model[list[Doc], Ragged], docs: list[Doc], is_train: bool
) -> tuple[Ragged, Callable[..., Any]]:
    arrays = []
    for doc in docs:
        keys = doc.user_data.get(FEATURES_KEY)
        if keys is None:
            keys = char_features("".join(t.text[:1] or " " for t in doc))
        arrays.append(keys)
    lengths = np.array([len(a) for a in arrays], dtype="int32")
    data = np.concatenate(arrays) if arrays else np.zeros((0, N_FEATURES), dtype=np.uint64)
    return Ragged(cast(Any, data), model.ops.asarray1i(cast(Any, lengths))), lambda d_ragged: []


@registry.layers("zhpipe.ragged_to_list.v1")
def ragged_to_list() -> Model[Ragged, list[NDArray[np.float32]]]:
    """Split a ragged batch of scores into one array per document (what spaCy's tagger reads)."""
    return Model("ragged_to_list", _ragged_to_list_forward)


def _ragged_to_list_forward(
    model: Model[Any, Any], ragged: Ragged, is_train: bool
) -> tuple[list[Any], Callable[..., Any]]:
    lengths = ragged.lengths

    def backprop(d_list: list[Any]) -> Ragged:
        return Ragged(model.ops.flatten(d_list, pad=0), lengths)

    return model.ops.unflatten(ragged.dataXd, lengths), backprop


@registry.layers("zhpipe.dilated_window.v1")
def dilated_window(dilation: int) -> Model[Ragged, Ragged]:
    """Each position's vector next to those ``dilation`` positions left and right of it.

    ``(n, width)`` becomes ``(n, 3 * width)``: ``[x[i - d], x[i], x[i + d]]``, with zeros
    past either end of the position's own sequence (sequences never see each other).
    """
    return Model("dilated_window", _dilated_window_forward, attrs={"dilation": dilation})


def neighbours(lengths: NDArray[np.int32], dilation: int) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """For every position of a ragged batch, the index ``dilation`` to its left and right, or -1."""
    total = int(lengths.sum())
    index = np.arange(total)
    starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
    ends = np.repeat(np.cumsum(lengths), lengths)
    left = np.where(index - dilation >= starts, index - dilation, -1)
    right = np.where(index + dilation < ends, index + dilation, -1)
    return left, right


def _dilated_window_forward(
    model: Model[Ragged, Ragged], ragged: Ragged, is_train: bool
) -> tuple[Ragged, Callable[..., Any]]:
    X = cast(NDArray[np.float32], ragged.dataXd)
    lengths = np.asarray(ragged.lengths)
    n, width = X.shape
    left, right = neighbours(lengths, int(model.attrs["dilation"]))
    has_left, has_right = left >= 0, right >= 0
    src_left, src_right = left[has_left], right[has_right]
    out = np.zeros((n, 3 * width), dtype=X.dtype)
    out[has_left, :width] = X[src_left]
    out[:, width : 2 * width] = X
    out[has_right, 2 * width :] = X[src_right]

    def backprop(d_ragged: Ragged) -> Ragged:
        dY = cast(NDArray[np.float32], d_ragged.dataXd)
        dX = dY[:, width : 2 * width].copy()
        # Each source row appears at most once per side, so fancy-indexed += is exact.
        dX[src_left] += dY[has_left, :width]
        dX[src_right] += dY[has_right, 2 * width :]
        return Ragged(cast(Any, dX), d_ragged.lengths)

    return Ragged(cast(Any, out), ragged.lengths), backprop


@registry.layers("zhpipe.static_vectors.v1")
def static_vectors(width: int, columns: Sequence[int], widths: Sequence[int]) -> Model[Any, Any]:
    """Fixed pretrained vectors of the keys in some feature columns, projected to ``width``.

    For column ``columns[j]`` the layer holds a sorted key array ``keys{j}`` and their
    vectors ``vectors{j}``, stored as int8 with a per-dimension scale ``scale{j}`` (a
    quarter of the float32 size; they are never updated, so rounding them once costs
    nothing in training). A key without a vector (a rare character, a dropped feature)
    reads zeros. The vectors of all columns are concatenated and multiplied by the one
    learnt matrix ``W`` (``width`` x the summed widths); only ``W`` is trained. Set the
    vectors with :func:`set_static_vectors` after initialising.
    """
    if len(columns) != len(widths):
        raise ValueError(f"one vector width per column: {list(columns)} vs {list(widths)}")
    params = ["W"]
    for j in range(len(columns)):
        params += [f"keys{j}", f"vectors{j}", f"scale{j}"]
    return Model(
        "static_vectors",
        _static_forward,
        init=_static_init,
        params=dict.fromkeys(params),
        dims={"nO": width, "nV": int(sum(widths))},
        attrs={"columns": [int(c) for c in columns], "widths": [int(w) for w in widths]},
    )


def static_rows(model: Model[Any, Any], keys: NDArray[np.uint64]) -> list[NDArray[np.intp]]:
    """For each column of a :func:`static_vectors` layer, the table row of every key (0: none)."""
    out = []
    for j, column in enumerate(model.attrs["columns"]):
        known = cast(NDArray[np.uint64], model.get_param(f"keys{j}"))
        wanted = np.ascontiguousarray(keys[:, column])
        if not len(known):
            out.append(np.zeros(len(wanted), dtype=np.intp))
            continue
        # Row 0 of the table is the zero vector of unknown keys.
        found = np.searchsorted(known, wanted)
        np.minimum(found, len(known) - 1, out=found)
        hit = known[found] == wanted
        found += 1
        found *= hit
        out.append(found)
    return out


def static_tables(model: Model[Any, Any]) -> list[NDArray[np.float32]]:
    """The vectors of each column of a :func:`static_vectors` layer as floats (row 0: zeros)."""
    return [
        cast(NDArray[np.int8], model.get_param(f"vectors{j}")).astype(np.float32)
        * cast(NDArray[np.float32], model.get_param(f"scale{j}"))
        for j in range(len(model.attrs["columns"]))
    ]


def static_lookup(model: Model[Any, Any], keys: NDArray[np.uint64]) -> NDArray[np.float32]:
    """The concatenated pretrained vectors ``(len(keys), nV)`` of a key matrix's columns."""
    tables = static_tables(model)
    parts = [table[rows] for table, rows in zip(tables, static_rows(model, keys), strict=True)]
    return np.concatenate(parts, axis=1) if len(parts) > 1 else parts[0]


def set_static_vectors(
    model: Model[Any, Any], column_vectors: Sequence[tuple[NDArray[np.uint64], NDArray[np.float32]]]
) -> None:
    """Give a :func:`static_vectors` layer its keys and float vectors (quantised to int8 here).

    Args:
        model: the layer.
        column_vectors: for each of its columns, the keys (any order, unique) and
            their vectors ``(len(keys), width)``.

    """
    widths = model.attrs["widths"]
    if len(column_vectors) != len(widths):
        raise ValueError(f"need vectors for {len(widths)} columns, got {len(column_vectors)}")
    for j, (keys, vectors) in enumerate(column_vectors):
        if vectors.shape != (len(keys), widths[j]):
            raise ValueError(f"column {j}: vectors {vectors.shape} for {len(keys)} keys of width {widths[j]}")
        order = np.argsort(keys, kind="stable")
        scale = np.maximum(np.abs(vectors).max(axis=0), 1e-12) / 127.0 if len(keys) else np.ones(widths[j])
        table = np.zeros((len(keys) + 1, widths[j]), dtype=np.int8)
        table[1:] = np.rint(vectors[order] / scale).astype(np.int8)
        model.set_param(f"keys{j}", cast(Any, np.ascontiguousarray(keys[order], dtype=np.uint64)))
        model.set_param(f"vectors{j}", cast(Any, table))
        model.set_param(f"scale{j}", cast(Any, scale.astype(np.float32)))


def _static_init(model: Model[Any, Any], X: Any = None, Y: Any = None) -> None:
    if not model.has_param("W"):
        model.set_param("W", glorot_uniform_init(model.ops, (model.get_dim("nO"), model.get_dim("nV"))))
    for j, width in enumerate(model.attrs["widths"]):
        if not model.has_param(f"keys{j}"):
            # No vectors yet: every key reads zeros until set_static_vectors.
            model.set_param(f"keys{j}", cast(Any, np.zeros(0, dtype=np.uint64)))
            model.set_param(f"vectors{j}", cast(Any, np.zeros((1, width), dtype=np.int8)))
            model.set_param(f"scale{j}", cast(Any, np.ones(width, dtype=np.float32)))


def _static_forward(model: Model[Any, Any], keys: Any, is_train: bool) -> tuple[Any, Callable[..., Any]]:
    key_array = np.asarray(keys)
    features = static_lookup(model, key_array)
    W = cast(NDArray[np.float32], model.get_param("W"))
    ops: Any = model.ops
    out = ops.gemm(features, W, trans2=True)

    def backprop(d_out: Any) -> Any:
        model.inc_grad("W", ops.gemm(d_out, features, trans1=True))
        # The keys have no gradient: zeros shaped like them (what the hashed tables give).
        return np.zeros_like(key_array)

    return out, backprop
