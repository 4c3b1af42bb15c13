"""pad, crop, upsample: elements copied to new positions, every index computed here (as movement.py does).

Each copy is exact: the output keeps the input's format (only inert modes may differ). Loops run over
the output: output element i reads input element i - before (pad; zero outside the input), i + before
(crop) or i / size (upsample: nearest neighbour).
"""

from __future__ import annotations

from hwq.backends.hls.loops import index_vars, subscript
from hwq.backends.hls.ops.context import PrintContext, Printed, op_template
from hwq.ir import Node
from hwq.ir.ops.padding import interior_of


def print_pad(ctx: PrintContext, node: Node) -> Printed:
    """Output element i reads input (i - before) / (interior + 1) where that divides and lies in the input."""
    (x,) = ctx.inputs(node)
    loops = ctx.loops(node.output.shape)
    at, tests = [], []
    gaps = interior_of(node, len(x.shape))
    for i, n, e, (before, after) in zip(index_vars(len(x.shape)), x.shape, gaps, node.attrs["padding"],
                                        strict=True):
        shifted = f"({i} - {before})" if before else i
        at.append(f"{shifted} / {e + 1}" if e else shifted)
        last = before + (n - 1) * (e + 1)
        tests += ([f"{i} >= {before}"] if before else []) + ([f"{i} <= {last}"] if after else [])
        tests += [f"{shifted} % {e + 1} == 0"] if e else []
    fields = {"loops": loops, "y": ctx.array(node.output) + loops.index, "x": ctx.array(x) + subscript(at),
              "inside": " && ".join(tests)}
    return Printed(op_template("pad"), f"pad {x.shape} -> {node.output.shape} with zeros", fields)


def print_crop(ctx: PrintContext, node: Node) -> Printed:
    (x,) = ctx.inputs(node)
    loops = ctx.loops(node.output.shape)
    at = [f"{i} + {before}" if before else i
          for i, (before, _) in zip(index_vars(len(x.shape)), node.attrs["cropping"], strict=True)]
    copy = {"loops": loops, "y": ctx.array(node.output) + loops.index, "x": ctx.array(x) + subscript(at)}
    return Printed(op_template("copy"), f"crop {x.shape} -> {node.output.shape}", {"copies": [copy]})


def print_upsample(ctx: PrintContext, node: Node) -> Printed:
    (x,) = ctx.inputs(node)
    loops = ctx.loops(node.output.shape)
    size = node.attrs["size"]
    at = [f"{i} / {k}" if k > 1 else i for i, k in zip(index_vars(len(x.shape)), size, strict=True)]
    copy = {"loops": loops, "y": ctx.array(node.output) + loops.index, "x": ctx.array(x) + subscript(at)}
    comment = f"upsample {x.shape} -> {node.output.shape}: each element repeated {tuple(size)} times"
    return Printed(op_template("copy"), comment, {"copies": [copy]})
