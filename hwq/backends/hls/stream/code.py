"""The stream design as the templates see it: transfer structs, channels, ports and stages, every name decided."""

from __future__ import annotations

from dataclasses import dataclass, field

from hwq.backends.hls.code import CArray, CFunction, CType
from hwq.backends.hls.flavour import Flavour
from hwq.backends.hls.loops import subscript


@dataclass
class CStruct:
    """What one transfer of a value carries: a pixel (all channels of one position) or the whole vector."""

    name: str
    element: str  # the value's typedef
    dims: tuple[int, ...]  # (channels,) for a pixel, the value's shape for a vector
    note: str

    @property
    def member(self) -> str:
        return f"{self.element} data{subscript(str(d) for d in self.dims)}"


@dataclass
class CChannel:
    """A FIFO between two stages (one reader each)."""

    name: str
    type: str  # the stream class, spelled: hls::stream<...> or ac_channel<...>
    depth: int
    reader: str  # the IR node reading it
    note: str  # what it carries, and where its depth comes from


@dataclass
class CStreamPort:
    """One stream argument of the top, and how the bridge moves its raw mantissa bits (see code.CPort: the same
    int64 rows, row-major per port; here element i of a port is channel i % elements of transfer i / elements)."""

    value: str
    name: str  # the top's argument
    type: str  # the stream class
    struct: str
    form: str  # "stream" (pixels) or "vector" (one transfer per image)
    transfers: int  # per image
    elements: int  # per transfer
    shape_text: str
    spelling: str
    width: int
    signed: bool
    offset: int
    local: str  # the bridge's and testbench's stream for this port
    row: str  # `hwq_m[offset + hwq_p * elements + hwq_c]`: where element hwq_c of transfer hwq_p sits in the row
    set_bits: str  # statement: element hwq_c of hwq_px from the int64 at `row`
    get_mantissa: str  # int64 expression of element hwq_c of hwq_px

    @property
    def size(self) -> int:
        return self.transfers * self.elements

    @property
    def columns(self) -> str:
        last = self.offset + self.size - 1
        return str(last) if last == self.offset else f"{self.offset}-{last}"

    @property
    def local_decl(self) -> str:
        return f"{self.type} {self.local}"

    @property
    def what(self) -> str:
        if self.form == "vector":
            return f"one `{self.struct}` per image ({self.shape_text})"
        return f"{self.transfers} `{self.struct}` pixels per image, row-major, {self.elements} channel(s) each"


@dataclass
class CStage:
    """One stage of the dataflow region: a function (Vitis) or a class with `run` (Catapult)."""

    name: str
    instance: str  # the top's member holding it (Catapult)
    label: str
    comment: str
    params: list[str]  # `hls::stream<x_pixel>& x`, in order
    args: list[str]  # the channels or ports the top passes, in the same order
    body: str  # the function body, indented for the flavour's shell
    head: list[str] = field(default_factory=list)  # pragmas before the interface function (Catapult)


@dataclass
class StreamProgram:
    top: str
    guard: str
    flavour: Flavour
    types: list[CType]
    structs: list[CStruct]
    params: list[CArray]
    channels: list[CChannel]
    stages: list[CStage]
    inputs: list[CStreamPort]
    outputs: list[CStreamPort]
    plan: list[str] = field(default_factory=list)  # the schedule, one comment line each, for the top's comment
    functions: list[CFunction] = field(default_factory=list)  # helpers the stages call, printed before them

    io = "stream"

    @property
    def n_in(self) -> int:
        return sum(p.size for p in self.inputs)

    @property
    def n_out(self) -> int:
        return sum(p.size for p in self.outputs)

    @property
    def ports(self) -> list[CStreamPort]:
        return self.inputs + self.outputs

    @property
    def arguments(self) -> str:
        """The top's (or its run's) parameters: every port stream by reference, inputs first."""
        return ", ".join(f"{p.type}& {p.name}" for p in self.ports)

    @property
    def signature(self) -> str:
        return f"{self.top}({self.arguments})"

    @property
    def harness_decls(self) -> list[str]:
        """What the bridge and testbench declare: the design instance (Catapult), then one stream per port."""
        return self.flavour.design_locals(self.top) + [p.local_decl for p in self.ports]

    @property
    def call(self) -> str:
        return self.flavour.design_call(self.top, [p.local for p in self.ports])
