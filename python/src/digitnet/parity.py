"""`python -m digitnet.parity`: the cross-language parity check (what `nox -s parity` runs).

The harness, tools/parity/parity_check.py, compares the JS engine with this package's reference
on the repository's fixtures, so it needs a source checkout (js/ and fixtures/) and is not part
of the wheel. From a checkout (an editable install), this module runs it; installed on its own,
it says in one line that it needs the repository.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

HARNESS = Path(__file__).resolve().parents[3] / "tools" / "parity" / "parity_check.py"


def main(argv: list[str] | None = None) -> int:
    if not HARNESS.is_file():
        print(
            "python -m digitnet.parity: error: needs the digitnet repository (a source checkout "
            "with js/, fixtures/ and tools/parity/): run it from one, as `nox -s parity` does",
            file=sys.stderr,
        )
        return 2
    harness = runpy.run_path(str(HARNESS), run_name="digitnet_parity_check")
    return harness["main"](argv)


if __name__ == "__main__":
    raise SystemExit(main())
