"""One sweep point, from the saved model file to its numbers: module-level, so that both a process pool
(spawn) and a Dask worker can pickle it by name.

Every point starts from the model file, never from another point's state, and seeds every random
generator the same way, so a point's result does not depend on where or in which order it runs.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field

SEED = 0


@dataclass(frozen=True)
class PointSpec:
    index: int
    model: str  # path of the .keras file
    data: str  # path of the .npz file
    bits: tuple[tuple[str, int], ...]  # (layer, weight bits) pairs
    epochs: int = 0
    yosys: bool = False
    input_type: str | None = None
    until: str | None = None  # the last layer lowered (a model ending in a softmax: its logits)


@dataclass
class PointResult:
    index: int
    bits: dict[str, int]
    accuracy: float
    est_luts: int
    est_ffs: int
    est_dsps: int
    energy_pj: float | None = None
    yosys_luts: int | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def run_point(spec: PointSpec) -> PointResult:
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    import hwq
    import hwq.layers  # noqa: F401  (registers hwq's layers and quantizers with Keras)
    from hwq.hardware_cost import estimate
    from hwq.report.energy import node_energy
    from hwq.sweep.data import accuracy, load_data
    from hwq.sweep.requantize import requantize

    _deterministic()
    data = load_data(spec.data)
    model = requantize(keras.saving.load_model(spec.model, compile=False), dict(spec.bits))
    notes = []
    if spec.epochs > 0:
        notes.append(_fine_tune(model, data, spec.epochs))
    acc = accuracy(model, data.x_test, data.y_test)
    graph = hwq.lower(model, input_type=spec.input_type, until=spec.until)
    est = estimate(graph)
    energy, note = node_energy(graph)
    if energy is None:
        notes.append(note)
    result = PointResult(spec.index, dict(spec.bits), acc, est.luts, est.ffs, est.dsps, notes=notes,
                         energy_pj=round(sum(e.get("total", 0.0) for e in energy.values()), 2) if energy else None)
    if spec.yosys:
        from hwq.hardware_cost import measure

        result.yosys_luts = measure(graph, per_node=False, io="auto").total.luts
    keras.backend.clear_session()  # a worker runs many points: drop this one's graph state
    return result


def _deterministic() -> None:
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(SEED)
    tf.config.experimental.enable_op_determinism()


def _fine_tune(model, data, epochs: int) -> str:
    import keras

    x, y = (data.x_train, data.y_train) if data.x_train is not None else (data.x_test, data.y_test)
    softmax = getattr(model.layers[-1], "activation", None) is keras.activations.softmax
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=not softmax))
    # no shuffling: the batches are the same wherever the point runs
    model.fit(x, y, epochs=epochs, batch_size=256, shuffle=False, verbose=0)
    source = "x_train/y_train" if data.x_train is not None else "x_test/y_test (no x_train in the data file)"
    return f"fine-tuned {epochs} epoch(s) on {source}"
