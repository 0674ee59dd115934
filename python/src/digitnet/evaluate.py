"""Evaluation for the CLI and the model card: accuracy, per class, confusion, and the robustness
suite (digitnet.robustness: shifts, rotations, scales, thinning, thickening, elastic, worst)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from . import conformance, robustness
from .data import Split

SHIFTS = (2, 3, 4)

Classifier = Callable[[np.ndarray], np.ndarray]  # (N, 28, 28) uint8 -> (N,) predicted classes

# What report() prints beside each robustness key: the transform and its stated parameters.
DESCRIPTIONS = {
    "shift2": "shifted 2 px (fixed compass directions)",
    "shift3": "shifted 3 px",
    "shift4": "shifted 4 px",
    "rotateMinus20": "rotated 20° clockwise about the centre of mass",
    "rotateMinus10": "rotated 10° clockwise",
    "rotate10": "rotated 10° counter-clockwise",
    "rotate20": "rotated 20° counter-clockwise",
    "scale80": "scaled 0.8 about the centre of mass",
    "scale120": "scaled 1.2",
    "thinning": "grey erosion, 3x3",
    "thickening": "grey dilation, 3x3",
    "elastic": "elastic distortion, seed 0",
    "worst": "the worst of these",
}


def evaluate(classify: Classifier, test: Split, suite: bool = True) -> dict:
    """Accuracy, per class, confusion, shift robustness and (with `suite`) the whole robustness
    suite. Without it only the shifts are computed: `verify` needs no more for versions published
    before the suite existed."""
    pred = classify(test.images)
    labels = test.labels.astype(np.intp)
    confusion = np.zeros((10, 10), dtype=np.int64)
    np.add.at(confusion, (labels, pred), 1)
    per_class = confusion.diagonal() / np.maximum(confusion.sum(axis=1), 1)
    names = None if suite else [f"shift{d}" for d in SHIFTS]
    transformed = robustness.accuracies(classify, test.images, labels, names)
    return {
        "accuracy": float((pred == labels).mean()),
        "perClassAccuracy": [round(float(a), 4) for a in per_class],
        "confusion": confusion.tolist(),
        "shiftRobustness": {str(d): transformed[f"shift{d}"] for d in SHIFTS},
        **({"robustness": transformed} if suite else {}),
    }


def report(result: dict) -> str:
    lines = [f"accuracy: {result['accuracy']:.2%}", "per class:"]
    lines += [f"  {d}: {a:.2%}" for d, a in enumerate(result["perClassAccuracy"])]
    lines.append("confusion (rows: true label, columns: prediction):")
    lines.append("      " + "".join(f"{d:>6}" for d in range(10)))
    lines += [
        f"  {d:>2}: " + "".join(f"{c:>6}" for c in row) for d, row in enumerate(result["confusion"])
    ]
    lines.append("shift robustness (test digits shifted by exactly N px, zero-filled):")
    lines += [f"  {d} px: {a:.2%}" for d, a in result["shiftRobustness"].items()]
    lines.append("robustness suite (accuracy on the test digits transformed; fixtures/FORMAT.md):")
    lines += [
        f"  {name:<14}{acc:>8.2%}  {DESCRIPTIONS.get(name, '')}".rstrip()
        for name, acc in result["robustness"].items()
    ]
    return "\n".join(lines)


def measured(model, test: Split, suite: bool = True) -> dict:
    """What `metadata` records of the int8 model's behaviour on the test set (without `suite`,
    what versions before 1.1.0 record). Digits are read from the exact logits, so `digitnet
    verify` recomputes the same values on any machine."""
    result = evaluate(lambda images: conformance.digits(model, images), test, suite)
    rounded = lambda accuracies: {k: round(v, 4) for k, v in accuracies.items()}  # noqa: E731
    out = {
        "int8Accuracy": result["accuracy"],
        "perClassAccuracy": result["perClassAccuracy"],
        "confusion": result["confusion"],
        "shiftRobustness": rounded(result["shiftRobustness"]),
    }
    if "robustness" in result:
        out["robustness"] = rounded(result["robustness"])
    return out
