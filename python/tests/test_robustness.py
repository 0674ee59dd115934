import hashlib
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from digitnet import evaluate, robustness
from digitnet.data import Split

# The suite's images for synthetic digits (made below), as recorded on x86-64 Linux with NumPy
# 2.4 and 1.26 alike. `digitnet verify` recomputes a published card's suite on other machines and
# compares it exactly, so these must never change: a change here is a new suite, not a fix.
RECORDED = {
    "shift2": "81a057a6aba17f58",
    "shift3": "e1d2c58e5d9e923c",
    "shift4": "abd1f12f7cabd050",
    "rotateMinus20": "55a22a277766d728",
    "rotateMinus10": "056332005fd736d3",
    "rotate10": "abe9cf8c4137adf5",
    "rotate20": "5884de97e0e906cc",
    "scale80": "4174bcafeb2aee67",
    "scale120": "27203910865df458",
    "thinning": "271085f5645a2557",
    "thickening": "5dc4be5cbd609331",
    "elastic": "0ebeb0f086e133ef",
}

HASH_SCRIPT = """
import hashlib, json, numpy as np
from digitnet import robustness
try:  # NumPy 2
    from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__
except ImportError:  # NumPy 1.x
    from numpy.core._multiarray_umath import __cpu_dispatch__, __cpu_features__
rng = np.random.default_rng(0)
imgs = np.zeros((64, 28, 28), np.uint8)
imgs[:, 5:23, 4:24] = rng.integers(0, 256, (64, 18, 20))
hashes = {n: hashlib.sha256(t(imgs).tobytes()).hexdigest()[:16]
          for n, t in robustness.TRANSFORMS.items()}
enabled = [f for f in __cpu_dispatch__ if __cpu_features__.get(f)]
print(json.dumps({"hashes": hashes, "enabled": enabled}))
"""


def run_hashes(disabled: str) -> dict:
    env = {**os.environ, "NPY_DISABLE_CPU_FEATURES": disabled}
    out = subprocess.run(
        [sys.executable, "-c", HASH_SCRIPT], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def test_suite_images_are_identical_whatever_simd_numpy_uses():
    """NumPy picks SIMD kernels by CPU at run time (AVX-512 here, AVX2 or SSE elsewhere): the
    suite's images must not depend on it. Runs with every dispatchable feature this machine has,
    then with the highest, the upper half and all of them turned off."""
    full = run_hashes("")
    features = full["enabled"]
    if not features:
        pytest.skip("NumPy dispatches no optional SIMD features on this machine")
    # the highest feature off, the upper half off (AVX2 and AVX-512 on NumPy 1.x), all off
    settings = {" ".join(features[k:]) for k in (len(features) - 1, len(features) // 2, 0)}
    runs = [full] + [run_hashes(s) for s in sorted(settings)]
    assert len({tuple(r["enabled"]) for r in runs}) == len(runs), "a setting had no effect"
    for r in runs:
        assert r["hashes"] == RECORDED, f"with SIMD features {r['enabled']}"


def digit(n=1):
    """A horizontal bar from the centre to the right: its ink's rows show which way it turns."""
    imgs = np.zeros((n, 28, 28), np.uint8)
    imgs[:, 13:15, 8:22] = 200
    return imgs


def ink_rows(img):
    return np.nonzero(img.sum(axis=1))[0]


def test_identity_map_changes_nothing():
    imgs = np.random.default_rng(1).integers(0, 256, (5, 28, 28)).astype(np.uint8)
    one = robustness.ONE
    same = robustness.linear_map(np.array([[one, 0], [0, one]]))(imgs)
    assert np.array_equal(same, imgs)


def mean_row(img: np.ndarray) -> float:
    return float((img.sum(axis=1) * np.arange(28)).sum() / img.sum())


def test_rotation_is_counter_clockwise_on_screen_about_the_centre_of_mass():
    img = np.zeros((1, 28, 28), np.uint8)
    img[0, 14, 14:24] = 255  # a bar pointing right of its centre of mass (18.5, 14); y is down
    up = robustness.TRANSFORMS["rotate20"](img)[0]
    down = robustness.TRANSFORMS["rotateMinus20"](img)[0]
    # 20° counter-clockwise lifts the right end (x 23: 4.5 px right, so 4.5 sin 20° = 1.5 px up)
    # and lowers the left end; clockwise does the opposite; the centre of mass stays
    assert mean_row(up[:, 22:]) < 13 and mean_row(up[:, 14:16]) > 15
    assert mean_row(down[:, 22:]) > 15 and mean_row(down[:, 14:16]) < 13
    assert abs(mean_row(up) - 14) < 0.1 and abs(mean_row(down) - 14) < 0.1
    assert abs(int(up.sum()) - int(img.sum())) < 0.05 * img.sum()  # ink kept


def test_scale_about_the_centre_of_mass():
    img = np.zeros((1, 28, 28), np.uint8)
    img[0, 6:20, 10:12] = 255  # a vertical bar 14 px long: centre of mass at row 12.5
    for name, factor in (("scale80", 0.8), ("scale120", 1.2)):
        out = robustness.TRANSFORMS[name](img)[0]
        rows = out.sum(axis=1)
        length = (rows >= rows.max() / 2).sum()  # rows at least half as inked as the fullest
        assert abs(length - 14 * factor) <= 1, name
        assert abs(mean_row(out) - 12.5) < 0.1, name


def test_bilinear_rounds_half_up_and_reads_zero_outside():
    img = np.zeros((1, 28, 28), np.uint8)
    img[0, 3, 3], img[0, 3, 4] = 100, 201
    half = robustness.ONE // 2
    x, y = robustness.grid()
    out = robustness.bilinear(img, (x << robustness.Q)[None] + half, (y << robustness.Q)[None])
    assert out[0, 3, 3] == 151  # (100 + 201) / 2 = 150.5, rounded half up
    assert out[0, 3, 2] == 50 and out[0, 3, 4] == 101  # 100/2 and 201/2 rounded half up
    far = robustness.bilinear(img, (x << robustness.Q)[None] + 40 * robustness.ONE, y[None] * 0)
    assert not far.any()  # every source point outside the image reads 0, none wraps around


def test_thinning_and_thickening_are_3x3_grey_erosion_and_dilation():
    img = np.zeros((1, 28, 28), np.uint8)
    img[0, 10:13, 10:13] = 90
    img[0, 11, 11] = 250
    img[0, 0, 0:3] = 255  # touches the edge: outside counts as empty, so it erodes away
    thick = robustness.TRANSFORMS["thickening"](img)[0]
    thin = robustness.TRANSFORMS["thinning"](img)[0]
    assert (thick[10:13, 10:13] == 250).all() and (thick[9:14, 9:14] >= 90).all()
    assert thick[8, 8] == 0 and thick[1, 3] == 255 and thick[1, 4] == 0
    assert thin[11, 11] == 90 and thin.sum() == 90


def test_elastic_fields_are_smooth_bounded_and_per_image():
    nodes = robustness.elastic_nodes(50)
    dx, dy = robustness.elastic_fields(nodes)
    limit = robustness.ELASTIC_AMPLITUDE << (robustness.Q - 8)  # 3 px
    assert np.abs(dx).max() <= limit and np.abs(dy).max() <= limit
    assert np.abs(dx).max() > limit // 2  # not a negligible distortion
    step = np.abs(np.diff(dx.reshape(50, 28, 28), axis=2)).max()
    assert step <= 2 * limit // robustness.ELASTIC_SPACING + 1  # neighbours move alike
    # image k's field is the k-th draw: the same whatever the number of images
    assert np.array_equal(robustness.elastic_nodes(10), nodes[:10])
    imgs = digit(3)
    imgs[1] = imgs[0]
    out = robustness.TRANSFORMS["elastic"](imgs)
    assert not np.array_equal(out[0], out[1])  # each image has its own field


def test_accuracies_report_every_transform_and_the_worst():
    imgs = digit(20)
    labels = np.zeros(20, np.uint8)
    # a classifier that reads 0 while the bar's ink stays on rows 13-14, else 1
    classify = lambda a: (a[:, 13:15].sum(axis=(1, 2)) < 0.9 * a.sum(axis=(1, 2))).astype(int)  # noqa: E731
    acc = robustness.accuracies(classify, imgs, labels)
    assert list(acc) == [*robustness.TRANSFORMS, "worst"]
    assert acc["worst"] == min(v for k, v in acc.items() if k != "worst")
    assert acc["thickening"] == 0.0 and acc["rotate20"] == 0.0 and acc["scale80"] == 1.0


def test_evaluate_keeps_its_keys_and_adds_the_suite():
    imgs = digit(10)
    labels = np.zeros(10, np.uint8)
    result = evaluate.evaluate(lambda a: np.zeros(len(a), int), Split(imgs, labels))
    assert set(result) == {
        "accuracy",
        "perClassAccuracy",
        "confusion",
        "shiftRobustness",
        "robustness",
    }
    assert result["shiftRobustness"] == {"2": 1.0, "3": 1.0, "4": 1.0}
    assert result["robustness"]["worst"] == 1.0
    text = evaluate.report(result)
    assert all(name in text for name in result["robustness"])
    assert "grey erosion, 3x3" in text


def test_recorded_hashes_are_these_transforms():
    """The same images in this process (the subprocess test checks them across SIMD paths)."""
    rng = np.random.default_rng(0)
    imgs = np.zeros((64, 28, 28), np.uint8)
    imgs[:, 5:23, 4:24] = rng.integers(0, 256, (64, 18, 20))
    for name, transform in robustness.TRANSFORMS.items():
        assert hashlib.sha256(transform(imgs).tobytes()).hexdigest()[:16] == RECORDED[name], name


def test_without_the_suite_only_the_shifts_are_computed():
    """What verify recomputes for versions published before the suite: the same shift figures."""
    rng = np.random.default_rng(3)
    images = rng.integers(0, 256, (50, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, 50)
    classify = lambda imgs: imgs.reshape(len(imgs), -1).argmax(1) % 10  # noqa: E731
    full = robustness.accuracies(classify, images, labels)
    shifts = robustness.accuracies(classify, images, labels, ["shift2", "shift3", "shift4"])
    assert shifts == {k: full[k] for k in ("shift2", "shift3", "shift4")}
