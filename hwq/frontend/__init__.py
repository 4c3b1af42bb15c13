"""Frontend: Keras models -> hwq IR. The only part of hwq that reads Keras layers."""

from hwq.frontend.errors import UnsupportedLayerError
from hwq.frontend.lower import LOWERINGS, lower

__all__ = ["lower", "UnsupportedLayerError", "LOWERINGS"]
