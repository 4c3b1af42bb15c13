"""QKeras' sigmoid and tanh approximations, and the internal sigmoid that quantizers share.

hard_sigmoid(x) = clip(x/2 + 1/2, 0, 1) — QKeras' own, not Keras' relu6(x + 3)/6.
smooth_sigmoid(x) = clip(0.1875·x + 1/2, 0, 1) — (x >> 3) + (x >> 4) + 1/2 in hardware.
binary_sigmoid rounds hard_sigmoid (half to even, so x = 0 gives 0); the tanh forms are 2·σ − 1.
The internal sigmoid (quantized_relu(use_sigmoid), quantized_tanh, quantized_sigmoid, quantized_ulaw,
and the stochastic quantizers with use_real_sigmoid=False) is chosen process-wide by set_internal_sigmoid.
"""

from __future__ import annotations

from collections.abc import Callable

import keras
from keras import ops

from hwq.fixed import FixedType, LookupTable

SIGMOID_MODES = ("hard", "smooth", "real")
_FUNCTIONS: dict[str, Callable] = {}


def _activation(kind: LookupTable):
    """Register an activation function with Keras ("hwq>NAME") and by name for get_quantizer, and give
    it the hw_kind() quantizers have: these curves become lookup tables over the input type."""
    def register(fn: Callable) -> Callable:
        fn = keras.saving.register_keras_serializable(package="hwq")(fn)
        fn.hw_kind = lambda: kind
        _FUNCTIONS[fn.__name__] = fn
        return fn
    return register


def activation_function(name: str) -> Callable | None:
    """The hwq activation function called `name` (hard_sigmoid, binary_tanh, ...), or None."""
    return _FUNCTIONS.get(name)


def known_functions() -> list[str]:
    return sorted(_FUNCTIONS)


def _round_through(x):
    # keras round is half to even; the gradient passes straight through
    return x + ops.stop_gradient(ops.round(x) - x)


# outputs ±1 need two signed integer bits; 0/1 one unsigned bit
_PM1 = FixedType(2, 2, True)
_ZERO_ONE = FixedType(1, 1, False)


@_activation(LookupTable(None, "hard_sigmoid"))
def hard_sigmoid(x):
    """clip(x/2 + 1/2, 0, 1)."""
    return ops.clip(0.5 * ops.cast(x, "float32") + 0.5, 0.0, 1.0)


@_activation(LookupTable(None, "smooth_sigmoid"))
def smooth_sigmoid(x):
    """clip(0.1875·x + 1/2, 0, 1): closer to the sigmoid than hard_sigmoid, still shifts and adds."""
    return ops.clip(0.1875 * ops.cast(x, "float32") + 0.5, 0.0, 1.0)


@_activation(LookupTable(_ZERO_ONE, "binary_sigmoid"))
def binary_sigmoid(x):
    """round(hard_sigmoid(x)): 1 for x > 0, 0 for x <= 0 (the tie at 0 rounds to even)."""
    return _round_through(hard_sigmoid(x))


@_activation(LookupTable(_PM1, "binary_tanh"))
def binary_tanh(x):
    """2·binary_sigmoid(x) − 1: +1 for x > 0, −1 for x <= 0."""
    return 2.0 * binary_sigmoid(x) - 1.0


@_activation(LookupTable(None, "hard_tanh"))
def hard_tanh(x):
    """2·hard_sigmoid(x) − 1, saturating at ±1."""
    return 2.0 * hard_sigmoid(x) - 1.0


@_activation(LookupTable(None, "smooth_tanh"))
def smooth_tanh(x):
    """2·smooth_sigmoid(x) − 1, saturating at ±1."""
    return 2.0 * smooth_sigmoid(x) - 1.0


_mode = "hard"


def set_internal_sigmoid(mode: str) -> None:
    """Choose the sigmoid quantizers use inside: 'hard' (default, as QKeras), 'smooth' or 'real'."""
    global _mode
    if mode not in SIGMOID_MODES:
        raise ValueError(f"set_internal_sigmoid: mode must be one of {', '.join(map(repr, SIGMOID_MODES))}, "
                         f"got {mode!r}")
    _mode = mode


def internal_sigmoid_mode() -> str:
    return _mode


def internal_sigmoid(x):
    """The sigmoid chosen by set_internal_sigmoid (read at call time, as QKeras' module global is)."""
    if _mode == "hard":
        return hard_sigmoid(x)
    if _mode == "smooth":
        return smooth_sigmoid(x)
    return ops.sigmoid(x)
