"""ForgivingFactorBits: a model's cost is the bits it stores (parameters) and passes on (activations).

Per layer, `config` (by class name, else its "default" entry) says which of the two count. Float layers are
priced at ref_bits per value; quantized layers at their quantizers' bits; the input at input_bits per value, a
softmax or sigmoid output at output_bits, a linear activation at nothing (it is fused into the layer before).
A batch normalization costs its scale and offset only (the mean folds into the offset), at ref_bits when
float and at 6 and 5 bits when quantized, QKeras' estimate of what a folded scale and offset need.
"""

from __future__ import annotations

from math import prod
from typing import Any

import numpy as np

from hwq.autoqkeras.forgiving.factor import ForgivingFactor
from hwq.quantizers import get_quantizer

FLOAT_WEIGHT_LAYERS = ("Dense", "Conv1D", "Conv2D", "DepthwiseConv2D")
QUANTIZED_WEIGHT_LAYERS = tuple("Q" + name for name in FLOAT_WEIGHT_LAYERS)
QBN_SCALE_BITS, QBN_OFFSET_BITS = 6, 5


class ForgivingFactorBits(ForgivingFactor):
    """Cost = bits of parameters and activations (QKeras' "bits" goal)."""

    def __init__(self, delta_p: float, delta_n: float, rate: float, stress: float = 1.0, input_bits: int = 8,
                 output_bits: int = 8, ref_bits: int = 8, config: dict[str, list[str]] | None = None) -> None:
        self.stress = stress
        self.input_bits, self.output_bits, self.ref_bits = input_bits, output_bits, ref_bits
        self.ref_size: dict = {}
        self.config = config if config else {}
        super().__init__(delta_p, delta_n, rate)

    # -- one layer -----------------------------------------------------------------------------------

    def _param_size(self, layer: Any) -> float:
        kind = type(layer).__name__
        weights = layer.get_weights()
        if kind in FLOAT_WEIGHT_LAYERS:
            return sum(self.ref_bits * w.size for w in weights)
        if kind in QUANTIZED_WEIGHT_LAYERS:
            quantizers = layer.get_quantizers()
            return sum(_bits(quantizers[i] if i < len(quantizers) else None, self.ref_bits) * w.size
                       for i, w in enumerate(weights))
        if kind in ("BatchNormalization", "QBatchNormalization"):
            scale_bits, offset_bits = ((QBN_SCALE_BITS, QBN_OFFSET_BITS) if kind.startswith("Q")
                                       else (self.ref_bits, self.ref_bits))
            # the last weight (moving variance) has the per-channel shape; beta sits after gamma when scaled
            size = scale_bits * weights[-1].size
            if layer.center:
                size += offset_bits * weights[int(bool(layer.scale))].size
            return size
        return 0

    def _act_size(self, layer: Any) -> float:
        kind = type(layer).__name__
        values = prod(int(d) for d in layer.output.shape[1:])
        if kind == "InputLayer":
            return self.input_bits * values
        if kind in FLOAT_WEIGHT_LAYERS:
            return 0 if _activation_name(layer.activation) in (None, "linear") else self.ref_bits * values
        if kind in QUANTIZED_WEIGHT_LAYERS:
            name = _activation_name(layer.activation)
            if name == "softmax":
                return self.output_bits * values
            if name == "linear":
                return 0
            return _bits(layer.activation, self.ref_bits) * values
        if kind in ("Activation", "QActivation"):
            name = _activation_name(layer.activation)
            if name == "linear":
                return 0
            if name in ("softmax", "sigmoid"):
                return self.output_bits * values
            activation = get_quantizer(layer.activation) if isinstance(layer.activation, str) else layer.activation
            return _bits(activation, self.ref_bits) * values
        return 0

    # -- the model -----------------------------------------------------------------------------------

    def compute_model_size(self, model: Any) -> tuple[float, float, float, dict[str, dict[str, float]]]:
        """(total, parameter bits, activation bits, {layer: {"parameters", "activations", "total"}}) over the
        layers `config` selects."""
        total = params = acts = 0
        per_layer = {}
        for layer in model.layers:
            parts = self.config.get(type(layer).__name__, self.config.get("default"))
            if not parts:
                continue
            p, a = self._param_size(layer), self._act_size(layer)
            p_on, a_on = "parameters" in parts, "activations" in parts
            layer_total = p_on * p + a_on * a
            per_layer[layer.name] = {"parameters": p, "activations": a, "total": layer_total}
            params += p_on * p
            acts += a_on * a
            total += layer_total
        return total, params, acts, per_layer

    def get_reference(self, model: Any) -> float:
        if not hasattr(self, "reference_size"):
            total, self.ref_p, self.ref_a, self.reference_size_dict = self.compute_model_size(model)
            self.reference_size = total * self.stress
        return self.reference_size

    def get_reference_stats(self) -> dict[str, dict[str, float]]:
        return self.reference_size_dict

    def get_trial(self, model: Any) -> float:
        self.trial_size, self.total_p_bits, self.total_a_bits, self.trial_size_dict = self.compute_model_size(model)
        return self.trial_size

    def get_total_factor(self) -> float:
        """Relative change of the unstressed bit count (stress moves only the reference of delta)."""
        reference = self.ref_a + self.ref_p
        return float((self.total_a_bits + self.total_p_bits - reference) / reference)

    def print_stats(self) -> None:
        super().print_stats()
        reference = self.ref_a + self.ref_p
        trial = self.total_a_bits + self.total_p_bits
        print(f"       a_bits={int(self.total_a_bits)}/{int(self.ref_a)} ({_percent(self.total_a_bits, self.ref_a)}%) "
              f"p_bits={int(self.total_p_bits)}/{int(self.ref_p)} ({_percent(self.total_p_bits, self.ref_p)}%)\n"
              f"       total={int(trial)}/{int(reference)} ({_percent(trial, reference)}%)")


def _bits(quantizer: Any, default: int) -> int:
    """A quantizer's bits, or `default` for a float tensor (no quantizer, or a plain Keras function)."""
    bits = getattr(quantizer, "bits", None) if quantizer is not None else None
    return int(bits) if bits is not None else default


def _activation_name(activation: Any) -> str | None:
    """'linear', 'softmax', ... for strings and Keras functions; None for no activation; a quantizer's class."""
    if activation is None or isinstance(activation, str):
        return activation
    return getattr(activation, "__name__", type(activation).__name__)


def _percent(value: float, reference: float) -> float:
    return float(np.round(100.0 * (value - reference) / reference, 2)) if reference else 0.0


__all__ = ["ForgivingFactorBits"]
