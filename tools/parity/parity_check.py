"""`nox -s parity` (`python -m digitnet.parity`): prove that the JS engine and preprocessing are
the Python reference. The harness lives here, beside the repository's tools, not in the wheel:
it needs the repository's js/ and fixtures/. The package's `digitnet.parity` runs it.

For every published weights version and both JS backends, the core (`@digitnet/engine`) and the
WebAssembly kernel (`@digitnet/engine/wasm`), the JS side (js/parity/outputs.mjs) writes its
results as raw float64, and this module compares them with the reference: the committed
parity.json, the whole MNIST test set, the preprocessing fixture cases, and drawing ->
probabilities end to end.
Logits, hidden activations and preprocessed inputs must be identical; probabilities may differ
by TOLERANCE, as V8's Math.exp and the C library's exp may round differently.
"""

from __future__ import annotations

import argparse
import base64
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from digitnet import conformance, data, layout, reference
from digitnet.errors import DigitnetError
from digitnet.preprocess import preprocess

TOLERANCE = conformance.PROBABILITY_TOLERANCE  # exp()'s last bit is the platform's
EXACT = conformance.EXACT  # logits and activations (same summation order), preprocessing
FILES = ("model", "parity")
ROOT = Path(__file__).resolve().parents[2]  # the repository
# fixtures/preprocess/'s case files, each checked whole: published ones never change, new cases
# come in a new file (cases-2.json: ink "auto")
CASE_FILES = ("cases.json", "cases-2.json")


@dataclass
class Check:
    version: str
    backend: str
    what: str
    count: int
    max_diff: float
    agree: int  # argmax agreement (or null-ness agreement for preprocessing)
    worst: str
    tolerance: float = TOLERANCE

    @property
    def ok(self) -> bool:
        return self.count > 0 and self.max_diff <= self.tolerance and self.agree == self.count


@dataclass
class Row:
    """One line of the table: the engine's rows against the reference's, and how close."""

    version: str  # "-" for what does not depend on the weights
    backend: str  # "js" or "wasm"; "-" for what no JS backend computes
    what: str
    js: np.ndarray
    ref: np.ndarray
    names: list[str]  # one per row, to name the worst case
    tolerance: float = TOLERANCE
    argmax: bool = True  # the same digit on top, too


def judge(row: Row) -> Check:
    """Rows of js against rows of ref; NaN rows stand for null and must match null exactly.
    Zero rows is a failure: a check that compared nothing proves nothing."""
    js, ref, names = row.js, row.ref, row.names
    if len(js) == 0 or js.shape != ref.shape:
        why = "nothing compared" if len(js) == 0 else f"shapes {js.shape} and {ref.shape}"
        return Check(row.version, row.backend, row.what, len(js), np.inf, 0, why, row.tolerance)
    js_null, ref_null = np.isnan(js).all(axis=1), np.isnan(ref).all(axis=1)
    both = ~js_null & ~ref_null
    diff = np.where(both[:, None], np.abs(js - ref), 0.0)
    diff = np.where(np.isnan(diff), np.inf, diff).max(axis=1)  # a partial NaN is a failure
    diff[js_null != ref_null] = np.inf
    agree = js_null == ref_null
    if row.argmax:
        agree &= ~both | (js.argmax(axis=1) == np.where(both[:, None], ref, 0).argmax(axis=1))
    k = int(np.argmax(diff))
    if agree.sum() < len(agree) and diff[k] <= row.tolerance:
        k = int(np.argmin(agree))  # the worst case is the one whose answer differs
    worst = f"{names[k]}: |d|={diff[k]:.3g}"
    if diff[k] == 0 and agree.all():
        worst = "all identical"
    if js_null[k] != ref_null[k]:
        worst = f"{names[k]}: JS gives {'null' if js_null[k] else 'a result'}, reference not"
    return Check(
        row.version,
        row.backend,
        row.what,
        len(js),
        float(diff.max()),
        int(agree.sum()),
        worst,
        row.tolerance,
    )


def run_js(
    fixtures: Path, versions: list[str], ds: data.Dataset, out: Path, mutant: str | None
) -> tuple[dict[str, np.ndarray], list[str]]:
    """Run js/parity/outputs.mjs on every input; its manifest names each output's layout, and
    the backends it ran (js/entries.mjs: the JS engine's entries, every check run on each)."""
    config = {
        "out": str(out),
        "images": str(Path(ds.source) / "t10k-images-idx3-ubyte"),
        "cases": [str(fixtures / layout.PREPROCESS / name) for name in CASE_FILES],
        "mutant": mutant,
        "versions": [
            {"version": v, **{n: str(layout.version_file(fixtures, v, f"{n}.json")) for n in FILES}}
            for v in versions
        ],
    }
    (out / "config.json").write_text(json.dumps(config))
    script = ROOT / "js" / "parity" / "outputs.mjs"
    if not script.is_file():
        raise DigitnetError(
            f"{script} not found: the parity check needs the digitnet repository (a source "
            "checkout with js/), not an installed package"
        )
    cmd = ["node", str(script), str(out / "config.json")]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise DigitnetError(f"the JS side failed: {proc.stderr.strip()[-500:]}")
    manifest = json.loads((out / "manifest.json").read_text())
    outputs = {
        key: np.fromfile(out / o["file"], dtype="<f8").reshape(o["rows"], o["width"])
        for key, o in manifest["outputs"].items()
    }
    return outputs, manifest["backends"]


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
    images = ds.test.images.reshape(len(ds.test.images), -1) / 255.0
    top = model.classify(images)  # the default k, 3
    classify = np.array([[d for d, _ in t] + [p for _, p in t] for t in top], dtype=float)
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


def read_cases(folder: Path) -> list[dict]:
    """Every case of every file in CASE_FILES, in order, each description naming its file."""
    cases = []
    for name in CASE_FILES:
        path = folder / name
        try:
            found = json.loads(path.read_text(encoding="utf-8")).get("cases")
        except (OSError, ValueError, AttributeError) as e:
            raise DigitnetError(f"{path}: unreadable ({e})") from None
        if not isinstance(found, list) or not found:
            raise DigitnetError(f"{path}: no preprocessing cases to check")
        cases += [{**c, "description": f"{name}: {c.get('description')}"} for c in found]
    return cases


def rows_for(fixtures: Path, mutant: str | None) -> list[Row]:
    """Every row of the table; a fixtures folder with nothing to check is an error, not a pass."""
    versions = layout.versions(fixtures)
    if not versions:
        raise DigitnetError(f"{layout.index_path(fixtures)}: no published versions to check")
    cases = read_cases(fixtures / layout.PREPROCESS)
    ds = data.load()
    with tempfile.TemporaryDirectory() as tmp:
        js, backends = run_js(fixtures, versions, ds, Path(tmp), mutant)
    twin = nan_rows([drawing_input(c) for c in cases], 784)
    rows = preprocessing_rows(cases, twin, js, backends)
    for version in versions:
        ref = expected_for(version, fixtures, ds, cases, twin)
        for backend in backends:
            rows += version_rows(ref, backend, js)
        rows += same_bits_rows(ref, js)
    return rows


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


def table(checks: list[Check]) -> str:
    """The checks as the table `nox -s parity` and the e2e check print: one line each."""
    header = (
        f"{'version':<9}{'engine':<8}{'check':<44}{'count':>7}{'max |d|':>11}{'allowed':>9}"
        f"{'agree':>13}  worst case"
    )
    return "\n".join(
        [header]
        + [
            f"{c.version:<9}{c.backend:<8}{c.what:<44}{c.count:>7}{c.max_diff:>11.3g}"
            f"{c.tolerance:>9.3g}"
            f"{f'{c.agree}/{c.count}':>13}  {c.worst}{'' if c.ok else '  <-- FAILED'}"
            for c in checks
        ]
    )


def run(fixtures: Path = layout.FIXTURES, mutant: str | None = None, out=sys.stdout) -> bool:
    """Judge every row and print the table; True when everything agrees."""
    started = time.perf_counter()
    checks = [judge(row) for row in rows_for(fixtures, mutant)]
    print(table(checks), file=out)
    bad = [c for c in checks if not c.ok]
    seconds = time.perf_counter() - started
    if bad or not checks:
        worst = max(bad, key=lambda c: (c.count - c.agree, c.max_diff)) if bad else None
        why = (
            f"{worst.version} {worst.backend} {worst.what}: {worst.worst} "
            f"(allowed {worst.tolerance:g})"
        )
        print(
            f"PARITY FAILED ({seconds:.1f}s): {why if worst else 'nothing was checked'}", file=out
        )
        return False
    print(
        f"PARITY OK: {len(checks)} checks ({conformance.BIT_EXACT}, activations and "
        f"preprocessing exact; probabilities within {TOLERANCE:g}), {seconds:.1f}s",
        file=out,
    )
    return True


def mutant_names() -> list[str]:
    """The mutants js/parity/mutants.mjs defines (that module owns the list)."""
    script = "import('./parity/mutants.mjs').then((m) => console.log(Object.keys(m.MUTANTS)+''))"
    proc = subprocess.run(
        ["node", "--input-type=module", "-e", script],
        capture_output=True,
        text=True,
        cwd=ROOT / "js",
    )
    if proc.returncode != 0:
        raise DigitnetError(f"cannot list the mutants: {proc.stderr.strip()[-300:]}")
    return proc.stdout.strip().split(",")


def check_mutant(name: str) -> None:
    known = mutant_names()
    if name not in known:
        raise DigitnetError(f"--mutant {name!r}: no such mutant; known: {', '.join(known)}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m digitnet.parity", description=__doc__)
    p.add_argument("--fixtures", type=Path, default=layout.FIXTURES)
    p.add_argument("--mutant", help="run a deliberately broken JS engine (js/parity/mutants.mjs)")
    args = p.parse_args(argv)
    try:
        if args.mutant is not None:  # '' would run the real engine and pass
            check_mutant(args.mutant)
        return 0 if run(args.fixtures, args.mutant) else 1
    except DigitnetError as e:
        print(f"PARITY FAILED: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
