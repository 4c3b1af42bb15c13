"""lower(): a Keras model of hwq layers -> a fully annotated IR graph."""

from __future__ import annotations

from collections.abc import Callable

from hwq.fixed import FixedType, parse_type
from hwq.frontend.context import LoweringContext
from hwq.frontend.errors import UnsupportedLayerError
from hwq.frontend.hw_type import hardware_type
from hwq.frontend.qactivation import lower_qactivation
from hwq.frontend.qdense import lower_qdense
from hwq.ir import Graph, Value, legal_identifier

FLOAT32_EXACT_BITS = 24


def _skip(ctx: LoweringContext, layer) -> None:
    """Layers that compute nothing at inference (Dropout, InputLayer)."""


LOWERINGS: dict[str, Callable] = {
    "QDense": lower_qdense,
    "QActivation": lower_qactivation,
    "Activation": lower_qactivation,
    "Dropout": _skip,
    "InputLayer": _skip,
}


def lower(model, input_type: str | FixedType | None = None, name: str | None = None,
          until: str | None = None) -> Graph:
    """Lower a Keras model built from hwq layers into an annotated, validated IR graph.

    The input port carries the type of the model's first quantizer (a leading QActivation);
    a model without one needs `input_type`, e.g. "ap_fixed<16,6>". `until` names the last layer to
    lower: a model ending in float layers (a softmax) is lowered up to its logits, and the graph's
    meta says which layers were left out.
    """
    layers = _layer_chain(model)
    left_out = _cut(model, layers, until)
    layers = layers[:len(layers) - len(left_out)]
    for layer in layers:
        if type(layer).__name__ not in LOWERINGS:
            raise UnsupportedLayerError(
                f"layer {layer.name!r} of type {type(layer).__name__} is not supported by hwq.lower(); "
                f"supported layers: {', '.join(sorted(LOWERINGS))}{_until_hint(layers, layer)}")
    port_type, layers = _input_port(model, layers, input_type)
    taken: set[str] = set()
    x = Value(legal_identifier(f"{model.name}_input", taken), tuple(model.input_shape[1:]), port_type)
    ctx = LoweringContext(x, taken=taken)
    for layer in layers:
        LOWERINGS[type(layer).__name__](ctx, layer)
    if not ctx.nodes:
        raise UnsupportedLayerError(f"model {model.name!r} has no layer that computes anything to lower")
    graph = Graph(legal_identifier(name or model.name), [x], ctx.nodes, [ctx.current.name],
                  {"source": model.name, "layers": ctx.layer_nodes})
    if left_out:
        graph.meta["left_out"] = [layer.name for layer in left_out]  # the exact chain stops before these
    graph.meta["notes"] = {"keras_float32_exact": _float32_exact(graph)}
    return graph.validate()


def _cut(model, layers: list, until: str | None) -> list:
    """The layers after `until` (none when until is None)."""
    if until is None:
        return []
    names = [layer.name for layer in layers]
    if until not in names:
        raise UnsupportedLayerError(f"until={until!r}: model {model.name!r} has no such layer; its layers: "
                                    f"{', '.join(names)}")
    return layers[names.index(until) + 1:]


def _until_hint(layers: list, layer) -> str:
    k = layers.index(layer)
    if k == 0:
        return ""
    return f"; to lower the model up to the layer before it, pass until={layers[k - 1].name!r}"


def _layer_chain(model) -> list:
    """The model's layers in order; hwq lowers single-input, single-output chains."""
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise UnsupportedLayerError(f"model {model.name!r} has {len(model.inputs)} inputs and "
                                    f"{len(model.outputs)} outputs; hwq lowers one input and one output")
    chain, previous = [], None
    for layer in model.layers:
        # a model called again (e.g. rebuilt on load) repeats its nodes: the set of parents is what counts
        parents = sorted({p.operation.name for node in layer._inbound_nodes for p in node.parent_nodes})
        if previous is not None and parents != [previous]:
            raise UnsupportedLayerError(f"layer {layer.name!r} reads {parents or 'nothing'}, not just the layer "
                                        f"before it ({previous!r}); hwq lowers chains of layers (no branches yet)")
        previous = layer.name
        if type(layer).__name__ != "InputLayer":
            chain.append(layer)
    return chain


def _input_port(model, layers: list, input_type) -> tuple[FixedType, list]:
    if input_type is not None:
        return parse_type(input_type), layers
    first = layers[0] if layers else None
    quantizer = getattr(first, "quantizer", None) if type(first).__name__ == "QActivation" else None
    if quantizer is None or not hasattr(quantizer, "hw_type"):
        raise UnsupportedLayerError(
            f"model {model.name!r} does not start with a QActivation quantizer, so the type of its input port "
            "is unknown; pass input_type, e.g. hwq.lower(model, input_type='ap_fixed<16,6>')")
    return hardware_type(first, "input quantizer", quantizer), layers[1:]


def _float32_exact(graph: Graph) -> bool:
    """Whether Keras' float32 forward pass is exact for this graph (every partial sum fits 24 bits)."""
    widths = [n.attrs.get("magnitude_bits", 0) for n in graph.nodes] + [v.type.width for v in graph.values().values()]
    return max(widths) <= FLOAT32_EXACT_BITS
