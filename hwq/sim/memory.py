"""Keep freed memory in the process: simulate() allocates and frees a megabyte-sized array per node and chunk.

glibc returns large freed blocks to the kernel (munmap, or trimming the heap's top), so the next allocation of
the same size faults every page in again. On the jet tagger at 100,000 inputs that doubled simulate's time (and
a 16x4096 @ 16x64 float32 GEMM's: 0.9 ms per call against 0.3 ms with the blocks kept). Raising the mmap and trim
thresholds once makes glibc reuse the blocks instead. It only changes when memory goes back to the kernel, never
what a computation gives; HWQ_KEEP_MEMORY=0 leaves the allocator as it was.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os

M_TRIM_THRESHOLD = -1  # glibc's mallopt parameters (malloc.h)
M_MMAP_THRESHOLD = -3
KEEP_BYTES = 1 << 30  # free memory kept at the heap's top before it is trimmed
MMAP_BYTES = 1 << 28  # blocks this large and above still come from (and go back to) mmap


@functools.cache
def keep_freed_memory() -> bool:
    """Raise glibc's trim and mmap thresholds, once per process; False where that is not glibc or not wanted."""
    if os.environ.get("HWQ_KEEP_MEMORY", "1") == "0":
        return False
    name = ctypes.util.find_library("c")
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError, TypeError):
        return False  # not glibc (musl, macOS): nothing to tune
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_BYTES)) and bool(mallopt(M_TRIM_THRESHOLD, KEEP_BYTES))
