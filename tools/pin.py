"""`nox -s pin -- X.Y.Z`: pin a published, verified weights version in both packages, in one step.

    python tools/pin.py X.Y.Z [--data DIR] [--root DIR] [--date YYYY-MM-DD]

It refuses (one line, exit 2) a version that fixtures/index.json does not list, that is already
pinned, or when `digitnet verify` fails or cannot recompute the recorded accuracies (no MNIST).
Otherwise it copies the version's model.json and card.json into js/ (and writes js/src/weights.js:
the model's version, SRI integrity and size) and its model.json into the Python package
(python/src/digitnet/weights/X.Y.Z/, beside the versions bundled before), sets
digitnet.weightsVersion/weightsSha256 in js/package.json, bumps both packages' minor version
(js/package.json, js/package-lock.json, digitnet.__version__), rewrites the README lines it owns
(between `<!-- pin:NAME -->` and `<!-- /pin:NAME -->`) and adds an entry to each package's
section of CHANGELOG.md. Everything is computed before anything is written; each file is
replaced atomically.

Pinning again before the release (the version's CHANGELOG entry is pin's and no tag names it)
keeps the bumped versions and rewrites that entry's weights bullet instead of bumping twice.
"""

from __future__ import annotations

import argparse
import datetime
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from digitnet import layout
from digitnet.storage import sha256
from digitnet_tools import changelog
from digitnet_tools.pin_text import (
    PinError,
    edit_changelog,
    percent,
    readme_blocks,
    replace_marked,
    weights_module,
    worse,
)

ROOT = Path(__file__).resolve().parents[1]
INDEX = layout.index_path(Path(layout.DEFAULT_DEST)).as_posix()
PACKAGE_JSON = "js/package.json"
PACKAGE_LOCK = "js/package-lock.json"
WEIGHTS_MODULE = "js/src/weights.js"  # `import { weights } from '@digitnet/engine'`
INIT = "python/src/digitnet/__init__.py"
BUNDLED = "python/src/digitnet/weights"
VERSION = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)")
INIT_VERSION = re.compile(r"^__version__\s*=\s*\"([^\"]+)\"", re.M)
TAG_PREFIX = {"engine": "engine-v", "python": "py-v"}


def read_json(root: Path, rel: str) -> dict:
    try:
        return json.loads((root / rel).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise PinError(
            f"{rel}: cannot read it as JSON ({getattr(e, 'strerror', None) or e})"
        ) from None


def dump_json(doc: dict) -> bytes:
    """npm's layout (two spaces, final newline): a file pin did not change stays byte-equal."""
    return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode()


def atomic_write(path: Path, data: bytes) -> None:
    """Replace `path` by a fully written, fsynced sibling: readers see the old or the new file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def run_verify(fixtures: Path, data_dir: str | None) -> list[str]:
    """`digitnet verify` on every published version, metrics recomputed on MNIST."""
    from digitnet.errors import DigitnetError
    from digitnet.verify import verify

    try:
        return verify(fixtures, data_dir)  # fails without the test data: never skips the figures
    except DigitnetError as e:
        raise PinError(f"digitnet verify fails: {e}") from None


def bump_minor(version: str) -> str:
    major, minor, _ = (int(v) for v in version.split("."))
    return f"{major}.{minor + 1}.0"


def tag_exists(root: Path, tag: str) -> bool:
    proc = subprocess.run(
        ["git", "rev-parse", "-q", "--verify", f"refs/tags/{tag}"], cwd=root, capture_output=True
    )
    return proc.returncode == 0


def next_version(root: Path, lines: list[str], kind: str, current: str) -> tuple[str, str | None]:
    """The package's version after pinning, and the weights its pin bullet replaced when this is
    a re-pin of an unreleased entry (None for a fresh bump). An entry is released when its tag
    exists, or when work is recorded after it ([Unreleased] above it: Keep a Changelog puts the
    work since the last release there), as in a checkout without the release tags."""
    entry = changelog.find(lines, kind, current)
    bullet = entry.pin_bullet(lines) if entry else None
    released = tag_exists(root, TAG_PREFIX[kind] + current) or (
        changelog.find(lines, kind, "Unreleased") is not None
    )
    if bullet is not None and not released:
        return current, changelog.PIN_BULLET.match(lines[bullet]).group("was")
    return bump_minor(current), None


def figures(root: Path, version: str) -> dict:
    """The recorded figures of a published version (verify recomputed them from MNIST):
    accuracies in basis points (1/100 of a percentage point: exact integers), sizes in bytes."""
    card = read_json(root, layout.in_repository(version, layout.CARD))
    try:
        model = (root / layout.in_repository(version, layout.MODEL)).read_bytes()
    except OSError as e:
        raise PinError(f"{layout.in_repository(version)}: cannot read ({e.strerror})") from None
    try:
        return {
            "int8": round(10000 * float(card["int8Accuracy"])),
            "shift3": round(10000 * float(card["shiftRobustness"]["3"])),
            "bytes": len(model),
            "gzip": len(gzip.compress(model, 9, mtime=0)),
        }
    except (KeyError, TypeError, ValueError):
        raise PinError(
            f"{layout.in_repository(version, layout.CARD)}: needs int8Accuracy and "
            "shiftRobustness['3']"
        ) from None


def pin_bullet(kind: str, version: str, was: str, root: Path) -> str:
    new, old = figures(root, version), figures(root, was) if was != "none" else None
    verb = "pinned" if kind == "engine" else "bundled"
    said = f"- Weights `{version}` {verb}, replacing `{was}`"
    said += "" if kind == "engine" else " as what `digitnet.pretrained()` returns"
    said += f": int8 test accuracy {percent(new['int8'])}"
    said += f" (was {percent(old['int8'])})" if old else ""
    said += f", {percent(new['shift3'])} on test digits shifted by 3 px"
    return said + (f" (was {percent(old['shift3'])})." if old else ".")


def regressions(root: Path, version: str, was: str) -> list[str]:
    """Each accuracy of `version` more than 0.05 points below `was`'s, said in one phrase."""
    if was == "none":
        return []
    return worse(figures(root, version), figures(root, was))


def package_files(root: Path, version: str, sha: str, engine: str) -> dict[str, bytes]:
    package, lock = read_json(root, PACKAGE_JSON), read_json(root, PACKAGE_LOCK)
    package["version"] = engine
    package.setdefault("digitnet", {}).update(weightsVersion=version, weightsSha256=sha)
    lock["version"] = engine
    try:
        lock["packages"][""]["version"] = engine
    except (KeyError, TypeError):
        raise PinError(f'{PACKAGE_LOCK}: no packages[""] entry (run npm install in js/)') from None
    return {PACKAGE_JSON: dump_json(package), PACKAGE_LOCK: dump_json(lock)}


def init_file(root: Path, python: str) -> tuple[str, bytes]:
    text = (root / INIT).read_text(encoding="utf-8")
    if len(INIT_VERSION.findall(text)) != 1:
        raise PinError(f'{INIT}: expected one __version__ = "X.Y.Z" line')
    return INIT_VERSION.search(text).group(1), INIT_VERSION.sub(
        f'__version__ = "{python}"', text
    ).encode()


def bundled(root: Path) -> list[str]:
    folder = root / BUNDLED
    found = (
        [p.name for p in folder.iterdir() if VERSION.fullmatch(p.name)] if folder.is_dir() else []
    )
    return sorted(found, key=version_key)


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(x) for x in version.split("."))


def bundle_drop(root: Path, version: str, repin_was: str | None) -> str | None:
    """The bundled copy to remove: an unreleased pin's that this re-pin replaces (None if none).
    Refuses weights older than a version the package keeps: `digitnet.pretrained()` returns the
    newest bundled, which must be the pin."""
    now = bundled(root)
    drop = now[-1] if repin_was and now and now[-1] not in (repin_was, version) else None
    kept = [v for v in now if v not in (drop, version)]
    if kept and version_key(kept[-1]) > version_key(version):
        raise PinError(
            f"weights {version} are older than {kept[-1]}, which the Python package bundles "
            "(digitnet.pretrained() returns the newest): publish them as a newer version"
        )
    return drop


def plan(root: Path, version: str, today: str) -> tuple[dict[str, bytes], str | None, list[str]]:
    """Every file pin writes, with its new bytes; the bundled version folder it removes; what to
    tell the user."""
    model = (root / layout.in_repository(version)).read_bytes()
    sha = sha256(model)
    lines = changelog.read(root)
    package = read_json(root, PACKAGE_JSON)
    current_py, _ = init_file(root, "0.0.0")
    engine, engine_was = next_version(root, lines, "engine", package["version"])
    python, python_was = next_version(root, lines, "python", current_py)
    drop = bundle_drop(root, version, python_was)
    engine_was = engine_was or package.get("digitnet", {}).get("weightsVersion", "none")
    python_was = python_was or (bundled(root) or ["none"])[-1]
    notes = [
        f"@digitnet/engine {package['version']} -> {engine}, digitnet {current_py} -> {python}"
    ]
    for kind, was in (("engine", engine_was), ("python", python_was)):
        bumped = engine if kind == "engine" else python
        edit_changelog(lines, kind, bumped, pin_bullet(kind, version, was, root), today)
        for said in regressions(root, version, was):
            notes.append(
                f"warning: {said} (weights {was}): release_check refuses {kind} {bumped} "
                f"unless its {changelog.PATH} entry says why: '- Accuracy regression: ...'"
            )
    files = {
        "js/model.json": model,
        "js/card.json": (root / layout.in_repository(version, layout.CARD)).read_bytes(),
        WEIGHTS_MODULE: weights_module(version, model),
        f"{BUNDLED}/{version}/model.json": model,
        **package_files(root, version, sha, engine),
        INIT: init_file(root, python)[1],
        changelog.PATH: ("\n".join(lines) + "\n").encode(),
    }
    for rel, blocks in readme_blocks(version, sha, figures(root, version)).items():
        text = (root / rel).read_text(encoding="utf-8")
        for name, content in blocks.items():
            text = replace_marked(text, name, content, rel)
        files[rel] = text.encode()
    if drop:
        notes.append(f"removed {BUNDLED}/{drop}: the unreleased pin that {version} replaces")
    return files, drop, notes


def pin(root: Path, version: str, data_dir: str | None = None, verify=run_verify, today=None):
    """Pin `version`; the lines to print. Raises PinError before writing anything."""
    if not VERSION.fullmatch(version):
        raise PinError(f"version {version!r}: expected X.Y.Z")
    published = read_json(root, INDEX).get("weights", {})
    if version not in published:
        listed = ", ".join(sorted(published)) or "none"
        raise PinError(f"weights {version} are not published in {INDEX} (published: {listed})")
    if read_json(root, PACKAGE_JSON).get("digitnet", {}).get("weightsVersion") == version:
        raise PinError(f"weights {version} are already pinned ({PACKAGE_JSON})")
    today = today or datetime.datetime.now(datetime.timezone.utc).date().isoformat()
    try:
        files, drop, notes = plan(root, version, today)  # every refusal before the slow verify
    except changelog.ChangelogError as e:
        raise PinError(str(e)) from None
    verified = verify(root / layout.DEFAULT_DEST, data_dir)
    for rel, data in files.items():
        atomic_write(root / rel, data)
    if drop:
        shutil.rmtree(root / BUNDLED / drop)
    return [*verified, *notes, f"pinned weights {version}: wrote {', '.join(files)}"]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="pin", description=__doc__.splitlines()[0])
    p.add_argument("version", help="a published weights version, X.Y.Z")
    p.add_argument("--data", help="the MNIST folder for verify (default: the verified cache)")
    p.add_argument("--root", type=Path, default=ROOT, help="the repository (default: this one)")
    p.add_argument("--date", help="the CHANGELOG date (default: today, UTC)")
    args = p.parse_args(argv)
    try:
        said = pin(args.root, args.version, args.data, today=args.date)
    except PinError as e:
        print(f"pin: error: {e}", file=sys.stderr)
        return 2
    print("\n".join(said))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
