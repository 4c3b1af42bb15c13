"""QSimpleRNN, QGRU, QLSTM and QBidirectional -> a recurrence node: a loop over time whose body is one step.

The body (a Graph, hwq.ir.ops.recurrence) reads a row of the sequence and the carried states: it forms the cell's
sums with dense nodes over its kernel (with the bias) and its recurrent kernel, applies the activations as
lookup tables or casts and the gates as elementwise products, and reads each state through the state quantizer
where the cell reads it. A carried state is one register: its type is found by building the step until the
types it gives settle (the union of every step's), and the next state is cast back into it (exactly: it holds
every value a step can give). The HLS backend keeps the loop; hwq.passes.unroll copies the body once per step
for the Verilog backend and the cost models.

A state that no quantizer bounds (a GRU's h = z*h + (1-z)*c without a state_quantizer) grows a fraction bit at
every step and never settles: such a layer is unrolled into its steps instead, the first step without its
recurrent products (its state is zero), each step's widths its own. An LSTM's memory cell grows so too, and an
LSTM without a state_quantizer is refused.
"""

from __future__ import annotations

import numpy as np

from hwq.fixed import FixedType, Interval, quantize, to_float
from hwq.fixed.intervals import hull_of
from hwq.fixed.kinds import fitting_fixed_type
from hwq.frontend.activation import lower_activation
from hwq.frontend.context import LoweringContext
from hwq.frontend.errors import UnsupportedLayerError
from hwq.frontend.weights import Weights, quantized_weights
from hwq.ir import Graph, IntTensor, IRError, Value, legal_identifier
from hwq.ir.build import make_node, quantize_node
from hwq.ir.ops.kernel import multiplier_kind


def lower_rnn(ctx: LoweringContext, layer, inputs: list[Value]) -> Value:
    looped = _looped(ctx, layer, inputs[0], layer.name)
    if looped is None:
        return _result(ctx, layer, layer.name, _unrolled(ctx, layer, inputs[0], layer.name), layer.return_sequences)
    return _looped_result(ctx, layer, layer.name, looped, layer.return_sequences)


def lower_bidirectional(ctx: LoweringContext, layer, inputs: list[Value]) -> Value:
    if layer.merge_mode not in ("concat", "sum", "mul", "ave"):
        raise UnsupportedLayerError(f"layer {layer.name!r} (QBidirectional): merge_mode {layer.merge_mode!r}; hwq "
                                    "lowers 'concat', 'sum', 'mul' and 'ave'")
    sequences = layer.forward_layer.return_sequences
    x = inputs[0]
    parts = _bidirectional_loops(ctx, layer, x, sequences) or _bidirectional_unrolled(ctx, layer, x, sequences)
    name, out = ctx.names_for(layer)
    if layer.merge_mode == "concat":
        return ctx.add(layer.name, make_node("concatenate", name, parts, out, {"axis": len(parts[0].shape) - 1}))
    op = {"sum": "add", "mul": "multiply", "ave": "average"}[layer.merge_mode]
    return ctx.add(layer.name, make_node(op, name, parts, out))


def _bidirectional_loops(ctx: LoweringContext, layer, x: Value, sequences: bool) -> list[Value] | None:
    """Both directions as recurrence nodes (the backward one's rows lined up with the forward's), or None when
    either state does not settle."""
    sides = {"forward": layer.forward_layer, "backward": layer.backward_layer}
    types = {}
    for name, side in sides.items():
        _check(side, x)
        types[name] = _state_types(ctx, side, x)
        if types[name] is None:
            return None
    loops = [_looped(ctx, side, x, f"{layer.name}_{name}", aligned=True, types=types[name])
             for name, side in sides.items()]
    return [_looped_result(ctx, layer, f"{layer.name}_{name}", v, sequences)
            for name, v in zip(("forward", "backward"), loops, strict=True)]


def _bidirectional_unrolled(ctx: LoweringContext, layer, x: Value, sequences: bool) -> list[Value]:
    forward = _unrolled(ctx, layer.forward_layer, x, f"{layer.name}_forward")
    backward = _unrolled(ctx, layer.backward_layer, x, f"{layer.name}_backward")
    if sequences:
        backward = backward[::-1]  # Keras lines the backward outputs up with the forward ones' time steps
    return [_result(ctx, layer, f"{layer.name}_{side}", outs, sequences)
            for side, outs in (("forward", forward), ("backward", backward))]


def _looped(ctx: LoweringContext, layer, x: Value, prefix: str, aligned: bool = False,
            types: list[FixedType] | None = None) -> Value | None:
    """The layer as one recurrence node over x, or None when its states never settle on one type (`types`: the
    carried types, when already found)."""
    _check(layer, x)
    types = types or _state_types(ctx, layer, x)
    if types is None:
        return None
    body_ctx = LoweringContext(taken=ctx.taken)
    row = Value(body_ctx.name(f"{prefix}_x"), (1, x.shape[1]), x.type)
    states = [Value(body_ctx.name(f"{prefix}_state{k}"), (1, layer.cell.units), t) for k, t in enumerate(types)]
    _, nexts = _step_of(layer)(body_ctx, layer, _Weights(layer), prefix, row, states)
    nexts = [n if n.type == t else body_ctx.add(layer.name, quantize_node(
        body_ctx.name(f"{prefix}_next{k}"), n, t, body_ctx.name(f"{prefix}_next{k}_out")))
        for k, (n, t) in enumerate(zip(nexts, types, strict=True))]
    body = Graph(legal_identifier(f"{prefix}_step"), [row, *states], body_ctx.nodes, [n.name for n in nexts])
    attrs = {"body": body, "go_backwards": bool(layer.go_backwards), "return_sequences": bool(layer.return_sequences),
             "time_aligned": aligned}
    name, out = ctx.names_for(layer, "_loop") if prefix == layer.name else (ctx.name(prefix),
                                                                           ctx.name(f"{prefix}_out"))
    return ctx.add(layer.name, make_node("recurrence", name, [x], out, attrs))


def _state_types(ctx: LoweringContext, layer, x: Value) -> list[FixedType] | None:
    """The carried states' types: the union of the types every step gives them, found by building the step until
    the union holds what the next step gives (None when it does not within the sequence's length)."""
    step, w = _step_of(layer), _Weights(layer)
    trial = LoweringContext(taken=set(ctx.taken))
    row = Value(trial.name("row"), (1, x.shape[1]), x.type)
    types = [v.type for v in step(trial, layer, w, "trial", row, None)[1]]
    for _ in range(x.shape[0]):
        trial = LoweringContext(taken=set(ctx.taken))
        states = [Value(trial.name(f"state{k}"), (1, layer.cell.units), t) for k, t in enumerate(types)]
        try:
            nexts = [v.type for v in step(trial, layer, w, "trial", row, states)[1]]
        except (IRError, UnsupportedLayerError):  # the widened state outgrows a table: no one type serves all
            return None
        if all(Interval.of_type(n).fits(t) for n, t in zip(nexts, types, strict=True)):
            return types
        types = [t if Interval.of_type(n).fits(t) else hull_of([Interval.of_type(t), Interval.of_type(n)])
                 .fitting_type() for n, t in zip(nexts, types, strict=True)]
    return None


def _looped_result(ctx: LoweringContext, layer, prefix: str, looped: Value, sequences: bool) -> Value:
    if sequences:
        return looped
    node = make_node("reshape", ctx.name(f"{prefix}_last"), [looped], ctx.name(f"{prefix}_last_out"),
                     {"shape": [looped.shape[-1]]})
    return ctx.add(layer.name, node)


def _step_of(layer):
    kind = type(layer.cell).__name__
    step = {"QSimpleRNNCell": _simple_step, "QGRUCell": _gru_step, "QLSTMCell": _lstm_step}.get(kind)
    if step is None:
        raise UnsupportedLayerError(f"layer {layer.name!r}: hwq lowers QSimpleRNN, QGRU and QLSTM cells, not {kind}")
    return step


def _unrolled(ctx: LoweringContext, layer, x: Value, prefix: str) -> list[Value]:
    """The cell's output at every step, in the order the layer processes them ((1, units) each)."""
    _check(layer, x)
    steps, step, w = x.shape[0], _step_of(layer), _Weights(layer)
    order = range(steps - 1, -1, -1) if layer.go_backwards else range(steps)
    states, outputs = None, []
    for t in order:
        name = f"{prefix}_t{t}"
        row = ctx.add(layer.name, make_node("crop", ctx.name(name), [x], ctx.name(f"{name}_x"),
                                            {"cropping": [[t, steps - 1 - t], [0, 0]]}))
        out, states = step(ctx, layer, w, name, row, states)
        outputs.append(out)
    return outputs


def _check(layer, x: Value) -> None:
    what = f"layer {layer.name!r} ({type(layer).__name__})"
    if len(x.shape) != 2:
        raise UnsupportedLayerError(f"{what}: input of shape {x.shape}; a recurrent layer reads (steps, features)")
    if layer.stateful:
        raise UnsupportedLayerError(f"{what} is stateful: its state outlives a call, which a circuit fed one "
                                    "sequence at a time has no place for; lower it with stateful=False")
    if type(layer.cell).__name__ == "QLSTMCell" and layer.cell.state_quantizer_internal is None:
        raise UnsupportedLayerError(f"{what}: the memory cell c = f*c + i*g grows wider at every step without a "
                                    "state_quantizer; give the layer one (e.g. quantized_bits(8,2,alpha=1))")


class _Weights:
    """The cell's quantized kernel, recurrent kernel and bias, and the dense nodes over slices of them."""

    def __init__(self, layer) -> None:
        cell = layer.cell
        self.layer = layer
        self.kernel = quantized_weights(layer, "kernel", np.asarray(cell.kernel), cell.kernel_quantizer_internal)
        self.recurrent = quantized_weights(layer, "recurrent", np.asarray(cell.recurrent_kernel),
                                           cell.recurrent_quantizer_internal)
        self.bias = quantized_weights(layer, "bias", np.asarray(cell.bias), cell.bias_quantizer_internal) \
            if cell.use_bias else None

    def dense(self, ctx, name: str, x: Value, weights: Weights, columns: slice, bias: IntTensor | None) -> Value:
        kernel = IntTensor(weights.tensor.mantissa[:, columns], weights.tensor.type)
        params = {"kernel": kernel} if bias is None else {"kernel": kernel, "bias": bias}
        node = make_node("dense", ctx.name(name), [x], ctx.name(f"{name}_out"), {"multiplier": weights.multiplier},
                         params)
        return ctx.add(self.layer.name, node)

    def bias_slice(self, columns: slice, row: int | None = None) -> IntTensor | None:
        if self.bias is None:
            return None
        m = self.bias.tensor.mantissa if row is None else self.bias.tensor.mantissa[row]
        return IntTensor(m[columns], self.bias.tensor.type)

    def gate(self, ctx, name: str, x: Value, h: Value | None, gate: int, reset_row: int | None = None) -> Value:
        """x @ K_gate + b_gate (+ h @ R_gate, with the recurrent bias row when reset_after): one gate's sum."""
        units = self.layer.cell.units
        cols = slice(gate * units, (gate + 1) * units)
        row = 0 if reset_row is not None else None
        bias = self.bias_slice(cols, row)
        if h is None and reset_row is not None:  # a zero state still adds the recurrent bias row
            bias = _sum(bias, self.bias_slice(cols, reset_row))
        total = self.dense(ctx, f"{name}_x", x, self.kernel, cols, bias)
        if h is None:
            return total
        rec_bias = self.bias_slice(cols, reset_row) if reset_row is not None else None
        recurrent = self.dense(ctx, f"{name}_h", h, self.recurrent, cols, rec_bias)
        return _add(ctx, self.layer, name, [total, recurrent])


def _simple_step(ctx, layer, w: _Weights, name: str, x: Value, states):
    h = _read(ctx, layer, name, states[0]) if states else None
    out = lower_activation(ctx, layer, layer.cell.activation, w.gate(ctx, name, x, h, 0))
    return out, [out]


def _lstm_step(ctx, layer, w: _Weights, name: str, x: Value, states):
    cell = layer.cell
    h, c = (_read(ctx, layer, f"{name}_{k}", s) for k, s in zip("hc", states, strict=True)) if states else (None, None)
    i, f, g, o = (w.gate(ctx, f"{name}_{k}", x, h, n) for n, k in enumerate("ifco"))
    i, f, o = (lower_activation(ctx, layer, cell.recurrent_activation, v) for v in (i, f, o))
    g = lower_activation(ctx, layer, cell.activation, g)
    new_c = _mul(ctx, layer, f"{name}_ig", [i, g])
    if c is not None:
        new_c = _add(ctx, layer, f"{name}_c", [_mul(ctx, layer, f"{name}_fc", [f, c]), new_c])
    new_h = _mul(ctx, layer, f"{name}_h", [o, lower_activation(ctx, layer, cell.activation, new_c)])
    return new_h, [new_h, new_c]


def _gru_step(ctx, layer, w: _Weights, name: str, x: Value, states):
    cell = layer.cell
    h = _read(ctx, layer, name, states[0]) if states else None
    reset_row = 1 if cell.reset_after and cell.use_bias else None
    z, r = (lower_activation(ctx, layer, cell.recurrent_activation, w.gate(ctx, f"{name}_{k}", x, h, n, reset_row))
            for n, k in enumerate("zr"))
    units = cell.units
    cols = slice(2 * units, 3 * units)
    candidate = w.dense(ctx, f"{name}_cx", x, w.kernel, cols, w.bias_slice(cols, 0 if cell.reset_after and
                                                                             cell.use_bias else None))
    if h is not None:
        if cell.reset_after:
            inner = w.dense(ctx, f"{name}_ch", h, w.recurrent, cols, w.bias_slice(cols, reset_row)
                            if reset_row is not None else None)
            candidate = _add(ctx, layer, f"{name}_cand", [candidate, _mul(ctx, layer, f"{name}_rh", [r, inner])])
        else:
            rh = _mul(ctx, layer, f"{name}_rh", [r, h])
            candidate = _add(ctx, layer, f"{name}_cand", [candidate, w.dense(ctx, f"{name}_ch", rh, w.recurrent,
                                                                              cols, None)])
    elif cell.reset_after and reset_row is not None:
        # a zero state still meets the recurrent bias: r * (0 @ R + b_rec) = r * b_rec
        bias = _constant_row(ctx, layer, f"{name}_hb", w.bias_slice(cols, reset_row), x)
        candidate = _add(ctx, layer, f"{name}_cand", [candidate, _mul(ctx, layer, f"{name}_rh", [r, bias])])
    candidate = lower_activation(ctx, layer, cell.activation, candidate)
    one_minus_z = _affine(ctx, layer, f"{name}_1mz", z, -1, 1)
    new_h = _mul(ctx, layer, f"{name}_hc", [one_minus_z, candidate])
    if h is not None:
        new_h = _add(ctx, layer, f"{name}_h", [_mul(ctx, layer, f"{name}_zh", [z, h]), new_h])
    return new_h, [new_h]


def _read(ctx, layer, name: str, state: Value) -> Value:
    """The state as the next step reads it: through the state quantizer, if any."""
    return lower_activation(ctx, layer, layer.cell.state_quantizer_internal, state)


def _add(ctx, layer, name: str, xs: list[Value]) -> Value:
    return ctx.add(layer.name, make_node("add", ctx.name(name), xs, ctx.name(f"{name}_out")))


def _mul(ctx, layer, name: str, xs: list[Value]) -> Value:
    return ctx.add(layer.name, make_node("multiply", ctx.name(name), xs, ctx.name(f"{name}_out")))


def _affine(ctx, layer, name: str, x: Value, scale: int, offset: int) -> Value:
    """scale * x + offset, elementwise, for integers scale and offset (1 - z in a GRU)."""
    n = x.shape[-1]
    kernel, bias = (_integers(np.full(n, v)) for v in (scale, offset))
    node = make_node("affine", ctx.name(name), [x], ctx.name(f"{name}_out"), {"multiplier": multiplier_kind(kernel)},
                     {"kernel": kernel, "bias": bias})
    return ctx.add(layer.name, node)


def _constant_row(ctx, layer, name: str, values: IntTensor, like: Value) -> Value:
    """A value shaped (1, n) holding `values` whatever `like` holds: like @ 0 + values, a dense node."""
    zero = _integers(np.zeros((like.shape[-1], len(values.mantissa)), dtype=np.int64))
    node = make_node("dense", ctx.name(name), [like], ctx.name(f"{name}_out"), {"multiplier": multiplier_kind(zero)},
                     {"kernel": zero, "bias": values})
    return ctx.add(layer.name, node)


def _sum(a: IntTensor, b: IntTensor) -> IntTensor:
    """a + b exactly (two rows of one quantized bias: their sum fits float64 exactly)."""
    values = to_float(a.mantissa, a.type) + to_float(b.mantissa, b.type)
    t = fitting_fixed_type(values)
    return IntTensor(quantize(values, t), t)


def _integers(values: np.ndarray) -> IntTensor:
    t = fitting_fixed_type(values.astype(np.float64))
    return IntTensor(quantize(values.astype(np.float64), t), t)


def _result(ctx, layer, prefix: str, outputs: list[Value], sequences: bool) -> Value:
    """The layer's output: every step's, stacked in processing order (return_sequences), or the last one's."""
    units = outputs[-1].shape[-1]
    if sequences:
        if len(outputs) == 1:
            return outputs[0]
        node = make_node("concatenate", ctx.name(f"{prefix}_sequence"), outputs,
                         ctx.name(f"{prefix}_sequence_out"), {"axis": 0})
        return ctx.add(layer.name, node)
    node = make_node("reshape", ctx.name(f"{prefix}_last"), [outputs[-1]], ctx.name(f"{prefix}_last_out"),
                     {"shape": [units]})
    return ctx.add(layer.name, node)
