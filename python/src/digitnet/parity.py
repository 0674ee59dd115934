"""`nox -s parity`: prove that the JS engine and preprocessing are the Python reference.

For every published weights version the JS side (js/parity/outputs.mjs) writes its results as
raw float64, and this module compares them with the reference: the committed parity.json, the
whole MNIST test set, the preprocessing fixture cases, and drawing -> probabilities end to end.
Logits, hidden activations and preprocessed inputs must be identical; probabilities may differ
by TOLERANCE, as V8's Math.exp and the C library's exp may round differently.
"""

from __future__ import annotations

import argparse
import base64
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import data, export, reference
from .errors import DigitnetError
from .preprocess import preprocess

TOLERANCE = 1e-12  # probabilities: exp() differs by an ulp between libm and V8
EXACT = 0.0  # logits and activations (same summation order), preprocessing (PREPROCESS.md)
ROOT = Path(__file__).resolve().parents[3]  # the repository, for a source checkout


@dataclass
class Check:
    version: str
    what: str
    count: int
    max_diff: float
    agree: int  # argmax agreement (or null-ness agreement for preprocessing)
    worst: str
    tolerance: float = TOLERANCE

    @property
    def ok(self) -> bool:
        return self.max_diff <= self.tolerance and self.agree == self.count


def compare(
    version: str,
    what: str,
    js: np.ndarray,
    ref: np.ndarray,
    names: list[str],
    argmax: bool = True,
    tolerance: float = TOLERANCE,
) -> Check:
    """Rows of js against rows of ref; NaN rows stand for null and must match null exactly."""
    js_null, ref_null = np.isnan(js).all(axis=1), np.isnan(ref).all(axis=1)
    both = ~js_null & ~ref_null
    diff = np.where(both[:, None], np.abs(js - ref), 0.0)
    diff = np.where(np.isnan(diff), np.inf, diff).max(axis=1)  # a partial NaN is a failure
    diff[js_null != ref_null] = np.inf
    agree = js_null == ref_null
    if argmax:
        agree &= ~both | (js.argmax(axis=1) == np.where(both[:, None], ref, 0).argmax(axis=1))
    k = int(np.argmax(diff)) if len(diff) else 0
    if len(diff) and agree.sum() < len(agree) and diff[k] <= tolerance:
        k = int(np.argmin(agree))  # the worst case is the one whose answer differs
    worst = f"{names[k]}: |d|={diff[k]:.3g}" if len(diff) else "-"
    if len(diff) and diff[k] == 0 and agree.all():
        worst = "all identical"
    if len(diff) and js_null[k] != ref_null[k]:
        worst = f"{names[k]}: JS gives {'null' if js_null[k] else 'a result'}, reference not"
    top = float(diff.max(initial=0.0))
    return Check(version, what, len(js), top, int(agree.sum()), worst, tolerance)


def run_js(
    model: Path, parity: Path, images: Path, cases: Path, out: Path, mutant: str | None, hidden: int
):
    cmd = [
        "node",
        str(ROOT / "js" / "parity" / "outputs.mjs"),
        str(model),
        str(parity),
        str(images),
        str(cases),
        str(out),
    ]
    proc = subprocess.run(cmd + ([mutant] if mutant else []), capture_output=True, text=True)
    if proc.returncode != 0:
        raise DigitnetError(f"the JS side failed: {proc.stderr.strip()[-500:]}")

    def read(name: str, width: int) -> np.ndarray:
        return np.fromfile(out / name, dtype="<f8").reshape(-1, width)

    return {
        n: read(f"{n}.f64", w)
        for n, w in (
            ("parity", 10),
            ("mnist", 10),
            ("logits", 10),
            ("hidden", hidden),
            ("preprocess", 784),
            ("drawings", 10),
        )
    }


def check_version(
    version: str,
    fixtures: Path,
    ds: data.Dataset,
    cases: list[dict],
    twin: np.ndarray,
    mutant: str | None,
) -> list[Check]:
    folder = fixtures / "weights" / version
    model = reference.load_model(folder / "model.json")
    parity = json.loads((folder / "parity.json").read_text())["cases"]
    with tempfile.TemporaryDirectory() as tmp:
        js = run_js(
            folder / "model.json",
            folder / "parity.json",
            Path(ds.source) / "t10k-images-idx3-ubyte",
            fixtures / "preprocess" / "cases.json",
            Path(tmp),
            mutant,
            sum(layer.bias.size for layer in model.layers[:-1]),
        )
    stored = np.array([c["probabilities"] for c in parity])
    x = ds.test.images.reshape(len(ds.test.images), -1) / 255.0
    forward = model.forward(x)
    mnist_ref = forward["probs"]
    expected = np.array(
        [c["expected"] if c["expected"] is not None else [np.nan] * 784 for c in cases]
    )
    drawn = np.full((len(cases), 10), np.nan)
    inked = ~np.isnan(twin).all(axis=1)
    drawn[inked] = model.predict(twin[inked])
    case_names = [f"case {k} ({c['description']})" for k, c in enumerate(cases)]
    digit_names = [f"test digit #{i}" for i in range(len(x))]
    checks = [
        compare(
            version,
            "parity.json: JS vs stored reference",
            js["parity"],
            stored,
            [f"digit #{c['index']}" for c in parity],
        ),
        compare(
            version,
            "MNIST test set: JS vs reference",
            js["mnist"],
            mnist_ref,
            digit_names,
        ),
        compare(
            version,
            "MNIST logits: JS vs reference",
            js["logits"],
            forward["logits"],
            digit_names,
            tolerance=EXACT,
        ),
        compare(
            version,
            "MNIST hidden activations: JS vs reference",
            js["hidden"],
            np.concatenate(forward["hidden"], axis=1),
            digit_names,
            argmax=False,
            tolerance=EXACT,
        ),
        compare(
            version,
            "preprocess cases: JS vs fixture",
            js["preprocess"],
            expected,
            case_names,
            argmax=False,
            tolerance=EXACT,
        ),
        compare(
            version,
            "preprocess cases: Python twin vs fixture",
            twin,
            expected,
            case_names,
            argmax=False,
            tolerance=EXACT,
        ),
        compare(
            version, "drawing -> probabilities: JS vs Python", js["drawings"], drawn, case_names
        ),
    ]
    js_acc = float((js["mnist"].argmax(1) == ds.test.labels).mean())
    ref_acc = float((mnist_ref.argmax(1) == ds.test.labels).mean())
    if js_acc != ref_acc:
        checks.append(
            Check(
                version,
                "MNIST accuracy: JS vs reference",
                1,
                abs(js_acc - ref_acc),
                0,
                f"JS {js_acc:.4%}, reference {ref_acc:.4%}",
            )
        )
    return checks


def run(fixtures: Path = ROOT / "fixtures", mutant: str | None = None, out=sys.stdout) -> bool:
    """Run every check and print the table; True when everything agrees."""
    started = time.perf_counter()
    ds = data.load()
    cases = json.loads((fixtures / "preprocess" / "cases.json").read_text())["cases"]
    twin = np.array(
        [
            (lambda r: r if r is not None else np.full(784, np.nan))(
                preprocess(base64.b64decode(c["rgba"]), c["width"], c["height"], ink=c["ink"])
            )
            for c in cases
        ]
    )
    checks = []
    for version in sorted(export.read_index(fixtures)["weights"]):
        checks += check_version(version, fixtures, ds, cases, twin, mutant)
    header = f"{'version':<9}{'check':<44}{'count':>7}{'max |d|':>11}{'allowed':>9}{'agree':>13}"
    header += "  worst case"
    print(header, file=out)
    for c in checks:
        print(
            f"{c.version:<9}{c.what:<44}{c.count:>7}{c.max_diff:>11.3g}{c.tolerance:>9.3g}"
            f"{f'{c.agree}/{c.count}':>13}  {c.worst}{'' if c.ok else '  <-- FAILED'}",
            file=out,
        )
    bad = [c for c in checks if not c.ok]
    seconds = time.perf_counter() - started
    if bad:
        worst = max(bad, key=lambda c: (c.count - c.agree, c.max_diff))
        print(
            f"PARITY FAILED ({seconds:.1f}s): {worst.version} {worst.what}: {worst.worst}"
            f" (allowed {worst.tolerance:g})",
            file=out,
        )
        return False
    print(
        f"PARITY OK: {len(checks)} checks (logits, activations and preprocessing exact,"
        f" probabilities within {TOLERANCE:g}), {seconds:.1f}s",
        file=out,
    )
    return True


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m digitnet.parity", description=__doc__)
    p.add_argument("--fixtures", type=Path, default=ROOT / "fixtures")
    p.add_argument("--mutant", help="run a deliberately broken JS engine (js/parity/mutants.mjs)")
    args = p.parse_args(argv)
    try:
        return 0 if run(args.fixtures, args.mutant) else 1
    except DigitnetError as e:
        print(f"parity: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
