"""AutoQKHyperModel: the keras-tuner HyperModel that turns one set of hyperparameters into a quantized trial.

build(hp) picks, through the limit, a quantizer for each kernel, bias and activation (and, with tune_filters, a
width factor), quantizes a copy of the float model with hwq.utils.model_quantize, prices it with the forgiving
factor, and compiles it with the user's loss, metrics and optimizer plus the `trial` and `score` metrics the
tuner maximizes (val_score).
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import keras
import keras_tuner as kt
import numpy as np

from hwq.autoqkeras.forgiving import ForgivingFactor
from hwq.autoqkeras.limit import Q_LAYERS, REGISTERED_LAYERS, SEQUENCE_LAYERS, QuantizerChooser, normalized_limit
from hwq.autoqkeras.quantization_config import default_quantization_config
from hwq.autoqkeras.rebuild import (
    FILTER_RANGE,
    RESIZABLE_LAYERS,
    copy_matching_weights,
    rebuilt_model,
    scaled,
    scaled_target_shape,
)
from hwq.autoqkeras.score import adjusted_score, trial_size_metric
from hwq.autoqkeras.summary import print_qmodel_summary
from hwq.autoqkeras.training import fresh_optimizer, learning_rate_of, require_compiled
from hwq.utils import clone_model, model_quantize

TUNE_FILTERS = ("block", "layer", "none")
KERNEL_FIELD = {"DepthwiseConv2D": "depthwise_quantizer", "SeparableConv1D": "depthwise_quantizer",
                "SeparableConv2D": "depthwise_quantizer"}
_NEVER = re.compile(r"(?!)")  # matches no layer name: no exceptions to filter tuning


class AutoQKHyperModel(kt.HyperModel):
    """Quantized trials of `model` (compiled: its optimizer and loss train every trial).

    metrics: the user's metrics (a list, or a dict by output); the first one is scored. target: a ForgivingFactor.
    transfer_weights: start trials from the float weights (of layers whose shapes did not change).
    frozen_layers: layers whose weights are carried over when learning_rate_optimizer is set (the scheduler's
    already-quantized blocks). activation_bits: model_quantize's bits for relu/tanh/sigmoid left unconfigured.
    limit, quantization_config: the search space (hwq.autoqkeras.limit). tune_filters: "block" (one width
    factor for the whole network), "layer" (one per layer) or "none"; tune_filters_exceptions: a regular
    expression of layer names never resized. layer_indexes: only these model.layers indexes are quantized.
    learning_rate_optimizer: also search the learning rate. head_name: the output scored in a multi-output model.
    extend_model_metrics: add `trial` and `score` to the compiled metrics (the tuner needs val_score).
    """

    def __init__(self, model: keras.Model, metrics: Any, custom_objects: dict | None = None,
                 target: ForgivingFactor | None = None, transfer_weights: bool = False,
                 frozen_layers: list[str] | None = None, activation_bits: int = 4, limit: dict | None = None,
                 tune_filters: str = "none", tune_filters_exceptions: str | None = None,
                 layer_indexes: Any = None, learning_rate_optimizer: bool = False, head_name: str | None = None,
                 quantization_config: dict | None = None, extend_model_metrics: bool = True) -> None:
        super().__init__()
        if target is None:
            raise ValueError("AutoQKHyperModel needs a target (a ForgivingFactor) to price trials")
        if tune_filters not in TUNE_FILTERS:
            raise ValueError(f"tune_filters must be one of {TUNE_FILTERS}, got {tune_filters!r}")
        require_compiled(model)
        self.model, self.metrics = model, metrics
        self.custom_objects = custom_objects or {}
        self.target = target
        self.reference_size = target.get_reference(model)
        self.transfer_weights = transfer_weights
        self.frozen_layers = list(frozen_layers or [])
        self.activation_bits = activation_bits
        self.head_name, self.extend_model_metrics = head_name, extend_model_metrics
        self.limit = normalized_limit(limit)
        print("Limit configuration:" + json.dumps(self.limit))
        self.tune_filters = tune_filters
        self.tune_filters_exceptions = re.compile(tune_filters_exceptions) if tune_filters_exceptions else _NEVER
        self.layer_indexes = layer_indexes
        self.learning_rate_optimizer = learning_rate_optimizer
        self.quantization_config = quantization_config or default_quantization_config
        self.chooser = QuantizerChooser(self.limit, self.quantization_config)

    @property
    def groups(self) -> dict:
        """The choices name patterns made in the current build (shared by the layers they match)."""
        return self.chooser.groups

    def _resizable(self, layer: Any) -> bool:
        return (self.tune_filters in ("layer", "block") and type(layer).__name__ in RESIZABLE_LAYERS
                and not self.tune_filters_exceptions.search(layer.name))

    def _selected(self, model: keras.Model) -> list[Any]:
        return [layer for i, layer in enumerate(model.layers)
                if self.layer_indexes is None or i in self.layer_indexes]

    def quantize_model(self, hp: Any) -> tuple[keras.Model, list[float]]:
        """(the quantized trial for these hyperparameters, the fan-in estimate QKeras returns beside it)."""
        model = clone_model(self.model, self.custom_objects)
        layers = self._selected(model)
        kernels = {layer.name: self.chooser.choose(hp, layer.name + "_kernel", layer.name, type(layer).__name__,
                                                   "kernel")
                   for layer in layers if type(layer).__name__ in REGISTERED_LAYERS}
        sweep = any(kernels[layer.name][0] and self._resizable(layer) for layer in layers if layer.name in kernels)
        network_filters = (hp.Choice("network_filters", values=FILTER_RANGE, default=1.0)
                           if self.tune_filters == "block" and sweep else 1.0)
        q_dict: dict[str, Any] = {}
        widths: dict[str, int] = {}
        targets: dict[str, tuple[int, ...]] = {}
        fanin: list[float] = []
        for layer in layers:
            kind = type(layer).__name__
            if kind in Q_LAYERS:  # already quantized (an earlier block of the scheduler)
                fanin.append(_fanin(layer, getattr(layer.get_quantizers()[0], "bits", 8)))
            if kind in REGISTERED_LAYERS:
                kernel, bits = kernels[layer.name]
                if not kernel:
                    continue
                if bits < 8:
                    fanin.append(_fanin(layer, bits))
                if self._resizable(layer):
                    factor = (hp.Choice("network_filters_" + layer.name, values=FILTER_RANGE, default=1.0)
                              if self.tune_filters == "layer" else network_filters)
                    widths[layer.name] = scaled(getattr(layer, RESIZABLE_LAYERS[kind]), factor)
                q_dict[layer.name] = self._weight_layer_entry(hp, layer, kind, kernel)
            elif kind in SEQUENCE_LAYERS and (kind in self.limit or self.chooser.matching_pattern(layer.name)):
                q_dict[layer.name] = self._sequence_entry(hp, layer, kind)
            elif kind == "Reshape":
                if self.tune_filters == "layer" and layer.name in self.limit:
                    raise ValueError(f"Reshape {layer.name!r} in the limit needs tune_filters 'block' or 'none': "
                                     "with one width per layer its channel count is not defined")
                if (self.tune_filters == "block" and layer.name in self.limit
                        and not self.tune_filters_exceptions.search(layer.name)):
                    targets[layer.name] = scaled_target_shape(layer.target_shape, network_filters)
            elif kind == "Activation":
                name = _activation_name(layer.activation)
                if name == "softmax":
                    continue
                activation, _ = self.chooser.choose(hp, layer.name + "_activation", layer.name, kind,
                                                    "linear" if name == "linear" else "activation")
                if activation:
                    q_dict[layer.name] = activation
            elif kind in self.limit or self.chooser.matching_pattern(layer.name) is not None:
                q_dict[layer.name] = {}  # e.g. BatchNormalization: [] converts it with no quantizer choices
        widths = {name: width for name, width in widths.items()
                  if width != getattr(model.get_layer(name), RESIZABLE_LAYERS[type(model.get_layer(name)).__name__])}
        if widths or targets:
            model = rebuilt_model(model, widths, targets, self.custom_objects)
        q_model = model_quantize(model, q_dict, self.activation_bits, custom_objects=self.custom_objects,
                                 transfer_weights=False)
        if self.transfer_weights:
            copy_matching_weights(self.model, q_model)
        return q_model, fanin

    def _weight_layer_entry(self, hp: Any, layer: Any, kind: str, kernel: str) -> dict[str, Any]:
        entry: dict[str, Any] = {KERNEL_FIELD.get(kind, "kernel_quantizer"): kernel}
        if kind in ("SeparableConv1D", "SeparableConv2D"):
            entry["pointwise_quantizer"], _ = self.chooser.choose(hp, layer.name + "_pointwise_kernel", layer.name,
                                                                  kind, "kernel")
        if layer.use_bias:
            entry["bias_quantizer"], _ = self.chooser.choose(hp, layer.name + "_bias", layer.name, kind, "bias")
        if _activation_name(layer.activation) not in ("softmax", "linear"):
            # model_quantize reads a weight layer's activation from "activation_quantizer"
            entry["activation_quantizer"], _ = self.chooser.choose(hp, layer.name + "_activation", layer.name, kind,
                                                                   "activation")
        return entry

    def _sequence_entry(self, hp: Any, layer: Any, kind: str) -> dict[str, Any]:
        """A recurrent layer's (or a Bidirectional's, for the layer it wraps) kernel, recurrent kernel, bias and
        activation choices, as model_quantize reads them (the state stays float unless the user quantizes it)."""
        cell_layer = layer.forward_layer if kind == "Bidirectional" else layer
        entry: dict[str, Any] = {}
        for field, head, tensor in (("kernel_quantizer", "_kernel", "kernel"),
                                    ("recurrent_quantizer", "_recurrent_kernel", "kernel"),
                                    ("bias_quantizer", "_bias", "bias")):
            if tensor == "bias" and not cell_layer.use_bias:
                continue
            entry[field], _ = self.chooser.choose(hp, layer.name + head, layer.name, kind, tensor)
        entry["activation_quantizer"], _ = self.chooser.choose(hp, layer.name + "_activation", layer.name, kind,
                                                               "activation")
        return entry

    def build(self, hp: Any) -> keras.Model:
        """The compiled quantized trial for hp (the tuner calls this once per trial)."""
        self.chooser.reset()
        q_model, _ = self.quantize_model(hp)
        if self.learning_rate_optimizer:
            print(f"... freezing layers {', '.join(self.frozen_layers)}.")
            for name in self.frozen_layers:
                _carry_weights(self.model.get_layer(name), q_model.get_layer(name))
        self.trial_size = self.target.get_trial(q_model)
        delta = self.target.delta()
        self.score = self.adjusted_score(self, delta, self._score_metric())
        total_factor = self.target.get_total_factor()
        delta_lr = 1.0 + (total_factor < 0) * total_factor
        lr = learning_rate_of(self.model.optimizer)
        if self.learning_rate_optimizer:
            # a smaller trial may want a smaller step: search lr·[delta_lr .. 1.1]
            lr_choice = hp.Choice("learning_rate", [float(v) for v in lr * np.linspace(delta_lr, 1.1, 5)])
        else:
            lr_choice = None
            print(f"learning_rate: {lr}")
        q_model.summary()
        q_model.compile(optimizer=fresh_optimizer(self.model.optimizer, lr_choice), loss=self.model.loss,
                        metrics=self._compiled_metrics())
        self.q_model = q_model
        self.target.print_stats()
        print_qmodel_summary(q_model)
        return q_model

    def _score_key(self) -> str:
        return self.head_name or next(iter(self.metrics))

    def _score_metric(self) -> Any:
        if not self.metrics:
            return None
        if isinstance(self.metrics, dict):
            metric = self.metrics[self._score_key()]
            return metric[0] if isinstance(metric, list) else metric
        return self.metrics[0]

    def _compiled_metrics(self) -> Any:
        metrics = copy.deepcopy(self.metrics)
        if not self.extend_model_metrics:
            return metrics
        extra = [self.trial_size_metric(self.trial_size), self.score]
        if isinstance(metrics, dict):
            key = self._score_key()
            head = metrics[key]
            metrics[key] = (head if isinstance(head, list) else [head]) + extra
            return metrics
        return list(metrics or []) + extra

    @staticmethod
    def adjusted_score(hyper_model: Any, delta: Any, metric_function: Any = None) -> Any:
        """The `score` metric (QKeras' signature; hyper_model is unused)."""
        return adjusted_score(float(delta), metric_function)

    @staticmethod
    def trial_size_metric(trial_size: float) -> Any:
        return trial_size_metric(trial_size)


def _activation_name(activation: Any) -> str | None:
    if activation is None or isinstance(activation, str):
        return activation
    return getattr(activation, "__name__", None)


def _fanin(layer: Any, bits: float) -> float:
    """The inputs each output sums, weighted by the share of 8 bits the kernel saves."""
    kernel = layer.get_weights()[0]
    return float(np.prod(kernel.shape[:-1]) * (8.0 - bits) / 8.0)


def _carry_weights(source: Any, target: Any) -> None:
    """Copy a frozen layer's weights when every shape still agrees (the layer may have been resized)."""
    weights, current = source.get_weights(), target.get_weights()
    if len(weights) == len(current) and all(w.shape == c.shape for w, c in zip(weights, current, strict=True)):
        target.set_weights(weights)


__all__ = ["AutoQKHyperModel"]
