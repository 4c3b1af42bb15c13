"""QNoiseScheduler: a Keras callback that fades quantization noise in during training.

Every quantizer output is (1 − q)·x + q·Q(x) (see BaseQuantizer._straight_through). The callback
moves q from 0 (float training) to 1 (fully quantized) between step/epoch `start` and `finish`:
q = 1 − ((finish − t)/(finish − start))^exponent, so most of the change comes early.

While training, each quantizer's q is a Keras variable, so updates need no retracing of the compiled
train step; when training ends, q goes back to a plain float (1.0 once the schedule is finished),
which is what lowering needs.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

FREQ_TYPES = ("step", "epoch")


class QNoiseScheduler(keras.callbacks.Callback):
    def __init__(self, start: int, finish: int, freq_type: str = "epoch", update_freq: int = 1,
                 initial_step_or_epoch: int = 0, exponent: float = 3.0, use_ste: bool = True,
                 log_dir: str | None = None) -> None:
        super().__init__()
        if start > finish:
            raise ValueError(f"QNoiseScheduler: start ({start}) must not be after finish ({finish})")
        if freq_type not in FREQ_TYPES:
            raise ValueError(f"QNoiseScheduler: freq_type must be one of {FREQ_TYPES}, got {freq_type!r}")
        self.start, self.finish = start, finish
        self.freq_type = freq_type
        self.update_freq = update_freq
        self.initial_step_or_epoch = initial_step_or_epoch
        self.exponent = exponent
        self.use_ste = use_ste
        self.log_dir = log_dir
        self.qnoise_factor: float | None = None
        self.quantizers: list | None = None
        self.num_iters = 0
        self._writer = None

    def calculate_qnoise_factor(self, t: int) -> float:
        if t < self.start:
            return 0.0
        if t <= self.finish and self.start != self.finish:
            remaining = (self.finish - t) / (self.finish - self.start)
            return float(1.0 - np.power(remaining, self.exponent))
        return 1.0

    def get_quantizers(self, model: keras.Model) -> list:
        """Every quantizer object of the model's layers that has a qnoise_factor (each once)."""
        found, seen = [], set()
        for layer in model.layers:
            candidates = list(getattr(layer, "quantizers", None) or []) + [getattr(layer, "quantizer", None)]
            for q in candidates:
                if q is not None and hasattr(q, "qnoise_factor") and id(q) not in seen:
                    seen.add(id(q))
                    found.append(q)
        return found

    def set_quantizers(self) -> None:
        """Give each quantizer a variable q starting at 0 (float training first)."""
        for q in self.quantizers:
            if hasattr(q, "use_ste"):
                q.use_ste = self.use_ste
            q.use_variables = True
            q.qnoise_factor = keras.Variable(0.0, dtype="float32", trainable=False, name="qnoise_factor")
        self.qnoise_factor = 0.0

    def update_qnoise_factor(self, t: int) -> None:
        if t % self.update_freq == 0:
            self.qnoise_factor = self.calculate_qnoise_factor(t)
            for q in self.quantizers:
                q.qnoise_factor.assign(self.qnoise_factor)
        self.num_iters += 1

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        if not self.quantizers:
            self.quantizers = self.get_quantizers(self.model)
        self.set_quantizers()
        # fit() traced the train step before this callback ran, with q as a constant: trace it again
        self.model.make_train_function(force=True)
        if self.log_dir and self._writer is None:
            import tensorflow as tf

            self._writer = tf.summary.create_file_writer(self.log_dir)

    def on_epoch_begin(self, epoch: int, logs=None) -> None:
        if self.freq_type == "epoch":
            self.update_qnoise_factor(self.initial_step_or_epoch + self.num_iters)

    def on_train_batch_begin(self, batch: int, logs=None) -> None:
        if self.freq_type == "step":
            self.update_qnoise_factor(self.initial_step_or_epoch + self.num_iters)

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        if self._writer is not None:
            import tensorflow as tf

            with self._writer.as_default():
                tf.summary.scalar("qnoise_factor", data=self.qnoise_factor, step=epoch)

    def on_train_end(self, logs=None) -> None:
        for q in self.quantizers or []:
            q.update_qnoise_factor(float(np.asarray(q.qnoise_factor)))
