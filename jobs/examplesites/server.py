"""Serve the six example sites over HTTP on 127.0.0.1, one port per site.

    with ExampleSites() as sites:          # free ports; ExampleSites(8701) for fixed ones
        urlopen(sites.url("sumselpos") + "feed/")
        config = sites.sources_toml()

Pages are rendered once at start and served from memory, with ETag / Last-Modified
and 304 answers to conditional requests.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType

from .config import sources_toml
from .pages import Page, request_key
from .render import render_site
from .sites import SITES, site_catalog
from .stories import Story, load_stories

logger = logging.getLogger(__name__)

REQUEST_LOG_SIZE = 100_000  # newest requests kept for requests()


@dataclass(frozen=True)
class Request:
    """One request a site answered (for tests that check what a crawler fetched)."""

    site: str
    method: str
    target: str
    status: int


class SiteHandler(BaseHTTPRequestHandler):
    """Answers from the site's rendered pages; configured per server via attributes."""

    protocol_version = "HTTP/1.1"
    timeout = 15  # close idle keep-alive connections
    # TCP_NODELAY, as web servers set it: otherwise the last segment of a body written after its
    # headers waits for the client's delayed ACK (up to 40 ms a response on keep-alive).
    disable_nagle_algorithm = True
    server_version = "ExampleSite/1.0"
    site_key = ""
    pages: dict[str, Page] = {}
    dynamic: Callable[[str], Page | None] = staticmethod(lambda key: None)
    not_found: Page
    record: Callable[[Request], None] = staticmethod(lambda r: None)

    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        self._answer(send_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer(send_body=False)

    def _answer(self, send_body: bool) -> None:
        key = request_key(self.path)
        page = self.pages.get(key) or self.dynamic(key) or self.not_found
        status = page.status
        if status == 200 and self._not_modified(page):
            status = 304
        # recorded before answering, so a client that has its answer finds it in the log
        self.record(Request(self.site_key, self.command, self.path, status))
        self.send_response(status)
        self.send_header("Content-Type", page.content_type)
        self.send_header("ETag", page.etag)
        self.send_header("Last-Modified", page.last_modified_http)
        self.send_header("Cache-Control", "max-age=60")
        if status == 304:
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self.send_header("Content-Length", str(len(page.body)))
            self.end_headers()
            if send_body:
                self.wfile.write(page.body)

    def _not_modified(self, page: Page) -> bool:
        inm = self.headers.get("If-None-Match")
        if inm is not None:
            tags = {t.strip().removeprefix("W/") for t in inm.split(",")}
            return "*" in tags or page.etag in tags
        ims = self.headers.get("If-Modified-Since")
        if ims:
            try:
                since = parsedate_to_datetime(ims)
            except (TypeError, ValueError):
                return False
            if since.tzinfo is None:
                return False
            return page.last_modified.replace(microsecond=0) <= since
        return False

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        logger.debug("%s %s", self.site_key, format % args)


class ExampleSites:
    """The six example sites, one ThreadingHTTPServer per site on 127.0.0.1.

    ``base_port``: site i listens on base_port + i (order of ``SITES``); None picks free
    ports. ``stories_dir``/``stories``: the content (default: the bundled stories).
    """

    def __init__(
        self,
        base_port: int | None = None,
        *,
        stories_dir: Path | str | None = None,
        stories: list[Story] | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        self.base_port = base_port
        self.host = host
        self.stories = stories if stories is not None else load_stories(stories_dir)
        self._servers: dict[str, ThreadingHTTPServer] = {}
        self._threads: list[threading.Thread] = []
        self._log: deque[Request] = deque(maxlen=REQUEST_LOG_SIZE)
        self._log_lock = threading.Lock()

    # ----- lifecycle ----------------------------------------------------------------
    def start(self) -> ExampleSites:
        """Bind every site, render its pages and serve them in daemon threads."""
        if self._servers:
            return self
        try:
            for i, key in enumerate(SITES):
                port = 0 if self.base_port is None else self.base_port + i
                handler = type(f"{key}Handler", (SiteHandler,), {"site_key": key})
                server = ThreadingHTTPServer((self.host, port), handler)
                server.daemon_threads = True
                self._servers[key] = server
            catalog = site_catalog(self.stories)
            bases = self.base_urls()
            for key, server in self._servers.items():
                pages, dynamic, not_found = render_site(key, catalog, bases)
                handler = server.RequestHandlerClass
                handler.pages = pages
                handler.dynamic = staticmethod(dynamic)
                handler.not_found = not_found
                handler.record = self._record
        except BaseException:
            self._close()
            raise
        for key, server in self._servers.items():
            thread = threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.1}, name=f"examplesite-{key}", daemon=True
            )
            thread.start()
            self._threads.append(thread)
        logger.info("example sites up: %s", ", ".join(f"{k}={u}" for k, u in self.base_urls().items()))
        return self

    def stop(self) -> None:
        """Stop serving and release the ports."""
        for server in self._servers.values():
            server.shutdown()
        for thread in self._threads:
            thread.join(timeout=5)
        self._close()
        logger.info("example sites stopped")

    def _close(self) -> None:
        for server in self._servers.values():
            server.server_close()
        self._servers.clear()
        self._threads.clear()

    def __enter__(self) -> ExampleSites:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # ----- addresses and config -----------------------------------------------------
    def url(self, site: str) -> str:
        """Base URL of ``site``: "http://127.0.0.1:PORT/" (after start())."""
        if site not in SITES:
            raise KeyError(f"unknown example site {site!r}")
        if not self._servers:
            raise RuntimeError("ExampleSites not started")
        return f"http://{self.host}:{self._servers[site].server_address[1]}/"

    def base_urls(self) -> dict[str, str]:
        """Base URL per site key."""
        return {key: self.url(key) for key in SITES}

    def sources_toml(self) -> str:
        """A complete kabar sources.toml pointing at the live ports."""
        return sources_toml(self.base_urls())

    @property
    def sites(self) -> tuple[str, ...]:
        """The site keys, in port order."""
        return tuple(SITES)

    # ----- request log --------------------------------------------------------------
    def _record(self, request: Request) -> None:
        with self._log_lock:
            self._log.append(request)

    def requests(self, site: str | None = None) -> list[Request]:
        """Requests answered so far (optionally of one site), oldest first."""
        with self._log_lock:
            return [r for r in self._log if site is None or r.site == site]

    def request_log(self, site: str | None = None) -> list[tuple[str, str]]:
        """(site, request target) of every request answered so far, oldest first."""
        return [(r.site, r.target) for r in self.requests(site)]

    def clear_requests(self) -> None:
        """Forget the request log."""
        with self._log_lock:
            self._log.clear()

    clear_log = clear_requests
