"""Errors raised by hwq quantizers."""

from __future__ import annotations


class UnsupportedQuantizerError(ValueError):
    """A quantizer setting has no exact fixed-point meaning (yet), so hw_type() cannot describe it.

    A ValueError so that callers that only know "bad configuration" still catch it.
    """
