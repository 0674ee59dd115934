"""The `digitnet` command: data fetch, train, evaluate, export, verify."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from datetime import datetime
from pathlib import Path

import numpy as np

from . import data, export, model, reference, train, verify
from .errors import DigitnetError
from .evaluate import evaluate, report

CHECKPOINT, METRICS = "checkpoint.npz", "metrics.json"


def cmd_fetch(args) -> None:
    folder = data.fetch(verbose=True, verify=True)
    for name in data.MNIST_SHA256:
        print(folder / name)


def prepare_out(out: str | None) -> Path:
    path = Path(out) if out else Path("runs") / datetime.now().strftime("%Y%m%d-%H%M%S")
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as e:
        raise DigitnetError(f"--out {path}: not writable ({e.strerror})") from None
    return path


def cmd_train(args) -> None:
    recipe = train.RECIPES[args.recipe]
    if args.epochs is not None:
        if args.epochs < 1:
            raise DigitnetError(f"--epochs: expected a positive number, got {args.epochs}")
        recipe = train.Recipe(**{**recipe.to_dict(), "epochs": args.epochs})
    out = prepare_out(args.out)
    ds = data.load(args.data)
    print(
        f"training {args.recipe} recipe on {ds.source} ({len(ds.train.labels)} train, "
        f"{len(ds.test.labels)} test), seed {args.seed}, {recipe.epochs} epochs",
        flush=True,
    )

    def log(e: dict) -> None:
        print(
            f"epoch {e['epoch']:>2}/{e['epochs']}  loss {e['loss']:.4f}  "
            f"train {e['train_accuracy']:.2%}  test {e['test_accuracy']:.2%}  "
            f"{e['seconds']:.1f}s  ETA {e['eta']:.0f}s",
            flush=True,
        )

    started = time.perf_counter()
    params, history = train.train(ds, recipe, args.seed, log)
    metrics = {
        "test_accuracy": history[-1]["test_accuracy"],
        "history": history,
        "seed": args.seed,
        "recipe": {"name": args.recipe, **recipe.to_dict()},
        "data_sha256": ds.sha256,
        "train_seconds": round(time.perf_counter() - started, 3),
        "command": "digitnet " + shlex.join(args.argv),
    }
    save_checkpoint(out / CHECKPOINT, params)
    export.write_atomic(out / METRICS, json.dumps(metrics, indent=2).encode() + b"\n")
    print(
        f"float test accuracy {metrics['test_accuracy']:.2%}; wrote {out / CHECKPOINT} "
        f"and {out / METRICS}"
    )


def save_checkpoint(path: Path, params: model.Params) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    arrays = {
        f"{kind}{k}": a for k, (w, b) in enumerate(params) for kind, a in (("W", w), ("b", b))
    }
    try:
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def load_checkpoint(path: Path) -> model.Params:
    if path.is_dir():
        path = path / CHECKPOINT
    try:
        with np.load(path) as z:
            n = len(z.files) // 2
            params = [(z[f"W{k}"], z[f"b{k}"]) for k in range(n)]
    except (OSError, KeyError, ValueError) as e:
        raise DigitnetError(f"{path}: not a digitnet checkpoint ({e})") from None
    sizes = [params[0][0].shape[0]] + [w.shape[1] for w, _ in params] if params else []
    if tuple(sizes) != model.SIZES:
        raise DigitnetError(f"{path}: layer sizes {sizes}, expected {list(model.SIZES)}")
    return params


def classifier(path: Path):
    """A function images -> classes for a checkpoint (float32) or a model.json (int8 reference)."""
    if path.suffix == ".json":
        m = reference.load_model(path)
        return lambda imgs: m.predict(imgs.reshape(len(imgs), -1) / 255.0).argmax(1)
    params = load_checkpoint(path)
    return lambda imgs: model.predict(params, train.to_inputs(imgs))


def cmd_evaluate(args) -> None:
    path = Path(args.path)
    if not path.exists():
        raise DigitnetError(f"{path}: no such file or folder")
    classify = classifier(path)
    ds = data.load(args.data)
    print(f"{path} on {ds.source}")
    print(report(evaluate(classify, ds.test)))


def cmd_export(args) -> None:
    run = Path(args.run_dir)
    params = load_checkpoint(run)
    try:
        meta = json.loads((run / METRICS).read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise DigitnetError(f"{run / METRICS}: unreadable ({e})") from None
    ds = data.load(args.data)
    command = f"{meta.get('command', 'digitnet train')} && digitnet {shlex.join(args.argv)}"
    folder, card = export.export(
        params, args.version, ds, meta, args.per_channel, command, Path(args.dest)
    )
    size = (folder / "model.json").stat().st_size
    print(f"published {args.version} in {folder}")
    print(
        f"  float accuracy {card['floatAccuracy']:.2%}, int8 ({card['quantization']}) "
        f"{card['int8Accuracy']:.2%}, model.json {size:,} bytes"
    )


def cmd_verify(args) -> None:
    for line in verify.verify(Path(args.dest), args.data):
        print(line)
    print("VERIFY OK")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="digitnet", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    d = sub.add_parser("data", help="the MNIST data set").add_subparsers(required=True)
    f = d.add_parser("fetch", help="fetch MNIST (or check the cache), print where the files are")
    f.set_defaults(func=cmd_fetch)

    data_help = "a folder with the four IDX files, raw or .gz (default: $DIGITNET_DATA or MNIST)"
    t = sub.add_parser("train", help="train from scratch")
    t.add_argument("--data", help=data_help)
    t.add_argument("--epochs", type=int, help="override the recipe's epochs")
    t.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    t.add_argument("--out", help="output folder (default runs/<timestamp>/)")
    t.add_argument(
        "--recipe",
        choices=tuple(train.RECIPES),
        default="default",
        help="'original' is the write-up's recipe, kept as a baseline",
    )
    t.set_defaults(func=cmd_train)

    e = sub.add_parser("evaluate", help="accuracy, per class, confusion, shift robustness")
    e.add_argument("path", help="a run folder, a checkpoint.npz or a model.json")
    e.add_argument("--data", help=data_help)
    e.set_defaults(func=cmd_evaluate)

    x = sub.add_parser("export", help="quantize a run and publish a new weights version")
    x.add_argument("run_dir")
    x.add_argument("--version", required=True, help="new semver version X.Y.Z")
    x.add_argument("--dest", default="fixtures", help="fixtures folder (default fixtures)")
    q = x.add_mutually_exclusive_group()
    q.add_argument(
        "--per-layer",
        dest="per_channel",
        action="store_false",
        help="one scale per layer, as in the original (the default: see FORMAT.md)",
    )
    q.add_argument(
        "--per-channel",
        dest="per_channel",
        action="store_true",
        help="one scale per output unit (finer, but 202 more numbers in the file)",
    )
    x.set_defaults(per_channel=export.DEFAULT_PER_CHANNEL)
    x.add_argument("--data", help=data_help)
    x.set_defaults(func=cmd_export)

    v = sub.add_parser("verify", help="check every published weights version")
    v.add_argument("--dest", default="fixtures")
    v.add_argument(
        "--data",
        help="the test data to recompute recorded metrics on (default: the MNIST cache if "
        "present; verify never downloads)",
    )
    v.set_defaults(func=cmd_verify)
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser().parse_args(argv)
    args.argv = argv  # recorded in metrics and model cards as the exact command
    try:
        args.func(args)
    except DigitnetError as e:
        print(f"digitnet: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("digitnet: interrupted; nothing was left half-written", file=sys.stderr)
        return 130
    return 0
