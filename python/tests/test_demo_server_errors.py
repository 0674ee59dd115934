"""js/demo/serve.py under bad requests (issue 23, item 6): every response, http.server's own
errors included, carries the page's policy and nosniff; bad weights are refused at start; a
request that stalls is dropped."""

import socket
import threading
from pathlib import Path

import pytest
from test_demo_server import JS, get, meta_csp, run_serve, serve


@pytest.fixture
def port():
    httpd = serve.make_server(0, JS / "model.json", quiet=True, timeout=0.5)
    threading.Thread(target=httpd.serve_forever, args=(0.01,), daemon=True).start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def raw(port: int, request: bytes) -> bytes:
    """What the server answers to these bytes, up to its closing the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(request)
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def headers_of(response: bytes) -> dict[str, str]:
    head = response.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    assert head[0].startswith("HTTP/1."), head[0]  # a status line: never a bare HTTP/0.9 body
    return dict(line.split(": ", 1) for line in head[1:])


BAD_REQUESTS = {
    "post": b"POST /demo/ HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
    "options": b"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
    "lowercase-get": b"get /demo/ HTTP/1.1\r\nHost: x\r\n\r\n",
    "uri-too-long-414": b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n",
    "header-too-long-431": b"GET /demo/ HTTP/1.1\r\nX: " + b"a" * 70000 + b"\r\n\r\n",
    "many-headers-431": b"GET /demo/ HTTP/1.1\r\n" + b"X: a\r\n" * 200 + b"\r\n",
    "malformed": b"GET\r\n\r\n",
    "bad-version": b"GET /demo/ HTTP/x.y\r\n\r\n",
    "http-0.9": b"GET /demo/\r\n",
    "not-found": b"GET /nope HTTP/1.0\r\n\r\n",
}


@pytest.mark.parametrize("request_bytes", BAD_REQUESTS.values(), ids=BAD_REQUESTS)
def test_every_error_carries_the_policy(port, request_bytes):
    headers = headers_of(raw(port, request_bytes))
    assert headers["Content-Security-Policy"] == meta_csp()
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_a_success_carries_each_header_once(port):
    response = raw(port, b"GET /demo/ HTTP/1.0\r\n\r\n")
    assert response.count(b"Content-Security-Policy:") == 1
    assert headers_of(response)["X-Content-Type-Options"] == "nosniff"


def test_a_stalled_request_is_dropped(port):
    """A request never finished is closed by the server (raw() returns once it is), not held."""
    assert raw(port, b"GET /demo/ HTTP/1.1\r\nHost: x\r\n") == b""


@pytest.mark.parametrize("name", ["weights.bin", "model", "model.JSON.txt"])
def test_weights_that_are_not_json_are_refused_at_start(tmp_path, name):
    (tmp_path / name).write_text("{}")
    done = run_serve("--model", str(tmp_path / name), "--port", "0")
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert f"--model {tmp_path / name}: expected a .json model file" in done.stderr


def test_served_status_codes(port):
    assert get(port, "/demo/", "POST")[0] == 501
    assert get(port, "/demo/")[1]["Content-Security-Policy"] == meta_csp()
    assert Path(JS / "model.json").is_file()
