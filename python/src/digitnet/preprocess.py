"""Drawing -> 784-vector, the Python twin of js/src/preprocess.js.

Follows fixtures/PREPROCESS.md step by step. Every float operation is the one the spec names, in
the order it names, so the JS version and this one agree bit for bit: elementwise NumPy ops are
single IEEE float64 operations, and every sum runs sequentially in the spec's order (never
`np.sum`, which is pairwise, nor `@`, which may use FMA and blocking).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

SIDE = 28  # output frame
BOX = 20  # the longer side of the drawing's box after scaling
THRESHOLD = 0.05  # ink above this counts for the bounding box
GAIN = 1.25
TARGET = 14.0  # MNIST digits have their centre of mass at (14, 14) in pixel index coordinates
INKS = ("alpha", "dark", "light")


@dataclass(frozen=True)
class Steps:
    """The discrete decisions of one preprocessing run (fixtures record them per case)."""

    box: tuple[int, int, int, int]  # x0, y0, w, h in source pixels
    size: tuple[int, int]  # tw, th: the scaled size
    centre: tuple[float, float]  # cx, cy: the centre of mass before the shift
    shift: tuple[int, int]  # dx, dy: the whole-pixel shift


def preprocess(rgba, width, height, ink="alpha"):
    """RGBA bytes of a width x height drawing -> float64 (784,) in [0, 1], or None if empty."""
    result = preprocess_steps(rgba, width, height, ink)
    return None if result is None else result[0]


def preprocess_steps(rgba, width, height, ink="alpha") -> tuple[np.ndarray, Steps] | None:
    """`preprocess` plus the discrete decisions it took."""
    pixels = check(rgba, width, height, ink)
    amount = ink_of(pixels, ink)
    box = bounding_box(amount > THRESHOLD)
    if box is None:
        return None
    x0, y0, w, h = box
    tw, th = scaled_size(w, h)
    scaled = resample(amount[y0 : y0 + h, x0 : x0 + w], tw, th)
    scaled = np.minimum(scaled * GAIN, 1.0)
    ox, oy = (SIDE - tw) // 2, (SIDE - th) // 2
    cx, cy = centre_of_mass(scaled, ox, oy)
    # round half up, like JavaScript's Math.round; Python's round() would round halves to even
    dx, dy = math.floor(TARGET - cx + 0.5), math.floor(TARGET - cy + 0.5)
    out = np.zeros((SIDE, SIDE))
    # the scaled image lands at (ox + dx, oy + dy); what falls outside the frame is dropped
    left, top = ox + dx, oy + dy
    xs = slice(max(0, -left), min(tw, SIDE - left))
    ys = slice(max(0, -top), min(th, SIDE - top))
    if xs.start < xs.stop and ys.start < ys.stop:
        out[top + ys.start : top + ys.stop, left + xs.start : left + xs.stop] = scaled[ys, xs]
    return out.reshape(-1), Steps(box, (tw, th), (cx, cy), (dx, dy))


def check(rgba, width, height, ink) -> np.ndarray:
    """Validate the arguments in the spec's order; return the pixels as (height, width, 4)."""
    if isinstance(rgba, (bytes, bytearray)):
        pixels = np.frombuffer(rgba, dtype=np.uint8)
    elif isinstance(rgba, memoryview):
        if rgba.format != "B":
            raise TypeError(f"rgba: expected a memoryview of unsigned bytes, got {rgba.format!r}")
        pixels = np.asarray(rgba).reshape(-1)
    elif isinstance(rgba, np.ndarray):
        if rgba.dtype != np.uint8:
            raise TypeError(f"rgba: expected a uint8 ndarray, got dtype {rgba.dtype}")
        pixels = rgba.reshape(-1)
    else:
        raise TypeError(
            "rgba: expected bytes, bytearray, memoryview or a uint8 ndarray, "
            f"got {type(rgba).__name__}"
        )
    for name, value in (("width", width), ("height", height)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"{name}: expected a positive integer, got {value!r}")
        if value <= 0:
            raise ValueError(f"{name}: expected a positive integer, got {value}")
    want = int(width) * int(height) * 4
    if pixels.size != want:
        raise ValueError(
            f"rgba: expected width*height*4 = {want} bytes for {width}x{height}, got {pixels.size}"
        )
    if not isinstance(ink, str):
        raise TypeError(f"ink: expected one of {', '.join(INKS)}, got {ink!r}")
    if ink not in INKS:
        raise ValueError(f"ink: expected one of {', '.join(INKS)}, got {ink!r}")
    return pixels.reshape(int(height), int(width), 4)


def ink_of(pixels: np.ndarray, ink: str) -> np.ndarray:
    """Ink per pixel, float64 in [0, 1] (spec step 1: the exact operation order matters)."""
    p = pixels.astype(np.int64)
    alpha = p[..., 3] / 255
    if ink == "alpha":
        return alpha
    lum = (p[..., 0] + p[..., 1] + p[..., 2]) / 765
    return alpha * (1 - lum) if ink == "dark" else alpha * lum


def bounding_box(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    """(x0, y0, w, h) of the True pixels, or None when there are none."""
    cols, rows = np.flatnonzero(mask.any(axis=0)), np.flatnonzero(mask.any(axis=1))
    if cols.size == 0:
        return None
    x0, y0 = int(cols[0]), int(rows[0])
    return x0, y0, int(cols[-1]) - x0 + 1, int(rows[-1]) - y0 + 1


def scaled_size(w: int, h: int) -> tuple[int, int]:
    """The longer side becomes 20, the shorter max(1, round half up of short*20/long)."""
    long, short = max(w, h), min(w, h)
    other = max(1, (40 * short + long) // (2 * long))  # exact integer round half up
    return (BOX, other) if w >= h else (other, BOX)


def overlaps(n: int, t: int) -> list[tuple[int, int, int]]:
    """(dest, src, weight) for resampling n source pixels onto t destination pixels.

    In units where the line is n*t long, destination pixel i covers [i*n, (i+1)*n) and source
    pixel j covers [j*t, (j+1)*t); the weight is the length of their overlap, an exact integer.
    The triples come ordered by dest, then by src.
    """
    triples = []
    i = j = pos = 0
    while i < t and j < n:
        end_i, end_j = (i + 1) * n, (j + 1) * t
        end = min(end_i, end_j)
        triples.append((i, j, end - pos))
        pos = end
        i += end == end_i
        j += end == end_j
    return triples


def resample(box: np.ndarray, tw: int, th: int) -> np.ndarray:
    """Area-weighted means of `box` (h, w) on a (th, tw) grid: rows first, then columns."""
    h, w = box.shape
    rows = np.zeros((h, tw))
    for i, j, weight in overlaps(w, tw):  # each rows[:, i] sums its sources left to right
        rows[:, i] += weight * box[:, j]
    out = np.zeros((th, tw))
    for m, k, weight in overlaps(h, th):  # each out[m, :] sums its rows top to bottom
        out[m] += weight * rows[k]
    return out / (w * h)


def centre_of_mass(scaled: np.ndarray, ox: int, oy: int) -> tuple[float, float]:
    """(cx, cy) of `scaled` placed at (ox, oy) in the 28x28 frame, in pixel index coordinates.

    Sequential row-major sums, as the spec orders them: the rounding of the shift must not depend
    on how a library chose to add. The frame's zeros add nothing, so we skip them.
    """
    mass = sum_x = sum_y = 0.0
    th, tw = scaled.shape
    for m in range(th):
        for i in range(tw):
            v = float(scaled[m, i])
            mass += v
            sum_x += (ox + i) * v
            sum_y += (oy + m) * v
    return sum_x / mass, sum_y / mass
