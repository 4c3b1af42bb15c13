"""QSimpleRNNCell and QSimpleRNN: h_t = activation(x_t @ kernel + bias + state(h_t-1) @ recurrent_kernel), every
weight through its quantizer and the previous output through state_quantizer (QKeras' names and arguments)."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from hwq.layers import recurrent as rq
from hwq.layers.common import optional_activation


@keras.saving.register_keras_serializable(package="hwq")
class QSimpleRNNCell(keras.layers.SimpleRNNCell):
    def __init__(self, units: int, activation="quantized_tanh", use_bias: bool = True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, kernel_quantizer=None, recurrent_quantizer=None,
                 bias_quantizer=None, state_quantizer=None, dropout: float = 0.0, recurrent_dropout: float = 0.0,
                 seed=None, **kwargs) -> None:
        rq.cell_quantizers(self, kernel_quantizer, recurrent_quantizer, bias_quantizer, state_quantizer)
        super().__init__(units, activation=optional_activation(activation), use_bias=use_bias,
                         kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
                         bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                         recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
                         **rq.constraints(self, use_bias, kernel_constraint, recurrent_constraint, bias_constraint),
                         dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed, **kwargs)

    def call(self, sequence, states, training=False):
        nested = isinstance(states, (list, tuple))
        previous = rq.read_state(self, states[0] if nested else states, training)
        kernel, recurrent, bias = rq.quantized_weights(self, training)
        sequence, previous = rq.dropped(self, sequence, previous, training)
        h = ops.matmul(sequence, kernel)
        if bias is not None:
            h = ops.add(h, bias)
        output = h + ops.matmul(previous, recurrent)
        if self.activation is not None:
            output = self.activation(output)
        return output, [output] if nested else output

    def get_config(self) -> dict[str, Any]:
        return rq.cell_config(self, super().get_config())


@rq.reads_through()
@keras.saving.register_keras_serializable(package="hwq")
class QSimpleRNN(rq.QRNN):
    """A Keras RNN over QSimpleRNNCell; its arguments are the cell's and the RNN's (return_sequences, ...)."""

    cell_class = QSimpleRNNCell
