"""The widget's static server: what it serves, with which types and security headers."""
from __future__ import annotations

import subprocess
import sys
from typing import Iterator

import pytest
import requests

from bot.cli import ROOT, free_port, wait_until_up
from bot.web.server import widget_server

RASA = "http://127.0.0.1:5999"  # only written into the page and its CSP; nothing connects to it here


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    port = free_port()
    with widget_server("127.0.0.1", port, RASA):
        yield f"http://127.0.0.1:{port}"


def test_the_demo_page_points_the_widget_at_the_rasa_server(url):
    response = requests.get(f"{url}/", timeout=10)
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert f'data-server-url="{RASA}"' in response.text and "__RASA_SERVER_URL__" not in response.text
    assert response.headers["Cache-Control"] == "no-store"


def test_security_headers_allow_connections_to_the_rasa_server_only(url):
    headers = requests.get(f"{url}/", timeout=10).headers
    csp = headers["Content-Security-Policy"]
    assert f"connect-src 'self' {RASA} ws://127.0.0.1:5999;" in csp
    assert "script-src 'self';" in csp and "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize("path, content_type", [
    ("/widget.js", "text/javascript; charset=utf-8"),
    ("/widget.css", "text/css; charset=utf-8"),
    ("/vendor/socket.io.min.js", "text/javascript; charset=utf-8"),
    ("/favicon.svg", "image/svg+xml"),
])
def test_the_widget_files_are_served_with_their_types(url, path, content_type):
    response = requests.get(url + path, timeout=10)
    assert response.status_code == 200 and response.headers["Content-Type"] == content_type


@pytest.mark.parametrize("path", ["/server.py", "/__init__.py", "/vendor/README.md", "/vendor/package.json",
                                  "/../cli.py", "/%2e%2e/cli.py", "/missing.js"])
def test_nothing_else_is_served(url, path):
    session = requests.Session()
    request = requests.Request("GET", url + path).prepare()
    request.url = url + path  # as written: requests would normalise the dots away
    assert session.send(request, timeout=10).status_code == 404


@pytest.mark.parametrize("path", ["/widget.js%00.html", "/%00", "/widget.js%00", "/" + "a" * 5000 + ".js",
                                  "/%ff%fe.js"], ids=["nul-html", "nul", "nul-end", "long-name", "bad-utf8"])
def test_odd_paths_get_404_without_a_traceback(path):
    """`widget.js%00.html` made the file system calls raise, and the server print a traceback."""
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "bot.web.server", "--port", str(port), "--rasa-url", RASA],
                              cwd=ROOT, stderr=subprocess.PIPE, text=True)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/widget.css", server, timeout=30)
        session = requests.Session()
        request = requests.Request("GET", f"http://127.0.0.1:{port}{path}").prepare()
        request.url = f"http://127.0.0.1:{port}{path}"
        assert session.send(request, timeout=10).status_code == 404
        assert requests.get(f"http://127.0.0.1:{port}/widget.js", timeout=10).status_code == 200  # still serving
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=10)
    assert "Traceback" not in errors and "Error" not in errors
