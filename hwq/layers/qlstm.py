"""QLSTMCell and QLSTM: the LSTM with its weights quantized and both states (h, c) read through state_quantizer;
z = x @ kernel + h @ recurrent_kernel + bias splits into the input, forget, candidate and output gates:
c_t = f * c + i * activation(candidate), h_t = o * activation(c_t), i, f, o through recurrent_activation."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from hwq.layers import recurrent as rq
from hwq.layers.common import optional_activation


@keras.saving.register_keras_serializable(package="hwq")
class QLSTMCell(keras.layers.LSTMCell):
    def __init__(self, units: int, activation="quantized_tanh", recurrent_activation="hard_sigmoid",
                 use_bias: bool = True, kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias: bool = True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, kernel_quantizer=None, recurrent_quantizer=None,
                 bias_quantizer=None, state_quantizer=None, dropout: float = 0.0, recurrent_dropout: float = 0.0,
                 implementation: int = 1, seed=None, **kwargs) -> None:
        rq.cell_quantizers(self, kernel_quantizer, recurrent_quantizer, bias_quantizer, state_quantizer)
        super().__init__(units, activation=optional_activation(activation),
                         recurrent_activation=optional_activation(recurrent_activation), use_bias=use_bias,
                         kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
                         bias_initializer=bias_initializer, unit_forget_bias=unit_forget_bias,
                         kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
                         bias_regularizer=bias_regularizer,
                         **rq.constraints(self, use_bias, kernel_constraint, recurrent_constraint, bias_constraint),
                         dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed, **kwargs)
        # kept for the config: both of QKeras' implementations compute the same gates, here in one product
        self.implementation = 1 if implementation == 0 else implementation

    def call(self, inputs, states, training=False):
        h, c = (rq.read_state(self, s, training) for s in states[:2])
        kernel, recurrent, bias = rq.quantized_weights(self, training)
        inputs, h = rq.dropped(self, inputs, h, training)
        z = ops.matmul(inputs, kernel) + ops.matmul(h, recurrent)
        if bias is not None:
            z = z + bias
        z_i, z_f, z_c, z_o = ops.split(z, 4, axis=1)
        i, f, o = (self.recurrent_activation(g) for g in (z_i, z_f, z_o))
        c = f * c + i * self.activation(z_c)
        h = o * self.activation(c)
        return h, [h, c]

    def get_config(self) -> dict[str, Any]:
        return rq.cell_config(self, super().get_config())


@rq.reads_through("recurrent_activation", "implementation", "unit_forget_bias")
@keras.saving.register_keras_serializable(package="hwq")
class QLSTM(rq.QRNN):
    """A Keras RNN over QLSTMCell; its arguments are the cell's and the RNN's (return_sequences, ...)."""

    cell_class = QLSTMCell

