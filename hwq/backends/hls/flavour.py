"""What differs between Vitis HLS (ap_fixed) and Catapult (ac_fixed): spelling, headers, pragmas, raw bits.

One C++ renderer serves both; a flavour answers the handful of vendor questions. Everything
else in the generated code is shared. A flavour may also print single ops its own way: its
`printers` ({op name: printer}, see hwq.backends.hls.ops) are consulted before the default table.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, ClassVar

from hwq.fixed import FixedType, ac_spelling, ap_spelling
from hwq.toolchain import include_dir

if TYPE_CHECKING:
    from hwq.backends.hls.ops.context import Printer

# ap_fixed's C simulation model holds at most AP_INT_MAX_W bits (1024 unless redefined)
AP_MAX_WIDTH = 1024


class UnsupportedError(ValueError):
    """Something the chosen flavour cannot compute bit-exactly (a type, a cast, an op)."""


class Flavour:
    """The vendor-specific answers; subclasses override what differs from these defaults."""

    name = "?"  # "vitis" or "catapult"
    header_kind = "?"  # toolchain.include_dir kind: "ap_types" or "ac_types"
    include_env = "?"  # environment variable that overrides the include folder
    includes: tuple[str, ...] = ()  # headers the types header pulls in
    # ops this flavour prints its own way, consulted before hwq.backends.hls.ops.PRINTERS
    printers: ClassVar[Mapping[str, Printer]] = MappingProxyType({})

    # -- types -----------------------------------------------------------------------------------
    def spell(self, t: FixedType) -> str:
        """The C++ spelling of t, after checking the flavour computes it exactly."""
        self.check_type(t)
        return self._spell(t)

    def _spell(self, t: FixedType) -> str:
        raise NotImplementedError

    def spell_int(self, bits: int, signed: bool) -> str:
        """An integer type of `bits` bits (shift amounts and signs)."""
        raise NotImplementedError

    def check_type(self, t: FixedType) -> None:
        """Raise UnsupportedError when this flavour would not follow hwq.fixed exactly for t."""

    # -- casts (quantize nodes) -------------------------------------------------------------------
    def check_cast(self, src: FixedType, dst: FixedType) -> None:
        """Raise UnsupportedError when assigning a src value to dst would not follow hwq.fixed.cast."""
        if dst.overflow_bounds == (0, 0):
            # hwq.fixed: the symmetric range of a 1-bit signed type is {0}; ap_fixed and ac_fixed keep -1
            raise UnsupportedError(f"{self._spell(dst)}: a 1-bit signed type with SAT_SYM is not bit-exact in "
                                   f"{self.header_kind} (the headers keep -1, hwq.fixed clamps to 0); "
                                   "use SAT or a wider type")

    def cast_via(self, src: FixedType, dst: FixedType) -> FixedType | None:
        """An exact, wider copy of src to assign through before the cast into dst, when the headers need one."""
        return None

    # -- raw mantissa bits (ports: at most 64 bits) ----------------------------------------------
    def set_bits(self, var: str, width: int | str, bits: str) -> str:
        """A statement storing the low `width` bits of uint64 expression `bits` into `var`.

        `width` is a number or a C++ constant expression (e.g. `T::width`).
        """
        raise NotImplementedError

    def get_mantissa(self, var: str, width: int | str, signed: bool, low: int = 0) -> str:
        """An int64_t expression: the mantissa of `var` (its `width` raw bits, sign-extended when signed).

        With `low`, the `width` bits from bit `low` up: the top bits of a signed value so read are its
        mantissa floor-shifted right by `low`.
        """
        raise NotImplementedError

    def copy_bits(self, dst: str, src: str, width: int) -> str:
        """A statement copying the `width` raw bits of `src` into `dst` (any width: no int64 on the way)."""
        raise NotImplementedError

    # -- integers in place of fixed-point values (a kernel's shift-add program, ops/shift_add.py) ----------
    def read_mantissa(self, var: str, width: int) -> str:
        """An expression that initialises `spell_int(width, s)` (s: var's signedness) with var's `width` raw bits,
        at any width."""
        raise NotImplementedError

    def write_mantissa(self, var: str, width: int, value: str) -> str:
        """A statement storing the `width`-bit integer expression `value` as var's raw bits, at any width."""
        raise NotImplementedError

    def in_function(self) -> list[str]:
        """Lines first in a helper function the top (or a stage) calls."""
        return []

    # -- pragmas: lines before the top function, first in its body, before a loop, first in a loop --
    def before_top(self, pipelined: bool = True) -> list[str]:
        """`pipelined`: False where the top keeps a loop of its own (a recurrence's, pipelined in itself)."""
        return []

    def in_top(self, arrays: list[str], pipelined: bool = True) -> list[str]:
        return []

    def before_loop(self) -> list[str]:
        return []

    def in_loop(self) -> list[str]:
        return []

    # -- streams (io="stream", hwq.backends.hls.stream) ------------------------------------------
    # the template that lays out the stages and the top around the shared stage bodies: free functions in a
    # dataflow region (Vitis) or classes of a hierarchical design (Catapult); the bodies' indentation in it
    stream_shell = "?"
    stream_classes = False  # the design a class (its run() the interface), not a function
    stage_depth = 1
    stream_headers: tuple[str, ...] = ()  # what the types header includes for the stream class
    stream_prelude: tuple[str, ...] = ()  # lines after those includes
    stream_directives: tuple[str, str] | None = None  # (file, template): the tool's directives a project carries

    def stream_type(self, element: str) -> str:
        """The stream (FIFO) class carrying `element`s."""
        raise NotImplementedError

    def before_pipeline(self, ii: int = 1) -> list[str]:
        """Lines before a stage's position loop, pipelined at initiation interval ii."""
        return []

    def in_pipeline(self, ii: int = 1) -> list[str]:
        """Lines first in a stage's position loop, pipelined at initiation interval ii."""
        return []

    def partition(self, array: str, dims: tuple[int, ...]) -> list[str]:
        """Lines splitting dimensions `dims` (1-based; 0: all) of a stage's local array into registers."""
        return []

    def dependence(self, array: str, distance: int) -> list[str]:
        """Lines telling the tool a stage reads back what it wrote to `array` no sooner than `distance` positions
        later (a line buffer's column comes round once per row)."""
        return []

    def design_call(self, top: str, args: list[str]) -> str:
        """How the bridge and testbench run the stream design on their streams (one image)."""
        return f"{top}({', '.join(args)})"

    def design_locals(self, top: str) -> list[str]:
        """Declarations the bridge and testbench need besides their streams (a design instance)."""
        return []

    # -- toolchain -------------------------------------------------------------------------------
    def include_dir(self) -> Path:
        return include_dir(self.header_kind)


class Vitis(Flavour):
    name, header_kind, include_env = "vitis", "ap_types", "HWQ_AP_INCLUDE"
    includes = ("ap_fixed.h", "ap_int.h")

    def _spell(self, t: FixedType) -> str:
        return ap_spelling(t)

    def check_type(self, t: FixedType) -> None:
        if t.width > AP_MAX_WIDTH:
            raise UnsupportedError(f"{ap_spelling(t)} is wider than ap_fixed's {AP_MAX_WIDTH}-bit limit "
                                   "(AP_INT_MAX_W)")

    def cast_via(self, src: FixedType, dst: FixedType) -> FixedType | None:
        # ap_fixed's conversion reads bits up to the dropped part's top: when it drops more bits than the
        # source holds, it asserts ("Attempting to read bit beyond MSB"). Sign-extend the source first.
        dropped = src.frac - dst.frac
        if dropped < src.width:
            return None
        extra = dropped + 1 - src.width
        return FixedType(src.width + extra, src.integer + extra, src.signed)

    def spell_int(self, bits: int, signed: bool) -> str:
        return f"ap_{'' if signed else 'u'}int<{bits}>"

    def set_bits(self, var: str, width: int | str, bits: str) -> str:
        return f"{var}.range({_msb(width)}, 0) = (ap_ulong)({bits});"

    def get_mantissa(self, var: str, width: int | str, signed: bool, low: int = 0) -> str:
        msb = _msb(width) if not low else int(width) + low - 1  # a shifted read has a numeric width
        bits = f"{var}.range({msb}, {low}).to_uint64()"
        if not signed:
            return f"(int64_t){bits}"
        pad = str(64 - width) if isinstance(width, int) else f"(64 - {width})"
        return f"((int64_t)({bits} << {pad}) >> {pad})"

    def copy_bits(self, dst: str, src: str, width: int) -> str:
        return f"{dst}.range({width - 1}, 0) = {src}.range({width - 1}, 0);"

    def read_mantissa(self, var: str, width: int) -> str:
        return f"{var}.range({width - 1}, 0)"

    def write_mantissa(self, var: str, width: int, value: str) -> str:
        return f"{var}.range({width - 1}, 0) = {value};"

    def in_function(self) -> list[str]:
        # the caller's arrays are partitioned and its loops unrolled: the helper's adders join its pipeline
        return ["#pragma HLS INLINE"]

    def in_top(self, arrays: list[str], pipelined: bool = True) -> list[str]:
        # dim=0: every dimension of a shaped array becomes registers, as the fully unrolled loops need
        return ["#pragma HLS PIPELINE II=1"] * pipelined + [f"#pragma HLS ARRAY_PARTITION variable={a} complete dim=0"
                                                for a in arrays]

    def in_loop(self) -> list[str]:
        return ["#pragma HLS UNROLL"]

    # streams: stages are functions in the top's DATAFLOW region; hls::stream from the project's hwq_stream.h
    # (the real hls_stream.h where Vitis is installed, else a minimal model for C simulation)
    stream_shell = "hls/stream/functions.cpp.j2"
    stream_headers = ("hwq_stream.h",)

    def stream_type(self, element: str) -> str:
        return f"hls::stream<{element}>"

    def in_pipeline(self, ii: int = 1) -> list[str]:
        return [f"#pragma HLS PIPELINE II={ii}"]

    def partition(self, array: str, dims: tuple[int, ...]) -> list[str]:
        return [f"#pragma HLS ARRAY_PARTITION variable={array} complete dim={d}" for d in dims]

    def dependence(self, array: str, distance: int) -> list[str]:
        return [f"#pragma HLS DEPENDENCE variable={array} type=inter direction=RAW distance={distance} true"]


class Catapult(Flavour):
    name, header_kind, include_env = "catapult", "ac_types", "HWQ_AC_INCLUDE"
    includes = ("ac_fixed.h", "ac_int.h")

    def _spell(self, t: FixedType) -> str:
        return ac_spelling(t)

    def spell_int(self, bits: int, signed: bool) -> str:
        return f"ac_int<{bits}, {'true' if signed else 'false'}>"

    def set_bits(self, var: str, width: int | str, bits: str) -> str:
        return f"{var}.set_slc(0, ac_int<{width}, false>((unsigned long long)({bits})));"

    def get_mantissa(self, var: str, width: int | str, signed: bool, low: int = 0) -> str:
        # slc<W> returns ac_int<W, S> with the signedness of the fixed-point type: it sign-extends itself
        return f"(int64_t){var}.template slc<{width}>({low}).{'to_int64' if signed else 'to_uint64'}()"

    def copy_bits(self, dst: str, src: str, width: int) -> str:
        return f"{dst}.set_slc(0, {src}.template slc<{width}>(0));"

    def read_mantissa(self, var: str, width: int) -> str:
        # slc<W> is ac_int<W, S> with the fixed-point type's signedness, as spell_int(W, S) is
        return f"{var}.slc<{width}>(0)"

    def write_mantissa(self, var: str, width: int, value: str) -> str:
        return f"{var}.set_slc(0, {value});"

    def before_top(self, pipelined: bool = True) -> list[str]:
        return ["#pragma hls_design top"] + ["#pragma hls_pipeline_init_interval 1"] * pipelined

    def before_loop(self) -> list[str]:
        return ["#pragma hls_unroll yes"]

    # streams: stages are classes (class-based hierarchy: an interface function `run` each), the top a class
    # holding the stage instances and the ac_channel FIFOs between them; one design instance per C-sim thread
    stream_shell = "hls/stream/classes.cpp.j2"
    stream_classes = True
    stage_depth = 2
    stream_headers = ("ac_channel.h",)
    stream_directives = ("catapult_directives.tcl", "hls/stream/catapult_directives.tcl.j2")  # the FIFO depths
    # run() is written CCS_BLOCK(run), as SCVerify wants it; without Catapult's header, plain run
    stream_prelude = ("#if __has_include(<mc_scverify.h>)", "#include <mc_scverify.h>", "#endif", "#ifndef CCS_BLOCK",
                      "#define CCS_BLOCK(name) name", "#endif")

    def stream_type(self, element: str) -> str:
        return f"ac_channel<{element}>"

    def before_pipeline(self, ii: int = 1) -> list[str]:
        return [f"#pragma hls_pipeline_init_interval {ii}"]

    def design_call(self, top: str, args: list[str]) -> str:
        return f"hwq_dut.run({', '.join(args)})"

    def design_locals(self, top: str) -> list[str]:
        return [f"{top} hwq_dut"]


def _msb(width: int | str) -> str:
    return str(width - 1) if isinstance(width, int) else f"{width} - 1"


FLAVOURS: dict[str, Flavour] = {"vitis": Vitis(), "catapult": Catapult()}


def get_flavour(name: str | Flavour) -> Flavour:
    if isinstance(name, Flavour):
        return name
    try:
        return FLAVOURS[name]
    except KeyError:
        raise ValueError(f"unknown HLS flavour {name!r}; choose one of {', '.join(FLAVOURS)}") from None
