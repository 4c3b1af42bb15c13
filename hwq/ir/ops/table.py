"""table: an exact lookup table of one input mantissa, stored as the fewest entries that reproduce it.

The frontend evaluates a curve (tanh, sigmoid, ...) on every mantissa of the input type with the
Python quantizer itself, so the table equals the model by construction. What the IR stores is that
full table compressed without loss:

    y = table[clip(m >> index_shift, index_lo, index_hi) - index_lo]

`>>` is the arithmetic (floor) shift: blocks of 2**index_shift neighbouring inputs that share one
output become one entry (a coarse staircase), and the constant runs at both ends (a saturating
curve) become the clamp. Both are plain bit slices and comparisons in hardware.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hwq.fixed import FixedType, ap_spelling
from hwq.fixed.carrier import as_carrier, floor_shift
from hwq.ir.op import IRError, Op, carrier, register
from hwq.ir.tensor import IntTensor

MAX_TABLE_ENTRIES = 1 << 16  # entries a table node may store after compression (a ROM a backend can print)
MAX_TABLE_INPUT_BITS = 24  # widest input type the frontend should enumerate (2**24 quantizer calls)
FITTING_INPUT_BITS = MAX_TABLE_ENTRIES.bit_length() - 1  # any table over this many input bits fits


@dataclass(frozen=True)
class CompressedTable:
    """The attributes and the parameter of a table node."""

    index_shift: int
    index_lo: int
    index_hi: int
    table: IntTensor

    def attrs(self) -> dict[str, int]:
        return {"index_shift": self.index_shift, "index_lo": self.index_lo, "index_hi": self.index_hi}


THRESHOLDS_PER_LISTED_ENTRY = 4  # a threshold (a comparison and a mux) costs about four ROM lines
SMALL_ROM_ENTRIES = 256  # up to this many entries a ROM is a few LUTs per output bit: no thresholds


def run_starts(entries) -> list[int]:
    """The indices where a run of equal entries starts (0 first): a table is its first entry, replaced at each
    later run's start by that run's entry, so a staircase of few steps over many entries needs few comparisons."""
    e = np.asarray(entries)
    return [0, *(int(j) + 1 for j in np.flatnonzero(e[1:] != e[:-1]))]


def prints_as_thresholds(entries) -> bool:
    """Whether a backend should print the table as comparisons against its runs' starts rather than a ROM: when
    the ROM would be more than a few LUTs per output bit and the runs are few next to the entries it would list
    (all but the most common one). Measured with Yosys on quantized_tanh tables over 12-14 bits: 154-232 LUTs as
    thresholds where the ROM's estimate is 288-1,152, and Verilator builds a GRU of 8 steps in 5 s, not 171."""
    e = np.asarray(entries)
    if len(e) <= SMALL_ROM_ENTRIES:
        return False
    listed = len(e) - int(np.max(np.unique(e, return_counts=True)[1]))
    return THRESHOLDS_PER_LISTED_ENTRY * (len(run_starts(e)) - 1) < listed


def table_inputs(t: FixedType) -> np.ndarray:
    """Every mantissa of t, smallest first (int64): the inputs a frontend evaluates the curve on."""
    if t.width > MAX_TABLE_INPUT_BITS:
        raise IRError(f"a lookup table over {ap_spelling(t)} would need 2^{t.width} entries; tables take inputs "
                      f"of at most {MAX_TABLE_INPUT_BITS} bits (quantize to at most {FITTING_INPUT_BITS} bits "
                      "to be sure the table fits)")
    return np.arange(t.min_mantissa, t.max_mantissa + 1, dtype=np.int64)


def compress_table(name: str, x_type: FixedType, outputs: IntTensor) -> CompressedTable:
    """The largest index shift, then the clamp range, for `outputs` (one entry per mantissa of x_type)."""
    o = _check_outputs(name, x_type, outputs)
    shift = _largest_shift(o, x_type)
    blocks = o[::1 << shift] if shift < x_type.width else o[:1]  # the first entry of every block
    first = x_type.min_mantissa >> shift  # index of blocks[0]
    a, b = _trimmed_range(blocks)
    if b - a + 1 > MAX_TABLE_ENTRIES:
        raise IRError(f"table node {name!r}: the table over {ap_spelling(x_type)} needs {b - a + 1} entries "
                      f"after compression, more than MAX_TABLE_ENTRIES = {MAX_TABLE_ENTRIES}; quantize its input "
                      f"(now {x_type.width} bits) to at most {FITTING_INPUT_BITS} bits first")
    return CompressedTable(shift, first + a, first + b, IntTensor(blocks[a:b + 1].copy(), outputs.type))


def _check_outputs(name: str, x_type: FixedType, outputs: IntTensor) -> np.ndarray:
    o = np.asarray(outputs.mantissa)
    want = 1 << x_type.width
    if o.ndim != 1 or len(o) != want:
        raise IRError(f"table node {name!r}: outputs must hold one entry per mantissa of {ap_spelling(x_type)} "
                      f"({want}, from {x_type.min_mantissa} to {x_type.max_mantissa}), got shape {o.shape}")
    t = outputs.type
    if o.size and (o.min() < t.min_mantissa or o.max() > t.max_mantissa):
        raise IRError(f"table node {name!r}: output mantissas {o.min()}..{o.max()} lie outside "
                      f"{ap_spelling(t)} ({t.min_mantissa}..{t.max_mantissa})")
    return o


def _largest_shift(o: np.ndarray, x_type: FixedType) -> int:
    """The largest s with o constant on every block of inputs sharing m >> s.

    The output changes between m - 1 and m only at block starts, i.e. where m is a multiple of 2**s:
    s is the fewest trailing zero bits among those m. Beyond the cap the blocks no longer change
    (signed: the negative and the non-negative half; unsigned: one block).
    """
    cap = x_type.width - 1 if x_type.signed else x_type.width
    changes = np.flatnonzero(o[1:] != o[:-1]) + 1 + x_type.min_mantissa  # the m that start a new output
    changes = changes[changes != 0]  # zero is a multiple of every 2**s
    if not changes.size:
        return cap
    low_bits = int(np.bitwise_or.reduce(changes))  # its lowest set bit is the fewest trailing zeros
    return min(cap, (low_bits & -low_bits).bit_length() - 1)


def _trimmed_range(blocks: np.ndarray) -> tuple[int, int]:
    """First and last block to keep: the last of the leading run and the first of the trailing run."""
    steps = np.flatnonzero(blocks[1:] != blocks[:-1])
    if not steps.size:  # a constant: one entry, at index 0 when the index range holds 0
        return 0, 0
    return int(steps[0]), int(steps[-1]) + 1


@register
class Table(Op):
    name = "table"
    params = ("table",)
    attrs = ("index_shift", "index_lo", "index_hi")
    doc = "y = table[clip(x_mantissa >> index_shift, index_lo, index_hi) - index_lo], elementwise"

    def infer_type(self, node, inputs):
        return node.params["table"].type

    def check(self, node, inputs):
        """The clamp range must index the table exactly and lie within the shifted input range."""
        x_type = inputs[0].type
        s, lo, hi = (node.attrs[a] for a in ("index_shift", "index_lo", "index_hi"))
        table = node.params["table"]
        if not all(isinstance(v, int) for v in (s, lo, hi)) or s < 0 or lo > hi:
            raise IRError(f"node {node.name!r}: index_shift {s!r} must be >= 0 and index_lo {lo!r} <= index_hi {hi!r}")
        cap = x_type.width - 1 if x_type.signed else x_type.width  # beyond it the shifted input no longer changes
        if s > cap:
            raise IRError(f"node {node.name!r}: index_shift {s} is more than the {cap} bits a shift of its input "
                          f"{x_type} can drop")
        if not (x_type.min_mantissa >> s) <= lo <= hi <= (x_type.max_mantissa >> s):
            raise IRError(f"node {node.name!r}: index range [{lo}, {hi}] lies outside the input's "
                          f"[{x_type.min_mantissa >> s}, {x_type.max_mantissa >> s}] after a shift by {s}")
        if table.shape != (hi - lo + 1,):
            raise IRError(f"node {node.name!r}: table shape {table.shape} does not match the index range "
                          f"[{lo}, {hi}] ({hi - lo + 1} entries)")
        if table.type != node.output.type:
            raise IRError(f"node {node.name!r}: a table node's output carries its table's type "
                          f"({table.type}, not {node.output.type})")

    def evaluate(self, node, xs, types):
        """y = table[clip(m >> s, lo, hi) - lo]: floor shift and clip stay exact in any carrier."""
        s, lo, hi = (node.attrs[a] for a in ("index_shift", "index_lo", "index_hi"))
        entries = as_carrier(node.params["table"].mantissa, carrier(node.output.type))
        q = floor_shift(xs[0], s)[0] if s else xs[0]
        return entries[np.clip(q, lo, hi).astype(np.int64) - lo]
