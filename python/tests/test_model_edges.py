"""The reference model's edges, asserted to the letter: the whole message of each refusal (as
js/test/load.test.js pins the JS loader's), classify's order and its k, the input checks' names,
softmax and the conformance comparisons at their limits."""

from __future__ import annotations

import copy
import math
import warnings

import numpy as np
import pytest
from conftest import b64
from conftest import zero_weight_model as document

from digitnet import conformance, engine, reference, validate
from digitnet.errors import DigitnetError, InputError

RANGE = "expected numbers in [0, 1] (pixel bytes / 255)"


def refusal(doc) -> str:
    with pytest.raises(DigitnetError) as e:
        reference.load_model(doc)
    return str(e.value)


def edit(doc: dict, k: int, **fields) -> dict:
    doc = copy.deepcopy(doc)
    for key, value in fields.items():
        if value is None:
            doc["layers"][k].pop(key)
        else:
            doc["layers"][k][key] = value
    return doc


def weights(count: int, at: dict) -> str:
    """`count` zero bytes but the given ones ({index: byte})."""
    data = bytearray(count)
    for i, v in at.items():
        data[i] = v
    return b64(data)


def test_a_layer_s_refusals_say_what_was_expected_and_what_came():
    d = document()
    doc = copy.deepcopy(d)
    doc["layers"][1] = [1, 2]
    cases = [
        (doc, "layers[1]: expected an object, got 2 items"),
        (edit(d, 1, outputs=9), "layers[1].outputs: expected 10, got 9"),
        (edit(d, 0, outputs=0), "layers[0].outputs: expected a positive integer, got 0"),
        (edit(d, 0, activation="tanh"), 'layers[0].activation: expected "relu", got "tanh"'),
        (edit(d, 1, activation="relu"), 'layers[1].activation: expected "softmax", got "relu"'),
        (edit(d, 0, bits=5), "layers[0].bits: expected 4 or 8, got 5"),
        (edit(d, 1, scales=[0.5] * 10), 'layers[1].scales: expected one of "scales" and "scale"'),
        (edit(d, 1, scale=None), 'layers[1].scales: expected one of "scales" and "scale"'),
        (
            edit(d, 1, scale=None, scales=[0.5, 0.5, float("nan")] + [0.5] * 7),
            "layers[1].scales[2]: expected a positive number with 127*s finite, got nan",
        ),
        (
            edit(d, 0, scale=1e307),
            "layers[0].scale: expected a positive number with 127*s finite, got 1e+307",
        ),
        (
            edit(d, 1, bias=[0.0] * 4 + [float("inf")] + [0.0] * 5),
            "layers[1].bias[4]: expected a finite number, got inf",
        ),
        (
            edit(d, 0, bias=[0.0, None, 0.0]),
            "layers[0].bias[1]: expected a finite number, got None",
        ),
    ]
    for doc, message in cases:
        assert refusal(doc) == f"model: {message}"


def test_weights_refusals_name_what_is_wrong_with_them():
    d = document()
    expected = "layers[1].weights: expected a canonical base64 string, got"
    cases = [
        (edit(d, 1, weights=None), f"{expected} undefined"),
        (edit(d, 1, weights=[1, 2]), f"{expected} 2 items"),
        (edit(d, 1, weights=30), f"{expected} 30"),
        (edit(d, 1, weights="AAB="), f'{expected} "AAB="'),  # the unused bits are not zero
        (edit(d, 1, weights="AAAA\n"), f'{expected} "AAAA\\n"'),  # no whitespace
        (edit(d, 1, weights=b64(bytes(29))), "layers[1].weights: expected 30 bytes, got 29"),
        (
            edit(d, 0, weights=weights(784 * 3, {1000: 0x80})),
            "layers[0].weights: byte 1000 is -128 (expected -127..127)",
        ),
    ]
    for doc, message in cases:
        assert refusal(doc) == f"model: {message}"


def test_four_bit_levels_name_the_nibble():
    # 784 x 3 then 3 x 3 (9 nibbles: 5 bytes, the last one's low nibble is padding), 3 x 10
    d = document((784, 3, 3, 10), bits=4)
    reference.load_model(d)
    cases = [
        (edit(d, 1, weights=weights(5, {0: 0x08})), "nibble 1 is -8 (expected -7..7)"),
        (edit(d, 1, weights=weights(5, {2: 0x80})), "nibble 4 is -8 (expected -7..7)"),
        (edit(d, 1, weights=weights(5, {4: 0x01})), "nibble 9 is not 0"),
    ]
    for doc, message in cases:
        assert refusal(doc) == f"model: layers[1].weights: {message}"
    # 7 and -7 at nibbles 0 and 8 (high nibble first): the levels are read neuron by neuron
    m = reference.load_model(edit(d, 1, weights=weights(5, {0: 0x70, 4: 0x90})))
    assert m.layers[1].weights.T.ravel().tolist() == [3.5, 0, 0, 0, 0, 0, 0, 0, -3.5]


def test_a_layer_that_could_overflow_is_refused_without_a_warning():
    # 784 inputs of up to 1 times 127 * 1e306: far beyond the largest double
    d = document(scale=1e306)
    d["layers"][0]["weights"] = b64(b"\x7f" * (784 * 3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert refusal(d) == "model: layers[0]: output 0 can reach inf"


def test_json_constants_are_refused_by_name():
    assert refusal('{"format": NaN}') == "model: invalid JSON (NaN is not JSON)"
    assert refusal('{"a": -Infinity}') == "model: invalid JSON (-Infinity is not JSON)"


def test_as_float_is_the_double_javascript_holds():
    assert validate.as_float(10**400) == math.inf
    assert validate.as_float(-(10**400)) == -math.inf
    assert validate.as_float(np.float32(0.5)) == 0.5 and validate.as_float(3) == 3.0
    assert validate.as_float(True) is None and validate.as_float("1") is None


# Probabilities softmax(bias): digits 0 2 3 6 7 8 tie on top, then 1 4, then 5 9.
TIES = [1.0, 0.0, 1.0, 1.0, 0.0, -1.0, 1.0, 1.0, 1.0, -1.0]
X = np.full(784, 0.5)


@pytest.fixture(scope="module")
def tied():
    return reference.load_model(document(last_bias=TIES))


def test_classify_ranks_ties_lower_digit_first(tied):
    p = tied.predict(X)
    order = [0, 2, 3, 6, 7, 8, 1, 4, 5, 9]
    assert tied.classify(X, 10) == [(d, float(p[d])) for d in order]
    assert tied.classify(X) == [(0, float(p[0])), (2, float(p[2])), (3, float(p[3]))]
    assert tied.classify(X, 3.0) == tied.classify(X, 3)  # 3.0 is 3, as in JSON
    assert tied.classify(X, 11) == tied.classify(X, 10)
    assert tied.classify(X, 0) == [] and tied.classify([X, X], 0) == [[], []]
    assert tied.classify(np.vstack([X, X]), 2) == [tied.classify(X, 2)] * 2


@pytest.mark.parametrize(
    "k, shown",
    [("3", "str"), (None, "NoneType"), (True, "bool"), (-1, "-1"), (2.5, "2.5")]
    + [(float("nan"), "nan"), (math.inf, "inf"), (-0.5, "-0.5")],
)
def test_classify_refuses_a_k_that_is_not_a_count(tied, k, shown):
    with pytest.raises(InputError) as e:
        tied.classify(None, k)  # k is checked before x
    assert str(e.value) == f"classify: k is {shown}; expected an integer >= 0"


def test_each_method_names_itself_when_refusing_x(tied):
    for fn in ("predict", "forward", "classify"):
        with pytest.raises(InputError) as e:
            getattr(tied, fn)(None)
        assert str(e.value) == f"{fn}: expected 784 numbers or an N x 784 array, got NoneType"
    with pytest.raises(InputError) as e:
        reference.check_input(np.zeros(3))  # the default name: forward's
    assert str(e.value) == "forward: x: expected 784 values per digit, got shape (3,)"


def test_the_input_checks_messages_in_full(tied):
    masked = np.ma.masked_array(np.zeros(784), mask=np.zeros(784, bool))
    big = np.full(784, 0.5, dtype=np.longdouble)
    big[3] = np.longdouble(1) + np.finfo(np.longdouble).eps  # rounds to 1.0 where it is wider
    cases = [
        (masked, "x is a masked array; expected plain numbers (fill it first)"),
        ([masked], "x[0] is a masked array; expected plain numbers"),
        (np.zeros((2, 784), bool), f"x: {RANGE}, got an array of bool"),
        (np.zeros((2, 783)), "x: expected 784 values per digit, got shape (2, 783)"),
        (big, f"x[3] is {big[3]!r}; {RANGE}"),
    ]
    for x, message in cases:
        with pytest.raises(InputError) as e:
            tied.predict(x)
        assert str(e.value) == f"predict: {message}"


def test_check_input_gives_float64():
    for x in ([0, 1] * 392, np.zeros((2, 784), np.uint8), np.zeros(784, np.float32)):
        a = reference.check_input(x)
        assert a.dtype == np.float64 and a.shape[-1] == 784


def test_softmax_at_the_edges_of_the_doubles():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warning either
        # z - max is -inf here: exp gives 0, as JS's Math.exp does
        assert engine.softmax(np.array([-1.7e308, 1.7e308])).tolist() == [0.0, 1.0]
        e = np.exp(np.array([0.0, -1.0]))
        assert engine.softmax(np.array([1000.0, 999.0])).tolist() == (e / e.sum()).tolist()


def test_max_difference_counts_nan_and_null_as_infinitely_far():
    # JSON.stringify writes a NaN as null: a JS engine's NaN reaches Python as None
    assert conformance.max_difference([None, 0.5], [0.5, 0.5]) == math.inf
    assert conformance.max_difference([0.5, 0.5], [0.5, None]) == math.inf
    assert conformance.max_difference([np.nan], [np.nan]) == math.inf
    assert conformance.max_difference([0.5], [0.5, 0.5]) == math.inf
    assert conformance.max_difference([], []) == 0.0
    assert conformance.max_difference([[0.25, 1]], [[0.5, 1]]) == 0.25


def test_probabilities_agree_within_the_tolerance_and_on_the_top_digit():
    agree = conformance.probabilities_agree
    assert agree([1e-12, 1.0], [0.0, 1.0])  # exactly the tolerance is within it
    assert not agree([2e-12, 1.0], [0.0, 1.0])
    assert agree([[0.1, 0.9], [0.8, 0.2]], [[0.1, 0.9], [0.8, 0.2]])  # a batch, row by row
    assert not agree([[0.1, 0.9], [0.8, 0.2]], [[0.1, 0.9], [0.2, 0.8]])
    assert not agree([0.5, 0.5 + 1e-13], [0.5, 0.5])  # close, but the top digit differs
    assert not agree([None, 1.0], [0.0, 1.0])


def test_inputs_are_bytes_over_255():
    images = np.arange(2 * 784, dtype=np.uint32).reshape(2, 28, 28) % 256
    x = conformance.inputs(images.astype(np.uint8))
    assert x.shape == (2, 784) and x.dtype == np.float64
    assert x[1, 300] == (784 + 300) % 256 / 255
