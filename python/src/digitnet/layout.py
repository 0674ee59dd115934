"""The fixtures tree (fixtures/FORMAT.md), named in one place:

    <dest>/index.json                   every published version (publish writes it last)
    <dest>/weights/<X.Y.Z>/model.json   one folder per published version, holding exactly
    <dest>/weights/<X.Y.Z>/parity.json    these three files
    <dest>/weights/<X.Y.Z>/card.json
    <dest>/preprocess/cases*.json       the preprocessing conformance cases

`dest` is a fixtures folder: the repository's `fixtures/` (`FIXTURES` from a checkout) or any
other one `digitnet export --dest` publishes into. The package, the tools, the benchmarks and
the tests build these paths here, and read the index and its versions here.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import DigitnetError
from .storage import read_json_object

DEFAULT_DEST = "fixtures"  # the CLI's --dest, relative to where it runs
FIXTURES = Path(__file__).resolve().parents[3] / "fixtures"  # the repository's, from a checkout
INDEX = "index.json"
WEIGHTS = "weights"
MODEL, PARITY, CARD = "model.json", "parity.json", "card.json"
VERSION_FILES = (MODEL, PARITY, CARD)  # every version has exactly these
PREPROCESS = "preprocess"


def index_path(dest: Path) -> Path:
    return Path(dest) / INDEX


def weights_dir(dest: Path) -> Path:
    """The folder of version folders."""
    return Path(dest) / WEIGHTS


def version_dir(dest: Path, version: str) -> Path:
    return weights_dir(dest) / version


def version_file(dest: Path, version: str, name: str = MODEL) -> Path:
    """One of a version's VERSION_FILES."""
    return version_dir(dest, version) / name


def in_repository(version: str, name: str = MODEL) -> str:
    """A version file's path in the repository, as git names it (fixtures/weights/X.Y.Z/...)."""
    return version_file(Path(DEFAULT_DEST), version, name).as_posix()


def empty_index() -> dict:
    return {"format": "digitnet-index", "formatVersion": 1, "weights": {}}


def read_index(dest: Path) -> dict:
    """The index (an empty one if there is none yet), or a DigitnetError saying what is wrong."""
    path = index_path(dest)
    if not os.path.lexists(path):  # a dangling link or a loop is read, and refused, below
        return empty_index()
    index = read_json_object(path)
    if not isinstance(index.get("weights"), dict):
        raise DigitnetError(f"{path}: weights: expected an object of versions")
    return index


def versions(dest: Path) -> list[str]:
    """The published versions, as the index lists them, sorted as strings."""
    return sorted(read_index(dest)["weights"])
