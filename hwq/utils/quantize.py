"""model_quantize: a float Keras model + QKeras' per-layer quantizer configuration -> the quantized model.

The configuration maps a layer name, or else a quantized class name ("QDense", "QConv2D",
"QActivation", ...), to its quantizers:

    {"fc1": {"kernel_quantizer": "quantized_bits(4,0,1)", "bias_quantizer": "quantized_bits(4,0,1)"},
     "QDense": {"kernel_quantizer": "quantized_bits(8,0,1)", "bias_quantizer": "quantized_bits(8,0,1)"},
     "QActivation": {"relu": "quantized_relu(4,0)"},     # or one quantizer string for every activation
     "act_2": "quantized_bits(6,2)"}

A weight layer without a kernel (or depthwise) quantizer in the configuration stays a float layer.
Its activation becomes the configured "activation_quantizer", or else relu/tanh/sigmoid becomes
quantized_relu/tanh/sigmoid(activation_bits). The model is rebuilt from its Keras 3 config, so any
model Keras can serialize works, Sequential or functional.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import keras

import hwq.layers
from hwq.loading.errors import ModelLoadError, where
from hwq.loading.layers import drop_unused_keras3_fields

WEIGHT_LAYERS = {  # float class -> the names of its quantizers (the first decides whether it is quantized)
    "Dense": ("kernel_quantizer", "bias_quantizer"),
    "Conv1D": ("kernel_quantizer", "bias_quantizer"),
    "Conv2D": ("kernel_quantizer", "bias_quantizer"),
    "Conv2DTranspose": ("kernel_quantizer", "bias_quantizer"),
    "DepthwiseConv2D": ("depthwise_quantizer", "bias_quantizer"),
    "SeparableConv1D": ("depthwise_quantizer", "pointwise_quantizer", "bias_quantizer"),
    "SeparableConv2D": ("depthwise_quantizer", "pointwise_quantizer", "bias_quantizer"),
}
FOLDED_LAYERS = {"Conv2D": ("QConv2DBatchnorm", "kernel_quantizer"),
                 "DepthwiseConv2D": ("QDepthwiseConv2DBatchnorm", "depthwise_quantizer")}
RECURRENT_LAYERS = ("SimpleRNN", "LSTM", "GRU")
BN_QUANTIZERS = ("gamma_quantizer", "beta_quantizer", "mean_quantizer", "variance_quantizer")
QUANTIZED_ACTIVATIONS = {"relu": "quantized_relu", "tanh": "quantized_tanh", "sigmoid": "quantized_sigmoid"}


def model_quantize(model: keras.Model, quantizer_config: dict[str, Any], activation_bits: int,
                   custom_objects: dict | None = None, transfer_weights: bool = False,
                   prefer_qadaptiveactivation: bool = False, enable_bn_folding: bool = False) -> keras.Model:
    """The quantized counterpart of `model` (QKeras' model_quantize); weights copied if transfer_weights.

    enable_bn_folding: each Conv2D or DepthwiseConv2D followed by a BatchNormalization alone becomes one
    QConv2DBatchnorm or QDepthwiseConv2DBatchnorm (hwq.utils.fold.convert_to_folded_model finds them), its
    quantizers, folding_mode and ema_freeze_delay configured under its name or class; as in QKeras those layers
    start afresh (transfer_weights copies the other layers' weights only)."""
    folded: list[str] = []
    if enable_bn_folding:
        from hwq.utils.fold import convert_to_folded_model

        model, folded = convert_to_folded_model(model)
    serialized = copy.deepcopy(keras.saving.serialize_keras_object(model))
    layers = serialized.get("config", {}).get("layers")
    if not isinstance(layers, list):
        raise ValueError(f"model_quantize: model {model.name!r} ({type(model).__name__}) has no layer list in its "
                         "config; only Sequential and functional models can be rebuilt")
    for entry in layers:
        if entry.get("config", {}).get("name") in folded:
            _fold_entry(entry, quantizer_config, activation_bits)
        else:
            _quantize_entry(entry, quantizer_config, activation_bits, prefer_qadaptiveactivation)
    qmodel = keras.saving.deserialize_keras_object(serialized, custom_objects=custom_objects)
    if transfer_weights:
        for layer, qlayer in zip(model.layers, qmodel.layers, strict=True):
            if layer.get_weights() and layer.name not in folded:
                qlayer.set_weights(copy.deepcopy(layer.get_weights()))
    return qmodel


def _lookup(quantizer_config: dict, layer: str, q_class: str, field: str | None = None) -> Any:
    """The layer's own entry, else its quantized class's; then `field` of it (QKeras' lookup order)."""
    entry = quantizer_config.get(layer, quantizer_config.get(q_class))
    if entry is not None and field is not None:
        return entry.get(field) if isinstance(entry, dict) else None
    return entry


def _quantize_entry(entry: dict, qconfig: dict, activation_bits: int, prefer_adaptive: bool) -> None:
    class_name, config = entry.get("class_name"), entry.get("config", {})
    name = config.get("name")
    handler = _HANDLERS.get(class_name)
    if handler is None:
        return
    q_class = handler(config, name, class_name, qconfig, activation_bits, prefer_adaptive)
    if q_class is not None:
        _become(entry, q_class, name)


def _weight_layer(config, name, class_name, qconfig, activation_bits, prefer_adaptive) -> str | None:
    q_class = "Q" + class_name
    fields = WEIGHT_LAYERS[class_name]
    values = {f: _lookup(qconfig, name, q_class, f) for f in fields}
    if values[fields[0]] is None:
        return None  # QKeras leaves a layer float when its first quantizer is not configured
    if not config.get("use_bias", True):
        values["bias_quantizer"] = None
    config.update(values)
    activation = _lookup(qconfig, name, q_class, "activation_quantizer")
    config["activation"] = activation or _quantized_activation(config.get("activation"), activation_bits)
    return q_class


def _fold_entry(entry: dict, qconfig: dict, activation_bits: int) -> None:
    """A convolution whose batch normalization was taken out -> the folded layer learning both."""
    class_name, config = entry["class_name"], entry["config"]
    name = config["name"]
    q_class, kernel_field = FOLDED_LAYERS[class_name]

    def setting(field: str) -> Any:  # the folded class's entry first, then the plain quantized class's
        value = _lookup(qconfig, name, q_class, field)
        return value if value is not None else _lookup(qconfig, name, "Q" + class_name, field)

    config[kernel_field], config["bias_quantizer"] = setting(kernel_field), setting("bias_quantizer")
    config["use_bias"] = True  # the folded bias carries the normalization's shift
    for field in ("folding_mode", "ema_freeze_delay"):
        if setting(field) is not None:
            config[field] = setting(field)
    config["activation"] = setting("activation_quantizer") or _quantized_activation(config.get("activation"),
                                                                                     activation_bits)
    _become(entry, q_class, name)


def _recurrent_layer(config, name, class_name, qconfig, activation_bits, prefer_adaptive,
                     entry_class: str | None = None) -> str | None:
    """SimpleRNN, LSTM, GRU -> QSimpleRNN, QLSTM, QGRU: kernel, recurrent, bias and state quantizers, the activation
    (configured, or the quantized relu/tanh/sigmoid), the recurrent activation when configured. `entry_class`: the
    configuration's class to read (a QBidirectional's entry serves the layer it wraps)."""
    q_class = "Q" + class_name
    lookup_class = entry_class or q_class
    kernel = _lookup(qconfig, name, lookup_class, "kernel_quantizer")
    if kernel is None:
        return None
    config["kernel_quantizer"] = kernel
    for field in ("recurrent_quantizer", "bias_quantizer", "state_quantizer"):
        config[field] = _lookup(qconfig, name, lookup_class, field)
    if not config.get("use_bias", True):
        config["bias_quantizer"] = None
    activation = _lookup(qconfig, name, lookup_class, "activation_quantizer")
    config["activation"] = activation or _quantized_activation(config.get("activation"), activation_bits)
    recurrent = _lookup(qconfig, name, lookup_class, "recurrent_activation_quantizer")
    if recurrent and class_name in ("LSTM", "GRU"):
        config["recurrent_activation"] = recurrent
    return q_class


def _bidirectional(config, name, class_name, qconfig, activation_bits, prefer_adaptive) -> str | None:
    """Bidirectional -> QBidirectional around the quantized recurrent layer(s), configured under the wrapper's name
    or "QBidirectional"."""
    wrapped = [config[key] for key in ("layer", "backward_layer") if isinstance(config.get(key), dict)]
    converted = []
    for inner in wrapped:
        inner_class = inner.get("class_name")
        if inner_class not in RECURRENT_LAYERS:
            return None
        q_class = _recurrent_layer(inner.setdefault("config", {}), name, inner_class, qconfig, activation_bits,
                                   prefer_adaptive, "QBidirectional")
        converted.append((inner, q_class))
    if not converted or any(q is None for _, q in converted):
        return None
    for inner, q_class in converted:
        _become(inner, q_class, inner["config"].get("name", name))
    return "QBidirectional"


def _activation_layer(config, name, class_name, qconfig, activation_bits, prefer_adaptive) -> str | None:
    order = ["QAdaptiveActivation", "QActivation"] if prefer_adaptive else ["QActivation", "QAdaptiveActivation"]
    for q_class in order:
        quantizer = _lookup(qconfig, name, q_class)
        if quantizer is not None:
            break
    else:
        return None  # e.g. softmax, which QKeras leaves alone unless configured
    activation = _activation_name(config.get("activation"))
    if isinstance(quantizer, dict):
        if not quantizer.get(activation):
            return None
        quantizer = quantizer[activation]
    if q_class == "QAdaptiveActivation" and quantizer:
        # QAdaptiveActivation takes the quantizer's name and its total bits: "quantized_relu(4)" -> 4 bits
        text = str(quantizer)
        if "," in text:
            raise ValueError(f"layer {name!r}: QAdaptiveActivation takes a quantizer with only its bits, such as "
                             f"'quantized_relu(4)', got {text!r}")
        digits = "".join(ch for ch in text if ch.isdigit())
        config["total_bits"] = int(digits) if digits else activation_bits
        config["activation"] = text.split("(", 1)[0]
        return q_class
    config["activation"] = quantizer or _quantized_activation(activation, activation_bits)
    return q_class


def _relu_layer(config, name, class_name, qconfig, activation_bits, prefer_adaptive) -> str | None:
    quantizer = _lookup(qconfig, name, "QActivation")
    if quantizer is None:
        return None
    slope = config.get("negative_slope", config.get("alpha", 0.0)) or 0.0
    kind = "leakyrelu" if slope > 0 else "relu"
    if isinstance(quantizer, dict):
        if not quantizer.get(kind):
            return None
        quantizer = quantizer[kind]
    for key in ("max_value", "negative_slope", "alpha", "threshold"):
        config.pop(key, None)  # a quantized relu is bounded by its own range
    config["activation"] = quantizer or _quantized_activation("relu", activation_bits)
    return "QActivation"


def _batch_norm(config, name, class_name, qconfig, activation_bits, prefer_adaptive) -> str | None:
    if name not in qconfig and "QBatchNormalization" not in qconfig:
        return None
    for field in BN_QUANTIZERS:
        config[field] = _lookup(qconfig, name, "QBatchNormalization", field)
    return "QBatchNormalization"


def _average_pool(config, name, class_name, qconfig, activation_bits, prefer_adaptive) -> str | None:
    q_class = "Q" + class_name
    quantizer = _lookup(qconfig, name, q_class, "average_quantizer")
    if quantizer is None:
        return None
    config["average_quantizer"] = quantizer
    activation = _lookup(qconfig, name, q_class, "activation_quantizer")
    if activation:
        config["activation"] = activation
    return q_class


_HANDLERS: dict[str, Callable] = {
    **{c: _weight_layer for c in WEIGHT_LAYERS},
    **{c: _recurrent_layer for c in RECURRENT_LAYERS},
    "Bidirectional": _bidirectional,
    "Activation": _activation_layer,
    "ReLU": _relu_layer,
    "LeakyReLU": _relu_layer,
    "BatchNormalization": _batch_norm,
    "AveragePooling2D": _average_pool,
    "GlobalAveragePooling2D": _average_pool,
}


def _activation_name(activation: Any) -> str | None:
    if activation is None or isinstance(activation, str):
        return activation
    if isinstance(activation, dict):  # a serialized Keras function: {"class_name": "function", "config": "relu"}
        inner = activation.get("config")
        return inner if isinstance(inner, str) else activation.get("class_name")
    return getattr(activation, "__name__", type(activation).__name__)


def _quantized_activation(activation: Any, bits: int) -> Any:
    """relu/tanh/sigmoid -> their quantized versions with `bits` bits; anything else unchanged."""
    name = _activation_name(activation)
    if name in QUANTIZED_ACTIVATIONS:
        return f"{QUANTIZED_ACTIVATIONS[name]}({bits})"
    return activation


def _become(entry: dict, q_class: str, layer: str) -> None:
    cls = getattr(hwq.layers, q_class, None)
    if not (isinstance(cls, type) and issubclass(cls, keras.layers.Layer)):
        raise ModelLoadError(f"{where(layer, class_name=entry.get('class_name'))}: the configuration asks for "
                             f"{q_class}, which hwq.layers does not have (yet)")
    entry["class_name"] = q_class
    entry["module"] = cls.__module__
    entry["registered_name"] = f"hwq>{q_class}"
    entry["config"] = drop_unused_keras3_fields(entry.get("config", {}), layer, q_class)
