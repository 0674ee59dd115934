"""Serve the drawing demo on 127.0.0.1 (standard library only): `nox -s demo` runs this.

The root is js/, so the page's ../src/ and ../model.json resolve as they do in the package.

    python js/demo/serve.py [--port 8000]
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class Handler(http.server.SimpleHTTPRequestHandler):
    # Python before 3.12 guesses application/javascript; module scripts want text/javascript.
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript",
        ".mjs": "text/javascript",
        ".json": "application/json",
        ".svg": "image/svg+xml",
        ".css": "text/css",
    }

    def do_GET(self):
        if self.path in ("/", "/demo"):
            self.send_response(302)
            self.send_header("Location", "/demo/")
            self.end_headers()
            return
        super().do_GET()

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")  # edits show on reload
        super().end_headers()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    args = parser.parse_args()
    handler = functools.partial(Handler, directory=str(ROOT))
    try:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), handler)
    except OSError as e:
        raise SystemExit(f"port {args.port}: {e.strerror}; try --port 0 for a free one") from None
    if not (ROOT / "model.json").is_file():
        print(f"warning: {ROOT / 'model.json'} is missing; the page will say it cannot load it")
    print(
        f"digitnet demo: http://127.0.0.1:{server.server_address[1]}/demo/  (Ctrl-C to stop)",
        flush=True,
    )
    with server, contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


if __name__ == "__main__":
    main()
