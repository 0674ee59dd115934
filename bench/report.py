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


def cell(v) -> str:
    return "-" if v is None else f"{v:.4g}"


def training_tables(train: dict) -> list[str]:
    """The training part: the default recipe's seeds against the original recipe (same run),
    what each augmentation costs per epoch, and the robustness suite against 1.0.0's."""
    runs = train["runs"]
    lines = ["training (MNIST test set; same machine, same run)"]
    lines.append(
        f"  {'recipe':<10}{'seed':>5}{'test acc':>10}{'wall s':>9}{'to 98.2%':>10}{'to 99.0%':>10}"
    )
    for r in runs:
        to = [("never" if v is None else f"{v:.1f}") for v in r["secondsTo"].values()]
        lines.append(
            f"  {r['recipe']:<10}{r['seed']:>5}{r['testAccuracy']:>10.2%}"
            f"{r['wallSeconds']:>9.1f}{to[0]:>10}{to[1]:>10}"
        )
    ours = [r for r in runs if r["recipe"] == "default"]
    accs = [r["testAccuracy"] for r in ours]
    walls = [r["wallSeconds"] for r in ours]
    lines.append(
        f"  default over {len(ours)} seeds: mean {sum(accs) / len(accs):.2%}, "
        f"min {min(accs):.2%}, max {max(accs):.2%}; wall {min(walls):.0f}-{max(walls):.0f} s"
    )
    lines.append("augmentation, seconds per epoch of 60,000 digits")
    lines += [f"  {k:<44}{v:>7.3f}" for k, v in train["augmentationSecondsPerEpoch"].items()]
    names = list(train["robustness"])
    lines.append("robustness suite (test digits)" + "".join(f"{n:>26}" for n in names))
    first = train["robustness"][names[0]]
    for key in first:
        vals = "".join(f"{train['robustness'][n][key]:>26.2%}" for n in names)
        lines.append(f"  {key:<28}{vals}")
    return lines


def training_rows(train: dict) -> list[tuple]:
    """The training lines of the summary table: the default recipe's median seed (by wall time)
    and its mean accuracy over the seeds, against the original recipe."""
    orig = next(r for r in train["runs"] if r["recipe"] == "original")
    seeds = sorted(
        (r for r in train["runs"] if r["recipe"] == "default"), key=lambda r: r["wallSeconds"]
    )
    ours = seeds[len(seeds) // 2]
    mean = sum(r["testAccuracy"] for r in seeds) / len(seeds)
    t_ours, t_orig = ours["secondsTo"]["98.2%"], orig["secondsTo"]["98.2%"]
    return [
        ("training wall time (s)", ours["wallSeconds"], orig["wallSeconds"], None),
        ("float test accuracy", mean, orig["testAccuracy"], None),
        ("time to 98.2 % (s)", t_ours, t_orig, t_orig / t_ours if t_ours and t_orig else None),
        (
            "accuracy, 3 px shift",
            train["robustness"]["default (float, seed 0)"]["shift3"],
            train["robustness"]["1.0.0 (int8)"]["shift3"],
            None,
        ),
    ]


def main() -> None:
    train = run_json([sys.executable, "bench/train_bench.py"])
    images = str(data.fetch() / "t10k-images-idx3-ubyte")  # the cache digitnet verified
    engine = run_json(["node", "js/bench/engine.bench.js", images])
    onnx = ROOT / "artifacts" / "digitnet-mlp.onnx"
    onnx.parent.mkdir(exist_ok=True)
    export = [sys.executable, "bench/ort/onnx_model.py", "js/model.json", str(onnx)]
    subprocess.run(export, cwd=ROOT, check=True)
    ort = run_json(["node", "bench/ort/compare.mjs", str(onnx), images])
    rows = training_rows(train) + [
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
        (
            "wasm entry vs ort-web",
            ort["wasmMedianUs"],
            ort["ortMedianUs"],
            ort["wasmRatio"],
        ),
        ("loadModel (ms)", engine["loadModelMs"], None, None),
    ]
    print("\n".join(training_tables(train)))
    print()
    # baselines: the original recipe and 1.0.0 (training), the loop and ort (engine)
    print(f"{'figure':<26}{'ours':>12}{'baseline':>12}{'speed-up':>10}")
    for name, a, b, r in rows:
        cells = [cell(v) for v in (a, b)]
        if name.startswith("time"):  # None there means the target was never reached
            cells = ["never" if v is None else c for v, c in zip((a, b), cells)]
        print(f"{name:<26}{cells[0]:>12}{cells[1]:>12}{'' if r is None else f'{r:.1f}x':>10}")
    out = ROOT / "artifacts" / "bench.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"train": train, "engine": engine, "ort": ort}, indent=2) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
