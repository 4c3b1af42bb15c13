"""Project: a generated design on disk that can be compiled and asked for predictions."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hwq.backends.vectors import check_port_mantissas
from hwq.backends.writer import write_project
from hwq.fixed import to_float
from hwq.ir import Graph
from hwq.sim import input_mantissas


class Project:
    """Base class of every backend's project. Subclasses implement compile() and run_ports()."""

    backend = "?"

    def __init__(self, graph: Graph, path: Path):
        self.graph = graph
        self.path = Path(path)

    def compile(self) -> Project:
        raise NotImplementedError

    def run_ports(self, ports: list[np.ndarray]) -> list[np.ndarray]:
        """Checked input-port mantissas, (batch, size) per input -> output mantissas, (batch, size) per output."""
        raise NotImplementedError

    def predict_mantissas(self, m_in):
        """Input-port mantissas (batch, size) -> output mantissas (batch, size); lists for several ports."""
        outs = self.run_ports(check_port_mantissas(self.graph, m_in))
        return outs[0] if len(outs) == 1 else outs

    def predict(self, x):
        """Float inputs, quantized exactly as simulate() does, -> float64 output values (batch, *shape)."""
        m_in = input_mantissas(self.graph, x)
        outs = self.run_ports(m_in if isinstance(m_in, list) else [m_in])
        values = [to_float(m, v.type).reshape((len(m), *v.shape)) for m, v in zip(outs, self.graph.output_values,
                                                                                  strict=True)]
        return values[0] if len(values) == 1 else values

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.backend} at {self.path}>"


__all__ = ["Project", "write_project"]
