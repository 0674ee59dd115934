"""Reference inference on a `digitnet-mlp` v1 model file: strict loading, float64 throughout.

This module defines the right answer that every engine must reproduce (fixtures/FORMAT.md).
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import DigitnetError

FORMAT = "digitnet-mlp"
FORMAT_VERSION = 1
INPUTS, CLASSES = 784, 10
SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")


@dataclass(frozen=True)
class Layer:
    weights: np.ndarray  # (inputs, outputs) float64, dequantized
    bias: np.ndarray  # (outputs,) float64
    activation: str


def affine(a: np.ndarray, layer: Layer) -> np.ndarray:
    """x W + b, summed input by input in a fixed order (not BLAS, whose order depends on the
    batch size and the CPU): one vector or a batch, any machine, the same bits."""
    z = np.zeros(a.shape[:-1] + layer.bias.shape)
    for i in range(a.shape[-1]):
        z += a[..., i, None] * layer.weights[i]
    return z + layer.bias


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


class Model:
    """A loaded model: `predict(x)` gives probabilities, `forward(x)` also the activations."""

    def __init__(self, layers: list[Layer], doc: dict):
        self.layers = layers
        self.version: str = doc["version"]
        self.metadata: dict = doc["metadata"]
        self.doc = doc

    def forward(self, x) -> dict:
        a = check_input(x)
        hidden, logits = [], None
        for layer in self.layers:
            z = affine(a, layer)
            if layer.activation == "relu":
                a = np.maximum(z, 0.0)
                hidden.append(a)
            else:
                logits, a = z, softmax(z)
        return {"probs": a, "hidden": hidden, "logits": logits}

    def predict(self, x) -> np.ndarray:
        return self.forward(x)["probs"]


def check_input(x) -> np.ndarray:
    a = np.asarray(x, dtype=np.float64)
    if a.ndim not in (1, 2) or a.shape[-1] != INPUTS:
        raise ValueError(f"expected 784 values or an N x 784 array, got shape {a.shape}")
    if not np.isfinite(a).all():
        raise ValueError("input has NaN or infinite values; expected finite numbers in [0, 1]")
    return a


def load_model(source: str | os.PathLike | dict) -> Model:
    """Load and validate a model from a path, JSON text or a parsed dict."""
    name = "model"
    if isinstance(source, dict):
        doc = source
    else:
        name = str(source)
        text = source if isinstance(source, str) and source.lstrip().startswith("{") else None
        if text is None:
            try:
                text = Path(source).read_text(encoding="utf-8")
            except OSError as e:
                raise DigitnetError(f"{name}: cannot read ({e.strerror})") from None
        else:
            name = "model"
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as e:
            raise DigitnetError(f"{name}: not valid JSON ({e})") from None
    try:
        return Model(validate(doc), doc)
    except DigitnetError as e:
        raise DigitnetError(f"{name}: {e}") from None


def validate(doc) -> list[Layer]:
    """Check every field of a model document; return its dequantized layers."""
    if not isinstance(doc, dict):
        raise DigitnetError("expected a JSON object")
    if doc.get("format") != FORMAT:
        raise DigitnetError(f"format: expected {FORMAT!r}, got {doc.get('format')!r}")
    fv = doc.get("formatVersion")
    if type(fv) is not int or fv != FORMAT_VERSION:
        raise DigitnetError(f"formatVersion: expected {FORMAT_VERSION}, got {fv!r}")
    version = doc.get("version")
    if not isinstance(version, str) or not SEMVER.match(version):
        raise DigitnetError(f"version: expected a semver X.Y.Z string, got {version!r}")
    if not isinstance(doc.get("metadata"), dict):
        raise DigitnetError("metadata: expected an object")
    specs = doc.get("layers")
    if not isinstance(specs, list) or not specs:
        raise DigitnetError("layers: expected a non-empty array")
    layers, prev = [], INPUTS
    for k, spec in enumerate(specs):
        last = k == len(specs) - 1
        layers.append(validate_layer(spec, f"layers[{k}]", prev, last))
        prev = spec["outputs"]
    if prev != CLASSES:
        raise DigitnetError(f"layers[{len(specs) - 1}].outputs: expected {CLASSES}, got {prev}")
    return layers


def validate_layer(spec, where: str, inputs: int, last: bool) -> Layer:
    if not isinstance(spec, dict):
        raise DigitnetError(f"{where}: expected an object")
    for key in ("inputs", "outputs"):
        v = spec.get(key)
        if type(v) is not int or v <= 0:
            raise DigitnetError(f"{where}.{key}: expected a positive integer, got {v!r}")
    if spec["inputs"] != inputs:
        raise DigitnetError(
            f"{where}.inputs: expected {inputs} (the previous layer's outputs)"
            f", got {spec['inputs']}"
        )
    i, o = spec["inputs"], spec["outputs"]
    act = "softmax" if last else "relu"
    if spec.get("activation") != act:
        raise DigitnetError(f"{where}.activation: expected {act!r}, got {spec.get('activation')!r}")
    raw = spec.get("weights")
    if not isinstance(raw, str):
        raise DigitnetError(f"{where}.weights: expected a base64 string")
    try:
        q = np.frombuffer(base64.b64decode(raw, validate=True), dtype=np.int8)
    except (binascii.Error, ValueError):
        raise DigitnetError(f"{where}.weights: invalid base64") from None
    if q.size != i * o:
        raise DigitnetError(f"{where}.weights: decodes to {q.size} bytes, expected {i}*{o}={i * o}")
    if (q == -128).any():
        raise DigitnetError(f"{where}.weights: value -128 outside -127..127")
    has_scales, has_scale = "scales" in spec, "scale" in spec
    if has_scales == has_scale:
        raise DigitnetError(f"{where}: expected exactly one of 'scales' (per-channel) or 'scale'")
    if has_scales:
        scale = numbers(spec["scales"], f"{where}.scales", o, positive=True)
    else:
        scale = numbers([spec["scale"]], f"{where}.scale", 1, positive=True)
    bias = numbers(spec.get("bias"), f"{where}.bias", o)
    weights = q.astype(np.float64).reshape(i, o) * scale  # broadcast: one scale per output
    return Layer(weights, bias, act)


def numbers(values, where: str, count: int, positive: bool = False) -> np.ndarray:
    kind = "finite positive numbers" if positive else "finite numbers"
    ok = (
        isinstance(values, list)
        and len(values) == count
        and all(
            type(v) in (int, float) and math.isfinite(v) and (v > 0 or not positive) for v in values
        )
    )
    if not ok:
        got = f"{len(values)} items" if isinstance(values, list) else type(values).__name__
        bad = ""
        if isinstance(values, list):
            wrong = [
                j
                for j, v in enumerate(values)
                if not (type(v) in (int, float) and math.isfinite(v) and (v > 0 or not positive))
            ]
            bad = f" (item {wrong[0]} is {values[wrong[0]]!r})" if wrong else ""
        raise DigitnetError(f"{where}: expected {count} {kind}, got {got}{bad}")
    return np.array(values, dtype=np.float64)
