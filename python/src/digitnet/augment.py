"""Augmentation, vectorised over the batch: zero-filled shifts (ink never wraps around the edge;
the shift itself is robustness.shift), warps (affine + elastic) through a bank of sampling maps,
random stroke thickness."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .robustness import shift  # the robustness suite's zero-filled shift, here under random offsets


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


# --- Training augmentations beyond shifts (random, for training only; the robustness suite's
# fixed transforms are in digitnet.robustness). Cheap by construction: the smooth displacement
# fields and affine maps are drawn once per run into a bank of sampling maps, and each epoch
# re-warps only part of a pool of warped images (every digit keeps its warp for a few epochs,
# under a fresh shift each epoch).

MARGIN = 8  # zero border around each digit while warping: sources may lie this far outside
CANVAS = 28 + 2 * MARGIN


@dataclass(frozen=True)
class WarpBank:
    """K sampling maps: output pixel j of map k reads the bilinear blend at canvas offset
    index[k, j] (top-left neighbour) with fractions fx[k, j], fy[k, j]."""

    index: np.ndarray  # (K, 784) int32, into a (CANVAS, CANVAS) canvas
    fx: np.ndarray  # (K, 784) float32 in [0, 1)
    fy: np.ndarray


def gaussian_smooth(field: np.ndarray, sigma: float) -> np.ndarray:
    """Separable Gaussian blur of (..., 28, 28) fields, reflecting at the edges."""
    radius = max(1, int(3 * sigma))
    taps = np.arange(-radius, radius + 1)
    kernel = np.exp(-(taps**2) / (2 * sigma**2))
    kernel /= kernel.sum()
    for axis in (-1, -2):
        pad = [(0, 0)] * field.ndim
        pad[axis] = (radius, radius)
        padded = np.pad(field, pad, mode="reflect")
        n = field.shape[axis]
        field = sum(
            w * np.take(padded, np.arange(i, i + n), axis=axis) for i, w in enumerate(kernel)
        )
    return field


def warp_bank(
    rng: np.random.Generator,
    size: int,
    elastic_rms: float,
    elastic_sigma: float,
    rotate: float,
    scale: float,
    shear: float,
) -> WarpBank:
    """`size` random maps, each an affine map about the image centre (rotation uniform in
    ±rotate degrees, scale in [1 - scale, 1 + scale], horizontal shear in ±shear) plus a smooth
    elastic field (uniform noise blurred by a Gaussian of elastic_sigma px, scaled to an RMS
    displacement of elastic_rms px)."""
    noise = rng.uniform(-1.0, 1.0, (size, 2, 28, 28))
    field = gaussian_smooth(noise, elastic_sigma) if elastic_rms > 0 else np.zeros_like(noise)
    if elastic_rms > 0:
        field *= elastic_rms / np.sqrt((field**2).mean())
    theta = np.deg2rad(rng.uniform(-rotate, rotate, size))[:, None, None]
    zoom = rng.uniform(1 - scale, 1 + scale, size)[:, None, None]
    slant = rng.uniform(-shear, shear, size)[:, None, None]
    y, x = np.mgrid[0:28, 0:28].astype(np.float64) - 13.5
    cos, sin = np.cos(theta) / zoom, np.sin(theta) / zoom
    sx = 13.5 + cos * x - sin * y + slant * y + field[:, 0]
    sy = 13.5 + sin * x + cos * y + field[:, 1]
    limit = MARGIN - 1.0  # keep all four neighbours on the canvas
    sx = np.clip(sx, -limit, 27 + limit - 1) + MARGIN
    sy = np.clip(sy, -limit, 27 + limit - 1) + MARGIN
    x0, y0 = np.floor(sx), np.floor(sy)
    index = (y0 * CANVAS + x0).astype(np.int32).reshape(size, -1)
    fx = (sx - x0).astype(np.float32).reshape(size, -1)
    fy = (sy - y0).astype(np.float32).reshape(size, -1)
    return WarpBank(index, fx, fy)


def warp(images: np.ndarray, bank: WarpBank, choice: np.ndarray, chunk: int = 1024) -> np.ndarray:
    """Image n resampled through map choice[n] (bilinear, zero outside), as uint8. Done in
    chunks whose canvas stays in cache."""
    n = len(images)
    out = np.empty((n, 784), np.uint8)
    canvas = np.zeros((min(chunk, n), CANVAS, CANVAS), np.float32)
    flat = canvas.reshape(-1)
    base = (np.arange(len(canvas), dtype=np.int32) * CANVAS * CANVAS)[:, None]
    for s in range(0, n, chunk):
        m = min(chunk, n - s)
        canvas[:m, MARGIN:-MARGIN, MARGIN:-MARGIN] = images[s : s + m]
        k = choice[s : s + m]
        i = bank.index[k] + base[:m]
        fx, fy = bank.fx[k], bank.fy[k]
        top, right = flat[i], flat[i + 1]
        right -= top
        right *= fx
        top += right  # top row blended
        bottom, corner = flat[i + CANVAS], flat[i + CANVAS + 1]
        corner -= bottom
        corner *= fx
        bottom += corner
        bottom -= top
        bottom *= fy
        top += bottom + np.float32(0.5)  # + 0.5 then truncation: rounded to the nearest byte
        out[s : s + m] = top
    return out.reshape(images.shape)


def morphology(images: np.ndarray, reduce: np.ufunc) -> np.ndarray:
    """3x3 grey erosion (np.minimum) or dilation (np.maximum), outside the image counting as 0."""
    padded = np.zeros((len(images), 30, 30), images.dtype)
    padded[:, 1:-1, 1:-1] = images
    out = images.copy()
    for dy in range(3):
        for dx in range(3):
            reduce(out, padded[:, dy : dy + 28, dx : dx + 28], out=out)
    return out


def random_thickness(
    images: np.ndarray, rng: np.random.Generator, thicken: float, thin: float
) -> np.ndarray:
    """Dilate a random `thicken` fraction of the images and erode a `thin` fraction (3x3)."""
    out = images.copy()
    draw = rng.random(len(images))
    for mask, reduce in ((draw < thicken, np.maximum), (draw >= 1 - thin, np.minimum)):
        if mask.any():
            out[mask] = morphology(images[mask], reduce)
    return out
