"""The parity harness (tools/parity/parity_check.py) on a small synthetic fixtures folder: one
version published by export's own code, 40 test digits (DIGITNET_DATA), the repository's
preprocessing cases. Seconds instead of test_parity.py's minutes on MNIST, so `nox -s mutants`
runs these against the harness: the real engine passes, broken ones fail, and each forgery of a
parity file fails on the row that compares it."""

import io
import json
import math
import re
import shutil
from pathlib import Path

import pytest
from conftest import publish_synthetic, write_dataset
from digitnet_tools.parity import parity_check as parity

ROOT = Path(__file__).resolve().parents[2]
BACKENDS = re.findall(r"backend: '(\w+)'", (ROOT / "js/entries.mjs").read_text())  # the table


def small_fixtures(root: Path, last_bias=None) -> tuple[Path, Path]:
    data_dir = write_dataset(root / "data", n_test=40)
    fixtures = publish_synthetic(root / "fixtures", data_dir, last_bias=last_bias)
    shutil.copytree(ROOT / "fixtures" / "preprocess", fixtures / "preprocess")
    return fixtures, data_dir


@pytest.fixture
def small(tmp_path, monkeypatch) -> Path:
    fixtures, data_dir = small_fixtures(tmp_path)
    monkeypatch.setenv("DIGITNET_DATA", str(data_dir))  # the harness's test digits
    return fixtures


def run(fixtures: Path, mutant: str | None = None) -> tuple[bool, str]:
    out = io.StringIO()
    ok = parity.run(fixtures, mutant, out)
    return ok, out.getvalue()


def row(text: str, backend: str, what: str) -> str:
    found = re.findall(rf"^0\.1\.0 +{backend} +{re.escape(what)} .*$", text, re.M)
    assert len(found) == 1, (what, text)
    return found[0]


def test_the_real_engine_passes(small):
    ok, text = run(small)
    assert ok and text.splitlines()[-1].startswith("PARITY OK: 23 checks"), text
    for backend in BACKENDS:
        assert row(text, backend, "MNIST logits: JS vs reference").split()[-4:] == [
            "0", "40/40", "all", "identical"
        ]  # fmt: skip
        assert "40/40" in row(text, backend, "parity.json logits: JS vs stored")
        assert "266/266" in row(text, backend, "drawing -> probabilities: JS vs Python")
        assert "1/1" in row(text, backend, "MNIST accuracy: JS vs reference")
    assert not re.search(r"FAILED", text)


@pytest.mark.parametrize(
    "mutant, what",
    [
        ("float32-accumulation", "parity.json probabilities: JS vs stored"),
        ("eight-terms-summed-first", "parity.json logits: JS vs stored"),
    ],
)
def test_a_broken_engine_fails(small, mutant, what):
    ok, text = run(small, mutant)
    assert not ok and "PARITY FAILED" in text.splitlines()[-1]
    for backend in BACKENDS:
        assert row(text, backend, what).endswith("<-- FAILED")


def test_a_broken_preprocessing_fails(small):
    ok, text = run(small, "round-half-even-shift")
    assert not ok
    failed = [line for line in text.splitlines() if line.endswith("<-- FAILED")]
    compared = ("preprocess cases: JS vs fixture", "drawing -> probabilities: JS vs Python")
    assert failed and all(any(c in line for c in compared) for line in failed), text
    assert sum("preprocess cases: JS vs fixture" in line for line in failed) == 2


def rewrite_parity(fixtures: Path, edit) -> None:
    path = fixtures / "weights" / "0.1.0" / "parity.json"
    doc = json.loads(path.read_text())
    edit(doc["cases"])
    path.write_text(json.dumps(doc))


def test_one_stored_logit_one_ulp_off_fails(small):
    def edit(cases):
        cases[7]["logits"][3] = math.nextafter(cases[7]["logits"][3], math.inf)

    rewrite_parity(small, edit)
    fails_on_each_backend(small, "parity.json logits: JS vs stored", "digit #7: |d|=6.94e-18")


def fails_on_each_backend(fixtures: Path, what: str, said: str) -> None:
    ok, text = run(fixtures)
    assert not ok
    for backend in BACKENDS:
        line = row(text, backend, what)
        assert said in line and line.endswith("<-- FAILED")


def test_a_stored_row_with_another_top_digit_fails(tmp_path, monkeypatch):
    """Every probability of the flat model is exactly 0.1 (digit 0 first); 1e-13 more on digit 7
    is within the tolerance but puts 7 on top: the harness compares the top digit too."""
    fixtures, data_dir = small_fixtures(tmp_path, last_bias=[0.0] * 10)
    monkeypatch.setenv("DIGITNET_DATA", str(data_dir))

    def edit(cases):
        cases[2]["probabilities"][7] += 1e-13

    rewrite_parity(fixtures, edit)
    fails_on_each_backend(fixtures, "parity.json probabilities: JS vs stored", "39/40")


def test_a_fixtures_folder_it_cannot_read_is_an_error(small):
    (small / "preprocess" / "cases.json").unlink()
    with pytest.raises(parity.DigitnetError, match="cases.json: unreadable"):
        run(small)
