"""An activation (a quantizer, 'relu', 'linear') -> IR nodes after a value.

A quantizer whose outputs are one FixedType of its input becomes a quantize node. Every other
elementwise quantizer (power of two, binary, ternary, a scale applied after rounding, a curve such
as tanh or sigmoid) becomes a lookup table over the input type, filled by calling the quantizer on
every input value: the hardware equals the Keras forward pass by construction.
"""

from __future__ import annotations

import numpy as np

from hwq.fixed import FixedType, quantize, to_float
from hwq.fixed.kinds import HwKind, LookupTable, Po2Type, fitting_fixed_type, on_grid
from hwq.frontend.context import LoweringContext
from hwq.frontend.errors import UnsupportedLayerError
from hwq.ir import IntTensor, Value
from hwq.ir.build import MAX_TABLE_INPUT_BITS, quantize_node, relu_node, table_inputs, table_node

SUPPORTED = "a quantizer from hwq.quantizers, 'relu' or 'linear'"
DATA_DEPENDENT_ALPHAS = ("auto", "auto_po2")


def lower_activation(ctx: LoweringContext, layer, activation, x: Value) -> Value:
    """The value after `activation` is applied to x (x itself for none or 'linear')."""
    if activation is None:
        return x
    if hasattr(activation, "hw_kind"):
        kind = _activation_kind(layer, activation)
        name = ctx.name(f"{layer.name}_q" if ctx.layer_nodes.get(layer.name) else layer.name)
        if isinstance(kind, FixedType):
            node = quantize_node(name, x, kind, ctx.name(f"{name}_out"))
        else:
            node = _table_node(ctx, layer, activation, kind, name, x)
        return ctx.add(layer.name, node)
    kind = getattr(activation, "__name__", str(activation))
    if kind == "linear":
        return x
    if kind == "relu":
        name = ctx.name(f"{layer.name}_relu")
        return ctx.add(layer.name, relu_node(name, x, ctx.name(f"{name}_out")))
    raise UnsupportedLayerError(
        f"layer {layer.name!r} ({type(layer).__name__}): activation {kind!r} has no exact fixed-point "
        f"form; supported: {SUPPORTED}")


def _activation_kind(layer, quantizer) -> HwKind:
    if getattr(quantizer, "alpha", None) in DATA_DEPENDENT_ALPHAS:
        raise UnsupportedLayerError(
            f"layer {layer.name!r} ({type(layer).__name__}): activation {quantizer} scales each call by the data "
            f"it sees (alpha={quantizer.alpha!r}), which fixed hardware cannot; use a fixed alpha (None, 1 or a "
            "power of two)")
    try:
        kind = quantizer.hw_kind()
    except ValueError as err:
        raise UnsupportedLayerError(f"layer {layer.name!r} ({type(layer).__name__}), activation: {err}") from err
    if isinstance(kind, Po2Type) and not FLOAT32_EXPONENTS[0] <= kind.min_exp <= kind.max_exp <= FLOAT32_EXPONENTS[1]:
        raise UnsupportedLayerError(
            f"layer {layer.name!r} ({type(layer).__name__}): activation {quantizer} has outputs 2^{kind.min_exp} to "
            f"2^{kind.max_exp}, beyond float32's exponents {FLOAT32_EXPONENTS}: Keras flushes the smallest to 0 and "
            "the largest to inf, which its grid does not hold; give it fewer bits or a max_value")
    return kind


FLOAT32_EXPONENTS = (-126, 127)  # normal float32 numbers: 2^-126 to 2^127


def _table_node(ctx: LoweringContext, layer, quantizer, kind: HwKind, name: str, x: Value):
    t = x.type
    if t.width > MAX_TABLE_INPUT_BITS:
        raise UnsupportedLayerError(
            f"layer {layer.name!r} ({type(layer).__name__}): activation {quantizer} becomes a lookup table over "
            f"its input type {t} ({t.width} bits), and hwq builds tables over inputs of at most "
            f"{MAX_TABLE_INPUT_BITS} bits; quantize to at most {MAX_TABLE_INPUT_BITS} bits first (e.g. a "
            f"QActivation(quantized_bits({MAX_TABLE_INPUT_BITS},{max(t.integer - 1, 0)},alpha=1)))")
    m = table_inputs(t)
    inputs = to_float(m, t).astype(np.float32)  # exact: at most 24 bits, as Keras' float32 forward sees them
    outputs = _forward(quantizer, inputs)
    if not np.all(on_grid(kind, outputs)):
        raise AssertionError(f"layer {layer.name!r}: activation {quantizer} produced values off its declared kind "
                             f"{kind}; this is a bug in the quantizer's hw_kind()")
    out_type = _output_type(kind, outputs)
    return table_node(name, x, IntTensor(quantize(outputs, out_type), out_type), ctx.name(f"{name}_out"))


def _forward(quantizer, inputs: np.ndarray) -> np.ndarray:
    """The quantizer's outputs as model.predict computes them: in a compiled graph, not eagerly. For
    curves built on log or exp (quantized_ulaw, real tanh/sigmoid) TensorFlow's graph and eager kernels
    can differ in the last float32 bit, and the model the user runs is the compiled one."""
    import keras

    from hwq.layers import QActivation

    fresh = quantizer.copy() if hasattr(quantizer, "copy") else quantizer  # a quantizer object, or a function
    probe = keras.Sequential([keras.Input((1,)), QActivation(fresh)])
    return np.asarray(probe.predict(inputs.reshape(-1, 1), batch_size=65536, verbose=0), np.float64).ravel()


def _output_type(kind: HwKind, outputs: np.ndarray) -> FixedType:
    if isinstance(kind, Po2Type) or isinstance(getattr(kind, "output", None), Po2Type):
        return fitting_fixed_type(outputs)  # the exponents the table holds, not the grid's span (2^±2047 at 12 bits)
    if isinstance(kind, LookupTable):
        if isinstance(kind.output, FixedType):
            return kind.output
        return kind.output.enclosing_type() if kind.output is not None else fitting_fixed_type(outputs)
    return kind.enclosing_type()
