"""Publishing a weights version into a fixtures folder, as one transaction.

The commit point is the index: a version is published once fixtures/index.json lists it, and a
folder that it does not list is not published (verify names it). Under
an exclusive lock on the fixtures folder (concurrent exports wait for each other, so the index is
read, updated and replaced by one at a time), an export
1. cleans up after killed exports: removes hidden staging folders and temporary index files, and
   indexes a version folder that was renamed into place whole but never indexed;
2. writes the version's files into a hidden staging folder, fsynced, and renames it into place;
3. replaces the index atomically (temporary file, fsync, rename, fsync of the folder).
An exception, Ctrl-C or SIGTERM before step 3 is done moves the folder back out, so the fixtures
are as before. SIGKILL can leave hidden leftovers, or a whole version folder that is not indexed
yet; the next export's step 1 removes the first and indexes the second (verify reports both).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import stat
import sys
import tempfile
import threading
from pathlib import Path

from . import layout, reference
from .errors import DigitnetError
from .layout import INDEX, VERSION_FILES, read_index
from .storage import (
    MAX_RECORD_BYTES,
    describe,
    fsync_folder,
    kind,
    read_regular,
    sha256,
    umask,
    write_atomic,
)

SUMMARY = ("createdAt", "floatAccuracy", "int8Accuracy", "quantization")  # index = metadata
LOCK = ".export.lock"  # beside index.json; flock'd, never deleted (deleting races a waiter)


def summary_of(metadata: dict) -> dict:
    """What the index repeats of a version's metadata."""
    return {key: metadata[key] for key in SUMMARY}


@contextlib.contextmanager
def locked(dest: Path):
    """Hold the fixtures folder's export lock (released by the OS if the process dies)."""
    try:
        import fcntl
    except ImportError:  # Windows: exports there are not serialised
        yield
        return
    try:
        dest.mkdir(parents=True, exist_ok=True)
        handle = open(dest / LOCK, "a+b")  # noqa: SIM115 (held open for the whole block)
    except OSError as e:
        raise DigitnetError(f"{dest}: cannot lock for publishing ({e.strerror})") from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"waiting for another export into {dest} ...", file=sys.stderr, flush=True)
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield


@contextlib.contextmanager
def terminate_as_interrupt():
    """SIGTERM raises KeyboardInterrupt while publishing, so the rollback runs for it too."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def prepare(dest: Path, version: str) -> tuple[list[str], bool]:
    """Before any work: clean up after killed exports, and refuse a published version. Returns a
    line for each thing cleaned up, and whether that completed `version` itself (a killed run of
    this same export had written it whole): then there is nothing left to do."""
    if not reference.is_version(version):
        raise DigitnetError(f"version {version!r} is not semver X.Y.Z")
    found = kind(dest)
    if found is None:  # nothing to clean up or refuse: created when publishing, not before
        return [], False
    if found != "a folder":
        raise DigitnetError(f"{dest}: {found}, not a folder (the fixtures folder to publish into)")
    with locked(dest):
        index = read_index(dest)
        known = set(index["weights"])
        notes = recover(dest, index)
        if version in index["weights"] and version not in known:
            return notes, True
        refuse_published(dest, index, version)
    return notes, False


def refuse_published(dest: Path, index: dict, version: str) -> None:
    target = layout.version_dir(dest, version)
    if version in index["weights"] or target.exists():
        raise DigitnetError(
            f"{target}: version {version} is already published and never changes; "
            "choose a new version"
        )


def recover(dest: Path, index: dict) -> list[str]:
    """Remove what killed exports left, and index a whole version they renamed into place."""
    notes = []
    for path in sorted(dest.glob(f".{INDEX}.*")):
        expect_left(path, stat.S_ISREG, "a temporary index file")
        path.unlink()
        notes.append(f"removed {path}: a temporary index left by an interrupted export")
    weights = layout.weights_dir(dest)
    if kind(weights) != "a folder":
        return notes
    for path in sorted(weights.glob(".*.tmp-*")):
        expect_left(path, stat.S_ISDIR, "a staging folder")
        shutil.rmtree(path)
        notes.append(f"removed {path}: a staging folder left by an interrupted export")
    for path in sorted(weights.iterdir()):  # a link could take the export out of the tree
        if path.is_symlink():
            raise DigitnetError(
                f"{path}: a symlink; version folders are real folders inside {weights} "
                "(export never follows a link): move it away or remove it"
            )
    unindexed = [
        p
        for p in sorted(weights.iterdir())
        if p.is_dir() and not p.name.startswith(".") and p.name not in index["weights"]
    ]
    for folder in unindexed:
        index["weights"][folder.name] = entry_of(folder)
        notes.append(f"indexed {folder.name}: an interrupted export had written it whole")
    if unindexed:
        write_atomic(layout.index_path(dest), dump_index(index))
    return notes


def expect_left(path: Path, is_kind, what: str) -> None:
    """A name an interrupted export leaves must hold what it leaves there (not a link, not
    anything else), or it is not ours to remove: refused in one line."""
    mode = path.lstat().st_mode
    if not is_kind(mode):
        raise DigitnetError(
            f"{path}: {describe(mode)} where an interrupted export leaves {what}; "
            "move it away or remove it"
        )


def entry_of(folder: Path) -> dict:
    """The index entry of a complete version folder, read back from its files."""
    names = sorted(p.name for p in folder.iterdir())
    if names != sorted(VERSION_FILES):
        raise DigitnetError(
            f"{folder}: not in {INDEX} and not a whole version (holds {names}); "
            "move it away or remove it"
        )
    model = reference.load_model(folder / layout.MODEL)
    if model.version != folder.name:
        raise DigitnetError(f"{folder / 'model.json'}: version {model.version!r}, not the folder's")
    files = {n: read_regular(folder / n, MAX_RECORD_BYTES) for n in VERSION_FILES}
    return entry(files, model.metadata)


def entry(files: dict[str, bytes], metadata: dict) -> dict:
    return {
        **summary_of(metadata),
        "files": {n: {"sha256": sha256(d), "size": len(d)} for n, d in files.items()},
    }


def dump_index(index: dict) -> bytes:
    return json.dumps(index, indent=2).encode("utf-8") + b"\n"


def publish(dest: Path, version: str, files: dict[str, bytes], metadata: dict) -> Path:
    """Write the version's folder, then commit it by indexing it; all or nothing."""
    with locked(dest), terminate_as_interrupt():
        index = read_index(dest)
        recover(dest, index)
        refuse_published(dest, index, version)  # so a folder at `target` below is ours
        target = layout.version_dir(dest, version)
        try:
            stage(dest, version, files)
            index["weights"][version] = entry(files, metadata)
            write_atomic(layout.index_path(dest), dump_index(index))
        except BaseException:
            if target.exists() and version not in read_index(dest)["weights"]:
                unpublish(target)  # renamed into place but not committed: undo
            raise
    return target


def stage(dest: Path, version: str, files: dict[str, bytes]) -> Path:
    """Write the files into a hidden staging folder and rename it into place."""
    weights = layout.weights_dir(dest)
    try:
        weights.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=weights, prefix=f".{version}.tmp-"))
    except OSError as e:
        raise DigitnetError(f"{weights}: cannot write ({e.strerror})") from None
    try:
        for name, data in files.items():
            write_atomic(staging / name, data)
        os.chmod(staging, 0o777 & ~umask())  # mkdtemp's 0700 would hide it from web servers
        target = weights / version
        os.rename(staging, target)  # atomic; fails rather than merge if target appeared
        fsync_folder(weights)
        return target
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def unpublish(target: Path) -> None:
    """Move an uncommitted version folder out of sight first, then remove it."""
    aside = target.with_name(f".{target.name}.tmp-rollback")
    os.rename(target, aside)
    shutil.rmtree(aside, ignore_errors=True)
