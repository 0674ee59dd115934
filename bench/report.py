"""`nox -s bench`: the training and engine figures in one table, each next to its same-run baseline
(the engine against the straightforward loop and against onnxruntime-web's wasm backend).

Writes the table to stdout and everything measured to artifacts/bench.json.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from digitnet import data

ROOT = Path(__file__).resolve().parent.parent


def run_json(cmd: list[str]) -> object:
    out = subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.PIPE, text=True).stdout
    return json.loads(out)


def main() -> None:
    train = run_json([sys.executable, "bench/train_bench.py"])
    images = str(data.fetch() / "t10k-images-idx3-ubyte")  # the cache digitnet verified
    engine = run_json(["node", "js/bench/engine.bench.js", images])
    onnx = ROOT / "artifacts" / "digitnet-mlp.onnx"
    onnx.parent.mkdir(exist_ok=True)
    export = [sys.executable, "bench/ort/onnx_model.py", "js/model.json", str(onnx)]
    subprocess.run(export, cwd=ROOT, check=True)
    ort = run_json(["node", "bench/ort/compare.mjs", str(onnx), images])
    orig, ours = (next(r for r in train if r["recipe"] == n) for n in ("original", "default"))
    rows = [
        # ours trains 50 epochs to the original's 6: the target is <= 60 s, not a speed-up
        ("training wall time (s)", ours["wall_seconds"], orig["wall_seconds"], None),
        ("float test accuracy", ours["test_accuracy"], orig["test_accuracy"], None),
        (
            "time to 98.2 % (s)",
            ours["seconds_to_98_2"],
            orig["seconds_to_98_2"],
            None
            if not (ours["seconds_to_98_2"] and orig["seconds_to_98_2"])
            else orig["seconds_to_98_2"] / ours["seconds_to_98_2"],
        ),
        (
            "accuracy, 3 px shift",
            ours["shift_accuracy"]["3"],
            orig["shift_accuracy"]["3"],
            None,
        ),
        (
            "predict median (µs)",
            engine["engineMedianUs"],
            engine["baselineMedianUs"],
            engine["ratio"],
        ),
        (
            "predict vs onnxruntime-web",
            ort["engineMedianUs"],
            ort["ortMedianUs"],
            ort["ratio"],
        ),
        ("loadModel (ms)", engine["loadModelMs"], None, None),
    ]
    print(f"{'figure':<26}{'ours':>12}{'baseline':>12}{'speed-up':>10}")
    for name, a, b, r in rows:
        cells = ["-" if v is None else f"{v:.4g}" for v in (a, b)]
        if name.startswith("time"):  # None there means the target was never reached
            cells = ["never" if v is None else c for v, c in zip((a, b), cells)]
        print(f"{name:<26}{cells[0]:>12}{cells[1]:>12}{'' if r is None else f'{r:.1f}x':>10}")
    out = ROOT / "artifacts" / "bench.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"train": train, "engine": engine, "ort": ort}, indent=2) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
