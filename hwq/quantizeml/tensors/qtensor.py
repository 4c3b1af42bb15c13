"""QTensor: what QuantizeML's quantized tensors (FixedPoint, QFloat) have in common."""

from __future__ import annotations

import copy

import tensorflow as tf


class QTensor:
    """Abstract base of the quantized tensors exchanged between layers.

    QuantizeML makes it a tf.experimental.ExtensionType; here it is a plain immutable Python object holding
    numpy integers, because TensorFlow's float32 values would be exact only below 2**24 (docs/quantizeml.md).
    """

    def __init__(self, shape, name: str = "no-name") -> None:
        self._shape = tf.TensorShape(shape)
        self._name = str(name)

    @property
    def shape(self) -> tf.TensorShape:
        """The shape of the values."""
        return self._shape

    @property
    def name(self) -> str:
        """The QTensor name ("no-name" unless given at construction, as eager tensors in QuantizeML)."""
        return self._name

    @property
    def per_tensor(self) -> bool:
        """True when quantized per-tensor, False when per-axis."""
        raise NotImplementedError

    def to_float(self) -> tf.Tensor:
        """The float values the QTensor represents."""
        raise NotImplementedError

    def clone(self) -> QTensor:
        """A copy of the QTensor (its arrays are read-only, so a shallow copy is a full one)."""
        return copy.copy(self)

    def assert_per_tensor(self) -> None:
        """Raise ValueError unless the QTensor is quantized per-tensor."""
        if not self.per_tensor:
            raise ValueError(f"{self.name} is not per-tensor.")

    @staticmethod
    def int_max(value_bits: int) -> int:
        """The largest value of `value_bits` bits: 2**value_bits - 1 (the sign bit is counted apart)."""
        return 2**value_bits - 1

    def __str__(self) -> str:
        return f"{type(self).__name__}: {self.to_float().numpy()}"

    __hash__ = None  # the comparison operators return tensors, as in QuantizeML
