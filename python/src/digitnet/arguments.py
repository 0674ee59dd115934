"""`digitnet`'s command line: its commands, options and their types (cli.py runs them).

Usage errors are one line and exit status 2, like every other error.
"""

from __future__ import annotations

import argparse

from . import __version__, export, layout, model, predict, train
from .errors import printable
from .quantize import WIDTHS


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


def add_train(sub, data_help: str, commands: dict) -> None:
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
        "--teacher",
        metavar="MODEL_JSON",
        help="distill from this model file (e.g. fixtures/weights/1.1.0/model.json): the targets "
        "mix the labels with its probabilities, by the recipe's distill weight",
    )
    t.add_argument(
        "--out", help="output folder (default runs/<timestamp>/, with -2, -3, ... if taken)"
    )
    t.add_argument(
        "--recipe",
        choices=tuple(train.RECIPES),
        default="default",
        help="'original' is the write-up's recipe, kept as a baseline; '2.0.0' is the default "
        "at 4 bits with more thinned digits (weights 2.0.0)",
    )
    t.set_defaults(func=commands["train"])


def add_export(sub, data_help: str, commands: dict) -> None:
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
    x.set_defaults(func=commands["export"])


def parser(commands: dict, description: str) -> argparse.ArgumentParser:
    """`digitnet`'s parser; `commands` maps each command to the function that runs it."""
    p = Parser(prog="digitnet", description=description)
    p.add_argument(
        "--version", action="version", version=f"digitnet {__version__}", help="print the version"
    )
    sub = p.add_subparsers(dest="command", required=True)
    d = sub.add_parser("data", help="the MNIST data set").add_subparsers(required=True)
    f = d.add_parser("fetch", help="fetch MNIST (or check the cache), print where the files are")
    f.set_defaults(func=commands["fetch"])

    data_help = "a folder with the four IDX files, raw or .gz (default: $DIGITNET_DATA or MNIST)"
    add_train(sub, data_help, commands)

    e = sub.add_parser("evaluate", help="accuracy, per class, confusion, shift robustness")
    e.add_argument("path", nargs="?", help="a run folder, a checkpoint.npz or a model.json")
    predict.add_weights(e, "evaluate these bundled weights instead of a path")
    e.add_argument("--data", help=data_help)
    e.set_defaults(func=commands["evaluate"])

    add_export(sub, data_help, commands)
    add_verify(sub, commands)
    predict.add_parser(sub)
    return p


def add_verify(sub, commands) -> None:
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
    v.set_defaults(func=commands["verify"])
