"""`nox -s lint`: no JavaScript line over 100 characters, strings included (Biome formats to 100
but leaves long strings alone), in the tracked files Biome checks.

    python tools/long_lines.py             check; print `path:line` of each long line, exit 1
    python tools/long_lines.py --outside   print OUTSIDE, which the noxfile hands Biome too

Checks js/'s .js and .mjs files and OUTSIDE, the JavaScript outside js/ (tracked files only,
the generated ones left out).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_LINE = 100  # as ruff's line-length
GENERATED = ("js/src/kernel.wasm.js", "js/parity/kernels.mjs")  # base64, one line each
OUTSIDE = (  # what Biome and this check look at outside js/ (from the repository's root)
    "tools/conformance/twin.mjs",
    "tools/deno/predict.mjs",
    "examples/check.mjs",
    "examples/node/classify.mjs",
    "examples/vite/src/main.js",
    "examples/worker/main.js",
    "examples/worker/worker.js",
    "python/tests/images/draw.mjs",
)


def long_lines(paths: tuple[str, ...] = OUTSIDE) -> list[str]:
    """path:line of each line over MAX_LINE characters in js/ and the tracked `paths`."""
    listed = subprocess.run(
        ["git", "ls-files", "--", "js/*.js", "js/*.mjs", *paths],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    found = []
    for path in (p for p in listed if p not in GENERATED):
        with open(ROOT / path, encoding="utf-8") as f:
            found += [f"{path}:{n}" for n, line in enumerate(f, 1) if len(line) > MAX_LINE + 1]
    return found


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv == ["--outside"]:
        print("\n".join(OUTSIDE))
        return 0
    found = long_lines(tuple(argv) or OUTSIDE)
    if found:
        print(f"JavaScript lines over {MAX_LINE} characters: {', '.join(found)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
