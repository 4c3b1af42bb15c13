"""A kernel node's (dense, conv, affine) constants over one position as a checked shift-add program on its
accumulator's grid: what the backends print for the "shift_add" form and what the cost model prices."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from hwq.cmvm.solve import Options, constant_matrix_program
from hwq.fixed import FixedType
from hwq.ir import Node
from hwq.ir.ops.kernel import position_matrix
from hwq.scalar import Program


def kernel_program(node: Node, x_type: FixedType, options: Options | None = None) -> Program:
    """Output j of one position = bias[j] + sum_i x[i] * matrix[i, j], as mantissas of the node's accumulator
    (x[i] mantissas of x_type, the program's inputs). Built once per node and options, proven exact."""
    acc, kernel, bias = node.output.type, node.params["kernel"], node.params.get("bias")
    # the verifier proved the accumulator's grid at least as fine as the products' and the bias's
    kshift = acc.frac - x_type.frac - kernel.type.frac
    matrix = np.asarray(position_matrix(node), dtype=object)
    columns = tuple(tuple(int(v) << kshift for v in matrix[:, j]) for j in range(matrix.shape[1]))
    offsets = None if bias is None else tuple(int(v) << (acc.frac - bias.type.frac) for v in bias.mantissa.ravel())
    return _program(columns, matrix.shape[0], (x_type.min_mantissa, x_type.max_mantissa), x_type.frac, offsets,
                    options or Options(), node.name)


@lru_cache(maxsize=256)
def _program(columns: tuple, n_in: int, x_range: tuple[int, int], frac: int, offsets: tuple | None,
             options: Options, name: str) -> Program:
    matrix = np.array(columns, dtype=object).T.reshape(n_in, len(columns))
    return constant_matrix_program(matrix, [x_range] * n_in, frac, list(offsets) if offsets else None, options,
                                   what=f"node {name!r}")
