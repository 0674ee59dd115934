"""Preprocessing on large canvases: the Python twin against the JS one, in the same run.

    python bench/preprocess_bench.py [--repeat 3] [--rounds 3]

Each canvas is written once to a temporary file; each twin then runs in fresh processes (python,
node, alternately, `--rounds` each) that read it, preprocess it `--repeat` times and report the
fastest time, the peak resident memory (VmHWM in /proc/self/status, so Linux only: getrusage's
maxrss would carry this script's own peak across exec; the canvas's bytes are included) and the
SHA-256 of the 784 float64s. The two digests must be equal (same bits), and the figures are
ratios Python / JS from the same run, as the issue asks: the machine is shared and timings are
noisy, the ratios less so.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
PREPROCESS_JS = ROOT / "js" / "src" / "preprocess.js"

PYTHON_CHILD = """
import hashlib, importlib, json, re, sys, time
import numpy as np
pre = importlib.import_module("digitnet.preprocess")
path, ink = sys.argv[1], sys.argv[4]
width, height, repeat = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[5])
rgba = open(path, "rb").read()
best = float("inf")
for _ in range(repeat):
    start = time.perf_counter()
    out = pre.preprocess(rgba, width, height, ink)
    best = min(best, time.perf_counter() - start)
peak_kb = int(re.search(r"VmHWM:\\s*(\\d+)", open("/proc/self/status").read()).group(1))
print(json.dumps({"seconds": best, "peak_kb": peak_kb,
                  "sha256": hashlib.sha256(np.asarray(out, "<f8").tobytes()).hexdigest()}))
"""

JS_CHILD = """
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
const [path, width, height, ink, repeat, module] = process.argv.slice(1);
const { preprocess } = await import(module);
const rgba = new Uint8Array(readFileSync(path));
let best = Infinity, out;
for (let i = 0; i < Number(repeat); i++) {
  const start = performance.now();
  out = preprocess(rgba, Number(width), Number(height), { ink });
  best = Math.min(best, (performance.now() - start) / 1000);
}
const sha256 = createHash('sha256').update(new Uint8Array(out.buffer)).digest('hex');
const peak_kb = Number(/VmHWM:\\s*(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]);
console.log(JSON.stringify({ seconds: best, peak_kb, sha256 }));
"""


def ring(width: int, height: int, seed: int = 0) -> np.ndarray:
    """A thick anti-aliased ring filling the canvas, random colours under it (so every ink mode
    has work to do), built band by band to keep this script's own memory small."""
    rng = np.random.default_rng(seed)
    rgba = np.empty((height, width, 4), np.uint8)
    xs = (np.arange(width) - width / 2) / (width / 2)
    for top in range(0, height, 256):
        ys = (np.arange(top, min(top + 256, height)) - height / 2) / (height / 2)
        r = np.hypot(xs[None, :], ys[:, None])
        rgba[top : top + 256, :, 3] = np.clip((1 - abs(r - 0.7) * 8) * 255, 0, 255)
        rgba[top : top + 256, :, :3] = rng.integers(0, 256, (len(ys), width, 3), np.uint8)
    return rgba


def line(length: int, vertical: bool) -> np.ndarray:
    """A line of ink one pixel thick: length x 1, or 1 x length."""
    rgba = np.zeros((length, 1, 4) if vertical else (1, length, 4), np.uint8)
    rgba[..., 3] = 255
    return rgba


CANVASES = {  # name -> (make, ink)
    "4096x4096 ring, alpha": (lambda: ring(4096, 4096), "alpha"),
    "4096x4096 ring, dark": (lambda: ring(4096, 4096), "dark"),
    "1,000,000x1 line": (lambda: line(1_000_000, vertical=False), "alpha"),
    "1x1,000,000 line": (lambda: line(1_000_000, vertical=True), "alpha"),
    "280x280 ring (the demo's pad)": (lambda: ring(280, 280), "alpha"),
}


def run_child(command: list[str]) -> dict:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"{command[0]} failed: {done.stderr.strip()[-500:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(path: Path, width: int, height: int, ink: str, args) -> tuple[dict, dict]:
    """Each twin's best of `rounds` fresh processes, run alternately (python, node, python,
    ...) so that a burst of load on the shared machine hits both."""
    argv = [str(path), str(width), str(height), ink, str(args.repeat)]
    py_cmd = [sys.executable, "-c", PYTHON_CHILD, *argv]
    js_cmd = ["node", "--input-type=module", "-e", JS_CHILD, *argv, PREPROCESS_JS.as_uri()]
    runs = [(run_child(py_cmd), run_child(js_cmd)) for _ in range(args.rounds)]
    return tuple(best([r[k] for r in runs]) for k in (0, 1))


def best(results: list[dict]) -> dict:
    if len({r["sha256"] for r in results}) != 1:
        sys.exit("one twin gave different outputs on the same canvas")
    return {
        "seconds": min(r["seconds"] for r in results),
        "peak_kb": min(r["peak_kb"] for r in results),
        "sha256": results[0]["sha256"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs per process; the fastest counts"
    )
    parser.add_argument("--rounds", type=int, default=3, help="processes per twin, alternating")
    args = parser.parse_args()
    print(
        f"{'canvas':32} {'python':>9} {'js':>9} {'ratio':>6}  "
        f"{'py MB':>6} {'js MB':>6} {'ratio':>6}  bits"
    )
    worst = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for name, (make, ink) in CANVASES.items():
            rgba = make()
            height, width = rgba.shape[:2]
            path = Path(tmp) / "canvas.rgba"
            rgba.tofile(path)
            del rgba
            py, js = measure(path, width, height, ink, args)
            time_ratio = py["seconds"] / js["seconds"]
            mem_ratio = py["peak_kb"] / js["peak_kb"]
            same = "same" if py["sha256"] == js["sha256"] else "DIFFER"
            worst = max(worst, time_ratio, mem_ratio)
            print(
                f"{name:32} {py['seconds']:8.3f}s {js['seconds']:8.3f}s {time_ratio:6.2f}  "
                f"{py['peak_kb'] / 1024:6.0f} {js['peak_kb'] / 1024:6.0f} {mem_ratio:6.2f}  {same}",
                flush=True,
            )
            if same != "same":
                sys.exit(f"{name}: the twins' outputs differ")
    print(f"worst ratio Python / JS: {worst:.2f} (the target is within 3x)")


if __name__ == "__main__":
    main()
