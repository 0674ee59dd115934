"""The `digitnet` command: data fetch, train, evaluate, export, verify, predict."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import time
from pathlib import Path

import numpy as np

from . import (
    arguments,
    checkpoint,
    conformance,
    data,
    export,
    layout,
    model,
    publish,
    reference,
    runs,
    storage,
    train,
    verify,
)
from .errors import DigitnetError, printable
from .evaluate import evaluate, report
from .pretrained import pretrained


def cmd_fetch(args) -> None:
    folder = data.fetch(verbose=True, verify=True)
    for name in data.MNIST_SHA256:
        print(folder / name)


def cmd_train(args) -> None:
    recipe = train.RECIPES[args.recipe]
    if args.epochs is not None:
        recipe = train.Recipe(**{**recipe.to_dict(), "epochs": args.epochs})
    if args.bits is not None:
        recipe = train.Recipe(**{**recipe.to_dict(), "bits": args.bits})
    teacher, taught = teacher_of(args.teacher)
    ds = data.load(args.data)
    with runs.run_folder(args.out) as out:
        print(
            f"training {args.recipe} recipe on {ds.source} ({len(ds.train.labels)} train, "
            f"{len(ds.test.labels)} test), seed {args.seed}, {recipe.epochs} epochs, into {out}",
            flush=True,
        )
        started = time.perf_counter()
        params, history = train.train(ds, recipe, args.seed, log_epoch, teacher)
        metrics = {
            "testAccuracy": history[-1]["testAccuracy"],
            "history": history,
            "seed": args.seed,
            "recipe": runs.camel_keys({"name": args.recipe, **recipe.to_dict()}),
            "dataSha256": ds.sha256,
            "trainSeconds": round(time.perf_counter() - started, 3),
            "command": recorded_command(args.argv),
            **taught,
        }
        runs.write(out, params, metrics)
    print(
        f"float test accuracy {metrics['testAccuracy']:.2%}; wrote {out / runs.CHECKPOINT} "
        f"and {out / runs.METRICS}"
    )


def teacher_of(path: str | None) -> tuple[model.Params | None, dict]:
    """--teacher: a model file's dequantized weights (float32) to distill from, and what metrics
    record of it (its weights version and SHA-256). The network must be this one."""
    if path is None:
        return None, {}
    try:
        raw = Path(path).read_bytes()
    except OSError as e:
        raise DigitnetError(f"{path}: cannot read ({e.strerror})") from None
    m = reference.load_model(raw)
    shapes = [layer.weights.shape for layer in m.layers]
    if shapes != list(zip(model.SIZES[:-1], model.SIZES[1:])):
        sizes = [784, *(o for _, o in shapes)]
        raise DigitnetError(f"{path}: a {sizes} network, expected {list(model.SIZES)}")
    params = [(L.weights.astype(np.float32), L.bias.astype(np.float32)) for L in m.layers]
    return params, {"teacher": {"weightsVersion": m.version, "sha256": storage.sha256(raw)}}


# The options whose value is a path, and those taking any other value (to tell positionals apart).
PATH_OPTIONS = ("--out", "--data", "--dest", "--teacher")
VALUE_OPTIONS = (*PATH_OPTIONS, "--epochs", "--seed", "--recipe", "--version", "--bits")


def repository(start: Path) -> Path | None:
    """The git checkout holding `start` (a folder with `.git`, a worktree's file included)."""
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return None


def portable(argv: list[str], cwd: Path | None) -> list[str]:
    """argv with each path (a PATH_OPTIONS value, a positional after the command) written
    relative to the repository, so published metadata names no folder of the machine that made
    it. Relative paths are read from `cwd`; with cwd None (a command recorded earlier, its
    folder unknown) only absolute ones are rewritten. Paths outside the repository stay."""
    root = repository(Path.cwd().resolve())

    def rewrite(text: str) -> str:
        path = Path(text)
        if root is None or (cwd is None and not path.is_absolute()):
            return text
        full = Path(os.path.normpath(cwd / path if cwd and not path.is_absolute() else path))
        return full.relative_to(root).as_posix() if full.is_relative_to(root) else text

    out, value_of, command_seen = [], None, False
    for token in argv:
        name, eq, value = token.partition("=")
        if value_of is not None:
            token, value_of = (rewrite(token) if value_of in PATH_OPTIONS else token), None
        elif token.startswith("--") and eq and name in PATH_OPTIONS:
            token = f"{name}={rewrite(value)}"
        elif token in VALUE_OPTIONS:
            value_of = token
        elif not token.startswith("-") and token not in ("digitnet", "&&"):
            token, command_seen = (rewrite(token) if command_seen else token), True
        out.append(token)
    return out


def recorded_command(argv: list[str]) -> str:
    """What metrics and model cards record as the command: `digitnet ...`, paths portable."""
    return "digitnet " + shlex.join(portable(argv, Path.cwd()))


def log_epoch(e: dict) -> None:
    print(
        f"epoch {e['epoch']:>2}/{e['epochs']}  loss {e['loss']:.4f}  "
        f"train {e['trainAccuracy']:.2%}  test {e['testAccuracy']:.2%}  "
        f"{e['seconds']:.1f}s  ETA {e['eta']:.0f}s",
        flush=True,
    )


def classifier(path: Path):
    """A function images -> classes for a model.json (the quantized reference), or a run folder
    or checkpoint as it was trained: its float32 weights seen through the widths its run's
    recipe names (a `--bits 4` run learnt through 4-bit weights; its raw floats were never the
    model, and score points lower)."""
    if path.suffix == ".json":
        m = reference.load_model(path)
        return lambda imgs: conformance.digits(m, imgs)
    params = checkpoint.load(path)
    folder = path if storage.kind(path) == "a folder" else path.parent
    if storage.kind(folder / runs.METRICS) is not None:  # evaluate needs its recipe's bits alone
        meta = storage.read_json_object(folder / runs.METRICS)
        params, _ = train.quantized(params, trained_widths(meta, folder))
    return lambda imgs: model.predict(params, train.to_inputs(imgs))


def cmd_evaluate(args) -> None:
    if (args.path is None) == (args.weights is None):
        raise DigitnetError("evaluate: give a run folder, checkpoint or model.json, or --weights")
    if args.weights is not None:  # the package's own weights: no path into site-packages
        m = pretrained(args.weights)
        classify, what = (lambda imgs: conformance.digits(m, imgs)), f"weights {m.version}"
    else:
        path = Path(args.path)
        if storage.kind(path) is None:
            raise DigitnetError(f"{path}: no such file or folder")
        classify, what = classifier(path), str(path)
    ds = data.load(args.data, splits=("test",))  # the train split is never read, nor inflated
    print(f"{what} on {ds.source}")
    print(report(evaluate(classify, ds.test)))


def cmd_export(args) -> None:
    # Cleaned up after killed exports, and an existing version refused, before any work.
    notes, completed = publish.prepare(Path(args.dest), args.version)
    for note in notes:
        print(note)
    if completed:
        print(f"published {args.version} in {Path(args.dest) / 'weights' / args.version}")
        return
    run = runs.read(Path(args.run_dir))
    meta = run.metrics
    bits = args.bits or trained_widths(meta, run.folder)
    export.check_budget(run.params, args.version, args.per_channel, bits)  # before data, work
    ds = data.load(args.data, splits=("test",))  # parity cases and metrics: the test split
    trained = shlex.split(str(meta.get("command", "digitnet train")))
    command = f"{shlex.join(portable(trained, None))} && {recorded_command(args.argv)}"
    folder, card = export.export(
        run,
        args.version,
        data=ds,
        per_channel=args.per_channel,
        command=command,
        dest=Path(args.dest),
        bits=bits,
    )
    size = (folder / layout.MODEL).stat().st_size
    print(f"published {args.version} in {folder}")
    widths = ",".join(map(str, bits))
    print(
        f"  trained accuracy {card['floatAccuracy']:.2%}, quantized ({widths} bits, "
        f"{card['quantization']}) {card['int8Accuracy']:.2%}, model.json {size:,} bytes"
    )
    if args.bits:  # post-training quantization: what it cost against the run as trained
        cost = (card["floatAccuracy"] - card["int8Accuracy"]) * 100
        print(f"  post-training quantization to {widths} bits costs {cost:.2f} points")


def trained_widths(meta: dict, run: Path) -> tuple[int, ...]:
    """The weight widths a run was trained for (its recipe's `bits`; 8 for runs before them)."""
    recipe = meta.get("recipe")
    bits = recipe.get("bits", [8]) if isinstance(recipe, dict) else [8]
    try:
        return arguments.weight_widths(",".join(str(b) for b in bits))
    except (argparse.ArgumentTypeError, TypeError):
        raise DigitnetError(
            f"{run / runs.METRICS}: recipe.bits is {bits!r}, expected widths 4 or 8"
        ) from None


def cmd_verify(args) -> None:
    index = layout.index_path(Path(args.dest))
    if storage.kind(index) is None:  # run outside a checkout: say where it looked
        raise DigitnetError(
            f"{index.resolve()}: not found; verify checks a fixtures folder (`fixtures/` of a "
            "digitnet checkout, the default when run from its root): pass --dest DIR"
        )
    for line in verify.verify(Path(args.dest), args.data, args.files_only):
        print(printable(line))
    # --files-only never says VERIFY OK: its last line says what it did not check.
    print("FILES OK (metrics not checked)" if args.files_only else "VERIFY OK")


COMMANDS = {
    "fetch": cmd_fetch,
    "train": cmd_train,
    "evaluate": cmd_evaluate,
    "export": cmd_export,
    "verify": cmd_verify,
}


def parser():
    """The command line (arguments.py), each command run by its function here."""
    return arguments.parser(COMMANDS, __doc__)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser().parse_args(argv)
    args.argv = argv  # recorded in metrics and model cards as the exact command
    try:
        args.func(args)
    except DigitnetError as e:
        return error(2, str(e))
    except KeyboardInterrupt:
        print("digitnet: interrupted; nothing was left half-written", file=sys.stderr)
        return 130
    except OSError as e:  # the file system refused (permissions, a loop, a full disk): not a bug
        return error(2, f"{e.filename}: {e.strerror}" if e.filename is not None else str(e))
    except Exception as e:  # a bug, not bad input: one line, and how to see the traceback
        if os.environ.get("DIGITNET_TRACEBACK"):
            raise
        return error(
            1,
            f"{type(e).__name__}: {e} (a bug: please report it with the command; "
            "DIGITNET_TRACEBACK=1 shows the traceback)",
            "internal error",
        )
    return 0


def error(status: int, message: str, what: str = "error") -> int:
    """Print one line on stderr, control characters escaped (a file name or a key holding a
    newline or ESC[2J stays on its line and does nothing to the terminal); return `status`."""
    print(f"digitnet: {what}: {printable(message)}", file=sys.stderr)
    return status
