"""Run folders: where `train` writes its checkpoint and metrics, and what `export` reads back.

A run folder holds `checkpoint.npz` (checkpoint.py) and `metrics.json` (camelCase keys: the
accuracy, history, seed, recipe and data hashes of the training). `write` writes both, `read`
gives them back as a `Run`, reading the snake_case keys of runs trained before the keys became
camelCase as camelCase.

The default folder, `runs/<timestamp>/`, is made with an exclusive mkdir and gets a suffix (`-2`,
`-3`, ...) when the name is taken, so two trainings started in the same second never share
one. A run that fails removes the folders it made, when they are still empty.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from . import checkpoint, model, storage
from .errors import DigitnetError

ROOT = Path("runs")
MAX_SUFFIX = 1000  # a thousand runs in one second is a loop gone wrong, not a user
CHECKPOINT, METRICS = checkpoint.NAME, "metrics.json"


@dataclass(frozen=True)
class Run:
    """A trained run: its float weights and its metrics (camelCase keys)."""

    params: model.Params
    metrics: dict
    folder: Path | None = None  # None for a run made in memory


def write(folder: Path, params: model.Params, metrics: dict) -> None:
    """The run's checkpoint, then its metrics (each written atomically)."""
    checkpoint.save(folder / CHECKPOINT, params)
    storage.write_atomic(folder / METRICS, json.dumps(metrics, indent=2).encode() + b"\n")


def read(folder: Path) -> Run:
    """A run folder's checkpoint and metrics."""
    return Run(checkpoint.load(folder), read_metrics(folder), folder)


def camel(name: str) -> str:
    """snake_case -> camelCase ("data_sha256" -> "dataSha256"): the keys of every JSON file we
    write are camelCase, as in fixtures/FORMAT.md."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def camel_keys(d: dict) -> dict:
    return {camel(k): v for k, v in d.items()}


def read_metrics(folder: Path) -> dict:
    """A run's metrics.json, which must be a JSON object. Runs trained before the keys became
    camelCase wrote snake_case ones (test_accuracy, history's train_accuracy, the recipe's
    batch_size): they are read as camelCase, so those runs still export."""
    meta = camel_keys(storage.read_json_object(folder / METRICS))
    if isinstance(meta.get("recipe"), dict):
        meta["recipe"] = camel_keys(meta["recipe"])
    if isinstance(meta.get("history"), list):
        meta["history"] = [camel_keys(e) if isinstance(e, dict) else e for e in meta["history"]]
    for key, ok, expected in METRICS_NEEDED:
        if not ok(meta.get(key)):
            got = "nothing" if key not in meta else repr(meta[key])[:40]
            raise DigitnetError(f"{folder / METRICS}: {key}: expected {expected}, got {got}")
    return meta


# What export takes from metrics.json (the card repeats it); NaN and 1e400 never parse.
METRICS_NEEDED = (
    ("testAccuracy", lambda v: type(v) in (int, float) and 0 <= v <= 1, "a fraction in [0, 1]"),
    ("seed", lambda v: type(v) is int and v >= 0, "an integer >= 0"),
    ("dataSha256", lambda v: isinstance(v, dict), "an object"),
    ("history", lambda v: isinstance(v, list), "an array"),
    ("recipe", lambda v: isinstance(v, dict), "an object"),
)


def timestamp_folder(root: Path, now: datetime) -> tuple[Path, list[Path]]:
    """A new, empty folder root/<timestamp>[-N]; returns it and the folders made."""
    made = make_parents(root)
    stem = now.strftime("%Y%m%d-%H%M%S")
    for n in range(1, MAX_SUFFIX + 1):
        path = root / (stem if n == 1 else f"{stem}-{n}")
        try:
            path.mkdir()
        except FileExistsError:
            continue
        return path, [path, *made]
    raise DigitnetError(f"{root / stem}: {MAX_SUFFIX} run folders already exist for this second")


def make_parents(path: Path) -> list[Path]:
    """mkdir -p, returning the folders it made, deepest first."""
    missing = []
    for folder in (path, *path.parents):
        if folder.exists():
            break
        missing.append(folder)
    for folder in reversed(missing):
        folder.mkdir(exist_ok=True)
    return missing


def given_folder(path: Path) -> tuple[Path, list[Path]]:
    """A folder the user named: used as it is (it may exist and hold files), made when missing."""
    if path.exists() and not path.is_dir():
        raise DigitnetError(f"{path}: a file, not a folder")
    return path, make_parents(path)


@contextlib.contextmanager
def run_folder(out: str | None, now: datetime | None = None) -> Iterator[Path]:
    """The run's folder, checked writable; removed again (if empty) when the run fails."""
    made: list[Path] = []
    try:
        if out:
            path, made = given_folder(Path(out))
        else:
            path, made = timestamp_folder(ROOT, now or datetime.now())
        probe = path / ".write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as e:
        remove_empty(made)
        raise DigitnetError(f"{out or ROOT}: not writable ({e.strerror or e})") from None
    try:
        yield path
    except BaseException:
        remove_empty(made)
        raise


def remove_empty(folders: list[Path]) -> None:
    """Remove the folders we made, deepest first, stopping at the first that is not empty."""
    for folder in folders:
        try:
            os.rmdir(folder)
        except OSError:
            return
