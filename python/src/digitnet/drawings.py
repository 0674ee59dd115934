"""Synthetic drawings and the preprocessing fixture file they make (fixtures/preprocess/cases.json).

Digit-like strokes are polylines in a unit square, rendered with anti-aliased edges (coverage
falls linearly over one pixel around the stroke's edge) into RGBA bytes as a canvas would give
them. `build_cases` adds the corner cases PREPROCESS.md calls out, each asserted to be what its
description says; `write_cases` writes them with the reference's output, once:

    python -m digitnet.drawings fixtures/preprocess/cases.json
"""

from __future__ import annotations

import argparse
import base64
import importlib
import itertools
import json
import os
import sys
import tempfile
from fractions import Fraction
from pathlib import Path

import numpy as np

from .errors import DigitnetError

# the module itself: the package exports the function under the same name
pre = importlib.import_module("digitnet.preprocess")

FORMAT = "digitnet-preprocess-cases"
FORMAT_VERSION = 1
VERSION = 1  # published files never change: new cases go into a new version


def arc(cx, cy, rx, ry, start, stop, n=16):
    """Points on an elliptic arc, angles in degrees, y down (270 is the top)."""
    angles = np.radians(np.linspace(start, stop, n))
    return list(zip(cx + rx * np.cos(angles), cy + ry * np.sin(angles), strict=True))


# Each digit: a list of polylines in the unit square (x right, y down).
DIGITS = {
    0: [arc(0.5, 0.5, 0.32, 0.45, 0, 360, 28)],
    1: [[(0.3, 0.25), (0.55, 0.05), (0.55, 0.95)]],
    2: [arc(0.5, 0.3, 0.32, 0.25, 190, 380) + [(0.15, 0.95), (0.88, 0.95)]],
    3: [arc(0.5, 0.28, 0.3, 0.23, 200, 450), arc(0.5, 0.73, 0.33, 0.23, 270, 510)],
    4: [[(0.7, 0.95), (0.7, 0.05), (0.12, 0.68), (0.92, 0.68)]],
    5: [[(0.82, 0.05), (0.28, 0.05), (0.22, 0.45)] + arc(0.5, 0.68, 0.32, 0.27, 215, 500)],
    6: [[(0.75, 0.05), (0.3, 0.5)] + arc(0.5, 0.72, 0.25, 0.23, 180, 540, 24)],
    7: [[(0.1, 0.05), (0.9, 0.05), (0.4, 0.95)]],
    8: [arc(0.5, 0.27, 0.25, 0.22, 0, 360), arc(0.5, 0.72, 0.3, 0.23, 0, 360)],
    9: [arc(0.5, 0.3, 0.28, 0.25, 0, 360), [(0.78, 0.3), (0.7, 0.95)]],
}


def coverage(strokes, width, height, rect, thickness, slant=0.0):
    """Stroke coverage in [0, 1] per pixel (height, width), pixel centres at (x + .5, y + .5).

    `rect` = (left, top, w, h) in canvas pixels is where the unit square lands (it may stick out
    of the canvas); `slant` shears the top to the right like italic handwriting.
    """
    left, top, rw, rh = rect
    px = np.arange(width) + 0.5
    py = (np.arange(height) + 0.5)[:, None]
    dist = np.full((height, width), np.inf)
    for line in strokes:
        pts = [(left + (u + slant * (0.5 - v)) * rw, top + v * rh) for u, v in line]
        if len(pts) == 1:
            pts = pts * 2
        for (ax, ay), (bx, by) in zip(pts[:-1], pts[1:], strict=True):
            dx, dy = bx - ax, by - ay
            length2 = dx * dx + dy * dy
            t = 0.0 if length2 == 0 else np.clip(((px - ax) * dx + (py - ay) * dy) / length2, 0, 1)
            dist = np.minimum(dist, np.hypot(px - ax - t * dx, py - ay - t * dy))
    return np.clip(thickness / 2 + 0.5 - dist, 0.0, 1.0)


def to_rgba(cover, ink, color=None, paper=None):
    """RGBA bytes of a coverage map drawn in `color` the way each ink mode expects a canvas.

    alpha: colour strokes on a transparent canvas (alpha = coverage); dark: an opaque paper
    (white unless given) with the colour blended in; light: the same on black paper.
    """
    h, w = cover.shape
    out = np.zeros((h, w, 4))
    if ink == "alpha":
        out[..., :3] = color or (0, 0, 0)
        out[..., 3] = 255 * cover
        out[cover == 0] = 0  # what getImageData gives for untouched pixels
    else:
        paper = np.array(paper or ((255, 255, 255) if ink == "dark" else (0, 0, 0)), float)
        color = np.array(color or ((0, 0, 0) if ink == "dark" else (255, 255, 255)), float)
        out[..., :3] = paper + (color - paper) * cover[..., None]
        out[..., 3] = 255
    return np.floor(out + 0.5).astype(np.uint8).tobytes()


def digit(d, width, height, ink, thickness, rect=None, slant=0.0, **colours):
    rect = rect or (0.15 * width, 0.1 * height, 0.7 * width, 0.8 * height)
    return to_rgba(coverage(DIGITS[d], width, height, rect, thickness, slant), ink, **colours)


def pixels(width, height, points, ink="alpha"):
    """A canvas with the given {(x, y): value} set: alpha bytes, or grey levels for dark/light."""
    cover = np.zeros((height, width))
    for (x, y), v in points.items():
        cover[y, x] = v / 255
    return to_rgba(cover, ink)


def case(description, width, height, ink, rgba):
    return {"description": description, "width": width, "height": height, "ink": ink, "rgba": rgba}


INKS = pre.INKS


def exact_centre(rgba, width, height, ink):
    """The preprocessing's discrete steps and the exact rational centre of mass of its floats."""
    steps = pre.preprocess_steps(rgba, width, height, ink)[1]
    x0, y0, w, h = steps.box
    tw, th = steps.size
    amount = pre.ink_of(pre.check(rgba, width, height, ink), ink)[y0 : y0 + h, x0 : x0 + w]
    scaled = np.minimum(pre.resample(amount, tw, th) * pre.GAIN, 1.0)
    ox, oy = (pre.SIDE - tw) // 2, (pre.SIDE - th) // 2
    mass = sum(Fraction(float(v)) for v in scaled.flat)
    cx = sum(Fraction(float(v)) * (ox + i) for (_, i), v in np.ndenumerate(scaled)) / mass
    cy = sum(Fraction(float(v)) * (oy + m) for (m, _), v in np.ndenumerate(scaled)) / mass
    return steps, cx, cy


def is_half(c):
    """Whether the shift's rounding of this centre is exactly on a half."""
    return Fraction(c).denominator == 2 if isinstance(c, Fraction) else (c * 2) % 2 == 1


def bar(levels, vertical=False):
    """A 1-pixel bar of alpha levels: the scaled columns (rows) take these levels exactly."""
    n = len(levels)
    where = {((0, k) if vertical else (k, 0)): v for k, v in enumerate(levels) if v}
    return pixels(1 if vertical else n, n if vertical else 1, where)


# Designed half cases: (description, width, height, rgba, exact centre (cx, cy)). Levels 255, 102
# and 51 become 1, 0.5 and 0.25 after the gain, so every sum is exact (worked out by hand in
# PREPROCESS.md's examples). The ones whose 14 - c is 2k + 1/2 catch round-half-to-even.
HALVES = [
    (
        "single pixel: 1x1 box -> 20x20 block at 4..23, centre (13.5, 13.5), shift (1, 1)",
        1,
        1,
        pixels(1, 1, {(0, 0): 255}),
        (13.5, 13.5),
    ),
    (
        "two pixels in a row, 3 apart: 4x1 box, centre x 13.5 -> dx 1 (half to even would give 0)",
        6,
        4,
        pixels(6, 4, {(1, 1): 255, (4, 1): 255}),
        (13.5, 13),
    ),
    (
        "two pixels in a column, 3 apart: 1x4 box, centre y 13.5 -> dy 1",
        4,
        6,
        pixels(4, 6, {(1, 1): 255, (1, 4): 255}),
        (13, 13.5),
    ),
    (
        "asymmetric bar .25 1 .25 .5: centre x 13.5 -> dx 1",
        4,
        1,
        bar([51, 255, 51, 102]),
        (13.5, 13),
    ),
    (
        "bar 1 1 .25 .25: centre x 10.5 -> dx 4 (14 - cx = 3.5)",
        4,
        1,
        bar([255, 255, 51, 51]),
        (10.5, 13),
    ),
    (
        "bar .25 .25 1 1: centre x 16.5 -> dx -2 (14 - cx = -2.5; floor would give -3)",
        4,
        1,
        bar([51, 51, 255, 255]),
        (16.5, 13),
    ),
    (
        "bar .25 0 0 .5 .25: centre x 15.5 -> dx -1 (14 - cx = -1.5; half to even gives -2)",
        5,
        1,
        bar([51, 0, 0, 102, 51]),
        (15.5, 13.5),
    ),
    (
        "vertical bar .25 0 0 .5 .25: centre y 15.5 -> dy -1",
        1,
        5,
        bar([51, 0, 0, 102, 51], vertical=True),
        (13.5, 15.5),
    ),
]


def half_cases():
    """Drawings whose centre of mass lands exactly on a half: the round-half-up trap."""
    cases = []
    for what, width, height, rgba, centre in HALVES:
        steps, cx, cy = exact_centre(rgba, width, height, "alpha")
        assert steps.centre == (cx, cy) == centre, (what, steps.centre, cx, cy)
        cases.append(case(f"half: {what}", width, height, "alpha", rgba))
    # Random binary blots in every ink mode (ink exactly 0 or 1 in each): keep those whose
    # centre is a half both exactly and in the spec's float sums.
    rng = np.random.default_rng(14)
    while len(cases) < len(HALVES) + 12:
        ink = INKS[len(cases) % 3]
        w, h = int(rng.integers(2, 7)), int(rng.integers(2, 7))
        grid = rng.random((h, w)) < 0.45
        grid[0, 0] = grid[-1, -1] = True
        where = {(x, y): 255 for y, x in zip(*np.nonzero(grid), strict=True)}
        rgba = pixels(w, h, where, ink)
        steps, cx, cy = exact_centre(rgba, w, h, ink)
        axes = [name for name, c in (("x", cx), ("y", cy)) if is_half(c)]
        if axes and steps.centre == (cx, cy) and rgba not in [c["rgba"] for c in cases]:
            description = (
                f"half: random {w}x{h} binary blot, {ink} ink, centre ({float(cx)}, {float(cy)}) "
                f"on a half in {' and '.join(axes)}, shift {steps.shift}"
            )
            cases.append(case(description, w, h, ink, rgba))
    return cases


def near_half_cases():
    """Mirror-symmetric digits whose exact centre is a half but whose float centre is not.

    The spec's summation order decides the shift here: an implementation that adds in another
    order (pairwise, or exactly) may round the other way and land a whole pixel off.
    """
    cases = []
    for axis, d in itertools.product("xy", (0, 8, 1, 7, 4, 2)):
        for size, thickness in itertools.product(range(8, 30), (1.0, 1.7, 2.4)):
            cover = coverage(DIGITS[d], size, size, (0, 0, size, size), thickness)
            cover = (cover + cover[:, ::-1]) / 2 if axis == "x" else (cover + cover[::-1]) / 2
            rgba = to_rgba(cover, "alpha")
            steps, cx, cy = exact_centre(rgba, size, size, "alpha")
            exact, got = (cx, steps.centre[0]) if axis == "x" else (cy, steps.centre[1])
            if is_half(exact) and got != exact:
                side = "below" if got < exact else "above"
                shift = steps.shift[0] if axis == "x" else steps.shift[1]
                description = (
                    f"near half: {d} mirrored in {axis}, {size}x{size}, stroke {thickness}: "
                    f"exact centre {axis} {float(exact)}, the spec's float sum {got!r} is a few "
                    f"ulps {side}, so d{axis} = {shift}: another summation order may round "
                    "otherwise"
                )
                cases.append(case(description, size, size, "alpha", rgba))
                break
    return cases


THICKNESS = {"thin": 0.06, "medium": 0.11, "thick": 0.18}  # fraction of the digit's height
SMALL = [
    (16, 16),
    (20, 24),
    (28, 28),
    (24, 18),
    (32, 32),
    (12, 16),
    (40, 30),
    (30, 40),
    (18, 18),
    (36, 20),
    (22, 30),
    (26, 26),
    (14, 20),
    (44, 36),
    (19, 23),
]
PENS = {  # (colour, paper) per ink mode, cycled through
    "alpha": [{}, {"color": (30, 60, 200)}, {"color": (255, 255, 255)}],
    "dark": [{}, {"color": (20, 30, 120)}, {"color": (60, 60, 60), "paper": (250, 250, 250)}],
    "light": [{}, {"color": (255, 230, 120)}, {"color": (200, 255, 200), "paper": (20, 20, 20)}],
}


def digit_cases(rng):
    """Each digit in each ink mode at three stroke thicknesses, on small canvases of many sizes."""
    cases = []
    for n, (d, ink, (name, frac)) in enumerate(
        itertools.product(range(10), PENS, THICKNESS.items())
    ):
        width, height = SMALL[n % len(SMALL)]
        fill = rng.uniform(0.55, 0.9)
        rw, rh = fill * width * rng.uniform(0.6, 0.9), fill * height
        rect = (rng.uniform(0, width - rw), rng.uniform(0, height - rh), rw, rh)
        slant = float(rng.uniform(-0.25, 0.35))
        pen = PENS[ink][n % 3]
        thickness = max(0.7, frac * rh)
        rgba = digit(d, width, height, ink, thickness, rect, slant, **pen)
        colours = ", ".join(f"{k} {v}" for k, v in pen.items()) or "default colours"
        cases.append(
            case(
                f"digit {d}, {name} stroke ({thickness:.2f} px), {ink} ink ({colours}), "
                f"{width}x{height}, slant {slant:.2f}",
                width,
                height,
                ink,
                rgba,
            )
        )
    return cases


def edge_cases(rng):
    """Ink touching or cut by the canvas edges, and small drawings on large canvases."""
    cases = []
    for d in range(10):
        width, height = SMALL[(3 * d + 1) % len(SMALL)]
        if d % 2:  # sticks out: the canvas edge cuts the strokes
            rect = (-0.2 * width, -0.15 * height, 1.3 * width, 1.25 * height)
            what = "cut by the canvas edges"
        else:  # the strokes' outer edges reach the borders exactly
            rect = (0, 0, width, height)
            what = "touching every edge"
        rgba = digit(d, width, height, "alpha", 0.12 * height, rect)
        cases.append(case(f"digit {d} {what}, {width}x{height}", width, height, "alpha", rgba))
    for k, (width, height, rw, rh) in enumerate(
        [(40, 40, 6, 8), (64, 48, 4, 5), (30, 30, 3, 3), (48, 64, 8, 12), (50, 20, 10, 5)]
    ):
        d = (7 * k + 3) % 10
        rect = (rng.uniform(0, width - rw), rng.uniform(0, height - rh), rw, rh)
        rgba = digit(d, width, height, "alpha", 1.0, rect)
        cases.append(
            case(
                f"digit {d} drawn {rw}x{rh} in a {width}x{height} canvas: enlarged",
                width,
                height,
                "alpha",
                rgba,
            )
        )
    for k, (width, height) in enumerate([(2, 2), (3, 5), (5, 3), (4, 7), (7, 4), (6, 6), (8, 3)]):
        d = (3 * k) % 10
        rgba = digit(d, width, height, "alpha", 1.2, (0, 0, width, height))
        cases.append(
            case(
                f"digit {d} squeezed into a tiny {width}x{height} canvas",
                width,
                height,
                "alpha",
                rgba,
            )
        )
    return cases


def pixel_cases():
    """1x1 canvases, single pixels, empty canvases and faint ink around the 0.05 threshold."""
    cases = []
    for ink, rgba, what in [
        ("alpha", [0, 0, 0, 255], "opaque"),
        ("alpha", [0, 0, 0, 128], "alpha 128"),
        ("alpha", [255, 0, 0, 13], "alpha 13, just above the threshold (13/255 = 0.051)"),
        ("alpha", [0, 0, 0, 12], "alpha 12, just below the threshold (12/255 = 0.047): empty"),
        ("alpha", [0, 0, 0, 0], "transparent: empty"),
        ("alpha", [255, 255, 255, 0], "transparent white (colour ignored): empty"),
        ("dark", [0, 0, 0, 255], "black on opaque paper"),
        ("dark", [255, 255, 255, 255], "white paper only: empty"),
        ("dark", [100, 150, 200, 255], "grey-blue: ink 1 - 450/765"),
        ("dark", [0, 0, 0, 64], "translucent black: ink 64/255"),
        ("dark", [243, 243, 243, 255], "grey 243: ink 0.047, below the threshold: empty"),
        ("light", [255, 255, 255, 255], "white on black"),
        ("light", [0, 0, 0, 255], "black only: empty"),
        ("light", [255, 0, 0, 255], "pure red: ink 1/3"),
    ]:
        cases.append(case(f"1x1 canvas, {ink} ink, {what}", 1, 1, ink, bytes(rgba)))
    for width, height, x, y in [
        (28, 28, 0, 0),
        (28, 28, 27, 27),
        (28, 28, 13, 14),
        (50, 10, 49, 0),
        (10, 50, 0, 49),
        (7, 3, 3, 1),
        (1, 9, 0, 4),
        (9, 1, 8, 0),
    ]:
        rgba = pixels(width, height, {(x, y): 200})
        cases.append(
            case(
                f"single pixel (alpha 200) at ({x}, {y}) of {width}x{height}",
                width,
                height,
                "alpha",
                rgba,
            )
        )
    for width, height, ink, what in [
        (28, 28, "alpha", "transparent"),
        (1, 40, "alpha", "transparent"),
        (17, 9, "dark", "white paper"),
        (9, 17, "light", "black paper"),
    ]:
        rgba = to_rgba(np.zeros((height, width)), ink)
        cases.append(case(f"empty {width}x{height} canvas ({what})", width, height, ink, rgba))
    faint = np.full((12, 16), 12 / 255)
    cases.append(
        case(
            "faint ink everywhere, alpha 12 < 0.05: empty", 16, 12, "alpha", to_rgba(faint, "alpha")
        )
    )
    cases.append(
        case(
            "off-white paper 250 (ink 0.0196) with no drawing: empty",
            16,
            12,
            "dark",
            to_rgba(np.zeros((12, 16)), "dark", paper=(250, 250, 250)),
        )
    )
    cover = coverage(DIGITS[3], 24, 24, (6, 4, 10, 14), 2.0)
    haze = np.where((np.arange(24)[:, None] + np.arange(24)) % 3 == 0, 12 / 255, 0.0)
    cases.append(
        case(
            "digit 3 in faint haze (alpha 12): haze outside the box is dropped, inside "
            "it is resampled with the strokes",
            24,
            24,
            "alpha",
            to_rgba(np.maximum(cover, haze), "alpha"),
        )
    )
    cases.append(
        case(
            "digit 3 on off-white paper 245 (ink 0.065 > 0.05): the box is the whole canvas",
            24,
            24,
            "dark",
            to_rgba(cover, "dark", paper=(245, 245, 245), color=(0, 0, 0)),
        )
    )
    return cases


def line_cases():
    """Lines and dots: extreme aspect ratios, where the short side rounds to 0 and becomes 1."""
    cases = []
    for width, height, rect, what in [
        (100, 5, (5, 2, 90, 0), "horizontal line 90 px long, 1 thick: 90x1 box -> 20x1"),
        (5, 100, (2, 5, 0, 90), "vertical line 90 px long: 1x90 box -> 1x20"),
        (60, 8, (2, 3, 56, 1), "horizontal line 56 long, 2 px thick (3-row box): 20x1"),
        (40, 40, (3, 3, 34, 34), "diagonal line corner to corner"),
        (40, 40, (3, 36, 34, -33), "anti-diagonal line"),
        (33, 21, (2, 10, 29, 0), "horizontal line in a non-square canvas"),
    ]:
        left, top, rw, rh = rect
        thickness = 2.0 if "2 px" in what else 1.0
        cover = coverage([[(0, 0), (1, 1)]], width, height, (left, top, rw, rh), thickness)
        cases.append(case(f"line: {what}", width, height, "alpha", to_rgba(cover, "alpha")))
    plus = coverage([[(0.5, 0), (0.5, 1)], [(0, 0.5), (1, 0.5)]], 21, 21, (2, 2, 16, 16), 3.0)
    cases.append(case("plus sign, symmetric", 21, 21, "alpha", to_rgba(plus, "alpha")))
    return cases


def size_half_cases():
    """Boxes whose scaled short side 20*short/long is exactly k + 1/2: rounds up."""
    cases = []
    for long, short in [(8, 3), (8, 1), (24, 3), (40, 3), (40, 1), (56, 7)]:
        assert Fraction(20 * short, long).denominator == 2
        other = pre.scaled_size(long, short)[1]
        for width, height in [(long, short), (short, long)][: 1 + (long == 8)]:
            rgba = pixels(width, height, {(x, y): 255 for x in range(width) for y in range(height)})
            cases.append(
                case(
                    f"scaled size on a half: {width}x{height} box, 20*{short}/{long} = "
                    f"{20 * short / long} -> {other}",
                    width,
                    height,
                    "alpha",
                    rgba,
                )
            )
    return cases


def frame_cases():
    """The shift pushes ink out of the 28x28 frame: lopsided drawings."""
    cases = []
    for width, height, blob, what in [
        (40, 20, (0, 0, 12, 20), "heavy block at the left, a thin tail to the right"),
        (20, 40, (0, 28, 20, 12), "heavy block at the bottom, a thin tail upwards"),
        (30, 30, (0, 0, 10, 10), "heavy corner, thin diagonal tail"),
    ]:
        cover = 0.4 * coverage([[(0, 0), (1, 1)]], width, height, (0, 0, width, height), 1.0)
        x, y, w, h = blob
        cover[y : y + h, x : x + w] = 1.0
        rgba = to_rgba(cover, "alpha")
        out, steps = pre.preprocess_steps(rgba, width, height, "alpha")
        kept = out.sum()
        gained = np.minimum(
            pre.resample(cover_ink(rgba, width, height, steps), *steps.size) * pre.GAIN, 1.0
        ).sum()
        assert kept < gained, what  # the case must really drop ink
        cases.append(
            case(
                f"ink shifted out of the frame: {what}, shift {steps.shift}",
                width,
                height,
                "alpha",
                rgba,
            )
        )
    return cases


def cover_ink(rgba, width, height, steps):
    x0, y0, w, h = steps.box
    return pre.ink_of(pre.check(rgba, width, height, "alpha"), "alpha")[y0 : y0 + h, x0 : x0 + w]


def scribble_cases(rng, count=30):
    """Random strokes on canvases of random, mostly non-square sizes, in every ink mode."""
    cases = []
    for k in range(count):
        width, height = int(rng.integers(6, 48)), int(rng.integers(6, 48))
        strokes = [
            [tuple(p) for p in rng.uniform(0, 1, (int(rng.integers(2, 6)), 2))]
            for _ in range(int(rng.integers(1, 4)))
        ]
        thickness = float(rng.uniform(0.6, 0.15 * min(width, height) + 1))
        ink = ("alpha", "dark", "light")[k % 3]
        rgba = to_rgba(coverage(strokes, width, height, (0, 0, width, height), thickness), ink)
        cases.append(
            case(
                f"scribble {k}: random strokes ({len(strokes)}), {thickness:.2f} px, "
                f"{ink} ink, {width}x{height}",
                width,
                height,
                ink,
                rgba,
            )
        )
    return cases


def large_cases():
    """A drawing pad as the demo has it (280x280, 20-pixel pen) and a wide 1000x600 canvas."""
    return [
        case(
            "digit 5 on a 280x280 pad, 20 px round pen, black on transparent (the demo)",
            280,
            280,
            "alpha",
            digit(5, 280, 280, "alpha", 20.0, (70, 40, 140, 200), 0.1),
        ),
        case(
            "digit 2, 1000x600 canvas, 28 px pen, dark ink on white paper, off centre",
            1000,
            600,
            "dark",
            digit(2, 1000, 600, "dark", 28.0, (520, 90, 260, 420), -0.1),
        ),
    ]


def build_cases():
    """Every case of the current VERSION, without its expected output."""
    rng = np.random.default_rng(20240601)
    cases = (
        digit_cases(rng)
        + edge_cases(rng)
        + half_cases()
        + near_half_cases()
        + pixel_cases()
        + line_cases()
        + size_half_cases()
        + frame_cases()
        + scribble_cases(rng)
        + large_cases()
    )
    seen = set()
    unique = []
    for c in cases:
        key = (c["width"], c["height"], c["ink"], bytes(c["rgba"]))
        if key not in seen:
            seen.add(key)
            unique.append(c)
    return unique


def compact(v: float):
    """0 and 1 as integers (most of a digit's 784 values): the same numbers, fewer bytes."""
    return int(v) if v in (0.0, 1.0) else v


def fixture(cases) -> dict:
    out = []
    for c in cases:
        result = pre.preprocess_steps(c["rgba"], c["width"], c["height"], c["ink"])
        entry = {**c, "rgba": base64.b64encode(bytes(c["rgba"])).decode("ascii")}
        if result is None:
            entry["expected"] = None
        else:
            vector, steps = result
            entry["expected"] = [compact(float(v)) for v in vector]
            entry["steps"] = {
                "box": list(steps.box),
                "size": list(steps.size),
                "centre": list(steps.centre),
                "shift": list(steps.shift),
            }
        out.append(entry)
    return {
        "format": FORMAT,
        "formatVersion": FORMAT_VERSION,
        "version": VERSION,
        "description": "Drawings (RGBA bytes) and the 784 floats fixtures/PREPROCESS.md makes of "
        "them, written by digitnet.drawings with the Python reference. An implementation passes "
        "when every case's output is within 1e-12 of `expected` and null exactly where it is.",
        "cases": out,
    }


def write_cases(path) -> int:
    """Write the fixture file atomically; refuse to replace an existing one. Returns its size."""
    path = Path(path)
    if path.exists():
        raise DigitnetError(
            f"{path}: already exists; a published fixture never changes "
            f"(write version {VERSION + 1} to a new file instead)"
        )
    data = json.dumps(fixture(build_cases()), separators=(",", ":")).encode("utf-8") + b"\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)  # mkstemp's 0600 would make a published file private
        if path.exists():  # appeared while we computed: still never overwrite
            raise DigitnetError(f"{path}: already exists; a published fixture never changes")
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return len(data)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m digitnet.drawings",
        description="Write the preprocessing fixture file (refuses an existing file).",
    )
    parser.add_argument("path", help="e.g. fixtures/preprocess/cases.json")
    args = parser.parse_args(argv)
    try:
        size = write_cases(args.path)
    except DigitnetError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    count = len(json.loads(Path(args.path).read_text())["cases"])
    print(f"wrote {args.path}: {count} cases, {size} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
