"""lower(): a Keras model of hwq layers -> a fully annotated IR graph, walking Keras' functional graph."""

from __future__ import annotations

from collections.abc import Callable

from hwq.fixed import FixedType, parse_type
from hwq.frontend.batchnorm import lower_batchnorm
from hwq.frontend.context import LoweringContext
from hwq.frontend.conv import (
    lower_conv,
    lower_conv_transpose,
    lower_depthwise,
    lower_depthwise_transpose,
    lower_separable,
    lower_separable_transpose,
)
from hwq.frontend.errors import UnsupportedLayerError
from hwq.frontend.hw_type import hardware_type
from hwq.frontend.keras_graph import KerasGraph, LayerCall, keras_graph
from hwq.frontend.merge import (
    lower_add,
    lower_average,
    lower_concatenate,
    lower_multiply,
    lower_subtract,
)
from hwq.frontend.pooling import lower_average_pool, lower_global_pool, lower_max_pool
from hwq.frontend.qactivation import lower_qactivation
from hwq.frontend.qdense import lower_qdense
from hwq.frontend.quantizeml import LOWERINGS as QUANTIZEML_LOWERINGS
from hwq.frontend.quantizeml import MODEL_INPUT_TYPE, is_quantizeml, record
from hwq.frontend.recurrent import lower_bidirectional, lower_rnn
from hwq.frontend.reshaping import lower_flatten, lower_permute, lower_reshape
from hwq.frontend.resizing import lower_cropping, lower_upsampling, lower_zero_padding
from hwq.frontend.scale_shift import lower_scale_shift
from hwq.ir import Graph, Value, legal_identifier
from hwq.ir.build import make_node
from hwq.passes import run_pipeline

FLOAT32_EXACT_BITS = 24


def _identity(ctx: LoweringContext, layer, inputs: list[Value]) -> Value:
    """Layers that compute nothing at inference (Dropout)."""
    return inputs[0]


LOWERINGS: dict[str, Callable[[LoweringContext, object, list[Value]], Value]] = {
    "QDense": lower_qdense,
    "QDenseBatchnorm": lower_qdense,
    "QActivation": lower_qactivation,
    "Activation": lower_qactivation,
    "Dropout": _identity,
    "Add": lower_add,
    "Subtract": lower_subtract,
    "Multiply": lower_multiply,
    "Average": lower_average,
    "Concatenate": lower_concatenate,
    "Flatten": lower_flatten,
    "Reshape": lower_reshape,
    "Permute": lower_permute,
    "QConv1D": lower_conv,
    "QConv2D": lower_conv,
    "QConv2DBatchnorm": lower_conv,
    "QConv2DTranspose": lower_conv_transpose,
    "QDepthwiseConv2DTranspose": lower_depthwise_transpose,
    "QSeparableConv2DTranspose": lower_separable_transpose,
    "QDepthwiseConv2D": lower_depthwise,
    "QDepthwiseConv2DBatchnorm": lower_depthwise,
    "QSeparableConv1D": lower_separable,
    "QSeparableConv2D": lower_separable,
    "MaxPooling1D": lower_max_pool,
    "MaxPooling2D": lower_max_pool,
    "AveragePooling1D": lower_average_pool,
    "AveragePooling2D": lower_average_pool,
    "QAveragePooling2D": lower_average_pool,
    "GlobalMaxPooling1D": lower_global_pool,
    "GlobalMaxPooling2D": lower_global_pool,
    "GlobalAveragePooling1D": lower_global_pool,
    "GlobalAveragePooling2D": lower_global_pool,
    "QGlobalAveragePooling2D": lower_global_pool,
    "ZeroPadding1D": lower_zero_padding,
    "ZeroPadding2D": lower_zero_padding,
    "Cropping1D": lower_cropping,
    "Cropping2D": lower_cropping,
    "UpSampling1D": lower_upsampling,
    "UpSampling2D": lower_upsampling,
    "QBatchNormalization": lower_batchnorm,
    "QScaleShift": lower_scale_shift,
    "QSimpleRNN": lower_rnn,
    "QGRU": lower_rnn,
    "QLSTM": lower_rnn,
    "QBidirectional": lower_bidirectional,
    **QUANTIZEML_LOWERINGS,  # models of hwq.quantizeml layers (post-training quantization)
}

InputType = str | FixedType | dict[str, str | FixedType] | None


def lower(model, input_type: InputType = None, name: str | None = None, until: str | list[str] | None = None) -> Graph:
    """Lower a Keras model built from hwq layers into an annotated, validated IR graph.

    Each input port carries the type of the quantizer it feeds (a QActivation that is its only reader);
    an input without one needs `input_type`, e.g. "ap_fixed<16,6>" (one type for every input, or a dict
    by input name). `until` names the last layer (or layers) to lower: a model ending in float layers
    (a softmax) is lowered up to its logits, and the graph's meta says which layers were left out.
    """
    kg = keras_graph(model)
    outputs, left_out = _outputs(model, kg, until)
    calls = kg.needed_for(outputs)
    for call in calls:
        if call.type_name not in LOWERINGS:
            raise UnsupportedLayerError(
                f"layer {call.layer.name!r} of type {call.type_name} is not supported by hwq.lower(); "
                f"supported layers: {', '.join(sorted(LOWERINGS))}{_until_hint(kg, call)}")
    integer_model = any(is_quantizeml(c.layer) for c in calls)
    if integer_model:
        record(model)  # the integers each quantizer uses, read by the layers' lowerings
    ctx = LoweringContext()
    env: dict[int, Value] = {}
    ports = [_input_port(model, kg, t, input_type, ctx, env) for t in kg.inputs]
    for call in calls:
        if any(id(t) in env for t in call.outputs):  # a quantizer taken as an input port's type
            continue
        if len(call.outputs) != 1:
            raise UnsupportedLayerError(f"layer {call.layer.name!r} ({call.type_name}) returns {len(call.outputs)} "
                                        "tensors; hwq lowers layers with one output")
        try:
            out = LOWERINGS[call.type_name](ctx, call.layer, [env[id(t)] for t in call.inputs])
        except UnsupportedLayerError as err:
            raise UnsupportedLayerError(f"{err}{_until_hint(kg, call)}") from err
        for t in call.outputs:
            env[id(t)] = out
    if not ctx.nodes:
        raise UnsupportedLayerError(f"model {model.name!r} has no layer that computes anything to lower")
    output_names = _output_names(model, ctx, outputs, env)
    graph = Graph(legal_identifier(name or model.name), ports, ctx.nodes, output_names,
                  {"source": model.name, "layers": ctx.layer_nodes})
    if left_out:
        graph.meta["left_out"] = left_out  # the exact graph stops before these
    graph = run_pipeline(graph, "lower")
    # quantizeml layers compute on exact integers, not in float32
    graph.meta["notes"] = {"keras_float32_exact": integer_model or _float32_exact(graph)}
    return graph.validate()


def _outputs(model, kg: KerasGraph, until) -> tuple[list, list[str]]:
    """The tensors to lower up to, and the names of the layers that are left out."""
    if until is None:
        return kg.outputs, []
    names = [until] if isinstance(until, str) else list(until)
    outputs = []
    for layer_name in names:
        call = kg.only_call_of(layer_name)
        if call is None:
            raise UnsupportedLayerError(f"until={layer_name!r}: model {model.name!r} has no such layer; its layers: "
                                        f"{', '.join(dict.fromkeys(c.layer.name for c in kg.calls))}")
        outputs += call.outputs
    kept = {id(c) for c in kg.needed_for(outputs)}
    left = list(dict.fromkeys(c.layer.name for c in kg.calls if id(c) not in kept))
    return outputs, left


def _until_hint(kg: KerasGraph, call: LayerCall) -> str:
    producer = kg.producer()
    parents = list(dict.fromkeys(producer[id(t)].layer.name for t in call.inputs if id(t) in producer))
    if not parents:
        return ""
    return f"; to lower the model up to the layer before it, pass until={parents[0]!r}" if len(parents) == 1 \
        else f"; to lower the model up to the layers before it, pass until={parents!r}"


def _input_port(model, kg: KerasGraph, tensor, input_type: InputType,
                ctx: LoweringContext, env: dict[int, Value]) -> Value:
    """The graph input for one model input; a quantizer that is its only reader becomes its type."""
    layer_name = tensor._keras_history[0].name
    shape = tuple(int(d) for d in tensor.shape[1:])
    value_name = ctx.name(f"{model.name}_input" if len(kg.inputs) == 1 else layer_name)
    given = input_type.get(layer_name) if isinstance(input_type, dict) else input_type
    if given is not None:
        port = Value(value_name, shape, parse_type(given))
        env[id(tensor)] = port
        return port
    readers = kg.consumers(tensor)  # in the whole model: an input the outputs do not need still has a port
    returned = any(t is tensor for t in kg.outputs)  # the raw input is an output: no quantizer may stand for it
    if readers and not returned and all(is_quantizeml(r.layer) for r in readers):
        port = Value(value_name, shape, MODEL_INPUT_TYPE)  # quantizeml layers take the float input as FixedPoint
        env[id(tensor)] = port
        return port
    quantizer = getattr(readers[0].layer, "quantizer", None) if len(readers) == 1 and not returned and \
        readers[0].type_name == "QActivation" else None
    if quantizer is None or not hasattr(quantizer, "hw_type"):
        raise UnsupportedLayerError(
            f"model {model.name!r}: input {layer_name!r} does not feed one QActivation quantizer alone (and is not an "
            "output itself), so the type of its input port is unknown; pass input_type, e.g. "
            "hwq.lower(model, input_type='ap_fixed<16,6>')"
            + (" (a dict by input name for several inputs)" if len(kg.inputs) > 1 else ""))
    port = Value(value_name, shape, hardware_type(readers[0].layer, "input quantizer", quantizer))
    env[id(tensor)] = port
    for t in readers[0].outputs:
        env[id(t)] = port  # the port carries the quantizer's output
    return port


def _output_names(model, ctx: LoweringContext, outputs: list, env: dict[int, Value]) -> list[str]:
    names = []
    for t in outputs:
        v = env[id(t)]
        if v.name not in {n.output.name for n in ctx.nodes}:  # an input port's quantizer is an output too
            layer = t._keras_history[0]
            name, out = ctx.names_for(layer, "_copy")
            v = ctx.add(layer.name, make_node("quantize", name, [v], out, out_type=v.type))
        if v.name in names:
            raise UnsupportedLayerError(f"model {model.name!r} returns the value {v.name!r} twice; hwq graphs "
                                        "have distinct outputs")
        names.append(v.name)
    return names


def _float32_exact(graph: Graph) -> bool:
    """Whether Keras' float32 forward pass is exact for this graph (every partial sum fits 24 bits)."""
    widths = [n.attrs.get("magnitude_bits", 0) for n in graph.nodes] + [v.type.width for v in graph.values().values()]
    return max(widths) <= FLOAT32_EXACT_BITS
