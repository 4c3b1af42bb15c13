"""Which float Keras layer becomes which hwq.quantizeml layer, with which constructor arguments.

Every float layer of a sanitized model must be in SUPPORTED; anything else stops quantize with an error naming
the layer and listing the supported types (no float fallback: a quantized model is integers end to end).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import keras

from hwq.quantizeml import layers as q
from hwq.quantizeml.layers.neural import NeuralLayer, QuantizedLayer


@dataclass(frozen=True)
class Target:
    quantized: type
    # the constructor arguments of the quantized layer, from the float layer (raises on what it cannot express)
    arguments: Callable[[keras.layers.Layer], dict]
    aligned_inputs: bool = False  # needs FixedPoint inputs: the layers before it end with an OutputQuantizer
    transparent: bool = False  # moves or selects values without rescaling: an OutputQuantizer goes before it

    @property
    def weighted(self) -> bool:
        return issubclass(self.quantized, NeuralLayer)

    @property
    def takes_output_quantizer(self) -> bool:
        return issubclass(self.quantized, QuantizedLayer)


def _float_config(layer) -> dict:
    config = layer.get_config()
    activation = config.get("activation")
    if activation not in (None, "linear"):
        raise ValueError(f"layer '{layer.name}' ({type(layer).__name__}) has a fused activation '{activation}': "
                         "quantized layers have none, write it as a separate layer (e.g. ReLU)")
    return config


def _relu_arguments(layer: keras.layers.ReLU) -> dict:
    if float(layer.negative_slope) != 0 or float(layer.threshold) != 0:
        raise ValueError(f"ReLU '{layer.name}': negative_slope and threshold must be 0 to be quantized, got "
                         f"{float(layer.negative_slope)} and {float(layer.threshold)}")
    max_value = None if layer.max_value is None else float(layer.max_value)
    return {"name": layer.name, "max_value": max_value}


def _batchnorm_arguments(layer: keras.layers.BatchNormalization) -> dict:
    return {"name": layer.name, "axis": layer.axis if isinstance(layer.axis, int) else layer.axis[0],
            "epsilon": layer.epsilon}


def _add_arguments(layer) -> dict:
    return {"name": layer.name, "average": bool(getattr(layer, "average", False))}


def _rescaling_arguments(layer: keras.layers.Rescaling) -> dict:
    return {"name": layer.name, "scale": layer.scale, "offset": layer.offset}


SUPPORTED: dict[type, Target] = {
    keras.layers.Dense: Target(q.QuantizedDense, _float_config, aligned_inputs=True),
    keras.layers.Conv2D: Target(q.QuantizedConv2D, _float_config, aligned_inputs=True),
    q.PaddedConv2D: Target(q.QuantizedConv2D, _float_config, aligned_inputs=True),
    keras.layers.Conv2DTranspose: Target(q.QuantizedConv2DTranspose, _float_config, aligned_inputs=True),
    keras.layers.DepthwiseConv2D: Target(q.QuantizedDepthwiseConv2D, _float_config, aligned_inputs=True),
    q.DepthwiseConv2DTranspose: Target(q.QuantizedDepthwiseConv2DTranspose, _float_config, aligned_inputs=True),
    keras.layers.SeparableConv2D: Target(q.QuantizedSeparableConv2D, _float_config, aligned_inputs=True),
    keras.layers.BatchNormalization: Target(q.QuantizedBatchNormalization, _batchnorm_arguments,
                                            aligned_inputs=True),
    keras.layers.ReLU: Target(q.QuantizedReLU, _relu_arguments),
    keras.layers.MaxPooling2D: Target(q.QuantizedMaxPool2D, _float_config, transparent=True),
    keras.layers.GlobalAveragePooling2D: Target(q.QuantizedGlobalAveragePooling2D, _float_config),
    keras.layers.Add: Target(q.QuantizedAdd, _add_arguments, aligned_inputs=True),
    q.Add: Target(q.QuantizedAdd, _add_arguments, aligned_inputs=True),
    keras.layers.Concatenate: Target(q.QuantizedConcatenate, _float_config, aligned_inputs=True, transparent=True),
    keras.layers.Flatten: Target(q.QuantizedFlatten, _float_config, transparent=True),
    keras.layers.Reshape: Target(q.QuantizedReshape, _float_config, transparent=True),
    keras.layers.Permute: Target(q.QuantizedPermute, _float_config, transparent=True),
    keras.layers.Dropout: Target(q.QuantizedDropout, _float_config, transparent=True),
    keras.layers.Rescaling: Target(q.QuantizedRescaling, _rescaling_arguments),
}

# handled by sanitize before the layers are mapped
SANITIZED = ("Activation('relu')", "Lambda (relu, add, reshape, transpose)",
             "ZeroPadding2D (before a 'valid' convolution)")


def supported_names() -> str:
    names = sorted({cls.__name__ for cls in SUPPORTED})
    return ", ".join(names) + "; through the transforms: " + ", ".join(SANITIZED)


def target_of(layer: keras.layers.Layer) -> Target | None:
    """The Target of a float layer (its exact class: a subclass may compute something else)."""
    return SUPPORTED.get(type(layer))


def is_quantized(layer: keras.layers.Layer) -> bool:
    """True for the layers a quantized model holds (hwq.quantizeml layers that are not float layers)."""
    float_layers = (q.PaddedConv2D, q.DepthwiseConv2DTranspose, q.Add, q.OutputObserver)
    return type(layer).__module__.startswith("hwq.quantizeml.layers") and not isinstance(layer, float_layers) \
        or isinstance(layer, q.QuantizedAdd)


def check_supported(layers: list[keras.layers.Layer]) -> None:
    """Raise one ValueError naming every layer that cannot be quantized."""
    unsupported = [f"'{layer.name}' ({type(layer).__name__})" for layer in layers if target_of(layer) is None]
    if unsupported:
        raise ValueError(f"cannot quantize layer(s) {', '.join(unsupported)}: supported layers are "
                         f"{supported_names()}")
