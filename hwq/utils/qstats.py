"""print_qstats: QKeras' summary of a quantized model (operation kinds and counts, weight bits, sparsity).

The printed format is QKeras'. The numbers differ from QKeras' only where QKeras miscounts:
separable convolutions' pointwise operations include the input channels, depthwise convolutions
count their depth multiplier instead of Ci·Co weights, grouped convolutions divide by the groups.
The model is not modified (QKeras quantizes its weights in place before measuring sparsity).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from math import prod
from typing import Any

import keras
import numpy as np

from hwq.quantizers import quantized_relu

# QKeras' quantizer modes: 0 fixed point, 1 power of two, 2 ternary, 3 binary ±1, 4 binary {0,1}, 5 float
FIXED, PO2, TERNARY, BINARY, BINARY01, FLOAT = range(6)
FLOAT_MODE = (FLOAT, 32, 1)

# (weight mode, input mode) -> the operation that multiplies them
OPERATION = [
    ["mult", "barrel", "mux", "mux", "mux", "fmult"],
    ["barrel", "adder", "mux", "xor", "mux", "fmult"],
    ["mux", "mux", "mux", "mux", "xor", "fmult"],
    ["mux", "xor", "mux", "xor", "xor", "fmult"],
    ["mux", "mux", "xor", "xor", "xor", "fmult"],
    ["fmult"] * 6,
]

# class name -> (mode, bits or None for quantizer.bits, signed); QKeras' own table, plus hwq's other
# fixed-point quantizers (QKeras refuses those)
MODES = {
    "quantized_bits": (FIXED, None, 1), "quantized_relu": (FIXED, None, 0), "quantized_tanh": (FIXED, None, 1),
    "quantized_ulaw": (FIXED, None, 1), "quantized_po2": (PO2, None, 1), "quantized_relu_po2": (PO2, None, 0),
    "ternary": (TERNARY, 2, 1), "stochastic_ternary": (TERNARY, 2, 1), "binary": (BINARY, 1, 1),
    "stochastic_binary": (BINARY, 1, 1), "bernoulli": (BINARY01, 1, 0),
    "quantized_sigmoid": (FIXED, None, 0), "quantized_hswish": (FIXED, None, 1), "quantized_linear": (FIXED, None, 1),
}

COUNTED = ("QDense", "QConv1D", "QConv2D", "QDepthwiseConv2D", "QSeparableConv1D", "QSeparableConv2D")
SPARSITY_LAYERS = ("QDense", "Dense", "QConv1D", "Conv1D", "QConv2D", "Conv2D", "QDepthwiseConv2D", "DepthwiseConv2D",
                   "QSeparableConv1D", "SeparableConv1D", "QSeparableConv2D", "SeparableConv2D",
                   "QConv2DTranspose", "Conv2DTranspose")


def get_quant_mode(quantizer: Any) -> tuple[int, int, int]:
    """(mode, bits, signed) of a quantizer; None, 'linear' and plain functions are float (32 bits)."""
    if quantizer is None or getattr(quantizer, "__name__", None) == "linear":
        return FLOAT_MODE
    name = type(quantizer).__name__
    if name not in MODES:
        return FLOAT_MODE  # a plain function such as relu: no quantized type
    mode, bits, signed = MODES[name]
    if bits is None:
        bits = int(quantizer.bits)
    if name == "quantized_linear":
        signed = int(bool(quantizer.keep_negative))
    # QKeras reads 2 bits with 1 integer bit as ternary, and 1-bit relu with 1 integer bit as {0, 1}
    if name in ("quantized_bits", "quantized_tanh", "quantized_ulaw") and bits == 2 and int(quantizer.integer) == 1:
        mode = TERNARY
    if name == "quantized_relu" and bits == 1 and int(quantizer.integer) == 1:
        mode = BINARY01
    return mode, bits, signed


@dataclass
class LayerOps:
    operation: str
    sizes: tuple[int, int]
    signs: tuple[int, int]
    count: int
    weights: int | list[int]
    weight_types: tuple | list[tuple]
    biases: int
    bias_type: tuple

    @property
    def op_name(self) -> str:
        return f"{'s' if sum(self.signs) > 0 else 'u'}{self.operation}_{self.sizes[0]}_{self.sizes[1]}"


def extract_model_operations(model: keras.Model) -> dict[str, LayerOps]:
    """Operation kind and count, weights and their types, of every counted quantized layer."""
    out = {}
    for layer, x_quantizer in _layers_with_input_quantizers(model):
        name = type(layer).__name__
        if name not in COUNTED:
            continue
        quantizers = layer.get_quantizers()
        w_mode, w_bits, w_sign = get_quant_mode(quantizers[0])
        x_mode, x_bits, x_sign = get_quant_mode(x_quantizer)
        count, weights, weight_types = _counts(layer, name, quantizers)
        biases = int(layer.bias.shape[0]) if getattr(layer, "use_bias", False) and layer.bias is not None else 0
        out[layer.name] = LayerOps(OPERATION[w_mode][x_mode], (w_bits, x_bits), (w_sign, x_sign), count, weights,
                                   weight_types, biases, get_quant_mode(quantizers[-1]))
    return out


def _counts(layer, name: str, quantizers: list) -> tuple[int, int | list[int], tuple | list[tuple]]:
    in_shape, out_shape = tuple(layer.input.shape[1:]), tuple(layer.output.shape[1:])
    ci, co = int(in_shape[-1]), int(out_shape[-1])
    positions = prod(int(d) for d in out_shape[:-1])  # output pixels (or 1 for a dense vector)
    if name == "QDense":
        return ci * co * positions, ci * co, get_quant_mode(quantizers[0])
    kernel = prod(int(k) for k in layer.kernel_size)
    if name in ("QConv1D", "QConv2D"):
        per_output = kernel * ci // int(getattr(layer, "groups", 1) or 1)
        return positions * co * per_output, per_output * co, get_quant_mode(quantizers[0])
    depth = int(getattr(layer, "depth_multiplier", 1))
    if name == "QDepthwiseConv2D":
        return positions * co * kernel, kernel * ci * depth, get_quant_mode(quantizers[0])
    # separable: a depthwise pass over ci·depth channels, then a pointwise (1x1) one onto co
    depthwise = positions * ci * depth * kernel
    pointwise = positions * co * ci * depth
    return (depthwise + pointwise, [kernel * ci * depth, ci * depth * co],
            [get_quant_mode(quantizers[0]), get_quant_mode(quantizers[1])])


def _layers_with_input_quantizers(model: keras.Model):
    """(layer, the quantizer of its input) for each layer: the quantizer its input last went through.
    The model input counts as quantized_relu(8,0) (QKeras' assumption of 8-bit unsigned data)."""
    output_quantizer: dict[int, Any] = {}
    for tensor in model.inputs:
        output_quantizer[id(tensor)] = quantized_relu(8, 0)
    for layer in model.layers:
        if type(layer).__name__ == "InputLayer":
            continue
        inputs = layer.input if isinstance(layer.input, list | tuple) else [layer.input]
        x_quantizer = output_quantizer.get(id(inputs[0]))
        yield layer, x_quantizer
        name = type(layer).__name__
        if name in ("QActivation", "QAdaptiveActivation"):
            q = getattr(layer, "quantizer", None) or getattr(layer, "activation", None)
        elif name in COUNTED or name in ("QConv2DTranspose",):
            q = layer.activation
        else:
            q = x_quantizer  # pooling, flatten, dropout, plain activations: pass the type through
        output_quantizer[id(layer.output)] = q


def get_model_sparsity(model: keras.Model, per_layer: bool = False, allow_list=None):
    """The fraction of zero quantized weights (and biases), overall and per layer; the model is unchanged."""
    allow = tuple(allow_list) if allow_list is not None else SPARSITY_LAYERS
    layers, everything = [], []
    for layer in model.layers:
        if type(layer).__name__ not in allow or not hasattr(layer, "quantizers"):
            continue
        values = [np.ravel(v) for v in quantized_layer_weights(layer)]
        if not values:
            continue
        flat = np.concatenate(values)
        layers.append((layer.name, float(np.mean(flat == 0))))
        everything.append(flat)
    total = float(np.mean(np.concatenate(everything) == 0)) if everything else 0.0
    return (total, layers) if per_layer else total


def quantized_layer_weights(layer) -> list[np.ndarray]:
    """The layer's weights, each through its quantizer (layer.get_quantizers(), in order) when it has one."""
    weights = layer.get_weights()
    quantizers = list(layer.get_quantizers()) if hasattr(layer, "get_quantizers") else []
    out = []
    for i, w in enumerate(weights):
        q = quantizers[i] if i < len(quantizers) else None
        # a copy: auto-scaled quantizers remember the scale of their last call
        q = q.copy() if hasattr(q, "copy") else q
        out.append(np.asarray(q(w)) if q is not None else w)
    return out


def qstats_text(model: keras.Model) -> str:
    """What print_qstats prints."""
    ops = extract_model_operations(model)
    lines = ["", "Number of operations in model:"]
    per_kind: dict[str, int] = defaultdict(int)
    for name in sorted(ops):
        op = ops[name]
        per_kind[op.op_name] += op.count
        lines.append(f"    {name:30}: {op.count!s:5} ({op.op_name})")
    lines += ["", "Number of operation types in model:"]
    lines += [f"    {kind:30}: {count}" for kind, count in sorted(per_kind.items()) if count > 0]
    lines += ["", "Weight profiling:"]
    total_bits = 0
    for name in sorted(ops):
        op = ops[name]
        if isinstance(op.weights, list):
            for i, (n, w_type) in enumerate(zip(op.weights, op.weight_types, strict=True)):
                total_bits += n * w_type[1]
                lines.append(f"    {name + '_weights_' + str(i):30} : {n!s:5} ({w_type[1]}-bit unit)")
        else:
            total_bits += op.weights * op.weight_types[1]
            lines.append(f"    {name + '_weights':30} : {op.weights!s:5} ({op.weight_types[1]}-bit unit)")
        total_bits += op.biases * op.bias_type[1]
        lines.append(f"    {name + '_bias':30} : {op.biases!s:5} ({op.bias_type[1]}-bit unit)")
    lines += ["    " + "-" * 40, f"    {'Total Bits':30} : {total_bits:5}", "", "Weight sparsity:"]
    total, per_layer = get_model_sparsity(model, per_layer=True)
    lines += [f"    {name:30} : {sparsity:.4f}" for name, sparsity in per_layer]
    lines += ["    " + "-" * 40, f"    {'Total Sparsity':30} : {total:.4f}"]
    return "\n".join(lines)


def print_qstats(model: keras.Model) -> None:
    """Print QKeras' quantization statistics of `model` (see qstats_text)."""
    print(qstats_text(model))
