"""What the weighted layers (dense, convolutions, batch normalization) share.

The pipeline of one call, all on integers:
1. inputs: the model input becomes FixedPoint(x, 8, 0); a per-axis FixedPoint is expanded to one frac_bits (the
   largest channel's) in the buffer, each channel shifted left by `input_shift` (depthwise layers keep per-axis
   inputs); the values are promoted to the buffer's value bits (buffer_bitwidth - 1, signed).
2. weights: quantized by the WeightQuantizer(s), per output channel.
3. product: exact sums of integer products, saturated once to the buffer; frac_bits add up, scales multiply.
4. bias: quantized by the AlignedWeightQuantizer onto the product's grid (an exact left shift) and added.
5. outputs: the OutputQuantizer, when quant_config has one, else the wide QTensor itself.
"""

from __future__ import annotations

import numpy as np

from hwq.quantizeml.layers.aligned_weight_quantizer import AlignedWeightQuantizer
from hwq.quantizeml.layers.base import QTensorLayer, buffer_value_bits, check_quant_config, default_weight_bits
from hwq.quantizeml.layers.base import integer_inputs as model_inputs
from hwq.quantizeml.layers.output_quantizer import OutputQuantizer
from hwq.quantizeml.layers.recorders import TensorRecorder
from hwq.quantizeml.layers.weight_quantizer import WeightQuantizer
from hwq.quantizeml.tensors import FixedPoint, QFloat, QTensor


def fixed_point_of(x: QTensor) -> FixedPoint:
    return x.fp if isinstance(x, QFloat) else x


def scales_of(x: QTensor):
    return x.scales.numpy() if isinstance(x, QFloat) else None


def integer_product(x: QTensor, w: QTensor, op) -> QTensor:
    """op on the integer values of x and w, kept in x's value bits (the buffer); frac_bits add, scales multiply."""
    xfp, wfp = fixed_point_of(x), fixed_point_of(w)
    values = op(xfp.values.numpy(), wfp.values.numpy())
    fp = FixedPoint(values, xfp.value_bits, xfp.frac_bits.numpy() + wfp.frac_bits.numpy())
    x_scales, w_scales = scales_of(x), scales_of(w)
    if x_scales is None and w_scales is None:
        return fp
    return QFloat(fp, (1.0 if x_scales is None else x_scales) * (1.0 if w_scales is None else w_scales))


class QuantizedLayer(QTensorLayer):
    """A quantized layer configured by quant_config: an optional output quantizer and a buffer bitwidth."""

    BUFFER_SIGNED = True

    def __init__(self, *args, quant_config: dict | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.quant_config = check_quant_config(type(self).__name__, quant_config)
        out_config = self.quant_config.get("output_quantizer")
        self.out_quantizer = OutputQuantizer(name="output_quantizer", **out_config) if out_config else None
        try:
            self.buffer_bitwidth = buffer_value_bits(self.quant_config, self.BUFFER_SIGNED)
        except ValueError as e:
            raise self.fail(str(e)) from None
        self.input_shift = TensorRecorder(self.name + "/input_shift")

    def build_output_quantizer(self, output_shape) -> None:
        if self.out_quantizer is not None and not self.out_quantizer.built:
            self.out_quantizer.build(output_shape)

    def prepare_inputs(self, inputs, expand: bool = True) -> QTensor:
        """Step 1 of the pipeline (module docstring): the inputs in the buffer."""
        x = inputs if isinstance(inputs, QTensor) else model_inputs(inputs, type(self).__name__)
        if expand and not x.per_tensor:
            x, shift = x.expand(self.buffer_bitwidth)
            self.input_shift(shift)
            return x
        return x.promote(max(self.buffer_bitwidth, x.value_bits))

    def quantize_outputs(self, outputs: QTensor) -> QTensor:
        return outputs if self.out_quantizer is None else self.out_quantizer(outputs)

    def get_config(self) -> dict:
        config = super().get_config()
        config["quant_config"] = self.quant_config
        return config


class NeuralLayer(QuantizedLayer):
    """A weighted layer: weight quantizer(s) from quant_config, an aligned bias, channels last, no activation."""

    WEIGHT_QUANTIZERS = ("weight_quantizer",)
    PER_TENSOR_QUANTIZERS = ()  # quantizers whose weights get one scale (QuantizeML: separable depthwise)

    def __init__(self, *args, quant_config: dict | None = None, **kwargs) -> None:
        super().__init__(*args, quant_config=quant_config, **kwargs)
        if getattr(self, "activation", None) is not None and self.activation.__name__ != "linear":
            raise self.fail(f"does not support activations, got {self.activation.__name__}")
        if getattr(self, "data_format", "channels_last") != "channels_last":
            raise self.fail(f"supports channels_last only, got {self.data_format}")
        for name in self.WEIGHT_QUANTIZERS:
            config = self.quant_config.setdefault(name, {"bitwidth": default_weight_bits()})
            if name in self.PER_TENSOR_QUANTIZERS:
                config["axis"] = None
            setattr(self, name, WeightQuantizer(name=name, **config))
        if self.use_bias:
            self.bias_quantizer = AlignedWeightQuantizer(name="bias_quantizer",
                                                         **self.quant_config.get("bias_quantizer", {}))

    def build(self, input_shape) -> None:
        super().build(input_shape)
        self.build_output_quantizer(self.compute_output_shape(input_shape))

    def add_bias(self, outputs: QTensor) -> QTensor:
        """Step 4: the bias on the outputs' grid, added exactly."""
        if not self.use_bias:
            return outputs
        bias = self.bias_quantizer(self.bias, outputs)
        return outputs + bias

    def product(self, x: QTensor, w: QTensor, op, per_tensor_inputs: bool = True) -> QTensor:
        if per_tensor_inputs and not x.per_tensor:
            raise self.fail("needs per-tensor inputs (a per-axis QFloat cannot be aligned on one scale)")
        return integer_product(x, w, op)


def repeat_channels(x: QTensor, times: int) -> QTensor:
    """Each channel repeated `times` times along the last axis (a depth multiplier), with its frac_bits/scales."""
    if times == 1:
        return x
    fp = fixed_point_of(x)
    frac = fp.frac_bits.numpy()
    frac = frac if frac.ndim == 0 else np.repeat(frac, times)
    out = FixedPoint(np.repeat(fp.values.numpy(), times, axis=-1), fp.value_bits, frac)
    scales = scales_of(x)
    if scales is None:
        return out
    return QFloat(out, scales if scales.ndim == 0 else np.repeat(scales, times))
