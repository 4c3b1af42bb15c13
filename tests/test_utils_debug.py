"""QKeras' debugging utilities: clone_model, print_model_sparsity, quantized_model_debug, quantized_model_dump."""

from __future__ import annotations

import re

import keras
import numpy as np
import pytest

from hwq.layers import QActivation, QDense
from hwq.qkeras.utils import clone_model, print_model_sparsity, quantized_model_debug, quantized_model_dump
from hwq.quantizers import quantized_bits, quantized_relu


def _model() -> keras.Model:
    x = x_in = keras.Input((6,), name="in")
    x = QDense(5, kernel_quantizer=quantized_bits(4, 0, alpha=1), bias_quantizer=quantized_bits(4, 0, alpha=1),
               name="fc")(x)
    x = QActivation(quantized_relu(4, 1), name="relu")(x)
    x = keras.layers.Dense(2, name="plain")(x)
    model = keras.Model(x_in, x)
    kernel = np.random.default_rng(0).uniform(-1, 1, size=(6, 5)).astype(np.float32)
    kernel[:3] = 0.0  # 15 of 30 weights exactly zero
    model.get_layer("fc").set_weights([kernel, np.full(5, 0.25, np.float32)])
    return model


def _x() -> np.ndarray:
    return np.random.default_rng(1).normal(size=(32, 6)).astype(np.float32)


def test_clone_model_copies_layers_and_weights() -> None:
    model = _model()
    clone = clone_model(model)
    assert clone is not model and np.array_equal(clone.predict(_x(), verbose=0), model.predict(_x(), verbose=0))
    clone.get_layer("fc").kernel.assign(np.zeros((6, 5), np.float32))
    assert np.any(model.get_layer("fc").kernel.numpy())  # the original's weights are its own
    assert type(clone.get_layer("fc")) is QDense


def test_print_model_sparsity(capsys) -> None:
    print_model_sparsity(_model())
    out = capsys.readouterr().out
    assert out.startswith("Model Sparsity Summary")
    line = next(line for line in out.splitlines() if line.startswith("fc:"))
    assert re.search(r"kernel, 0\.5\)", line)  # 15 zeros of 30


def test_quantized_model_debug_prints_each_layers_ranges(capsys) -> None:
    model, x = _model(), _x()
    quantized_model_debug(model, x)
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines() if line.strip()}
    relu = keras.Model(model.inputs, model.get_layer("relu").output).predict(x, verbose=0)
    low, high = (float(v) for v in lines["relu"].split()[1:3])
    assert (low, high) == pytest.approx((relu.min(), relu.max()), abs=5e-5)  # printed with 4 decimals
    assert "plain" not in lines  # a float Dense is not a registered layer
    fc_kernel = re.findall(r"\(\s*(-?[\d.]+)\s+(-?[\d.]+)\)", lines["fc"])[0]
    q = np.asarray(quantized_bits(4, 0, alpha=1)(model.get_layer("fc").kernel.numpy()))
    assert (float(fc_kernel[0]), float(fc_kernel[1])) == pytest.approx((q.min(), q.max()), abs=5e-5)


def test_quantized_model_debug_plots_through_the_given_pyplot() -> None:
    class Recorder:  # stands in for matplotlib.pyplot: only the calls are checked
        def __init__(self) -> None:
            self.titles: list[str] = []

        def hist(self, values, bins) -> None:
            assert bins == 25 and np.size(values)

        def title(self, text: str) -> None:
            self.titles.append(text)

        def show(self) -> None:
            pass

    plt = Recorder()
    quantized_model_debug(_model(), _x(), plot=True, plt_instance=plt)
    assert plt.titles == ["fc(output)", "fc(weights)", "relu(output)"]
    with pytest.raises(ValueError, match="plt_instance"):
        quantized_model_debug(_model(), _x(), plot=True)


def test_quantized_model_dump_writes_each_layers_outputs(tmp_path) -> None:
    model, x = _model(), _x()
    folder = quantized_model_dump(model, x, tmp_path / "dump", layers_to_dump=["fc", "plain"])
    assert sorted(p.name for p in folder.iterdir()) == ["fc.bin", "plain.bin"]
    want = keras.Model(model.inputs, model.get_layer("fc").output).predict(x, verbose=0)
    assert np.array_equal(np.fromfile(folder / "fc.bin", dtype=np.float32).reshape(want.shape), want)
    with pytest.raises(ValueError, match=r"no layer named \['nope'\]"):
        quantized_model_dump(model, x, tmp_path / "x", layers_to_dump=["nope"])
