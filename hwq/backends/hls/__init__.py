"""HLS C++ backend: one renderer, a flavour per vendor (Vitis ap_fixed, Catapult ac_fixed), an {op: printer} table.

io="parallel" prints one function computing every value at once (program.py); io="stream" a dataflow design of
one stage per node over pixel streams (stream/), its stages printing their arithmetic with the same op printers.
"""

from hwq.backends.hls.compiler import HLSCompileError
from hwq.backends.hls.emit import emit_hls
from hwq.backends.hls.flavour import FLAVOURS, Flavour, UnsupportedError, get_flavour
from hwq.backends.hls.ops import PRINTERS, PrintContext, Printed, printer_for
from hwq.backends.hls.project import HLSProject

__all__ = ["emit_hls", "HLSProject", "HLSCompileError", "Flavour", "FLAVOURS", "get_flavour", "UnsupportedError",
           "PRINTERS", "PrintContext", "Printed", "printer_for"]
