"""hwq.quantizeml.layers: quantizers, recorders and the non-convolution layers, against Python-integer
references (test_quantizeml_layers_reference.py), saved to .keras and loaded back, with clear errors."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
from test_quantizeml_layers_reference import (
    aligned,
    as_object,
    clip,
    max_frac_bits,
    output_quantize,
    round_shift,
    saved_and_loaded,
    weights,
)

from hwq.quantizeml.layers import (
    Add,
    AlignedWeightQuantizer,
    Dequantizer,
    FixedPointRecorder,
    NonTrackFixedPointVariable,
    NonTrackVariable,
    OutputObserver,
    OutputQuantizer,
    QuantizedAdd,
    QuantizedBatchNormalization,
    QuantizedConcatenate,
    QuantizedDense,
    QuantizedDropout,
    QuantizedFlatten,
    QuantizedGlobalAveragePooling2D,
    QuantizedMaxPool2D,
    QuantizedPermute,
    QuantizedReLU,
    QuantizedRescaling,
    QuantizedReshape,
    TensorRecorder,
    WeightQuantizer,
    recording,
)
from hwq.quantizeml.layers.base import QTensorLayer, register
from hwq.quantizeml.tensors import FixedPoint, QFloat

RNG = np.random.default_rng(7)
OQ8 = {"output_quantizer": {"bitwidth": 8}}


@keras.saving.register_keras_serializable(package="tests.quantizeml")
class ToFixedPoint(QTensorLayer):
    """Test helper: the integer model input as FixedPoint(x, value_bits, frac_bits) (scalar or per channel)."""

    def __init__(self, value_bits=8, frac_bits=0, **kwargs):
        super().__init__(**kwargs)
        self.value_bits, self.frac_bits = value_bits, frac_bits

    def call(self, inputs):
        return FixedPoint(np.asarray(inputs).astype(np.int64), self.value_bits, self.frac_bits)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "value_bits": self.value_bits, "frac_bits": self.frac_bits}


def model_of(layer, shape, frac_bits=0, value_bits=8, inputs=1):
    """Input(s) -> ToFixedPoint -> layer -> Dequantizer."""
    ins = [keras.Input(shape) for _ in range(inputs)]
    fps = [ToFixedPoint(value_bits, frac_bits)(i) for i in ins]
    out = Dequantizer()(layer(fps if inputs > 1 else fps[0]))
    return keras.Model(ins if inputs > 1 else ins[0], out)


def check_round_trip(model, x, tmp_path):
    before = model(x).numpy()
    after = saved_and_loaded(model, tmp_path)(x).numpy()
    assert np.array_equal(before, after)
    return before


def ints(shape, low=-100, high=100):
    return RNG.integers(low, high, size=shape).astype(np.float32)


# ---- quantizers ---------------------------------------------------------------------------------------------

def test_weight_quantizer_per_axis_qfloat_matches_reference():
    w = RNG.normal(size=(5, 3)).astype(np.float32)
    q = WeightQuantizer(bitwidth=8)(tf.constant(w))
    expected, scales = weights(w)
    assert isinstance(q, QFloat)
    assert np.array_equal(q.fp.values.numpy(), expected.astype(np.int64))
    assert np.array_equal(q.scales.numpy(), scales) and np.all(q.fp.frac_bits.numpy() == 0)


def test_weight_quantizer_fixed_point_has_power_of_two_scales():
    w = np.array([[0.3, -5.0], [0.1, 2.5]], np.float32)
    q = WeightQuantizer(bitwidth=4, fp_quantizer=True)(tf.constant(w))
    frac = [max_frac_bits(3, 0.3), max_frac_bits(3, 5.0)]  # 3 - ceil(log2 r)
    assert np.array_equal(q.frac_bits.numpy(), frac)
    assert np.array_equal(q.values.numpy(), np.clip(np.round(np.ldexp(w.astype(np.float64), frac)), -8, 7))


def test_weight_quantizer_bad_arguments_name_the_layer():
    with pytest.raises(ValueError, match="WeightQuantizer.*axis"):
        WeightQuantizer(axis=0)
    with pytest.raises(ValueError, match="WeightQuantizer.*bitwidth"):
        WeightQuantizer(bitwidth=1)
    with pytest.raises(TypeError, match="WeightQuantizer.*float weights"):
        WeightQuantizer()(FixedPoint([1], 7, 0))


def test_aligned_weight_quantizer_lands_on_the_qfloat_grid():
    other = QFloat(FixedPoint(np.zeros((2, 3), np.int64), 31, 5), np.array([0.01, 0.5, 2.0]))
    bias = np.array([0.3, -1.7, 4.0], np.float32)
    with recording(True):
        q = AlignedWeightQuantizer(bitwidth=8)(tf.constant(bias), other)
    assert np.array_equal(q.scales.numpy(), other.scales.numpy())
    assert q.fp.value_bits == 31 and np.all(q.fp.frac_bits.numpy() == 5)
    assert q.fp.values.numpy().tolist() == aligned(bias, [0.01, 0.5, 2.0], 5)


def test_aligned_weight_quantizer_rejects_a_float_other():
    with pytest.raises(TypeError, match="AlignedWeightQuantizer.*other"):
        AlignedWeightQuantizer()(tf.constant([1.0]), tf.constant([1.0]))


def test_output_quantizer_on_a_qfloat_is_a_multiplier_and_a_rounded_shift():
    acc = RNG.integers(-5000, 5000, size=(4, 3))
    scales = np.array([0.013, 0.25, 0.0007])
    quantizer = OutputQuantizer(bitwidth=8)
    quantizer.build((None, 3))
    quantizer.range_max.assign(3.1)
    with recording(True):
        out = quantizer(QFloat(FixedPoint(acc, 31, 2), scales))
    expected, frac = output_quantize(as_object(acc), 2, scales, 3.1)
    assert np.array_equal(out.values.numpy(), expected) and np.all(out.frac_bits.numpy() == frac)
    assert quantizer.qscales.value is not None and quantizer.shift.value is not None


def test_output_quantizer_per_axis_unsigned_on_a_fixed_point():
    acc = RNG.integers(-3000, 3000, size=(2, 2, 2, 3))
    quantizer = OutputQuantizer(bitwidth=4, signed=False, axis="per-axis")
    quantizer.build((None, 2, 2, 3))
    quantizer.range_max.assign([1.0, 9.0, 0.2])
    out = quantizer(FixedPoint(acc, 20, 6))
    expected, frac = output_quantize(as_object(acc), 6, None, [1.0, 9.0, 0.2], bits=4, signed=False)
    assert np.array_equal(out.values.numpy(), expected) and np.array_equal(out.frac_bits.numpy(), frac)
    assert out.values.numpy().min() >= 0


def test_output_quantizer_bad_arguments_name_the_layer():
    with pytest.raises(ValueError, match="OutputQuantizer.*axis"):
        OutputQuantizer(axis="per-channel")
    quantizer = OutputQuantizer(bitwidth=8)
    with pytest.raises(ValueError, match="OutputQuantizer.*pointless"):
        quantizer(FixedPoint([[1, 2]], 7, 0))
    with pytest.raises(ValueError, match="OutputQuantizer.*rank 3"):
        OutputQuantizer(axis="per-axis").build((None, 4))


def test_output_observer_tracks_the_maximum_with_momentum():
    observer = OutputObserver(momentum=0.5)
    observer(tf.constant([[2.0, -4.0]]))
    assert observer.range_max.numpy() == 4.0  # the first batch sets it
    observer(tf.constant([[8.0, 0.0]]))
    assert observer.range_max.numpy() == 6.0  # 4 + (8 - 4) * 0.5
    with pytest.raises(ValueError, match="OutputObserver.*axis"):
        OutputObserver(axis="x")


def test_dequantizer_is_exact_in_float64():
    fp = FixedPoint([[2**40 + 1, -3]], 52, 7)
    out = Dequantizer()(fp)
    assert out.dtype == tf.float64 and out.numpy().tolist() == [[(2**40 + 1) / 128, -3 / 128]]


def test_recorders_keep_values_only_while_recording():
    recorder = TensorRecorder("shift")
    recorder(tf.constant([1, 2]))
    assert recorder.value is None
    with recording(True):
        recorder(tf.constant([3]))
    assert recorder.value.numpy().tolist() == [3]
    with pytest.raises(TypeError, match="fp"), recording(True):
        FixedPointRecorder("fp")(tf.constant([1]))
    variable = NonTrackVariable("v")
    variable.init_var([1, 2])
    variable.set_var([5, 6])
    variable.reset_var()
    assert variable.var.numpy().tolist() == [0, 0]
    fixed = NonTrackFixedPointVariable("f")
    fixed.init_var(FixedPoint([3], 7, 1))
    assert fixed.promote(15).value_bits == 15


# ---- QuantizedDense -----------------------------------------------------------------------------------------

def dense_reference(x_ints, x_frac, kernel, bias, range_max):
    w, scales = weights(kernel)
    acc = as_object(x_ints) @ w
    b = aligned(bias, scales, x_frac)
    return output_quantize(acc + np.array(b, dtype=object), x_frac, scales, range_max)


def test_quantized_dense_matches_the_integer_reference_and_round_trips(tmp_path):
    layer = QuantizedDense(3, quant_config=OQ8)
    model = model_of(layer, (4,), frac_bits=2)
    layer.set_weights([RNG.normal(size=(4, 3)).astype(np.float32), np.array([0.5, -0.25, 2.0], np.float32),
                       np.float32(20.0)])
    x = ints((5, 4))
    expected, frac = dense_reference(x, 2, layer.kernel.numpy(), layer.bias.numpy(), 20.0)
    out = check_round_trip(model, x, tmp_path)
    assert np.array_equal(out, np.ldexp(expected.astype(np.float64), -frac))


def test_quantized_dense_takes_the_model_input_and_expands_per_axis_inputs():
    layer = QuantizedDense(2, use_bias=False)
    x = FixedPoint(RNG.integers(-50, 50, size=(3, 4)), 7, [1, 3, 0, 2])
    with recording(True):
        out = layer(x)
    assert layer.input_shift.value.numpy().tolist() == [2, 0, 3, 1]
    w, scales = weights(layer.kernel.numpy())
    shifted = [[round_shift(int(v), s) for v, s in zip(row, [2, 0, 3, 1], strict=True)] for row in
               x.values.numpy()]
    assert np.array_equal(out.fp.values.numpy(), (np.array(shifted, dtype=object) @ w).astype(np.int64))
    assert np.all(out.fp.frac_bits.numpy() == 3) and out.fp.value_bits == 31
    float_input = layer(tf.constant([[1.9, -2.7, 3.0, 0.0]]))  # truncated toward zero: [1, -2, 3, 0]
    assert np.array_equal(float_input.fp.values.numpy(), (as_object([[1, -2, 3, 0]]) @ w).astype(np.int64))


def test_quantized_dense_bad_arguments_name_the_layer():
    with pytest.raises(ValueError, match="QuantizedDense.*activation"):
        QuantizedDense(2, activation="relu")
    with pytest.raises(ValueError, match="buffer_bitwidth"):
        QuantizedDense(2, quant_config={"buffer_bitwidth": 1})
    with pytest.raises(TypeError, match="QuantizedDense.*quant_config"):
        QuantizedDense(2, quant_config=[1])


# ---- QuantizedReLU, QuantizedBatchNormalization -------------------------------------------------------------

def test_quantized_relu_clips_on_the_inputs_grid(tmp_path):
    layer = QuantizedReLU(max_value=6.0)
    model = model_of(layer, (3, 2), frac_bits=4)
    x = ints((2, 3, 2), -200, 200)
    ceiling = 6 * 2**4  # max_frac_bits(8, 6) = 5 > 4: 6 lands on the 4-bit grid exactly
    expected = np.clip(x, 0, ceiling) / 16
    assert np.array_equal(check_round_trip(model, x, tmp_path), expected)


def test_quantized_relu_per_axis_and_output_quantizer():
    layer = QuantizedReLU(max_value=1.3, quant_config={"output_quantizer": {"bitwidth": 4, "signed": False}})
    x = FixedPoint(RNG.integers(-100, 100, size=(2, 2, 2, 2)), 7, [3, 6])
    layer(x)
    layer.out_quantizer.range_max.assign(2.0)
    out = layer(x)
    ceilings = aligned(1.3, [1.0, 1.0], 3, signed=False)[0], aligned(1.3, [1.0, 1.0], 6, signed=False)[0]
    clipped = np.stack([np.clip(x.values.numpy()[..., c], 0, ceilings[c]) for c in range(2)], -1)
    out_frac = max_frac_bits(4, 2.0)  # unsigned 4 bits: 4 value bits
    expected = np.stack([[clip(round_shift(int(v), out_frac - f), 4) for v in clipped[..., c].reshape(-1)]
                         for c, f in enumerate([3, 6])], -1).reshape(clipped.shape)
    assert np.array_equal(out.values.numpy(), expected) and np.all(out.frac_bits.numpy() == out_frac)


def test_quantized_relu_bad_arguments_name_the_layer():
    with pytest.raises(ValueError, match="QuantizedReLU.*max_value"):
        QuantizedReLU(max_value=-1)
    with pytest.raises(TypeError, match="QuantizedReLU.*QTensor"):
        QuantizedReLU()(tf.constant([1.0]))


def test_quantized_batch_normalization_is_a_times_x_plus_b(tmp_path):
    layer = QuantizedBatchNormalization(quant_config=OQ8)
    model = model_of(layer, (2, 2, 3), frac_bits=1)
    stats = [RNG.uniform(0.5, 2, 3), RNG.normal(size=3), RNG.normal(size=3), RNG.uniform(0.5, 3, 3)]
    layer.set_weights([s.astype(np.float32) for s in stats] + [np.float32(30.0)])
    x = ints((2, 2, 2, 3))
    # float on purpose: a and b are the float32 statistics folded as QuantizeML folds them
    a = (layer.gamma * tf.math.rsqrt(layer.moving_variance + 1e-3)).numpy()
    b = (layer.beta - layer.moving_mean * a).numpy()
    scale = float(np.abs(a).max()) / 127
    a_int = np.round(a.astype(np.float64) / scale).astype(np.int64).astype(object)
    acc = as_object(x) * a_int + np.array(aligned(b, scale, 1), dtype=object)
    expected, frac = output_quantize(acc, 1, np.full(3, scale), 30.0)
    assert np.array_equal(check_round_trip(model, x, tmp_path), np.ldexp(expected.astype(np.float64), -frac))


def test_quantized_batch_normalization_bad_arguments_name_the_layer():
    with pytest.raises(ValueError, match="QuantizedBatchNormalization.*epsilon"):
        QuantizedBatchNormalization(epsilon=0)
    with pytest.raises(ValueError, match="QuantizedBatchNormalization.*rank"):
        QuantizedBatchNormalization().build((None, 3))


# ---- pooling ------------------------------------------------------------------------------------------------

def test_quantized_max_pool_keeps_per_axis_inputs(tmp_path):
    layer = QuantizedMaxPool2D(pool_size=2, strides=2, padding="same")
    x = ints((1, 3, 3, 2))
    model = model_of(layer, (3, 3, 2), frac_bits=3)
    expected = np.array([[[x[0, i:i + 2, j:j + 2, c].max() for c in range(2)] for j in (0, 2)] for i in (0, 2)])
    assert np.array_equal(check_round_trip(model, x, tmp_path)[0], expected / 8)
    per_axis = layer(FixedPoint(x.astype(np.int64), 7, [1, 2]))
    assert np.array_equal(per_axis.frac_bits.numpy(), [1, 2])
    with pytest.raises(TypeError, match="QuantizedMaxPool2D.*QTensor"):
        layer(tf.constant(x))


def test_quantized_global_average_pooling_is_a_sum_and_a_quantized_reciprocal(tmp_path):
    layer = QuantizedGlobalAveragePooling2D(quant_config=OQ8)
    model = model_of(layer, (3, 3, 2), frac_bits=2)
    layer.out_quantizer.range_max.assign(12.0)
    x = ints((2, 3, 3, 2))
    sums = as_object(x.sum(axis=(1, 2)))
    expected, frac = output_quantize(sums, 2, np.full(2, 1 / 9), 12.0, buffer_bits=32)
    assert np.array_equal(check_round_trip(model, x, tmp_path), np.ldexp(expected.astype(np.float64), -frac))
    with pytest.raises(ValueError, match="QuantizedGlobalAveragePooling2D.*H and W"):
        QuantizedGlobalAveragePooling2D().build((None, 4))


# ---- Add, Concatenate ---------------------------------------------------------------------------------------

def test_quantized_add_aligns_then_adds_and_averages():
    a, b = FixedPoint([[5, -3]], 7, 1), FixedPoint([[7, 2]], 7, [3, 0])
    with recording(True):
        layer = QuantizedAdd()
        out = layer([a, b])
    assert out.values.numpy().tolist() == [[5 * 4 + 7, -3 + 2 * 2]] and out.frac_bits.numpy().tolist() == [3, 1]
    assert layer.a_shift.value.numpy().tolist() == [2, 0] and layer.b_shift.value.numpy().tolist() == [0, 1]
    averaged = QuantizedAdd(average=True)([a, b])
    assert averaged.values.numpy().tolist() == [[27, 1]] and averaged.frac_bits.numpy().tolist() == [4, 2]


def test_quantized_add_round_trips_with_its_output_quantizer(tmp_path):
    layer = QuantizedAdd(quant_config=OQ8)
    model = model_of(layer, (4,), frac_bits=2, inputs=2)
    layer.out_quantizer.range_max.assign(40.0)
    x, y = ints((3, 4)), ints((3, 4))
    expected, frac = output_quantize(as_object(x + y), 2, None, 40.0)
    assert np.array_equal(check_round_trip(model, [x, y], tmp_path), np.ldexp(expected.astype(np.float64), -frac))


def test_add_errors_name_the_layer():
    assert Add(average=True)([tf.constant([2.0]), tf.constant([4.0])]).numpy().tolist() == [3.0]
    with pytest.raises(ValueError, match="QuantizedAdd.*two inputs"):
        QuantizedAdd().build([(None, 2)])
    with pytest.raises(TypeError, match="QuantizedAdd.*FixedPoint"):
        QuantizedAdd()([FixedPoint([[1]], 7, 0), QFloat(FixedPoint([[1]], 7, 0), 0.5)])


def test_quantized_concatenate_joins_frac_bits_on_the_channel_axis(tmp_path):
    a, b = FixedPoint([[[1, 2]]], 7, 1), FixedPoint([[[3]]], 9, 4)
    out = QuantizedConcatenate()([a, b])
    assert out.values.numpy().tolist() == [[[1, 2, 3]]] and out.frac_bits.numpy().tolist() == [1, 1, 4]
    assert out.value_bits == 9
    model = model_of(QuantizedConcatenate(axis=1), (2, 3), frac_bits=2, inputs=2)
    x, y = ints((1, 2, 3)), ints((1, 2, 3))
    assert np.array_equal(check_round_trip(model, [x, y], tmp_path), np.concatenate([x, y], 1) / 4)
    with pytest.raises(ValueError, match="QuantizedConcatenate.*same frac_bits"):
        QuantizedConcatenate(axis=1)([FixedPoint([[[1]]], 7, 1), FixedPoint([[[1]]], 7, 2)])


# ---- reshaping, dropout, rescaling --------------------------------------------------------------------------

@pytest.mark.parametrize("layer, move", [
    (lambda: QuantizedFlatten(), lambda x: x.reshape(2, -1)),
    (lambda: QuantizedReshape((3, 2, 2)), lambda x: x.reshape(2, 3, 2, 2)),
    (lambda: QuantizedPermute((2, 1, 3)), lambda x: x.transpose(0, 2, 1, 3)),
    (lambda: QuantizedDropout(0.5), lambda x: x),
])
def test_moving_layers_move_the_integers(layer, move, tmp_path):
    x = ints((2, 2, 3, 2))
    out = check_round_trip(model_of(layer(), (2, 3, 2), frac_bits=1), x, tmp_path)
    assert np.array_equal(out, move(x) / 2)


def test_moving_layers_refuse_to_mix_per_axis_channels():
    x = FixedPoint(np.zeros((1, 2, 2), np.int64), 7, [1, 2])
    with pytest.raises(ValueError, match="QuantizedFlatten.*per-axis"):
        QuantizedFlatten()(x)
    assert np.array_equal(QuantizedPermute((2, 1))(FixedPoint(np.zeros((1, 2, 2)), 7, 1)).values.numpy(),
                          np.zeros((1, 2, 2)))


def test_quantized_rescaling_wraps_the_integer_input(tmp_path):
    inp = keras.Input((3,))
    model = keras.Model(inp, Dequantizer()(QuantizedRescaling(0.25)(inp)))
    x = np.array([[1.7, -2.5, 255.0]], np.float32)
    out = check_round_trip(model, x, tmp_path)
    assert out.tolist() == [[0.25, -0.5, 63.75]]  # truncated toward zero, then scaled
    with pytest.raises(ValueError, match="QuantizedRescaling.*offset"):
        QuantizedRescaling(0.5, offset=1.0)
    with pytest.raises(ValueError, match="QuantizedRescaling.*scale"):
        QuantizedRescaling([0.5, 1.0])


def test_layers_register_under_the_hwq_quantizeml_package():
    assert keras.saving.get_registered_name(QuantizedDense) == "hwq.quantizeml>QuantizedDense"
    assert register  # the decorator the layers use
