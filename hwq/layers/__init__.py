"""QKeras-compatible layers, registered with Keras as "hwq>NAME"."""

import hwq.quantizers  # noqa: F401  (registers the quantizers too, so loading a .keras file needs only this import)
from hwq.layers.constraints import Clip
from hwq.layers.qactivation import QActivation
from hwq.layers.qadaptive import QAdaptiveActivation
from hwq.layers.qbatchnorm import QBatchNormalization
from hwq.layers.qbidirectional import QBidirectional
from hwq.layers.qconv import QConv1D, QConv2D
from hwq.layers.qconv_transpose import QConv2DTranspose
from hwq.layers.qdense import QDense
from hwq.layers.qdepthwise import QDepthwiseConv2D
from hwq.layers.qdepthwise_transpose import QDepthwiseConv2DTranspose
from hwq.layers.qfolded_conv import QConv2DBatchnorm, QDepthwiseConv2DBatchnorm
from hwq.layers.qfolded_dense import QDenseBatchnorm
from hwq.layers.qgru import QGRU, QGRUCell
from hwq.layers.qlstm import QLSTM, QLSTMCell
from hwq.layers.qoctave import GetActivationSuffix, OctaveConv2D, QOctaveConv2D
from hwq.layers.qpooling import QAveragePooling2D, QGlobalAveragePooling2D
from hwq.layers.qscale_shift import QScaleShift
from hwq.layers.qseparable import QMobileNetSeparableConv2D, QSeparableConv1D, QSeparableConv2D
from hwq.layers.qseparable_transpose import QSeparableConv2DTranspose
from hwq.layers.qsimple_rnn import QSimpleRNN, QSimpleRNNCell

__all__ = [
    "QDense", "QActivation", "Clip",
    "QConv1D", "QConv2D", "QDepthwiseConv2D", "QSeparableConv1D", "QSeparableConv2D", "QMobileNetSeparableConv2D",
    "QConv2DTranspose", "QAveragePooling2D", "QGlobalAveragePooling2D", "QBatchNormalization",
    "QDenseBatchnorm", "QConv2DBatchnorm", "QDepthwiseConv2DBatchnorm", "QAdaptiveActivation",
    "QSimpleRNN", "QSimpleRNNCell", "QLSTM", "QLSTMCell", "QGRU", "QGRUCell", "QBidirectional", "QScaleShift",
    "QDepthwiseConv2DTranspose", "QSeparableConv2DTranspose", "QOctaveConv2D", "OctaveConv2D", "GetActivationSuffix",
]
