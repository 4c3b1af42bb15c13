"""Reading models saved elsewhere: legacy Keras 2 QKeras JSON + H5, and .keras files of hwq or qkeras-v3."""

from hwq.loading.errors import ModelLoadError
from hwq.loading.initializer import QInitializer
from hwq.loading.legacy import load_qkeras, model_from_legacy_config

__all__ = ["load_qkeras", "model_from_legacy_config", "ModelLoadError", "QInitializer"]
