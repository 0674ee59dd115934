"""Differential fuzzing and properties: Python and JS judged side by side on random inputs.

- Loaders: tools/conformance/mutate.py writes seeded mutations of valid models; the Python
  loader and the JS loader (one node process, tools/conformance/twin.mjs) must give each the
  same verdict and name the same field, and neither may fail with anything but its own error.
- Preprocessing: hypothesis draws canvases (sizes, ink modes, strokes, near-empty, single
  pixels); both twins must return the same float64 bits.
- Inputs: hypothesis draws would-be inputs; predict must accept and refuse the same ones in both
  languages, naming the same element.
- Issue 23: files at the edges of the Overflow rule (tools/conformance/extremes.py) get the same
  verdict in Python, the JS core and the wasm entry, and every one taken predicts finite
  numbers, the same logits in all three; chains of up to 150,000 layers likewise; strings full
  of control, separator and bidi characters give messages in printable ASCII, the same in both.

The normal run (nox -s tests) is short and fixed: seed 0, a few hundred files, 60 canvases.
`nox -s fuzz` sets DIGITNET_FUZZ_SECONDS (a time budget for the loader fuzzing, seed after
seed), DIGITNET_FUZZ_SEED (printed, and printed again with any failure) and
DIGITNET_FUZZ_EXAMPLES (hypothesis examples per property).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
from digitnet_tools.conformance.extremes import deep_models, extreme_models
from digitnet_tools.conformance.models import model, text
from digitnet_tools.conformance.mutate import mutants
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from digitnet import reference
from digitnet.errors import DigitnetError, InputError
from digitnet.preprocess import preprocess

ROOT = Path(__file__).resolve().parents[2]

SEED = int(os.environ.get("DIGITNET_FUZZ_SEED", "0"))
BUDGET = float(os.environ.get("DIGITNET_FUZZ_SECONDS", "0"))  # 0: the short fixed run
EXAMPLES = int(os.environ.get("DIGITNET_FUZZ_EXAMPLES", "60"))
BATCH = 500  # mutated files per seed
PROPERTY = settings(
    max_examples=EXAMPLES,
    deadline=None,  # node answers in about a millisecond, but a cold start is slower
    derandomize="DIGITNET_FUZZ_SEED" not in os.environ,  # the short run: the same cases
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="needs node")


class Twin:
    """The JS side in one node process: a JSON line in, a JSON line out."""

    def __init__(self):
        script = ROOT / "tools" / "conformance" / "twin.mjs"
        self.proc = subprocess.Popen(
            ["node", str(script)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )

    def ask(self, **request) -> dict:
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        assert line, f"the node twin died (exit {self.proc.poll()})"
        reply = json.loads(line)
        assert "crash" not in reply, f"JS failed with an error not its own: {reply['crash']}"
        return reply

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


@pytest.fixture(scope="module")
def twin():
    t = Twin()
    yield t
    t.close()


def python_field(data: bytes) -> str | None:
    try:
        reference.load_model(data)
    except DigitnetError as e:
        assert e.field is not None, str(e)
        return e.field
    return None


def test_loaders_agree_on_mutated_models(twin):
    """Same verdict and field from both loaders on every mutated file, seed after seed."""
    seed, checked, valid = SEED, 0, 0
    deadline = time.monotonic() + BUDGET
    while True:
        for k, data in enumerate(mutants(seed, BATCH)):
            py = python_field(data)
            js = twin.ask(op="load", bytes=base64.b64encode(data).decode())["field"]
            assert py == js, (
                f"seed {seed}, file {k}: Python {py or 'accepts'}, JS {js or 'accepts'}; "
                f"reproduce with DIGITNET_FUZZ_SEED={seed} (file as base64: "
                f"{base64.b64encode(data).decode()[:400]}...)"
            )
            checked, valid = checked + 1, valid + (py is None)
        seed += 1
        if time.monotonic() >= deadline:
            break
    print(f"loaders agree on {checked} mutated files ({valid} valid), seeds {SEED}..{seed - 1}")
    assert 0 < valid < checked  # the mutator makes both kinds


@st.composite
def canvases(draw):
    """(rgba bytes, width, height, ink): empty, single pixels, strokes, noise, near-threshold."""
    width = draw(st.one_of(st.integers(1, 40), st.integers(41, 300)))
    height = draw(st.one_of(st.integers(1, 40), st.integers(41, 300)))
    rgba = np.zeros((height, width, 4), np.uint8)
    kind = draw(st.sampled_from(["strokes", "pixels", "noise", "faint", "full", "empty"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if kind == "strokes":
        for _ in range(draw(st.integers(1, 4))):
            x0, x1 = sorted(rng.integers(0, width, 2))
            y0, y1 = sorted(rng.integers(0, height, 2))
            t = draw(st.integers(1, 6))
            n = max(x1 - x0, y1 - y0, 1) * 2
            xs = np.linspace(x0, x1, n).round().astype(int)
            ys = np.linspace(y0, y1, n).round().astype(int)
            for x, y in zip(xs, ys):
                rgba[y : y + t, x : x + t] = rng.integers(0, 256, 4)
    elif kind == "pixels":
        for _ in range(draw(st.integers(1, 3))):
            rgba[rng.integers(height), rng.integers(width)] = rng.integers(0, 256, 4)
    elif kind == "noise":
        rgba[:] = rng.integers(0, 256, rgba.shape)
        rgba[rng.random((height, width)) < 0.7] = 0
    elif kind == "faint":  # ink around the 0.05 threshold: alpha 12 is under it, 13 over
        rgba[..., 3] = rng.choice([0, 12, 13, 14], (height, width), p=[0.85, 0.05, 0.05, 0.05])
        rgba[..., :3] = rng.integers(0, 256, (height, width, 3))
    elif kind == "full":
        rgba[:] = rng.integers(0, 256, 4)
    ink = draw(st.sampled_from(["alpha", "dark", "light", "auto"]))
    if ink == "auto" and draw(st.booleans()):
        rgba[..., 3] = 255  # an opaque canvas: "auto" reads its background from the border
    return rgba.tobytes(), width, height, ink


@PROPERTY
@given(canvases())
def test_preprocessing_twins_give_the_same_bits(twin, canvas):
    rgba, width, height, ink = canvas
    py = preprocess(rgba, width, height, ink)
    reply = twin.ask(
        op="preprocess",
        rgba=base64.b64encode(rgba).decode(),
        width=width,
        height=height,
        ink=ink,
    )
    if py is None:
        assert reply["out"] is None, "JS found ink where Python found none"
        return
    assert reply["out"] is not None, "JS found no ink where Python found some"
    js = np.frombuffer(base64.b64decode(reply["out"]), "<f8")
    assert py.tobytes() == js.tobytes(), f"max |d| {np.abs(py - js).max()}"
    assert ((py >= 0) & (py <= 1)).all()  # what predict takes, with no slack (FORMAT.md)


ELEMENTS = st.one_of(
    st.floats(0, 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([float("nan"), float("inf"), -float("inf")]),
    st.sampled_from([0, 1, 255, -0.0, 1.0000000000000002, -5e-324, 2, "0.5", True, None, [0.5]]),
)


@PROPERTY
@given(st.lists(st.tuples(st.integers(0, 783), ELEMENTS), max_size=4))
@example([(5, 255)])  # a pixel byte not divided by 255
@example([(5, 1.0000000000000002), (9, 0.5)])  # one ulp past 1
@example([(700, -5e-324)])
@example([(0, "0.5")])
@example([(3, True)])
@example([(3, float("nan"))])
def test_both_languages_take_and_refuse_the_same_inputs(twin, changes):
    x = [0.25] * 784
    for i, v in changes:
        x[i] = v
    wire = [{"float": repr(v)} if isinstance(v, float) and not np.isfinite(v) else v for v in x]
    js = twin.ask(op="predict", x=wire)
    try:
        reference.load_model(ROOT / "js" / "model.json").predict(x)
        py = None
    except InputError as e:
        py = str(e)
    if py is None:
        assert js == {"ok": True}, js
    else:
        assert "message" in js, f"JS accepts what Python refuses: {py}"
        # the same element named: "predict: x[i] is ..."
        assert js["message"].split(" is ")[0] == py.split(" is ")[0], (js["message"], py)


# --- issue 23: overflow edges, deep files, hostile strings in messages -----------------------

RUN_INPUTS = np.stack([np.zeros(784), np.ones(784), (np.arange(784) % 7) / 6])


def judge_and_run(twin, data: bytes, where: str, x: np.ndarray = RUN_INPUTS) -> bool:
    """Both loaders' verdicts must agree; a file taken must give finite logits and
    probabilities, the logits bit for bit the same in Python, the JS core and the wasm entry.
    Returns whether the file was taken."""
    try:
        model_, py = reference.load_model(data), None
    except DigitnetError as e:
        model_, py = None, e.field
    reply = twin.ask(op="run", bytes=base64.b64encode(data).decode(), x=b64(x))
    js = None if "core" in reply else reply["field"]
    assert py == js, f"{where}: Python {py or 'accepts'}, JS {js or 'accepts'}"
    if model_ is None:
        return False
    out = model_.forward(x)
    for values in (out["probs"], out["logits"], *out["hidden"]):
        assert np.isfinite(values).all(), f"{where}: Python gives a non-finite number"
    for entry in ("core", "wasm"):
        got = np.frombuffer(base64.b64decode(reply[entry]), "<f8").reshape(len(x), 20)
        assert np.isfinite(got).all(), f"{where}: JS {entry} gives a non-finite number"
        assert got[:, :10].tobytes() == out["logits"].tobytes(), f"{where}: {entry}'s logits"
    return True


def b64(x: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(x, "<f8").tobytes()).decode()


def budgeted(generate, share: float, twin, what: str, x: np.ndarray = RUN_INPUTS) -> None:
    """Seed after seed from SEED for `share` of the time budget (one seed in the short run)."""
    seed, checked, taken = SEED, 0, 0
    deadline = time.monotonic() + BUDGET * share
    while True:
        for k, data in enumerate(generate(seed)):
            where = f"{what}: seed {seed}, file {k} (reproduce with DIGITNET_FUZZ_SEED={seed})"
            taken += judge_and_run(twin, data, where, x)
            checked += 1
        seed += 1
        if time.monotonic() >= deadline:
            break
    print(f"{what}: {checked} files ({taken} taken) alike and finite, seeds {SEED}..{seed - 1}")
    assert 0 < taken < checked or what.startswith("deep")


def test_overflow_edges_alike_and_finite(twin):
    """Issue 23 item 1: no valid file gives a non-finite number, in any engine."""
    budgeted(lambda seed: extreme_models(seed, 200), 0.25, twin, "overflow edges")


def test_deep_files_alike_and_finite(twin):
    """Issue 23 item 7: chains of narrow layers, up to 150,000 in the fuzz session (2,000 in
    the short run): the same verdict and the same logits in Python, the core and wasm."""
    depth = 150_000 if BUDGET else 2_000
    budgeted(lambda seed: deep_models(seed, 2, depth), 0.15, twin, "deep files", RUN_INPUTS[1:])


HOSTILE = st.sampled_from(
    [
        "\x1b",
        "[2J",
        "\n",
        "\r",
        "\t",
        "\x00",
        "\x7f",
        "\x85",
        "\u2028",
        "\u2029",
        "\u202e",
        "\u200f",
    ]
    + ["\ufeff", "\U0001f600", "\u00e9", '"', "\\", " ", "{"]
)
HOSTILE_TEXT = st.lists(st.one_of(HOSTILE, st.characters(codec="utf-8")), max_size=30).map("".join)


@PROPERTY
@given(HOSTILE_TEXT, st.sampled_from(["format", "version", "prefix"]))
@example("\x1b[2J\x1b[H", "prefix")
@example("\u202eevil\u2028\x85", "format")
def test_messages_are_printable_and_alike(twin, value, where):
    """Issue 23 item 4: control, separator and bidi characters in a file never reach a message
    raw, in either language, and a string shown is shown the same way in both."""
    doc = model((784, 1, 10))
    if where == "prefix":
        data = value.encode() + text(doc).encode()
    else:
        doc[where] = value
        data = text(doc).encode()
    try:
        reference.load_model(data)
        py = None
    except DigitnetError as e:
        py = e
    js = twin.ask(op="load", bytes=base64.b64encode(data).decode())
    assert (py and py.field) == js["field"], (str(py), js)
    if py is None:
        return
    for message in (str(py), js["message"]):
        assert all(" " <= c <= "~" for c in message), message
    shown = where != "prefix" and len(value) <= 40 and value.isascii() is not None
    if shown and py.field == where and all(ord(c) < 0x10000 for c in value):
        assert js["message"].split(", got ", 1)[1] == str(py).split(", got ", 1)[1]
