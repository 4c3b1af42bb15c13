"""qkeras.autoqkeras.autoqkeras_internal: the search classes (hwq.autoqkeras.search, .scheduler, .hypermodel)."""

from hwq.autoqkeras.forgiving import ForgivingFactor, forgiving_factor
from hwq.autoqkeras.hypermodel import AutoQKHyperModel
from hwq.autoqkeras.limit import Q_LAYERS, REGISTERED_LAYERS, SEQUENCE_LAYERS
from hwq.autoqkeras.quantization_config import default_quantization_config
from hwq.autoqkeras.scheduler import AutoQKerasScheduler
from hwq.autoqkeras.search import AutoQKeras
from hwq.autoqkeras.summary import print_qmodel_summary
from hwq.utils import clone_model, model_quantize

__all__ = ["AutoQKeras", "AutoQKerasScheduler", "AutoQKHyperModel", "ForgivingFactor", "forgiving_factor",
           "default_quantization_config", "print_qmodel_summary", "clone_model", "model_quantize",
           "REGISTERED_LAYERS", "Q_LAYERS", "SEQUENCE_LAYERS"]
