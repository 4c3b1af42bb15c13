"""The quantizer classes hwq knows by name: for string parsing, config dicts and Keras saving."""

from __future__ import annotations

import keras

_QUANTIZERS: dict[str, type] = {}


def register_quantizer(cls: type) -> type:
    """Class decorator: make `cls` known by its class name here and to Keras (as "hwq>NAME")."""
    cls = keras.saving.register_keras_serializable(package="hwq")(cls)
    _QUANTIZERS[cls.__name__] = cls
    return cls


def quantizer_class(name: str) -> type | None:
    """The registered quantizer class called `name`, or None."""
    return _QUANTIZERS.get(name)


def known_quantizers() -> list[str]:
    """Names of every registered quantizer, sorted (used in error messages)."""
    return sorted(_QUANTIZERS)
