"""QKeras' QuantizerFactory (`qkeras.qtools.quantized_operators.quantizer_factory`): the qtools object
(hwq.qtools.quantizer_impl) of a quantizer, a quantizer string, 'intN' / 'fpN', or an hwq QType."""

from __future__ import annotations

import copy
from typing import Any

from hwq.qtools.qtypes import QType, qtype_of
from hwq.qtools.quantizer_impl import CLASS_OF_NAME, IQuantizer, as_quantizer, from_qtype
from hwq.utils.qstats import FLOAT, get_quant_mode


class QuantizerFactory:
    """QKeras' QuantizerFactory: the qtools object of a quantizer. What is not a quantizer of a known mode
    gets the default intermediate type `settings.cfg` held when the factory was made."""

    def __init__(self) -> None:
        from hwq import quantizers
        from hwq.qtools.settings import cfg

        self._default_interm_quantizer = cfg.default_interm_quantizer
        # quantizer class -> qtools class, as QKeras lists them (its own classes map to themselves)
        self.quantizer_lookup: dict[type, type[IQuantizer]] = {
            getattr(quantizers, name): cls for name, cls in CLASS_OF_NAME.items() if hasattr(quantizers, name)}
        self.quantizer_lookup.update({cls: cls for cls in CLASS_OF_NAME.values()})

    def make_quantizer(self, quantizer: Any) -> IQuantizer:
        if isinstance(quantizer, IQuantizer):
            return self.clone_quantizer(quantizer)
        if quantizer is None or not self.is_quantizer_supported(quantizer):
            return self.make_default_quantizer(self._default_interm_quantizer)
        return from_qtype(qtype_of(quantizer))

    def is_quantizer_supported(self, quantizer: Any) -> bool:
        """None (it takes the default), a qtools object or QType, a quantizer string hwq parses, or a
        quantizer of a known mode (hwq's other fixed-point quantizers included)."""
        if quantizer is None or isinstance(quantizer, IQuantizer | QType):
            return True
        if isinstance(quantizer, str):
            try:
                qtype_of(quantizer)
            except Exception:  # noqa: BLE001 - any parse failure means "not a quantizer"
                return False
            return True
        return get_quant_mode(quantizer)[0] != FLOAT

    def make_default_quantizer(self, mode: Any) -> IQuantizer:
        """'intN', 'fpN', a quantizer string or object."""
        try:
            return from_qtype(qtype_of(mode))
        except Exception as e:  # noqa: BLE001 - report the mode, whatever the parser said
            raise ValueError(f"unaccepted quantizer {mode!r}") from e

    def clone_quantizer(self, quantizer: Any) -> IQuantizer:
        return copy.deepcopy(quantizer) if isinstance(quantizer, IQuantizer) else as_quantizer(quantizer)


__all__ = ["QuantizerFactory"]
