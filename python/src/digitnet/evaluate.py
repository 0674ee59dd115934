"""Evaluation for the CLI and the model card: accuracy, per class, confusion, shift robustness."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from . import augment
from .data import Split

SHIFTS = (2, 3, 4)

Classifier = Callable[[np.ndarray], np.ndarray]  # (N, 28, 28) uint8 -> (N,) predicted classes


def evaluate(classify: Classifier, test: Split) -> dict:
    pred = classify(test.images)
    labels = test.labels.astype(np.intp)
    confusion = np.zeros((10, 10), dtype=np.int64)
    np.add.at(confusion, (labels, pred), 1)
    per_class = confusion.diagonal() / np.maximum(confusion.sum(axis=1), 1)
    shifted = {
        str(d): float((classify(augment.fixed_shift(test.images, d)) == labels).mean())
        for d in SHIFTS
    }
    return {
        "accuracy": float((pred == labels).mean()),
        "perClassAccuracy": [round(float(a), 4) for a in per_class],
        "confusion": confusion.tolist(),
        "shiftRobustness": shifted,
    }


def report(result: dict) -> str:
    lines = [f"accuracy: {result['accuracy']:.2%}", "per class:"]
    lines += [f"  {d}: {a:.2%}" for d, a in enumerate(result["perClassAccuracy"])]
    lines.append("confusion (rows: true label, columns: prediction):")
    lines.append("      " + "".join(f"{d:>6}" for d in range(10)))
    lines += [
        f"  {d:>2}: " + "".join(f"{c:>6}" for c in row) for d, row in enumerate(result["confusion"])
    ]
    lines.append("robustness (test digits shifted by exactly N px, zero-filled):")
    lines += [f"  {d} px: {a:.2%}" for d, a in result["shiftRobustness"].items()]
    return "\n".join(lines)
