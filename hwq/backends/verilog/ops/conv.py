"""A conv node as Verilog: at every output position, the window's taps x channels as one row of inputs and,
per output channel, dense's constant sum over them (zero weights skipped, powers of two as shifts).

The weights depend only on (tap, channel), so the sums are printed once, inside a generate loop over the
output positions: position p gathers its window from the zero-padded input (ops/window.py) into `win`,
taps in row-major order, each tap's channels contiguous, and writes its cout sums into y. A grouped conv
is the same with every weight outside an output channel's group zero, hence skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from hwq.backends.verilog.bus import Bus
from hwq.backends.verilog.expr import Bits
from hwq.backends.verilog.ops.base import Assign, NodeView, input_buses, output_bus
from hwq.backends.verilog.ops.kernel import Operand, Output, Register, node_sums
from hwq.backends.verilog.ops.window import windows
from hwq.fixed import ap_spelling
from hwq.ir import Node, Value
from hwq.ir.ops.conv import conv_window
from hwq.passes.stages import KernelTiming


@dataclass
class ConvView(NodeView):
    op: ClassVar[str] = "conv"
    padded: Bus | None  # xp, the input with its zero padding (None: the windows read x)
    pad: list[Assign]  # that assign xp
    positions: int  # output positions: the generate loop's p
    window_bits: int  # of `win`: the taps x channels at position p
    gathers: list[Assign]  # win's taps, from the (padded) input at position p
    row_bits: int  # of `yr`: the cout sums at position p
    width: int  # accumulator width: every operand, constant and sum has exactly this many bits
    operands: list[Operand]  # read from win
    outputs: list[Output]  # into yr
    y_slice: str  # position p's outputs in y
    registers: list[Register] = field(default_factory=list)  # at each position: a pipelined program's step copies

    @property
    def clocked(self) -> bool:
        return bool(self.registers)


def conv_view(node: Node, module: str, inputs: list[Value], timing: KernelTiming | None = None) -> ConvView:
    x, acc = input_buses(inputs)[0], node.output.type
    kernel, groups = node.params["kernel"], node.attrs["groups"]
    window = conv_window(node)
    cin, cout = x.shape[-1], kernel.shape[-1]
    win = windows(x, window, node.output.shape[:-1], 0)
    labels = [f"tap {list(t)} channel {c}" for t, _ in win.taps for c in range(cin)]
    sums, note = node_sums(node, x.type, "win", "yr", labels, timing)

    tap_bits, window_bits = cin * x.width, window.taps * cin * x.width
    gathers = [Assign(Bits("win", k * tap_bits, tap_bits, whole=window.taps == 1).low(tap_bits),
                      win.slice(offset, tap_bits)) for k, (_, offset) in enumerate(win.taps)]
    row_bits = cout * acc.width

    geometry = (f"window {list(window.size)}, strides {list(window.strides)}, dilation {list(window.dilation)}, "
                f"zero padding {[list(p) for p in window.padding]}, {groups} group(s)")
    comment = [f"{node.name}: conv, {x.shape} of {ap_spelling(x.type)} -> {node.output.shape} of {ap_spelling(acc)}",
               geometry,
               f"At each of the {win.positions} output positions p: the window's {window.taps} taps x {cin} channels "
               f"(win), then {cout} sums of constant products (yr).",
               *note]
    return ConvView(module, comment, [x], output_bus(node), win.source if win.pad else None, win.pad,
                    win.positions, window_bits, gathers, row_bits, sums.width, sums.operands, sums.outputs,
                    f"y[p*{row_bits} +: {row_bits}]", sums.registers)

