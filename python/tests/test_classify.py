"""Model.classify(x, k=3): the k most probable digits as (digit, probability) tuples, most
probable first, ties lower digit first, as JS's model.classify (nox -s parity compares the two on
every MNIST test digit)."""

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import zero_weight_model

from digitnet import load_model
from digitnet.errors import InputError

ROOT = Path(__file__).resolve().parents[2]

MODEL = ROOT / "js" / "model.json"


def tied_model(tmp_path, bias):
    """784-10 with zero weights: the logits are the biases (loaded from a file, as users do)."""
    path = tmp_path / "model.json"
    path.write_text(json.dumps(zero_weight_model((784, 10), scale=0.01, last_bias=bias)))
    return load_model(path)


def test_top_k_with_predicts_probabilities():
    model = load_model(MODEL)
    rng = np.random.default_rng(0)
    for _ in range(20):
        x = rng.random(784) * (rng.random(784) < 0.2)
        p = model.predict(x)
        top = model.classify(x)
        assert len(top) == 3
        assert top == sorted(((d, float(p[d])) for d in range(10)), key=lambda t: -t[1])[:3]
        assert top[0][0] == int(p.argmax())
        assert all(isinstance(d, int) and isinstance(q, float) for d, q in top)
        assert model.classify(x, 10)[:3] == top


def test_k_and_batches():
    model = load_model(MODEL)
    x = np.zeros(784)
    full = model.classify(x, 10)
    assert [model.classify(x, k) for k in range(11)] == [full[:k] for k in range(11)]
    assert model.classify(x, 11) == full
    assert model.classify(np.stack([x, x]), 2) == [full[:2], full[:2]]
    assert model.classify([list(x)], 1) == [full[:1]]


# FORMAT.md, "classify": k is an integer >= 0; JS's model.classify refuses the same list.
BAD_K = [-1, 2.5, float("nan"), float("inf"), -float("inf"), "3", True, None, 10**400, [3]]


@pytest.mark.parametrize("k", BAD_K + [np.float64(0.5), np.bool_(True)])
@pytest.mark.parametrize("x", [np.zeros(784), None])
def test_a_bad_k_is_one_line_before_x_is_looked_at(k, x):
    with pytest.raises(InputError, match=r"^classify: k is [^;]+; expected an integer >= 0$"):
        load_model(MODEL).classify(x, k)


def test_k_counts_as_json_does():
    model, x = load_model(MODEL), np.zeros(784)
    assert model.classify(x, 3.0) == model.classify(x, np.int64(3)) == model.classify(x)
    assert model.classify(x, 2**53) == model.classify(x, 10)


def test_bad_input_is_named_classify():
    with pytest.raises(InputError, match=r"^classify: x\[3\] is 255.0; expected"):
        load_model(MODEL).classify([0.0, 0.0, 0.0, 255.0] + [0.0] * 780)


def test_ties_keep_the_lower_digit_first(tmp_path):
    model = tied_model(tmp_path, [0.25] * 10)
    x = np.zeros(784)
    assert [d for d, _ in model.classify(x, 10)] == list(range(10))
    assert {q for _, q in model.classify(x, 10)} == {0.1}
    model = tied_model(tmp_path, [0, 0, 1, 0, 2, 0, 1, 0, 0, 0])
    assert [d for d, _ in model.classify(x, 10)] == [4, 2, 6, 0, 1, 3, 5, 7, 8, 9]
