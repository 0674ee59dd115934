"""The parity check passes on the real engine and fails on each deliberately broken one."""

import base64
import io
import json
import math
import re
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
from digitnet_tools.parity import parity_check as parity

from digitnet import load_model
from digitnet import parity as entry_point

ROOT = Path(__file__).resolve().parents[2]
BACKENDS = re.findall(r"backend: '(\w+)'", (ROOT / "js/entries.mjs").read_text())  # the table
MUTANTS = re.findall(r"^  '([a-z0-9-]+)': \{", (ROOT / "js/parity/mutants.mjs").read_text(), re.M)

pytestmark = pytest.mark.mnist


def run(mutant=None):
    out = io.StringIO()
    ok = parity.run(ROOT / "fixtures", mutant, out)
    return ok, out.getvalue()


def test_real_engine_passes():
    ok, text = run()
    assert ok, text
    assert "PARITY OK" in text
    versions = json.loads((ROOT / "fixtures/index.json").read_text())["weights"]
    for v in versions:
        for backend in BACKENDS:
            assert re.search(
                rf"^{re.escape(v)} +{backend} +MNIST probabilities: JS vs reference +10000 ",
                text,
                re.M,
            )
            assert re.search(
                rf"^{re.escape(v)} +{backend} +MNIST logits: JS vs reference +10000 +0 ", text, re.M
            )
        assert re.search(
            rf"^{re.escape(v)} +wasm +MNIST probabilities: wasm vs core +10000 +0 +0 ", text, re.M
        )


def test_there_are_mutants_for_each_required_breakage():
    assert {
        "float32-weights",
        "float32-accumulation",
        "bias-rounded-6-decimals",
        "weight-off-by-one-step",
        "eight-terms-summed-first",
        "round-half-even-shift",
        "box-filter-off-by-one",
    } <= set(MUTANTS)


@pytest.mark.parametrize("mutant", MUTANTS)
def test_broken_engine_fails_on_both_backends(mutant):
    ok, text = run(mutant)
    assert not ok, f"parity did not catch mutant {mutant}:\n{text}"
    assert "PARITY FAILED" in text
    for backend in BACKENDS:  # every mutant patches both; each must be caught on each
        failed = rf"^\S+ +{backend} +.*<-- FAILED$"
        assert re.search(failed, text, re.M), f"{mutant} not caught on {backend}:\n{text}"


def test_nothing_to_check_is_a_failure(tmp_path, capsys):
    """An empty fixtures folder, an index with no versions, or no preprocessing cases: FAILED."""
    assert parity.main(["--fixtures", str(tmp_path)]) == 2
    assert "PARITY FAILED" in capsys.readouterr().err
    (tmp_path / "index.json").write_text('{"format": "digitnet-index", "weights": {}}')
    assert parity.main(["--fixtures", str(tmp_path)]) == 2
    assert "no published versions to check" in capsys.readouterr().err
    shutil.copytree(ROOT / "fixtures/weights", tmp_path / "weights")
    shutil.copy(ROOT / "fixtures/index.json", tmp_path / "index.json")
    (tmp_path / "preprocess").mkdir()
    (tmp_path / "preprocess/cases.json").write_text('{"cases": []}')
    assert parity.main(["--fixtures", str(tmp_path)]) == 2
    assert "no preprocessing cases to check" in capsys.readouterr().err


def test_a_check_that_compares_nothing_fails():
    empty = parity.Row("1.0.0", "js", "x", np.zeros((0, 10)), np.zeros((0, 10)), [])
    assert not parity.judge(empty).ok
    same = parity.Row("1.0.0", "js", "x", np.eye(10), np.eye(10), [str(k) for k in range(10)])
    assert parity.judge(same).ok


def with_logits(tmp_path, nudge: bool) -> Path:
    """A copy of the fixtures whose parity file carries the reference's logits (format 2)."""
    fixtures = tmp_path / "fixtures"
    shutil.copytree(ROOT / "fixtures", fixtures)
    path = fixtures / "weights/1.0.0/parity.json"
    doc = json.loads(path.read_text())
    model = load_model(fixtures / "weights/1.0.0/model.json")
    for c in doc["cases"]:
        x = np.frombuffer(base64.b64decode(c["pixels"]), np.uint8) / 255
        c["logits"] = model.forward(x)["logits"].tolist()
    if nudge:  # one ulp in one logit: inside the probabilities' tolerance, not exact
        doc["cases"][7]["logits"][3] = math.nextafter(doc["cases"][7]["logits"][3], math.inf)
    path.write_text(json.dumps({**doc, "formatVersion": 2}))
    return fixtures


@pytest.mark.parametrize("nudge", [False, True])
def test_logits_in_a_parity_file_are_checked_exactly(tmp_path, nudge):
    out = io.StringIO()
    ok = parity.run(with_logits(tmp_path, nudge), None, out)
    text = out.getvalue()
    assert ok != nudge, text
    for backend in BACKENDS:
        pattern = rf"^1\.0\.0 +{backend} +parity.json logits: JS vs stored +270 .*$"
        row = re.search(pattern, text, re.M)
        assert row and row.group(0).endswith("<-- FAILED") == nudge
    # once per backend, not per version
    assert len(re.findall(r"preprocess cases: JS vs fixture", text)) == len(BACKENDS)


def test_outside_a_checkout_it_says_it_needs_the_repository(tmp_path, monkeypatch, capsys):
    """The package's entry point runs the harness from a checkout; installed on its own (no
    development tools package beside it), it says so in one line."""
    monkeypatch.setitem(sys.modules, "digitnet_tools.parity", None)  # import fails, as without
    assert entry_point.main([]) == 2
    err = capsys.readouterr().err.strip()
    assert "needs the digitnet repository" in err and "\n" not in err


def test_from_a_checkout_the_entry_point_runs_the_harness(tmp_path, capsys):
    assert entry_point.main(["--fixtures", str(tmp_path)]) == 2  # the harness's own verdict
    assert "PARITY FAILED" in capsys.readouterr().err
