"""Fill hwq's cache of the compiled Verilator runtime, so no design build pays for it.

`make setup` runs `python -m hwq.backends.verilog.warm`: it builds a one-element design once,
which compiles Verilator's runtime (about 15 s on two cores) and keeps it; later builds link it.
Nothing happens when the cache is already filled, caching is off, or Verilator is missing.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from hwq.backends.verilog import verilator
from hwq.fixed import FixedType
from hwq.ir import Graph, Value
from hwq.ir.build import quantize_node
from hwq.toolchain import ToolchainError


def warm_runtime() -> Path | None:
    """The cached runtime object, built now if missing; None when there is nothing to cache."""
    path = verilator._runtime_path()
    if path is None or path.is_file():
        return path
    from hwq.backends.verilog.emit import emit_verilog

    x = Value("x", (1,), FixedType(4, 2, True))
    graph = Graph("hwq_warm", [x], [quantize_node("q", x, FixedType(3, 1, True, "RND", "SAT"), "y")], ["y"])
    with tempfile.TemporaryDirectory() as tmp:
        emit_verilog(graph, Path(tmp) / "warm").compile()
    return path if path.is_file() else None


def main() -> int:
    try:
        path = warm_runtime()
    except ToolchainError as e:
        print(f"Verilator runtime not cached: {e}", file=sys.stderr)
        return 0
    print(path or "Verilator runtime caching is off")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
