import base64
import json

import numpy as np
import pytest
from conftest import dequantize

from digitnet import export, layout, model, quantize, reference
from digitnet.conformance import PROBABILITY_TOLERANCE as TOL

FIXTURES = layout.FIXTURES


@pytest.mark.parametrize("per_channel", [True, False])
def test_error_is_at_most_half_a_step(per_channel):
    w = np.random.default_rng(0).standard_normal((784, 128)) * 0.05
    w[3, 7] = 0.9  # an outlier in one column
    q, scales = quantize.quantize(w, per_channel)
    assert q.dtype == np.int8 and q.min() >= -127 and q.max() <= 127
    assert scales.shape == ((128,) if per_channel else (1,))
    err = np.abs(w - dequantize(q, scales))
    assert (err <= scales / 2 + 1e-15).all()
    assert np.abs(q).max() == 127  # the scale uses the whole range


def test_per_channel_is_finer_where_columns_differ():
    w = np.random.default_rng(1).standard_normal((64, 10)) * np.linspace(0.01, 1, 10)
    err = {pc: np.abs(w - dequantize(*quantize.quantize(w, pc))).mean() for pc in (True, False)}
    assert err[True] < err[False] * 0.75


def test_zero_column_keeps_a_valid_scale():
    q, scales = quantize.quantize(np.zeros((4, 3)))
    assert (scales > 0).all() and not q.any()


@pytest.mark.parametrize("per_channel", [True, False])
def test_json_round_trip_is_exact(per_channel):
    params = model.init_params(np.random.default_rng(2))
    params = [
        (w, np.random.default_rng(3).standard_normal(b.shape).astype(np.float32) * 0.1)
        for w, b in params
    ]
    doc = export.model_document(params, "1.2.3", per_channel, {"note": "test"})
    text = export.dumps(doc)
    again = json.loads(text)
    assert again == doc
    m = reference.load_model(again)
    for layer, spec, (w, b) in zip(m.layers, doc["layers"], params):
        assert layer.bias.tolist() == spec["bias"]  # biases are never rounded on the way
        assert np.allclose(layer.bias, b, rtol=1e-7, atol=0)  # ... and keep float32 precision
        step = np.array(spec["scales"] if per_channel else [spec["scale"]])
        assert (np.abs(layer.weights - w) <= step / 2 + TOL).all()


def test_published_weights_requantize_to_their_own_bytes():
    """export stores quantize()'s q and scales as they are: quantizing 1.0.0's own dequantized
    weights gives its model.json byte for byte (the published files never change)."""
    raw = (layout.version_file(FIXTURES, "1.0.0", layout.MODEL)).read_bytes()
    doc = json.loads(raw)
    params = [(layer.weights, layer.bias) for layer in reference.load_model(doc).layers]
    per_channel = "scales" in doc["layers"][0]
    again = export.model_document(params, doc["version"], per_channel, doc["metadata"])
    assert export.dumps(again) == raw


@pytest.mark.parametrize("per_channel", [True, False])
def test_the_file_stores_quantize_output(per_channel):
    params = model.init_params(np.random.default_rng(4))
    doc = export.model_document(params, "1.2.3", per_channel, {})
    for (w, _), spec in zip(params, doc["layers"]):
        q, scales = quantize.quantize(w, per_channel)
        stored = np.frombuffer(base64.b64decode(spec["weights"]), np.int8).reshape(q.shape)
        assert (stored == q).all()
        assert (spec["scales"] if per_channel else [spec["scale"]]) == scales.tolist()
        assert [quantize.short_float(s) for s in scales] == scales.tolist()  # 9 digits, not 17


@pytest.mark.parametrize("per_channel", [True, False])
def test_a_weight_exactly_halfway_rounds_to_even(per_channel):
    """FORMAT.md's tie rule: w / scale = k + 0.5 exactly goes to the even level (not half up,
    not away from zero). A peak of 63.5 gives the scale 0.5, stored as it is."""
    w = np.array([[63.5], [1.25], [1.75], [-1.25], [-1.75], [0.25], [-63.5]])
    q, scales = quantize.quantize(w, per_channel)
    assert scales.tolist() == [0.5]
    assert q[:, 0].tolist() == [127, 2, 4, -2, -4, 0, -127]


def test_4_bit_layers_load_as_their_levels_times_their_scales():
    """784-3-5-10: layer 1's 15 levels end in a padding nibble; an 8-bit layer beside 4-bit ones
    is written as in 1.x (no `bits`)."""
    params = model.init_params(np.random.default_rng(5), sizes=(784, 3, 5, 10), dtype=np.float64)
    doc = export.model_document(params, "2.0.0", False, {}, bits=(4, 4, 8))
    m = reference.load_model(json.loads(export.dumps(doc)))
    for layer, spec, (w, _), bits in zip(m.layers, doc["layers"], params, (4, 4, 8)):
        q, scales = quantize.quantize(w, bits < 8, bits)
        top = quantize.levels(bits)
        assert q.min() >= -top and np.abs(q).max() == top
        assert (layer.weights == dequantize(q, scales)).all()
        assert spec.get("bits", 8) == bits and ("scales" in spec) == (bits < 8)
        assert len(base64.b64decode(spec["weights"])) == (w.size * bits + 7) // 8


@pytest.mark.parametrize(
    ("levels", "packed"),
    [([[1], [-1], [7]], b"\x1f\x70"), ([[1, 2], [-7, 0]], b"\x19\x20")],
)
def test_4_bit_packing_is_format_mds_worked_example(levels, packed):
    """FORMAT.md: neuron-major, two levels a byte, high nibble first, a zero padding nibble."""
    assert export.weight_bytes(np.array(levels, np.int8), 4) == packed


def test_levels_and_peak_scales():
    assert [quantize.levels(b) for b in (4, 8)] == [7, 127]
    w = np.array([[0.7, -0.0, 2.8], [-1.4, 0.0, 1.4]], dtype=np.float32)
    per_channel = quantize.peak_scales(w, True, 4)
    assert per_channel.dtype == np.float32  # in w's dtype: training's float32 stays float32
    assert per_channel.tolist() == np.array([0.2, 1.0, 0.4], dtype=np.float32).tolist()
    assert quantize.peak_scales(w, False, 8).tolist() == [np.float32(2.8) / np.float32(127)]


def test_fake_quantization_of_training():
    w = np.array([[0.875, 0.25], [-0.3125, -0.0625]])  # binary fractions: exact arithmetic
    assert quantize.fake(w, 8) == (w, None)  # 8 bits: training stays in float
    wq, mask = quantize.fake(w, 4)  # per channel, the peak's scales: 0.125 and 0.25 / 7
    assert wq[:, 0].tolist() == [0.875, -0.25] and mask.all()  # -2.5 levels: ties to even, -2
    assert wq[:, 1].tolist() == [0.25, -2 * (0.25 / 7)]  # -1.75 levels: -2
    wq, mask = quantize.fake(w, 4, scales=np.array([0.0625, 0.25]))  # given scales: clipped
    assert wq[:, 0].tolist() == [0.4375, -0.3125] and mask[:, 0].tolist() == [False, True]
    assert wq[:, 1].tolist() == [0.25, 0.0] and mask[:, 1].tolist() == [True, True]
    wq, mask = quantize.fake(-w, 4, scales=np.array([0.0625, 0.25]))  # clipped below too
    assert wq[:, 0].tolist() == [-0.4375, 0.3125] and mask[:, 0].tolist() == [False, True]


@pytest.mark.parametrize("bits, top", [(4, 7), (8, 127)])
def test_quantize_at_each_width_uses_its_levels(bits, top):
    w = np.array([[1.0, -2.0], [-0.5, 0.25]])
    q, scales = quantize.quantize(w, True, bits)
    assert np.abs(q).max(axis=0).tolist() == [top, top]
    assert scales.tolist() == [quantize.short_float(1.0 / top), quantize.short_float(2.0 / top)]
    assert quantize.quantize(np.zeros((2, 1)), True, bits)[1].tolist() == [1.0]


def test_per_channel_by_default_and_integer_weights():
    w = np.array([[127, -254], [1, 2]])  # integers are weights too: scales 1 and 2, not 0
    q, scales = quantize.quantize(w)
    assert scales.tolist() == [1.0, 2.0] and q.tolist() == [[127, -127], [1, 1]]
    assert quantize.quantize(w, per_channel=False)[1].tolist() == [2.0]


@pytest.mark.parametrize("dtype", [np.int64, np.int8, np.float16])
def test_any_numbers_quantize_as_their_float64_values(dtype):
    """Weights of another dtype (integers, half floats) get the scales their float64 values
    would: the scale's division is never done in integers (2 / 127 is not 0) nor in float16."""
    w = np.array([[1, -3], [2, 5], [-2, 1]], dtype=dtype)
    q, scales = quantize.quantize(w)
    assert scales.tolist() == [quantize.short_float(2 / 127), quantize.short_float(5 / 127)]
    assert q.tolist() == [[64, -76], [127, 127], [-127, 25]]
    same = quantize.quantize(w.astype(np.float64))
    assert (q == same[0]).all() and scales.tolist() == same[1].tolist()
