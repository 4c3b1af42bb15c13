"""calibrate and calibration_required: the OutputQuantizers' ranges, observed on the float model."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from hwq.quantizeml.layers import OutputObserver, OutputQuantizer
from hwq.quantizeml.models.graph import graph_of, model_of
from hwq.quantizeml.models.progress import ProgressBar
from hwq.quantizeml.models.samples import batches, count, random_samples
from hwq.quantizeml.models.transforms import sanitize


def output_quantizers(model: keras.Model) -> dict[str, OutputQuantizer]:
    """The OutputQuantizer of each layer that has one, by layer name (standalone OutputQuantizers included)."""
    found = {}
    for layer in model.layers:
        quantizer = layer if isinstance(layer, OutputQuantizer) else getattr(layer, "out_quantizer", None)
        if quantizer is not None:
            found[layer.name] = quantizer
    return found


def calibration_required(model: keras.Model) -> bool:
    """True when an OutputQuantizer of the model still has range_max 1 everywhere (never calibrated)."""
    return any(bool(np.all(q.range_max.numpy() == 1)) for q in output_quantizers(model).values())


def calibrate(model: keras.Model, qmodel: keras.Model, samples=None, num_samples: int = 1024,
              batch_size: int | None = None, epochs: int = 1, progress: bool = False) -> None:
    """Set the range_max of qmodel's OutputQuantizers from the float `model` run on `samples`.

    An OutputObserver is placed on the float model (sanitized, so that its layer names are qmodel's) at each
    layer whose quantized twin has an OutputQuantizer; the float model runs on the samples for `epochs` epochs;
    each observer's range_max goes to its OutputQuantizer. Nothing happens when no OutputQuantizer needs it.
    `samples`: an array (num_samples first rows, in batches of batch_size), a tf.data.Dataset or an iterable of
    batches; None draws num_samples random 8-bit integers. `progress` prints a text bar to stderr.
    """
    if not calibration_required(qmodel):
        return
    points = observation_points(qmodel)
    observed, observers = _observed_model(sanitize(model), points)
    if samples is None:
        samples = random_samples(tuple(observed.inputs[0].shape[1:]), num_samples)
    step = tf.function(lambda x: observed(x, training=False), reduce_retracing=True)
    for epoch in range(epochs):
        total = count(samples, num_samples)
        bar = ProgressBar(f"calibration {epoch + 1}/{epochs}", total) if progress else None
        for batch in batches(samples, num_samples, batch_size):
            step(tf.constant(np.asarray(batch, dtype=np.float32)))
            if bar:
                bar.advance(len(batch))
        if bar:
            bar.close()
    for name, observer in observers.items():
        for quantizer in points[name]:
            quantizer.range_max.assign(observer.range_max.numpy())


def observation_points(qmodel: keras.Model) -> dict[str, list[OutputQuantizer]]:
    """The OutputQuantizers to calibrate, by the name of the layer whose float output they quantize: the
    layer holding one, or the layer before a standalone OutputQuantizer (transforms.insert_layer)."""
    graph = graph_of(qmodel)
    points: dict[str, list[OutputQuantizer]] = {}
    for name, quantizer in output_quantizers(qmodel).items():
        if isinstance(qmodel.get_layer(name), OutputQuantizer):
            name = graph.node(name).inputs[0]
        points.setdefault(name, []).append(quantizer)
    return points


def _observed_model(model: keras.Model, quantizers: dict[str, list[OutputQuantizer]]):
    """A copy of the float model with an OutputObserver after each layer named in `quantizers`."""
    graph = graph_of(model)
    missing = sorted(name for name in quantizers if graph.node(name) is None)
    if missing:
        raise ValueError(f"calibrate: the float model has no layer(s) {missing} where the quantized model has "
                         "OutputQuantizers")
    for name, quantizer in quantizers.items():
        graph.insert_after(name, OutputObserver(axis=quantizer[0].axis, name=f"{name}_observer"))
    observed = model_of(graph)
    observers = {name: observed.get_layer(f"{name}_observer") for name in quantizers}
    return observed, observers
