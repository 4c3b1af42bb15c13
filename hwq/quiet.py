"""TensorFlow without its start-up chatter: the C++ lines (absl, oneDNN, CPU features) it writes to file
descriptor 2 when it loads, whatever TF_CPP_MIN_LOG_LEVEL says. The CLI and the sweep's worker processes load it
through quiet_tensorflow()."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator


@contextlib.contextmanager
def quiet_native_stderr() -> Iterator[None]:
    """File descriptor 2 pointed at /dev/null inside the block; Python's own errors reach sys.stderr after it."""
    sys.stderr.flush()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def quiet_tensorflow() -> None:
    """Import TensorFlow (and Keras on it) with its start-up lines silenced; later log lines at level 3 only."""
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    with quiet_native_stderr():
        import keras  # noqa: F401
        import tensorflow  # noqa: F401
