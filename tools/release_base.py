"""What release_check.py's checks share: the repository's paths, the failure type, git and JSON
readers, and which versions a release names and pins."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from digitnet import layout
from digitnet_tools import pin

ROOT = Path(__file__).resolve().parents[1]


TAG = re.compile(r"(engine|py)-v(\d+\.\d+\.\d+)")  # X.Y.Z, as every version here


RELEASE_TAGS = ("engine-v*", "py-v*")


FIXTURES = Path(layout.DEFAULT_DEST)


# published files never change
PUBLISHED = tuple((FIXTURES / f).as_posix() for f in (layout.WEIGHTS, layout.PREPROCESS))


PACKAGE_JSON = "js/package.json"


PACKAGE_LOCK = "js/package-lock.json"


INIT = "python/src/digitnet/__init__.py"


INDEX = layout.index_path(FIXTURES).as_posix()


BUNDLED = pin.BUNDLED  # the Python package's copies of published model.json files


WEIGHTS_MODULE, weights_module = pin.WEIGHTS_MODULE, pin.weights_module  # `import { weights }`


LICENSES = ("LICENSE", "python/LICENSE", "js/LICENSE")  # the packages ship copies of the root's


class CheckFailed(Exception):
    """A release check failed; the message has one line per problem."""


def fail_if(problems: list[str]) -> None:
    if problems:
        raise CheckFailed("\n".join(problems))


def git(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=root, capture_output=True)


def git_out(root: Path, *args: str) -> str:
    proc = git(root, *args)
    if proc.returncode != 0:
        raise CheckFailed(f"git {' '.join(args)}: {proc.stderr.decode().strip()}")
    return proc.stdout.decode()


def git_blob(root: Path, rev: str, path: str) -> bytes:
    proc = git(root, "cat-file", "blob", f"{rev}:{path}")
    if proc.returncode != 0:
        raise CheckFailed(f"{path}: cannot read it at {rev} ({proc.stderr.decode().strip()})")
    return proc.stdout


def read_json(root: Path, rel: str) -> dict:
    try:
        doc = json.loads((root / rel).read_text(encoding="utf-8"))
    except OSError as e:
        raise CheckFailed(f"{rel}: cannot read ({e.strerror})") from None
    except json.JSONDecodeError as e:
        raise CheckFailed(f"{rel}: not valid JSON ({e})") from None
    if not isinstance(doc, dict):
        raise CheckFailed(f"{rel}: expected a JSON object")
    return doc


def read_or_none(path: Path) -> bytes | None:
    return path.read_bytes() if path.is_file() else None


def init_version(root: Path) -> str:
    try:
        text = (root / INIT).read_text(encoding="utf-8")
    except OSError as e:
        raise CheckFailed(f"{INIT}: cannot read ({e.strerror})") from None
    found = re.search(r"^__version__\s*=\s*[\"']([^\"']+)[\"']", text, re.M)
    if not found:
        raise CheckFailed(f'{INIT}: no __version__ = "X.Y.Z" line')
    return found.group(1)


def js_pin(root: Path) -> str:
    pin_doc = read_json(root, PACKAGE_JSON).get("digitnet")
    version = pin_doc.get("weightsVersion") if isinstance(pin_doc, dict) else None
    if not isinstance(version, str):
        raise CheckFailed(f"{PACKAGE_JSON}: no digitnet.weightsVersion")
    return version


def bundled_versions(root: Path) -> list[str]:
    """The version folders under python/src/digitnet/weights, oldest first."""
    return pin.bundled(root)


def pinned_weights(root: Path, kind: str) -> str:
    """The weights a package pins: js/package.json's, or the newest the wheel bundles."""
    if kind == "engine":
        return js_pin(root)
    versions = bundled_versions(root)
    if not versions:
        raise CheckFailed(f"{BUNDLED}: the Python package bundles no weights (nox -s pin does)")
    return versions[-1]


def releasing(root: Path, tag: str | None) -> list[tuple[str, str]]:
    """(package, version) being released: the tag's, or both packages' current versions."""
    match = TAG.fullmatch(tag or "")
    if match:
        return [("engine" if match.group(1) == "engine" else "python", match.group(2))]
    return [
        ("engine", str(read_json(root, PACKAGE_JSON).get("version"))),
        ("python", init_version(root)),
    ]
