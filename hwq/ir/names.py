"""Legal, unique identifiers for C++ and Verilog, whatever the Keras layer names were."""

from __future__ import annotations

import re

# C++ and (System)Verilog reserved words (the names each backend's generated code uses itself are its own
# namer's business: hwq.backends.names)
RESERVED = frozenset("""
alignas alignof and and_eq asm auto bitand bitor bool break case catch char char8_t char16_t char32_t class
compl concept const consteval constexpr constinit const_cast continue co_await co_return co_yield decltype
default delete do double dynamic_cast else enum explicit export extern false float for friend goto if inline
int long mutable namespace new noexcept not not_eq nullptr operator or or_eq private protected public
register reinterpret_cast requires return short signed sizeof static static_assert static_cast struct switch
template this thread_local throw true try typedef typeid typename union unsigned using virtual void volatile
wchar_t while xor xor_eq main always always_comb always_ff always_latch assign automatic begin bit buf
bufif0 bufif1 byte casex casez cell cmos config deassign defparam design disable edge end endcase endconfig
endfunction endgenerate endmodule endprimitive endspecify endtable endtask event final force forever fork
function generate genvar highz0 highz1 ifnone incdir include initial inout input instance integer join large
liblist library localparam logic macromodule medium module nand negedge nmos nor noshowcancelled notif0
notif1 or output parameter pmos posedge primitive pull0 pull1 pulldown pullup pulsestyle_ondetect
pulsestyle_onevent rcmos real realtime reg release repeat rnmos rpmos rtran rtranif0 rtranif1 scalared
showcancelled small specify specparam strong0 strong1 supply0 supply1 table task time tran tranif0 tranif1
tri tri0 tri1 triand trior trireg uwire vectored wait wand weak0 weak1 wire wor xnor int shortint longint
string type var import
""".split())

_ILLEGAL = re.compile(r"[^A-Za-z0-9_]")


def legal_identifier(name: str, taken: set[str] | None = None) -> str:
    """A C++/Verilog identifier close to `name`, not reserved and not in `taken` (which it joins)."""
    ident = _ILLEGAL.sub("_", str(name))
    ident = re.sub(r"_+", "_", ident).strip("_") or "n"
    if ident[0].isdigit():
        ident = "n" + ident
    if ident.lower().startswith("hwq"):  # our generated helpers own the hwq prefix
        ident = "l_" + ident
    if ident.lower() in RESERVED:
        ident = ident + "_l"
    if taken is None:
        return ident
    unique, k = ident, 1
    while unique in taken:
        unique, k = f"{ident}_{k}", k + 1
    taken.add(unique)
    return unique
