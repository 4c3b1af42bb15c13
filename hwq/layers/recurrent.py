"""What the quantized recurrent layers share: the cells' four quantizers, and the layer that wraps a cell.

A cell quantizes its kernel, recurrent kernel and bias as QDense does (its own copies of the quantizers, kernels
with QKeras' trainable-scale setting, the default Clip when a quantized weight has no constraint), and passes the
state it receives through `state_quantizer` before using it: the state a cell returns is unquantized, so the
quantizer acts where the next step reads it (QKeras' order). The layers take QKeras' arguments: the RNN ones
(return_sequences, return_state, go_backwards, stateful, unroll, zero_output_for_mask) for the Keras RNN, every
other one for the cell, and save the cell's arguments flat in their own config.
"""

from __future__ import annotations

from typing import Any

import keras

from hwq.layers.common import apply, internal_quantizer, serialize_activation, serialize_quantizer
from hwq.layers.constraints import weight_constraint

RNN_ARGUMENTS = ("return_sequences", "return_state", "go_backwards", "stateful", "unroll", "zero_output_for_mask")
QUANTIZED = ("kernel", "recurrent", "bias", "state")


def cell_quantizers(cell, kernel_quantizer, recurrent_quantizer, bias_quantizer, state_quantizer) -> None:
    """Set the cell's quantizers as QKeras names them: X_quantizer (as given), X_quantizer_internal, quantizers."""
    given = (kernel_quantizer, recurrent_quantizer, bias_quantizer, state_quantizer)
    for name, identifier in zip(QUANTIZED, given, strict=True):
        setattr(cell, f"{name}_quantizer", identifier)
        setattr(cell, f"{name}_quantizer_internal",
                internal_quantizer(identifier, trainable_scale=name in ("kernel", "recurrent")))
    cell.quantizers = [getattr(cell, f"{name}_quantizer_internal") for name in QUANTIZED]


def constraints(cell, use_bias: bool, kernel_constraint, recurrent_constraint, bias_constraint) -> dict[str, Any]:
    """The three weights' constraints, QKeras' default Clip where a quantized weight has none."""
    return {"kernel_constraint": weight_constraint(kernel_constraint, cell.kernel_quantizer_internal),
            "recurrent_constraint": weight_constraint(recurrent_constraint, cell.recurrent_quantizer_internal),
            "bias_constraint": (weight_constraint(bias_constraint, cell.bias_quantizer_internal) if use_bias
                                else bias_constraint)}


def quantized_weights(cell, training) -> tuple:
    """(kernel, recurrent kernel, bias or None) as the cell computes with them."""
    kernel = apply(cell.kernel_quantizer_internal, cell.kernel, training)
    recurrent = apply(cell.recurrent_quantizer_internal, cell.recurrent_kernel, training)
    bias = apply(cell.bias_quantizer_internal, cell.bias, training) if cell.use_bias else None
    return kernel, recurrent, bias


def read_state(cell, state, training):
    return apply(cell.state_quantizer_internal, state, training)


def dropped(cell, inputs, state, training) -> tuple:
    """(inputs, state) with the cell's dropout masks applied when training (Keras' masks, one per call)."""
    if training and 0.0 < cell.dropout < 1.0:
        inputs = inputs * cell.get_dropout_mask(inputs)
    if training and 0.0 < cell.recurrent_dropout < 1.0:
        state = state * cell.get_recurrent_dropout_mask(state)
    return inputs, state


def cell_config(cell, config: dict[str, Any]) -> dict[str, Any]:
    """A cell's config from Keras' one: its activations as hwq serializes them (quantizers included), QKeras'
    `implementation` where the cell keeps one, and the four quantizers."""
    for name in ("activation", "recurrent_activation"):
        if hasattr(cell, name):
            fn = getattr(cell, name)
            config[name] = None if fn is None else serialize_activation(fn)
    if hasattr(cell, "implementation"):
        config["implementation"] = cell.implementation
    config.update(quantizer_config(cell))
    return config


def quantizer_config(cell) -> dict[str, Any]:
    return {f"{name}_quantizer": serialize_quantizer(getattr(cell, f"{name}_quantizer_internal"))
            for name in QUANTIZED}


def quantization_config(cell) -> dict[str, str]:
    """QKeras' get_quantization_config of a recurrent layer: each quantizer and activation as a string."""
    config = {f"{name}_quantizer": str(getattr(cell, f"{name}_quantizer_internal")) for name in QUANTIZED}
    config["activation"] = str(cell.activation)
    if hasattr(cell, "recurrent_activation"):
        config["recurrent_activation"] = str(cell.recurrent_activation)
    return config


class QRNN(keras.layers.RNN):
    """A Keras RNN over one of hwq's quantized cells, built from the layer's flat arguments (the cell class is
    `cell_class`); QKeras' accessors (units, the quantizers, ...) read through to the cell."""

    cell_class: type = None

    def __init__(self, units: int, activity_regularizer=None, **kwargs) -> None:
        rnn_kwargs = {k: kwargs.pop(k) for k in RNN_ARGUMENTS if k in kwargs}
        layer_kwargs = {k: kwargs.pop(k) for k in ("name", "dtype", "trainable") if k in kwargs}
        kwargs.pop("enable_caching_device", None)  # a Keras 2 argument QKeras files may carry
        cell = self.cell_class(units, **kwargs)
        super().__init__(cell, activity_regularizer=activity_regularizer, **rnn_kwargs, **layer_kwargs)
        self.input_spec = [keras.layers.InputSpec(ndim=3)]

    def get_quantizers(self) -> list:
        return self.cell.quantizers

    def get_prunable_weights(self) -> list:
        return [self.cell.kernel, self.cell.recurrent_kernel]

    def get_quantization_config(self) -> dict[str, str]:
        return quantization_config(self.cell)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.pop("cell", None)
        cell = self.cell.get_config()
        for key in ("name", "trainable", "dtype"):
            cell.pop(key, None)
        config.update(cell)
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]):
        return cls(**config)


CELL_ATTRIBUTES = ("units", "activation", "use_bias", "kernel_initializer", "recurrent_initializer",
                   "bias_initializer", "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
                   "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout",
                   *(f"{name}_quantizer{suffix}" for name in QUANTIZED for suffix in ("", "_internal")))


def reads_through(*names: str):
    """Class decorator: the layer's QKeras accessors (CELL_ATTRIBUTES and `names`) read the cell's attributes."""

    def decorate(layer_class: type) -> type:
        for name in (*CELL_ATTRIBUTES, *names):
            setattr(layer_class, name, property(lambda self, n=name: getattr(self.cell, n)))
        return layer_class

    return decorate
