"""qkeras.autoqkeras: automatic quantization search (hwq.autoqkeras).

`from hwq.qkeras.autoqkeras import *` gives what QKeras' package gives: AutoQKeras, AutoQKerasScheduler,
AutoQKHyperModel, the forgiving factors and their registry, default_quantization_config, the summary helpers,
and model_quantize / clone_model. The submodules autoqkeras_internal, forgiving_metrics, quantization_config and
utils mirror QKeras' files; each only re-exports hwq's implementation.
"""

from hwq.qkeras.autoqkeras.autoqkeras_internal import *  # noqa: F403
from hwq.qkeras.autoqkeras.autoqkeras_internal import __all__ as _internal
from hwq.qkeras.autoqkeras.utils import *  # noqa: F403
from hwq.qkeras.autoqkeras.utils import __all__ as _utils

__all__ = sorted({*_internal, *_utils})
