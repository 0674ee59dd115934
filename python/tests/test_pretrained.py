"""digitnet.pretrained(): the bundled weights are the published ones, and they predict."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

import digitnet
from digitnet.conformance import PROBABILITY_TOLERANCE as TOL
from digitnet.errors import DigitnetError
from digitnet.pretrained import bundled_versions

REPO = Path(__file__).resolve().parents[2]
BUNDLED = REPO / "python/src/digitnet/weights"


def test_every_bundled_version_is_the_published_file():
    index = json.loads((REPO / "fixtures/index.json").read_text())
    versions = bundled_versions()
    assert "1.0.0" in versions  # 1.0.0 stays loadable from the package
    for version in versions:
        data = (BUNDLED / version / "model.json").read_bytes()
        assert data == (REPO / f"fixtures/weights/{version}/model.json").read_bytes()
        listed = index["weights"][version]["files"]["model.json"]
        assert hashlib.sha256(data).hexdigest() == listed["sha256"]


def test_default_is_the_newest_bundled_version():
    newest = max(bundled_versions(), key=lambda v: tuple(map(int, v.split("."))))
    assert digitnet.pretrained().version == newest


@pytest.mark.parametrize("version", bundled_versions())
def test_bundled_model_reproduces_its_parity_file(version: str):
    """Every bundled version (not one named by hand): its parity digits, logits exactly where
    the file carries them (format 2)."""
    model = digitnet.pretrained(version)
    assert model.version == version
    cases = json.loads((REPO / f"fixtures/weights/{version}/parity.json").read_text())["cases"]
    x = np.stack([np.frombuffer(base64.b64decode(c["pixels"]), np.uint8) / 255 for c in cases])
    want = np.array([c["probabilities"] for c in cases])
    out = model.forward(x)
    assert (out["probs"].argmax(1) == want.argmax(1)).all()
    assert np.abs(out["probs"] - want).max() <= TOL
    if "logits" in cases[0]:
        assert out["logits"].tolist() == [c["logits"] for c in cases]


def test_the_parity_test_above_covers_1_0_0_and_1_1_0_at_least():
    """Its versions are collected from the package: none bundled would leave it nothing to check."""
    index = json.loads((REPO / "fixtures/index.json").read_text())
    assert {"1.0.0", "1.1.0"} <= set(bundled_versions()) <= set(index["weights"])


@pytest.mark.parametrize("version", ["9.9.9", "1.0", "../1.0.0", ""])
def test_unknown_version_names_the_bundled_ones(version: str):
    with pytest.raises(DigitnetError, match="not bundled; this package bundles (.*, )?1.0.0"):
        digitnet.pretrained(version)
