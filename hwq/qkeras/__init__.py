"""QKeras' names from hwq: a QKeras code base runs on hwq with `qkeras` replaced by `hwq.qkeras` in its imports.

`from hwq.qkeras import *` gives what `from qkeras import *` gives (layers, quantizers, the estimate functions,
the safe_eval helpers) plus the model utilities and hwq's loaders for QKeras files; QKeras' modules are here
under their own names (hwq.qkeras.quantizers, .qlayers, .qconvolutional, .qpooling, .qnormalization, .utils,
.estimate, .callbacks, .safe_eval, .registry, .quantizer_registry, .qtools, ...). Every name is implemented once
in hwq and only re-exported here; whatever hwq.layers and hwq.quantizers export is offered, so new layers appear
without editing this module.
"""

import hwq.estimate as _estimate
import hwq.layers as _layers
import hwq.quantizers as _quantizers
import hwq.quantizers.strings as _strings
import hwq.utils as _utils
from hwq.estimate import *  # noqa: F403  (accumulator analysis and operation counts)
from hwq.layers import *  # noqa: F403  (the layer classes, QKeras' names)
from hwq.layers.constraints import get_constraint  # noqa: F401  (in __all__ below)
from hwq.layers.qconv_transpose import deconv_output_length  # noqa: F401
from hwq.loading import QInitializer, load_model, load_qkeras  # noqa: F401
from hwq.loading.initializer import get_auto_range_constraint_initializer, get_initializer  # noqa: F401
from hwq.quantizers import *  # noqa: F403  (the quantizers and functions, QKeras' names)
from hwq.quantizers.registry import Registry, lookup_quantizer  # noqa: F401
from hwq.quantizers.strings import *  # noqa: F403  (QKeras' safe_eval helpers)
from hwq.utils import *  # noqa: F403  (model utilities, QKeras' names)

__all__ = sorted({*_layers.__all__, *_quantizers.__all__, *_utils.__all__, *_estimate.__all__, *_strings.__all__,
                  "QInitializer", "load_qkeras", "load_model", "get_constraint", "get_initializer",
                  "get_auto_range_constraint_initializer", "deconv_output_length", "Registry", "lookup_quantizer"})
