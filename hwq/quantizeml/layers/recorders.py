"""Recording of the quantities a quantized layer derives on the fly (QuantizeML's recorders).

Weights, biases and shifts are recomputed from the float variables at every call; a recorder keeps the last
value seen while recording is enabled, so that a caller (the lowering, a test) can read the exact integers a
call used. Nothing here is saved with the model: recorded values are re-derived by one call in recording mode.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np
import tensorflow as tf

from hwq.quantizeml.tensors import FixedPoint, QFloat

_recording_enabled = [False]  # a list, so the context manager can change it without a global statement


@contextmanager
def recording(enable: bool):
    """Enable (True) or disable (False) recording inside the `with` block, restoring the previous state."""
    previous = _recording_enabled[0]
    _recording_enabled[0] = bool(enable)
    try:
        yield
    finally:
        _recording_enabled[0] = previous


def is_recording() -> bool:
    """True inside `recording(True)`."""
    return _recording_enabled[0]


class NonTrackVariable:
    """A temporary tensor held by a layer during a call; never tracked nor saved with the layer."""

    def __init__(self, name: str = "") -> None:
        self._name = name
        self._var = None

    @property
    def name(self) -> str:
        return self._name

    @property
    def var(self):
        """The held value (a tf.Tensor), or None before init_var."""
        return None if self._var is None else tf.constant(self._var)

    def init_var(self, init_value, validate_shape: bool = False) -> None:
        """Hold `init_value` unless a value is already held."""
        if self._var is None:
            self._var = np.array(_as_numpy(init_value))

    def set_var(self, new_value) -> None:
        """Replace the held value (init_var must have been called)."""
        if self._var is None:
            raise ValueError(f"NonTrackVariable {self._name!r}: call init_var before set_var")
        self._var = np.array(_as_numpy(new_value))

    def reset_var(self) -> None:
        """Set the held value to zeros."""
        if self._var is not None:
            self._var = np.zeros_like(self._var)


class NonTrackFixedPointVariable(NonTrackVariable):
    """A temporary FixedPoint held by a layer during a call; never tracked nor saved with the layer."""

    @property
    def var(self) -> FixedPoint | None:
        return self._var

    def init_var(self, init_value: FixedPoint, validate_shape: bool = False) -> None:
        if self._var is None:
            self._var = _require(init_value, FixedPoint, self._name)

    def set_var(self, new_value: FixedPoint) -> None:
        if self._var is None:
            raise ValueError(f"NonTrackFixedPointVariable {self._name!r}: call init_var before set_var")
        self._var = _require(new_value, FixedPoint, self._name)

    def reset_var(self) -> None:
        if self._var is not None:
            self._var = FixedPoint(np.zeros(self._var.shape, np.int64), self._var.value_bits,
                                   self._var.frac_bits)

    def promote(self, target_value_bits: int) -> FixedPoint:
        return self._var.promote(target_value_bits)

    def expand(self, target_value_bits: int) -> tuple:
        return self._var.expand(target_value_bits)


class Recorder:
    """Base of the recorders: calling one with a value returns it, and keeps it while recording."""

    def __init__(self, name: str = "") -> None:
        self._name = name
        self._value = None

    @property
    def name(self) -> str:
        return self._name

    @property
    def recording(self) -> bool:
        return is_recording()

    @property
    def value(self):
        """The last recorded value, or None when nothing was recorded."""
        return self._value

    def __call__(self, inputs):
        if self.recording:
            self._value = self._checked(inputs)
        return inputs

    def _checked(self, inputs):
        return inputs


class TensorRecorder(Recorder):
    """Records a tensor (an alignment shift, fractional bits) as a tf.Tensor."""

    def _checked(self, inputs):
        return tf.constant(_as_numpy(inputs))


class FixedPointRecorder(Recorder):
    """Records a FixedPoint (quantized weights or scales)."""

    def _checked(self, inputs):
        return _require(inputs, FixedPoint, self._name)


class QFloatRecorder(Recorder):
    """Records a QFloat (quantized weights with their float scales)."""

    def _checked(self, inputs):
        return _require(inputs, QFloat, self._name)


def _require(value, kind: type, name: str):
    if not isinstance(value, kind):
        raise TypeError(f"{name or 'recorder'} expects a {kind.__name__}, got {type(value).__name__}")
    return value


def _as_numpy(x) -> np.ndarray:
    return x.numpy() if hasattr(x, "numpy") else np.asarray(x)
