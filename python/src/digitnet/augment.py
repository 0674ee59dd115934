"""Augmentation, vectorised over the batch: zero-filled shifts (ink never wraps around the edge)."""

from __future__ import annotations

import numpy as np


def shift(images: np.ndarray, dx: np.ndarray, dy: np.ndarray) -> np.ndarray:
    """Shift each (H, W) image right by dx[n] and down by dy[n] pixels, filling with zeros.

    One slice copy per distinct offset (at most a few dozen), not a loop over images.
    """
    n, h, w = images.shape
    out = np.zeros_like(images)
    if n == 0:
        return out
    key = (dy + h) * (2 * w + 1) + (dx + w)  # one integer per (dx, dy) pair
    order = np.argsort(key, kind="stable")
    starts = np.flatnonzero(np.diff(key[order], prepend=-1))
    for group in np.split(order, starts[1:]):
        x, y = int(dx[group[0]]), int(dy[group[0]])
        if abs(x) >= w or abs(y) >= h:
            continue  # shifted entirely out of frame: stays zero
        out[group, max(y, 0) : h + min(y, 0), max(x, 0) : w + min(x, 0)] = images[
            group, max(-y, 0) : h + min(-y, 0), max(-x, 0) : w + min(-x, 0)
        ]
    return out


def random_shift(
    images: np.ndarray, rng: np.random.Generator, max_shift: int, sigma: float = 0.0
) -> np.ndarray:
    """Shift each image by an independent offset in [-max_shift, max_shift]^2: uniform, or with
    sigma > 0 a rounded normal(0, sigma) clipped to that range (mostly small, sometimes large)."""
    if sigma > 0:
        d = np.rint(rng.normal(0.0, sigma, size=(2, len(images))))
        dx, dy = np.clip(d, -max_shift, max_shift).astype(np.intp)
    else:
        dx, dy = rng.integers(-max_shift, max_shift + 1, size=(2, len(images)))
    return shift(images, dx, dy)


def fixed_shift(images: np.ndarray, distance: int, seed: int = 0) -> np.ndarray:
    """Shift every image by exactly `distance` pixels (Chebyshev) in a fixed random direction.

    Directions are the 8 compass points, drawn once from `seed`, so an evaluation is repeatable.
    """
    rng = np.random.default_rng(seed)
    d = rng.integers(0, 8, size=len(images))
    compass = np.array([(1, 0), (1, 1), (0, 1), (-1, 1), (-1, 0), (-1, -1), (0, -1), (1, -1)])
    dx, dy = (compass[d] * distance).T
    return shift(images, dx, dy)
