"""Publish a trained run as an immutable weights version, and verify every published version.

Layout and formats: fixtures/FORMAT.md. A version's files are written into a temporary folder
that is renamed into place; fixtures/index.json is updated last, so an interrupted export
leaves no partial version and the index only ever names complete ones.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from . import conformance, quantize, reference
from .data import Dataset, Split
from .errors import DigitnetError
from .evaluate import evaluate

INDEX = "index.json"
CARD = "card.json"
MAX_MODEL_BYTES = 150_000
DEFAULT_PER_CHANNEL = False
PARITY_FORMAT = "digitnet-parity"
PARITY_FORMAT_VERSION = 2  # 2 adds each case's logits, checked exactly; 1.0.0 keeps 1


def short_float(v: float) -> float:
    """The float64 nearest to the shortest decimal of v as a float32: trained values are float32,
    so this keeps all their precision in about 9 digits instead of 17."""
    return float(str(np.float32(v)))


def model_document(params, version: str, per_channel: bool, metadata: dict) -> dict:
    layers = []
    for k, (w, b) in enumerate(params):
        q, scales = quantize.quantize(w, per_channel)
        scales = np.array([short_float(s) for s in scales])
        q = np.clip(np.round(np.asarray(w, np.float64) / scales), -127, 127).astype(np.int8)
        layer = {
            "inputs": int(w.shape[0]),
            "outputs": int(w.shape[1]),
            "activation": "softmax" if k == len(params) - 1 else "relu",
            "weights": base64.b64encode(q.tobytes()).decode("ascii"),
        }
        if per_channel:
            layer["scales"] = scales.tolist()
        else:
            layer["scale"] = float(scales[0])
        layer["bias"] = [short_float(v) for v in b]
        layers.append(layer)
    return {
        "format": reference.FORMAT,
        "formatVersion": reference.FORMAT_VERSION,
        "version": version,
        "layers": layers,
        "metadata": metadata,
    }


def dumps(doc: dict) -> bytes:
    """Compact JSON; Python writes floats in shortest round-trip form, so nothing is rounded."""
    return json.dumps(doc, separators=(",", ":"), allow_nan=False).encode("utf-8")


def parity_cases(model: reference.Model, data: Dataset, per_class: int = 20) -> list[dict]:
    """Test digits that exercise the engine: the first `per_class` of each class, every digit the
    int8 model gets wrong (up to 40) and the 40 with the narrowest top-two margin."""
    x = data.test.images.reshape(len(data.test.images), -1) / 255.0
    out = model.forward(x)
    probs, logits = out["probs"], out["logits"]
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
            "logits": logits[i].tolist(),
            "probabilities": probs[i].tolist(),
        }
        for i in sorted(why)
    ]


def parity_document(model: reference.Model, data: Dataset) -> dict:
    return {
        "format": PARITY_FORMAT,
        "formatVersion": PARITY_FORMAT_VERSION,
        "weightsVersion": model.version,
        "description": "MNIST test digits with the float64 reference's logits (exact: "
        "bit-exact logits) and probabilities (an engine conforms within 1e-12, same argmax)",
        "cases": parity_cases(model, data),
    }


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_index(dest: Path) -> dict:
    path = dest / INDEX
    if not path.exists():
        return {"format": "digitnet-index", "formatVersion": 1, "weights": {}}
    try:
        index = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise DigitnetError(f"{path}: unreadable index ({e})") from None
    if not isinstance(index, dict) or not isinstance(index.get("weights"), dict):
        raise DigitnetError(f"{path}: weights: expected an object of versions")
    return index


def umask() -> int:
    """The process's umask (022 usually). Files get 0666 and folders 0777 without it, as open()
    and mkdir() would give: mkstemp's and mkdtemp's 0600/0700 would hide published files and
    metrics from web servers and other users."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
            os.fchmod(f.fileno(), 0o666 & ~umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def publish(dest: Path, version: str, files: dict[str, bytes], summary: dict) -> Path:
    """Write a new version folder atomically, then record it in the index."""
    if not reference.SEMVER.match(version):
        raise DigitnetError(f"--version: {version!r} is not semver X.Y.Z")
    index = read_index(dest)
    target = dest / "weights" / version
    if target.exists() or version in index["weights"]:
        raise DigitnetError(
            f"{target}: version {version} is already published and never "
            "changes; choose a new version"
        )
    (dest / "weights").mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=dest / "weights", prefix=f".{version}.tmp-"))
    try:
        for name, data in files.items():
            write_atomic(staging / name, data)
        os.chmod(staging, 0o777 & ~umask())
        os.rename(staging, target)  # atomic; fails rather than merge if target appeared meanwhile
    except BaseException:
        for f in staging.glob("*"):
            f.unlink()
        staging.rmdir()
        raise
    entry = {
        **summary,
        "files": {n: {"sha256": sha256(d), "size": len(d)} for n, d in files.items()},
    }
    index["weights"][version] = entry
    write_atomic(dest / INDEX, json.dumps(index, indent=2).encode("utf-8") + b"\n")
    return target


def measured(model: reference.Model, test: Split) -> dict:
    """What `metadata` records of the int8 model's behaviour on the test set. Digits are read from
    the exact logits, so `digitnet verify` recomputes the same values on any machine."""
    result = evaluate(lambda images: conformance.digits(model, images), test)
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


def export(
    params, version: str, data: Dataset, run_meta: dict, per_channel: bool, command: str, dest: Path
) -> tuple[Path, dict]:
    """Quantize, evaluate and publish; returns the version folder and its model-card metadata."""
    if not reference.SEMVER.match(version):
        raise DigitnetError(f"--version: {version!r} is not semver X.Y.Z")
    probe = reference.load_model(model_document(params, version, per_channel, {}))
    created = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    metadata = {  # the model card's essentials; the whole file must stay <= 150,000 bytes
        "floatAccuracy": run_meta["test_accuracy"],
        **measured(probe, data.test),
        "quantization": "per-channel" if per_channel else "per-layer",
        "seed": run_meta["seed"],
        "dataSha256": run_meta["data_sha256"],
        "command": command,
        "createdAt": created,
        "card": CARD,
    }
    doc = model_document(params, version, per_channel, metadata)
    model_bytes = dumps(doc)
    if len(model_bytes) > MAX_MODEL_BYTES:
        raise DigitnetError(
            f"model.json would be {len(model_bytes):,} bytes, over the "
            f"{MAX_MODEL_BYTES:,}-byte budget (try --per-layer)"
        )
    model = reference.load_model(doc)
    full_card = {
        "format": "digitnet-card",
        "formatVersion": 1,
        "weightsVersion": version,
        **metadata,
        "history": run_meta["history"],
        "recipe": run_meta["recipe"],
        "modelBytes": len(model_bytes),
    }
    del full_card["card"]
    files = {
        "model.json": model_bytes,
        "parity.json": dumps(parity_document(model, data)),
        CARD: json.dumps(full_card, indent=1).encode("utf-8") + b"\n",
    }
    summary = {
        "createdAt": created,
        "floatAccuracy": metadata["floatAccuracy"],
        "int8Accuracy": metadata["int8Accuracy"],
        "quantization": metadata["quantization"],
    }
    return publish(dest, version, files, summary), metadata
