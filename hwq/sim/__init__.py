"""The bit-exact reference model."""

from hwq.sim.interpreter import input_mantissas, simulate, simulate_mantissas

__all__ = ["simulate", "simulate_mantissas", "input_mantissas"]
