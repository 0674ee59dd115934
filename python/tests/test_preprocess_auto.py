"""`ink="auto"`, the default (PREPROCESS.md step 1): alpha ink on a canvas with transparency, bit
for bit as before; on an opaque canvas, contrast with the background read from the border, so a
digit drawn black on white, or white on black, gives the bits of the same digit drawn on a
transparent canvas. And fixtures/preprocess/cases-2.json is what its generator writes."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pytest
from digitnet_tools.fixtures import auto_cases as auto_cases_module
from test_preprocess_cases import generator

from digitnet import preprocess
from digitnet import preprocessing as pre
from digitnet.errors import DigitnetError

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures" / "preprocess"


def auto_cases():
    """tools/fixtures/auto_cases.py, the generator of fixtures/preprocess/cases-2.json."""
    return auto_cases_module


def rgba_of(case) -> bytes:
    return base64.b64decode(case["rgba"])


def test_the_default_is_auto():
    rgba = np.full((6, 6, 4), 255, np.uint8)
    rgba[1:5, 2, :3] = 0  # a black bar on white: alpha ink would box the whole canvas
    assert preprocess(rgba, 6, 6) is not None
    np.testing.assert_array_equal(preprocess(rgba, 6, 6), preprocess(rgba, 6, 6, "auto"))
    assert pre.preprocess_steps(rgba, 6, 6)[1].box == (2, 1, 1, 4)
    assert pre.preprocess_steps(rgba, 6, 6, "alpha")[1].box == (0, 0, 6, 6)


def test_auto_is_alpha_bit_for_bit_on_every_published_case_with_transparency():
    cases = json.loads((FIXTURES / "cases.json").read_text())["cases"]
    checked = 0
    for c in cases:
        rgba = rgba_of(c)
        if all(a == 255 for a in rgba[3::4]):
            continue
        want = preprocess(rgba, c["width"], c["height"], "alpha")
        got = preprocess(rgba, c["width"], c["height"], "auto")
        assert (want is None) == (got is None), c["description"]
        if want is not None:
            assert want.tobytes() == got.tobytes(), c["description"]
        checked += 1
    assert checked >= 100  # the alpha cases (the dark and light ones are opaque)


def three_canvases(digit: np.ndarray) -> dict[str, bytes]:
    """A 28x28 MNIST digit (0 = background) scaled up 3x, drawn on a transparent canvas (alpha =
    level), black on white and white on black (both opaque)."""
    level = np.kron(digit, np.ones((3, 3), np.uint8)).astype(np.uint8)
    out = {}
    for name, rgb, alpha in (
        ("transparent", np.zeros_like(level), level),
        ("black on white", 255 - level, np.full_like(level, 255)),
        ("white on black", level, np.full_like(level, 255)),
    ):
        out[name] = np.dstack([rgb, rgb, rgb, alpha]).tobytes()
    return out


@pytest.mark.mnist
def test_black_on_white_and_white_on_black_give_the_bits_of_a_transparent_canvas(mnist):
    """Contrast ink is (765 - s) / 765 on white and s / 765 on black; with s = 3 * level both are
    level / 255 in exact arithmetic, so each division rounds to the alpha ink's float."""
    images = mnist.test.images[:200]
    for k, digit in enumerate(images):
        outs = {name: preprocess(rgba, 84, 84) for name, rgba in three_canvases(digit).items()}
        want = outs["transparent"].tobytes()
        assert all(v.tobytes() == want for v in outs.values()), f"test digit {k}"


@pytest.mark.mnist
def test_a_white_canvas_classifies_as_well_as_a_transparent_one(mnist):
    """The issue's finding: on an opaque white canvas with black ink, the old default (alpha
    ink) sees a solid square. `auto` reads it as well as the transparent canvas."""
    from digitnet import pretrained

    model = pretrained()
    images, labels = mnist.test.images[:300], mnist.test.labels[:300]
    right = {"transparent": 0, "black on white": 0, "black on white, alpha ink": 0}
    for digit, label in zip(images, labels, strict=True):
        canvases = three_canvases(digit)
        for name, rgba, ink in (
            ("transparent", canvases["transparent"], "auto"),
            ("black on white", canvases["black on white"], "auto"),
            ("black on white, alpha ink", canvases["black on white"], "alpha"),
        ):
            x = preprocess(rgba, 84, 84, ink)
            right[name] += int(model.classify(x, 1)[0][0] == label)
    assert right["black on white"] == right["transparent"] >= 270
    assert right["black on white, alpha ink"] <= 60  # a solid square: about one class in ten


def test_the_background_is_the_lower_median_of_the_border():
    rgba = np.full((9, 9, 4), 255, np.uint8)
    rgba[:, :4, :3] = 0  # black over the left 4 columns: 24 of the 32 border pixels stay white
    pixels = pre.check(rgba, 9, 9, "auto")
    assert pre.choose_ink(pixels, "auto") == (pre.CONTRAST, 765)
    two = np.array([[[0, 0, 0, 255], [255, 255, 255, 255]]], np.uint8)
    assert pre.choose_ink(two, "auto") == (pre.CONTRAST, 0)  # lower median of (0, 765)
    assert pre.choose_ink(two, "dark") == ("dark", 0)  # a named ink is used as named


def test_contrast_at_the_threshold_is_not_ink():
    rgba = np.full((5, 5, 4), 255, np.uint8)
    rgba[..., :3] = (253, 253, 254)  # background 760
    rgba[2, 2, :3] = (240, 240, 242)  # 722: ink 38 / 760, the float 0.05 itself
    assert pre.THRESHOLD == 38 / 760
    assert preprocess(rgba, 5, 5) is None
    rgba[2, 2, 2] = 241  # 721: 39 / 760
    assert preprocess(rgba, 5, 5) is not None


def test_ink_errors_name_auto():
    with pytest.raises(ValueError, match="ink: expected one of alpha, dark, light, auto"):
        preprocess(bytes(4), 1, 1, "Auto")


# --- the fixture file ---------------------------------------------------------------------------


def test_the_generator_rewrites_cases_2_byte_for_byte(tmp_path):
    out = tmp_path / "cases-2.json"
    assert auto_cases().main([str(out)]) == 0
    assert out.read_bytes() == (FIXTURES / "cases-2.json").read_bytes()
    with pytest.raises(DigitnetError, match="already exists"):
        generator().write_cases(out, auto_cases().document)


def test_the_twin_reproduces_cases_2_and_its_steps():
    doc = json.loads((FIXTURES / "cases-2.json").read_text())
    assert (doc["format"], doc["formatVersion"], doc["version"]) == (
        "digitnet-preprocess-cases",
        1,
        2,
    )
    inks = set()
    for c in doc["cases"]:
        assert c["ink"] == "auto", c["description"]
        result = pre.preprocess_steps(rgba_of(c), c["width"], c["height"], c["ink"])
        if c["expected"] is None:
            assert result is None, c["description"]
            continue
        out, steps = result
        assert out.tolist() == c["expected"], c["description"]
        assert [steps.ink, steps.background] == [c["steps"]["ink"], c["steps"]["background"]]
        inks.add((steps.ink, steps.background >= 383))
    # alpha, contrast on light paper, contrast on dark paper
    assert inks == {("alpha", False), ("contrast", True), ("contrast", False)}
