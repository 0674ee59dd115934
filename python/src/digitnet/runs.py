"""Run folders: where `train` writes its checkpoint and metrics.

The default, `runs/<timestamp>/`, is made with an exclusive mkdir and gets a suffix (`-2`,
`-3`, ...) when the name is taken, so two trainings started in the same second never share
one. A run that fails removes the folders it made, when they are still empty.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from .errors import DigitnetError

ROOT = Path("runs")
MAX_SUFFIX = 1000  # a thousand runs in one second is a loop gone wrong, not a user


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
    """`--out`: used as it is (it may exist and hold files), made when missing."""
    if path.exists() and not path.is_dir():
        raise DigitnetError(f"--out {path}: a file, not a folder")
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
        where = out or ROOT
        raise DigitnetError(f"--out {where}: not writable ({e.strerror or e})") from None
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
