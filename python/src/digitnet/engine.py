"""Reference inference: FORMAT.md's semantics in float64, to the bit (js/src/engine.js's twin).

The loader (validate.py) dequantizes each layer once; `network` runs them in a fixed order, and
its probabilities, hidden activations and logits are what every engine must reproduce.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Layer:
    weights: np.ndarray  # (inputs, outputs) float64, dequantized
    bias: np.ndarray  # (outputs,) float64
    activation: str


ROWS_PER_BLOCK = 256  # a block's sums stay in cache while every input is added to them


def affine(a: np.ndarray, layer: Layer) -> np.ndarray:
    """x W + b, summed input by input in a fixed order (not BLAS, whose order depends on the
    batch size and the CPU): one vector or a batch, any machine, the same bits.

    Inputs that are zero in every row of a block are skipped: their products are +-0, and adding
    +-0 to a sum that starts at +0 changes no bit of it (FORMAT.md). The rest is the same loop."""
    rows = a.reshape(-1, a.shape[-1])
    z = np.zeros((len(rows), layer.bias.size))
    for start in range(0, len(rows), ROWS_PER_BLOCK):
        block, sums = rows[start : start + ROWS_PER_BLOCK], z[start : start + ROWS_PER_BLOCK]
        for i in np.flatnonzero(block.any(axis=0)):
            sums += block[:, i, None] * layer.weights[i]
    return (z + layer.bias).reshape(a.shape[:-1] + layer.bias.shape)


def softmax(z: np.ndarray) -> np.ndarray:
    # Logits are finite (FORMAT.md, Overflow) but two of opposite sign near the limit differ by
    # more than the largest double: z - max is then -inf, and exp gives 0, as JS's Math.exp does.
    with np.errstate(over="ignore"):
        e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def network(layers: list[Layer], a: np.ndarray) -> dict:
    """The layers on `a` (one vector or a batch): probabilities, hidden activations, logits."""
    hidden, logits = [], None
    for layer in layers:
        z = affine(a, layer)
        if layer.activation == "relu":
            a = np.maximum(z, 0.0)
            hidden.append(a)
        else:
            logits, a = z, softmax(z)
    return {"probs": a, "hidden": hidden, "logits": logits}
