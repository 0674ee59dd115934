"""Small valid `digitnet-mlp` v1 documents, made deterministically (no NumPy: the same bytes on
any machine), for the conformance cases and the loader fuzzers. Not part of the package."""

from __future__ import annotations

import base64
import json
import random


def model(sizes=(784, 1, 10), quantization="per-layer", seed=1) -> dict:
    """A valid model with these layer widths; quantization per-layer, per-channel or mixed."""
    r = random.Random(seed)
    layers = []
    for k, (inputs, outputs) in enumerate(zip(sizes, sizes[1:])):
        q = bytes(r.randrange(-127, 128) & 0xFF for _ in range(inputs * outputs))
        per_channel = quantization == "per-channel" or (quantization == "mixed" and k % 2 == 0)
        layer = {
            "inputs": inputs,
            "outputs": outputs,
            "activation": "softmax" if k == len(sizes) - 2 else "relu",
            "weights": base64.b64encode(q).decode(),
        }
        if per_channel:
            layer["scales"] = [round(0.001 + r.random() / 50, 6) for _ in range(outputs)]
        else:
            layer["scale"] = round(0.004 + r.random() / 100, 6)
        layer["bias"] = [round(r.random() - 0.5, 6) for _ in range(outputs)]
        layers.append(layer)
    return {
        "format": "digitnet-mlp",
        "formatVersion": 1,
        "version": "0.0.1",
        "layers": layers,
        "metadata": {"note": "synthetic"},
    }


def text(doc) -> str:
    """Compact JSON, as digitnet export writes it."""
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False, allow_nan=True)
