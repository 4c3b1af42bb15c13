"""The Verilog backend: a fully parallel datapath (io="parallel"), or stages over pixel streams with AXI4-Stream
ports (io="stream", hwq.backends.verilog.stream); one module per node's arithmetic either way, checked with
Verilator via cocotb."""

from hwq.backends.verilog.emit import emit_verilog
from hwq.backends.verilog.project import VerilogProject

__all__ = ["emit_verilog", "VerilogProject"]
