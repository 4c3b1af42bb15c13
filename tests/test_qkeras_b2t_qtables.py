"""qkeras.b2t (BinaryToThermometer) and qkeras.qtables (activation and embedding codebooks) on hwq."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import hwq.codebook
import hwq.qkeras as qk
from hwq.qkeras import b2t, qtables
from hwq.quantizers import quantized_bits, quantized_relu

# -- BinaryToThermometer --------------------------------------------------------------------------------------------


def test_qkeras_documented_examples() -> None:
    # QKeras' docstring: classes=2, value_range=8, codes 0..7, without and with the residue
    x = np.arange(8)
    one_hot = [[1, 0]] * 4 + [[0, 1]] * 4
    np.testing.assert_array_equal(b2t.BinaryToThermometer(x, 2, 8), one_hot)
    with_residue = [[1, 0], [1.25, 0], [1.5, 0], [1.75, 0], [0, 1], [0, 1.25], [0, 1.5], [0, 1.75]]
    np.testing.assert_array_equal(b2t.BinaryToThermometer(x, 2, 8, with_residue=True), with_residue)


def test_two_hot_encoding_shares_each_code_between_its_class_and_the_next() -> None:
    # step 4: code 5 is class 1 with a remainder of 1/4, so 3/4 stays in class 1 and 1/4 goes to class 2
    got = b2t.BinaryToThermometer(np.array([0, 5, 8]), 2, 8, with_residue=True, use_two_hot_encoding=True)
    np.testing.assert_array_equal(got, [[1, 0, 0], [0, 0.75, 0.25], [0, 0, 1]])
    assert got.dtype == np.float32


def _reference(x: np.ndarray, classes: int, value_range: float, two_hot: bool) -> np.ndarray:
    """Element by element, from the definition: class k = floor(x/step) gets 1 + r (or 1 - r and r to k + 1)."""
    n = classes + int(two_hot)
    step = np.float32(value_range / classes)
    out = np.zeros(x.shape + (n,), np.float32)
    for index in np.ndindex(x.shape):
        v = np.float32(x[index])
        k = int(np.floor(v / step))
        r = (v - np.float32(k) * step) / step
        if two_hot:
            out[index + (k,)] += np.float32(1) - r
            out[index + (int(np.ceil(v / step)),)] += r
        else:
            out[index + (k,)] = np.float32(1) + r
    return out


@pytest.mark.parametrize("two_hot", [False, True])
def test_image_codes_against_the_definition_merged_into_channels(two_hot: bool) -> None:
    x = np.random.default_rng(0).integers(0, 256, size=(2, 3, 4, 3))
    got = b2t.BinaryToThermometer(x, 16, 256, with_residue=True, merge_with_channels=True,
                                  use_two_hot_encoding=two_hot)
    n = 16 + int(two_hot)
    assert got.shape == (2, 3, 4, 3 * n)
    np.testing.assert_array_equal(got, _reference(x, 16, 256, two_hot).reshape(2, 3, 4, 3 * n))


def test_a_trailing_axis_of_one_is_replaced_by_the_classes() -> None:
    # QKeras goes through to_categorical, which drops a trailing axis of size 1 (merged or not, the same shape)
    x = np.array([[1], [6]])
    for merge in (False, True):
        np.testing.assert_array_equal(b2t.BinaryToThermometer(x, 2, 8, merge_with_channels=merge), [[1, 0], [0, 1]])
    assert b2t.BinaryToThermometer(np.array([[1, 6]]), 2, 8).shape == (1, 2, 2)


@pytest.mark.parametrize("code", [-1, 8])
def test_codes_outside_the_range_are_refused(code: int) -> None:
    with pytest.raises(ValueError, match=f"code {code} is outside the 2 classes"):
        b2t.BinaryToThermometer(np.array([0, code]), 2, 8)


def test_bad_classes_or_range_are_refused() -> None:
    with pytest.raises(ValueError, match="classes=0"):
        b2t.BinaryToThermometer(np.arange(4), 0, 8)
    with pytest.raises(ValueError, match="value_range=0"):
        b2t.BinaryToThermometer(np.arange(4), 2, 0)


def test_from_qkeras_import_star_offers_it() -> None:
    # qkeras/__init__.py star-imports b2t
    assert qk.BinaryToThermometer is b2t.BinaryToThermometer and "BinaryToThermometer" in qk.__all__


# -- qtables ------------------------------------------------------------------------------------------------------


def test_qtables_offers_hwqs_codebook_table_function() -> None:
    assert qtables.create_in_out_table is hwq.codebook.create_in_out_table
    assert set(qtables.__all__) == {"create_indirect_indexes", "create_in_out_table", "codebook_embeddings"}


def test_rowwise_codebooks_reproduce_rows_of_few_values() -> None:
    # each row takes at most 4 distinct values, so 2-bit per-row codebooks hold them exactly
    rng = np.random.default_rng(1)
    levels = rng.normal(size=(6, 4))
    embeddings = np.take_along_axis(levels, rng.integers(0, 4, size=(6, 12)), axis=1)
    embeddings[:, :4] = levels  # every level occurs
    np.testing.assert_allclose(qtables.codebook_embeddings(embeddings, 2, None, tier=1), embeddings, rtol=1e-12)


def test_two_tier_codebooks_reproduce_blocks_of_few_values() -> None:
    # two kinds of rows far apart (two blocks), each built from its own 2 values: 1-bit codebooks suffice
    rng = np.random.default_rng(2)
    low = rng.choice([-10.0, -9.0], size=(5, 8))
    high = rng.choice([9.0, 10.0], size=(5, 8))
    low[:, 0], low[:, 1], high[:, 0], high[:, 1] = -10, -9, 9, 10
    embeddings = np.concatenate([low, high])
    np.testing.assert_array_equal(qtables.codebook_embeddings(embeddings, 1, None), embeddings)


def test_codebook_values_go_through_the_quantizer() -> None:
    rng = np.random.default_rng(3)
    embeddings = rng.normal(0, 0.5, size=(8, 32))
    out = qtables.codebook_embeddings(embeddings, 2, quantized_bits(4, 0, alpha=1), tier=1)
    assert np.array_equal(out * 8, np.round(out * 8))  # on quantized_bits(4, 0)'s 1/8 grid
    for row in out:
        assert len(np.unique(row)) <= 4


def test_codebook_embeddings_refuses_bad_tier_and_shape() -> None:
    with pytest.raises(ValueError, match="tier=3"):
        qtables.codebook_embeddings(np.zeros((4, 4)), 1, None, tier=3)
    with pytest.raises(ValueError, match=r"shape \(4,\)"):
        qtables.codebook_embeddings(np.zeros(4), 1, None)


def test_create_indirect_indexes_is_activation_compression_over_all_activations() -> None:
    keras.utils.set_random_seed(0)
    x_in = keras.Input((4,))  # a functional model: layer 0 is its input, layers 1, 2, 3 are fc1, act, fc2
    act = qk.QActivation(quantized_relu(4, 1), name="act")(keras.layers.Dense(6, name="fc1")(x_in))
    model = keras.Model(x_in, keras.layers.Dense(2, name="fc2")(act))
    rng = np.random.default_rng(4)
    x_train, x_test = rng.normal(size=(64, 4)).astype(np.float32), rng.normal(size=(16, 4)).astype(np.float32)
    y_train, y_test = rng.normal(size=(64, 2)).astype(np.float32), rng.normal(size=(16, 2)).astype(np.float32)
    compile_config = {"loss": "mse"}
    tables, models, kms = qtables.create_indirect_indexes(model, compile_config, [2], 2, x_train, y_train, x_test,
                                                          y_test)
    expected_tables, _, _ = hwq.codebook.activation_compression(model, compile_config, [2], 2, x_train, y_train,
                                                                x_test, y_test)
    assert len(models) == 2 and len(kms) == 1
    (in_table, out_table), (want_in, want_out) = tables[0], expected_tables[0]
    np.testing.assert_array_equal(in_table, want_in)
    np.testing.assert_array_equal(out_table, want_out)
    # every value the activation quantizer gives maps to the codebook value nearest to it
    values = np.asarray(quantized_relu(4, 1).range())
    nearest = in_table[np.argmin(np.abs(values[:, None] - in_table[None, :]), axis=1)]
    np.testing.assert_array_equal(in_table[out_table], nearest)
