"""`python -m digitnet.parity`: the cross-language parity check (what `nox -s parity` runs).

The harness, tools/parity/parity_check.py, compares the JS engine with this package's reference
on the repository's fixtures, so it needs a source checkout (js/ and fixtures/) and is not part
of the wheel: it is in the development tools package, `digitnet_tools` (tools/, installed with
`pip install -e tools` from a checkout, as nox does). Without it, this module says in one line
that it needs the repository.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    try:
        from digitnet_tools.parity import parity_check
    except ImportError:
        print(
            "python -m digitnet.parity: error: needs the digitnet repository (a source checkout "
            "with js/, fixtures/ and tools/parity/, its tools installed with `pip install -e "
            "tools`): run it from one, as `nox -s parity` does",
            file=sys.stderr,
        )
        return 2
    return parity_check.main(argv)


if __name__ == "__main__":
    raise SystemExit(main())
