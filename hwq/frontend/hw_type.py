"""Ask a quantizer for its hardware type, turning refusals into errors that name the layer."""

from __future__ import annotations

from hwq.fixed import FixedType
from hwq.frontend.errors import UnsupportedLayerError
from hwq.quantizers import known_quantizers


def hardware_type(layer, role: str, quantizer) -> FixedType:
    if not hasattr(quantizer, "hw_type"):
        raise UnsupportedLayerError(
            f"layer {layer.name!r}: {role} {quantizer!r} is not an hwq quantizer; "
            f"use one from hwq.quantizers ({', '.join(known_quantizers())})")
    try:
        return quantizer.hw_type()
    except ValueError as err:
        raise UnsupportedLayerError(f"layer {layer.name!r} ({type(layer).__name__}), {role}: {err}") from err
