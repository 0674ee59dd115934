"""`nox -s release_check [-- TAG]`: what must hold before a release, one function per check.

    python tools/release_check.py [engine-vX.Y.Z | py-vX.Y.Z] [--skip CHECK ...] [--root DIR]

Every check takes the repository root and returns a one-line summary, or raises CheckFailed with
one line per problem, each naming the file and what is wrong. The release workflow runs this on
the pushed tag, after the tag's tests, and publishes only when every check passes.

The checks: the tag names the package's version; the pin (js/package.json) names published
weights that js/model.json and js/card.json are; package-lock.json agrees with package.json; the
Python package bundles the pinned weights byte for byte (and the LICENSE copies match); all of
that is committed; CHANGELOG.md has a dated entry for the version being released that names the
pinned weights; those weights are not less accurate than the previous release's (int8 test
accuracy and 3 px shifts as `digitnet verify`'s full check recomputes them from the test data,
never as a file records them; 0.05 points of slack) unless the entry says why; no published file
changed; parity; the packages build, install fresh and reproduce the parity digits.
`nox -s pin -- X.Y.Z` (tools/pin.py) writes what the pin, lock, bundled and CHANGELOG checks read.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

from digitnet import layout, verify
from digitnet.errors import DigitnetError
from digitnet.storage import sha256
from digitnet_tools import changelog, pin

# isort: split
# (tools/dist.py: ruff would take `dist` for a first-party package whenever a build left dist/.)
from digitnet_tools import dist

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


def check_changelog(root: Path, tag: str | None) -> str:
    """i. CHANGELOG.md has a dated entry for the version being released, naming its weights."""
    lines = changelog.read(root)
    problems, said = [], []
    for kind, version in releasing(root, tag):
        title = changelog.SECTIONS[kind]
        entry = changelog.find(lines, kind, version)
        if entry is None:
            problems.append(f"{changelog.PATH}: no '### [{version}] - YYYY-MM-DD' under {title!r}")
            continue
        if not entry.date or not changelog.DATE.fullmatch(entry.date):
            problems.append(f"{changelog.PATH}:{entry.heading + 1}: {version} has no release date")
        if not any(line.startswith("- ") for line in entry.body(lines)):
            problems.append(f"{changelog.PATH}:{entry.heading + 1}: {version} lists no change")
        named, pinned = changelog.weights_of(lines, kind, version), pinned_weights(root, kind)
        if named != pinned:
            problems.append(
                f"{changelog.PATH}: {title[3:]} {version} names weights {named}, but the package "
                f"pins {pinned} (add '- Weights `{pinned}` ...'; nox -s pin does)"
            )
        said.append(f"{title[3:]} {version}")
    fail_if(problems)
    return f"{changelog.PATH} has {' and '.join(said)}"


def recomputed_figures(root: Path, versions: list[str], data_dir: str | None) -> dict:
    """verify's full check of the versions compared, and the figures it recomputed from the test
    data their metadata names (never what a card or the index says), in basis points."""
    try:
        got = verify.recomputed(root / FIXTURES, versions, data_dir)
    except DigitnetError as e:
        raise CheckFailed(f"digitnet verify: {e}") from None
    return {
        v: {
            "int8": round(10000 * f["int8Accuracy"]),
            "shift3": round(10000 * f["shiftRobustness"]["3"]),
        }
        for v, f in got.items()
    }


def check_accuracy(root: Path, tag: str | None, data_dir: str | None = None) -> str:
    """j. The pinned weights are not less accurate than the previous release's (int8 test
    accuracy, test digits shifted by 3 px; 0.05 points of slack) unless the entry says why; both
    recomputed by verify's full check (`data_dir`: the test data, default MNIST)."""
    lines = changelog.read(root)
    problems, said = [], []
    for kind, version in releasing(root, tag):
        pinned, previous = (
            pinned_weights(root, kind),
            changelog.previous_weights(lines, kind, version),
        )
        name = changelog.SECTIONS[kind][3:]
        if previous is None:
            said.append(f"{name} {version}: no earlier release to compare with")
            continue
        release, was = previous
        figures = recomputed_figures(root, sorted({pinned, was}), data_dir)
        worse = pin.worse(figures[pinned], figures[was])
        entry = changelog.find(lines, kind, version)
        if not worse:
            said.append(
                f"{name} {version}: weights {pinned} at least as accurate as {was} ({release})"
            )
        elif entry is not None and entry.states_regression(lines):
            said.append(f"{name} {version}: weights {pinned} below {was}, and its entry says why")
        else:
            problems.append(
                f"fixtures/weights/{pinned}: {name} {version} pins weights less accurate than "
                f"{was}, pinned by {name} {release}: {'; '.join(worse)} (more than 0.05 points); "
                f"pin better weights or say why in its {changelog.PATH} entry: "
                "'- Accuracy regression: ...'"
            )
    fail_if(problems)
    return "; ".join(said)


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
    if parts[:2] != [layout.DEFAULT_DEST, layout.WEIGHTS] or len(parts) != 4:
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
            layout.in_repository(version, name)
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
