"""Building the C simulation library with g++ (or $CXX)."""

from __future__ import annotations

import hashlib
import os
import shlex
import shutil
import subprocess
from pathlib import Path

CXXFLAGS = ("-O2", "-std=c++17")
LIBFLAGS = ("-fPIC", "-shared", "-fvisibility=hidden", "-pthread")


class HLSCompileError(RuntimeError):
    """g++ rejected the generated code; the message carries the command and the compiler's output."""


def compiler() -> str:
    cxx = os.environ.get("CXX") or "g++"
    if shutil.which(cxx) is None:
        raise HLSCompileError(f"C++ compiler {cxx!r} not found: install g++ or point $CXX at one")
    return cxx


def build_library(source: Path, include_dir: Path, out_dir: Path, stem: str,
                  extra_flags: tuple[str, ...] = ()) -> Path:
    """Compile `source` into a shared library under out_dir and return its path.

    The file name carries a hash of the source tree, flags and headers, so an unchanged project
    is not rebuilt and a changed one never reuses a library the process already loaded.
    """
    cxx = compiler()
    flags = [*CXXFLAGS, *LIBFLAGS, *extra_flags, "-isystem", str(include_dir)]
    digest = _digest(source.parent.parent, [cxx, *flags])
    target = out_dir / f"lib{stem}-{digest}.so"
    if target.is_file():
        return target
    out_dir.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{os.getpid()}.tmp")
    cmd = [cxx, *flags, str(source), "-o", str(partial)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        partial.unlink(missing_ok=True)
        raise HLSCompileError(f"C++ compilation failed ({proc.returncode}):\n  {shlex.join(cmd)}\n"
                              f"{proc.stderr.strip() or proc.stdout.strip()}")
    partial.replace(target)
    return target


def _digest(root: Path, command: list[str]) -> str:
    h = hashlib.sha256("\0".join(command).encode())
    for path in sorted(p for sub in ("firmware", "csim") for p in (root / sub).glob("*") if p.is_file()):
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:12]
