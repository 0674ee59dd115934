"""Hostile input to the Python API and the parity harness (issue 23, item 9): masked arrays and
longdouble inputs, JSON text with a byte-order mark, non-canonical base64 in a parity file, and
`python -m digitnet.parity --mutant` with a name that is no mutant."""

import base64
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from digitnet import parity_file, reference
from digitnet.errors import DigitnetError, InputError

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
MODEL = FIXTURES / "weights" / "1.0.0" / "model.json"


@pytest.fixture(scope="module")
def model():
    return reference.load_model(MODEL)


@pytest.mark.parametrize("bad", [255.0, np.nan])
@pytest.mark.parametrize("fn", ["predict", "forward", "classify"])
def test_a_masked_array_is_refused_not_half_checked(model, fn, bad):
    x = np.zeros(784)
    x[3] = bad
    masked = np.ma.masked_array(x, mask=np.arange(784) == 3)
    for value in (masked, np.ma.stack([masked, masked]), [masked]):
        with pytest.raises(InputError, match=rf"^{fn}: x(\[0\])? is a masked array"):
            getattr(model, fn)(value)


def test_longdouble_is_judged_before_rounding(model):
    x = np.zeros(784, dtype=np.longdouble)
    x[7] = np.longdouble(1) + np.longdouble(2) ** -60  # rounds to 1.0 as a float64
    if x[7] == 1:
        pytest.skip("longdouble is float64 here")
    for value in (x, x[None, :]):
        with pytest.raises(InputError, match=r"x(\[0\])?\[7\] is .*1\.000000000000000000"):
            model.predict(value)
    x[7] = 1  # in range as a longdouble: the same answer as float64
    assert np.array_equal(model.predict(x), model.predict(x.astype(np.float64)))


def test_json_text_with_a_byte_order_mark_is_text_not_a_path():
    text = "\ufeff" + MODEL.read_text()
    with pytest.raises(DigitnetError) as caught:
        reference.load_model(text)  # JSON.parse refuses a BOM in text; TextDecoder drops it
    assert caught.value.field == "model" and "invalid JSON" in str(caught.value)
    assert len(str(caught.value)) < 200  # not the whole document as a file name
    assert reference.load_model(text.encode()).version == "1.0.0"  # bytes: the BOM is dropped


def non_canonical(b64: str) -> str:
    """The same bytes with a stray bit in the last character's unused bits."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    body = b64.rstrip("=")
    last = alphabet[alphabet.index(body[-1]) | 1]
    assert base64.b64decode(body[:-1] + last + b64[len(body) :]) == base64.b64decode(b64)
    return body[:-1] + last + b64[len(body) :]


def test_verify_refuses_non_canonical_parity_pixels(tmp_path):
    path = tmp_path / "parity.json"
    doc = json.loads((FIXTURES / "weights" / "1.0.0" / "parity.json").read_text())
    pixels = doc["cases"][0]["pixels"]
    assert pixels.endswith("=")  # 784 bytes: one padding character, two unused bits
    doc["cases"][0]["pixels"] = non_canonical(pixels)
    with pytest.raises(DigitnetError, match=r"cases\[0\]\.pixels: expected canonical base64"):
        parity_file.parity_inputs(doc["cases"], path)


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node")
@pytest.mark.parametrize("name", ["", "nope", "float32-weights "])
def test_parity_refuses_a_mutant_that_does_not_exist(name):
    proc = subprocess.run(
        [sys.executable, "-m", "digitnet.parity", "--mutant", name],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2 and "PARITY OK" not in proc.stdout
    assert proc.stderr.count("\n") == 1 and "no such mutant; known: float32-weights" in proc.stderr


def conformance_documents():
    cases = json.loads((FIXTURES / "conformance" / "model-cases.json").read_text())["cases"]
    for c in cases:
        raw = c["document"].encode() if "document" in c else c["documentBytes"].encode("latin-1")
        yield c["description"], raw


def test_every_conformance_case_is_refused_or_predicts_finite_numbers():
    """Issue 23 item 1: a file the loader takes never gives an infinite or NaN activation,
    logit or probability (FORMAT.md, Overflow), not even on the inputs that reach furthest."""
    inputs = np.stack([np.zeros(784), np.ones(784), (np.arange(784) % 7) / 6])
    loaded = 0
    for description, raw in conformance_documents():
        try:
            model = reference.load_model(raw)
        except DigitnetError:
            continue
        loaded += 1
        with np.errstate(over="raise", invalid="raise"):  # a warning would fail here
            out = model.forward(inputs)
        for values in (out["probs"], out["logits"], *out["hidden"]):
            assert np.isfinite(values).all(), description
    assert loaded >= 40
