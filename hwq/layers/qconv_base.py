"""QConvMixin: what every quantized convolution adds to its Keras base layer.

Keras does the convolution; the mixin quantizes the weights inside call() (so gradients reach the float
weights through the quantizers' straight-through estimators), adds the quantized bias, applies the
activation, and keeps QKeras' attribute names (`<w>_quantizer`, `<w>_quantizer_internal`, `quantizers`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hwq.layers.common import (
    add_channel_bias,
    apply,
    internal_quantizer,
    quantized_weight,
    resolve_activation,
    serialize_activation,
    serialize_quantizer,
    warn_deprecated_ranges,
)


def setup_weight_quantizers(kernels: dict[str, tuple[Any, Any]], bias_quantizer: Any, bias_constraint: Any,
                            use_bias: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """Internal quantizers and constraints for the kernels ({name: (quantizer, constraint)}) and the bias.

    Kernel quantizers get QKeras' `_set_trainable_parameter` (alpha=None -> 'auto_po2'); the bias never
    does. As in QKeras, the bias gets its default Clip only when the layer has a bias.
    """
    quantizers: dict[str, Any] = {}
    constraints: dict[str, Any] = {}
    for name, (identifier, constraint) in kernels.items():
        quantizers[name], constraints[name] = quantized_weight(identifier, constraint, trainable_scale=True)
    if use_bias:
        quantizers["bias"], constraints["bias"] = quantized_weight(bias_quantizer, bias_constraint)
    else:
        quantizers["bias"], constraints["bias"] = internal_quantizer(bias_quantizer), bias_constraint
    return quantizers, constraints


class QConvMixin:
    """Mixed in before a Keras convolution class (`class QConv2D(QConvMixin, keras.layers.Conv2D)`)."""

    # prefixes of the quantized weights in QKeras' `quantizers` order (bias last)
    quantizer_names: tuple[str, ...] = ("kernel", "bias")

    def _init_quantized(self, keras_init: Callable, kernels: dict[str, tuple[Any, Any]], bias_quantizer: Any,
                        bias_constraint: Any, activation, use_bias: bool, ranges: dict[str, Any] | None = None,
                        **keras_kwargs) -> None:
        """Run keras_init (the Keras layer's __init__) with the weights' constraints, then set the quantizers.

        kernels is {name: (quantizer, constraint)} for the names in quantizer_names but bias; `<name>_constraint`
        reaches Keras as setup_weight_quantizers makes it. ranges ({"<name>_range": value}), QKeras' deprecated
        and ignored settings, are warned about and kept as attributes.
        """
        if ranges is not None:
            warn_deprecated_ranges(type(self).__name__, stacklevel=4, **ranges)  # through this helper
        quantizers, constraints = setup_weight_quantizers(kernels, bias_quantizer, bias_constraint, use_bias)
        keras_init(activation=resolve_activation(activation), use_bias=use_bias,
                   **{f"{name}_constraint": constraint for name, constraint in constraints.items()}, **keras_kwargs)
        for attribute, value in (ranges or {}).items():
            setattr(self, attribute, value)
        self._set_quantizers({**{name: quantizer for name, (quantizer, _) in kernels.items()},
                              "bias": bias_quantizer}, quantizers)

    def _set_quantizers(self, given: dict[str, Any], internal: dict[str, Any]) -> None:
        for name in self.quantizer_names:
            setattr(self, f"{name}_quantizer", given[name])
            setattr(self, f"{name}_quantizer_internal", internal[name])
        self.quantizers = [internal[name] for name in self.quantizer_names]

    def _quantized(self, name: str, weight, training):
        return apply(getattr(self, f"{name}_quantizer_internal"), weight, training)

    def _bias_and_activation(self, outputs, training):
        if self.use_bias:
            outputs = add_channel_bias(outputs, self._quantized("bias", self.bias, training), self.data_format)
        return apply(self.activation, outputs, training)

    def _quantizer_config(self) -> dict[str, Any]:
        config = {f"{name}_quantizer": serialize_quantizer(getattr(self, f"{name}_quantizer_internal"))
                  for name in self.quantizer_names}
        config["activation"] = serialize_activation(self.activation)
        return config

    # QKeras' introspection helpers (qtools, hls4ml-style converters)
    def get_quantizers(self) -> list:
        return self.quantizers

    def get_quantization_config(self) -> dict[str, str]:
        config = {f"{name}_quantizer": str(getattr(self, f"{name}_quantizer_internal"))
                  for name in self.quantizer_names}
        config["activation"] = str(self.activation)
        if getattr(self, "filters", None) is not None:
            config["filters"] = str(self.filters)
        return config

    def get_prunable_weights(self) -> list:
        return [getattr(self, "kernel" if name == "kernel" else f"{name}_kernel")
                for name in self.quantizer_names if name != "bias"]
