import base64
import copy
import json

import numpy as np
import pytest

from digitnet import export, model, reference
from digitnet.errors import DigitnetError


@pytest.fixture(scope="module")
def doc():
    params = model.init_params(np.random.default_rng(0))
    return json.loads(export.dumps(export.model_document(params, "0.1.0", True, {})))


def b64(n):
    return base64.b64encode(bytes(n)).decode()


BAD = [
    (lambda d: d.update(format="other"), "format: expected 'digitnet-mlp'"),
    (lambda d: d.update(formatVersion=2), "formatVersion: expected 1"),
    (lambda d: d.update(formatVersion=True), "formatVersion: expected 1"),
    (lambda d: d.pop("version"), "version: expected a semver"),
    (lambda d: d.update(version="1.0"), "version: expected a semver"),
    (lambda d: d.pop("metadata"), "metadata: expected an object"),
    (lambda d: d.update(layers=[]), "layers: expected a non-empty array"),
    (lambda d: d["layers"][0].pop("inputs"), r"layers\[0\].inputs: expected a positive integer"),
    (lambda d: d["layers"][1].update(outputs=0), r"layers\[1\].outputs: expected a positive"),
    (lambda d: d["layers"][1].update(outputs=1.5), r"layers\[1\].outputs: expected a positive"),
    (lambda d: d["layers"][0].update(inputs=783), r"layers\[0\].inputs: expected 784"),
    (lambda d: d["layers"][2].update(inputs=63), r"layers\[2\].inputs: expected 64"),
    (lambda d: d["layers"].pop(), r"layers\[1\].activation: expected 'softmax'"),
    (
        lambda d: d["layers"][0].update(activation="tanh"),
        r"layers\[0\].activation: expected 'relu'",
    ),
    (lambda d: d["layers"][1].update(weights="@@@@"), r"layers\[1\].weights: invalid base64"),
    (lambda d: d["layers"][1].update(weights=7), r"layers\[1\].weights: expected a base64"),
    (lambda d: d["layers"][1].update(weights=b64(100)), r"layers\[1\].weights: decodes to 100"),
    (
        lambda d: d["layers"][2].update(weights=base64.b64encode(b"\x80" * 640).decode()),
        r"layers\[2\].weights: value -128",
    ),
    (lambda d: d["layers"][1]["scales"].pop(), r"layers\[1\].scales: expected 64 finite positive"),
    (lambda d: d["layers"][1]["scales"].__setitem__(3, 0), r"layers\[1\].scales: .*item 3 is 0"),
    (lambda d: d["layers"][1]["scales"].__setitem__(3, float("nan")), r"layers\[1\].scales"),
    (lambda d: d["layers"][1].update(scale=0.1), r"layers\[1\]: expected exactly one of"),
    (lambda d: d["layers"][1].pop("scales"), r"layers\[1\]: expected exactly one of"),
    (lambda d: d["layers"][2]["bias"].__setitem__(0, float("inf")), r"layers\[2\].bias: .*item 0"),
    (lambda d: d["layers"][2]["bias"].__setitem__(0, "0.1"), r"layers\[2\].bias"),
    (lambda d: d["layers"][2].pop("bias"), r"layers\[2\].bias: expected 10"),
]


@pytest.mark.parametrize("mutate, message", BAD)
def test_strict_loading_names_the_field(doc, mutate, message):
    bad = copy.deepcopy(doc)
    mutate(bad)
    with pytest.raises(DigitnetError, match=message):
        reference.load_model(bad)


def test_not_json_and_missing_file(tmp_path):
    with pytest.raises(DigitnetError, match="not valid JSON"):
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


@pytest.mark.parametrize("x, message", [(np.zeros(783), "784"), (np.full(784, np.nan), "NaN")])
def test_bad_input(doc, x, message):
    with pytest.raises(ValueError, match=message):
        reference.load_model(doc).predict(x)
