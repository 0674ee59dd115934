import numpy as np
from conftest import loss_and_grads

from digitnet import model


def test_backward_matches_finite_differences():
    """The hand-written backward pass against central differences, in float64."""
    rng = np.random.default_rng(1)
    params = model.init_params(rng, sizes=(12, 7, 5, 10), dtype=np.float64)
    params = [(w, rng.standard_normal(b.shape) * 0.1) for w, b in params]  # nonzero biases too
    x = rng.random((6, 12))
    y = rng.integers(0, 10, 6)
    _, grads = loss_and_grads(params, x, y)
    eps = 1e-6
    for k, (w, b) in enumerate(params):
        for j, p in enumerate((w, b)):
            numeric = np.zeros_like(p)
            for i in np.ndindex(p.shape):
                old = p[i]
                p[i] = old + eps
                plus = loss_and_grads(params, x, y)[0]
                p[i] = old - eps
                minus = loss_and_grads(params, x, y)[0]
                p[i] = old
                numeric[i] = (plus - minus) / (2 * eps)
            analytic = grads[k][j]
            rel = np.abs(analytic - numeric).max() / max(
                np.abs(numeric).max(), np.finfo(np.float64).eps
            )
            assert rel < 1e-6, f"layer {k} {'Wb'[j]}: relative error {rel:.2e}"


def test_forward_shapes_and_probabilities():
    params = model.init_params(np.random.default_rng(0))
    probs, acts = model.forward(params, np.random.default_rng(1).random((3, 784), np.float32))
    assert probs.shape == (3, 10) and probs.dtype == np.float32
    assert np.allclose(probs.sum(1), 1, atol=1e-6)
    assert [a.shape[1] for a in acts] == [784, 128, 64]
