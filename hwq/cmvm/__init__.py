"""Constant matrix-vector multiplication as shift-add graphs: signed digits (digits.py), common
subexpressions shared across a whole matrix (cse.py), adder trees balanced for depth (trees.py), built into a
checked scalar program (solve.py)."""

from hwq.cmvm.solve import Options, constant_matrix_program

__all__ = ["Options", "constant_matrix_program"]
