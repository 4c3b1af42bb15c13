"""graph_energy: the Horowitz energy of a lowered hwq Graph, node by node, from the IR's own types.

Where QTools sizes accumulators with QKeras' worst-case formula, this reads what the backends build:
the accumulator type of each dense node (interval arithmetic on the actual weights), its multiplier
kind, and the width of every value. Weights are priced at the bits their kind needs in memory
(1 for ±c and {0, c}, 2 for ternary, sign + exponent for powers of two, the fixed width otherwise).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hwq.fixed.kinds import Po2Type
from hwq.ir import Graph, Node
from hwq.qtools import energy_model as em

# the QKeras layer class each op is priced like (for include_energy); any other op like an activation
NODE_CLASS = {"dense": "QDense", "conv": "QConv2D", "affine": "QBatchNormalization", "pool": "MaxPooling2D",
              "add": "Add", "subtract": "Subtract", "multiply": "Multiply", "concatenate": "Concatenate",
              "reshape": "Reshape", "transpose": "Permute", "scale": "Average", "pad": "ZeroPadding2D",
              "crop": "Cropping2D", "upsample": "UpSampling2D"}
ACTIVATION_CLASS = "QActivation"


def graph_energy(graph: Graph, weights_on_memory: str = "sram", activations_on_memory: str = "sram",
                 min_sram_size: int = 0, rd_wr_on_io: bool = False, process: str | em.Process = "horowitz",
                 include_energy: dict[str, list[str]] | None = None) -> dict[str, dict[str, Any]]:
    """Per node: {"op", "inputs", "outputs", "parameters", "op_cost", "total"} in pJ (rounded to 0.01).

    "total" adds the parts `include_energy` selects for the node's class (QKeras' defaults: a dense
    node its inputs, parameters and operations; every other node its output write).
    """
    from hwq.passes.unroll import unroll_recurrences

    graph = unroll_recurrences(graph)  # every step's reads, writes and products, as the Verilog computes them
    p = em.process_named(process)
    include = include_energy or em.DEFAULT_INCLUDE_ENERGY
    values = graph.values()
    graph_inputs = {v.name for v in graph.inputs}
    result: dict[str, dict[str, Any]] = {}
    for node in graph.nodes:
        xs = [values[name] for name in node.inputs]
        at_output = node.output.name in graph.outputs

        def read(bits: float, memory: str, at_io: bool = False) -> float:
            return em.memory_read_energy(bits, memory, min_sram_size, rd_wr_on_io, at_io, p)

        parts = {"inputs": sum(read(x.size * x.type.width, activations_on_memory, x.name in graph_inputs) for x in xs),
                 "outputs": em.memory_write_energy(node.output.size * node.output.type.width, activations_on_memory,
                                                   min_sram_size, rd_wr_on_io, at_output, p),
                 "parameters": 0.0, "op_cost": 0.0}
        price = OP_PRICES.get(node.op)
        if price is not None:
            parameters, op_cost = price(node, xs, lambda bits: read(bits, weights_on_memory), p)
            parts["parameters"], parts["op_cost"] = parameters, op_cost
        rounded = {k: em.round_pj(v) for k, v in parts.items()}
        keys = em.included_parts(include, NODE_CLASS.get(node.op, ACTIVATION_CLASS))
        result[node.name] = {"op": node.op, **rounded, "total": em.round_pj(sum(parts[k] for k in keys))}
    return result


def _weighted_sum(node: Node, xs: list, read_weights, p: em.Process) -> tuple[float, float]:
    kernel, bias = node.params["kernel"], node.params.get("bias")
    parameters = read_weights(kernel.mantissa.size * weight_bits(node))
    if bias is not None:
        parameters += read_weights(bias.mantissa.size * bias.type.width)
    return parameters, dense_op_cost(node, xs[0].type.width, p)


def _elementwise_sum(node: Node, xs: list, read_weights, p: em.Process) -> tuple[float, float]:
    """op_count additions ((n - 1) per element), in the output's width."""
    return 0.0, node.attrs["op_count"] * em.add_energy(node.output.type.width, process=p)


def _elementwise_product(node: Node, xs: list, read_weights, p: em.Process) -> tuple[float, float]:
    """(n - 1) full multiplications per element (op_count in all), each priced at the geometric mean of its
    operands' widths, which grow along the chain."""
    energy, width = 0.0, xs[0].type.width
    for x in xs[1:]:
        factor, bits = em.mult_gate(width, x.type.width)
        energy += factor * em.mul_energy(bits, process=p)
        width += x.type.width
    return 0.0, node.output.size * energy


def _pool(node: Node, xs: list, read_weights, p: em.Process) -> tuple[float, float]:
    """op_count comparisons (max) or additions (sum), each priced as an adder of the output's width."""
    return 0.0, node.attrs["op_count"] * em.add_energy(node.output.type.width, process=p)


# ops with parameters or arithmetic; every other op (casts, tables, data movement) costs its reads and writes;
# dense, conv and affine are all weighted sums of constant products (op_count of them)
OP_PRICES = {"dense": _weighted_sum, "conv": _weighted_sum, "affine": _weighted_sum, "pool": _pool,
             "add": _elementwise_sum, "subtract": _elementwise_sum, "multiply": _elementwise_product}


def dense_op_cost(node: Node, x_bits: int, process: em.Process = em.HOROWITZ) -> float:
    """op_count × (multiplier gate + accumulator add), with the node's multiplier kind and accumulator."""
    kind = node.attrs["multiplier"]
    w_bits = weight_bits(node)
    if kind == "mult":
        factor, bits = em.mult_gate(x_bits, w_bits)
    elif kind == "mux":  # the IR's mux is a ternary weight: zero, or the input negated or not
        factor, bits = em.mux_gate(x_bits, binary_selector=False)
    elif kind == "xor" and x_bits > 1:  # ±c weights negate a multi-bit input: qtools' binary mux
        factor, bits = em.mux_gate(x_bits, binary_selector=True)
        kind = "mux"
    elif kind == "xor":  # one-bit input: a real xor
        factor, bits = em.xor_gate()
    elif kind == "and":
        factor, bits = em.and_gate(max(x_bits, w_bits))
    elif kind == "barrel":
        factor, bits = em.shifter_gate(w_bits, x_bits)
    else:
        factor, bits = em.adder_gate(x_bits, w_bits)
    op = {"mult": "mul", "barrel": "shifter", "adder": "add"}.get(kind, kind)
    op_count = int(node.attrs.get("op_count", node.params["kernel"].mantissa.size))
    return em.mac_energy(op_count, op, factor, bits, node.attrs["accumulator"].width, process=process)


def weight_bits(node: Node) -> int:
    """Bits one weight of a dense node takes in memory, by the multiplier kind its weights imply."""
    kernel = node.params["kernel"]
    kind = node.attrs["multiplier"]
    if kind in ("xor", "and"):
        return 1
    if kind == "mux":
        return 2
    if kind == "barrel":
        return _po2_kind(kernel.mantissa, kernel.type.frac).width
    return kernel.type.width


def _po2_kind(mantissa: np.ndarray, frac: int) -> Po2Type:
    m = np.asarray(mantissa, dtype=object).ravel()
    nonzero = [int(v) for v in m if v != 0]
    if not nonzero:
        return Po2Type(0, 0, False, True)
    exps = [abs(v).bit_length() - 1 - frac for v in nonzero]
    return Po2Type(min(exps), max(exps), any(v < 0 for v in nonzero), len(nonzero) < len(m))
