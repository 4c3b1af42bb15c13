"""Random CNN graphs built directly in the IR (no Keras): stacks of convolutions (grouped, strided, dilated,
padded), pools, padding, cropping, upsampling and pixelwise ops, with residual adds and channel
concatenations, ending in a flatten and a dense. For the stream schedule and the backends."""

from __future__ import annotations

import numpy as np

from hwq.fixed import FixedType
from hwq.ir import Graph, Value
from hwq.ir.build import make_node, quantize_node
from hwq.ir.ops.kernel import multiplier_kind
from support.graphs import random_tensor, random_type


class _Builder:
    def __init__(self, rng: np.random.Generator, max_bits: int):
        self.rng, self.max_bits, self.nodes, self.k = rng, max_bits, [], 0

    def add(self, op: str, inputs: list[Value], attrs: dict | None = None, params: dict | None = None,
            out_type: FixedType | None = None) -> Value:
        self.k += 1
        node = make_node(op, f"{op}{self.k}", inputs, f"{op}{self.k}_out", attrs, params, out_type)
        self.nodes.append(node)
        return node.output

    def narrow(self, x: Value) -> Value:
        """A quantizer back to at most max_bits, so widths stay in check along the stack."""
        self.k += 1
        t = random_type(self.rng, 2, self.max_bits)
        node = quantize_node(f"q{self.k}", x, t, f"q{self.k}_out")
        self.nodes.append(node)
        return node.output

    def conv(self, x: Value, same: bool) -> Value:
        rng = self.rng
        rank = len(x.shape) - 1
        cin = x.shape[-1]
        groups = cin if (cin > 1 and rng.integers(0, 3) == 0) else 1
        cout = groups * int(rng.integers(1, 3)) if groups > 1 else int(rng.integers(1, 5))
        size = [int(k) for k in rng.integers(1, 4, size=rank)]
        strides = [1] * rank if same else [int(s) for s in rng.integers(1, 3, size=rank)]
        dilation = [1] * rank if same or rng.integers(0, 3) else [2] * rank
        padding = []
        for n, k, d in zip(x.shape[:-1], size, dilation, strict=True):
            reach = d * (k - 1) + 1
            lo = (reach - 1) // 2 if same else int(rng.integers(0, k))
            hi = reach - 1 - lo if same else max(int(rng.integers(0, k)), reach - n - lo)
            padding.append([lo, hi])
        kernel = random_tensor(rng, (*size, cin // groups, cout), random_type(rng, 2, 6, modes=False))
        params = {"kernel": kernel}
        if rng.integers(0, 2):
            params["bias"] = random_tensor(rng, (cout,), random_type(rng, 2, 6, modes=False))
        attrs = {"strides": strides, "dilation": dilation, "padding": padding, "groups": groups,
                 "multiplier": multiplier_kind(kernel)}
        return self.narrow(self.add("conv", [x], attrs, params))

    def pool(self, x: Value) -> Value:
        rank = len(x.shape) - 1
        size = [min(int(k), n) for k, n in zip(self.rng.integers(1, 3, size=rank), x.shape[:-1], strict=True)]
        mode = str(self.rng.choice(["max", "sum"]))
        y = self.add("pool", [x], {"mode": mode, "size": size, "strides": size, "padding": [[0, 0]] * rank})
        return self.narrow(y) if mode == "sum" else y

    def resample(self, x: Value) -> Value:
        rank = len(x.shape) - 1
        kind = int(self.rng.integers(0, 3))
        if kind == 0:
            return self.add("pad", [x], {"padding": [[int(a), int(b)] for a, b in self.rng.integers(0, 2, (rank, 2))]
                                         + [[0, 0]]})
        if kind == 1 and min(x.shape[:-1]) > 2:
            return self.add("crop", [x], {"cropping": [[1, 0]] * rank + [[0, 0]]})
        return self.add("upsample", [x], {"size": [int(k) for k in self.rng.integers(1, 3, size=rank)] + [1]})

    def pixelwise(self, x: Value) -> Value:
        kind = int(self.rng.integers(0, 3))
        if kind == 0:
            return self.add("relu", [x])
        if kind == 1:
            c = x.shape[-1]
            kernel = random_tensor(self.rng, (c,), random_type(self.rng, 2, 6, modes=False))
            return self.narrow(self.add("affine", [x], {"multiplier": multiplier_kind(kernel)}, {"kernel": kernel}))
        return self.narrow(x)

    def branch(self, x: Value) -> Value:
        """A residual add (a same-padded conv beside x) or a channel concatenation of two branches."""
        y = self.conv(x, same=True)
        if y.shape == x.shape and self.rng.integers(0, 2):
            return self.narrow(self.add("add", [x, y]))
        return self.add("concatenate", [x, y], {"axis": len(x.shape) - 1})


def random_cnn_graph(rng: np.random.Generator, max_bits: int = 10, name: str = "cnn") -> Graph:
    """An image (1-D or 2-D, 1-3 channels), three to six random blocks, a flatten and a dense."""
    rank = int(rng.integers(1, 3))
    shape = (*[int(n) for n in rng.integers(5, 11, size=rank)], int(rng.integers(1, 4)))
    x = Value("image", shape, random_type(rng, 2, max_bits))
    b = _Builder(rng, max_bits)
    y = x
    for _ in range(int(rng.integers(3, 7))):
        step = [b.conv, b.pool, b.resample, b.pixelwise, b.branch][int(rng.integers(0, 5))]
        y = step(y, same=bool(rng.integers(0, 2))) if step == b.conv else step(y)
        if y.size > 600:  # keep the graphs (and their parallel Verilog) small
            y = b.pool(y) if min(y.shape[:-1]) >= 2 else y
    flat = b.add("reshape", [y], {"shape": [y.size]})
    kernel = random_tensor(rng, (y.size, 3), random_type(rng, 2, 6, modes=False))
    out = b.add("dense", [flat], {"multiplier": multiplier_kind(kernel)}, {"kernel": kernel})
    return Graph(name, [x], b.nodes, [out.name]).validate()


__all__ = ["random_cnn_graph"]
