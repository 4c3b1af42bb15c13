"""One namer for every backend: C++ and Verilog identifiers that are legal, unique, and clear of the
names the generated code, the vendor headers and the testbenches use themselves."""

from __future__ import annotations

import re

from hwq.ir import legal_identifier

# Names the generated C++ uses itself (loop counters, typedefs), standard typedefs a `<value>_t` could
# hit, and the lower-case macros of the ap_types / ac_types headers (upper-case names are handled by rule).
CPP_NAMES = frozenset("""
i j k acc input_t output_t std ac sc ap_ulong ap_slong ap_bigint ap_biguint
int8_t int16_t int32_t int64_t uint8_t uint16_t uint32_t uint64_t intptr_t uintptr_t intmax_t uintmax_t
size_t ssize_t ptrdiff_t wchar_t wint_t time_t clock_t div_t ldiv_t lldiv_t fpos_t off_t max_align_t
nullptr_t mbstate_t fenv_t fexcept_t locale_t pid_t float_t double_t
assert errno stdin stdout stderr offsetof va_arg va_start va_end setjmp isdigit isxdigit term
""".split())
# Names the generated Verilog uses itself: the top's ports, node modules' buses and locals, the testbench's.
VERILOG_NAMES = frozenset("""
clk rst in_valid in_ready out_valid in_data out_data x y xi s r c e i tb dut
""".split())
USED_BY_GENERATED_CODE = CPP_NAMES | VERILOG_NAMES

# prefixes of the vendor libraries' own global names (ap_fixed, ac_int, ssdm_int, sc_...)
_VENDOR_PREFIXES = ("ap_", "ac_", "sc_", "ssdm", "af_")
_ALL_CAPS = re.compile(r"^[A-Z][A-Z0-9_]*$")


class Namer:
    """Hands out identifiers of one name space, each legal and distinct from every other one it handed out,
    even ignoring case (Verilog module files stay distinct on case-insensitive file systems)."""

    def __init__(self, reserved: frozenset[str] | set[str] = USED_BY_GENERATED_CODE):
        self.taken: set[str] = {n.lower() for n in reserved}

    def __call__(self, name: str, suffix: str = "") -> str:
        """A fresh identifier close to `name`, ending in `suffix` (e.g. `_t` for a type), even when renamed."""
        ident = legal_identifier(name)
        if _ALL_CAPS.match(ident):
            ident += "_v"  # upper-case names could be macros of the vendor headers
        if ident.lower().startswith(_VENDOR_PREFIXES):
            ident = "v_" + ident
        unique, k = ident + suffix, 1
        while unique.lower() in self.taken:
            unique, k = f"{ident}_{k}{suffix}", k + 1
        self.taken.add(unique.lower())
        return unique

    def reserve(self, *names: str) -> None:
        """Keep fixed names (N_IN, the top function...) from being handed out."""
        self.taken.update(n.lower() for n in names)
