"""load_model, apply_weights_to_model, and the variable copy from a float layer to its quantized twin."""

from __future__ import annotations

import warnings

import keras
import numpy as np

import hwq.quantizeml.layers  # noqa: F401 - registers every hwq.quantizeml layer for deserialization


def _relative_path(variable, layer) -> str:
    """The variable's path below its layer ("kernel", "output_quantizer/range_max")."""
    prefix = layer.name + "/"
    return variable.path[len(prefix):] if variable.path.startswith(prefix) else variable.path


def copy_variables(source: keras.layers.Layer, target: keras.layers.Layer) -> None:
    """Assign each variable of `source` to the variable of `target` at the same path; all must find one.

    Only the layer's own variables (kernel, bias, gamma, ...) are copied: those of its sub-objects, such as a
    Dropout's random seed state, mean nothing to a quantized layer.
    """
    targets = {_relative_path(v, target): v for v in target.variables}
    for variable in source.variables:
        path = _relative_path(variable, source)
        if "/" in path:
            continue
        if path not in targets:
            raise ValueError(f"layer '{source.name}': {type(target).__name__} has no variable '{path}' to receive "
                             f"the float one (it has {sorted(targets)})")
        targets[path].assign(np.asarray(variable.numpy(), dtype=targets[path].dtype))


def load_model(model_path: str, custom_layers: dict | None = None, compile_model: bool = True) -> keras.Model:
    """A .keras model loaded with the hwq.quantizeml layers (registered on import) and `custom_layers`."""
    return keras.saving.load_model(model_path, custom_objects=custom_layers, compile=compile_model)


def apply_weights_to_model(model: keras.Model, weights: dict, verbose: bool = True) -> None:
    """Assign each entry of `weights` to the model variable of that path ("dense/kernel"; Keras 3 paths, which
    QuantizeML's TensorFlow variable names "dense/kernel:0" become once ":0" is dropped).

    Entries that match no variable are skipped, with a warning when verbose.
    """
    if not weights:
        warnings.warn("apply_weights_to_model: there is no weight to apply", stacklevel=2)
        return
    variables = {v.path: v for v in model.variables}
    for key, value in weights.items():
        path = key[:-2] if key.endswith(":0") else key
        if path in variables:
            variables[path].assign(np.asarray(value))
        elif verbose:
            warnings.warn(f"apply_weights_to_model: variable '{key}' not found in model '{model.name}'", stacklevel=2)
