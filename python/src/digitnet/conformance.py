"""What "the same answer" means, written once (fixtures/FORMAT.md, "Conformance levels").

Hidden activations and logits are sums, in a fixed order, of products of numbers that every
IEEE 754 machine rounds alike (+, * and / are correctly rounded everywhere), so they are the same
bits on any CPU, NumPy version or JS engine: they are compared exactly. Probabilities go through
exp(), whose last bit is the platform's (the C library, NumPy's AVX2 or AVX-512 loops, V8), so
they are compared within PROBABILITY_TOLERANCE. Digits are read from the logits, so accuracies
computed from them are exact too.
"""

from __future__ import annotations

import math

import numpy as np

EXACT = 0.0
PROBABILITY_TOLERANCE = 1e-12
# The parity file (fixtures/FORMAT.md): 2 adds each case's logits, 3 its hidden activations, all
# checked exactly. A published file keeps its format (1.0.0: 1, 1.1.0: 2); export writes the last.
PARITY_FORMAT = "digitnet-parity"
PARITY_FORMAT_VERSIONS = (1, 2, 3)
PARITY_FORMAT_VERSION = PARITY_FORMAT_VERSIONS[-1]
BIT_EXACT = "bit-exact logits"  # the level @digitnet/engine and the Python reference claim
CONFORMANT = f"conformant at {PROBABILITY_TOLERANCE:g}"  # the level any engine must reach


def inputs(images: np.ndarray) -> np.ndarray:
    """(N, 28, 28) or (N, 784) uint8 pixels -> the reference's (N, 784) float64 inputs, each
    byte / 255 (one correctly rounded division, so every engine computes the same floats)."""
    return images.reshape(len(images), -1) / 255.0


def digits(model, images: np.ndarray) -> np.ndarray:
    """The digits a model reads in (N, 28, 28) uint8 images: argmax of the exact logits."""
    return model.forward(inputs(images))["logits"].argmax(axis=1)


def max_difference(a, b) -> float:
    """max |a - b| over equal-shaped arrays; NaN anywhere counts as infinitely far."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return math.inf
    d = np.abs(a - b)
    return math.inf if np.isnan(d).any() else float(d.max(initial=0.0))


def probabilities_agree(got, want) -> bool:
    """Within the tolerance, and the same digit on top (the first of a tie, as argmax)."""
    # max_difference reads both as float64 and is inf unless their shapes match and hold no NaN
    return max_difference(got, want) <= PROBABILITY_TOLERANCE and bool(
        (np.argmax(got, axis=-1) == np.argmax(want, axis=-1)).all()
    )
