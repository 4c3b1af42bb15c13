"""QuantizationParams: the global defaults of a quantization, and the context that sets them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


def _check_bits(name: str, value, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"QuantizationParams.{name} must be an int >= {minimum}, got {value!r}")


@dataclass(frozen=True)
class QuantizationParams:
    """Read-only quantization parameters (QuantizeML's defaults).

    activation_bits: bitwidth of the OutputQuantizer after a ReLU; per_tensor_activations: one output scale per
    tensor instead of one per channel; weight_bits: weights of every weighted layer but the first;
    output_bits: bitwidth of the other OutputQuantizers; input_weight_bits: weights of the layers that read the
    model input; buffer_bits: the accumulator width, sign included.
    """

    activation_bits: int = 8
    per_tensor_activations: bool = False
    weight_bits: int = 8
    output_bits: int = 8
    input_weight_bits: int = 8
    buffer_bits: int = 32

    def __post_init__(self) -> None:
        for name in ("activation_bits", "weight_bits", "output_bits", "input_weight_bits"):
            _check_bits(name, getattr(self, name), 2)
        _check_bits("buffer_bits", self.buffer_bits, 2)
        if not isinstance(self.per_tensor_activations, bool):
            raise ValueError(f"QuantizationParams.per_tensor_activations must be a bool, "
                             f"got {self.per_tensor_activations!r}")


# a list, so that the context manager swaps the current params without a global statement
_current = [QuantizationParams()]


def get_quantization_params() -> QuantizationParams:
    """The quantization parameters in force (QuantizationParams() outside any `quantization` context)."""
    return _current[0]


@contextmanager
def quantization(qparams: QuantizationParams) -> Iterator[QuantizationParams]:
    """Make `qparams` the current parameters inside the `with` block; the previous ones come back after it."""
    if not isinstance(qparams, QuantizationParams):
        raise TypeError(f"quantization() expects a QuantizationParams, got {type(qparams).__name__}")
    previous = _current[0]
    _current[0] = qparams
    try:
        yield qparams
    finally:
        _current[0] = previous
