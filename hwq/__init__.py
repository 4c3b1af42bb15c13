"""hwq: quantized Keras models to FPGA IP (HLS C++ or Verilog), proven bit-exact.

    graph = hwq.lower(model)          # annotated IR
    y = graph.simulate(x)             # bit-exact reference
    prj = hwq.emit(graph, "build/x", backend="vitis")   # or "catapult", "verilog"
    prj.compile(); prj.predict(x)     # equals graph.simulate(x)

Importing hwq loads neither Keras nor TensorFlow: lower() and the loaders import them on first use.
"""

from hwq.backends import BACKENDS, Project, emit
from hwq.fixed import FixedType, Overflow, Rounding
from hwq.ir import Graph

__version__ = "0.1.0"


def lower(model, input_type=None, name=None, until=None) -> Graph:
    """Lower a Keras model of hwq layers to an annotated IR graph (see hwq.frontend.lower)."""
    from hwq.frontend import lower as _lower

    return _lower(model, input_type=input_type, name=name, until=until)


def load_model(*args, **kwargs):
    """A Keras 3 model saved by hwq or by the qkeras-v3 package (see hwq.loading.load_model)."""
    from hwq.loading import load_model as _load

    return _load(*args, **kwargs)


def load_qkeras(*args, **kwargs):
    """A legacy Keras 2 QKeras model from JSON + H5 (see hwq.loading.load_qkeras)."""
    from hwq.loading import load_qkeras as _load

    return _load(*args, **kwargs)


__all__ = ["lower", "emit", "load_model", "load_qkeras", "Graph", "Project", "BACKENDS", "FixedType", "Rounding",
           "Overflow", "__version__"]
