"""QKeras' names from hwq: a QKeras script runs on hwq by changing `from qkeras import *` (and
`from qkeras.utils import ...`, `from qkeras.callbacks import ...`) to `from hwq.qkeras import *`.

Layers, quantizers and quantization functions, QInitializer and Clip, the model utilities
(model_quantize, model_save_quantized_weights, load_qmodel, quantized_model_from_json, print_qstats,
QNoiseScheduler), plus hwq's loaders for QKeras files. Whatever hwq.layers and hwq.quantizers
export is offered here, so new layers appear without editing this module.
"""

import hwq.layers as _layers
import hwq.quantizers as _quantizers
import hwq.utils as _utils
from hwq.layers import *  # noqa: F403  (the layer classes, QKeras' names)
from hwq.loading import QInitializer, load_model, load_qkeras  # noqa: F401  (in __all__ below)
from hwq.quantizers import *  # noqa: F403  (the quantizers and functions, QKeras' names)
from hwq.utils import *  # noqa: F403  (model utilities, QKeras' names)

__all__ = sorted({*_layers.__all__, *_quantizers.__all__, *_utils.__all__,
                  "QInitializer", "load_qkeras", "load_model"})
