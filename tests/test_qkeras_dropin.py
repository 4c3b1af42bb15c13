"""`from hwq.qkeras import *` as a drop-in for QKeras: a QKeras script runs with only its imports changed."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

import hwq.layers
import hwq.qkeras

# A script as a QKeras user writes it (tf.keras 2 era imports); the test changes only the import lines.
QKERAS_SCRIPT = textwrap.dedent('''
    import numpy as np
    from tensorflow.keras.layers import Input, Activation
    from tensorflow.keras.models import Model
    from tensorflow.keras.optimizers import Adam
    from qkeras import *
    from qkeras.utils import model_save_quantized_weights, load_qmodel

    x = x_in = Input((16,), name="input")
    x = QDense(32, kernel_quantizer=quantized_bits(6, 0, alpha=1), bias_quantizer=quantized_bits(6, 0, alpha=1),
               name="fc1")(x)
    x = QActivation("quantized_relu(6,0)", name="relu1")(x)
    x = QDense(16, kernel_quantizer="quantized_po2(4,1)", bias_quantizer="quantized_bits(8,2,alpha=1)",
               name="fc2")(x)
    x = QActivation(quantized_relu(6, 1), name="relu2")(x)
    x = QDense(5, kernel_quantizer=quantized_bits(6, 0, alpha=1), bias_quantizer=quantized_bits(6, 0, alpha=1),
               name="output")(x)
    x = Activation("softmax", name="softmax")(x)
    model = Model(inputs=x_in, outputs=x)
    model.compile(optimizer=Adam(learning_rate=1e-3), loss="categorical_crossentropy", metrics=["accuracy"])

    rng = np.random.default_rng(0)
    x_train = rng.normal(size=(256, 16)).astype(np.float32)
    y_train = np.eye(5, dtype=np.float32)[rng.integers(0, 5, 256)]
    history = model.fit(x_train, y_train, batch_size=32, epochs=2, verbose=0,
                        callbacks=[QNoiseScheduler(start=0, finish=1, freq_type="epoch")])
    print_qstats(model)
    quantized = model_save_quantized_weights(model, WORK + "/weights.h5")
    model.save(WORK + "/model.keras")
    restored = load_qmodel(WORK + "/model.keras")
''')

HWQ_IMPORTS = {
    "from tensorflow.keras.layers import": "from keras.layers import",
    "from tensorflow.keras.models import": "from keras.models import",
    "from tensorflow.keras.optimizers import": "from keras.optimizers import",
    "from qkeras import *": "from hwq.qkeras import *",
    "from qkeras.utils import": "from hwq.qkeras import",
}


def hwq_script(script: str) -> str:
    for old, new in HWQ_IMPORTS.items():
        assert old in script
        script = script.replace(old, new)
    return script


def test_qkeras_script_trains_saves_loads_and_lowers_with_imports_changed_only(tmp_path, capsys):
    namespace = {"WORK": str(tmp_path)}
    exec(compile(hwq_script(QKERAS_SCRIPT), "qkeras_script.py", "exec"), namespace)  # noqa: S102

    model, restored, history = namespace["model"], namespace["restored"], namespace["history"]
    assert len(history.history["loss"]) == 2 and np.all(np.isfinite(history.history["loss"]))
    assert "Number of operations in model:" in capsys.readouterr().out
    assert set(namespace["quantized"]) == {"fc1", "fc2", "output"}
    assert (tmp_path / "weights.h5").is_file()
    assert type(restored.get_layer("fc2")).__module__.startswith("hwq.")

    import keras

    import hwq

    x = (np.random.default_rng(1).integers(-2 ** 15, 2 ** 15, size=(2000, 16)) / 2 ** 10).astype(np.float32)
    np.testing.assert_array_equal(restored.predict(x, verbose=0), model.predict(x, verbose=0))
    # lowered up to the logits: softmax is float, not exact hardware
    logits = keras.Model(restored.inputs, restored.get_layer("output").output)
    graph = hwq.lower(logits, input_type="ap_fixed<16,6>")
    assert [n.attrs.get("multiplier") for n in graph.nodes if n.op == "dense"] == ["mult", "barrel", "mult"]
    np.testing.assert_array_equal(graph.simulate(x), logits.predict(x, verbose=0).astype(np.float64))


# QKeras' public names for everything but recurrent layers, QOctaveConv2D and the experimental modules
QKERAS_NAMES = [
    "QDense", "QConv1D", "QConv2D", "QDepthwiseConv2D", "QSeparableConv1D", "QSeparableConv2D",
    "QMobileNetSeparableConv2D", "QConv2DTranspose", "QActivation", "QAdaptiveActivation", "QAveragePooling2D",
    "QGlobalAveragePooling2D", "QBatchNormalization", "QDenseBatchnorm", "QConv2DBatchnorm",
    "QDepthwiseConv2DBatchnorm", "QInitializer", "Clip",
    "quantized_bits", "quantized_relu", "quantized_tanh", "quantized_sigmoid", "quantized_ulaw", "quantized_po2",
    "quantized_relu_po2", "quantized_hswish", "quantized_linear", "binary", "stochastic_binary", "ternary",
    "stochastic_ternary", "bernoulli", "hard_sigmoid", "smooth_sigmoid", "binary_sigmoid", "hard_tanh",
    "smooth_tanh", "binary_tanh", "set_internal_sigmoid", "get_quantizer", "get_weight_scale",
    "model_quantize", "model_save_quantized_weights", "load_qmodel", "quantized_model_from_json", "print_qstats",
    "QNoiseScheduler",
]


def test_star_import_offers_qkeras_names():
    namespace: dict = {}
    exec("from hwq.qkeras import *", namespace)  # noqa: S102
    missing = [n for n in QKERAS_NAMES if n not in namespace]
    layers_to_come = {n for n in missing if n.startswith("Q") and not hasattr(hwq.layers, n)}
    # layers another part of issue 4 is still adding; everything else must be there now
    assert set(missing) == layers_to_come, f"missing from hwq.qkeras: {sorted(set(missing) - layers_to_come)}"
    assert not [n for n in hwq.qkeras.__all__ if n.startswith("_")]


def test_qkeras_readme_example_builds(tmp_path):
    needed = ("QConv2D", "QSeparableConv2D")
    if not all(hasattr(hwq.layers, n) for n in needed):
        pytest.skip("hwq.layers has no QConv2D/QSeparableConv2D yet")
    namespace: dict = {}
    exec(hwq_readme_example(), namespace)  # noqa: S102
    model = namespace["model"]
    assert model.output_shape == (None, 10)
    out = model.predict(np.random.default_rng(2).normal(size=(4, 28, 28, 1)).astype(np.float32), verbose=0)
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-5)  # softmax rows (float)


def hwq_readme_example() -> str:
    """QKeras' README network (quantized), with `from qkeras import *` -> `from hwq.qkeras import *`.

    The README also passes depthwise_activation=quantized_tanh(6,2,1) to QSeparableConv2D, which hwq's
    QSeparableConv2D does not take (QMobileNetSeparableConv2D does): left out here."""
    return textwrap.dedent('''
        from keras.layers import *
        from keras.models import Model
        from hwq.qkeras import *

        x = x_in = Input((28, 28, 1))
        x = QConv2D(18, (3, 3), kernel_quantizer="stochastic_ternary", bias_quantizer="ternary",
                    name="first_conv2d")(x)
        x = QActivation("quantized_relu(3)")(x)
        x = QSeparableConv2D(32, (3, 3), depthwise_quantizer=quantized_bits(4, 0, 1),
                             pointwise_quantizer=quantized_bits(3, 0, 1), bias_quantizer=quantized_bits(3))(x)
        x = QActivation("quantized_relu(3)")(x)
        x = Flatten()(x)
        x = QDense(10, kernel_quantizer=quantized_bits(3), bias_quantizer=quantized_bits(3))(x)
        x = QActivation("quantized_bits(20, 5)")(x)
        x = Activation("softmax")(x)
        model = Model(inputs=x_in, outputs=x)
    ''')
