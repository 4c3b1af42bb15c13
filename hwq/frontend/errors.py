"""Errors the frontend raises for models it cannot lower."""


class UnsupportedLayerError(ValueError):
    """A layer (or a layer's setting) that hwq cannot lower; the message names the layer."""
