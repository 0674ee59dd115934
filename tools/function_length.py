"""`nox -s lint`: no Python function longer than 60 lines and no module longer than 300, in the
package, tools/, bench/ and the noxfile (js/biome.json sets the same limits for JavaScript).

    python tools/function_length.py [--max N] [--max-module N] [PATH ...]

A function's length is from its `def` line (decorators excluded) to its last line, nested
functions included; a module's is its number of lines. Tests are not held to the module limit
(python/tests is not among the paths): a test file is a list of independent cases about one
module, and splitting it by length would scatter them. Prints one line per function or module
over its limit, `path:line: name is N lines (limit 60)` or `path: N lines (limit 300)`, and
exits 1 when there is any.
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIMIT = 60
MODULE_LIMIT = 300  # a module that needs more is doing two jobs
DEFAULT_PATHS = ("python/src/digitnet", "tools", "bench", "noxfile.py")


def python_files(paths: list[Path]) -> list[Path]:
    """The .py files under each path (a file stands for itself), outside node_modules."""
    files = []
    for path in paths:
        found = [path] if path.is_file() else sorted(path.rglob("*.py"))
        files += [f for f in found if "node_modules" not in f.parts]
    return files


def long_functions(path: Path, limit: int) -> list[str]:
    """One message per function or method in `path` longer than `limit` lines."""
    tree = ast.parse(path.read_bytes(), filename=str(path))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            length = node.end_lineno - node.lineno + 1
            if length > limit:
                out.append(f"{path}:{node.lineno}: {node.name} is {length} lines (limit {limit})")
    return out


def long_module(path: Path, limit: int) -> list[str]:
    """A message if the module `path` is longer than `limit` lines."""
    length = len(path.read_bytes().splitlines())
    return [f"{path}: {length} lines (limit {limit})"] if length > limit else []


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python tools/function_length.py", description=__doc__)
    p.add_argument("paths", nargs="*", type=Path)
    p.add_argument("--max", type=int, default=LIMIT, help=f"per function (default {LIMIT})")
    p.add_argument("--max-module", type=int, default=MODULE_LIMIT, help="per module (300)")
    args = p.parse_args(argv)
    paths = args.paths or [ROOT / d for d in DEFAULT_PATHS]
    files = python_files(paths)
    problems = [m for f in files for m in long_functions(f, args.max)]
    problems += [m for f in files for m in long_module(f, args.max_module)]
    for m in problems:
        print(m)
    if problems:
        return 1
    print(
        f"length: {len(files)} files, every function <= {args.max} lines, "
        f"every module <= {args.max_module}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
