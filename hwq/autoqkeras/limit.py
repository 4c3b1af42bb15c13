"""The search space of each layer: which quantizers of the menus a layer may take (QKeras' `limit`).

A limit maps a layer class name or a regular expression over layer names to bit ceilings or explicit lists,
one entry per quantized tensor:

    {"Dense": [8, 8, 4],                    # kernel <= 8 bits, bias <= 8 bits, activation <= 4 bits
     "Activation": [4],                     # an Activation layer's quantizer <= 4 bits
     "^conv2d_0$": [["binary", "ternary"], 8, 4],   # a list picks menu entries by name
     "BatchNormalization": []}              # quantize these too (no choices to make)

A layer whose class and name match nothing stays float. A layer matched by a name pattern shares its choices
with every other layer the same pattern matches (one hyperparameter per pattern and tensor); layers matched
only by class choose each for themselves. Entries shorter than three get the "default" ceiling (8 bits, or
limit["default"]) for the missing tensors.
"""

from __future__ import annotations

import copy
import re
from typing import Any

# the float layer classes AutoQKeras quantizes (the ones hwq.utils.model_quantize turns into Q layers)
REGISTERED_LAYERS = ["Dense", "Conv1D", "Conv2D", "DepthwiseConv2D", "Conv2DTranspose", "SeparableConv1D",
                     "SeparableConv2D"]
Q_LAYERS = ["Q" + name for name in REGISTERED_LAYERS]
SEQUENCE_LAYERS = ["SimpleRNN", "LSTM", "GRU", "Bidirectional"]

# which entry of a limit list each kind of tensor reads (activation is the last, so ["Activation": [4]] works)
LIMIT_INDEX = {"kernel": 0, "linear": 0, "bias": 1, "activation": -1}
DEFAULT_CEILING = 8


def normalized_limit(limit: dict[str, Any] | None) -> dict[str, Any]:
    """A copy of `limit` whose weight-layer entries have a kernel, bias and activation entry each."""
    limit = copy.deepcopy(limit) if limit else {}
    default = limit.get("default")
    default = [DEFAULT_CEILING] * 3 if default is None else default
    if not isinstance(default, list):
        default = [default] * 3
    if len(default) != 3:
        raise ValueError(f"limit['default'] must be one ceiling or a list of three, got {default!r}")
    for name in REGISTERED_LAYERS:
        entry = limit.get(name)
        if entry is not None and len(entry) < 3:
            limit[name] = list(entry) + default[len(entry):2] + default[-1:]
    return limit


class QuantizerChooser:
    """Registers one keras-tuner hyperparameter per choice to make and returns the chosen quantizer.

    `groups` remembers, for the current build, the choice of every name pattern so that all layers the pattern
    matches share it; `reset()` forgets it before the next build.
    """

    def __init__(self, limit: dict[str, Any], quantization_config: dict[str, dict[str, int]]) -> None:
        self.limit = limit
        self.quantization_config = quantization_config
        self.groups: dict[str, dict[int, tuple[str, int]]] = {}

    def reset(self) -> None:
        self.groups = {}

    def matching_pattern(self, layer_name: str) -> str | None:
        """The first limit key that matches the layer's name (class names are tried as patterns too)."""
        return next((key for key in self.limit if re.match(key, layer_name)), None)

    def choose(self, hp: Any, head: str, layer_name: str, layer_class: str, kind: str) -> tuple[str | None, int]:
        """(quantizer string, bits) for one tensor of one layer, or (None, -1) when the limit leaves it float.

        kind: "kernel", "bias", "activation" or "linear" (an Activation("linear") layer); head names the
        hyperparameter, "<head>_quantizer", unless a name pattern shares the choice ("<pattern>_<kind>_quantizer").
        """
        index = LIMIT_INDEX[kind]
        pattern = self.matching_pattern(layer_name)
        key = pattern if pattern is not None else layer_class
        if key not in self.limit:
            return None, -1
        if pattern is not None:
            if index in self.groups.get(pattern, {}):
                return self.groups[pattern][index]
            head = f"{pattern}_{kind}"
        menu = self._menu(key, index, kind)
        hp_name = head + "_quantizer"
        names = list(menu)
        chosen = hp.Fixed(hp_name, names[0]) if len(names) == 1 else hp.Choice(hp_name, names)
        result = (chosen, menu[chosen])
        if pattern is not None:
            self.groups.setdefault(pattern, {})[index] = result
        return result

    def _menu(self, key: str, index: int, kind: str) -> dict[str, int]:
        options = self.quantization_config.get(kind)
        if options is None:
            raise ValueError(f"quantization_config has no {kind!r} menu; it needs 'kernel', 'bias', 'activation' "
                             "and 'linear' entries mapping quantizer strings to their bits")
        entry = self.limit[key]
        try:
            bound = entry[index]
        except IndexError:
            raise ValueError(f"limit[{key!r}] = {entry!r} has no entry for the {kind} quantizer") from None
        if isinstance(bound, list):
            missing = [q for q in bound if q not in options]
            if missing:
                raise ValueError(f"limit[{key!r}] lists {missing} which the {kind!r} menu of quantization_config "
                                 f"does not have (it has {list(options)})")
            menu = {q: options[q] for q in bound}
        else:
            menu = {q: bits for q, bits in options.items() if bits <= bound}
        if not menu:
            raise ValueError(f"limit[{key!r}] allows no {kind} quantizer: none of {list(options)} fits {bound!r}")
        return menu


__all__ = ["REGISTERED_LAYERS", "Q_LAYERS", "SEQUENCE_LAYERS", "normalized_limit", "QuantizerChooser"]
