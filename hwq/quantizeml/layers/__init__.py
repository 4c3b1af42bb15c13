"""QuantizeML's quantized layers, quantizers and recorders on Keras 3, computing on exact integers
(docs/quantizeml.md, "Layers"). Importing this package registers every layer for .keras loading."""

from hwq.quantizeml.layers.add import Add, QuantizedAdd
from hwq.quantizeml.layers.aligned_weight_quantizer import AlignedWeightQuantizer
from hwq.quantizeml.layers.batch_normalization import QuantizedBatchNormalization
from hwq.quantizeml.layers.concatenate import QuantizedConcatenate
from hwq.quantizeml.layers.convolution import PaddedConv2D, QuantizedConv2D, QuantizedConv2DTranspose
from hwq.quantizeml.layers.dense import QuantizedDense
from hwq.quantizeml.layers.depthwise import (
    DepthwiseConv2DTranspose,
    QuantizedDepthwiseConv2D,
    QuantizedDepthwiseConv2DTranspose,
)
from hwq.quantizeml.layers.dequantizer import Dequantizer
from hwq.quantizeml.layers.output_observer import OutputObserver
from hwq.quantizeml.layers.output_quantizer import OutputQuantizer
from hwq.quantizeml.layers.pooling import QuantizedGlobalAveragePooling2D, QuantizedMaxPool2D
from hwq.quantizeml.layers.quantizer import Quantizer
from hwq.quantizeml.layers.recorders import (
    FixedPointRecorder,
    NonTrackFixedPointVariable,
    NonTrackVariable,
    QFloatRecorder,
    TensorRecorder,
    recording,
)
from hwq.quantizeml.layers.relu import QuantizedReLU
from hwq.quantizeml.layers.rescaling import QuantizedRescaling
from hwq.quantizeml.layers.reshaping import QuantizedDropout, QuantizedFlatten, QuantizedPermute, QuantizedReshape
from hwq.quantizeml.layers.separable import QuantizedSeparableConv2D
from hwq.quantizeml.layers.weight_quantizer import WeightQuantizer

__all__ = [
    "QuantizedDense", "QuantizedConv2D", "PaddedConv2D", "QuantizedConv2DTranspose", "QuantizedDepthwiseConv2D",
    "DepthwiseConv2DTranspose", "QuantizedDepthwiseConv2DTranspose", "QuantizedSeparableConv2D",
    "QuantizedBatchNormalization", "QuantizedReLU", "QuantizedMaxPool2D", "QuantizedGlobalAveragePooling2D",
    "Add", "QuantizedAdd", "QuantizedConcatenate", "QuantizedFlatten", "QuantizedReshape", "QuantizedPermute",
    "QuantizedRescaling", "QuantizedDropout",
    "Quantizer", "WeightQuantizer", "AlignedWeightQuantizer", "OutputQuantizer", "Dequantizer", "OutputObserver",
    "recording", "TensorRecorder", "FixedPointRecorder", "QFloatRecorder", "NonTrackVariable",
    "NonTrackFixedPointVariable",
]
