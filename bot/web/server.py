"""The web widget's static server: the demo page, widget.js/.css and the vendored socket.io client.

Only files of this folder with a known type are served (never the Python files). Every response
carries security headers; the demo page's Content-Security-Policy lets it connect to the Rasa
server only. No request is logged: the server keeps nothing about who visits.
"""
from __future__ import annotations

import argparse
import html
import threading
from contextlib import contextmanager
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator
from urllib.parse import unquote, urlsplit

WEB = Path(__file__).resolve().parent
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".png": "image/png",
    ".svg": "image/svg+xml",  # the demo page's favicon
}
SERVER_URL_PLACEHOLDER = "__RASA_SERVER_URL__"


def security_headers(rasa_url: str) -> dict[str, str]:
    """Headers for every response; the CSP matters for the demo page, the rest for everything."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(rasa_url))
    socket_origin = origin.replace("http", "ws", 1)  # http→ws, https→wss
    return {
        "Content-Security-Policy": (
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
            f"connect-src 'self' {origin} {socket_origin}; "
            "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
        ),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",  # the neutral site left to on Quick Exit learns nothing
        "X-Frame-Options": "DENY",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
        # widget.js and widget.css are loaded by other sites' pages
        "Cross-Origin-Resource-Policy": "cross-origin",
    }


def static_file(path: str) -> Path | None:
    """The file of this folder a URL path names, if it may be served."""
    if "\0" in path:  # "%00": the file system calls raise ValueError (and the server logged a traceback)
        return None
    file = (WEB / path.lstrip("/")).resolve()
    if (not file.is_relative_to(WEB) or file.suffix not in CONTENT_TYPES
            or any(part.startswith(".") for part in file.relative_to(WEB).parts)):
        return None
    try:
        return file if file.is_file() else None
    except OSError:  # a name too long for the file system, say
        return None


def make_handler(rasa_url: str) -> type[BaseHTTPRequestHandler]:
    headers = security_headers(rasa_url)
    index = (WEB / "index.html").read_text(encoding="utf-8").replace(
        SERVER_URL_PLACEHOLDER, html.escape(rasa_url, quote=True)).encode()

    class WidgetHandler(BaseHTTPRequestHandler):
        server_version = "widget"
        sys_version = ""

        def do_GET(self) -> None:
            self._respond(send_body=True)

        def do_HEAD(self) -> None:
            self._respond(send_body=False)

        def _respond(self, send_body: bool) -> None:
            path = unquote(urlsplit(self.path).path)
            if path == "/":
                body, content_type = index, CONTENT_TYPES[".html"]
            else:
                file = static_file(path)
                if file is None:
                    self.send_error(HTTPStatus.NOT_FOUND)
                    return
                body, content_type = file.read_bytes(), CONTENT_TYPES[file.suffix]
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store" if content_type.startswith("text/html") else "no-cache")
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            if send_body:
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # no access log: it would record who used the chat

    return WidgetHandler


@contextmanager
def widget_server(host: str, port: int, rasa_url: str) -> Iterator[ThreadingHTTPServer]:
    """Serve bot/web/ on host:port (in a thread) for the duration of the block."""
    server = ThreadingHTTPServer((host, port), make_handler(rasa_url))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="widget-server", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def main(argv: list[str] | None = None) -> None:
    """python -m bot.web.server --host H --port P --rasa-url U: serve until stopped (bot/cli.py runs it)."""
    parser = argparse.ArgumentParser(prog="python -m bot.web.server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--rasa-url", required=True)
    args = parser.parse_args(argv)
    server = ThreadingHTTPServer((args.host, args.port), make_handler(args.rasa_url))
    server.daemon_threads = True
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
