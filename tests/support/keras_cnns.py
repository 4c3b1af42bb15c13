"""Random quantized Keras CNNs of hwq layers: convolutions (plain, depthwise, separable, transposed; random kernels,
strides, padding, dilation), pools, zero padding, cropping, upsampling, residual adds, then a flatten and a
dense — widths 2-12 bits, so Keras' float32 forward pass stays exact (drawn again when it would not)."""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras
import numpy as np

import hwq
from hwq.layers import QActivation, QConv2D, QConv2DTranspose, QDense, QDepthwiseConv2D, QSeparableConv2D
from hwq.quantizers import quantized_bits, quantized_relu


class _Blocks:
    def __init__(self, rng: np.random.Generator):
        self.rng, self.k = rng, 0

    def name(self, kind: str) -> str:
        self.k += 1
        return f"{kind}_{self.k}"

    def weights(self) -> dict:
        bits = int(self.rng.integers(2, 7))
        return {"kernel_quantizer": quantized_bits(bits, int(self.rng.integers(0, 2)), alpha=1),
                "bias_quantizer": quantized_bits(int(self.rng.integers(2, 7)), 1, alpha=1)}

    def activation(self):
        bits = int(self.rng.integers(2, 13))
        if self.rng.integers(0, 2):
            return quantized_relu(bits, int(self.rng.integers(0, min(bits, 4) + 1)))
        return quantized_bits(bits, int(self.rng.integers(0, min(bits - 1, 4) + 1)), alpha=1)

    def quantize(self, x):
        return QActivation(self.activation(), name=self.name("q"))(x)

    def conv(self, x):
        rng = self.rng
        kind = int(rng.integers(0, 4))
        k = int(rng.integers(1, 4))
        stride = int(rng.integers(1, 3))
        padding = str(rng.choice(["valid", "same"]))
        dilation = 2 if stride == 1 and k > 1 and rng.integers(0, 4) == 0 else 1
        common = dict(strides=stride, padding=padding, dilation_rate=dilation)
        if min(x.shape[1:3]) < (k - 1) * dilation + 1 and padding == "valid":
            common["padding"] = "same"
        if kind == 0:
            layer = QConv2D(int(rng.integers(1, 5)), k, name=self.name("conv"), activation=self.activation(),
                            **common, **self.weights())
        elif kind == 1:
            w = self.weights()
            layer = QDepthwiseConv2D(k, depth_multiplier=int(rng.integers(1, 3)), name=self.name("dw"),
                                     depthwise_quantizer=w["kernel_quantizer"], bias_quantizer=w["bias_quantizer"],
                                     activation=self.activation(), **common)
        elif kind == 3:
            layer = QConv2DTranspose(int(rng.integers(1, 4)), k, strides=stride, padding=padding,
                                     name=self.name("convt"), activation=self.activation(), **self.weights())
        else:
            w = self.weights()
            layer = QSeparableConv2D(int(rng.integers(1, 4)), k, name=self.name("sep"),
                                     depthwise_quantizer=w["kernel_quantizer"],
                                     pointwise_quantizer=self.weights()["kernel_quantizer"],
                                     bias_quantizer=w["bias_quantizer"], **common)
            return self.quantize(layer(x))
        return layer(x)

    def pool(self, x):
        size = 2 if min(x.shape[1:3]) >= 2 else 1
        layer = [keras.layers.MaxPooling2D, keras.layers.AveragePooling2D][int(self.rng.integers(0, 2))]
        y = layer(size, name=self.name("pool"))(x)
        return self.quantize(y) if layer is keras.layers.AveragePooling2D else y

    def resample(self, x):
        kind = int(self.rng.integers(0, 3))
        if kind == 0:
            return keras.layers.ZeroPadding2D(((1, 0), (0, 1)), name=self.name("pad"))(x)
        if kind == 1 and min(x.shape[1:3]) > 2:
            return keras.layers.Cropping2D(((1, 0), (0, 1)), name=self.name("crop"))(x)
        return keras.layers.UpSampling2D((2, 1), name=self.name("up"))(x)

    def residual(self, x):
        branch = QConv2D(int(x.shape[-1]), 3, padding="same", name=self.name("res"), **self.weights())(x)
        return self.quantize(keras.layers.Add(name=self.name("add"))([x, self.quantize(branch)]))


def random_keras_cnn(rng: np.random.Generator, name: str = "cnn") -> keras.Model:
    """An image of 5-10 pixels a side and 1-3 channels, three to five random blocks, flatten, dense."""
    while True:
        shape = (int(rng.integers(5, 11)), int(rng.integers(5, 11)), int(rng.integers(1, 4)))
        b = _Blocks(rng)
        x = keras.Input(shape, name="image")
        y = b.quantize(x)
        for _ in range(int(rng.integers(3, 6))):
            y = [b.conv, b.pool, b.resample, b.residual][int(rng.integers(0, 4))](y)
            if int(np.prod(y.shape[1:])) > 400:
                y = keras.layers.MaxPooling2D(2, name=b.name("shrink"))(y)
        y = keras.layers.Flatten(name="flatten")(y)
        y = QDense(3, name="logits", **b.weights())(y)
        model = keras.Model(x, y, name=name)
        model.set_weights([rng.normal(0, 0.6, w.shape) for w in model.get_weights()])
        if hwq.lower(model).meta["notes"]["keras_float32_exact"]:
            return model
