"""`nox -s parity` (`python -m digitnet.parity`): prove that the JS engine and preprocessing are
the Python reference. The harness lives here, beside the repository's tools, not in the wheel:
it needs the repository's js/ and fixtures/. The package's `digitnet.parity` runs it.

The rows it compares are built in rows.py and judged in judge.py. For every published weights
version and both JS backends, the core (`@digitnet/engine`) and the
WebAssembly kernel (`@digitnet/engine/wasm`), the JS side (js/parity/outputs.mjs) writes its
results as raw float64, and this module compares them with the reference: the committed
parity.json, the whole MNIST test set, the preprocessing fixture cases, and drawing ->
probabilities end to end.
Logits, hidden activations and preprocessed inputs must be identical; probabilities may differ
by TOLERANCE, as V8's Math.exp and the C library's exp may round differently.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from digitnet import conformance, data, layout
from digitnet.errors import DigitnetError
from digitnet_tools.parity.judge import TOLERANCE, Row, judge, table
from digitnet_tools.parity.rows import (
    drawing_input,
    expected_for,
    nan_rows,
    preprocessing_rows,
    same_bits_rows,
    version_rows,
)

FILES = ("model", "parity")
ROOT = Path(__file__).resolve().parents[2]  # the repository
# fixtures/preprocess/'s case files, each checked whole: published ones never change, new cases
# come in a new file (cases-2.json: ink "auto")
CASE_FILES = ("cases.json", "cases-2.json")


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


def read_cases(folder: Path) -> list[dict]:
    """Every case of every file in CASE_FILES, in order, each description naming its file."""
    cases = []
    for name in CASE_FILES:
        path = folder / name
        try:
            found = json.loads(path.read_bytes()).get("cases")  # JSON is UTF-8 (RFC 8259)
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


def run(fixtures: Path = layout.FIXTURES, mutant: str | None = None, out=sys.stdout) -> bool:
    """Judge every row and print the table; True when everything agrees."""
    started = time.perf_counter()
    checks = [judge(row) for row in rows_for(fixtures, mutant)]
    print(table(checks), file=out)
    bad = [c for c in checks if not c.ok]
    seconds = time.perf_counter() - started
    if bad or not checks:
        why = "nothing was checked"  # no rows at all: formatting `worst` would crash
        if bad:
            worst = max(bad, key=lambda c: (c.count - c.agree, c.max_diff))
            why = (
                f"{worst.version} {worst.backend} {worst.what}: {worst.worst} "
                f"(allowed {worst.tolerance:g})"
            )
        print(f"PARITY FAILED ({seconds:.1f}s): {why}", file=out)
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
