"""js/demo/serve.py: the one demo server (nox -s demo, and the e2e tests through server.mjs)."""

import http.client
import importlib.util
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

JS = Path(__file__).resolve().parents[2] / "js"
SERVE = JS / "demo" / "serve.py"


def load_serve():
    spec = importlib.util.spec_from_file_location("demo_serve", SERVE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


serve = load_serve()


@pytest.fixture
def server(request):
    model = getattr(request, "param", JS / "model.json")
    httpd = serve.make_server(0, Path(model), quiet=True)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def get(port: int, path: str, method: str = "GET"):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def meta_csp() -> str:
    page = (JS / "demo" / "index.html").read_text()
    tag = re.search(r'http-equiv="Content-Security-Policy"\s+content="([^"]+)"', page)
    return " ".join(tag.group(1).split())


PAGE_FILES = ["/demo/", "/demo/index.html", "/demo/main.js", "/demo/pad.js", "/demo/views.js"]
PAGE_FILES += ["/demo/demo.css", "/demo/favicon.svg", "/src/index.js", "/src/engine.js"]
PAGE_FILES += ["/src/preprocess.js", "/src/validate.js", "/model.json", "/card.json"]


@pytest.mark.parametrize("path", PAGE_FILES)
def test_the_page_s_own_files_are_served_with_the_page_s_policy(server, path):
    status, headers, body = get(server, path)
    assert status == 200 and body
    assert headers["Content-Security-Policy"] == meta_csp()
    assert headers["X-Content-Type-Options"] == "nosniff"
    kind = {".js": "text/javascript", ".json": "application/json", ".css": "text/css"}
    kind |= {".svg": "image/svg+xml", ".html": "text/html", "/": "text/html"}
    assert headers["Content-Type"].startswith(kind[next(k for k in kind if path.endswith(k))])
    local = {"/demo/": "demo/index.html"}.get(path, path.lstrip("/"))
    assert body == (JS / local).read_bytes()


@pytest.mark.parametrize(
    "path",
    [
        "/src/",  # a folder: never listed
        "/demo/serve.py",  # the server's own source
        "/test/load.test.js",  # the tests
        "/e2e/server.mjs",
        "/package.json",
        "/index.d.ts",
        "/demo/../package.json",
        "/src/..%2fpackage.json",
        "/%2e%2e/README.md",
        "//etc/passwd",
        "/demo/index.html/",
        "/src/engine.js.map",
    ],
)
def test_nothing_else_is_served(server, path):
    status, headers, body = get(server, path)
    assert status == 404, (path, body[:80])
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert body.startswith(b"not found: ")


@pytest.mark.parametrize("path", ["/", "/?x", "/demo", "/?C=N;O=D"])
def test_the_root_redirects_to_the_page_and_lists_nothing(server, path):
    status, headers, body = get(server, path)
    assert status == 302 and headers["Location"] == "/demo/" and body == b""


def test_a_query_string_is_ignored(server):
    assert get(server, "/demo/?x")[2] == (JS / "demo" / "index.html").read_bytes()


def test_only_get_and_head(server):
    status, headers, body = get(server, "/demo/main.js", "HEAD")
    assert status == 200 and body == b"" and int(headers["Content-Length"]) > 0
    assert get(server, "/demo/main.js", "POST")[0] == 501
    assert get(server, "/demo/main.js", "PUT")[0] == 501


def test_other_weights_come_with_the_card_beside_them(tmp_path):
    (tmp_path / "model.json").write_text('{"mine": true}')
    (tmp_path / "card.json").write_text('{"card": true}')
    httpd = serve.make_server(0, tmp_path / "model.json", quiet=True)
    threading.Thread(target=httpd.serve_forever, args=(0.01,), daemon=True).start()
    try:
        port = httpd.server_address[1]
        assert get(port, "/model.json")[2] == b'{"mine": true}'
        assert get(port, "/card.json")[2] == b'{"card": true}'
    finally:
        httpd.shutdown()
        httpd.server_close()


def run_serve(*args):
    return subprocess.run(
        [sys.executable, str(SERVE), *args], capture_output=True, text=True, timeout=30
    )


@pytest.mark.parametrize(
    "args, message",
    [
        (["--port", "70000"], "--port: expected 0..65535 (0 picks a free port), got 70000"),
        (["--port", "-1"], "--port: expected 0..65535"),
        (["--port", "http"], "--port: expected a number, got 'http'"),
        (["--model", "/nonexistent/model.json"], "--model /nonexistent/model.json: no such file"),
    ],
)
def test_bad_arguments_are_one_line(args, message):
    done = run_serve(*args)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("serve.py: error: ") and done.stderr.count("\n") == 1
    assert message in done.stderr


def test_a_port_in_use_is_one_line(server):
    done = run_serve("--port", str(server))
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert f"--port {server}: Address already in use; try --port 0" in done.stderr
