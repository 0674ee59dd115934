"""Drawing -> 784-vector, the Python twin of js/src/preprocess.js.

Follows fixtures/PREPROCESS.md step by step. Every float operation is the one the spec names, in
the order it names, so the JS version and this one agree bit for bit: elementwise NumPy ops are
single IEEE float64 operations, and every sum runs sequentially in the spec's order (never
`np.sum`, which is pairwise, nor `@`, which may use FMA and blocking).

Sequential sums are vectorised with `np.cumsum`, which NumPy documents as a running sum (unlike
`np.sum`): each destination pixel's terms are laid out in their order, padded at the end with
zero terms (adding +0.0 leaves a sum unchanged), and the last column of the running sum is the
spec's sum. The canvas is read in bands of rows, so memory stays a few MB above the canvas's own
bytes whatever its size, as in the JS twin.
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
INKS = ("alpha", "dark", "light")  # the ink formulas a caller may name (step 1)
AUTO = "auto"  # the default: alpha ink, or contrast with the border's background (step 1)
CONTRAST = "contrast"  # what "auto" chooses on a fully opaque canvas
CHOICES = (*INKS, AUTO)


@dataclass(frozen=True)
class Steps:
    """The discrete decisions of one preprocessing run (fixtures record them per case)."""

    box: tuple[int, int, int, int]  # x0, y0, w, h in source pixels
    size: tuple[int, int]  # tw, th: the scaled size
    centre: tuple[float, float]  # cx, cy: the centre of mass before the shift
    shift: tuple[int, int]  # dx, dy: the whole-pixel shift
    ink: str = "alpha"  # the ink formula used: one of INKS, or CONTRAST
    background: int = 0  # CONTRAST: the background's r + g + b, read from the border


def preprocess(rgba, width, height, ink=AUTO):
    """RGBA bytes of a width x height drawing -> float64 (784,) in [0, 1], or None if empty."""
    result = preprocess_steps(rgba, width, height, ink)
    return None if result is None else result[0]


def preprocess_steps(rgba, width, height, ink=AUTO) -> tuple[np.ndarray, Steps] | None:
    """`preprocess` plus the discrete decisions it took: PREPROCESS.md's steps, one call each
    (js/src/preprocess.js makes the same calls, in the same order)."""
    pixels = check(rgba, width, height, ink)
    ink, background = choose_ink(pixels, ink)  # 1
    box = ink_box(pixels, ink, background)  # 2
    if box is None:
        return None
    x0, y0, w, h = box
    tw, th = scaled_size(w, h)  # 3
    # names as in js/src/preprocess.js and PREPROCESS.md: rows is R, img is A, then G
    rows = resample_rows(pixels[y0 : y0 + h, x0 : x0 + w], ink, background, tw)  # 4
    img = gain(resample_columns(rows, th), w * h)  # 5
    left, top = (SIDE - tw) // 2, (SIDE - th) // 2  # 6
    cx, cy = centre_of_mass(img, left, top)
    out, (dx, dy) = shift(img, left, top, cx, cy)  # 7
    return out, Steps(box, (tw, th), (cx, cy), (dx, dy), ink, background)


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
        raise TypeError(f"ink: expected one of {', '.join(CHOICES)}, got {ink!r}")
    if ink not in CHOICES:
        raise ValueError(f"ink: expected one of {', '.join(CHOICES)}, got {ink!r}")
    return pixels.reshape(int(height), int(width), 4)


BAND = 1 << 18  # pixels per band of rows: bounds the temporaries (a few MB each)
# ink > THRESHOLD in alpha mode is a / 255 > 0.05; a / 255 grows with a, so it is a >= this
ALPHA_MIN = int(np.argmax(np.arange(256) / 255 > THRESHOLD))


def choose_ink(pixels: np.ndarray, ink: str) -> tuple[str, int]:
    """Step 1's choice: (ink formula, background). "auto" is alpha ink on a canvas with any
    transparency, else contrast with the background: the lower median of r + g + b over the
    border pixels (a digit touching the edge moves a median little, a mean a lot)."""
    if ink != AUTO:
        return ink, 0
    if (pixels[..., 3] < 255).any():
        return "alpha", 0
    height, width = pixels.shape[:2]
    if height <= 2 or width <= 2:
        border = pixels.reshape(-1, 4)  # every pixel is on the border
    else:
        sides = (pixels[0], pixels[-1], pixels[1:-1, 0], pixels[1:-1, -1])
        border = np.concatenate(sides)
    s = border[:, :3].sum(axis=1, dtype=np.int32)
    return CONTRAST, int(np.sort(s)[(s.size - 1) // 2])


def ink_of(pixels: np.ndarray, ink: str, background: int = 0) -> np.ndarray:
    """Ink per pixel, float64 in [0, 1] (spec step 1: the exact operation order matters)."""
    alpha = pixels[..., 3] / 255
    if ink == "alpha":
        return alpha
    s = np.add(pixels[..., 0], pixels[..., 1], dtype=np.int32)  # r + g + b, exact
    s += pixels[..., 2]
    if ink == CONTRAST:  # an integer difference, one division
        if 2 * background >= 765:  # dark strokes on light paper
            return np.maximum(background - s, 0) / background
        return np.maximum(s - background, 0) / (765 - background)
    lum = s / 765
    return alpha * (1 - lum) if ink == "dark" else alpha * lum


def colour_bounds() -> dict[str, tuple[np.ndarray, str]]:
    """Per ink mode, a table by alpha of the bound on s = r + g + b that makes ink > THRESHOLD,
    read off the float ink of every (alpha, s), so a comparison gives the float's answer:
    "dark" ink falls as s grows (inked iff s <= bound), "light" ink rises (iff s >= bound).
    A test checks the comparison against the floats for all 256 x 766 pairs."""
    alpha, s = np.arange(256)[:, None] / 255, np.arange(766) / 765
    dark, light = alpha * (1 - s) > THRESHOLD, alpha * s > THRESHOLD
    last_dark = np.where(dark.any(1), 765 - np.argmax(dark[:, ::-1], axis=1), -1)
    first_light = np.where(light.any(1), np.argmax(light, axis=1), 766)
    return {
        "dark": (last_dark.astype(np.int16), "<="),
        "light": (first_light.astype(np.int16), ">="),
    }


COLOUR_BOUNDS = colour_bounds()


def has_ink(pixels: np.ndarray, ink: str, background: int = 0) -> np.ndarray:
    """ink_of(pixels, ink) > THRESHOLD, from the bytes where a table says it: the same answer,
    without the floats. Contrast ink can be exactly the float 0.05 (38 / 760), so it compares
    the floats themselves."""
    if ink == "alpha":
        return pixels[..., 3] >= ALPHA_MIN
    if ink == CONTRAST:
        return ink_of(pixels, ink, background) > THRESHOLD
    s = np.add(pixels[..., 0], pixels[..., 1], dtype=np.int16)
    s += pixels[..., 2]
    bound, side = COLOUR_BOUNDS[ink]
    limit = np.take(bound, pixels[..., 3])
    return s <= limit if side == "<=" else s >= limit


def bands(height: int, width: int, per_row: int = 1) -> range:
    """Start rows of bands of about BAND pixels (each pixel costing per_row values)."""
    return range(0, height, max(1, BAND // max(1, width * per_row)))


def ink_box(pixels: np.ndarray, ink: str, background: int = 0) -> tuple[int, int, int, int] | None:
    """The bounding box of ink > THRESHOLD, read band by band (spec step 2)."""
    height, width = pixels.shape[:2]
    cols, rows = np.zeros(width, bool), np.zeros(height, bool)
    step = bands(height, width, 2).step  # contrast ink: an int32 sum and a float per pixel
    for top in range(0, height, step):
        mask = has_ink(pixels[top : top + step], ink, background)
        cols |= mask.any(axis=0)
        rows[top : top + step] = mask.any(axis=1)
    return box_of(cols, rows)


def box_of(cols: np.ndarray, rows: np.ndarray) -> tuple[int, int, int, int] | None:
    cols, rows = np.flatnonzero(cols), np.flatnonzero(rows)
    if cols.size == 0:
        return None
    x0, y0 = int(cols[0]), int(rows[0])
    return x0, y0, int(cols[-1]) - x0 + 1, int(rows[-1]) - y0 + 1


def scaled_size(w: int, h: int) -> tuple[int, int]:
    """The longer side becomes 20, the shorter max(1, round half up of short*20/long)."""
    long, short = max(w, h), min(w, h)
    other = max(1, (40 * short + long) // (2 * long))  # exact integer round half up
    return (BOX, other) if w >= h else (other, BOX)


def overlap_arrays(n: int, t: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(dest, src, weight) arrays for resampling n source pixels onto t destination pixels.

    In units where the line is n*t long, destination pixel i covers [i*n, (i+1)*n) and source
    pixel j covers [j*t, (j+1)*t); the weight is the length of their overlap, an exact integer.
    The boundaries of both grids, merged, cut the line into the overlaps, ordered by dest, then
    by src.
    """
    ends = np.sort(
        np.concatenate((np.arange(1, t + 1, dtype=np.int64) * n, np.arange(1, n + 1) * t))
    )
    ends = ends[np.concatenate(([True], ends[1:] != ends[:-1]))]  # a shared boundary once
    starts = np.concatenate(([0], ends[:-1]))
    return starts // n, starts // t, ends - starts


def padded_terms(n: int, t: int) -> tuple[np.ndarray, np.ndarray]:
    """(src, weight), each (t, K): row i lists dest i's sources in order, then (0, 0) pads."""
    dest, src, weight = overlap_arrays(n, t)
    counts = np.bincount(dest, minlength=t)
    first = np.concatenate(([0], np.cumsum(counts)[:-1]))
    slot = np.arange(dest.size) - first[dest]
    srcs, weights = np.zeros((t, counts.max()), np.int64), np.zeros((t, counts.max()), np.int64)
    srcs[dest, slot], weights[dest, slot] = src, weight
    return srcs, weights


def sequential_sums(values: np.ndarray, srcs: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """out[..., i] = sum over k, in order, of weights[i, k] * values[..., srcs[i, k]]: each
    product one float64 multiplication, each sum a running sum from the first term."""
    return np.cumsum(weights * values[..., srcs], axis=-1)[..., -1]


def resample_rows(region: np.ndarray, ink: str, background: int, tw: int) -> np.ndarray:
    """Each row of a (h, w, 4) pixel region resampled to tw ink values, band by band."""
    h, w = region.shape[:2]
    srcs, weights = padded_terms(w, tw)
    rows = np.empty((h, tw))
    step = bands(h, w + srcs.size, 2).step  # the ink, then the terms and their running sums
    for top in range(0, h, step):
        rows[top : top + step] = sequential_sums(
            ink_of(region[top : top + step], ink, background), srcs, weights
        )
    return rows


def resample_columns(rows: np.ndarray, th: int) -> np.ndarray:
    """The (h, tw) rows resampled to th, each sum running down its column: A (step 4)."""
    srcs, weights = padded_terms(rows.shape[0], th)
    return sequential_sums(rows.T, srcs, weights).T


def gain(img: np.ndarray, area: int) -> np.ndarray:
    """Step 5: the mean (A / (w * h)), times the gain, clamped at 1."""
    return np.minimum(img / area * GAIN, 1.0)


def centre_of_mass(img: np.ndarray, left: int, top: int) -> tuple[float, float]:
    """(cx, cy) of `img` placed at (left, top) in the 28x28 frame, in pixel index coordinates.

    Sequential row-major sums (PREPROCESS.md's M, Sx, Sy), as the spec orders them: the rounding
    of the shift must not depend on how a library chose to add. The frame's zeros add nothing,
    so we skip them.
    """
    mass = sx = sy = 0.0
    th, tw = img.shape
    for m in range(th):
        for i in range(tw):
            v = float(img[m, i])
            mass += v
            sx += (left + i) * v
            sy += (top + m) * v
    return sx / mass, sy / mass


def shift(img: np.ndarray, left: int, top: int, cx: float, cy: float):
    """Step 7: the 28x28 frame with `img` placed at (left, top) and moved by (dx, dy), the
    centre's offset from (14, 14) rounded half up; ink moved out of the frame is dropped.
    Returns the 784 values and (dx, dy)."""
    # round half up, like JavaScript's Math.round; Python's round() would round halves to even
    dx, dy = math.floor(TARGET - cx + 0.5), math.floor(TARGET - cy + 0.5)
    th, tw = img.shape
    out = np.zeros((SIDE, SIDE))
    # img's pixel (i, m) lands at x = left + i + dx, y = top + m + dy; outside the frame it is
    # dropped. x, y: where its pixel (0, 0) lands; i, m: its columns and rows inside the frame
    x, y = left + dx, top + dy
    i = slice(max(0, -x), min(tw, SIDE - x))
    m = slice(max(0, -y), min(th, SIDE - y))
    if i.start < i.stop and m.start < m.stop:
        out[y + m.start : y + m.stop, x + i.start : x + i.stop] = img[m, i]
    return out.reshape(-1), (dx, dy)
