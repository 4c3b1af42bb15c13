"""Random branching Keras models of hwq layers (residual blocks, parallel branches merged by Add, Subtract,
Multiply, Average or Concatenate, reshapes, several inputs and outputs), for end-to-end equality tests.

Every layer computes in float64, so Keras is exact for partial sums up to 52 bits; every value that
feeds a QDense or a Multiply first passes a quantizer of at most `max_bits` bits, which keeps sums and
products well inside that.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras
import numpy as np

from hwq.ir import Graph, Node, Value
from hwq.layers import QActivation, QDense
from support.keras_models import random_activation, random_bits_quantizer

DTYPE = "float64"


@dataclass
class Tensor:
    t: object  # the KerasTensor
    quantized: bool  # the output of a quantizer: narrow enough to feed a QDense or a Multiply

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(int(d) for d in self.t.shape[1:])


class Builder:
    def __init__(self, rng: np.random.Generator, max_bits: int):
        self.rng, self.max_bits, self.k = rng, max_bits, 0

    def name(self, kind: str) -> str:
        self.k += 1
        return f"{kind}-{self.k}"  # a dash: lowering must make it a legal identifier

    def quantized(self, x: Tensor) -> Tensor:
        if x.quantized:
            return x
        q = random_bits_quantizer(self.rng, hi=self.max_bits)
        return Tensor(QActivation(q, name=self.name("q"), dtype=DTYPE)(x.t), True)

    def dense(self, x: Tensor, units: int | None = None) -> Tensor:
        units = units or int(self.rng.integers(1, 7))
        act = random_activation(self.rng, hi=self.max_bits) if self.rng.integers(0, 3) else None
        layer = QDense(units, name=self.name("dense"), dtype=DTYPE,
                       kernel_quantizer=random_bits_quantizer(self.rng, hi=self.max_bits, signed=True),
                       bias_quantizer=random_bits_quantizer(self.rng, hi=self.max_bits, signed=True),
                       activation=act)
        return Tensor(layer(self.quantized(x).t), act is not None)

    def merge(self, a: Tensor, b: Tensor) -> Tensor:
        kind = ["Add", "Subtract", "Multiply", "Average"][int(self.rng.integers(0, 4))]
        if kind == "Multiply":
            a, b = self.quantized(a), self.quantized(b)
        layer = getattr(keras.layers, kind)(name=self.name(kind.lower()), dtype=DTYPE)
        return Tensor(layer([a.t, b.t]), False)

    def residual(self, x: Tensor) -> Tensor:
        """x + f(x): a dense branch back to x's width, merged with x itself."""
        return self.merge(x, self.dense(x, units=x.shape[-1]))

    def two_branch(self, x: Tensor) -> Tensor:
        a, b = self.dense(x), self.dense(x)
        if self.rng.integers(0, 2):
            cat = keras.layers.Concatenate(name=self.name("concat"), dtype=DTYPE)
            return Tensor(cat([a.t, b.t]), False)
        return self.merge(a, self.dense(x, units=a.shape[-1]))

    def folded(self, x: Tensor) -> Tensor:
        """Reshape a vector into a matrix, permute it, a QDense over its last axis, flatten it back."""
        x = self.dense(x, units=2 * int(self.rng.integers(1, 4)))
        n = x.shape[-1]
        m = keras.layers.Reshape((2, n // 2), name=self.name("reshape"), dtype=DTYPE)(self.quantized(x).t)
        m = keras.layers.Permute((2, 1), name=self.name("permute"), dtype=DTYPE)(m)
        d = self.dense(Tensor(m, True))
        return Tensor(keras.layers.Flatten(name=self.name("flatten"), dtype=DTYPE)(d.t), d.quantized)


def random_branching_model(rng: np.random.Generator, max_bits: int = 16, name: str = "branching") -> keras.Model:
    """One or two inputs, two to four random blocks, one to three outputs; random weights."""
    b = Builder(rng, max_bits)
    inputs, pool = [], []
    for k in range(int(rng.integers(1, 3))):
        t = keras.Input((int(rng.integers(1, 7)),), dtype=DTYPE, name=f"x{k}")
        inputs.append(t)
        pool.append(Tensor(QActivation(random_bits_quantizer(rng, hi=max_bits), name=f"in{k}_q", dtype=DTYPE)(t), True))
    if len(pool) == 2:  # join the inputs: a dense of each, merged
        a = b.dense(pool[0])
        pool.append(b.merge(a, b.dense(pool[1], units=a.shape[-1])))
    for _ in range(int(rng.integers(2, 5))):
        x = pool[int(rng.integers(len(pool)))]
        block = [b.residual, b.two_branch, b.folded][int(rng.integers(0, 3))]
        pool.append(block(x))
    outputs = [pool[-1]] + [pool[k] for k in rng.permutation(len(pool) - 1)[:int(rng.integers(0, 3))]]
    heads = [b.dense(o) if o.t is pool[-1].t or rng.integers(0, 2) else o for o in outputs]
    model = keras.Model(inputs, [h.t for h in _distinct(heads)], name=name)
    model.set_weights([rng.normal(0.0, 1.0, size=w.shape) for w in model.get_weights()])
    return model


def _distinct(tensors: list[Tensor]) -> list[Tensor]:
    out: list[Tensor] = []
    for t in tensors:
        if all(t.t is not o.t for o in out):
            out.append(t)
    return out


def union(graphs: list[Graph], name: str = "union") -> Graph:
    """The graphs side by side in one graph (names prefixed g<k>_), so one build checks them all."""
    inputs, nodes, outputs = [], [], []
    for k, g in enumerate(graphs):
        p = f"g{k}_"
        inputs += [Value(p + v.name, v.shape, v.type) for v in g.inputs]
        for n in g.nodes:
            nodes.append(Node(p + n.name, n.op, [p + i for i in n.inputs],
                              Value(p + n.output.name, n.output.shape, n.output.type), dict(n.attrs), dict(n.params)))
        outputs += [p + o for o in g.outputs]
    return Graph(name, inputs, nodes, outputs).validate()
