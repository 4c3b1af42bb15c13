"""hwq.quantizeml.models.transforms: each transform on a model where it applies (same float outputs) and on
one where it does not (the source model comes back unchanged)."""

import keras
import numpy as np
import pytest

from hwq.quantizeml.layers import Dequantizer, OutputQuantizer
from hwq.quantizeml.models.transforms import (
    align_rescaling,
    fold_batchnorms,
    insert_layer,
    insert_rescaling,
    invert_batchnorm_pooling,
    invert_relu_maxpool,
    remove_zeropadding2d,
    replace_lambda,
    sanitize,
)

L = keras.layers
RNG = np.random.default_rng(0)


def images(shape=(6, 6, 3), n=4):
    return RNG.normal(size=(n, *shape)).astype(np.float32)


def model_of(shape, *layers):
    inp = keras.Input(shape)
    x = inp
    for layer in layers:
        x = layer(x)
    return keras.Model(inp, x)


def randomize_batchnorms(model, positive=True):
    for layer in model.layers:
        if isinstance(layer, L.BatchNormalization):
            c = layer.gamma.shape[0]
            gamma = RNG.uniform(0.5, 1.5, c) * (1 if positive else RNG.choice([-1, 1], c))
            layer.set_weights([gamma, RNG.normal(size=c), RNG.normal(size=c) * 0.2, RNG.uniform(0.5, 2.0, c)])
    return model


def types(model):
    return [type(layer).__name__ for layer in model.layers]


def assert_unchanged(transform, model):
    weights = [w.copy() for w in model.get_weights()]
    assert transform(model) is model
    assert all(np.array_equal(a, b) for a, b in zip(weights, model.get_weights(), strict=True))


# Folding multiplies the kernel by gamma / sigma before the sums instead of scaling each sum after them; in
# float32 the two orders round differently, by a few ulps of the outputs (around 1e-6 relative here).
FLOAT32_REORDERED = {"rtol": 1e-5, "atol": 1e-5}


@pytest.mark.parametrize("layer", [
    lambda: L.Conv2D(4, 3, padding="same"),
    lambda: L.Conv2D(4, 3, use_bias=False),
    lambda: L.DepthwiseConv2D(3, depth_multiplier=2),
    lambda: L.SeparableConv2D(5, 3),
    lambda: L.Conv2DTranspose(4, 3, strides=2),
    lambda: L.Dense(4),
], ids=["conv", "conv-nobias", "depthwise", "separable", "transpose", "dense"])
def test_fold_batchnorms_applies(layer):
    model = randomize_batchnorms(model_of((6, 6, 3), layer(), L.BatchNormalization(), L.ReLU()))
    folded = fold_batchnorms(model)
    assert "BatchNormalization" not in types(folded) and "BatchNormalization" in types(model)
    x = images()
    np.testing.assert_allclose(folded(x), model(x), **FLOAT32_REORDERED)


def test_fold_batchnorms_does_not_apply():
    # a BatchNormalization after a ReLU, or after a layer whose output is also read elsewhere, stays
    assert_unchanged(fold_batchnorms, randomize_batchnorms(model_of((6, 6, 3), L.Conv2D(4, 3), L.ReLU(),
                                                                    L.BatchNormalization())))
    inp = keras.Input((6, 6, 3))
    conv = L.Conv2D(4, 3)(inp)
    model = randomize_batchnorms(keras.Model(inp, [L.BatchNormalization()(conv), conv]))
    assert_unchanged(fold_batchnorms, model)


@pytest.mark.parametrize("pooling", [L.MaxPool2D, L.GlobalAveragePooling2D])
def test_invert_batchnorm_pooling_applies(pooling):
    model = randomize_batchnorms(model_of((6, 6, 3), L.Conv2D(4, 3), pooling(), L.BatchNormalization()))
    inverted = invert_batchnorm_pooling(model)
    assert types(inverted)[2:] == ["BatchNormalization", pooling.__name__]
    x = images()
    # max pooling picks the same element either way (exact); averaging then scaling rounds differently in
    # float32 from scaling then averaging (a few ulps)
    np.testing.assert_allclose(inverted(x), model(x), **FLOAT32_REORDERED)
    assert types(fold_batchnorms(inverted)) == ["InputLayer", "Conv2D", pooling.__name__]


def test_invert_batchnorm_pooling_refuses_negative_gamma_after_max_pooling():
    model = model_of((6, 6, 3), L.Conv2D(4, 3), L.MaxPool2D(), L.BatchNormalization())
    model.layers[-1].set_weights([np.array([1.0, -1.0, 1.0, 1.0]), *model.layers[-1].get_weights()[1:]])
    with pytest.raises(RuntimeError, match="gamma"):
        invert_batchnorm_pooling(model)


def test_invert_batchnorm_pooling_does_not_apply():
    assert_unchanged(invert_batchnorm_pooling,
                     randomize_batchnorms(model_of((6, 6, 3), L.Conv2D(4, 3), L.BatchNormalization(), L.MaxPool2D())))


@pytest.mark.parametrize("relu", [L.ReLU, lambda: L.Activation("relu")])
def test_invert_relu_maxpool_applies(relu):
    model = model_of((6, 6, 3), L.Conv2D(4, 3, padding="same"), relu(), L.MaxPool2D())
    inverted = invert_relu_maxpool(model)
    assert types(inverted)[2] == "MaxPooling2D"
    x = images()
    np.testing.assert_array_equal(inverted(x), model(x))  # max commutes with ReLU: exact


def test_invert_relu_maxpool_does_not_apply():
    assert_unchanged(invert_relu_maxpool, model_of((6, 6, 3), L.Conv2D(4, 3), L.MaxPool2D(), L.ReLU()))
    assert_unchanged(invert_relu_maxpool, model_of((6, 6, 3), L.Conv2D(4, 3), L.Activation("tanh"), L.MaxPool2D()))


@pytest.mark.parametrize("conv", [lambda: L.Conv2D(4, 3), lambda: L.DepthwiseConv2D(3),
                                  lambda: L.SeparableConv2D(4, 3)])
def test_remove_zeropadding2d_applies(conv):
    model = model_of((6, 6, 3), L.ZeroPadding2D(1), conv())
    removed = remove_zeropadding2d(model)
    assert "ZeroPadding2D" not in types(removed) and removed.layers[-1].padding == "same"
    x = images()
    # TensorFlow may sum a 'same' convolution in another order than a 'valid' one over the padded input
    np.testing.assert_allclose(removed(x), model(x), **FLOAT32_REORDERED)


def test_remove_zeropadding2d_does_not_apply():
    assert_unchanged(remove_zeropadding2d, model_of((6, 6, 3), L.ZeroPadding2D(2), L.Conv2D(4, 3)))
    assert_unchanged(remove_zeropadding2d, model_of((6, 6, 3), L.ZeroPadding2D(1), L.Conv2D(4, 3, padding="same")))


def test_replace_lambda_applies():
    inp = keras.Input((4, 6, 3))
    a = L.Lambda(keras.ops.relu)(inp)
    b = L.Activation("relu")(inp)
    s = L.Lambda(lambda xs: xs[0] + xs[1])([a, b])
    t = L.Lambda(lambda x: keras.ops.transpose(x, (0, 2, 1, 3)))(s)
    r = L.Lambda(lambda x: keras.ops.reshape(x, (-1, 6, 12)))(t)
    model = keras.Model(inp, r)
    replaced = replace_lambda(model)
    assert types(replaced)[1:] == ["ReLU", "ReLU", "Add", "Permute", "Reshape"]
    x = images((4, 6, 3))
    np.testing.assert_array_equal(replaced(x), model(x))  # the same operations, exactly


def test_replace_lambda_does_not_apply():
    assert_unchanged(replace_lambda, model_of((6, 6, 3), L.Lambda(lambda x: x * 2.0), L.Activation("tanh")))


@pytest.mark.parametrize("scale,offset,conv", [
    (1 / 127.5, -1.0, lambda: L.Conv2D(4, 3)),
    ([0.01, 0.02, 0.04], [0.5, -0.25, 0.0], lambda: L.Conv2D(4, 3)),
    (0.5, 1.0, lambda: L.DepthwiseConv2D(3, depth_multiplier=2)),
    (0.5, 1.0, lambda: L.SeparableConv2D(4, 3)),
])
def test_align_rescaling_applies(scale, offset, conv):
    model = model_of((6, 6, 3), L.Rescaling(scale, offset), conv())
    aligned = align_rescaling(model)
    rescaling = aligned.layers[1]
    assert np.ndim(rescaling.scale) == 0 and rescaling.offset == 0
    x = np.round(RNG.uniform(0, 255, (4, 6, 6, 3))).astype(np.float32)
    # the offset's share moves from every product into the bias: the float32 sums are taken in another order
    np.testing.assert_allclose(aligned(x), model(x), rtol=1e-5, atol=1e-4)


def test_align_rescaling_does_not_apply_or_refuses():
    assert_unchanged(align_rescaling, model_of((6, 6, 3), L.Rescaling(1 / 255), L.Conv2D(4, 3)))
    assert_unchanged(align_rescaling, model_of((6, 6, 3), L.Conv2D(4, 3)))
    with pytest.raises(ValueError, match="pads"):
        align_rescaling(model_of((6, 6, 3), L.Rescaling(0.5, 1.0), L.Conv2D(4, 3, padding="same")))


def test_sanitize_applies_in_order_and_leaves_a_clean_model():
    model = randomize_batchnorms(model_of((6, 6, 3), L.Rescaling(1 / 127.5, -1), L.Conv2D(4, 3), L.MaxPool2D(),
                                          L.BatchNormalization(), L.Activation("relu"), L.ZeroPadding2D(1),
                                          L.Conv2D(2, 3)))
    clean = sanitize(model)
    # Activation -> ReLU, offset into the conv, BN before the pooling then folded, padding into the last conv
    assert types(clean) == ["InputLayer", "Rescaling", "Conv2D", "MaxPooling2D", "ReLU", "Conv2D"]
    x = np.round(RNG.uniform(0, 255, (4, 6, 6, 3))).astype(np.float32)
    np.testing.assert_allclose(clean(x), model(x), rtol=1e-4, atol=1e-4)  # folding and aligning reorder sums
    assert_unchanged(sanitize, clean)


def test_insert_layer_and_its_errors():
    model = model_of((4,), L.Dense(3, name="d1"), L.Dense(2, name="d2"))
    inserted = insert_layer(model, "d1", Dequantizer(name="deq"))
    assert types(inserted) == ["InputLayer", "Dense", "Dequantizer", "Dense"]
    assert insert_layer(model, "d1", OutputQuantizer(name="oq")).layers[2].name == "oq"
    with pytest.raises(ValueError, match="OutputQuantizer or a Dequantizer"):
        insert_layer(model, "d1", L.ReLU())
    with pytest.raises(ValueError, match="no layer 'nope'"):
        insert_layer(model, "nope", Dequantizer())


def test_insert_rescaling():
    model = model_of((4,), L.Dense(3))
    rescaled = insert_rescaling(model, 0.5, -1.0)
    x = RNG.normal(size=(5, 4)).astype(np.float32)
    np.testing.assert_array_equal(rescaled(x), model(x * np.float32(0.5) + np.float32(-1.0)))
    a, b = keras.Input((2,)), keras.Input((2,))
    with pytest.raises(ValueError, match="one Input"):
        insert_rescaling(keras.Model([a, b], L.Add()([a, b])), 0.5, 0.0)
