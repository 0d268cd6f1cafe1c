"""Many small news sites for ``python -m bench sources``: site i on its own loopback address
(127.0.0.2, 127.0.0.3, …, one port), publishing a new article every interval, all served by
one light process (``python -m bench.sitefarm``).

Every site is a Sumsel Pos look-alike (the example sites' templates, jobs/examplesites) with a
feed, robots.txt and article pages; its articles are clones of the bundled smart-city stories
(bench/sitegen.py), so kabar's extraction and relevance keep them. When each article appears
is a pure function of the :class:`Timetable`, so the benchmark knows every publication time
without asking the server. Pages are rendered when a request first finds a new article due,
and answered with ETag / Last-Modified and 304s (jobs/examplesites/server.py's handler).
"""

from __future__ import annotations

import argparse
import ipaddress
import selectors
import signal
import socketserver
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from http.server import ThreadingHTTPServer
from pathlib import Path

from bench.sitegen import clone_story, originals, paragraph_pool
from jobs.examplesites.pages import STATIC_MTIME, Page, make_page
from jobs.examplesites.render import SiteRenderer
from jobs.examplesites.server import SiteHandler
from jobs.examplesites.sites import SITES, article_path
from jobs.examplesites.stories import Copy, parse_story

TEMPLATE = "sumselpos"  # the example site every farm site looks like
WIB = timezone(timedelta(hours=7))
BACKLOG = 2  # articles each site has published before the start
FIRST_ADDRESS = ipaddress.IPv4Address("127.0.0.2")
SERIALS_PER_SITE = 100_000  # story clone serials: site i uses i * this + article number
NOT_FOUND = make_page("<html><body><h1>404 Not Found</h1></body></html>", "text/html", STATIC_MTIME, status=404)


def address(index: int) -> str:
    """Loopback address of site ``index`` (0-based): 127.0.0.2, 127.0.0.3, …"""
    return str(FIRST_ADDRESS + index)


def source_name(index: int) -> str:
    return f"site{index + 1:03d}"


@dataclass(frozen=True)
class Timetable:
    """When each site publishes: site i's article k at ``start + phase_i + k * interval`` (k from
    ``-BACKLOG``; phases spread the sites over the interval), none after ``until``."""

    start: float  # epoch seconds
    sites: int
    interval: float = 60.0
    until: float | None = None

    def times(self, site: int, now: float) -> list[float]:
        """Publication times of site ``site`` up to ``now``, oldest first."""
        end = now if self.until is None else min(now, self.until)
        first = self.start + self.interval * site / self.sites - BACKLOG * self.interval
        count = max(0, int((end - first) // self.interval) + 1)
        return [first + k * self.interval for k in range(count)]


class Stories:
    """The article of each (site, number): a clone of a bundled smart-city story."""

    def __init__(self) -> None:
        self.stories = [s for s in originals() if s["smart_city"]]
        self.pool = paragraph_pool(self.stories)

    def copy(self, site: int, number: int, published: float) -> Copy:
        serial = site * SERIALS_PER_SITE + number + 1
        data = clone_story(self.stories[serial % len(self.stories)], serial, self.pool)
        story = parse_story(Path(f"{serial:06d}-{data['slug']}.toml"), data)
        return replace(story.copies[0], site=TEMPLATE, published=datetime.fromtimestamp(published, WIB))


class FarmSite:
    """One site: its copies so far (newest first) and their rendered pages."""

    def __init__(self, index: int, base: str, timetable: Timetable, stories: Stories) -> None:
        self.index, self.base = index, base
        self.timetable, self.stories = timetable, stories
        self.copies: list[Copy] = []
        self.pages: dict[str, Page] = {}
        self._lock = threading.Lock()

    def page(self, key: str, now: float) -> Page | None:
        """The page at request key ``key`` as the site stands at ``now``."""
        with self._lock:
            times = self.timetable.times(self.index, now)
            fresh = len(times) - len(self.copies)
            if fresh > 0 or not self.pages:
                for number in range(len(self.copies), len(times)):
                    self.copies.insert(0, self.stories.copy(self.index, number, times[number]))
                renderer = SiteRenderer(SITES[TEMPLATE], {TEMPLATE: self.copies}, {TEMPLATE: self.base})
                self.pages.update(renderer.build_for_feed(max(fresh, 0)))
            return self.pages.get(key)


def publications(timetable: Timetable, port: int, now: float) -> list[tuple[str, float]]:
    """(article URL, publication time) of every article of every site up to ``now``."""
    stories = Stories()
    out = []
    for site in range(timetable.sites):
        base = f"http://{address(site)}:{port}"
        for number, published in enumerate(timetable.times(site, now)):
            out.append((base + article_path(stories.copy(site, number, published)), published))
    return out


def sources_toml(sites: int, port: int, every: str = "60s") -> str:
    """A kabar sources.toml with one source per site, each on the schedule ``every``."""
    site = SITES[TEMPLATE]
    lines = [
        f"# python -m bench sources: {sites} sites on loopback addresses, one source each.",
        "# Politeness lifted as for the example sites (jobs/examplesites/config.py): local sites.",
        "[crawl]",
        "download_delay = 0",
        "concurrent_requests_per_domain = 8",
        "autothrottle = false",
    ]
    for index in range(sites):
        base = f"http://{address(index)}:{port}"
        lines += [
            "",
            "[[sources]]",
            f'name = "{source_name(index)}"',
            f'url = "{base}/"',
            f'feeds = ["{base}{site.feed}"]',
            f"article_pattern = '{site.article_pattern}'",
            f'region = "{site.region}"',
            f'schedule = {{ every = "{every}" }}',
        ]
    return "\n".join(lines) + "\n"


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def server_bind(self) -> None:
        """Bind without HTTPServer's reverse DNS lookup of the address (seconds per site)."""
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]


class Farm:
    """Every site on its own address and ``port``, answered from one selector loop (a thread per
    connection, as ThreadingHTTPServer does); ``clock`` is the time the sites stand at."""

    def __init__(self, timetable: Timetable, port: int = 0, clock: Callable[[], float] = time.time) -> None:
        self.timetable, self.clock = timetable, clock
        self.servers: list[_Server] = []
        self._stop = threading.Event()
        stories = Stories()
        try:
            for index in range(timetable.sites):
                handler = type(f"Site{index}Handler", (SiteHandler,), {"site_key": source_name(index)})
                server = _Server((address(index), port), handler)
                port = server.server_address[1]
                site = FarmSite(index, f"http://{address(index)}:{port}/", timetable, stories)
                handler.pages = {}
                handler.dynamic = staticmethod(lambda key, site=site: site.page(key, self.clock()))
                handler.not_found = NOT_FOUND
                self.servers.append(server)
        except BaseException:
            self.close()
            raise
        self.port = port

    def serve_forever(self) -> None:
        """Answer requests until :meth:`stop`."""
        with selectors.DefaultSelector() as selector:
            for server in self.servers:
                selector.register(server, selectors.EVENT_READ, server)
            while not self._stop.is_set():
                for key, _ in selector.select(timeout=0.5):
                    key.data.handle_request()

    def stop(self) -> None:
        self._stop.set()

    def close(self) -> None:
        for server in self.servers:
            server.server_close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sitefarm", description=__doc__)
    parser.add_argument("--sites", type=int, required=True)
    parser.add_argument("--start", type=float, required=True, help="epoch seconds the timetable starts at")
    parser.add_argument("--until", type=float, help="epoch seconds after which nothing is published")
    parser.add_argument("--interval", type=float, default=60.0)
    parser.add_argument("--port", type=int, default=0, help="0: a free one, printed as 'ready PORT'")
    args = parser.parse_args(argv)
    farm = Farm(Timetable(args.start, args.sites, args.interval, args.until), args.port)
    signal.signal(signal.SIGTERM, lambda *_: farm.stop())
    print(f"ready {farm.port}", flush=True)
    try:
        farm.serve_forever()
    finally:
        farm.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
