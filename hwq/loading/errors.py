"""The error every loader raises for a file it cannot read: it names the layer and the field."""

from __future__ import annotations


class ModelLoadError(ValueError):
    """A model file (Keras 2 JSON/H5, .keras) that hwq cannot turn into a Keras 3 model.

    A ValueError, so callers that only expect "bad input" still catch it.
    """


def where(layer: str | None, field: str | None = None, class_name: str | None = None) -> str:
    """'layer 'fc1' (QDense), field 'kernel_quantizer'' — the prefix of every loading message."""
    text = f"layer {layer!r}" if layer is not None else "model"
    if class_name:
        text += f" ({class_name})"
    if field:
        text += f", field {field!r}"
    return text
