"""The parity harness's rows: for one weights version and one JS backend, the JS outputs beside
the reference's (the parity file, the MNIST test set, classify, the drawings), and the
preprocessing cases once per backend."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from digitnet import data, layout, reference
from digitnet.preprocess import preprocess
from digitnet_tools.parity.judge import EXACT, Row


def nan_rows(rows: list, width: int) -> np.ndarray:
    """Rows with None (an empty drawing) as NaN-filled rows, as the JS side writes them."""
    return np.array([r if r is not None else np.full(width, np.nan) for r in rows], dtype=float)


def preprocessing_rows(
    cases: list[dict], twin: np.ndarray, js: dict, backends: list[str]
) -> list[Row]:
    """Preprocessing does not depend on the weights: checked once per backend, and the Python
    twin (`twin`: its output for each case) once."""
    names = [f"case {k} ({c['description']})" for k, c in enumerate(cases)]
    expected = nan_rows([c["expected"] for c in cases], 784)
    rows = [
        Row(
            "-", b, "preprocess cases: JS vs fixture", js[f"{b}/preprocess"], expected, names, EXACT
        )
        for b in backends
    ]
    return rows + [
        Row("-", "-", "preprocess cases: Python twin vs fixture", twin, expected, names, EXACT)
    ]


def drawing_input(case: dict):
    rgba = base64.b64decode(case["rgba"])
    return preprocess(rgba, case["width"], case["height"], ink=case["ink"])


@dataclass
class Expected:
    """The reference's answers on one weights version, computed once for both backends."""

    version: str
    parity_digits: list[str]
    parity_probs: np.ndarray
    parity_logits: np.ndarray | None  # parity format 2 only
    mnist: dict  # forward() on the 10,000 test digits
    labels: np.ndarray
    drawn: np.ndarray  # probabilities of each preprocessing case's drawing (NaN: no ink)
    classify: np.ndarray  # Model.classify's top 3 per test digit: 3 digits, 3 probabilities
    case_names: list[str]


def expected_for(version: str, fixtures: Path, ds: data.Dataset, cases, twin) -> Expected:
    """`twin`: the Python preprocessing of each case, computed once for every version."""
    model = reference.load_model(layout.version_file(fixtures, version, layout.MODEL))
    parity = json.loads(layout.version_file(fixtures, version, layout.PARITY).read_text())["cases"]
    drawn = np.full((len(cases), 10), np.nan)
    inked = ~np.isnan(twin).all(axis=1)
    drawn[inked] = model.predict(twin[inked])
    images = ds.test.images.reshape(len(ds.test.images), 784) / 255.0
    top = model.classify(images)  # the default k, 3
    classify = np.array([[d for d, _ in t] + [p for _, p in t] for t in top])  # ints, floats: f8
    logits = None
    if all("logits" in c for c in parity):  # parity format 2
        logits = np.array([c["logits"] for c in parity])
    return Expected(
        version,
        [f"digit #{c['index']}" for c in parity],
        np.array([c["probabilities"] for c in parity]),
        logits,
        model.forward(images),
        ds.test.labels,
        drawn,
        classify,
        [f"case {k} ({c['description']})" for k, c in enumerate(cases)],
    )


def version_rows(ref: Expected, backend: str, js: dict) -> list[Row]:
    """One backend against the reference on one weights version: the parity file, the whole
    MNIST test set (probabilities, logits, hidden activations) and drawing -> probabilities."""
    v, b, out = ref.version, backend, ref.mnist
    key = f"{b}/{v}"
    names = [f"test digit #{i}" for i in range(len(ref.labels))]
    rows = [
        Row(
            v,
            b,
            "parity.json probabilities: JS vs stored",
            js[f"{key}/parity"],
            ref.parity_probs,
            ref.parity_digits,
        )
    ]
    if ref.parity_logits is not None:
        logits = ref.parity_logits
        rows.append(
            Row(
                v,
                b,
                "parity.json logits: JS vs stored",
                js[f"{key}/parityLogits"],
                logits,
                ref.parity_digits,
                EXACT,
            )
        )
    hidden = np.concatenate(out["hidden"], axis=1)
    return rows + [
        Row(v, b, "MNIST probabilities: JS vs reference", js[f"{key}/mnist"], out["probs"], names),
        Row(
            v, b, "MNIST logits: JS vs reference", js[f"{key}/logits"], out["logits"], names, EXACT
        ),
        Row(
            v,
            b,
            "MNIST hidden activations: JS vs reference",
            js[f"{key}/hidden"],
            hidden,
            names,
            EXACT,
            argmax=False,
        ),
        Row(
            v,
            b,
            "drawing -> probabilities: JS vs Python",
            js[f"{key}/drawings"],
            ref.drawn,
            ref.case_names,
        ),
        accuracy_row(v, b, js[f"{key}/mnist"], out["logits"], ref.labels),
        *classify_rows(ref, b, js[f"{key}/classify"], names),
    ]


def classify_rows(ref: Expected, backend: str, js_top: np.ndarray, names: list[str]) -> list[Row]:
    """`classify` (default k, 3) against Python's Model.classify: the same digits in the same
    order, exactly; their probabilities within the tolerance."""
    v, b = ref.version, backend
    return [
        Row(
            v,
            b,
            "MNIST classify digits: JS vs Python",
            js_top[:, :3],
            ref.classify[:, :3],
            names,
            EXACT,
            argmax=False,
        ),
        Row(
            v,
            b,
            "MNIST classify probabilities: JS vs Python",
            js_top[:, 3:],
            ref.classify[:, 3:],
            names,
            argmax=False,
        ),
    ]


def accuracy_row(version: str, backend: str, js_probs, ref_logits, labels) -> Row:
    js_acc = float((js_probs.argmax(1) == labels).mean())
    ref_acc = float((ref_logits.argmax(1) == labels).mean())
    return Row(
        version,
        backend,
        "MNIST accuracy: JS vs reference",
        np.array([[js_acc]]),
        np.array([[ref_acc]]),
        [f"JS {js_acc:.4%}, reference {ref_acc:.4%}"],
        EXACT,
        argmax=False,
    )


def same_bits_rows(ref: Expected, js: dict) -> list[Row]:
    """The wasm entry against the core: the same bits, probabilities too (both run V8's exp)."""
    v, names = ref.version, [f"test digit #{i}" for i in range(len(ref.labels))]
    wasm, core = f"wasm/{v}", f"js/{v}"
    return [
        Row(
            v,
            "wasm",
            "MNIST probabilities: wasm vs core",
            js[f"{wasm}/mnist"],
            js[f"{core}/mnist"],
            names,
            EXACT,
        ),
        Row(
            v,
            "wasm",
            "drawing -> probabilities: wasm vs core",
            js[f"{wasm}/drawings"],
            js[f"{core}/drawings"],
            ref.case_names,
            EXACT,
        ),
    ]
