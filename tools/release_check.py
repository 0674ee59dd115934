"""`nox -s release_check [-- TAG]`: what must hold before a release, one function per check.

    python tools/release_check.py [engine-vX.Y.Z | py-vX.Y.Z] [--skip CHECK ...] [--root DIR]

Every check takes the repository root and returns a one-line summary, or raises CheckFailed with
one line per problem, each naming the file and what is wrong. The release workflow runs this on
the pushed tag and publishes only when every check passes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import dist

ROOT = Path(__file__).resolve().parents[1]
TAG = re.compile(r"(engine|py)-v(\d+\.\d+\.\d+)")  # X.Y.Z, as every version here
RELEASE_TAGS = ("engine-v*", "py-v*")
PUBLISHED = ("fixtures/weights", "fixtures/preprocess")  # published files never change
PACKAGE_JSON = "js/package.json"
INIT = "python/src/digitnet/__init__.py"
INDEX = "fixtures/index.json"


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


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def init_version(root: Path) -> str:
    try:
        text = (root / INIT).read_text(encoding="utf-8")
    except OSError as e:
        raise CheckFailed(f"{INIT}: cannot read ({e.strerror})") from None
    found = re.search(r"^__version__\s*=\s*[\"']([^\"']+)[\"']", text, re.M)
    if not found:
        raise CheckFailed(f'{INIT}: no __version__ = "X.Y.Z" line')
    return found.group(1)


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
    fixture = f"fixtures/weights/{version}/model.json"
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
    # The model card ships beside the model when the package has one: the published card too.
    card = f"fixtures/weights/{version}/card.json"
    shipped_card = read_or_none(root / "js" / "card.json")
    if shipped_card is not None and shipped_card != read_or_none(root / card):
        problems.append(f"js/card.json: differs from {card}; copy {card} there")
    fail_if(problems)
    return f"weights {version} pinned, listed and shipped as js/model.json (SHA-256 {sha[:12]}...)"


def previous_release(root: Path) -> str | None:
    """The newest release tag behind HEAD (tags on HEAD itself are the release being made)."""
    at_head = git_out(root, "tag", "--points-at", "HEAD").split()
    matches = [arg for pattern in RELEASE_TAGS for arg in ("--match", pattern)]
    excludes = [arg for tag in at_head for arg in ("--exclude", tag)]
    proc = git(root, "describe", "--tags", "--abbrev=0", *matches, *excludes, "HEAD")
    return proc.stdout.decode().strip() if proc.returncode == 0 else None


def published_files(root: Path, rev: str) -> list[str]:
    out = git_out(root, "ls-tree", "-r", "--name-only", rev, "--", *PUBLISHED)
    return out.splitlines()


def listed_in_index(index: dict, path: str) -> bool:
    """Whether fixtures/weights/<version>/<name> is in the index (other published files are not
    listed there)."""
    parts = path.split("/")
    if parts[:2] != ["fixtures", "weights"] or len(parts) != 4:
        return True
    return parts[3] in index.get("weights", {}).get(parts[2], {}).get("files", {})


def first_entries(root: Path) -> dict[str, tuple[dict, str]]:
    """Each weights version's index entry as first committed, and that commit."""
    entries: dict[str, tuple[dict, str]] = {}
    for rev in git_out(root, "log", "--reverse", "--format=%H", "--", INDEX).split():
        try:
            weights = json.loads(git_blob(root, rev, INDEX)).get("weights", {})
        except ValueError:
            continue
        for version, entry in weights.items():
            entries.setdefault(version, (entry, rev))
    return entries


def check_published(root: Path) -> str:
    """c. No published fixture (nor its index entry) differs from the previous release, or before
    the first release from the commit that first added it; published weights are still listed."""
    if git_out(root, "rev-parse", "--is-shallow-repository").strip() == "true":
        raise CheckFailed("shallow clone: fetch the full history and tags (fetch-depth: 0)")
    index = read_json(root, INDEX)
    base = previous_release(root)
    if base is not None:
        # Each file and index entry of the previous release, against that release.
        sources = [(path, base, f"release {base}") for path in published_files(root, base)]
        weights = json.loads(git_blob(root, base, INDEX)).get("weights", {})
        entries = {version: (entry, f"release {base}") for version, entry in weights.items()}
    else:
        # No release yet: each listed or committed file, against the commit that first added it.
        listed = {
            f"fixtures/weights/{version}/{name}"
            for version, entry in index.get("weights", {}).items()
            for name in entry.get("files", {})
        }
        tracked = git_out(root, "ls-files", "--", *PUBLISHED).splitlines()
        sources = []
        for path in sorted(listed | set(tracked)):
            added = git_out(root, "log", "--diff-filter=A", "--format=%H", "--", path).split()
            if added:  # a file never committed is not published yet
                sources.append((path, added[-1], f"commit {added[-1][:10]}, which first added it"))
        entries = {
            version: (entry, f"commit {rev[:10]}, which first listed it")
            for version, (entry, rev) in first_entries(root).items()
        }
    problems = []
    for path, rev, where in sources:
        then = git_blob(root, rev, path)
        if not (root / path).is_file():
            problems.append(f"{path}: missing; it was published in {where}")
        elif (root / path).read_bytes() != then:
            problems.append(
                f"{path}: differs from {where} (published files never change; "
                "export a new weights version instead)"
            )
        elif not listed_in_index(index, path):
            problems.append(f"{path}: no longer listed in {INDEX}")
    for version, (entry, where) in sorted(entries.items()):
        now = index.get("weights", {}).get(version)
        if now != entry:
            what = "no longer lists" if now is None else "changed the entry of"
            problems.append(f"{INDEX}: {what} weights {version} (as published in {where})")
    fail_if(problems)
    against = f"release {base}" if base else "the commits that first added them (no release yet)"
    entries_said = f"{len(entries)} index entr{'y' if len(entries) == 1 else 'ies'}"
    return f"{len(sources)} published files and {entries_said} unchanged since {against}"


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


CHECKS = {
    "tag": lambda root, tag: check_tag(root, tag),
    "pin": lambda root, tag: check_pin(root),
    "published": lambda root, tag: check_published(root),
    "parity": lambda root, tag: check_parity(root),
    "packages": check_packages,
}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="release_check", description=__doc__.splitlines()[0])
    p.add_argument("tag", nargs="?", help="the tag being released: engine-vX.Y.Z or py-vX.Y.Z")
    p.add_argument("--skip", action="append", default=[], choices=sorted(CHECKS))
    p.add_argument("--root", type=Path, default=ROOT, help="the repository (default: this one)")
    args = p.parse_args(argv)
    failed = []
    for name, check in CHECKS.items():
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
