"""The parity check passes on the real engine and fails on each deliberately broken one."""

import io
import json
import re
from pathlib import Path

import pytest

from digitnet import parity

ROOT = Path(__file__).resolve().parents[2]
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
        assert re.search(rf"^{re.escape(v)} +MNIST test set: JS vs reference +10000 ", text, re.M)


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
def test_broken_engine_fails(mutant):
    ok, text = run(mutant)
    assert not ok, f"parity did not catch mutant {mutant}:\n{text}"
    assert "PARITY FAILED" in text and "<-- FAILED" in text
