"""The robustness suite: MNIST test digits under fixed, stated transforms (fixtures/FORMAT.md).

`digitnet verify` recomputes the suite from a published model on other machines and compares it
exactly with what export recorded, so every transform must give the same uint8 images on any CPU,
OS and NumPy. They are written in integer arithmetic only: coordinates in fixed point (1/65536
px), bilinear weights in 1/256 px, every constant an integer literal, floor shifts and floor
division, and the only random numbers are `integers` from a seeded PCG64 Generator (the same
stream everywhere). No float operation, no BLAS, nothing whose last bit depends on the machine.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Q = 16  # coordinates are integers in units of 2**-16 px
ONE = 1 << Q
SIDE = 28
CENTRE_Q = (SIDE - 1) * ONE // 2  # 13.5 px: the centre used for an image with no ink

# Inverse maps (output pixel -> source pixel) as 2x2 matrices in units of 2**-16, each entry
# round(v * 65536) of the exact value named beside it, written out so no machine computes them.
COS10, SIN10 = 64540, 11380  # cos 10° = 0.98480775..., sin 10° = 0.17364817...
COS20, SIN20 = 61584, 22415  # cos 20° = 0.93969262..., sin 20° = 0.34202014...
INV_0_8 = 81920  # 1 / 0.8 = 1.25
INV_1_2 = 54613  # 1 / 1.2 = 0.83333...

CHUNK = 500  # images per resampling pass: small enough to stay in cache
ELASTIC_SEED = 0
ELASTIC_SPACING = 7  # px between the nodes of the coarse random grid (5 x 5 nodes over 28 px)
ELASTIC_AMPLITUDE = 768  # node displacements uniform in [-3, 3] px, in units of 1/256 px

Transform = Callable[[np.ndarray], np.ndarray]  # (N, 28, 28) uint8 -> (N, 28, 28) uint8


def rotation(cos: int, sin: int) -> np.ndarray:
    """Turns the digit counter-clockwise on screen (y points down) by the angle of (cos, sin):
    output (x, y) samples source c + [[cos, -sin], [sin, cos]] (x - cx, y - cy)."""
    return np.array([[cos, -sin], [sin, cos]], dtype=np.int64)


def centre_of_mass(images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(cx, cy) of each image's ink in units of 2**-16 px, floored; 13.5 for an empty image."""
    ink = images.astype(np.int64)
    mass = ink.sum(axis=(1, 2))
    pos = np.arange(SIDE, dtype=np.int64)
    sx = (ink.sum(axis=1) * pos).sum(axis=1)  # sum of x * pixel
    sy = (ink.sum(axis=2) * pos).sum(axis=1)
    safe = np.maximum(mass, 1)
    cx = np.where(mass > 0, (sx << Q) // safe, CENTRE_Q)
    cy = np.where(mass > 0, (sy << Q) // safe, CENTRE_Q)
    return cx, cy


def grid() -> tuple[np.ndarray, np.ndarray]:
    """Output pixel coordinates (x, y), each of shape (784,), as plain integers."""
    y, x = np.divmod(np.arange(SIDE * SIDE, dtype=np.int64), SIDE)
    return x, y


def warp(images: np.ndarray, source: Callable[[np.ndarray, int], tuple]) -> np.ndarray:
    """Resample each image: source(chunk, start) gives the points (sx, sy), each (len(chunk),
    784) in units of 2**-16 px, that the output pixels of images[start:start+len(chunk)] take
    their value from. Done in chunks that stay in cache."""
    out = np.empty(images.shape, np.uint8)
    for start in range(0, len(images), CHUNK):
        chunk = images[start : start + CHUNK]
        sx, sy = source(chunk, start)
        out[start : start + CHUNK] = bilinear(chunk, sx, sy)
    return out


def bilinear(images: np.ndarray, sx: np.ndarray, sy: np.ndarray) -> np.ndarray:
    """Bilinear between the four neighbours of each source point with weights in 1/256 px, zero
    outside the image, rounded half up. All integer: the weights sum to 65536, so the result is
    at most 255, and every intermediate fits int32 (|source| < 2**15 px)."""
    n = len(images)
    pad = SIDE + 2  # a one-pixel zero border: any neighbour outside the image reads 0
    padded = np.zeros((n, pad, pad), np.int32)
    padded[:, 1:-1, 1:-1] = images
    flat = padded.reshape(-1)
    sx, sy = sx.astype(np.int32), sy.astype(np.int32)
    fx, fy = (sx >> (Q - 8)) & 255, (sy >> (Q - 8)) & 255
    # floor to a pixel, then into the padded frame: anything outside lands on the zero border
    x0 = np.minimum(np.maximum(sx >> Q, -1), SIDE) + 1
    y0 = np.minimum(np.maximum(sy >> Q, -1), SIDE) + 1
    x1, y1 = np.minimum(x0 + 1, SIDE + 1), np.minimum(y0 + 1, SIDE + 1)
    base = np.arange(n, dtype=np.int32)[:, None] * (pad * pad)
    row0, row1 = base + y0 * pad, base + y1 * pad
    total = (256 - fy) * ((256 - fx) * flat[row0 + x0] + fx * flat[row0 + x1]) + fy * (
        (256 - fx) * flat[row1 + x0] + fx * flat[row1 + x1]
    )
    return ((total + (1 << 15)) >> 16).astype(np.uint8).reshape(images.shape)


def linear_map(matrix: np.ndarray) -> Transform:
    """The map about each digit's centre of mass c: output p samples c + matrix (p - c)."""
    (a, b), (c, d) = matrix.tolist()

    def source(chunk: np.ndarray, start: int) -> tuple[np.ndarray, np.ndarray]:
        cx, cy = (v[:, None] for v in centre_of_mass(chunk))
        x, y = grid()
        dx, dy = (x << Q) - cx, (y << Q) - cy
        return cx + ((a * dx + b * dy) >> Q), cy + ((c * dx + d * dy) >> Q)

    return lambda images: warp(images, source)


def morphology(images: np.ndarray, reduce: np.ufunc) -> np.ndarray:
    """Grey erosion (np.minimum) or dilation (np.maximum) with a 3x3 square; outside is 0."""
    padded = np.zeros((len(images), SIDE + 2, SIDE + 2), np.uint8)
    padded[:, 1:-1, 1:-1] = images
    out = padded[:, 1:-1, 1:-1].copy()
    for dy in range(3):
        for dx in range(3):
            reduce(out, padded[:, dy : dy + SIDE, dx : dx + SIDE], out=out)
    return out


def upsample_axis(coarse: np.ndarray, axis: int) -> np.ndarray:
    """Linear interpolation between grid nodes ELASTIC_SPACING px apart, along `axis`, with
    integer weights (the result is ELASTIC_SPACING times the interpolated value)."""
    pos = np.arange(SIDE)
    i0, w1 = np.divmod(pos, ELASTIC_SPACING)
    lo, hi = np.take(coarse, i0, axis=axis), np.take(coarse, i0 + 1, axis=axis)
    shape = [1] * coarse.ndim
    shape[axis] = SIDE
    w1 = w1.reshape(shape).astype(np.int64)
    return (ELASTIC_SPACING - w1) * lo + w1 * hi


def elastic_nodes(n: int, seed: int = ELASTIC_SEED) -> np.ndarray:
    """Random node displacements (n, 2, 5, 5) in 1/256 px, uniform integers: image k's are the
    k-th draw of one stream, so they do not depend on the images."""
    nodes = (SIDE - 1) // ELASTIC_SPACING + 2  # 5: the last node lies beyond the last pixel
    rng = np.random.default_rng(seed)
    return rng.integers(
        -ELASTIC_AMPLITUDE, ELASTIC_AMPLITUDE + 1, size=(n, 2, nodes, nodes), dtype=np.int64
    )


def elastic_fields(nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Smooth displacements (dx, dy), each (n, 784) in units of 2**-16 px: the nodes
    interpolated bilinearly, floored."""
    fine = upsample_axis(upsample_axis(nodes, 2), 3)  # 1/256 px times SPACING**2
    fine = (fine << (Q - 8)) // (ELASTIC_SPACING * ELASTIC_SPACING)
    return fine[:, 0].reshape(len(nodes), -1), fine[:, 1].reshape(len(nodes), -1)


def elastic(images: np.ndarray) -> np.ndarray:
    nodes = elastic_nodes(len(images))

    def source(chunk: np.ndarray, start: int) -> tuple[np.ndarray, np.ndarray]:
        fx, fy = elastic_fields(nodes[start : start + len(chunk)])
        x, y = grid()
        return (x << Q) + fx, (y << Q) + fy

    return warp(images, source)


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


def fixed_shift(images: np.ndarray, distance: int, seed: int = 0) -> np.ndarray:
    """Shift every image by exactly `distance` pixels (Chebyshev) in a fixed random direction.

    Directions are the 8 compass points, drawn once from `seed`, so an evaluation is repeatable.
    """
    rng = np.random.default_rng(seed)
    d = rng.integers(0, 8, size=len(images))
    compass = np.array([(1, 0), (1, 1), (0, 1), (-1, 1), (-1, 0), (-1, -1), (0, -1), (1, -1)])
    dx, dy = (compass[d] * distance).T
    return shift(images, dx, dy)


def shifted(distance: int) -> Transform:
    return lambda images: fixed_shift(images, distance)


# The suite, in the order it is reported; `worst` (the minimum) is added by `accuracies`.
TRANSFORMS: dict[str, Transform] = {
    "shift2": shifted(2),
    "shift3": shifted(3),
    "shift4": shifted(4),
    "rotateMinus20": linear_map(rotation(COS20, -SIN20)),
    "rotateMinus10": linear_map(rotation(COS10, -SIN10)),
    "rotate10": linear_map(rotation(COS10, SIN10)),
    "rotate20": linear_map(rotation(COS20, SIN20)),
    "scale80": linear_map(np.array([[INV_0_8, 0], [0, INV_0_8]])),
    "scale120": linear_map(np.array([[INV_1_2, 0], [0, INV_1_2]])),
    "thinning": lambda images: morphology(images, np.minimum),
    "thickening": lambda images: morphology(images, np.maximum),
    "elastic": elastic,
}


def accuracies(classify: Callable[[np.ndarray], np.ndarray], images, labels, names=None) -> dict:
    """name -> accuracy of `classify` on the transformed images, then `worst`: the minimum.
    With `names`, only those transforms (and no `worst`, which needs them all)."""
    labels = np.asarray(labels, dtype=np.intp)
    result = {
        name: float((classify(transform(images)) == labels).mean())
        for name, transform in TRANSFORMS.items()
        if names is None or name in names
    }
    if names is None:
        result["worst"] = min(result.values())
    return result
