"""QKeras' QuantizerFactory (`qkeras.qtools.quantized_operators.quantizer_factory`): the qtools object
(hwq.qtools.quantizer_impl) of a quantizer, a quantizer string, 'intN' / 'fpN', or an hwq QType."""

from __future__ import annotations

import copy
from typing import Any

from hwq.qtools.operators import QuantizerFactory as TypeFactory
from hwq.qtools.quantizer_impl import CLASS_OF_NAME, IQuantizer, as_quantizer, from_qtype


class QuantizerFactory(TypeFactory):
    """QKeras' QuantizerFactory: the qtools object of a quantizer. hwq.qtools.operators.QuantizerFactory decides
    what is a quantizer and what the default intermediate type is; this one hands out QKeras' mutable objects."""

    def __init__(self) -> None:
        from hwq import quantizers

        super().__init__()
        # quantizer class -> qtools class, as QKeras lists them (its own classes map to themselves)
        self.quantizer_lookup: dict[type, type[IQuantizer]] = {
            getattr(quantizers, name): cls for name, cls in CLASS_OF_NAME.items() if hasattr(quantizers, name)}
        self.quantizer_lookup.update({cls: cls for cls in CLASS_OF_NAME.values()})

    def make_quantizer(self, quantizer: Any) -> IQuantizer:
        if isinstance(quantizer, IQuantizer):
            return self.clone_quantizer(quantizer)
        return from_qtype(super().make_quantizer(quantizer))

    def make_default_quantizer(self, mode: Any) -> IQuantizer:
        """'intN', 'fpN', a quantizer string or object."""
        return from_qtype(super().make_default_quantizer(mode))

    def clone_quantizer(self, quantizer: Any) -> IQuantizer:
        return copy.deepcopy(quantizer) if isinstance(quantizer, IQuantizer) else as_quantizer(quantizer)


__all__ = ["QuantizerFactory"]
