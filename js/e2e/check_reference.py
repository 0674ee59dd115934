"""Recompute the browser's drawings with the Python twin preprocessing and reference model.

Reads artifacts/e2e/BROWSER/results.json (written by draw.test.mjs): for each drawing, the pad's
RGBA as the page held it, the page's preprocessed input, hidden activations, logits, probabilities
and the digit it showed. Each quantity is a parity row (digitnet.parity.Row: the page's rows against
Python's), judged and printed as `nox -s parity` does: the input, activations and logits must equal
Python's exactly, the probabilities agree within the conformance tolerance (exp may differ in the
last bit), and the page must show the digit Python picks.

    python js/e2e/check_reference.py artifacts/e2e/BROWSER/results.json

The weights are the file the page was served (results.json names it and its SHA-256).
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

import numpy as np
from digitnet import load_model, preprocess
from digitnet.conformance import EXACT, PROBABILITY_TOLERANCE
from digitnet.storage import sha256
from digitnet_tools.parity.judge import Row, judge, table

REPO = Path(__file__).resolve().parents[2]

ENGINE = "page"  # the engine column: what the demo page computed


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        return fail("usage: check_reference.py artifacts/e2e/BROWSER/results.json")
    path = Path(argv[0])
    if not path.is_file():
        return fail(f"{path}: missing; run the browser part (nox -s e2e) first")
    results = json.loads(path.read_text(encoding="utf-8"))
    drawings = results.get("drawings") or []
    if not drawings:
        return fail(f"{path}: no drawings recorded")

    model_path = Path(results["model"]["path"])
    if not model_path.is_file():
        return fail(f"{model_path}: missing; the page was served these weights")
    if sha256(model_path.read_bytes()) != results["model"]["sha256"]:
        return fail(f"{model_path}: changed since the page was served it")
    model = load_model(model_path)
    if results["model"].get("version") != model.version:
        return fail(
            f"the page reports weights {results['model'].get('version')}, "
            f"{model_path} is {model.version}"
        )

    print(f"{results.get('browser', 'browser ?')}: weights {model.version} ({model_path})")
    checks = [judge(row) for row in rows(model, drawings)]
    print(table(checks))
    bad = [c for c in checks if not c.ok]
    for c in bad:
        print(f"FAIL {c.what}: {c.worst} (allowed {c.tolerance:g})", file=sys.stderr)
    print(f"{len(drawings)} drawings, {len(checks) - len(bad)} of {len(checks)} checks passed")
    return 1 if bad else 0


def rows(model, drawings: list[dict]) -> list[Row]:
    """The page's answers against Python's, one row per drawing in each check. A drawing Python
    sees as empty gives NaN rows (null), which only a null on the page would match."""
    names = [d["name"] for d in drawings]
    python = [python_answers(model, d) for d in drawings]
    page = [page_answers(d) for d in drawings]
    hidden = sum(layer.bias.size for layer in model.layers[:-1])
    checks = (  # what, key, width, tolerance, same digit on top
        ("preprocessed input: page vs Python", "input", 784, EXACT, False),
        ("hidden activations: page vs Python", "hidden", hidden, EXACT, False),
        ("logits: page vs Python", "logits", 10, EXACT, True),
        ("probabilities: page vs Python", "probs", 10, PROBABILITY_TOLERANCE, True),
        ("digit shown: page vs Python", "digit", 1, EXACT, False),
    )
    out = []
    for what, key, width, tolerance, argmax in checks:
        js, ref = stack([p[key] for p in page], width), stack([p[key] for p in python], width)
        out.append(Row(model.version, ENGINE, what, js, ref, names, tolerance, argmax))
    return out


def python_answers(model, d: dict) -> dict:
    x = preprocess(base64.b64decode(d["rgba"]), d["width"], d["height"], ink="alpha")
    if x is None:
        return dict.fromkeys(("input", "hidden", "logits", "probs", "digit"))
    f = model.forward(x)
    return {
        "input": x,
        "hidden": np.concatenate(f["hidden"]),
        "logits": f["logits"],
        "probs": f["probs"],
        "digit": [int(np.argmax(f["logits"]))],
    }


def page_answers(d: dict) -> dict:
    return {
        "input": d["input"],
        "hidden": [v for h in d["hidden"] for v in h],
        "logits": d["logits"],
        "probs": d["probs"],
        "digit": [d["prediction"]],
    }


def stack(values: list, width: int) -> np.ndarray:
    """One row per drawing: None as a NaN row (null), a row of the wrong length as infinitely
    far from any answer."""
    out = np.full((len(values), width), np.nan)
    for k, v in enumerate(values):
        if v is not None:
            v = np.asarray(v, dtype=np.float64).reshape(-1)
            out[k] = v if v.shape == (width,) else np.inf
    return out


def fail(message: str) -> int:
    print(f"FAIL {message}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
