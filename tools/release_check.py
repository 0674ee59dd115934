"""`nox -s release_check [-- TAG]`: what must hold before a release, one function per check.

    python tools/release_check.py [engine-vX.Y.Z | py-vX.Y.Z] [--skip CHECK ...] [--root DIR]

Each check takes the repository root and returns a one-line summary, or raises CheckFailed, a
line per problem naming the file; the release workflow runs them on the pushed tag. Checks: the
tag names the package's version; the pin (js/package.json) names published weights that
js/model.json and js/card.json are; the lock agrees with package.json; the Python package
bundles the pinned weights byte for byte (and the LICENSE copies match); all of that is
committed; release_history.py: CHANGELOG.md names the pinned weights in a dated entry, they are
not less accurate than the previous release's (as verify recomputes them; 0.05 points of slack)
unless the entry says why, no published file changed; parity; the packages build, install and
reproduce the parity digits. `nox -s pin` writes what pin, lock, bundled and CHANGELOG read.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from digitnet import layout
from digitnet.storage import sha256
from digitnet_tools import changelog, pin

# isort: split
# (tools/dist.py: ruff would take `dist` for a first-party package whenever a build left dist/.)
from digitnet_tools import dist
from digitnet_tools.release_base import (
    BUNDLED,
    INDEX,
    INIT,
    LICENSES,
    PACKAGE_JSON,
    PACKAGE_LOCK,
    ROOT,
    TAG,
    WEIGHTS_MODULE,
    CheckFailed,
    bundled_versions,
    fail_if,
    git,
    init_version,
    js_pin,
    read_json,
    read_or_none,
    weights_module,
)
from digitnet_tools.release_history import check_accuracy, check_changelog, check_published


def check_tag(root: Path, tag: str | None) -> str:
    """a. The tag names the version the package declares (pyproject.toml reads __init__'s)."""
    py, js = init_version(root), read_json(root, PACKAGE_JSON)
    if tag is None:
        return f"no tag given; Python package {py}, npm package {js.get('version')}"
    match = TAG.fullmatch(tag)
    if not match:
        raise CheckFailed(f"tag {tag!r}: expected engine-vX.Y.Z or py-vX.Y.Z")
    kind, version = match.groups()
    rel, found = (PACKAGE_JSON, js.get("version")) if kind == "engine" else (INIT, py)
    if found != version:
        raise CheckFailed(f"{rel}: version is {found}, tag {tag} needs {version}")
    return f"{tag} matches the {'npm' if kind == 'engine' else 'Python'} package version {version}"


def check_pin(root: Path) -> str:
    """b. The pinned weights are published with the pinned SHA-256, and js/model.json is them."""
    pin = read_json(root, PACKAGE_JSON).get("digitnet")
    if not isinstance(pin, dict) or not {"weightsVersion", "weightsSha256"} <= pin.keys():
        raise CheckFailed(f'{PACKAGE_JSON}: needs "digitnet": {{weightsVersion, weightsSha256}}')
    version, sha = pin["weightsVersion"], pin["weightsSha256"]
    entry = read_json(root, INDEX).get("weights", {}).get(version)
    if entry is None:
        raise CheckFailed(
            f"{INDEX}: no weights version {version} (pinned by {PACKAGE_JSON} "
            "digitnet.weightsVersion)"
        )
    listed = entry.get("files", {}).get("model.json", {})
    fixture = layout.in_repository(version)
    problems = []
    if listed.get("sha256") != sha:
        problems.append(
            f"{PACKAGE_JSON}: digitnet.weightsSha256 is {sha}, but {INDEX} lists "
            f"{listed.get('sha256')} for {version}/model.json"
        )
    try:
        published = (root / fixture).read_bytes()
    except OSError as e:
        raise CheckFailed(
            "\n".join([*problems, f"{fixture}: cannot read ({e.strerror})"])
        ) from None
    if sha256(published) != sha:
        problems.append(f"{fixture}: SHA-256 is {sha256(published)}, pinned {sha}")
    if listed.get("size") != len(published):
        problems.append(f"{fixture}: {len(published)} bytes, {INDEX} lists {listed.get('size')}")
    try:
        shipped = (root / "js" / "model.json").read_bytes()
    except OSError as e:
        shipped = None
        problems.append(f"js/model.json: cannot read ({e.strerror}); copy {fixture} there")
    if shipped is not None and shipped != published:
        problems.append(
            f"js/model.json: differs from {fixture} (SHA-256 {sha256(shipped)}, pinned {sha}); "
            f"copy {fixture} there"
        )
    # The model card ships beside the model (the demo and metadata.card read it).
    card = layout.in_repository(version, layout.CARD)
    shipped_card = read_or_none(root / "js" / "card.json")
    if shipped_card is None or shipped_card != read_or_none(root / card):
        what = "missing" if shipped_card is None else "differs from " + card
        problems.append(f"js/card.json: {what}; copy {card} there (nox -s pin does)")
    # `import { weights }`: the integrity a page fetches the model with must be the shipped file's
    if read_or_none(root / WEIGHTS_MODULE) != weights_module(version, published):
        problems.append(
            f"{WEIGHTS_MODULE}: not the version, integrity and size of {fixture} "
            "(nox -s pin writes it)"
        )
    fail_if(problems)
    return f"weights {version} pinned, listed and shipped as js/model.json (SHA-256 {sha[:12]}...)"


def check_lock(root: Path) -> str:
    """f. js/package-lock.json says what js/package.json says (npm ci installs from the lock)."""
    package, lock = read_json(root, PACKAGE_JSON), read_json(root, PACKAGE_LOCK)
    packages = lock.get("packages") if isinstance(lock.get("packages"), dict) else {}
    top = packages.get("", {})
    problems = [
        f"{PACKAGE_LOCK}: {key} is {lock.get(key)!r}, {PACKAGE_JSON} says {package.get(key)!r}"
        for key in ("name", "version")
        if lock.get(key) != package.get(key)
    ]
    keys = ("name", "version", "license", "dependencies", "devDependencies", "engines")
    problems += [
        f'{PACKAGE_LOCK}: packages[""].{key} is {top.get(key)!r}, {PACKAGE_JSON} says '
        f"{package.get(key)!r} (run npm install in js/)"
        for key in keys
        if top.get(key) != package.get(key)
    ]
    for name, spec in {
        **package.get("dependencies", {}),
        **package.get("devDependencies", {}),
    }.items():
        locked = packages.get(f"node_modules/{name}", {}).get("version")
        if locked is None or (pin.VERSION.fullmatch(spec) and locked != spec):
            problems.append(
                f"{PACKAGE_LOCK}: {name} is locked at {locked}, {PACKAGE_JSON} wants {spec}"
            )
    fail_if(problems)
    return f"{PACKAGE_LOCK} agrees with {PACKAGE_JSON} (version {package.get('version')})"


def check_bundled(root: Path) -> str:
    """g. The wheel bundles the pinned weights, each bundled version byte for byte as published,
    and every package ships the repository's LICENSE."""
    versions, pinned = bundled_versions(root), js_pin(root)
    listed = read_json(root, INDEX).get("weights", {})
    problems = []
    for version in versions:
        rel, fixture = f"{BUNDLED}/{version}/model.json", layout.in_repository(version)
        data = read_or_none(root / rel)
        if version not in listed:
            problems.append(f"{rel}: weights {version} are not published in {INDEX}")
        elif data is None:
            problems.append(f"{rel}: missing (the folder is there)")
        elif data != read_or_none(root / fixture):
            problems.append(f"{rel}: differs from {fixture}; copy it (nox -s pin does)")
    if not versions:
        problems.append(f"{BUNDLED}: no bundled weights; run nox -s pin -- {pinned}")
    elif versions[-1] != pinned:
        problems.append(
            f"{BUNDLED}: the newest bundled weights are {versions[-1]}, {PACKAGE_JSON} pins "
            f"{pinned} (run nox -s pin -- {pinned})"
        )
    licence = read_or_none(root / LICENSES[0])
    problems += [
        f"{rel}: differs from {LICENSES[0]} (the package ships a copy)"
        for rel in LICENSES[1:]
        if licence is None or read_or_none(root / rel) != licence
    ]
    fail_if(problems)
    return f"the Python package bundles {', '.join(versions)}; LICENSE in every package"


def committed_files(root: Path) -> list[str]:
    version = js_pin(root)
    files = [layout.in_repository(version, name) for name in layout.VERSION_FILES]
    files += [
        INDEX,
        PACKAGE_JSON,
        PACKAGE_LOCK,
        "js/model.json",
        "js/card.json",
        WEIGHTS_MODULE,
        INIT,
        changelog.PATH,
    ]
    return files + [f"{BUNDLED}/{v}/model.json" for v in bundled_versions(root)]


def check_committed(root: Path) -> str:
    """h. The pinned weights, their index entry and every file that pins them are committed as
    they are: a release is built from the commit, not from a working tree."""
    problems = []
    files = committed_files(root)
    for rel in files:
        at_head = git(root, "cat-file", "blob", f"HEAD:{rel}")
        if at_head.returncode != 0:
            problems.append(f"{rel}: not committed (git add it and commit)")
        elif read_or_none(root / rel) != at_head.stdout:
            problems.append(f"{rel}: differs from the last commit; commit it")
    fail_if(problems)
    return (
        f"weights {js_pin(root)} and the {len(files)} files that publish and pin them are committed"
    )


def check_parity(root: Path, command: list[str] | None = None) -> str:
    """d. The JS engine matches the Python reference on every version, the pinned one included."""
    version = dist.pinned(root)[0]
    command = command or [sys.executable, "-m", "digitnet.parity"]  # tests pass a stand-in
    name = "python -m digitnet.parity"
    proc = subprocess.run(command, cwd=root, capture_output=True, text=True)
    lines = (proc.stdout + proc.stderr).strip().splitlines()
    if proc.returncode != 0 or not any(line.startswith("PARITY OK") for line in lines):
        tail = "\n".join(lines[-12:]) or "(no output)"
        raise CheckFailed(f"{name} exited {proc.returncode}:\n{tail}")
    if not any(line.split()[:1] == [version] for line in lines):
        raise CheckFailed(f"{name}: no row for the pinned weights {version} in its report")
    return next(line for line in lines if line.startswith("PARITY OK"))


def check_packages(root: Path, tag: str | None) -> str:
    """e. The package being released (both without a tag) builds, installs fresh and predicts."""
    match = TAG.fullmatch(tag or "")
    kinds = {"engine": ["npm"], "py": ["python"]}[match.group(1)] if match else ["python", "npm"]
    try:
        report = dist.build_and_smoke(root, kinds)
    except dist.SmokeFailed as e:
        raise CheckFailed(str(e)) from None
    return "\n".join(report)


def changelog_check(check):
    """A CHANGELOG.md that cannot be read or parsed fails the check, in one line."""

    def run(root: Path, tag: str | None) -> str:
        try:
            return check(root, tag)
        except changelog.ChangelogError as e:
            raise CheckFailed(str(e)) from None

    return run


CHECKS = {
    "tag": lambda root, tag: check_tag(root, tag),
    "pin": lambda root, tag: check_pin(root),
    "lock": lambda root, tag: check_lock(root),
    "bundled": lambda root, tag: check_bundled(root),
    "committed": lambda root, tag: check_committed(root),
    "changelog": changelog_check(check_changelog),
    "accuracy": changelog_check(check_accuracy),
    "published": lambda root, tag: check_published(root),
    "parity": lambda root, tag: check_parity(root),
    "packages": check_packages,
}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="release_check", description=__doc__.splitlines()[0])
    p.add_argument("tag", nargs="?", help="the tag being released: engine-vX.Y.Z or py-vX.Y.Z")
    p.add_argument("--skip", action="append", default=[], choices=sorted(CHECKS))
    p.add_argument("--root", type=Path, default=ROOT, help="the repository (default: this one)")
    p.add_argument("--data", help="the test data verify recomputes figures on (default: MNIST)")
    args = p.parse_args(argv)
    accuracy = changelog_check(lambda root, tag: check_accuracy(root, tag, args.data))
    failed = []
    for name, check in {**CHECKS, "accuracy": accuracy}.items():
        if name in args.skip:
            print(f"skipped {name}")
            continue
        try:
            summary = check(args.root, args.tag)
        except Exception as e:  # a check that breaks is a failed check, with what broke it
            failed.append(name)
            said = str(e) if isinstance(e, CheckFailed) else f"{type(e).__name__}: {e}"
            print(f"FAILED  {name}: " + said.replace("\n", "\n        "), flush=True)
        else:
            print(f"ok      {name}: " + summary.replace("\n", "\n        "), flush=True)
    if failed:
        print(f"RELEASE CHECK FAILED: {', '.join(failed)}")
        return 1
    print(f"RELEASE CHECK OK{f' for {args.tag}' if args.tag else ''}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
