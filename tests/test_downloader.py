"""The crawl's downloader keeps a site's concurrency without a download delay, and so reuses
its connections (crawler/downloader.py)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = 40

SPIDER = """
import json, sys
import scrapy
from scrapy.crawler import CrawlerProcess

class Fetch(scrapy.Spider):
    name = "fetch"
    fetched = 0

    async def start(self):
        for n in range({pages}):
            yield scrapy.Request(f"{base}/page/{{n}}", dont_filter=True)

    def parse(self, response):
        type(self).fetched += 1

settings = {{
    "CONCURRENT_REQUESTS": 16, "CONCURRENT_REQUESTS_PER_DOMAIN": 2, "DOWNLOAD_DELAY": {delay},
    "ROBOTSTXT_OBEY": False, "TELNETCONSOLE_ENABLED": False, "LOG_LEVEL": "ERROR",
}}
if sys.argv[1] != "scrapy":
    settings["DOWNLOADER"] = sys.argv[1]
process = CrawlerProcess(settings)
process.crawl(Fetch)
process.start()
print(json.dumps(Fetch.fetched))
"""


class _Counting(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    lock = threading.Lock()
    in_flight = peak = connections = 0

    def setup(self) -> None:
        super().setup()
        with self.lock:
            type(self).connections += 1

    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        cls = type(self)
        with self.lock:
            cls.in_flight += 1
            cls.peak = max(cls.peak, cls.in_flight)
        time.sleep(0.03)  # long enough for a burst to overlap
        with self.lock:
            cls.in_flight -= 1
        body = b"<html><body><p>ok</p></body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def _crawl(downloader: str, pages: int = PAGES, delay: float = 0) -> tuple[int, int, int, float]:
    """(pages fetched, most requests in flight at once, connections opened, seconds)."""
    handler = type("Handler", (_Counting,), {"in_flight": 0, "peak": 0, "connections": 0})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        script = SPIDER.format(pages=pages, base=f"http://127.0.0.1:{server.server_address[1]}", delay=delay)
        started = time.monotonic()
        result = subprocess.run([sys.executable, "-c", script, downloader], cwd=ROOT, capture_output=True,
                                text=True, timeout=120)
        elapsed = time.monotonic() - started
    finally:
        server.shutdown()
        server.server_close()
    assert result.returncode == 0, result.stderr[-2000:]
    fetched = json.loads(result.stdout.strip().splitlines()[-1])
    return fetched, handler.peak, handler.connections, elapsed


def test_a_site_never_gets_more_requests_at_once_than_configured():
    fetched, peak, connections, _ = _crawl("crawler.downloader.SlotLimitedDownloader")
    assert fetched == PAGES
    assert peak <= 2
    assert connections <= 2  # the pool keeps 2 per site: every connection is reused


def test_scrapys_own_downloader_still_goes_past_the_limit():
    """The reason for SlotLimitedDownloader: when this fails, Scrapy keeps the limit itself
    and ``DOWNLOADER`` can go back to Scrapy's."""
    fetched, peak, connections, _ = _crawl("scrapy")
    assert fetched == PAGES
    assert peak > 2 and connections > 2


def test_a_download_delay_is_still_kept():
    """With a delay, one request at a time and (with Scrapy's ±50% jitter) at least half the
    delay apart: Scrapy's own path, unchanged."""
    fetched, peak, _, elapsed = _crawl("crawler.downloader.SlotLimitedDownloader", pages=10, delay=0.1)
    assert fetched == 10
    assert peak == 1
    assert elapsed >= 9 * 0.1 * 0.5


def test_the_crawl_uses_it():
    from crawler import settings

    assert settings.DOWNLOADER == "crawler.downloader.SlotLimitedDownloader"
