"""QKeras-compatible layers (QDense, QActivation), registered with Keras as "hwq>NAME"."""

import hwq.quantizers  # noqa: F401  (registers the quantizers too, so loading a .keras file needs only this import)
from hwq.layers.constraints import Clip
from hwq.layers.qactivation import QActivation
from hwq.layers.qdense import QDense

__all__ = ["QDense", "QActivation", "Clip"]
