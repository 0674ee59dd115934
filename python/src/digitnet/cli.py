"""The `digitnet` command: data fetch, train, evaluate, export, verify, predict."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import time
from pathlib import Path

from . import (
    __version__,
    checkpoint,
    conformance,
    data,
    export,
    layout,
    model,
    predict,
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
from .quantize import WIDTHS


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
    ds = data.load(args.data)
    with runs.run_folder(args.out) as out:
        print(
            f"training {args.recipe} recipe on {ds.source} ({len(ds.train.labels)} train, "
            f"{len(ds.test.labels)} test), seed {args.seed}, {recipe.epochs} epochs, into {out}",
            flush=True,
        )
        started = time.perf_counter()
        params, history = train.train(ds, recipe, args.seed, log_epoch)
        metrics = {
            "testAccuracy": history[-1]["testAccuracy"],
            "history": history,
            "seed": args.seed,
            "recipe": runs.camel_keys({"name": args.recipe, **recipe.to_dict()}),
            "dataSha256": ds.sha256,
            "trainSeconds": round(time.perf_counter() - started, 3),
            "command": recorded_command(args.argv),
        }
        runs.write(out, params, metrics)
    print(
        f"float test accuracy {metrics['testAccuracy']:.2%}; wrote {out / runs.CHECKPOINT} "
        f"and {out / runs.METRICS}"
    )


# The options whose value is a path, and those taking any other value (to tell positionals apart).
PATH_OPTIONS = ("--out", "--data", "--dest")
VALUE_OPTIONS = (*PATH_OPTIONS, "--epochs", "--seed", "--recipe", "--version")


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
    """A function images -> classes for a checkpoint (float32) or a model.json (int8 reference)."""
    if path.suffix == ".json":
        m = reference.load_model(path)
        return lambda imgs: conformance.digits(m, imgs)
    params = checkpoint.load(path)
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
        return weight_widths(",".join(str(b) for b in bits))
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


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line, like every other error (exit status 2)."""

    def error(self, message: str):
        self.exit(2, f"digitnet: error: {printable(message)} (see `{self.prog} --help`)\n")


def whole_number(minimum: int):
    """An argparse type: an integer >= minimum (a seed must be >= 0: NumPy refuses -1)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected an integer >= {minimum}, got {value}")
        return value

    parse.__name__ = "integer"  # what argparse names in its own messages
    return parse


def weight_widths(text: str) -> tuple[int, ...]:
    """An argparse type: --bits N (every layer) or N,N,N (one per layer), each in WIDTHS."""
    layers = len(model.SIZES) - 1
    parts = text.split(",")
    if len(parts) not in (1, layers) or not all(p.strip() in map(str, WIDTHS) for p in parts):
        raise argparse.ArgumentTypeError(
            f"expected one of {', '.join(map(str, WIDTHS))}, for every layer or for each of "
            f"the {layers} layers separated by commas (4,4,8), got {text!r}"
        )
    widths = tuple(int(p) for p in parts)
    return widths * layers if len(widths) == 1 else widths


weight_widths.__name__ = "weight widths"  # what argparse names in its own messages


def add_train(sub, data_help: str) -> None:
    t = sub.add_parser("train", help="train from scratch")
    t.add_argument("--data", help=data_help)
    t.add_argument("--epochs", type=whole_number(1), help="override the recipe's epochs")
    t.add_argument("--seed", type=whole_number(0), default=0, help="random seed >= 0 (default 0)")
    t.add_argument(
        "--bits",
        type=weight_widths,
        help="weight width per layer: 4 or 8 for every layer, or one per layer (4,4,8); below 8 "
        "the weights are fake-quantized in training (default: the recipe's, 8: float)",
    )
    t.add_argument(
        "--out", help="output folder (default runs/<timestamp>/, with -2, -3, ... if taken)"
    )
    t.add_argument(
        "--recipe",
        choices=tuple(train.RECIPES),
        default="default",
        help="'original' is the write-up's recipe, kept as a baseline",
    )
    t.set_defaults(func=cmd_train)


def add_export(sub, data_help: str) -> None:
    x = sub.add_parser("export", help="quantize a run and publish a new weights version")
    x.add_argument("run_dir", help="the run folder `digitnet train` wrote (checkpoint, metrics)")
    x.add_argument("--version", required=True, help="new semver version X.Y.Z")
    x.add_argument("--dest", default=layout.DEFAULT_DEST, help="fixtures folder (default fixtures)")
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
        help="one scale per output unit (finer, but 202 more numbers: over the 150,000-byte "
        "budget for this network, so refused before any work)",
    )
    x.set_defaults(per_channel=export.DEFAULT_PER_CHANNEL)
    x.add_argument(
        "--bits",
        type=weight_widths,
        help="post-training quantization to these widths (4 or 8, or one per layer: 4,4,8) "
        "instead of the run's own, printing what it costs (default: what the run was trained for)",
    )
    x.add_argument("--data", help=data_help)
    x.set_defaults(func=cmd_export)


def parser() -> argparse.ArgumentParser:
    p = Parser(prog="digitnet", description=__doc__)
    p.add_argument(
        "--version", action="version", version=f"digitnet {__version__}", help="print the version"
    )
    sub = p.add_subparsers(dest="command", required=True)
    d = sub.add_parser("data", help="the MNIST data set").add_subparsers(required=True)
    f = d.add_parser("fetch", help="fetch MNIST (or check the cache), print where the files are")
    f.set_defaults(func=cmd_fetch)

    data_help = "a folder with the four IDX files, raw or .gz (default: $DIGITNET_DATA or MNIST)"
    add_train(sub, data_help)

    e = sub.add_parser("evaluate", help="accuracy, per class, confusion, shift robustness")
    e.add_argument("path", nargs="?", help="a run folder, a checkpoint.npz or a model.json")
    predict.add_weights(e, "evaluate these bundled weights instead of a path")
    e.add_argument("--data", help=data_help)
    e.set_defaults(func=cmd_evaluate)

    add_export(sub, data_help)
    add_verify(sub)
    predict.add_parser(sub)
    return p


def add_verify(sub) -> None:
    v = sub.add_parser("verify", help="check every published weights version")
    v.add_argument(
        "--dest",
        default=layout.DEFAULT_DEST,
        help="the fixtures folder to check, with index.json (default: fixtures, as in a checkout)",
    )
    v.add_argument(
        "--data",
        help="a folder with the test files that each version's metadata.dataSha256 names, raw or "
        ".gz (default: MNIST, from the verified cache, fetched if missing)",
    )
    v.add_argument(
        "--files-only",
        action="store_true",
        help="check the files, loader, parity and records only: the recorded figures are NOT "
        "recomputed (and it says so)",
    )
    v.set_defaults(func=cmd_verify)


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
