"""Files written so that a crash leaves the old file or the new one, never a mix, readable by
everyone the user's umask allows (not mkstemp's 0600), and hashed the one way the index does."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from .errors import DigitnetError


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_json_object(path: Path) -> dict:
    """A JSON file that must hold an object: strict UTF-8, any nesting Python can parse; every
    failure is a DigitnetError naming the file (never a traceback)."""
    try:
        doc = json.loads(path.read_bytes().decode("utf-8"))
    except OSError as e:
        raise DigitnetError(f"{path}: unreadable ({e.strerror})") from None
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
