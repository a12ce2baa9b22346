"""The fast numpy forward pass of the NER model gives what the slower, plainer computation gives."""

from __future__ import annotations

from typing import cast

import numpy as np
import pytest

from pipeline.ner.features import N_FEATURES, SHAPE, SHAPE_KEYS
from pipeline.ner.inference import FastEncoder, Floats
from pipeline.ner.model import NerModel


@pytest.fixture(scope="module")
def encoder() -> FastEncoder:
    return NerModel.load().forward


def _random_keys(rng: np.random.Generator, n: int) -> np.ndarray:
    # Small key ranges so that keys repeat (as characters do in text), plus large ones.
    keys = rng.integers(0, 3000, size=(n, N_FEATURES), dtype=np.uint64)
    keys[: n // 2] = rng.integers(0, 1 << 62, size=(n // 2, N_FEATURES), dtype=np.uint64)
    return keys


def test_hashed_sum_is_thincs_gather_add_to_the_bit(encoder: FastEncoder) -> None:
    rng = np.random.default_rng(3)
    for n, real_shapes in ((1, False), (7, True), (500, False), (1300, True), (1300, False)):
        keys = _random_keys(rng, n)
        if real_shapes:
            # Shape keys as the features make them: their sums are read from a table.
            keys[:, SHAPE] %= np.uint64(SHAPE_KEYS)
        expected: Floats | None = None
        for table in encoder.tables:
            hashed = encoder.ops.hash(np.ascontiguousarray(keys[:, table.column]), table.seed)
            vectors = cast(Floats, encoder.ops.gather_add(table.vectors, hashed % table.vectors.shape[0]))
            expected = vectors if expected is None else expected + vectors
        np.testing.assert_array_equal(encoder.hashed_sum(keys), expected)


def test_layer_norm_is_the_mean_based_one_to_the_bit(encoder: FastEncoder) -> None:
    rng = np.random.default_rng(5)
    X = rng.normal(size=(300, encoder.out_weights.shape[0])).astype(np.float32) * 3
    norm = encoder.embed_norm
    expected = X - X.mean(axis=1, keepdims=True)
    var = np.einsum("ij,ij->i", expected, expected)[:, None]
    var /= X.shape[1]
    var += 1e-08
    expected /= np.sqrt(var)
    expected *= norm.gain
    expected += norm.bias
    got = X.copy()
    norm.apply(got)
    np.testing.assert_array_equal(got, expected)


def test_embedding_with_the_static_input_is_the_plain_computation_to_the_bit(encoder: FastEncoder) -> None:
    from pipeline.ner.layers import static_rows

    rng = np.random.default_rng(7)
    keys = _random_keys(rng, 400)
    # Real character and bigram keys too, so the static tables are hit (not only row 0).
    text_keys = np.array([ord(ch) for ch in "中国人民银行今日宣布下调存款准备金率"], dtype=np.uint64)
    keys[: len(text_keys), 0] = text_keys
    keys[: len(text_keys) - 1, 1] = (text_keys[:-1] << np.uint64(21)) | text_keys[1:]
    assert encoder.static is not None
    expected = encoder.hashed_sum(keys)
    hits = 0
    for projected, rows in zip(encoder.static_projected, static_rows(encoder.static, keys), strict=True):
        expected += projected[rows]
        hits += int((rows > 0).sum())
    assert hits > 0
    encoder.embed_norm.apply(expected)
    np.testing.assert_array_equal(encoder._embed(keys), expected)


def test_a_sequence_gets_the_same_probabilities_alone_or_in_a_batch(encoder: FastEncoder) -> None:
    # The batch layout (zero rows between sequences, none around them) must not leak
    # between sequences, whatever their lengths (empty ones included). Not to the bit:
    # BLAS may round a one-row product differently from the same row in a larger one.
    rng = np.random.default_rng(11)
    lengths = [37, 0, 1, 120, 0, 9]
    keys = _random_keys(rng, sum(lengths))
    together = encoder(keys, lengths)
    first = 0
    for length in lengths:
        alone = encoder(keys[first : first + length], [length])
        np.testing.assert_allclose(together[first : first + length], alone, atol=1e-6)
        first += length
    assert together.shape == (sum(lengths), encoder.out_weights.shape[1])
