"""QKeras' qtools for hwq: the per-layer data type map and the Horowitz 45 nm energy estimate.

    q = QTools(model, source_quantizers="int8")     # QKeras' interface and rules, from Keras layers
    energy = q.pe(weights_on_memory="sram", activations_on_memory="sram")
    graph_energy(hwq.lower(model))                  # the same model priced on the IR's exact types
"""

from hwq.qtools.datatype_map import WrongInputQuantizerError
from hwq.qtools.energy_model import DEFAULT_INCLUDE_ENERGY
from hwq.qtools.graph_energy import graph_energy
from hwq.qtools.qtools import QTools

__all__ = ["QTools", "graph_energy", "DEFAULT_INCLUDE_ENERGY", "WrongInputQuantizerError"]
