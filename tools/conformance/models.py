"""Small valid `digitnet-mlp` v1 documents, made deterministically (no NumPy: the same bytes on
any machine), for the conformance cases and the loader fuzzers. Not part of the package."""

from __future__ import annotations

import base64
import json
import random


def model(sizes=(784, 1, 10), quantization="per-layer", seed=1, bits=None) -> dict:
    """A valid model with these layer widths; quantization per-layer, per-channel or mixed;
    `bits` one weight width per layer (4 or 8; None: 8 everywhere, no `bits` key written)."""
    r = random.Random(seed)
    layers = []
    for k, (inputs, outputs) in enumerate(zip(sizes, sizes[1:])):
        width = bits[k] if bits else 8
        if width == 4:
            q = pack4([r.randrange(-7, 8) for _ in range(inputs * outputs)])
        else:
            q = bytes(r.randrange(-127, 128) & 0xFF for _ in range(inputs * outputs))
        per_channel = quantization == "per-channel" or (quantization == "mixed" and k % 2 == 0)
        layer = {
            "inputs": inputs,
            "outputs": outputs,
            "activation": "softmax" if k == len(sizes) - 2 else "relu",
            **({"bits": width} if bits else {}),
            "weights": base64.b64encode(q).decode(),
        }
        if per_channel:
            layer["scales"] = [round(0.001 + r.random() / 50, 6) for _ in range(outputs)]
        else:
            layer["scale"] = round(0.004 + r.random() / 100, 6)
        layer["bias"] = [round(r.random() - 0.5, 6) for _ in range(outputs)]
        layers.append(layer)
    return document(layers)


def document(layers: list[dict], note: str = "synthetic") -> dict:
    """A model file around these layers."""
    return {
        "format": "digitnet-mlp",
        "formatVersion": 1,
        "version": "0.0.1",
        "layers": layers,
        "metadata": {"note": note},
    }


def pack4(levels: list[int]) -> bytes:
    """4-bit levels (in the file's neuron-major order) two per byte, high nibble first, a zero
    padding nibble after an odd count (FORMAT.md, written here without the package's code)."""
    nibbles = [v & 0xF for v in levels] + [0] * (len(levels) % 2)
    return bytes(hi << 4 | lo for hi, lo in zip(nibbles[::2], nibbles[1::2]))


def text(doc) -> str:
    """Compact JSON, as digitnet export writes it."""
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False, allow_nan=True)
