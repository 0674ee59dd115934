"""release_check.py's checks against the repository's history: the CHANGELOG entry, accuracy not
below the previous release's (recomputed by verify), and published fixtures unchanged since
the release (or the commit) that published them."""

from __future__ import annotations

import json
from pathlib import Path

from digitnet import layout, verify
from digitnet.errors import DigitnetError
from digitnet_tools import changelog, pin
from digitnet_tools.release_base import (
    FIXTURES,
    INDEX,
    PUBLISHED,
    RELEASE_TAGS,
    CheckFailed,
    fail_if,
    git,
    git_blob,
    git_out,
    pinned_weights,
    read_json,
    releasing,
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
