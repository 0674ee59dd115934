"""digitnet.preprocess against fixtures/PREPROCESS.md: hand-worked cases, properties, errors, and
the shared fixture file (which the JS implementation must reproduce too)."""

from __future__ import annotations

import base64
import json
import math
from pathlib import Path

import numpy as np
import pytest
from test_preprocess_cases import generator

from digitnet import preprocess
from digitnet import preprocessing as pre
from digitnet.conformance import PROBABILITY_TOLERANCE as TOL
from digitnet.errors import DigitnetError

drawings = generator()  # tools/fixtures/drawings.py, the fixture generator
CASES = Path(__file__).resolve().parents[2] / "fixtures" / "preprocess" / "cases.json"


def canvas(width, height, alphas):
    """Alpha-only RGBA bytes with {(x, y): alpha} set."""
    rgba = np.zeros((height, width, 4), np.uint8)
    for (x, y), a in alphas.items():
        rgba[y, x, 3] = a
    return rgba.tobytes()


def grid(vector):
    return np.asarray(vector).reshape(28, 28)


def block(value, xs, ys):
    """The expected 28x28 frame: `value` on columns xs and rows ys (ranges), 0 elsewhere."""
    out = np.zeros((28, 28))
    out[ys.start : ys.stop, xs.start : xs.stop] = value
    return out


# --- hand-worked cases (PREPROCESS.md, "Worked examples") -----------------------------------


def test_single_pixel_becomes_a_centred_block_shifted_half_up():
    # 1x1 box -> 20x20 block of min(1.25, 1) at 4..23; centre 13.5 -> shift floor(1.0) = 1
    # (alpha ink: the default, "auto", finds an opaque 1x1 canvas all background)
    out = grid(preprocess(canvas(1, 1, {(0, 0): 255}), 1, 1, "alpha"))
    np.testing.assert_array_equal(out, block(1.0, range(5, 25), range(5, 25)))
    # the trap: the centre is exactly on the half, 14 - 13.5 = 0.5, and the shift rounds it up
    # (Python's round would give 0 and leave the block at 4..23)
    steps = pre.preprocess_steps(canvas(1, 1, {(0, 0): 255}), 1, 1, "alpha")[1]
    assert (steps.centre, steps.shift) == ((13.5, 13.5), (1, 1))


def spec_shift(frame):
    """Step 6-7 written out from PREPROCESS.md: sequential row-major sums over all 784 pixels."""
    mass = sx = sy = 0.0
    for y in range(28):
        for x in range(28):
            v = float(frame[y, x])
            mass = mass + v
            sx = sx + x * v
            sy = sy + y * v
    return math.floor(14 - sx / mass + 0.5), math.floor(14 - sy / mass + 0.5)


def test_constant_block_shift_follows_the_sequential_sum():
    # alpha 128: a 20x20 block of 128/255 * 1.25 at 4..23. Its exact centre is 13.5, but 400
    # additions of a non-dyadic value round, so the shift is whatever the spec's sums give.
    value = 128 / 255 * 1.25
    placed = block(value, range(4, 24), range(4, 24))
    dx, dy = spec_shift(placed)
    want = block(value, range(4 + dx, 24 + dx), range(4 + dy, 24 + dy))
    a = preprocess(canvas(1, 1, {(0, 0): 128}), 1, 1)
    np.testing.assert_array_equal(grid(a), want)
    # and the pixel's position in the canvas does not matter
    np.testing.assert_array_equal(preprocess(canvas(50, 10, {(49, 3): 128}), 50, 10), a)


def test_two_pixels_side_by_side():
    # 2x1 box -> 20x10: columns 4..13 = 1, 14..23 = 0.4 * 1.25 = 0.5, rows 9..18.
    # M = 150, Sx = 10 * (85 + 0.5 * 185) = 1775, cx = 11.83 -> dx 2; cy = 13.5 -> dy 1
    out = grid(preprocess(canvas(2, 1, {(0, 0): 255, (1, 0): 102}), 2, 1))
    want = block(1.0, range(6, 16), range(10, 20)) + block(0.5, range(16, 26), range(10, 20))
    np.testing.assert_array_equal(out, want)


def test_negative_half_rounds_up_not_to_even():
    # bar .25 0 0 .5 .25 (5x1 box -> 20x4 at rows 12..15, source column j on columns
    # 4j+4..4j+7, mean 4j + 5.5): cx = .25*5.5 + .5*17.5 + .25*21.5 = 15.5, 14 - cx = -1.5
    # -> dx = -1 (half to even: -2); cy = 13.5 -> dy = 1
    out = grid(preprocess(canvas(5, 1, {(0, 0): 51, (3, 0): 102, (4, 0): 51}), 5, 1))
    want = (
        block(0.25, range(3, 7), range(13, 17))
        + block(0.5, range(15, 19), range(13, 17))
        + block(0.25, range(19, 23), range(13, 17))
    )
    np.testing.assert_array_equal(out, want)
    # on the half: 14 - 15.5 = -1.5 exactly, rounded up to -1 (half to even would give -2)
    steps = pre.preprocess_steps(canvas(5, 1, {(0, 0): 51, (3, 0): 102, (4, 0): 51}), 5, 1)[1]
    assert (steps.centre, steps.shift) == ((15.5, 13.5), (-1, 1))


def test_positive_half_above_one_and_dark_and_light_ink():
    # bar 1 1 .25 .25 as dark ink (black, black, grey 204: ink ~0.2) on white, and its negative
    # as light ink: 4x1 box -> 20x5 at rows 11..15 (cy 13, dy 1), source column j on columns
    # 4+5j..8+5j, cx = (6 + 11 + 16/4 + 21/4) / 2.5 = 10.5 -> dx = floor(4.0) = 4. (Dark ink
    # 1 - 612/765 is a hair under 0.2, which moves cx a hair left: dx is 4 either way.)
    grey = [0, 0, 204, 204]
    for ink, rgb in (("dark", grey), ("light", [255 - g for g in grey])):
        rgba = bytes(b for g in rgb for b in (g, g, g, 255))
        out = grid(preprocess(rgba, 4, 1, ink))
        levels = [(1 - 3 * g / 765) if ink == "dark" else 3 * g / 765 for g in rgb]
        # the twin's ink step is the spec's formula to the bit (dark: a hair under 0.2)
        ink_row = pre.ink_of(np.frombuffer(rgba, np.uint8).reshape(1, 4, 4), ink)[0]
        assert ink_row.tolist() == levels
        want = np.zeros((28, 28))
        for j, level in enumerate(levels):
            want[12:17, 8 + 5 * j : 13 + 5 * j] = min(level * 1.25, 1.0)
        np.testing.assert_array_equal(out, want)


def test_ink_formulas_in_the_specified_order():
    r, g, b, a = 100, 150, 200, 180
    rgba = bytes([r, g, b, a])
    for ink, value in (
        ("alpha", a / 255),
        ("dark", (a / 255) * (1 - (r + g + b) / 765)),
        ("light", (a / 255) * ((r + g + b) / 765)),
    ):
        placed = block(min(value * 1.25, 1), range(4, 24), range(4, 24))
        dx, dy = spec_shift(placed)
        want = block(min(value * 1.25, 1), range(4 + dx, 24 + dx), range(4 + dy, 24 + dy))
        np.testing.assert_array_equal(grid(preprocess(rgba, 1, 1, ink)), want)


# --- the steps, one at a time ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("w", "h", "size"),
    [
        (1, 1, (20, 20)),
        (2, 1, (20, 10)),
        (1, 2, (10, 20)),
        (90, 1, (20, 1)),  # 20/90 rounds to 0, then max(1, .)
        (8, 3, (20, 8)),  # 7.5 rounds up
        (3, 8, (8, 20)),
        (40, 1, (20, 1)),  # 0.5 rounds up
        (40, 3, (20, 2)),  # 1.5 rounds up
        (24, 3, (20, 3)),  # 2.5 rounds up (half to even would give 2)
        (7, 5, (20, 14)),  # 14.29
        (280, 280, (20, 20)),
    ],
)
def test_scaled_size(w, h, size):
    assert pre.scaled_size(w, h) == size


def overlaps(n: int, t: int) -> list[tuple[int, int, int]]:
    """The overlap weights as a list of (dest, src, weight) triples."""
    return list(zip(*(a.tolist() for a in pre.overlap_arrays(n, t))))


def test_overlap_weights():
    # 2 sources onto 3: dest i covers [2i, 2i+2), src j covers [3j, 3j+3) in sixths
    assert overlaps(2, 3) == [(0, 0, 2), (1, 0, 1), (1, 1, 1), (2, 1, 2)]
    assert overlaps(3, 1) == [(0, 0, 1), (0, 1, 1), (0, 2, 1)]
    for n, t in ((7, 20), (20, 7), (280, 20), (1, 1), (13, 13)):
        weights = overlaps(n, t)
        for i in range(t):
            assert sum(wt for d, _, wt in weights if d == i) == n
        for j in range(n):
            assert sum(wt for _, s, wt in weights if s == j) == t


def test_area_resampling_conserves_ink():
    rng = np.random.default_rng(0)
    for _ in range(40):
        h, w = (int(v) for v in rng.integers(1, 70, size=2))
        box = rng.random((h, w)) * (rng.random((h, w)) < 0.5)
        tw, th = pre.scaled_size(w, h)
        out = drawings.resample(box, tw, th)
        area = (w / tw) * (h / th)  # a destination pixel's area in source pixels
        assert out.sum() * area == pytest.approx(box.sum(), rel=TOL, abs=TOL)
        assert out.min() >= 0 and out.max() <= 1 + TOL


def test_bounding_box_threshold_and_faint_ink():
    assert preprocess(canvas(3, 3, {(1, 1): 12}), 3, 3) is None  # 12/255 = 0.047
    assert preprocess(canvas(3, 3, {(1, 1): 13}), 3, 3) is not None  # 13/255 = 0.051
    assert preprocess(canvas(5, 4, {}), 5, 4) is None
    strong = {(0, 0): 255, (3, 0): 255}
    base = preprocess(canvas(4, 3, strong), 4, 3)
    # faint ink outside the box (row 2) is dropped ...
    outside = preprocess(canvas(4, 3, {**strong, (1, 2): 12}), 4, 3)
    np.testing.assert_array_equal(outside, base)
    # ... inside it (between the strong pixels) it is resampled with them
    inside = preprocess(canvas(4, 3, {**strong, (1, 0): 12}), 4, 3)
    assert inside.sum() > base.sum()


def test_empty_in_each_ink_mode():
    white = bytes([255, 255, 255, 255] * 6)
    black = bytes([0, 0, 0, 255] * 6)
    assert preprocess(white, 3, 2, "dark") is None
    assert preprocess(black, 3, 2, "light") is None
    assert preprocess(black, 3, 2, "alpha") is not None  # opaque black is ink by alpha


def test_output_type_and_range_on_a_drawing():
    rgba = drawings.digit(3, 40, 30, "alpha", 3.0)
    out = preprocess(rgba, 40, 30)
    assert out.dtype == np.float64 and out.shape == (784,)
    assert out.min() >= 0 and out.max() <= 1
    assert out.max() == 1  # thick strokes saturate with the gain


def test_centre_of_mass_ends_within_half_a_pixel_of_14():
    rng = np.random.default_rng(1)
    checked = 0
    for k in range(60):
        width, height = int(rng.integers(5, 60)), int(rng.integers(5, 60))
        rect = (0, 0, width, height)
        rgba = drawings.digit(k % 10, width, height, "alpha", 0.1 * height + 1, rect)
        out, steps = pre.preprocess_steps(rgba, width, height)
        img = grid(out)
        x0, y0, w, h = steps.box
        ink = pre.ink_of(pre.check(rgba, width, height, "alpha"), "alpha")
        placed = np.minimum(drawings.resample(ink[y0 : y0 + h, x0 : x0 + w], *steps.size) * 1.25, 1)
        if not math.isclose(img.sum(), placed.sum(), rel_tol=TOL):
            continue  # ink left the frame: the property does not apply
        mass = img.sum()
        cx = (img.sum(axis=0) * np.arange(28)).sum() / mass
        cy = (img.sum(axis=1) * np.arange(28)).sum() / mass
        assert abs(cx - 14) <= 0.5 + 1e-9 and abs(cy - 14) <= 0.5 + 1e-9
        checked += 1
    assert checked >= 50


def test_ink_shifted_out_of_the_frame_is_dropped():
    # a heavy 12x20 block at the left and a faint diagonal: the shift moves it right by 7
    cover = 0.4 * drawings.coverage([[(0, 0), (1, 1)]], 40, 20, (0, 0, 40, 20), 1.0)
    cover[:, :12] = 1.0
    rgba = drawings.to_rgba(cover, "alpha")
    out, steps = pre.preprocess_steps(rgba, 40, 20)
    dx = steps.shift[0]
    assert dx >= 5
    img = grid(out)
    assert img[:, : dx + 4].sum() == 0  # vacated columns are 0 (image starts at 4 + dx)


# --- accepted inputs and errors -------------------------------------------------------------


def test_accepted_byte_containers_agree():
    rgba = drawings.digit(7, 12, 9, "alpha", 1.5)
    want = preprocess(rgba, 12, 9)
    array = np.frombuffer(rgba, np.uint8)
    for given in (bytearray(rgba), memoryview(rgba), array, array.reshape(9, 12, 4)):
        np.testing.assert_array_equal(preprocess(given, 12, 9), want)
    np.testing.assert_array_equal(preprocess(rgba, np.int64(12), np.uint16(9)), want)


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        (([0, 0, 0, 255], 1, 1), {}, TypeError, "rgba: expected bytes"),
        (("abcd", 1, 1), {}, TypeError, "rgba: expected bytes"),
        ((None, 1, 1), {}, TypeError, "rgba: expected bytes"),
        ((np.zeros(4, np.float32), 1, 1), {}, TypeError, "rgba: expected a uint8 ndarray"),
        ((np.zeros(4, np.int8), 1, 1), {}, TypeError, "rgba: expected a uint8 ndarray"),
        ((memoryview(np.zeros(1, np.int32)), 1, 1), {}, TypeError, "memoryview of unsigned"),
        ((bytes(4), 1.0, 1), {}, TypeError, "width: expected a positive integer"),
        ((bytes(4), True, 1), {}, TypeError, "width: expected a positive integer"),
        ((bytes(4), "1", 1), {}, TypeError, "width: expected a positive integer"),
        ((bytes(4), 1, None), {}, TypeError, "height: expected a positive integer"),
        ((bytes(0), 0, 1), {}, ValueError, "width: expected a positive integer, got 0"),
        ((bytes(4), 1, -1), {}, ValueError, "height: expected a positive integer, got -1"),
        ((bytes(8), 1, 1), {}, ValueError, r"rgba: expected width\*height\*4 = 4 bytes"),
        ((bytes(3), 1, 1), {}, ValueError, "got 3"),
        ((np.zeros((2, 2, 3), np.uint8), 2, 2), {}, ValueError, "= 16 bytes for 2x2, got 12"),
        ((bytes(4), 1, 1), {"ink": "Dark"}, ValueError, "expected one of alpha, dark, light, auto"),
        ((bytes(4), 1, 1), {"ink": "ALPHA"}, ValueError, "got 'ALPHA'"),
        ((bytes(4), 1, 1), {"ink": None}, TypeError, "ink: expected one of"),
        ((bytes(4), 1, 1), {"ink": 1}, TypeError, "ink: expected one of"),
    ],
)
def test_errors_name_the_field(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        preprocess(*args, **kwargs)


def test_unknown_keyword_is_a_type_error():
    with pytest.raises(TypeError):
        preprocess(bytes(4), 1, 1, mode="dark")


# --- the shared fixture file ----------------------------------------------------------------


@pytest.fixture(scope="module")
def fixture():
    return json.loads(CASES.read_text())


def test_fixture_header_and_coverage(fixture):
    assert fixture["format"] == "digitnet-preprocess-cases"
    assert fixture["formatVersion"] == 1 and fixture["version"] == 1
    cases = fixture["cases"]
    assert len(cases) >= 200
    descriptions = [c["description"] for c in cases]
    assert all(descriptions) and len(set(descriptions)) == len(descriptions)
    assert {c["ink"] for c in cases} == {"alpha", "dark", "light"}
    sizes = {(c["width"], c["height"]) for c in cases}
    assert {(1, 1), (280, 280), (1000, 600)} <= sizes
    assert any(w != h for w, h in sizes)
    assert sum(c["expected"] is None for c in cases) >= 5
    assert sum(d.startswith("half:") for d in descriptions) >= 8
    assert sum(d.startswith("near half:") for d in descriptions) >= 4
    assert CASES.stat().st_size < 6_000_000


def test_fixture_cases_are_well_formed(fixture):
    for c in fixture["cases"]:
        rgba = base64.b64decode(c["rgba"], validate=True)
        assert len(rgba) == c["width"] * c["height"] * 4, c["description"]
        assert c["expected"] is None or len(c["expected"]) == 784, c["description"]
        assert c["ink"] in ("alpha", "dark", "light")


def test_twin_reproduces_every_fixture_case(fixture):
    worst, worst_case = 0.0, None
    for c in fixture["cases"]:
        rgba = base64.b64decode(c["rgba"])
        result = pre.preprocess_steps(rgba, c["width"], c["height"], c["ink"])
        if c["expected"] is None:
            assert result is None, c["description"]
            continue
        assert result is not None, c["description"]
        out, steps = result
        want = c["steps"]
        assert [list(steps.box), list(steps.size), list(steps.shift)] == [
            want["box"],
            want["size"],
            want["shift"],
        ], c["description"]
        assert list(steps.centre) == want["centre"], c["description"]
        diff = float(np.abs(out - np.asarray(c["expected"], dtype=np.float64)).max())
        if diff > worst:
            worst, worst_case = diff, c["description"]
    assert worst <= TOL, f"worst case {worst_case!r}: max abs difference {worst}"


def test_fixture_half_cases_really_are_halves(fixture):
    for c in fixture["cases"]:
        if c["description"].startswith("half:"):
            cx, cy = c["steps"]["centre"]
            assert (cx * 2) % 2 == 1 or (cy * 2) % 2 == 1, c["description"]


# --- the generator's writer -----------------------------------------------------------------


def test_write_cases_refuses_an_existing_file(tmp_path):
    path = tmp_path / "cases.json"
    path.write_text("published")
    with pytest.raises(DigitnetError, match="already exists"):
        drawings.write_cases(path)
    assert path.read_text() == "published"
    assert drawings.main([str(path)]) == 2
    assert [p.name for p in tmp_path.iterdir()] == ["cases.json"]  # no temp file left behind


def test_write_cases_writes_a_readable_file(tmp_path, monkeypatch):
    few = [
        drawings.case("one pixel", 1, 1, "alpha", bytes([0, 0, 0, 255])),
        drawings.case("nothing", 2, 1, "alpha", bytes(8)),
    ]
    monkeypatch.setattr(drawings, "build_cases", lambda: few)
    path = tmp_path / "sub" / "cases.json"
    size = drawings.write_cases(path)
    data = json.loads(path.read_text())
    assert size == path.stat().st_size
    assert [c["description"] for c in data["cases"]] == ["one pixel", "nothing"]
    assert data["cases"][1]["expected"] is None and "steps" not in data["cases"][1]
    np.testing.assert_array_equal(
        grid(data["cases"][0]["expected"]), block(1.0, range(5, 25), range(5, 25))
    )
    assert sorted(p.name for p in path.parent.iterdir()) == ["cases.json"]


# --- the vectorised twin against the spec written out in plain Python (issue 14, item 8) -------


def spec_preprocess(rgba: bytes, width: int, height: int, ink: str):
    """PREPROCESS.md step by step with Python floats, one pixel and one term at a time: slow,
    and obviously the spec. The twin must give exactly these bits."""

    background = 0
    if ink == "auto":  # alpha if any pixel is transparent, else contrast with the border
        ink = "alpha" if rgba[3::4] != bytes([255]) * (width * height) else "contrast"
        border = [
            sum(rgba[4 * (y * width + x) : 4 * (y * width + x) + 3])
            for y in range(height)
            for x in range(width)
            if x in (0, width - 1) or y in (0, height - 1)
        ]
        background = sorted(border)[(len(border) - 1) // 2]

    def ink_at(x, y):
        r, g, b, a = rgba[4 * (y * width + x) : 4 * (y * width + x) + 4]
        if ink == "alpha":
            return a / 255
        if ink == "contrast" and 2 * background >= 765:
            return max(background - (r + g + b), 0) / background
        if ink == "contrast":
            return max((r + g + b) - background, 0) / (765 - background)
        lum = (r + g + b) / 765
        return (a / 255) * (1 - lum) if ink == "dark" else (a / 255) * lum

    inked = [(x, y) for y in range(height) for x in range(width) if ink_at(x, y) > 0.05]
    if not inked:
        return None
    x0, x1 = min(x for x, _ in inked), max(x for x, _ in inked)
    y0, y1 = min(y for _, y in inked), max(y for _, y in inked)
    w, h = x1 - x0 + 1, y1 - y0 + 1
    long = max(w, h)
    other = max(1, (40 * min(w, h) + long) // (2 * long))
    tw, th = (20, other) if w >= h else (other, 20)

    def triples(n, t):  # the spec's loop, as it reads
        out, i, j, pos = [], 0, 0, 0
        while i < t and j < n:
            end = min((i + 1) * n, (j + 1) * t)
            out.append((i, j, end - pos))
            i, j, pos = i + (end == (i + 1) * n), j + (end == (j + 1) * t), end
        return out

    rows = [[0.0] * tw for _ in range(h)]
    for k in range(h):
        for i, j, wt in triples(w, tw):
            rows[k][i] = rows[k][i] + wt * ink_at(x0 + j, y0 + k)
    img = [[0.0] * tw for _ in range(th)]
    for m, k, wt in triples(h, th):
        for i in range(tw):
            img[m][i] = img[m][i] + wt * rows[k][i]
    left, top = (28 - tw) // 2, (28 - th) // 2
    mass = sx = sy = 0.0
    for m in range(th):
        for i in range(tw):
            img[m][i] = min((img[m][i] / (w * h)) * 1.25, 1.0)
            mass, sx, sy = mass + img[m][i], sx + (left + i) * img[m][i], sy + (top + m) * img[m][i]
    dx, dy = math.floor(14 - sx / mass + 0.5), math.floor(14 - sy / mass + 0.5)
    out = [0.0] * 784
    for m in range(th):
        for i in range(tw):
            x, y = left + i + dx, top + m + dy
            if 0 <= x < 28 and 0 <= y < 28:
                out[y * 28 + x] = img[m][i]
    return out


def random_canvas(rng, width, height, opaque=False) -> bytes:
    """Strokes of varied alpha on random colours, some pixels faint, many empty; or (`opaque`)
    random colours on a paper of one random colour, every pixel opaque."""
    rgba = rng.integers(0, 256, (height, width, 4), dtype=np.uint8)
    keep = rng.random((height, width)) < rng.choice([0.02, 0.3, 0.9])
    if opaque:
        rgba[~keep] = rng.integers(0, 256, 4)
        rgba[..., 3] = 255
        return rgba.tobytes()
    rgba[..., 3] = np.where(keep, rgba[..., 3], rng.integers(0, 14, (height, width)))
    return rgba.tobytes()


SHAPES = [(1, 1), (1, 7), (7, 1), (3, 3), (13, 29), (29, 13), (40, 1), (1, 40), (61, 3)]
SHAPES += [(300, 1), (1, 300), (90, 2), (45, 45), (28, 28), (20, 20), (41, 39)]


@pytest.mark.parametrize("band", [pre.BAND, 1, 7])  # 1 and 7 pixels: many bands, ragged ends
def test_twin_is_the_spec_bit_for_bit(monkeypatch, band):
    monkeypatch.setattr(pre, "BAND", band)
    rng = np.random.default_rng(14)
    for width, height in SHAPES:
        for ink, opaque in [(ink, False) for ink in pre.CHOICES] + [("auto", True)]:
            rgba = random_canvas(rng, width, height, opaque)
            want, got = (
                spec_preprocess(rgba, width, height, ink),
                preprocess(rgba, width, height, ink),
            )
            where = f"{width}x{height} {ink}{' opaque' if opaque else ''}"
            if want is None:
                assert got is None, where
            else:
                assert np.asarray(want).view(np.uint64).tolist() == got.view(np.uint64).tolist(), (
                    where
                )


def test_vectorised_overlaps_are_the_spec_loop():
    for n, t in [(1, 1), (2, 3), (3, 2), (7, 20), (20, 7), (280, 20), (20, 280), (997, 20)]:
        dest, src, weight = pre.overlap_arrays(n, t)
        i = j = pos = 0
        want = []
        while i < t and j < n:
            end = min((i + 1) * n, (j + 1) * t)
            want.append((i, j, end - pos))
            i, j, pos = i + (end == (i + 1) * n), j + (end == (j + 1) * t), end
        assert list(zip(dest.tolist(), src.tolist(), weight.tolist())) == want, (n, t)


def test_sequential_sums_run_in_order_not_pairwise():
    # 1 + 2^-53 + 2^-53 + ... : summed left to right each tiny term is lost (ties to even);
    # a pairwise or reordered sum keeps some of them. The spec's order loses them all.
    terms = np.array([1.0] + [2.0**-53] * 63)
    srcs, weights = np.arange(64)[None, :], np.ones((1, 64), np.int64)
    assert pre.sequential_sums(terms[None, :], srcs, weights)[0, 0] == 1.0
    assert math.fsum(terms) != 1.0  # the exact sum differs: the order is what decides


def test_large_canvases_are_read_in_bands(monkeypatch):
    # peak memory stays near the canvas's own bytes: no full-canvas float64 array
    import tracemalloc

    width, height = 2048, 1024
    rgba = np.zeros((height, width, 4), np.uint8)
    rgba[100:900, 200:1800, 3] = 255
    rgba = rgba.tobytes()
    tracemalloc.start()
    try:
        preprocess(rgba, width, height, "dark")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * 2**20, peak  # a float64 per pixel would be 16 MiB, int64 RGBA 64 MiB


@pytest.mark.parametrize("ink", pre.INKS)
def test_the_byte_threshold_is_the_float_threshold_for_every_alpha_and_sum(ink):
    a, s = (v.reshape(-1) for v in np.meshgrid(np.arange(256), np.arange(766), indexing="ij"))
    r = np.minimum(s, 255)
    g = np.minimum(s - r, 255)
    pixels = np.stack([r, g, s - r - g, a], axis=-1).astype(np.uint8)
    assert (pixels[:, :3].astype(int).sum(1) == s).all()
    np.testing.assert_array_equal(pre.has_ink(pixels, ink), pre.ink_of(pixels, ink) > pre.THRESHOLD)
