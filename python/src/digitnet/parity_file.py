"""verify's parity-file checker (fixtures/FORMAT.md, "Parity file"; js/parity/replay.mjs is its
JavaScript twin): the reference reproduces every case, activations and logits exactly where
the file carries them, probabilities within the tolerance; a failure names the first failing
case and the worst, each at the first layer where it drifts."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import conformance, reference
from .conformance import PARITY_FORMAT
from .conformance import PARITY_FORMAT_VERSIONS as PARITY_VERSIONS
from .errors import DigitnetError
from .storage import read_json_object
from .validate import canonical_base64


def numbers(value, count: int, where: str) -> np.ndarray:
    ok = isinstance(value, list) and len(value) == count
    if not ok or not all(type(v) in (int, float) for v in value):
        raise DigitnetError(f"{where}: expected {count} numbers")
    return np.array([float(v) for v in value])


def parity_inputs(cases, path: Path) -> np.ndarray:
    if not isinstance(cases, list) or not cases:
        raise DigitnetError(f"{path}: cases: expected a non-empty array")
    rows = []
    for k, case in enumerate(cases):
        raw = case.get("pixels") if isinstance(case, dict) else None
        pixels = canonical_base64(raw)  # as the loader reads weights: one spelling
        if pixels is None or len(pixels) != reference.INPUTS:
            raise DigitnetError(
                f"{path}: cases[{k}].pixels: expected canonical base64 of 784 bytes"
            )
        rows.append(pixels)
    flat = np.frombuffer(b"".join(rows), dtype=np.uint8)
    return conformance.inputs(flat.reshape(len(rows), reference.INPUTS))  # not -1: -2 works too


def check_parity(model: reference.Model, path: Path) -> tuple[int, int]:
    """The reference reproduces the parity file; returns its format version and case count.
    Every case is checked; a failure names the first failing case and, when more fail, the
    worst (the largest difference), each at the first layer where it drifts."""
    doc = read_json_object(path)
    fv = doc.get("formatVersion")
    if doc.get("format") != PARITY_FORMAT or type(fv) is not int or fv not in PARITY_VERSIONS:
        versions = ", ".join(map(str, PARITY_VERSIONS))
        raise DigitnetError(f"{path}: expected a {PARITY_FORMAT} file, formatVersion {versions}")
    if doc.get("weightsVersion") != model.version:
        raise DigitnetError(f"{path}: weightsVersion: expected {model.version!r}")
    cases = doc.get("cases")
    out = model.forward(parity_inputs(cases, path))
    failures = [f for k, case in enumerate(cases) if (f := drift(out, k, case, fv, path))]
    if failures:
        worst = max(failures, key=lambda f: f[0])  # the first of the largest
        more = f"; {len(failures)} of {len(cases)} cases fail, the worst {worst[1]}"
        raise DigitnetError(f"{path}: {failures[0][1]}{more if len(failures) > 1 else ''}")
    return fv, len(cases)


def drift(out: dict, k: int, case, fv: int, path: Path) -> tuple[float, str] | None:
    """How case k departs from the reference's outputs `out`, at the first layer where it does
    (hidden activations from format 3, logits from format 2, both exact; then probabilities):
    (max |difference|, what differs), or None."""
    name = f"cases[{k}] ({case.get('description')})"
    want = numbers(case.get("probabilities"), 10, f"{path}: {name}.probabilities")
    exact = []
    if fv >= 3:
        hidden = case.get("hidden")
        if not isinstance(hidden, list) or len(hidden) != len(out["hidden"]):
            raise DigitnetError(f"{path}: {name}.hidden: expected {len(out['hidden'])} arrays")
        for j, (h, v) in enumerate(zip(out["hidden"], hidden)):
            recorded = numbers(v, h.shape[-1], f"{path}: {name}.hidden[{j}]")
            exact.append((f"hidden[{j}] activations", h[k], recorded))
    if fv >= 2:
        logits = numbers(case.get("logits"), 10, f"{path}: {name}.logits")
        exact.append(("logits", out["logits"][k], logits))
    for what, got, recorded in exact:
        if not np.array_equal(got, recorded):
            d = conformance.max_difference(got, recorded)
            return d, f"{name}: the reference's {what} differ by {d:.3g} (exact)"
    if not conformance.probabilities_agree(out["probs"][k], want):
        d = conformance.max_difference(out["probs"][k], want)
        return d, (
            f"{name}: the reference's probabilities differ by {d:.3g} (allowed "
            f"{conformance.PROBABILITY_TOLERANCE:g}) or pick another digit"
        )
    return None
