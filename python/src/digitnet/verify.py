"""`digitnet verify`: every published version is what the index says, and behaves as recorded.

Checks, each failing with one line that names the file and the problem (fixtures/FORMAT.md):
the index and the version folders match one for one, with no staging leftover; each version's
files are all listed, present, and of the recorded SHA-256 and size; the model passes the strict
loader; the reference reproduces the parity file (logits exactly where the file carries them,
probabilities within the conformance tolerance); the card, the index and the model's metadata
agree; and, with MNIST at hand, the recorded accuracies, confusion matrix and robustness are
what the published model does.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from pathlib import Path

import numpy as np

from . import card as model_card
from . import conformance, data, reference
from .errors import DigitnetError
from .export import PARITY_FORMAT, measured
from .publish import CARD, INDEX, SUMMARY, read_index
from .publish import VERSION_FILES as FILES
from .storage import read_json_object, sha256

SHA256 = re.compile(r"[0-9a-f]{64}")
METRICS_SKIPPED = (
    "skipped: recomputing accuracy, per-class accuracy, confusion and robustness"
    " ({why}); everything else was checked"
)


def verify(dest: Path, data_dir: str | None = None) -> list[str]:
    """Check every published version; one line per version (and one per skipped check), or a
    DigitnetError naming the first problem."""
    index = read_index(dest)
    versions = published_versions(dest, index)
    test, why_not = test_set(data_dir)
    lines = [verify_version(dest, v, index["weights"][v], test) for v in versions]
    if test is None:
        lines.append(METRICS_SKIPPED.format(why=why_not))
    return lines


def published_versions(dest: Path, index: dict) -> list[str]:
    """The index's versions, which must match the version folders one for one."""
    where = dest / INDEX
    versions = sorted(index["weights"])
    if not versions:
        raise DigitnetError(f"{where}: no published versions")
    for v in versions:
        if not reference.is_version(v):
            raise DigitnetError(f"{where}: version key {v!r} is not an ASCII X.Y.Z version")
        if not (dest / "weights" / v).is_dir():
            raise DigitnetError(f"{dest / 'weights' / v}: missing (listed in {INDEX})")
    for entry in sorted((dest / "weights").iterdir()):
        if entry.name.startswith(".") and ".tmp-" in entry.name:
            raise DigitnetError(
                f"{entry}: staging leftover of an interrupted export; remove it "
                "(or run the same export again)"
            )
        if entry.name not in index["weights"]:
            raise DigitnetError(f"{entry}: not a published version (not in {INDEX})")
    return versions


def test_set(data_dir: str | None) -> tuple[data.Dataset | None, str]:
    """The data set to recompute metrics on: --data, else the MNIST cache if it is there and
    verified. verify never downloads."""
    if data_dir is None:
        cache = data.cache_dir()
        if not data.verified(cache):
            return None, "MNIST is not cached: run `digitnet data fetch`"
        data_dir = str(cache)
    return data.load(data_dir), ""


def verify_version(dest: Path, version: str, entry, test: data.Dataset | None) -> str:
    folder = dest / "weights" / version
    check_files(folder, version, entry)
    model = reference.load_model(folder / "model.json")
    if model.version != version:
        raise DigitnetError(
            f"{folder / 'model.json'}: version {model.version!r}, expected {version!r}"
        )
    parity_version, cases = check_parity(model, folder / "parity.json")
    check_records(folder, model, entry)
    recomputed = ""
    if test is not None:
        recomputed = check_metrics(folder, model, test, required_robustness=parity_version >= 2)
    exact = "logits exact, " if parity_version >= 2 else ""
    return (
        f"{version}: files match the index, the model passes the strict loader, parity "
        f"reproduced ({cases} cases: {exact}probabilities within "
        f"{conformance.PROBABILITY_TOLERANCE:g}), card and index agree{recomputed}"
    )


def check_files(folder: Path, version: str, entry) -> None:
    where = f"{INDEX}: weights[{version!r}]"
    files = entry.get("files") if isinstance(entry, dict) else None
    if not isinstance(files, dict) or set(files) != set(FILES):
        got = sorted(files) if isinstance(files, dict) else type(files).__name__
        raise DigitnetError(f"{where}.files: expected exactly {list(FILES)}, got {got}")
    on_disk = sorted(p.name for p in folder.iterdir())
    if on_disk != sorted(FILES):
        raise DigitnetError(f"{folder}: holds {on_disk}, expected exactly {sorted(FILES)}")
    for name in FILES:
        want = files[name]
        ok = isinstance(want, dict) and isinstance(want.get("sha256"), str)
        ok = ok and SHA256.fullmatch(want["sha256"]) and type(want.get("size")) is int
        if not ok:
            raise DigitnetError(f"{where}.files[{name!r}]: expected {{sha256, size}}, got {want!r}")
        blob = (folder / name).read_bytes()
        if len(blob) != want["size"] or sha256(blob) != want["sha256"]:
            raise DigitnetError(
                f"{folder / name}: SHA-256 {sha256(blob)} / {len(blob)} bytes, "
                f"{INDEX} says {want['sha256']} / {want['size']} bytes"
            )


def numbers(value, count: int, where: str) -> np.ndarray:
    ok = isinstance(value, list) and len(value) == count
    if not ok or not all(type(v) in (int, float) for v in value):
        raise DigitnetError(f"{where}: expected {count} numbers")
    return np.array(value, dtype=np.float64)


def parity_inputs(cases, path: Path) -> np.ndarray:
    if not isinstance(cases, list) or not cases:
        raise DigitnetError(f"{path}: cases: expected a non-empty array")
    x = np.empty((len(cases), reference.INPUTS), dtype=np.uint8)
    for k, case in enumerate(cases):
        raw = case.get("pixels") if isinstance(case, dict) else None
        try:
            pixels = base64.b64decode(raw, validate=True) if isinstance(raw, str) else b""
        except binascii.Error:
            pixels = b""
        if len(pixels) != reference.INPUTS:
            raise DigitnetError(f"{path}: cases[{k}].pixels: expected base64 of 784 bytes")
        x[k] = np.frombuffer(pixels, dtype=np.uint8)
    return conformance.inputs(x)


def check_parity(model: reference.Model, path: Path) -> tuple[int, int]:
    """The reference reproduces the parity file; returns its format version and case count."""
    doc = read_json_object(path)
    fv = doc.get("formatVersion")
    if doc.get("format") != PARITY_FORMAT or type(fv) is not int or fv not in (1, 2):
        raise DigitnetError(f"{path}: expected a {PARITY_FORMAT} file, formatVersion 1 or 2")
    if doc.get("weightsVersion") != model.version:
        raise DigitnetError(f"{path}: weightsVersion: expected {model.version!r}")
    cases = doc.get("cases")
    out = model.forward(parity_inputs(cases, path))
    for k, case in enumerate(cases):
        name = f"{path}: cases[{k}] ({case.get('description')})"
        want = numbers(case.get("probabilities"), 10, f"{name}.probabilities")
        if fv >= 2:
            logits = numbers(case.get("logits"), 10, f"{name}.logits")
            if not np.array_equal(out["logits"][k], logits):
                d = conformance.max_difference(out["logits"][k], logits)
                raise DigitnetError(f"{name}: the reference's logits differ by {d:.3g} (exact)")
        if not conformance.probabilities_agree(out["probs"][k], want):
            d = conformance.max_difference(out["probs"][k], want)
            raise DigitnetError(
                f"{name}: the reference's probabilities differ by {d:.3g} (allowed "
                f"{conformance.PROBABILITY_TOLERANCE:g}) or pick another digit"
            )
    return fv, len(cases)


def check_records(folder: Path, model: reference.Model, entry: dict) -> None:
    """The card repeats the model's metadata, and the index entry its summary."""
    meta = model.metadata
    card = read_json_object(folder / CARD)
    if card.get("format") != model_card.FORMAT or card.get("weightsVersion") != model.version:
        raise DigitnetError(f"{folder / CARD}: expected a digitnet-card for {model.version}")
    model_card.check_usage(card, folder / CARD)
    for key, value in meta.items():
        if key != "card" and card.get(key) != value:
            raise DigitnetError(f"{folder / CARD}: {key} differs from model.json's metadata")
    for key in SUMMARY:
        if key not in meta or entry.get(key) != meta[key]:
            raise DigitnetError(
                f"{INDEX}: weights[{model.version!r}].{key} is {entry.get(key)!r}, "
                f"model.json's metadata says {meta.get(key)!r}"
            )


def check_metrics(
    folder: Path, model: reference.Model, ds: data.Dataset, required_robustness: bool
) -> str:
    """Recompute what the metadata records of the model's behaviour; they must be equal."""
    recorded_data = model.metadata.get("dataSha256")
    test_files = {k: v for k, v in ds.sha256.items() if k.startswith("t10k-")}
    if not isinstance(recorded_data, dict) or any(
        recorded_data.get(k) != v for k, v in test_files.items()
    ):
        return (
            f", metrics not recomputed (metadata.dataSha256 names other test data than {ds.source})"
        )
    got = measured(model, ds.test, suite=required_robustness)  # not before the suite existed
    for key, value in got.items():
        recorded = model.metadata.get(key)
        if recorded != value:
            raise DigitnetError(
                f"{folder / 'model.json'}: metadata.{key} is {short(recorded)}, the model "
                f"gives {short(value)} on the test set"
            )
    return ", recorded metrics recomputed"


def short(value) -> str:
    text = json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."
