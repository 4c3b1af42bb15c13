"""QGRUCell and QGRU: the GRU with its weights quantized and the state read through state_quantizer. With
reset_after=False (QKeras' default): z, r = recurrent_activation(x @ K_zr + h @ R_zr + b_zr), candidate =
activation(x @ K_h + b_h + (r * h) @ R_h); with reset_after=True the reset gate multiplies h @ R_h + b_rec_h
instead, and the bias has an input and a recurrent row. h_t = z * h + (1 - z) * candidate."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from hwq.layers import recurrent as rq
from hwq.layers.common import optional_activation


@keras.saving.register_keras_serializable(package="hwq")
class QGRUCell(keras.layers.GRUCell):
    def __init__(self, units: int, activation="quantized_tanh", recurrent_activation="hard_sigmoid",
                 use_bias: bool = True, kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 kernel_quantizer=None, recurrent_quantizer=None, bias_quantizer=None, state_quantizer=None,
                 dropout: float = 0.0, recurrent_dropout: float = 0.0, implementation: int = 1,
                 reset_after: bool = False, seed=None, **kwargs) -> None:
        rq.cell_quantizers(self, kernel_quantizer, recurrent_quantizer, bias_quantizer, state_quantizer)
        super().__init__(units, activation=optional_activation(activation),
                         recurrent_activation=optional_activation(recurrent_activation), use_bias=use_bias,
                         kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
                         bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                         recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
                         **rq.constraints(self, use_bias, kernel_constraint, recurrent_constraint, bias_constraint),
                         dropout=dropout, recurrent_dropout=recurrent_dropout, reset_after=reset_after, seed=seed,
                         **kwargs)
        self.implementation = 1 if implementation == 0 else implementation  # one computation serves both

    def call(self, inputs, states, training=False):
        nested = isinstance(states, (list, tuple))
        h = rq.read_state(self, states[0] if nested else states, training)
        kernel, recurrent, bias = rq.quantized_weights(self, training)
        inputs, h_read = rq.dropped(self, inputs, h, training)
        input_bias, recurrent_bias = (None, None) if bias is None else \
            (bias[0], bias[1]) if self.reset_after else (bias, None)
        x = ops.matmul(inputs, kernel)
        if input_bias is not None:
            x = x + input_bias
        x_z, x_r, x_h = ops.split(x, 3, axis=-1)
        units = self.units
        if self.reset_after:
            inner = ops.matmul(h_read, recurrent)
            if recurrent_bias is not None:
                inner = inner + recurrent_bias
            inner_z, inner_r, inner_h = ops.split(inner, 3, axis=-1)
        else:
            inner_z, inner_r = ops.split(ops.matmul(h_read, recurrent[:, :2 * units]), 2, axis=-1)
        z = self.recurrent_activation(x_z + inner_z)
        r = self.recurrent_activation(x_r + inner_r)
        if self.reset_after:
            candidate = self.activation(x_h + r * inner_h)
        else:
            candidate = self.activation(x_h + ops.matmul(r * h_read, recurrent[:, 2 * units:]))
        h = z * h + (1.0 - z) * candidate
        return h, [h] if nested else h

    def get_config(self) -> dict[str, Any]:
        return rq.cell_config(self, super().get_config())


@rq.reads_through("recurrent_activation", "implementation", "reset_after")
@keras.saving.register_keras_serializable(package="hwq")
class QGRU(rq.QRNN):
    """A Keras RNN over QGRUCell; its arguments are the cell's and the RNN's (return_sequences, ...)."""

    cell_class = QGRUCell

