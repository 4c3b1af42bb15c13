"""What every hwq.quantizeml layer shares: calls on QTensors, the integer model input, the quant_config.

QuantizeML's tensors are TensorFlow extension types that flow through Keras unnoticed. Here QTensors are plain
Python objects holding exact int64 values (docs/quantizeml.md), so a layer must accept them as positional
arguments and build itself from their shapes; symbolic (functional model) calls use compute_output_shape.
Layers therefore run eagerly: `model(x)` works, `model.predict` (a traced tf.function) does not.
"""

from __future__ import annotations

import keras
import numpy as np

from hwq.quantizeml.tensors import FixedPoint, QTensor

PACKAGE = "hwq.quantizeml"
# QuantizationParams()'s values, for signatures that need a constant; calls read the current params below
DEFAULT_WEIGHT_BITS = 8
DEFAULT_BUFFER_BITS = 32
# A float or integer tensor reaching a quantized layer is the model input: 8-bit integers (QuantizeML 0.5),
# held with 8 value bits so that both int8 and uint8 fit.
INPUT_VALUE_BITS = 8


def current_params():
    """The QuantizationParams in force (hwq.quantizeml.models.quantization sets them)."""
    # imported here: hwq.quantizeml.models imports the layers, so a module-level import would be circular
    from hwq.quantizeml.models.params import get_quantization_params
    return get_quantization_params()


def default_weight_bits() -> int:
    return current_params().weight_bits


def default_buffer_bits() -> int:
    return current_params().buffer_bits


def default_input_weight_bits() -> int:
    return current_params().input_weight_bits


def default_activation_bits() -> int:
    return current_params().activation_bits


def default_output_bits() -> int:
    return current_params().output_bits


def default_per_tensor_activations() -> bool:
    return current_params().per_tensor_activations


def register(cls):
    """Register a layer class with Keras under the "hwq.quantizeml" package."""
    return keras.saving.register_keras_serializable(package=PACKAGE)(cls)


def shape_of(x):
    """The shape of a QTensor, tensor or array, or the list of shapes of a list of them."""
    if isinstance(x, list | tuple):
        return [shape_of(v) for v in x]
    return tuple(x.shape)


def holds_qtensor(x) -> bool:
    if isinstance(x, list | tuple):
        return any(holds_qtensor(v) for v in x)
    return isinstance(x, QTensor)


def batchless(shape):
    """The shape with an unknown batch dimension, as Keras records build shapes."""
    if isinstance(shape, list):
        return [batchless(s) for s in shape]
    return (None, *tuple(shape)[1:])


def integer_inputs(x, layer_name: str) -> FixedPoint:
    """The model input as a FixedPoint(x, 8, 0): floats are truncated toward zero, as QuantizeML's cast does."""
    values = np.asarray(x.numpy() if hasattr(x, "numpy") else x)
    if values.dtype.kind == "f":
        if not np.isfinite(values).all():
            raise ValueError(f"{layer_name}: the model input holds NaN or infinity")
        values = np.trunc(values)
    elif values.dtype.kind not in "iub":
        raise TypeError(f"{layer_name}: expected QTensor or numeric inputs, got {values.dtype}")
    return FixedPoint(values.astype(np.int64), INPUT_VALUE_BITS, 0)


class QTensorLayer(keras.layers.Layer):
    """A Keras layer whose call takes and returns QTensors (or the integer model input)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._allow_non_tensor_positional_args = True  # QTensors are not tensors to Keras

    def __call__(self, inputs, *args, **kwargs):
        if not self.built and holds_qtensor(inputs):
            self.build(batchless(shape_of(inputs)))  # Keras cannot read a QTensor's shape itself
        return super().__call__(inputs, *args, **kwargs)

    def fail(self, message: str, error: type = ValueError):
        """An error whose message names the layer class and instance."""
        return error(f"{type(self).__name__} '{self.name}': {message}")


def check_quant_config(layer_name: str, quant_config) -> dict:
    """A copy of quant_config (None is {}), so that filling defaults never changes the caller's dict."""
    if quant_config is None:
        return {}
    if not isinstance(quant_config, dict):
        raise TypeError(f"{layer_name}: quant_config must be a dict, got {type(quant_config).__name__}")
    return {k: dict(v) if isinstance(v, dict) else v for k, v in quant_config.items()}


def buffer_value_bits(quant_config: dict, signed: bool = True) -> int:
    """The accumulator's value bits: buffer_bitwidth (default: the current params' buffer_bits, 32) less the
    sign bit when signed.

    Fills quant_config["buffer_bitwidth"] with the default, so that get_config() saves it.
    """
    bits = quant_config.setdefault("buffer_bitwidth", default_buffer_bits())
    if isinstance(bits, bool) or not isinstance(bits, int) or bits < 2:
        raise ValueError(f"buffer_bitwidth must be an integer >= 2, got {bits!r}")
    return bits - 1 if signed else bits
