"""A copy of a Keras model whose chosen layers' kernel and bias quantizers have a new bit width.

Only `bits` changes: integer bits, alpha and every other setting stay as they were, so a sweep
point differs from the original model in exactly the one thing being studied. The copy is built
from the layers' configs and takes the original weights.
"""

from __future__ import annotations

import copy

# every weight quantizer of QDense, QConv*, QDepthwiseConv2D, the separable and folded layers
WEIGHT_QUANTIZERS = ("kernel_quantizer", "depthwise_quantizer", "pointwise_quantizer", "bias_quantizer")


def requantized_config(config: dict, bits: int, layer: str) -> dict:
    """The layer config with every quantized_bits weight quantizer set to `bits` bits."""
    config = copy.deepcopy(config)
    changed = False
    for key in WEIGHT_QUANTIZERS:
        q = config.get(key)
        if q is None:
            continue
        if not (isinstance(q, dict) and q.get("class_name") == "quantized_bits"):
            raise ValueError(f"layer {layer!r}: {key} is {q!r}; a sweep re-quantizes quantized_bits only")
        if bits <= q["config"].get("integer", 0):
            raise ValueError(f"layer {layer!r}: {bits} bits leave no room for {q['config']['integer']} integer bits")
        q["config"]["bits"] = int(bits)
        changed = True
    if not changed:
        raise ValueError(f"layer {layer!r} has no kernel or bias quantizer to re-quantize (it looks for "
                         f"{', '.join(WEIGHT_QUANTIZERS)})")
    return config


def requantize(model, bits: dict[str, int]):
    """A new model like `model`, with layer name -> weight bit width applied, and the same weights."""
    import keras

    names = {layer.name for layer in model.layers}
    missing = sorted(set(bits) - names)
    if missing:
        raise ValueError(f"no layer named {', '.join(missing)}; the model has {', '.join(sorted(names))}")

    def clone(layer):
        config = layer.get_config()
        if layer.name in bits:
            config = requantized_config(config, bits[layer.name], layer.name)
        return layer.__class__.from_config(config)

    new = keras.models.clone_model(model, clone_function=clone)
    new.set_weights(model.get_weights())
    return new
