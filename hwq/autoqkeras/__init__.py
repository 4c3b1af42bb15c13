"""AutoQKeras on hwq: search the quantizers (and optionally the widths) of a float Keras model with keras-tuner,
each trial quantized by hwq.utils.model_quantize and priced in bits or in qtools energy.

    from hwq.autoqkeras import AutoQKeras
    autoqk = AutoQKeras(model, metrics=["acc"], goal={"type": "energy", "params": {...}},
                        quantization_config=config, limit={"Dense": [8, 8, 4], "Activation": [4]},
                        mode="random", max_trials=20, output_dir="result")
    autoqk.fit(x, y, validation_split=0.1, epochs=10)
    qmodel = autoqk.get_best_model()

Modules: quantization_config (the default menus), limit (the per-layer search space), forgiving (the cost
goals), hypermodel (one trial), search (AutoQKeras), scheduler (block by block), summary (reading the result),
score and training (the metrics and optimizer each trial compiles with), rebuild (filter tuning, batch
normalizations), tuners (keras-tuner classes).
QKeras' module layout is offered by hwq.qkeras.autoqkeras.
"""

try:
    import keras_tuner  # noqa: F401  (only checked here: every search module needs it)
except ImportError:
    raise ImportError("hwq.autoqkeras runs its search with keras-tuner (pip install 'hwq[study]')") from None

from hwq.autoqkeras.forgiving import ForgivingFactor, ForgivingFactorBits, ForgivingFactorPower, forgiving_factor
from hwq.autoqkeras.hypermodel import AutoQKHyperModel
from hwq.autoqkeras.limit import Q_LAYERS, REGISTERED_LAYERS, SEQUENCE_LAYERS
from hwq.autoqkeras.quantization_config import default_quantization_config
from hwq.autoqkeras.scheduler import AutoQKerasScheduler
from hwq.autoqkeras.search import AutoQKeras
from hwq.autoqkeras.summary import (
    Q_SEQUENCE_LAYERS,
    get_quantization_dictionary,
    print_qmodel_summary,
    save_quantization_dict,
)

__all__ = ["AutoQKeras", "AutoQKerasScheduler", "AutoQKHyperModel", "ForgivingFactor", "ForgivingFactorBits",
           "ForgivingFactorPower", "forgiving_factor", "default_quantization_config", "print_qmodel_summary",
           "get_quantization_dictionary", "save_quantization_dict", "REGISTERED_LAYERS", "Q_LAYERS",
           "SEQUENCE_LAYERS", "Q_SEQUENCE_LAYERS"]
