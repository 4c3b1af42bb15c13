"""The Verilog backend: a fully parallel datapath, one module per node, checked with Verilator via cocotb."""

from hwq.backends.verilog.emit import emit_verilog
from hwq.backends.verilog.project import VerilogProject

__all__ = ["emit_verilog", "VerilogProject"]
