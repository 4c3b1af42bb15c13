"""The scalar level under the tensor IR: a flat program of typed integer operations (hwq.scalar.program),
each op's exact evaluation and bound (hwq.scalar.ops), and the proof that a program computes a constant
matrix-vector product exactly (hwq.scalar.check). hwq.cmvm builds such programs from kernels."""

from hwq.scalar.check import CheckError, check_program
from hwq.scalar.program import Program, Step

__all__ = ["Program", "Step", "check_program", "CheckError"]
