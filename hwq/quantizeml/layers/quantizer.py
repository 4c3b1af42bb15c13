"""Quantizer: the base of QuantizeML's quantizers, a Keras layer with a bitwidth and a sign."""

from __future__ import annotations

from hwq.quantizeml.layers.base import QTensorLayer
from hwq.quantizeml.tensors import MAX_VALUE_BITS


class Quantizer(QTensorLayer):
    """Base of the quantizers: `bitwidth` bits, of which one holds the sign when `signed`.

    A signed quantizer has value_bits = bitwidth - 1 and covers [-2**(bitwidth-1), 2**(bitwidth-1) - 1]; an
    unsigned one has value_bits = bitwidth and covers [0, 2**bitwidth - 1].
    """

    def __init__(self, bitwidth: int, signed: bool = True, **kwargs) -> None:
        super().__init__(**kwargs)
        minimum = 2 if signed else 1
        if isinstance(bitwidth, bool) or not isinstance(bitwidth, int) or bitwidth < minimum:
            raise self.fail(f"bitwidth must be an int >= {minimum}, got {bitwidth!r}")
        if not isinstance(signed, bool):
            raise self.fail(f"signed must be a bool, got {signed!r}", TypeError)
        self.bitwidth = bitwidth
        self.signed = signed
        self.value_bits = bitwidth - 1 if signed else bitwidth
        if self.value_bits > MAX_VALUE_BITS:
            raise self.fail(f"bitwidth {bitwidth} exceeds the {MAX_VALUE_BITS} value bits FixedPoint holds")

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"bitwidth": self.bitwidth, "signed": self.signed})
        return config
