"""Pass: how each kernel node's constant products are built (the "constants" setting).

"shift_add" (the Verilog default): the node's constant matrix as a shared shift-add graph (hwq.cmvm), built
and proven here — a graph that fails the symbolic check is never printed. "direct": one sum of constant
products per output, left to the synthesis tool (the form to compare against).
"""

from __future__ import annotations

from hwq.ir import Graph
from hwq.ir.ops.kernel import CONSTANT_FORMS, KERNEL_OPS


def constant_form(form: str):
    """The pass that gives every kernel node `form` (overriding what it had)."""
    if form not in CONSTANT_FORMS:
        raise ValueError(f"multipliers={form!r}: choose one of {', '.join(CONSTANT_FORMS)}")

    def set_constant_form(graph: Graph) -> Graph:
        return _apply(graph, form, override=True)

    set_constant_form.__name__ = f"constant_form_{form}"
    return set_constant_form


def shift_add_constants(graph: Graph) -> Graph:
    """Every kernel node without a form gets "shift_add"."""
    return _apply(graph, "shift_add", override=False)


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
