"""A slow, obvious interpreter of IR graphs on Python ints: the simulator's independent check."""

from __future__ import annotations

import numpy as np

from hwq.fixed import cast


def reference_mantissas(graph, m_in: np.ndarray) -> list[list[int]]:
    """Output mantissas per sample, computed one sample at a time with Python integers."""
    return [_run(graph, [int(v) for v in row]) for row in np.asarray(m_in).reshape(len(m_in), -1)]


def _run(graph, x: list[int]) -> list[int]:
    env = {graph.input.name: x}
    types = {graph.input.name: graph.input.type}
    for node in graph.nodes:
        src = node.inputs[0]
        v, t = env[src], types[src]
        if node.op == "dense":
            out = _dense(node, v, t)
        elif node.op == "relu":
            out = [max(a, 0) for a in v]
        elif node.op == "quantize":
            out = [int(c) for c in cast(np.array(v, dtype=object), t, node.output.type, dtype=object)]
        else:
            raise NotImplementedError(node.op)
        env[node.output.name], types[node.output.name] = out, node.output.type
    return env[graph.output.name]


def _dense(node, x: list[int], t) -> list[int]:
    acc = node.attrs["accumulator"]
    k = node.params["kernel"]
    kshift = acc.frac - t.frac - k.type.frac
    out = []
    for j in range(k.shape[1]):
        s = sum(x[i] * int(k.mantissa[i, j]) for i in range(k.shape[0])) << kshift
        if "bias" in node.params:
            b = node.params["bias"]
            s += int(b.mantissa[j]) << (acc.frac - b.type.frac)
        assert acc.min_mantissa <= s <= acc.max_mantissa, "accumulator overflow: the analysis is wrong"
        out.append(s)
    return out
