import base64
import copy
import json

import numpy as np
import pytest

from digitnet import export, model, reference
from digitnet.errors import DigitnetError, InputError


@pytest.fixture(scope="module")
def doc():
    params = model.init_params(np.random.default_rng(0))
    return json.loads(export.dumps(export.model_document(params, "0.1.0", True, {})))


def b64(n):
    return base64.b64encode(bytes(n)).decode()


# Messages for documents only a parsed dict can hold (the JSON-text cases, verdict and field,
# are fixtures/conformance/model-cases.json, run by test_conformance.py).
BAD = [
    (lambda d: d.update(format="other"), 'format: expected "digitnet-mlp", got "other"'),
    (lambda d: d.update(formatVersion=True), "formatVersion: expected 1, got True"),
    (lambda d: d.update(version="1.0.0\n"), "version: expected an ASCII X.Y.Z version"),
    (lambda d: d.pop("metadata"), "metadata: expected an object, got undefined"),
    (lambda d: d["layers"][1].update(outputs=np.bool_(True)), r"layers\[1\].outputs: expected a"),
    (lambda d: d["layers"][0].update(inputs=783), r"layers\[0\].inputs: expected 784, got 783"),
    (
        lambda d: d["layers"][1]["scales"].pop(),
        r"layers\[1\].scales: expected 64 items, got 63 items",
    ),
    (lambda d: d["layers"][1]["scales"].__setitem__(3, float("nan")), r"layers\[1\].scales\[3\]"),
    (lambda d: d["layers"][1]["scales"].__setitem__(3, 10**400), r"layers\[1\].scales\[3\]"),
    (lambda d: d["layers"][1]["scales"].__setitem__(3, 1e306 * 2), r"layers\[1\].scales\[3\]"),
    (lambda d: d["layers"][2]["bias"].__setitem__(0, float("inf")), r"layers\[2\].bias\[0\]"),
    (lambda d: d["layers"][2]["bias"].__setitem__(0, -(10**400)), r"layers\[2\].bias\[0\]"),
    (lambda d: d["layers"][2]["bias"].__setitem__(0, np.float64("nan")), r"layers\[2\].bias\[0\]"),
    (lambda d: d["metadata"].update(me=d), "model: nested deeper than 64 levels"),
    (lambda d: d["metadata"].update(t=(((),),)), None),  # tuples nest like lists: fine at 5
]


@pytest.mark.parametrize("mutate, message", BAD)
def test_strict_loading_names_the_field(doc, mutate, message):
    bad = copy.deepcopy(doc)
    mutate(bad)
    if message is None:
        reference.load_model(bad)
        return
    with pytest.raises(DigitnetError, match=message):
        reference.load_model(bad)


def test_numpy_numbers_count_as_json_numbers(doc):
    good = copy.deepcopy(doc)
    good["formatVersion"] = np.int64(1)
    good["layers"][0]["inputs"] = np.float32(784.0)
    good["layers"][1]["scales"][0] = np.float32(0.01)
    reference.load_model(good)


def test_not_json_and_missing_file(tmp_path):
    with pytest.raises(DigitnetError, match="^model: invalid JSON"):
        reference.load_model("{oops")
    with pytest.raises(DigitnetError, match="cannot read"):
        reference.load_model(tmp_path / "none.json")


def test_predict_semantics(doc):
    m = reference.load_model(doc)
    x = np.random.default_rng(1).random((5, 784))
    probs = m.predict(x)
    assert probs.dtype == np.float64 and probs.shape == (5, 10)
    assert np.allclose(probs.sum(1), 1, rtol=0, atol=1e-15)
    assert np.array_equal(m.predict(x[2]), probs[2])  # one vector or a batch: the same numbers
    out = m.forward(x[0])
    assert [h.shape for h in out["hidden"]] == [(128,), (64,)] and (out["hidden"][0] >= 0).all()
    # by hand: int8 * scale in float64, x W + b, ReLU, softmax with the maximum subtracted
    a = x[0]
    for k, spec in enumerate(doc["layers"]):
        q = np.frombuffer(base64.b64decode(spec["weights"]), np.int8).reshape(spec["inputs"], -1)
        z = a @ (q.astype(np.float64) * np.array(spec["scales"])) + np.array(spec["bias"])
        a = np.maximum(z, 0) if k < 2 else np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    assert np.allclose(a, probs[0], rtol=0, atol=1e-15)  # BLAS sums in another order


GOOD = np.linspace(0, 1, 784)


def with_(i, v):
    x = list(GOOD)
    x[i] = v
    return x


# What predict/forward refuse, as @digitnet/engine does (js/test/engine.test.js), and why.
BAD_INPUTS = [
    (None, "expected 784 numbers or an N x 784 array, got NoneType"),
    ("0" * 784, "got str"),
    (b"\x00" * 784, "got bytes"),
    (784, "got int"),
    (np.zeros(783), "expected 784 values per digit, got shape \\(783,\\)"),
    ([0.5] * 785, "expected 784 values, got 785"),
    ([], "expected 784 values, got 0"),
    (np.zeros((2, 2, 784)), r"x: expected 784 values, got shape \(2, 2, 784\)"),
    (with_(12, float("nan")), r"x\[12\] is nan; expected numbers in \[0, 1\]"),
    (with_(0, float("inf")), r"x\[0\] is inf"),
    (with_(3, "0.5"), r"x\[3\] is str; expected numbers in \[0, 1\] \(pixel bytes / 255\)"),
    (with_(6, False), r"x\[6\] is bool"),
    (with_(7, [0.5]), r"x\[7\] is list"),
    (with_(4, None), r"x\[4\] is NoneType"),
    (with_(5, 255), r"x\[5\] is 255; expected numbers in \[0, 1\] \(pixel bytes / 255\)"),
    (with_(5, 1.0000000000000002), r"x\[5\] is 1.0000000000000002"),
    (with_(5, -1e-300), r"x\[5\] is -1e-300"),
    (with_(5, 10**400), r"x\[5\] is 1000"),
    (np.arange(784, dtype=np.uint8), r"x\[2\] is 2.0; expected numbers in \[0, 1\]"),
    (np.zeros(784, dtype=bool), "expected numbers in .* got an array of bool"),
    (np.array(["0"] * 784), "got an array of <U1"),
    (np.zeros(784, dtype=object), "got an array of object"),
    (np.vstack([GOOD, GOOD * 255]), r"x\[1\]\[4\] is 1.30"),
    ([list(GOOD), with_(9, 2)], r"x\[1\]\[9\] is 2"),
    ([list(GOOD), GOOD[:-1]], r"x\[1\]: expected 784 values"),
]


@pytest.mark.parametrize("x, message", BAD_INPUTS)
def test_bad_input(doc, x, message):
    model = reference.load_model(doc)
    for fn in ("predict", "forward"):
        with pytest.raises(InputError, match=f"^{fn}: .*{message}"):
            getattr(model, fn)(x)
    assert issubclass(InputError, ValueError) and issubclass(InputError, DigitnetError)


def test_good_inputs_are_the_same_numbers(doc):
    model = reference.load_model(doc)
    want = model.predict(GOOD)
    same = [list(GOOD), tuple(GOOD), GOOD.astype(np.float64), [float(v) for v in GOOD]]
    for x in same:
        assert np.array_equal(model.predict(x), want)
    assert np.array_equal(
        model.predict(np.float32(GOOD)), model.predict(GOOD.astype(np.float32).astype(float))
    )
    ints = [0, 1] * 392
    assert np.array_equal(model.predict(ints), model.predict(np.array(ints, np.uint8)))
    assert np.array_equal(model.predict([GOOD, GOOD])[1], want)
    # -0.0, 0 and 1 are in range; so is every value preprocess gives (it clamps to 1)
    edge = [-0.0, 0, 1, 1.0] + [0.5] * 780
    assert model.predict(edge).shape == (10,)
    assert model.predict(np.zeros((0, 784))).shape == (0, 10)


def test_blocked_affine_is_the_plain_fixed_order_sum_to_the_bit():
    """Blocks and skipped all-zero inputs change no bit (batches across block edges too)."""
    from digitnet.reference import ROWS_PER_BLOCK, Layer, affine

    rng = np.random.default_rng(7)
    layer = Layer(rng.normal(size=(784, 16)), rng.normal(size=16), "relu")
    x = rng.random((ROWS_PER_BLOCK + 3, 784)) * (rng.random((ROWS_PER_BLOCK + 3, 784)) < 0.2)
    x[:, :100] = 0.0  # inputs zero in every row, as MNIST's borders are
    plain = np.zeros((len(x), 16))
    for i in range(784):
        plain += x[:, i, None] * layer.weights[i]
    plain += layer.bias
    assert np.array_equal(affine(x, layer), plain)
    assert np.array_equal(affine(x[5], layer), plain[5])
