"""The batched Verilator harness: the fast path for co-simulating a parallel top at volume.

`verilator --cc` builds the design as a C++ library; a small generated driver (templates/verilog/harness.cpp.j2)
feeds one vector per clock through in_valid, takes a result at every out_valid (each must come `latency` clocks
after its input), and runs one model instance per thread over chunks of the batch. Python loads it once with
ctypes and hands it whole batches as packed 32-bit words (any port width). cocotb stays the protocol testbench
(reset, input gaps, the streaming tops' backpressure); the tests hold both to simulate and to each other.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hwq.backends.templates import render
from hwq.backends.verilog.verilator import (
    OPT_FLAGS,
    PCH_FLAG,
    SPLIT_FUNCTIONS,
    SimulationError,
    design_opt_flags,
    tail,
    verilator_env,
)
from hwq.toolchain import cache_dir, verilator_root


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
        self._check(done, len(rows))
        return out

    def run_traced(self, rows: np.ndarray, path: Path) -> np.ndarray:
        """run() on one model instance that writes its waveform (VCD) to `path`: a traced build only."""
        rows = np.ascontiguousarray(rows, dtype=np.uint32)
        out = np.zeros((len(rows), self.out_words), dtype=np.uint32)
        traced = self._lib.hwq_run_traced
        traced.restype = ctypes.c_long
        traced.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_long, ctypes.c_char_p]
        self._check(traced(rows.ctypes.data, out.ctypes.data, len(rows), str(path).encode()), len(rows))
        return out

    @staticmethod
    def _check(done: int, n: int) -> None:
        if done != n:
            k = -1 - done
            raise SimulationError(f"result {k} of {n} did not come at the design's latency (or never came)"
                                  if k < n else f"{n - k} results never came")


def harness_library(sources: list[Path], top: str, build_dir: Path, driver_source: str, trace: bool = False) -> Path:
    """The library of `driver_source` linked with `top`'s model: the one in build_dir when the RTL, the driver and
    the flags are unchanged (its name carries their digest), else built anew there."""
    digest = sources_digest(sources, driver_source + ("\n// traced" if trace else ""))
    library = build_dir / library_name(digest)
    return library if library.is_file() else build_harness(sources, top, build_dir, library.name, driver_source,
                                                           trace)


def build_harness(sources: list[Path], top: str, build_dir: Path, library: str, driver_source: str,
                  trace: bool = False) -> Path:
    """Verilate `top` into build_dir, compile its model, and link `driver_source` (the generated driver) with it and
    Verilator's runtime (built once per machine, kept in hwq's cache) into build_dir/`library`; return its path.
    `trace`: the model with VCD tracing, the driver's hwq_run_traced compiled in."""
    env = {**os.environ, **verilator_env()}
    root = verilator_root()
    if build_dir.exists():
        shutil.rmtree(build_dir)
    build_dir.mkdir(parents=True)
    log = build_dir / "build.log"
    model = build_dir / "model"
    _run([str(root / "bin" / "verilator"), "--cc", "-Mdir", str(model), "--top-module", top, "-CFLAGS", "-fPIC",
          *SPLIT_FUNCTIONS, *(["--trace"] if trace else []), *map(str, sources)], env, log, top)
    make = ["make", "-C", str(model), "-f", f"V{top}.mk", "-j", str(os.cpu_count() or 1), PCH_FLAG]
    _run([*make, *design_opt_flags(sources), f"libV{top}.a"], env, log, top)
    runtime = _runtime(make, env, log, top, trace)
    driver = build_dir / "harness.cpp"
    driver.write_text(driver_source)
    out = build_dir / library
    _run(["c++", "-O2", "-std=c++17", "-shared", "-fPIC", *(["-DHWQ_TRACE"] if trace else []), f"-I{model}",
          f"-I{root / 'include'}", f"-I{root / 'include' / 'vltstd'}", str(driver), str(model / f"libV{top}.a"),
          str(runtime), "-pthread", "-o", str(out)], env, log, top)
    return out


def _runtime(make: list[str], env: dict[str, str], log: Path, top: str, trace: bool) -> Path:
    """Verilator's runtime library (verilated.cpp and friends, position-independent): the cached one, or built
    in this model's folder and kept in the cache for the next build (about 5 s of the compiler saved each)."""
    root = verilator_root()
    config = root / "include" / "verilated_config.h"
    key = hashlib.sha256("\n".join([str(root.resolve()), config.read_text(errors="replace") if config.is_file() else "",
                                    _compiler(), PCH_FLAG, *OPT_FLAGS, "-fPIC", f"trace={trace}"]).encode()
                         ).hexdigest()[:16]
    cached = cache_dir() / "verilator-harness" / key / "libverilated.a"
    if cached.is_file():
        return cached
    _run([*make, *OPT_FLAGS, "libverilated.a"], env, log, top)
    built = Path(make[2]) / "libverilated.a"
    with contextlib.suppress(OSError):
        cached.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cached.parent, suffix=".a")
        os.close(fd)
        shutil.copyfile(built, tmp)
        os.replace(tmp, cached)  # atomic: a concurrent build sees no file or the whole one
    return built


def _compiler() -> str:
    try:
        return subprocess.run(["c++", "--version"], capture_output=True, text=True, check=False).stdout
    except OSError:
        return ""


def parallel_driver(top: str, inputs: list[PortWords], outputs: list[PortWords], latency: int) -> str:
    """The driver of a parallel top (templates/verilog/harness.cpp.j2)."""
    return render("verilog/harness.cpp.j2", top=top, inputs=inputs, outputs=outputs, latency=latency,
                  in_words=sum(p.words for p in inputs), out_words=sum(p.words for p in outputs))


def sources_digest(sources: list[Path], driver_source: str) -> str:
    """What a harness build depends on: the RTL, the driver and the build flags."""
    h = hashlib.sha256(driver_source.encode())
    h.update(repr((OPT_FLAGS, SPLIT_FUNCTIONS, PCH_FLAG)).encode())
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


@dataclass(frozen=True)
class AxisWords:
    """An AXI4-Stream port as the streaming harness passes it: `transfers` per image, each `words` 32-bit words."""

    prefix: str
    transfers: int
    words: int


def stream_driver(top: str, inputs: list[AxisWords], outputs: list[AxisWords]) -> str:
    """The driver of a streaming top (templates/verilog/harness_axis.cpp.j2)."""
    return render("verilog/harness_axis.cpp.j2", top=top, inputs=inputs, outputs=outputs)


class StreamHarness:
    """A built streaming harness, loaded: run() takes each input port's transfers and returns each output's."""

    def __init__(self, library: Path, inputs: list[AxisWords], outputs: list[AxisWords]):
        self.library, self.inputs, self.outputs = library, inputs, outputs
        self._lib = ctypes.CDLL(str(library))
        self._lib.hwq_run.restype = ctypes.c_long
        self._lib.hwq_run.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_long, ctypes.c_long, ctypes.c_int]
        if (self._lib.hwq_n_inputs(), self._lib.hwq_n_outputs()) != (len(inputs), len(outputs)):
            raise SimulationError(f"{library} has other ports than the design: rebuild it")

    def run(self, transfers: list[np.ndarray], images: int, max_clocks: int, threads: int = 0) -> list[np.ndarray]:
        """Per input port, (images * transfers, words) uint32 -> per output port the same, at the full rate."""
        ins = [np.ascontiguousarray(t, dtype=np.uint32) for t in transfers]
        outs = [np.zeros((images * p.transfers, p.words), dtype=np.uint32) for p in self.outputs]
        if not images:
            return outs
        in_ptrs = (ctypes.c_void_p * len(ins))(*[a.ctypes.data for a in ins])
        out_ptrs = (ctypes.c_void_p * len(outs))(*[a.ctypes.data for a in outs])
        threads = max(1, min(threads or os.cpu_count() or 1, images))
        done = self._lib.hwq_run(ctypes.addressof(in_ptrs), ctypes.addressof(out_ptrs), images, max_clocks, threads)
        self._check(done, images, max_clocks)
        return outs

    def run_traced(self, transfers: list[np.ndarray], images: int, max_clocks: int, path: Path) -> list[np.ndarray]:
        """run() on one model instance that writes its waveform (VCD) to `path`: a traced build only."""
        ins = [np.ascontiguousarray(t, dtype=np.uint32) for t in transfers]
        outs = [np.zeros((images * p.transfers, p.words), dtype=np.uint32) for p in self.outputs]
        in_ptrs = (ctypes.c_void_p * len(ins))(*[a.ctypes.data for a in ins])
        out_ptrs = (ctypes.c_void_p * len(outs))(*[a.ctypes.data for a in outs])
        traced = self._lib.hwq_run_traced
        traced.restype = ctypes.c_long
        traced.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_long, ctypes.c_long, ctypes.c_char_p]
        done = traced(ctypes.addressof(in_ptrs), ctypes.addressof(out_ptrs), images, max_clocks, str(path).encode())
        self._check(done, images, max_clocks)
        return outs

    @staticmethod
    def _check(done: int, images: int, max_clocks: int) -> None:
        if done == -2 - images:
            raise SimulationError(f"the outputs stopped before all {images} images came out ({max_clocks} clocks)")
        if done != images:
            raise SimulationError(f"image {-1 - done}: an output's tlast did not mark its last transfer")
