"""Which hardware unit multiplies an input by a weight (qtools' names), read from the integer weights."""

from __future__ import annotations

import numpy as np

from hwq.fixed import FixedType
from hwq.ir.tensor import IntTensor


def multiplier_kind(kernel: IntTensor, x: FixedType) -> str:
    """'xor' when every weight is +-c (one power of two c): a negation and a fixed shift;
    'mux' when they are 0 or +-c; 'barrel' when every nonzero weight is a signed power of two;
    else a full multiplier, 'mult'. Lowering passes the kind the quantizer declares instead."""
    m = np.abs(np.asarray(kernel.mantissa, dtype=object).ravel())
    nonzero = {int(v) for v in m if v != 0}
    if not nonzero or not all(v & (v - 1) == 0 for v in nonzero):
        return "mult"
    if len(nonzero) == 1:
        return "mux" if len(nonzero) < len(set(m.tolist())) else "xor"
    return "barrel"
