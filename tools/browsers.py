"""The browsers of nox's e2e, examples and bench sessions (js/e2e/browsers.mjs starts them by these
names): the files each needs and the Debian packages that bring them. Never a browser downloaded
by a tool.

    python tools/browsers.py [--browser NAME ...]

Prints {"names": [...], "missing": [...]}: the browsers named (all three by default) and the
Debian packages of theirs whose files are missing (the noxfile installs them with apt-get when it
can). A bad argument is one line on stderr and exit status 2.
"""

from __future__ import annotations

import json
import os
import sys

BROWSERS = {
    "chromium": {os.environ.get("CHROMIUM", "/usr/bin/chromium"): "chromium"},
    "firefox": {os.environ.get("FIREFOX", "/usr/bin/firefox-esr"): "firefox-esr"},
    "webkit": {
        os.environ.get("WEBKIT_WEBDRIVER", "/usr/bin/WebKitWebDriver"): "webkit2gtk-driver",
        "/usr/bin/Xvfb": "xvfb",  # MiniBrowser needs a display; browsers.mjs starts one
    },
}


def chosen(argv: list[str]) -> list[str]:
    """The browsers `--browser NAME ...` names, each one given; all of them when none is."""
    args, names = list(argv), []
    while args:
        flag = args.pop(0)
        if flag != "--browser" or not args:
            raise ValueError(
                f"expected --browser NAME, got {flag!r} (names: {', '.join(BROWSERS)})"
            )
        names.append(args.pop(0))
    for name in names:
        if name not in BROWSERS:
            raise ValueError(f"unknown browser {name!r}; known: {', '.join(BROWSERS)}")
    return names or list(BROWSERS)


def missing(names: list[str]) -> list[str]:
    """The Debian packages of `names` whose files are not there."""
    return sorted({p for n in names for path, p in BROWSERS[n].items() if not os.path.exists(path)})


def main(argv: list[str] | None = None) -> int:
    try:
        names = chosen(sys.argv[1:] if argv is None else argv)
    except ValueError as e:
        print(e, file=sys.stderr)
        return 2
    print(json.dumps({"names": names, "missing": missing(names)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
