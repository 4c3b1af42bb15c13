"""A slow, obvious interpreter of IR graphs on Python ints: the simulator's independent check.

One sample at a time; every value a flat list of Python ints in row-major order of its shape. Each op
has its own function here, written from the op's documented meaning, not from hwq's evaluate code.
"""

from __future__ import annotations

import itertools

import numpy as np

from hwq.fixed import cast


def reference_mantissas(graph, m_in) -> list[list[int]] | list[list[list[int]]]:
    """Output mantissas per sample (a list per output for several outputs), one sample at a time."""
    ports = m_in if isinstance(m_in, list | tuple) else [m_in]
    rows = [np.asarray(m).reshape(len(m), -1) for m in ports]
    per_sample = [_run(graph, [[int(v) for v in r[s]] for r in rows]) for s in range(len(rows[0]))]
    if len(graph.outputs) == 1:
        return [outs[0] for outs in per_sample]
    return [[outs[k] for outs in per_sample] for k in range(len(graph.outputs))]


def _run(graph, xs: list[list[int]]) -> list[list[int]]:
    env = {v.name: (x, v) for v, x in zip(graph.inputs, xs, strict=True)}
    for node in graph.nodes:
        args = [env[name] for name in node.inputs]
        out = REFERENCE[node.op](node, [a[0] for a in args], [a[1] for a in args])
        assert len(out) == node.output.size
        t = node.output.type
        assert all(t.min_mantissa <= v <= t.max_mantissa for v in out), f"{node.name}: output outside {t}"
        env[node.output.name] = (out, node.output)
    return [env[name][0] for name in graph.outputs]


def _at(m: int, src, dst) -> int:
    """A mantissa of src as a mantissa of dst, exactly (dst has at least src's fraction bits)."""
    shift = dst.frac - src.frac
    assert shift >= 0, "an exact op's output has fewer fraction bits than an input"
    return m << shift


def _dense(node, xs, vals):
    x, acc = xs[0], node.output.type
    k, n_in = node.params["kernel"], node.params["kernel"].shape[0]
    n_out = k.shape[1]
    kshift = acc.frac - vals[0].type.frac - k.type.frac
    out = []
    for row in range(len(x) // n_in):
        for j in range(n_out):
            s = sum(x[row * n_in + i] * int(k.mantissa[i, j]) for i in range(n_in)) << kshift
            if "bias" in node.params:
                b = node.params["bias"]
                s += int(b.mantissa[j]) << (acc.frac - b.type.frac)
            assert acc.min_mantissa <= s <= acc.max_mantissa, "accumulator overflow: the analysis is wrong"
            out.append(s)
    return out


def _quantize(node, xs, vals):
    return [int(c) for c in cast(np.array(xs[0], dtype=object), vals[0].type, node.output.type, dtype=object)]


def _relu(node, xs, vals):
    return [max(a, 0) for a in xs[0]]


def _table(node, xs, vals):
    s, lo, hi = (node.attrs[a] for a in ("index_shift", "index_lo", "index_hi"))
    table = [int(v) for v in node.params["table"].mantissa]
    return [table[min(max(a >> s, lo), hi) - lo] for a in xs[0]]


def _add(node, xs, vals):
    out = node.output.type
    return [sum(_at(x[e], v.type, out) for x, v in zip(xs, vals, strict=True)) for e in range(len(xs[0]))]


def _subtract(node, xs, vals):
    out = node.output.type
    return [_at(a, vals[0].type, out) - _at(b, vals[1].type, out) for a, b in zip(xs[0], xs[1], strict=True)]


def _multiply(node, xs, vals):
    out = node.output.type
    frac = sum(v.type.frac for v in vals)
    result = []
    for e in range(len(xs[0])):
        p = 1
        for x in xs:
            p *= x[e]
        result.append(p << (out.frac - frac))
    return result


def _index(shape) -> list[tuple[int, ...]]:
    return list(itertools.product(*(range(d) for d in shape)))


def _flat(shape, idx) -> int:
    f = 0
    for d, i in zip(shape, idx, strict=True):
        f = f * d + i
    return f


def _concatenate(node, xs, vals):
    axis, out = node.attrs["axis"], node.output
    pieces = []  # (input, offset along axis)
    offset = 0
    for v in vals:
        pieces.append(offset)
        offset += v.shape[axis]
    result = [0] * out.size
    for x, v, start in zip(xs, vals, pieces, strict=True):
        for idx in _index(v.shape):
            dst = list(idx)
            dst[axis] += start
            result[_flat(out.shape, dst)] = _at(x[_flat(v.shape, idx)], v.type, out.type)
    return result


def _reshape(node, xs, vals):
    return list(xs[0])  # row-major order is kept


def _transpose(node, xs, vals):
    perm, shape = node.attrs["perm"], vals[0].shape
    out_shape = node.output.shape
    result = [0] * len(xs[0])
    for idx in _index(shape):
        result[_flat(out_shape, [idx[a] for a in perm])] = xs[0][_flat(shape, idx)]
    return result


def _scale(node, xs, vals):
    return list(xs[0])  # the same mantissas, the binary point moved


def _windows(node, shape, size):
    """(output index, [input index or None for padding, per tap]) of a window op, in row-major tap order."""
    strides = node.attrs["strides"]
    dilation = node.attrs.get("dilation") or [1] * len(size)
    starts = [lo for lo, _ in node.attrs["padding"]]
    out_spatial = node.output.shape[:-1]
    for o in itertools.product(*(range(n) for n in out_spatial)):
        taps = []
        for t in itertools.product(*(range(k) for k in size)):
            pos = [oi * s + ti * d - lo for oi, ti, s, d, lo in zip(o, t, strides, dilation, starts, strict=True)]
            inside = all(0 <= p < n for p, n in zip(pos, shape, strict=True))
            taps.append(pos if inside else None)
        yield o, taps


def _conv(node, xs, vals):
    x, v, acc = xs[0], vals[0], node.output.type
    k = node.params["kernel"]
    size, cin_g, cout = k.shape[:-2], k.shape[-2], k.shape[-1]
    groups = node.attrs["groups"]
    kshift = acc.frac - v.type.frac - k.type.frac
    out = [0] * node.output.size
    for o, taps in _windows(node, v.shape[:-1], size):
        for j in range(cout):
            g = j // (cout // groups)
            s = 0
            for t, pos in zip(itertools.product(*(range(n) for n in size)), taps, strict=True):
                if pos is None:
                    continue
                for c in range(cin_g):
                    s += x[_flat(v.shape, [*pos, g * cin_g + c])] * int(k.mantissa[(*t, c, j)])
            s <<= kshift
            if "bias" in node.params:
                b = node.params["bias"]
                s += int(b.mantissa[j]) << (acc.frac - b.type.frac)
            out[_flat(node.output.shape, [*o, j])] = s
    return out


def _pool(node, xs, vals):
    x, v, out_t = xs[0], vals[0], node.output.type
    channels = v.shape[-1]
    out = [0] * node.output.size
    for o, taps in _windows(node, v.shape[:-1], node.attrs["size"]):
        for c in range(channels):
            seen = [x[_flat(v.shape, [*pos, c])] for pos in taps if pos is not None]
            # padding never wins a max, and adds zeros to a sum
            value = max(seen) if node.attrs["mode"] == "max" else sum(seen) << (out_t.frac - v.type.frac)
            out[_flat(node.output.shape, [*o, c])] = value
    return out


def _shifted(idx, pairs):
    return [i + lo for i, (lo, _) in zip(idx, pairs, strict=True)]


def _pad(node, xs, vals):
    v, out = vals[0], node.output
    gaps = node.attrs.get("interior") or [0] * len(v.shape)
    result = [0] * out.size
    for idx in _index(v.shape):
        spread = [i * (e + 1) for i, e in zip(idx, gaps, strict=True)]
        result[_flat(out.shape, _shifted(spread, node.attrs["padding"]))] = xs[0][_flat(v.shape, idx)]
    return result


def _crop(node, xs, vals):
    v, out = vals[0], node.output
    return [xs[0][_flat(v.shape, _shifted(idx, node.attrs["cropping"]))] for idx in _index(out.shape)]


def _upsample(node, xs, vals):
    v, out = vals[0], node.output
    size = node.attrs["size"]
    return [xs[0][_flat(v.shape, [i // k for i, k in zip(idx, size, strict=True)])] for idx in _index(out.shape)]


def _affine(node, xs, vals):
    x, v, acc = xs[0], vals[0], node.output.type
    k = node.params["kernel"]
    channels = k.shape[0]
    kshift = acc.frac - v.type.frac - k.type.frac
    out = []
    for e, value in enumerate(x):
        c = e % channels
        s = (value * int(k.mantissa[c])) << kshift
        if "bias" in node.params:
            b = node.params["bias"]
            s += int(b.mantissa[c]) << (acc.frac - b.type.frac)
        out.append(s)
    return out


def _recurrence(node, xs, vals):
    """The body run once per row of x (row t: elements t*features onwards), every state zero at first; the
    outputs are state 0 after each step (or the last), the backward ones in row order when time_aligned."""
    body = node.attrs["body"]
    steps, features = vals[0].shape
    states = [[0] * v.size for v in body.inputs[1:]]
    rows = list(range(steps))[::-1] if node.attrs["go_backwards"] else list(range(steps))
    outputs = {}
    for t in rows:
        states = _run(body, [xs[0][t * features:(t + 1) * features], *states])
        outputs[t] = states[0]
    if not node.attrs["return_sequences"]:
        return states[0]
    order = sorted(outputs) if node.attrs["go_backwards"] and node.attrs["time_aligned"] else rows
    return [v for t in order for v in outputs[t]]


REFERENCE = {"dense": _dense, "quantize": _quantize, "relu": _relu, "table": _table, "add": _add,
             "subtract": _subtract, "multiply": _multiply, "concatenate": _concatenate, "reshape": _reshape,
             "transpose": _transpose, "scale": _scale, "conv": _conv, "pool": _pool, "pad": _pad, "crop": _crop,
             "upsample": _upsample, "affine": _affine,
             "recurrence": _recurrence}
