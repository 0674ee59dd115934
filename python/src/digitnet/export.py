"""Turn a trained run into a weights version: the int8 model file, its parity cases and its
card (fixtures/FORMAT.md), then publish them (publish.py) as one transaction."""

from __future__ import annotations

import base64
import gzip
import json
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from . import card, conformance, evaluate, layout, publish, quantize, reference, runs
from .data import Dataset, Split
from .errors import DigitnetError

MAX_MODEL_BYTES = 150_000
DEFAULT_PER_CHANNEL = False


def model_document(
    params, version: str, per_channel: bool, metadata: dict, bits: tuple[int, ...] | None = None
) -> dict:
    """The model file for float params, each layer quantized to its width in `bits` (8 when
    None). A 4-bit layer is always per channel and states `bits`; 8-bit layers are written as
    in 1.x (no `bits`), per channel only if asked."""
    layers = []
    for k, (w, b) in enumerate(params):
        width = bits[k] if bits else 8
        channels = per_channel or width < 8
        q, scales = quantize.quantize(w, channels, width)
        layer = {
            "inputs": int(w.shape[0]),
            "outputs": int(w.shape[1]),
            "activation": "softmax" if k == len(params) - 1 else "relu",
        }
        if width < 8:
            layer["bits"] = width
        layer["weights"] = base64.b64encode(weight_bytes(q, width)).decode("ascii")
        if channels:
            layer["scales"] = scales.tolist()
        else:
            layer["scale"] = float(scales[0])
        layer["bias"] = [quantize.short_float(v) for v in b]
        layers.append(layer)
    return {
        "format": reference.FORMAT,
        "formatVersion": reference.FORMAT_VERSION,
        "version": version,
        "layers": layers,
        "metadata": metadata,
    }


def weight_bytes(q: np.ndarray, bits: int) -> bytes:
    """The bytes of a layer's levels q (inputs x outputs), FORMAT.md's `weights`: int8 input by
    input ([inputs][outputs]); 4-bit neuron by neuron ([outputs][inputs]: each neuron's 784
    weights of the first layer form a 28x28 image, which gzip compresses 5-7 KB better), two
    levels a byte, the first in the high nibble, a last odd level padded with a zero nibble."""
    if bits == 8:
        return q.tobytes()
    nibbles = q.T.reshape(-1).astype(np.uint8) & 0x0F  # two's complement: -7 is 0x9
    if nibbles.size % 2:
        nibbles = np.append(nibbles, np.uint8(0))
    return (nibbles[0::2] << 4 | nibbles[1::2]).tobytes()


def check_budget(params, version: str, per_channel: bool, bits=None) -> None:
    """Refuse, before any work, weights whose model.json cannot fit the budget: the document
    without its metadata is a lower bound (for this 784-128-64-10 network, --per-channel's 202
    scales never fit beside full-precision biases; the flag stays for the CLI's contract)."""
    within_budget(model_document(params, version, per_channel, {}, bits), lower_bound=True)


def within_budget(doc: dict, lower_bound: bool = False) -> bytes:
    """The document's bytes, or one error if they exceed MAX_MODEL_BYTES (the one budget check:
    before any work on the document without metadata, a lower bound, and on the final one)."""
    encoded = dumps(doc)
    if len(encoded) > MAX_MODEL_BYTES:
        scales = "per-channel" if any("scales" in layer for layer in doc["layers"]) else "per-layer"
        raise DigitnetError(
            f"model.json would be {'at least ' if lower_bound else ''}{len(encoded):,} bytes "
            f"({scales} scales), over the {MAX_MODEL_BYTES:,}-byte budget (try --per-layer)"
        )
    return encoded


def dumps(doc: dict) -> bytes:
    """Compact JSON; Python writes floats in shortest round-trip form, so nothing is rounded."""
    return json.dumps(doc, separators=(",", ":"), allow_nan=False).encode("utf-8")


def parity_cases(model: reference.Model, data: Dataset, per_class: int = 20) -> list[dict]:
    """Test digits that exercise the engine: the first `per_class` of each class, every digit the
    int8 model gets wrong (up to 40) and the 40 with the narrowest top-two margin."""
    out = model.forward(conformance.inputs(data.test.images))
    probs, logits, hidden = out["probs"], out["logits"], out["hidden"]
    labels = data.test.labels
    top2 = np.sort(probs, axis=1)[:, -2:]
    margin = top2[:, 1] - top2[:, 0]
    why: dict[int, str] = {}
    for d in range(10):
        for i in np.flatnonzero(labels == d)[:per_class]:
            why[int(i)] = f"first {per_class} of class {d}"
    for i in np.flatnonzero(logits.argmax(1) != labels)[:40]:
        why.setdefault(int(i), "misclassified by the int8 model")
    for i in np.argsort(margin, kind="stable")[:40]:
        why.setdefault(int(i), f"narrow top-two margin ({margin[i]:.3g})")
    return [
        {
            "description": f"MNIST test digit #{i} (label {labels[i]}): {why[i]}",
            "index": i,
            "label": int(labels[i]),
            "pixels": base64.b64encode(data.test.images[i].tobytes()).decode("ascii"),
            "hidden": [h[i].tolist() for h in hidden],
            "logits": logits[i].tolist(),
            "probabilities": probs[i].tolist(),
        }
        for i in sorted(why)
    ]


def parity_document(model: reference.Model, data: Dataset) -> dict:
    return {
        "format": conformance.PARITY_FORMAT,
        "formatVersion": conformance.PARITY_FORMAT_VERSION,
        "weightsVersion": model.version,
        "description": "MNIST test digits with the float64 reference's hidden activations and "
        "logits (exact: bit-exact logits) and probabilities (an engine conforms within "
        f"{conformance.PROBABILITY_TOLERANCE:g}, same argmax)",
        "cases": parity_cases(model, data),
    }


def export(
    run: runs.Run,
    version: str,
    *,
    data: Dataset,
    per_channel: bool,
    command: str,
    dest: Path,
    bits: tuple[int, ...] | None = None,
) -> tuple[Path, dict]:
    """Quantize a run (each layer to its width in `bits`), evaluate and publish; returns the
    version folder and its model-card metadata."""
    params, run_meta = run.params, run.metrics
    per_channel = per_channel or any(n < 8 for n in bits or ())  # as model_document writes it
    probe = reference.load_model(model_document(params, version, per_channel, {}, bits))
    metadata = model_metadata(probe, data.test, run_meta, per_channel, command)
    doc = model_document(params, version, per_channel, metadata, bits)
    model_bytes = within_budget(doc)
    files = {
        layout.MODEL: model_bytes,
        layout.PARITY: dumps(parity_document(reference.load_model(doc), data)),
        layout.CARD: card_file(version, metadata, run_meta, model_bytes, previous(dest, version)),
    }
    return publish.publish(dest, version, files, metadata), metadata


def model_metadata(
    probe: reference.Model, test: Split, run_meta: dict, per_channel: bool, command: str
) -> dict:
    """model.json's `metadata`: the model card's essentials (the file must stay <= 150,000
    bytes), measured on `probe`, the same weights without metadata."""
    return {
        "floatAccuracy": run_meta["testAccuracy"],
        **evaluate.measured(probe, test),
        "quantization": "per-channel" if per_channel else "per-layer",
        "seed": run_meta["seed"],
        "dataSha256": run_meta["dataSha256"],
        "command": command,
        "createdAt": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "card": layout.CARD,
    }


def card_file(
    version: str, metadata: dict, run_meta: dict, model_bytes: bytes, before: dict
) -> bytes:
    """card.json: the metadata (but its pointer to this file), what the model is for and its
    limitations, the training history and recipe, the size of model.json (as it is and gzipped)
    and `previous`, the version it follows."""
    doc = {
        "format": card.FORMAT,
        "formatVersion": card.FORMAT_VERSION,
        "weightsVersion": version,
        **{k: v for k, v in metadata.items() if k != "card"},
        **card.usage(metadata),
        "history": run_meta["history"],
        "recipe": run_meta["recipe"],
        "modelBytes": len(model_bytes),
        "modelGzipBytes": gzip_size(model_bytes),
        **before,
    }
    return json.dumps(doc, indent=1).encode("utf-8") + b"\n"


def gzip_size(data: bytes) -> int:
    """What a file costs on the wire: gzip at level 9, no name or date in its header (gzip -9n)."""
    return len(gzip.compress(data, 9, mtime=0))


def previous(dest: Path, version: str) -> dict:
    """The card's `previous` (nothing for the first version): the highest published version below
    `version`, its accuracy and its model.json's sizes, so a card shows what a new version
    changes (the demo shows both side by side)."""
    index = layout.read_index(dest)["weights"]
    number = lambda v: tuple(int(part) for part in v.split("."))  # noqa: E731
    older = [v for v in index if reference.is_version(v) and number(v) < number(version)]
    if not older:
        return {}
    was = max(older, key=number)
    model = layout.version_file(dest, was).read_bytes()
    return {
        "previous": {
            "weightsVersion": was,
            "int8Accuracy": index[was]["int8Accuracy"],
            "modelBytes": len(model),
            "modelGzipBytes": gzip_size(model),
        }
    }
