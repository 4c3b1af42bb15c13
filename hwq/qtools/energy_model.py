"""The Horowitz 45 nm energy model of QKeras' qtools, as pure functions (all results in pJ).

Every function takes plain numbers (bit widths, element counts) so it can be checked by hand:
nothing here knows about Keras layers or the IR. `hwq.qtools.QTools` (Keras models) and
`hwq.qtools.graph_energy` (lowered IR graphs) both price their operations through this module.

Sources of the figures (as QKeras uses them): M. Horowitz, "Computing's energy problem (and what
we can do about it)", ISSCC 2014. Integer add and multiply scale with the bit width; float add and
multiply are constants; an SRAM access of one 64-bit word costs a cubic polynomial in
log2(memory size in bits); DRAM costs a constant per bit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

MEMORIES = ("sram", "dram", "fixed")


@dataclass(frozen=True)
class Process:
    """Polynomial coefficients, highest power first (numpy.poly1d order)."""

    int_add: tuple[float, ...] = (0.003125, 0.0)
    int_mul: tuple[float, ...] = (0.002994791667, 0.001041666667, 0.0)
    fp16_add: tuple[float, ...] = (0.4,)
    fp16_mul: tuple[float, ...] = (1.1,)
    fp32_add: tuple[float, ...] = (0.9,)
    fp32_mul: tuple[float, ...] = (3.7,)
    sram_access: tuple[float, ...] = (9.02427321e-04, -2.68847858e-02, 2.08900804e-01, 0.0)  # per word
    dram_bit: tuple[float, ...] = (20.3125, 0.0)  # of the number of bits
    sram_word_bits: int = 64


HOROWITZ = Process()
PROCESSES: dict[str, Process] = {"horowitz": HOROWITZ}


def process_named(name: str | Process) -> Process:
    if isinstance(name, Process):
        return name
    try:
        return PROCESSES[name]
    except KeyError:
        raise ValueError(f"unknown process {name!r}; known: {', '.join(sorted(PROCESSES))}") from None


def poly(coefficients: Sequence[float], x: float) -> float:
    """Horner evaluation, highest power first; negative results are clipped to 0 as qtools does
    (the SRAM fit dips below zero for tiny memories)."""
    value = 0.0
    for c in coefficients:
        value = value * x + c
    return max(value, 0.0)


# -- arithmetic ----------------------------------------------------------------------------------

def add_energy(bits: float, float_bits: int | None = None, process: Process = HOROWITZ) -> float:
    """One addition of `bits`-wide integers, or of floats when float_bits is 16 or 32."""
    if float_bits is not None:
        return poly(_float_poly(process, float_bits, "add"), bits)
    return poly(process.int_add, bits)


def mul_energy(bits: float, float_bits: int | None = None, process: Process = HOROWITZ) -> float:
    """One multiplication; for integers `bits` is the geometric mean of the operand widths."""
    if float_bits is not None:
        return poly(_float_poly(process, float_bits, "mul"), bits)
    return poly(process.int_mul, bits)


def gate_energy(op: str, gate_bits: float, float_bits: int | None = None, process: Process = HOROWITZ) -> float:
    """qtools prices mux, xor, and, or and shifter gates like an adder of gate_bits, mul like a multiplier."""
    if op in ("mul", "mult", "fmult"):
        return mul_energy(gate_bits, float_bits, process)
    if op in ("add", "adder", "mux", "xor", "and", "or", "shifter", "barrel"):
        return add_energy(gate_bits, float_bits, process)
    raise ValueError(f"unknown operation {op!r}")


def _float_poly(process: Process, float_bits: int, op: str) -> tuple[float, ...]:
    if float_bits == 16:
        return process.fp16_add if op == "add" else process.fp16_mul
    if float_bits == 32:
        return process.fp32_add if op == "add" else process.fp32_mul
    raise ValueError(f"the energy model knows 16- and 32-bit floats, not {float_bits}-bit ones")


# -- gates: how a multiplier of each kind is priced ------------------------------------------------

def mult_gate(x_bits: int, w_bits: int) -> tuple[float, float]:
    """(gate factor, gate bits) of a full multiplier: an array of about sqrt(bx·bw)² cells."""
    return 1.0, math.sqrt(x_bits * w_bits)


def mux_gate(other_bits: int, binary_selector: bool) -> tuple[float, float]:
    """A ±1 (binary) selector is one mux level (0.3 of an adder); a ternary one is two (0.6)."""
    return (0.3 if binary_selector else 0.6), float(other_bits)


def xor_gate() -> tuple[float, float]:
    return 0.3, 1.0


def and_gate(out_bits: int) -> tuple[float, float]:
    return 0.1, float(out_bits)


def shifter_gate(po2_bits: int, qb_bits: int, value_count: int = -1) -> tuple[float, float]:
    """A barrel shifter over 2^po2_bits positions of a qb_bits operand: b·log10(b) cells with
    b = sqrt(2^po2_bits · qb_bits). When the weights are known and take only `value_count` distinct
    powers of two, qtools prices a mux over those instead."""
    if value_count > 0:
        return value_count * 0.3, float(qb_bits)
    b = math.sqrt(2.0 ** po2_bits * qb_bits)
    return 1.0, b * math.log10(b)


def adder_gate(x_bits: int, w_bits: int) -> tuple[float, float]:
    """po2 × po2: the exponents add."""
    return 1.0, float(max(x_bits, w_bits) + 1)


def mac_energy(op_count: int, op: str, gate_factor: float, gate_bits: float, acc_bits: int,
               mult_float_bits: int | None = None, acc_float_bits: int | None = None,
               process: Process = HOROWITZ) -> float:
    """op_count multiply-accumulates: each a gate of the multiplier's kind plus one accumulator add."""
    per_op = gate_factor * gate_energy(op, gate_bits, mult_float_bits, process)
    per_op += add_energy(acc_bits, acc_float_bits, process)
    return op_count * per_op


# -- memory ---------------------------------------------------------------------------------------

def sram_word_energy(total_bits: float, min_sram_size: float = 0, process: Process = HOROWITZ) -> float:
    """One 64-bit access to an SRAM holding max(total_bits, min_sram_size) bits."""
    size = max(total_bits, min_sram_size)
    if size <= 0:
        return 0.0
    return poly(process.sram_access, math.log2(size))


def sram_energy(total_bits: float, min_sram_size: float = 0, process: Process = HOROWITZ) -> float:
    """Moving total_bits through an SRAM, whole 64-bit words at a time."""
    if total_bits <= 0:
        return 0.0
    words = math.ceil(total_bits / process.sram_word_bits)
    return words * sram_word_energy(total_bits, min_sram_size, process)


def dram_energy(total_bits: float, process: Process = HOROWITZ) -> float:
    return poly(process.dram_bit, total_bits) if total_bits > 0 else 0.0


def memory_read_energy(total_bits: float, memory: str, min_sram_size: float = 0, rd_wr_on_io: bool = False,
                       at_io: bool = False, process: Process = HOROWITZ) -> float:
    """Reading a tensor of total_bits from `memory` ('sram', 'dram' or 'fixed': wired constants, free).

    At the model's input (at_io) the data come from DRAM when rd_wr_on_io (and are then written to
    SRAM), or from SRAM otherwise, whatever `memory` says.
    """
    memory = _io_memory(memory, rd_wr_on_io, at_io)
    if memory == "dram":
        energy = dram_energy(total_bits, process)
        if rd_wr_on_io:
            energy += sram_energy(total_bits, min_sram_size, process)
        return energy
    if memory == "sram":
        return sram_energy(total_bits, min_sram_size, process)
    return 0.0


def memory_write_energy(total_bits: float, memory: str, min_sram_size: float = 0, rd_wr_on_io: bool = False,
                        at_io: bool = False, process: Process = HOROWITZ) -> float:
    """Writing a tensor; the mirror of memory_read_energy (the model's output goes SRAM -> DRAM)."""
    return memory_read_energy(total_bits, memory, min_sram_size, rd_wr_on_io, at_io, process)


def _io_memory(memory: str, rd_wr_on_io: bool, at_io: bool) -> str:
    if memory not in MEMORIES:
        raise ValueError(f"memory must be one of {MEMORIES}, got {memory!r}")
    if at_io:
        return "dram" if rd_wr_on_io else "sram"
    return memory


# -- reporting --------------------------------------------------------------------------------------

ENERGY_PARTS = ("inputs", "outputs", "parameters", "op_cost")

# which of the four parts count towards a layer's total, by layer class (QKeras' default choice):
# an activation's cost is writing its output; a batch normalization folded into the layer before
# it costs its parameters; everything else reads its inputs and parameters and computes.
DEFAULT_INCLUDE_ENERGY: dict[str, list[str]] = {
    "QActivation": ["outputs"], "QAdaptiveActivation": ["outputs"], "Activation": ["outputs"],
    "QBatchNormalization": ["parameters"], "BatchNormalization": ["parameters"],
    "Add": ["op_cost"], "Subtract": ["op_cost"], "MaxPooling2D": ["op_cost"],
    "default": ["inputs", "parameters", "op_cost"],
}


def round_pj(value: float) -> float:
    """qtools reports every figure rounded to 0.01 pJ (formatted, so half-way cases round as printf does)."""
    return float(f"{value:.2f}")


def included_parts(include_energy: dict[str, list[str]], class_name: str) -> list[str]:
    return list(include_energy.get(class_name, include_energy.get("default", [])))
