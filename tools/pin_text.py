"""What `nox -s pin` writes besides the files it copies: the CHANGELOG bullet and entry, the
README blocks it owns (between `<!-- pin:NAME -->` and `<!-- /pin:NAME -->`), js/src/weights.js,
and how it says an accuracy fell. pin.py plans and writes them."""

from __future__ import annotations

import base64
import hashlib
import re

from digitnet_tools import changelog

REGRESSION_BASIS_POINTS = 5  # 0.05 percentage points: the release gate's tolerance


class PinError(Exception):
    """Pinning is refused; one line naming the problem."""


def percent(basis_points: int) -> str:
    return f"{basis_points / 100:.2f} %"


ACCURACIES = {"int8": "int8 test accuracy", "shift3": "accuracy on test digits shifted by 3 px"}


def worse(new: dict, old: dict) -> list[str]:
    """Each accuracy (basis points) of `new` more than 0.05 points below `old`'s, in one phrase."""
    return [
        f"{name} {percent(new[k])} < {percent(old[k])}"
        for k, name in ACCURACIES.items()
        if new[k] < old[k] - REGRESSION_BASIS_POINTS
    ]


def edit_changelog(lines: list[str], kind: str, version: str, bullet: str, today: str) -> None:
    """Put the pin bullet in the package's entry for `version`, creating the entry if needed."""
    entry = changelog.find(lines, kind, version)
    if entry is not None:
        at = entry.pin_bullet(lines)
        if at is None:
            raise PinError(f"{changelog.PATH}: {kind} {version} is already a release entry")
        lines[at] = bullet
        return
    unreleased = changelog.find(lines, kind, "Unreleased")
    if unreleased is not None:  # the work since the last release becomes this release
        lines[unreleased.heading] = f"### [{version}] - {today}"
        body = unreleased.body(lines)
        changed = next((n for n, line in enumerate(body) if line.strip() == "#### Changed"), None)
        if changed is None:
            at = unreleased.end
            while at > unreleased.heading + 1 and not lines[at - 1].strip():
                at -= 1
            lines[at:at] = ["", "#### Changed", "", bullet]
        else:
            lines.insert(unreleased.heading + 1 + changed + 2, bullet)
        return
    start, _ = changelog.section(lines, kind)
    lines[start + 1 : start + 1] = [
        "",
        f"### [{version}] - {today}",
        "",
        "#### Changed",
        "",
        bullet,
    ]


def replace_marked(text: str, name: str, content: str, where: str) -> str:
    """Rewrite what sits between `<!-- pin:NAME -->` and `<!-- /pin:NAME -->` (pin's lines)."""
    pattern = re.compile(rf"(<!-- pin:{name} -->)(.*?)(<!-- /pin:{name} -->)", re.S)
    if len(pattern.findall(text)) != 1:
        raise PinError(f"{where}: expected one <!-- pin:{name} --> ... <!-- /pin:{name} --> block")
    return pattern.sub(lambda m: m.group(1) + content + m.group(3), text)


def readme_blocks(version: str, sha: str, fig: dict) -> dict[str, dict[str, str]]:
    """Each README's pin-owned blocks, by file and block name."""
    size = f"{fig['bytes']:,} bytes, {fig['gzip'] / 1024:.1f} KiB gzipped"
    accuracy = (
        f"int8 test accuracy {percent(fig['int8'])}, {percent(fig['shift3'])} on test digits "
        "shifted by 3 px"
    )
    pin_json = f'"digitnet": {{ "weightsVersion": "{version}", "weightsSha256": "{sha[:8]}..." }}'
    return {
        "README.md": {
            "engine": f"The engine pins weights **{version}** ({accuracy}; `model.json` {size}).",
        },
        "js/README.md": {
            "size": f"The package's weights are `@digitnet/engine/model.json` ({size}).",
            "json": f"\n```json\n{pin_json}\n```\n",
            "accuracy": f"({percent(fig['int8'])} for {version})",
        },
        "python/README.md": {
            "python": (
                f"The package bundles weights **{version}** ({accuracy}): "
                f'`digitnet.pretrained()` loads them, `digitnet.pretrained("{version}")` names '
                "them."
            ),
        },
    }


def weights_module(version: str, model: bytes) -> bytes:
    """js/src/weights.js: the pinned model.json's version, its Subresource Integrity string (what
    a page hands to `fetch(url, { integrity })`) and its size."""
    integrity = "sha256-" + base64.b64encode(hashlib.sha256(model).digest()).decode("ascii")
    return (
        "// Written by `nox -s pin` (tools/pin.py): the pinned model.json, for\n"
        "// fetch(url, { integrity: weights.integrity }); release_check compares it with it.\n"
        "export const weights = {\n"
        f"  version: '{version}',\n"
        f"  integrity: '{integrity}',\n"
        f"  bytes: {len(model)},\n"
        "};\n"
    ).encode()
