"""QConv2DBatchnorm and QDepthwiseConv2DBatchnorm: convolutions with a folded batch normalization.

See folding.py for what is folded when; these classes only say how a kernel is scaled per output
channel and how the float (pre-normalization) output is computed.
"""

from __future__ import annotations

import keras
from keras import ops

from hwq.layers.common import add_channel_bias, apply, scale_channels
from hwq.layers.folding import BatchnormFoldingMixin, batchnorm_options, pop_legacy_bn_options
from hwq.layers.qconv import QConv2D
from hwq.layers.qdepthwise import QDepthwiseConv2D


class _FoldedConvMixin(BatchnormFoldingMixin):
    """call() shared by both folded convolutions; subclasses give the weights, the op and the kernel scaling."""

    def _channel_axis(self) -> int:
        return 1 if self.data_format == "channels_first" else -1

    def _float_outputs(self, inputs, kernel, bias):
        """op(x, W) + bias with the unquantized kernel: where the batch statistics come from."""
        outputs = self._conv(inputs, self._masked(kernel))
        return add_channel_bias(outputs, bias, self.data_format) if self.use_bias else outputs

    def call(self, inputs, training=None):
        kernel, bias = self._fold_parts()
        folding = self._folding(bias, training, lambda: self._float_outputs(inputs, kernel, bias))
        q_kernel = self._masked(self._quantized(self.quantizer_names[0],
                                                self._scale_kernel(kernel, folding.kernel_scale), training))
        outputs = self._conv(inputs, q_kernel)
        if folding.output_scale is not None:
            outputs = scale_channels(outputs, folding.output_scale, self.data_format)
        outputs = add_channel_bias(outputs, self._quantized("bias", folding.bias, training), self.data_format)
        return apply(self.activation, outputs, training)


@keras.saving.register_keras_serializable(package="hwq")
class QConv2DBatchnorm(_FoldedConvMixin, QConv2D):
    """QConv2D followed by a batch normalization, folded: conv(x, Q_k(k·kernel)) [· correction] + Q_b(b').

    QConv2D's arguments, then BatchNormalization's, then ema_freeze_delay and folding_mode. With
    data_format='channels_first' pass axis=1 (the batch normalization axis must be the channel axis).
    A QConv2D `mask` (through **kwargs) is applied to the folded, quantized kernel and to the float pass.
    """

    def __init__(self, filters: int, kernel_size, strides=(1, 1), padding: str = "valid",
                 data_format: str | None = "channels_last", dilation_rate=(1, 1), activation=None,
                 use_bias: bool = True, kernel_initializer="he_normal", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, kernel_quantizer=None, bias_quantizer=None, axis: int = -1,
                 momentum: float = 0.99, epsilon: float = 0.001, center: bool = True, scale: bool = True,
                 beta_initializer="zeros", gamma_initializer="ones", moving_mean_initializer="zeros",
                 moving_variance_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, trainable: bool = True,
                 ema_freeze_delay: int | None = None, folding_mode: str = "ema_stats_folding", **kwargs) -> None:
        pop_legacy_bn_options(kwargs)
        super().__init__(filters=filters, kernel_size=kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate, activation=activation,
                         use_bias=use_bias, kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
                         bias_constraint=bias_constraint, kernel_quantizer=kernel_quantizer,
                         bias_quantizer=bias_quantizer, trainable=trainable, **kwargs)
        self._init_folding(batchnorm_options(locals()), trainable, ema_freeze_delay, folding_mode)

    def _folded_channels(self, input_shape) -> int:
        return self.filters

    def _masked(self, kernel):
        return kernel if self._mask is None else kernel * self._mask

    def _conv(self, inputs, kernel):
        return self.convolution_op(inputs, kernel)


@keras.saving.register_keras_serializable(package="hwq")
class QDepthwiseConv2DBatchnorm(_FoldedConvMixin, QDepthwiseConv2D):
    """QDepthwiseConv2D followed by a folded batch normalization (one per output channel c·multiplier + m)."""

    folded_kernel = "depthwise_kernel"
    folded_kernel_quantizer = "depthwise_quantizer_internal"

    def __init__(self, kernel_size, strides=(1, 1), padding: str = "VALID", depth_multiplier: int = 1,
                 data_format: str | None = None, activation=None, use_bias: bool = True,
                 depthwise_initializer="he_normal", bias_initializer="zeros", depthwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None, bias_constraint=None,
                 dilation_rate=(1, 1), depthwise_quantizer=None, bias_quantizer=None, depthwise_range=None,
                 bias_range=None, axis: int = -1, momentum: float = 0.99, epsilon: float = 0.001,
                 center: bool = True, scale: bool = True, beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None, trainable: bool = True,
                 ema_freeze_delay: int | None = None, folding_mode: str = "ema_stats_folding", **kwargs) -> None:
        pop_legacy_bn_options(kwargs)
        super().__init__(kernel_size=kernel_size, strides=strides, padding=padding, depth_multiplier=depth_multiplier,
                         data_format=data_format, activation=activation, use_bias=use_bias,
                         depthwise_initializer=depthwise_initializer, bias_initializer=bias_initializer,
                         depthwise_regularizer=depthwise_regularizer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, depthwise_constraint=depthwise_constraint,
                         bias_constraint=bias_constraint, dilation_rate=dilation_rate,
                         depthwise_quantizer=depthwise_quantizer, bias_quantizer=bias_quantizer,
                         depthwise_range=depthwise_range, bias_range=bias_range, trainable=trainable, **kwargs)
        self._init_folding(batchnorm_options(locals()), trainable, ema_freeze_delay, folding_mode)

    def _folded_channels(self, input_shape) -> int:
        return input_shape[self._channel_axis()] * self.depth_multiplier

    def _scale_kernel(self, kernel, k):
        # output channel c·multiplier + m is kernel[..., c, m]
        return kernel * ops.reshape(k, kernel.shape[-2:])

    def _conv(self, inputs, kernel):
        return self.depthwise_op(inputs, kernel)
