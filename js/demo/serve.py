"""The demo's one server, on 127.0.0.1 (standard library only): `nox -s demo` runs it, and the
e2e tests start this same script (js/e2e/server.mjs), so what is tested is what users run.

It serves the page's own files and nothing else: the page (js/demo/*.html, .js, .css, .svg),
the engine's sources (js/src/*.js), the pinned weights (js/model.json, or --model PATH) and
their model card (card.json beside the weights). Nothing is ever listed; any other path is a
404. Every response says `X-Content-Type-Options: nosniff` and carries the page's own
Content-Security-Policy, read from the <meta> tag of index.html, so header and page agree.

    python js/demo/serve.py [--port 8000] [--model PATH] [--quiet]
"""

from __future__ import annotations

import argparse
import contextlib
import html
import http.server
import re
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

JS = Path(__file__).resolve().parent.parent
DEMO, SRC = JS / "demo", JS / "src"
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",  # module scripts need a JavaScript type
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".json": "application/json",
}
CSP_META = re.compile(
    r'<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]+)"', re.IGNORECASE
)


def fail(message: str):
    """One line, exit status 2, as the digitnet CLI does for bad input."""
    print(f"serve.py: error: {message}", file=sys.stderr)
    raise SystemExit(2)


def page_csp(index: Path) -> str:
    """The Content-Security-Policy of the page's <meta> tag, which the header repeats."""
    found = CSP_META.search(index.read_text(encoding="utf-8"))
    if not found:
        fail(f"{index}: no Content-Security-Policy <meta> tag")
    return " ".join(html.unescape(found.group(1)).split())


def routes(model: Path) -> dict[str, Path]:
    """URL path -> file: the whole site, fixed when the server starts (files are read on
    each request, so edits show on reload, but no new name ever appears)."""
    site = {"/demo/": DEMO / "index.html"}
    for folder, suffixes in ((DEMO, (".html", ".js", ".css", ".svg")), (SRC, (".js",))):
        for file in sorted(folder.iterdir()):
            if file.is_file() and file.suffix in suffixes:
                site[f"/{folder.name}/{file.name}"] = file
    site["/model.json"] = model
    site["/card.json"] = model.with_name("card.json")
    return site


REQUEST_TIMEOUT = 10.0  # seconds a client may take to send a request: a stalled one holds a thread


class Handler(http.server.BaseHTTPRequestHandler):
    site: dict[str, Path] = {}
    csp = ""
    quiet = False
    timeout = REQUEST_TIMEOUT  # socketserver applies it to every read of the request
    # A malformed request line is answered as HTTP/1.0, status line and headers included:
    # http.server's default, HTTP/0.9, has no headers, so its errors would carry no policy.
    default_request_version = "HTTP/1.0"

    def parse_request(self) -> bool:
        """http.server's parsing, but an HTTP/0.9 request (`GET /` with no version), which could
        only be answered without headers, is refused at once with an HTTP/1.0 error that has
        them (before any header is waited for: an HTTP/0.9 client sends none)."""
        line = str(self.raw_requestline, "iso-8859-1").rstrip("\r\n")
        if len(line.split()) != 2:
            return super().parse_request()
        self.command, self.requestline = None, line
        self.request_version, self.close_connection = self.default_request_version, True
        self.send_error(400, "HTTP/0.9 requests are not served")
        return False

    def end_headers(self) -> None:
        """Every response's headers end here, http.server's own errors (send_error: 400, 404,
        414, 431, 501, ...) included: so every response carries the page's policy."""
        for name, value in (
            ("Content-Security-Policy", self.csp),
            ("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", "no-referrer"),
            ("Cache-Control", "no-store"),  # edits show on reload
        ):
            self.send_header(name, value)
        super().end_headers()

    def do_GET(self) -> None:
        self.answer(body=True)

    def do_HEAD(self) -> None:
        self.answer(body=False)

    def answer(self, body: bool) -> None:
        path = unquote(urlsplit(self.path).path)  # the query is ignored, never interpreted
        if path in ("/", "/demo"):
            self.reply(302, b"", "text/plain; charset=utf-8", body, Location="/demo/")
            return
        file = self.site.get(path)
        try:
            content = file.read_bytes() if file else None
        except OSError:
            content = None
        if content is None:
            self.reply(404, f"not found: {path}\n".encode(), "text/plain; charset=utf-8", body)
        else:
            self.reply(200, content, TYPES[file.suffix], body)

    def reply(self, status: int, content: bytes, kind: str, body: bool, **headers: str) -> None:
        self.send_response(status)
        for name, value in {
            "Content-Type": kind,
            "Content-Length": str(len(content)),
            **headers,
        }.items():
            self.send_header(name, value)
        self.end_headers()
        if body:
            self.wfile.write(content)

    def log_message(self, format: str, *args) -> None:
        if not self.quiet:
            super().log_message(format, *args)


def port_number(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"expected 0..65535 (0 picks a free port), got {port}")
    return port


class Parser(argparse.ArgumentParser):
    def error(self, message: str):
        fail(message)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = Parser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=port_number, default=8000, help="0 picks a free port")
    parser.add_argument("--model", type=Path, default=JS / "model.json", help="weights to serve")
    parser.add_argument("--quiet", action="store_true", help="no line per request")
    args = parser.parse_args(argv)
    if args.model.suffix != ".json":  # served as /model.json, with JSON's type: nothing else
        parser.error(f"--model {args.model}: expected a .json model file")
    if args.model != JS / "model.json" and not args.model.is_file():
        parser.error(f"--model {args.model}: no such file")
    return args


def make_server(
    port: int, model: Path, quiet: bool = False, timeout: float = REQUEST_TIMEOUT
) -> http.server.ThreadingHTTPServer:
    """The server, bound to 127.0.0.1:port (0: a free one), not yet serving."""
    handler = type(
        "DemoHandler",
        (Handler,),
        {
            "site": routes(model.resolve()),
            "csp": page_csp(DEMO / "index.html"),
            "quiet": quiet,
            "timeout": timeout,
        },
    )
    return http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    try:
        server = make_server(args.port, args.model, args.quiet)
    except OSError as e:
        fail(f"--port {args.port}: {e.strerror}; try --port 0 for a free one")
    if not args.model.is_file():
        print(f"warning: {args.model} is missing; the page will say it cannot load it")
    url = f"http://127.0.0.1:{server.server_address[1]}/demo/"
    print(f"digitnet demo: {url}  (Ctrl-C to stop)", flush=True)
    with server, contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1:])
