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


def random_affine(
    images: np.ndarray, rng: np.random.Generator, rotate: float, scale: float, shear: float
) -> np.ndarray:
    """Rotate (±rotate degrees), scale (1 ± scale) and shear (±shear) each image about its centre,
    bilinear and zero-filled; returns float32 in the input's 0..255 range.

    Small affine changes mimic how differently people draw the same digit.
    """
    n, h, w = images.shape
    a = np.deg2rad(rng.uniform(-rotate, rotate, n))
    s = rng.uniform(1 - scale, 1 + scale, n)
    k = rng.uniform(-shear, shear, n)
    # inverse map: output pixel (x, y) samples the source at M @ (x - c, y - c) + c
    cos, sin = (np.cos(a) / s).astype(np.float32), (np.sin(a) / s).astype(np.float32)
    k = k.astype(np.float32)
    m00, m01, m10, m11 = cos, -sin + k * cos, sin, cos + k * sin
    c = np.float32((w - 1) / 2)
    ys, xs = (np.mgrid[0:h, 0:w].astype(np.float32) - c).reshape(2, 1, -1)
    sx = m00[:, None] * xs + m01[:, None] * ys + (c + 1)  # +1: the zero border added below
    sy = m10[:, None] * xs + m11[:, None] * ys + (c + 1)
    np.clip(sx, 0, w, out=sx)  # anything clipped lands in the zero border
    np.clip(sy, 0, h, out=sy)
    x0, y0 = sx.astype(np.intp), sy.astype(np.intp)  # floor, as both are >= 0
    fx, fy = sx - x0.astype(np.float32), sy - y0.astype(np.float32)
    W = w + 2
    padded = np.zeros((n, h + 2, W), np.float32)
    padded[:, 1:-1, 1:-1] = images
    flat = padded.ravel()
    base = y0 * W + x0 + np.arange(0, n * (h + 2) * W, (h + 2) * W)[:, None]
    top = flat[base] * (1 - fx) + flat[base + 1] * fx
    bottom = flat[base + W] * (1 - fx) + flat[base + W + 1] * fx
    return (top * (1 - fy) + bottom * fy).reshape(n, h, w)
