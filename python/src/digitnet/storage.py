"""Files written so that a crash leaves the old file or the new one, never a mix, readable by
everyone the user's umask allows (not mkstemp's 0600), and hashed the one way the index does."""

from __future__ import annotations

import hashlib
import json
import math
import os
import stat
import tempfile
from pathlib import Path

from .errors import DigitnetError


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# The largest JSON record digitnet reads (index.json, card.json, parity.json, metrics.json: each
# well under a megabyte when written by digitnet): a bound from the format, not from the file.
MAX_RECORD_BYTES = 16 << 20

KINDS = {
    stat.S_IFREG: "a regular file",
    stat.S_IFDIR: "a folder",
    stat.S_IFLNK: "a symlink",
    stat.S_IFIFO: "a FIFO",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
}


def describe(mode: int) -> str:
    """What a stat mode says a path is: "a regular file", "a folder", "a FIFO", ..."""
    return KINDS.get(stat.S_IFMT(mode), "a special file")


def kind(path: Path) -> str | None:
    """What `path` is ("a folder", "a regular file", "a FIFO", ...; None if there is nothing
    there), following symlinks; a path that cannot be looked at (a folder without search
    permission on the way, a symlink loop) is a DigitnetError, not a PermissionError."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return None
    except OSError as e:
        raise DigitnetError(f"{path}: cannot read ({e.strerror})") from None
    return describe(mode)


def open_regular(path: Path, limit: int | None = None):
    """`path` opened for binary reading if it is a regular file of at most `limit` bytes, else a
    DigitnetError in one line. Opened without blocking (a FIFO's open would wait for a writer
    forever) and checked with fstat on that same descriptor, so what is judged is what is read:
    a FIFO, a device (/dev/zero never ends) or a folder is refused before any byte is read."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise DigitnetError(f"{path}: cannot read (no such file)") from None
    except OSError as e:
        raise DigitnetError(f"{path}: cannot read ({e.strerror})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise DigitnetError(f"{path}: {describe(info.st_mode)}, expected a regular file")
        if limit is not None and info.st_size > limit:
            raise DigitnetError(
                f"{path}: {info.st_size:,} bytes, more than the {limit:,} this file can hold"
            )
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of a regular file of at most `limit` bytes (open_regular), read with that bound
    (a file that grows while being read is refused, not followed)."""
    with open_regular(path, limit) as f:
        try:
            data = f.read(limit + 1)
        except OSError as e:
            raise DigitnetError(f"{path}: cannot read ({e.strerror})") from None
    if len(data) > limit:
        raise DigitnetError(f"{path}: more than the {limit:,} bytes this file can hold")
    return data


def finite_float(text: str) -> float:
    """A JSON number literal as a float; 1e400 would become infinity, which JSON cannot hold."""
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text} is out of range")
    return value


def reject_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def read_json_object(path: Path, limit: int = MAX_RECORD_BYTES) -> dict:
    """A JSON file that must hold an object: a regular file of at most `limit` bytes, strict
    UTF-8, strict JSON (no NaN, Infinity or number out of the double range), any nesting Python
    can parse; every failure is a DigitnetError naming the file (never a traceback)."""
    data = read_regular(path, limit)
    try:
        doc = json.loads(
            data.decode("utf-8"), parse_constant=reject_constant, parse_float=finite_float
        )
    except (ValueError, RecursionError) as e:  # bad UTF-8 or JSON; nesting deeper than Python's
        raise DigitnetError(f"{path}: not valid JSON ({str(e) or type(e).__name__})") from None
    if not isinstance(doc, dict):
        raise DigitnetError(f"{path}: expected a JSON object, got {type(doc).__name__}")
    return doc


def umask() -> int:
    """The process's umask (022 usually): new files get 0666 and folders 0777 without it, as
    open() and mkdir() would give them."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, fsync it, rename it over `path`, fsync the
    folder: readers and crashes see the old bytes or the new, never a mix."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
            os.fchmod(f.fileno(), 0o666 & ~umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_folder(path.parent)


def fsync_folder(folder: Path) -> None:
    """Make a rename in the folder durable (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
