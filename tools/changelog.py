"""CHANGELOG.md as `nox -s pin` writes it and `nox -s release_check` reads it.

One `## ` section per package, each release a `### [X.Y.Z] - YYYY-MM-DD` heading, newest first
(an `### [Unreleased]` heading may sit on top). A release names the weights it pins in a bullet
``- Weights `X.Y.Z` ...``; pin's own bullets go on ``, replacing `A.B.C` ...`` (which marks an
entry that pin may rewrite while its version is unreleased); a release that lowers accuracy says
why in a bullet ``- Accuracy regression: ...``. The rules are repeated at the top of the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

PATH = "CHANGELOG.md"
SECTIONS = {"engine": "## @digitnet/engine", "python": "## digitnet (Python)"}
HEADING = re.compile(r"### \[(?P<version>[^\]]+)\](?: - (?P<date>.+))?\s*$")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
WEIGHTS = re.compile(r"- Weights `(?P<version>\d+\.\d+\.\d+)`")
PIN_BULLET = re.compile(
    r"- Weights `(?P<version>\d+\.\d+\.\d+)` (?:pinned|bundled), replacing `(?P<was>[^`]+)`"
)
# A regression must say why: a few words after the colon, not an empty placeholder.
REGRESSION = re.compile(r"- Accuracy regression: \S.{9,}")


class ChangelogError(Exception):
    """CHANGELOG.md is missing or not laid out as its rules say; one line naming the problem."""


@dataclass
class Release:
    version: str  # "X.Y.Z" or "Unreleased"
    date: str | None
    heading: int  # index of the heading line
    end: int  # index one past the release's last line

    def body(self, lines: list[str]) -> list[str]:
        return lines[self.heading + 1 : self.end]

    def weights(self, lines: list[str]) -> str | None:
        """The weights version the release names, if it names one."""
        for line in self.body(lines):
            found = WEIGHTS.match(line)
            if found:
                return found.group("version")
        return None

    def pin_bullet(self, lines: list[str]) -> int | None:
        """The index of the bullet `nox -s pin` wrote, if any."""
        for i in range(self.heading + 1, self.end):
            if PIN_BULLET.match(lines[i]):
                return i
        return None

    def states_regression(self, lines: list[str]) -> bool:
        return any(REGRESSION.match(line) for line in self.body(lines))


def read(root: Path) -> list[str]:
    try:
        return (root / PATH).read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise ChangelogError(f"{PATH}: cannot read ({e.strerror})") from None


def section(lines: list[str], kind: str) -> tuple[int, int]:
    """The [start, end) line range of a package's section (start is its `## ` heading)."""
    title = SECTIONS[kind]
    starts = [i for i, line in enumerate(lines) if line.strip() == title]
    if len(starts) != 1:
        raise ChangelogError(f"{PATH}: expected one {title!r} section, found {len(starts)}")
    start = starts[0]
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), None)
    return start, len(lines) if end is None else end


def releases(lines: list[str], kind: str) -> list[Release]:
    """The section's releases in file order (newest first)."""
    start, end = section(lines, kind)
    heads = [i for i in range(start + 1, end) if lines[i].startswith("### ")]
    found = []
    for n, i in enumerate(heads):
        match = HEADING.match(lines[i])
        if not match:
            raise ChangelogError(f"{PATH}:{i + 1}: expected '### [X.Y.Z] - YYYY-MM-DD'")
        stop = heads[n + 1] if n + 1 < len(heads) else end
        found.append(Release(match.group("version"), match.group("date"), i, stop))
    return found


def find(lines: list[str], kind: str, version: str) -> Release | None:
    return next((r for r in releases(lines, kind) if r.version == version), None)


def older(lines: list[str], kind: str, version: str) -> list[Release]:
    """The dated releases below `version`'s heading (or all of them when it has none)."""
    listed = releases(lines, kind)
    index = next((n for n, r in enumerate(listed) if r.version == version), None)
    below = listed if index is None else listed[index + 1 :]
    return [r for r in below if r.version != "Unreleased" and r.date and DATE.fullmatch(r.date)]


def weights_of(lines: list[str], kind: str, version: str) -> str | None:
    """The weights `version` pins: named in its entry, or else in the nearest older one."""
    current = find(lines, kind, version)
    chain = ([current] if current else []) + older(lines, kind, version)
    for release in chain:
        named = release.weights(lines)
        if named:
            return named
    return None


def previous_weights(lines: list[str], kind: str, version: str) -> tuple[str, str] | None:
    """(release, weights) of the newest release before `version` that names its weights."""
    for release in older(lines, kind, version):
        named = release.weights(lines)
        if named:
            return release.version, named
    return None
