"""Pass: how each kernel node's constant products are built (the "constants" setting).

"shift_add" (the Verilog default): the node's constant matrix as a shared shift-add graph (hwq.cmvm), built
and proven here — a graph that fails the symbolic check is never printed. "direct": one sum of constant
products per output, left to the synthesis tool (the form to compare against).

A shift-add node's Verilog also has an adder form (the "adders" setting): "ternary" (the default) fuses adds
three words at a time into hwq_add3, one Xilinx LUT6_2 per bit where two-word adders take two
(hwq.scalar.ternary); "binary" prints every add as a portable Verilog `+`, for other FPGA families and ASICs.
"""

from __future__ import annotations

from hwq.ir import Graph
from hwq.ir.ops.kernel import CONSTANT_FORMS, KERNEL_OPS

ADDER_FORMS = ("ternary", "binary")
DEFAULT_ADDERS = "ternary"


def constant_form(form: str):
    """The pass that gives every kernel node `form` (overriding what it had)."""
    if form not in CONSTANT_FORMS:
        raise ValueError(f"multipliers={form!r}: choose one of {', '.join(CONSTANT_FORMS)}")

    def set_constant_form(graph: Graph) -> Graph:
        return _apply(graph, form, override=True)

    set_constant_form.__name__ = f"constant_form_{form}"
    return set_constant_form


def shift_add_constants(graph: Graph) -> Graph:
    """Every kernel node without a form gets "shift_add", and every shift-add node without an adder form the
    default one."""
    graph = _apply(graph, "shift_add", override=False)
    for node in graph.nodes:
        if node.attrs.get("constants") == "shift_add":
            node.attrs.setdefault("adders", DEFAULT_ADDERS)
    return graph


def adder_form(adders: str):
    """The pass that gives every kernel node the adder form `adders` ("ternary" or "binary")."""
    if adders not in ADDER_FORMS:
        raise ValueError(f"adders={adders!r}: choose one of {', '.join(ADDER_FORMS)}")

    def set_adder_form(graph: Graph) -> Graph:
        for node in graph.nodes:
            if node.op in KERNEL_OPS:
                node.attrs["adders"] = adders
        return graph

    set_adder_form.__name__ = f"adder_form_{adders}"
    return set_adder_form


def _apply(graph: Graph, form: str, override: bool) -> Graph:
    from hwq.cmvm.kernels import kernel_program

    values = graph.values()
    for node in graph.nodes:
        if node.op not in KERNEL_OPS or (not override and "constants" in node.attrs):
            continue
        node.attrs["constants"] = form
        if form == "shift_add":
            kernel_program(node, values[node.inputs[0]].type)  # proven now, or a CheckError naming the node
    return graph
