"""Tiny sites on chosen loopback addresses (127.0.0.2, 127.0.0.3, …) for the ``kabar sources``
address and deadline tests (and any test that needs a small site of its own): each serves fixed
routes, logs every request it receives, can drip a body one line a second, forever (until the
test ends), and also works as an HTTP proxy (a request for ``http://any.host/path`` is answered
from the route for ``/path`` and logged whole). A subclass may answer otherwise (``answer``).

    with TinySite("127.0.0.3") as internal:
        internal.route("/secret", "text/plain", b"SECRET")
        ...
        assert internal.hits == []
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import urlsplit

DRIP_EVERY = 1.0  # seconds between the lines of a drip
DRIP_MAX = 120.0  # a drip gives up after this, whatever happens

DRIP = object()  # a route body: headers at once, then one line a second, forever
NOT_FOUND = (404, {"Content-Type": "text/html"}, b"<html><body>404</body></html>")


class TinySite:
    """An HTTP server on ``host`` and a free port; routes map a path to (status, headers, body)."""

    def __init__(self, host: str, *, missing_delay: float = 0.0) -> None:
        self.hits: list[str] = []  # request targets: paths, or absolute URLs asked as a proxy
        self.missing_delay = missing_delay  # seconds before answering 404
        self.routes: dict[str, tuple[int, dict[str, str], object]] = {}
        self._stop = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802
                owner.hits.append(self.path)
                parts = urlsplit(self.path)
                status, headers, body = owner.answer(parts.path + (f"?{parts.query}" if parts.query else ""))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                if body is DRIP:
                    self.send_header("Connection", "close")
                    self.end_headers()
                    owner._drip(self.wfile)
                    self.close_connection = True
                    return
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except OSError:  # the client gave up
                    self.close_connection = True

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://{host}:{self.server.server_address[1]}"
        self.netloc = self.url.removeprefix("http://")

    def answer(self, path: str) -> tuple[int, dict[str, str], object]:
        """(status, headers, body) for ``path`` (with its query): its route, else 404 after
        ``missing_delay`` seconds."""
        if path not in self.routes:
            time.sleep(self.missing_delay)
        return self.routes.get(path, NOT_FOUND)

    def _drip(self, wfile) -> None:
        waited = 0.0
        try:
            while waited < DRIP_MAX and not self._stop.wait(DRIP_EVERY):
                waited += DRIP_EVERY
                wfile.write(b"<p>sebentar lagi</p>\n")
                wfile.flush()
        except OSError:  # the client gave up
            pass

    def route(
        self, path: str, content_type: str, body: object, status: int = 200, headers: dict[str, str] | None = None
    ) -> TinySite:
        self.routes[path] = (status, {"Content-Type": content_type, **(headers or {})}, body)
        return self

    def redirect(self, path: str, location: str) -> TinySite:
        return self.route(path, "text/html", b"", status=302, headers={"Location": location})

    def start(self) -> TinySite:
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> TinySite:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def rss(links: list[str]) -> bytes:
    """An RSS feed whose items link to ``links`` (absolute URLs)."""
    items = "".join(
        f"<item><title>Berita {i}</title><link>{link}</link>"
        f"<pubDate>Mon, 13 May 2024 0{i % 10}:00:00 +0700</pubDate></item>"
        for i, link in enumerate(links)
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Kabar</title>{items}</channel></rss>'
    ).encode()
