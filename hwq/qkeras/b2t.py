"""qkeras.b2t: integer codes to thermometer (one-hot plus remainder) classes (hwq.utils.thermometer)."""

from hwq.utils.thermometer import BinaryToThermometer

__all__ = ["BinaryToThermometer"]
