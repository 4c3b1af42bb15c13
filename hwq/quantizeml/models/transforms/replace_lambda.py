"""replace_lambda: Lambda layers (and Activation('relu')) replaced by the Keras layer they compute."""

from __future__ import annotations

import itertools

import keras
import numpy as np

from hwq.quantizeml.models.graph import Graph, Node, graph_of, rebuilt

PROBE_BATCH = 2


def replace_lambda(model: keras.Model) -> keras.Model:
    """Returns a new model where Lambda(relu) and Activation('relu') become ReLU, Lambda(transpose) Permute,
    Lambda(reshape) Reshape and Lambda(add) Add. Returns the source model when nothing is replaced.

    Keras 3 keeps a Lambda's function as Python code, so what a Lambda computes is read by running it on a
    random probe: it is replaced only when the replacement gives exactly the same values on that probe.
    """
    graph = graph_of(model)
    shapes = _tensor_shapes(graph)  # read before any node is replaced by a layer that was never called
    for node in list(graph.nodes):
        replacement = _replacement(node, shapes)
        if replacement is not None:
            graph.substitute(node, Node(replacement, node.inputs, node.as_list))
    return rebuilt(model, graph)


def _replacement(node: Node, tensor_shapes: dict[str, tuple]) -> keras.layers.Layer | None:
    layer = node.layer
    if isinstance(layer, keras.layers.Activation) and getattr(layer.activation, "__name__", "") == "relu":
        return keras.layers.ReLU(name=layer.name)
    if not isinstance(layer, keras.layers.Lambda):
        return None
    shapes = [tensor_shapes[name] for name in node.inputs]
    if any(d is None for s in shapes for d in s):
        return None  # a probe needs known sizes
    rng = np.random.default_rng(0)
    probes = [rng.standard_normal((PROBE_BATCH, *s)).astype(np.float32) for s in shapes]
    try:
        result = np.asarray(layer(probes if node.as_list else probes[0]))
    except Exception:  # noqa: BLE001 - a Lambda that fails on the probe is simply not recognized
        return None
    return _recognized(layer.name, probes, result, node.as_list)


def _tensor_shapes(graph: Graph) -> dict[str, tuple]:
    """The shape (without batch) of every tensor of the graph."""
    shapes = {i.name: tuple(i.shape[1:]) for i in graph.inputs}
    shapes.update({n.name: tuple(n.layer.output.shape[1:]) for n in graph.nodes})
    return shapes


def _recognized(name: str, probes: list[np.ndarray], result: np.ndarray, as_list: bool):
    if as_list:
        if len(probes) == 2 and probes[0].shape == probes[1].shape and np.array_equal(result, probes[0] + probes[1]):
            return keras.layers.Add(name=name)
        return None
    x = probes[0]
    if result.shape == x.shape and np.array_equal(result, np.maximum(x, 0)):
        return keras.layers.ReLU(name=name)
    dims = _permutation(x, result)
    if dims is not None:
        return keras.layers.Permute(dims, name=name)
    if result.shape[0] == x.shape[0] and result.shape != x.shape and result.size == x.size and \
            np.array_equal(result, x.reshape(result.shape)):
        return keras.layers.Reshape(result.shape[1:], name=name)
    return None


def _permutation(x: np.ndarray, result: np.ndarray) -> tuple[int, ...] | None:
    """Permute's dims (1-based, batch fixed) when `result` is x with its non-batch axes permuted, not all kept."""
    axes = range(1, x.ndim)
    for perm in itertools.permutations(axes):
        if list(perm) != list(axes) and result.shape == tuple(x.shape[i] for i in (0, *perm)) and \
                np.array_equal(result, np.transpose(x, (0, *perm))):
            return tuple(perm)
    return None
