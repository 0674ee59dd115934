"""The MLP, by hand: He initialisation, forward pass and backpropagation side by side.

Parameters are a list of (W, b) pairs, W of shape (inputs, outputs), so that z = a @ W + b,
the same row-major [inputs][outputs] order the exported int8 weights use.
"""

from __future__ import annotations

import numpy as np

SIZES = (784, 128, 64, 10)

Params = list[tuple[np.ndarray, np.ndarray]]


def init_params(rng: np.random.Generator, sizes=SIZES, dtype=np.float32) -> Params:
    """He initialisation (std sqrt(2 / fan_in)) suits ReLU layers; biases start at zero."""
    return [
        ((rng.standard_normal((i, o)) * np.sqrt(2.0 / i)).astype(dtype), np.zeros(o, dtype))
        for i, o in zip(sizes[:-1], sizes[1:])
    ]


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def forward(params: Params, x: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """Probabilities and the activations backward() needs: [x, a1, a2, ...]."""
    acts = [x]
    for W, b in params[:-1]:
        acts.append(np.maximum(acts[-1] @ W + b, 0))  # ReLU
    W, b = params[-1]
    return softmax(acts[-1] @ W + b), acts


def backward(params: Params, probs: np.ndarray, acts: list[np.ndarray], y: np.ndarray) -> Params:
    """Gradients of the mean cross-entropy, layer by layer from the top (mirrors forward)."""
    n = len(y)
    dz = probs.copy()
    dz[np.arange(n), y] -= 1  # d(softmax + cross-entropy)/dz = p - onehot
    dz /= n
    grads = []
    for k in range(len(params) - 1, -1, -1):
        a = acts[k]
        grads.append((a.T @ dz, dz.sum(axis=0)))
        if k:
            dz = (dz @ params[k][0].T) * (a > 0)  # ReLU mask: a > 0 exactly where z > 0
    return grads[::-1]


def cross_entropy(probs: np.ndarray, y: np.ndarray) -> float:
    p = probs[np.arange(len(y)), y]
    return float(-np.log(np.maximum(p, np.finfo(probs.dtype).tiny)).mean())


def predict(params: Params, x: np.ndarray, batch: int = 2000) -> np.ndarray:
    """Predicted classes, in batches to bound memory."""
    return np.concatenate(
        [forward(params, x[i : i + batch])[0].argmax(1) for i in range(0, len(x), batch)]
    )
