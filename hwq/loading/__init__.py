"""Reading models saved elsewhere: legacy Keras 2 QKeras JSON + H5, and .keras files of hwq or qkeras-v3."""

from hwq.loading.errors import ModelLoadError
from hwq.loading.initializer import QInitializer
from hwq.loading.keras3 import hwq_names, load_model
from hwq.loading.legacy import load_legacy_h5_model, load_qkeras, model_from_legacy_config

__all__ = ["load_qkeras", "load_model", "load_legacy_h5_model", "model_from_legacy_config", "hwq_names",
           "ModelLoadError", "QInitializer"]
