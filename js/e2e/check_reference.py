"""Recompute the browser's drawings with the Python twin preprocessing and reference model.

Reads artifacts/e2e/results.json (written by draw.test.mjs): for each drawing, the pad's RGBA as
the page held it, the page's preprocessed input, hidden activations, logits and probabilities.
Fails unless, for every drawing, the input, activations and logits equal Python's exactly, the
probabilities agree within 1e-12 (exp may differ in the last bit) and both pick the same digit.

    python js/e2e/check_reference.py [results.json]

The weights are the file the page was served (results.json names it and its SHA-256).
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from pathlib import Path

import numpy as np
from digitnet import load_model, preprocess
from digitnet.conformance import PROBABILITY_TOLERANCE as TOLERANCE

REPO = Path(__file__).resolve().parents[2]


def main(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else REPO / "artifacts" / "e2e" / "results.json"
    if not path.is_file():
        return fail(f"{path}: missing; run the browser part (node --test js/e2e/) first")
    results = json.loads(path.read_text(encoding="utf-8"))
    drawings = results.get("drawings") or []
    if not drawings:
        return fail(f"{path}: no drawings recorded")

    model_path = Path(results["model"]["path"])
    if not model_path.is_file():
        return fail(f"{model_path}: missing; the page was served these weights")
    if hashlib.sha256(model_path.read_bytes()).hexdigest() != results["model"]["sha256"]:
        return fail(f"{model_path}: changed since the page was served it")
    model = load_model(model_path)
    if results["model"].get("version") != model.version:
        return fail(
            f"the page reports weights {results['model'].get('version')}, "
            f"{model_path} is {model.version}"
        )

    errors, failed = [], set()
    print(f"weights {model.version} ({model_path}); probabilities within {TOLERANCE:g}, rest exact")
    print(
        f"{'drawing':<24}{'want':>5}{'page':>12}{'python':>12}"
        f"{'max|dx|':>11}{'max|dh|':>11}{'max|dz|':>11}{'max|dp|':>11}"
    )
    for d in drawings:
        name = d["name"]
        rgba = base64.b64decode(d["rgba"])
        x_page = np.array(d["input"], dtype=np.float64)
        p_page = np.array(d["probs"], dtype=np.float64)
        x_py = preprocess(rgba, d["width"], d["height"], ink="alpha")
        if x_py is None:
            errors.append(f"{name}: Python preprocessing sees an empty drawing")
            failed.add(name)
            continue
        f_py = model.forward(x_py)
        p_py = f_py["probs"]
        h_page = np.concatenate([np.array(h, dtype=np.float64) for h in d["hidden"]])
        h_py = np.concatenate(f_py["hidden"])
        z_page = np.array(d["logits"], dtype=np.float64)
        dx = float(np.max(np.abs(x_py - x_page)))
        dh = float(np.max(np.abs(h_py - h_page))) if h_py.shape == h_page.shape else np.inf
        dz = float(np.max(np.abs(f_py["logits"] - z_page)))
        dp = float(np.max(np.abs(p_py - p_page)))
        top_page, top_py = int(np.argmax(p_page)), int(np.argmax(p_py))
        print(
            f"{name:<24}{d['expected']:>5}{top_page:>4} {p_page[top_page]:7.2%}"
            f"{top_py:>4} {p_py[top_py]:7.2%}{dx:>11.2e}{dh:>11.2e}{dz:>11.2e}{dp:>11.2e}"
        )
        if dx != 0:
            worst = int(np.argmax(np.abs(x_py - x_page)))
            errors.append(
                f"{name}: preprocessed input differs by {dx:.3g} at pixel {worst} "
                f"(page {float(x_page[worst])!r}, python {float(x_py[worst])!r})"
            )
        for what, diff in (("hidden activations", dh), ("logits", dz)):
            if diff != 0:
                errors.append(f"{name}: {what} differ from Python's by {diff:.3g}")
        if not dp <= TOLERANCE:
            errors.append(
                f"{name}: probabilities differ by {dp:.3g} "
                f"(page {p_page.tolist()}, python {p_py.tolist()})"
            )
        if top_page != top_py or d["prediction"] != top_py:
            errors.append(f"{name}: the page picks {d['prediction']}, python picks {top_py}")

        if errors and errors[-1].startswith(f"{name}: "):
            failed.add(name)

    for e in errors:
        print(f"FAIL {e}", file=sys.stderr)
    print(f"{len(drawings) - len(failed)} passed, {len(failed)} failed")
    return 1 if errors else 0


def fail(message: str) -> int:
    print(f"FAIL {message}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
