"""The conformance levels hold across CPU paths (fixtures/FORMAT.md, "Conformance levels").

NumPy picks its SIMD loops (exp among them) by CPU at import, and OpenBLAS its kernels: other
machines run other paths. Both can be steered on this one: NPY_DISABLE_CPU_FEATURES turns off
NumPy's dispatch targets (AVX-512, AVX2, ...), OPENBLAS_CORETYPE forces an older BLAS kernel. Each
setting runs the reference in a fresh process; the logits and hidden activations must be the
same bits in all of them, the probabilities within the tolerance, and `digitnet verify` must
pass on the published fixtures in every one.
"""

import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from digitnet.conformance import PROBABILITY_TOLERANCE

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.mnist

# Run in each setting: the dispatch targets NumPy found, and the reference's outputs on the
# parity digits and the first 2,000 MNIST test digits.
PROBE = """
import json, sys
import numpy as np
try:
    from numpy._core import _multiarray_umath as m
except ImportError:  # NumPy 1.x
    from numpy.core import _multiarray_umath as m
from digitnet import data, load_model
found = [f for f in m.__cpu_dispatch__ if m.__cpu_features__.get(f)]
if sys.argv[1] == "found":
    print(json.dumps(found)); sys.exit()
model = load_model(sys.argv[2])
x = data.load().test.images[:2000].reshape(-1, 784) / 255.0
out = model.forward(x)
np.savez(sys.argv[1], found=np.array(found, dtype=str), logits=out["logits"], probs=out["probs"],
         hidden=np.concatenate(out["hidden"], axis=1), blas=x @ model.layers[0].weights)
"""


def run(env: dict, *args: str) -> subprocess.CompletedProcess:
    steering = ("NPY_DISABLE_CPU_FEATURES", "OPENBLAS_CORETYPE")
    full = {k: v for k, v in os.environ.items() if k not in steering} | env
    return subprocess.run(args, env=full, capture_output=True, text=True, cwd=ROOT)


def settings() -> list[dict]:
    """This machine's CPU paths: every NumPy dispatch target on, then the newest ones turned off
    one by one down to the baseline; and OpenBLAS's generic kernel."""
    found = json.loads(run({}, sys.executable, "-c", PROBE, "found").stdout)
    out = [{}]
    out += [{"NPY_DISABLE_CPU_FEATURES": " ".join(found[k:])} for k in reversed(range(len(found)))]
    generic = {"x86_64": "Prescott", "AMD64": "Prescott", "aarch64": "ARMV8", "arm64": "ARMV8"}
    if platform.machine() in generic:
        out.append({"OPENBLAS_CORETYPE": generic[platform.machine()]})
    return out


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> list[tuple[dict, dict]]:
    tmp = tmp_path_factory.mktemp("portability")
    model = str(ROOT / "fixtures/weights/1.0.0/model.json")
    results = []
    for k, env in enumerate(settings()):
        path = tmp / f"{k}.npz"
        proc = run(env, sys.executable, "-c", PROBE, str(path), model)
        assert proc.returncode == 0, f"{env}: {proc.stderr[-2000:]}"
        with np.load(path) as z:
            results.append((env, {name: z[name] for name in z.files}))
    return results


def test_the_settings_really_change_numpys_cpu_path(outputs):
    base_found = set(outputs[0][1]["found"])
    for env, out in outputs:
        disabled = set(env.get("NPY_DISABLE_CPU_FEATURES", "").split())
        assert not disabled & set(out["found"]), env
        assert set(out["found"]) == base_found - disabled, env


def test_logits_and_activations_are_the_same_bits_on_every_path(outputs):
    _, base = outputs[0]
    for env, out in outputs[1:]:
        assert np.array_equal(out["logits"], base["logits"]), env
        assert np.array_equal(out["hidden"], base["hidden"]), env


def test_probabilities_agree_within_the_tolerance(outputs):
    _, base = outputs[0]
    for env, out in outputs[1:]:
        diff = float(np.abs(out["probs"] - base["probs"]).max())
        assert diff <= PROBABILITY_TOLERANCE, (env, diff)
        assert np.array_equal(out["probs"].argmax(1), base["probs"].argmax(1)), env


def test_verify_passes_on_every_path(outputs):
    """verify in every setting, the recorded metrics recomputed in each (verify never says OK
    about what it did not check): the parity file's probabilities are the part that differs by
    path, and the metrics are read from the logits, which the test above shows are the same bits
    on every path."""
    for env, _ in outputs:
        proc = run(env, sys.executable, "-m", "digitnet", "verify", "--dest", "fixtures")
        assert proc.returncode == 0 and "VERIFY OK" in proc.stdout, (env, proc.stderr)
        assert "recorded metrics recomputed" in proc.stdout, (env, proc.stdout)
