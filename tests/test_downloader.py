"""The crawl's downloader keeps a site's concurrency without a download delay, and so reuses
its connections (crawler/downloader.py); and the guard on the private Scrapy method it overrides."""

from __future__ import annotations

import ast
import hashlib
import importlib
import inspect
import json
import pkgutil
import subprocess
import sys
import textwrap
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import scrapy
from scrapy.core.downloader import Downloader, Slot

import crawler
from crawler.downloader import SlotLimitedDownloader

ROOT = Path(__file__).resolve().parent.parent
PAGES = 40

# What SlotLimitedDownloader._process_queue copies (the first) or relies on, as Scrapy 2.19.0
# has them: digests of their code (ast.unparse, so comments and layout do not count).
SCRAPY_CODE_RELIED_ON = {
    (Downloader, "_process_queue"): "8d0150fa2bab5dac",  # copied, with one line added
    (Downloader, "_latercall"): "5e14de9a4d2fbc87",  # called when a download delay has passed
    (Downloader, "_enqueue_request"): "6d1c004934a15ac5",  # queues a request, calls _process_queue
    (Downloader, "_wait_for_download"): "249e844c67acac71",  # scheduled per request handed out
    (Downloader, "_download"): "3d040f5360a346a6",  # adds the request to transferring (again), removes it
    (Slot, "free_transfer_slots"): "f2bbafea6fe043be",  # concurrency - len(transferring)
    (Slot, "download_delay"): "e357c09eb8a7f377",
}
RECHECK = (
    "crawler/downloader.py overrides Scrapy's private Downloader._process_queue, and Scrapy {version} "
    "changed {changed}. Re-read Scrapy's scrapy/core/downloader/__init__.py: if "
    "test_scrapys_own_downloader_still_goes_past_the_limit now fails, Scrapy keeps the per-site limit itself: "
    "delete SlotLimitedDownloader and DOWNLOADER in crawler/settings.py. Otherwise copy Scrapy's new "
    "_process_queue into SlotLimitedDownloader with `slot.transferring.add(request)` before the download is "
    "scheduled, check the other methods still behave as their notes in SCRAPY_CODE_RELIED_ON say, run this "
    "file, and record the new digests there."
)


def _code(function) -> ast.Module:
    return ast.parse(textwrap.dedent(inspect.getsource(function)))


def _digest(function) -> str:
    return hashlib.sha256(ast.unparse(_code(function)).encode()).hexdigest()[:16]


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
        result = subprocess.run(
            [sys.executable, "-c", script, downloader], cwd=ROOT, capture_output=True, text=True, timeout=120
        )
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


def test_the_scrapy_code_the_override_relies_on_is_unchanged():
    changed = [
        f"{cls.__name__}.{name} (now {_digest(getattr(cls, name))})"
        for (cls, name), digest in SCRAPY_CODE_RELIED_ON.items()
        if not hasattr(cls, name) or _digest(getattr(cls, name)) != digest
    ]
    assert not changed, RECHECK.format(version=scrapy.__version__, changed=", ".join(changed))


def test_the_override_is_scrapys_method_plus_one_line():
    """Compared with the Scrapy installed, not a recorded copy: a difference means the copy
    was edited, or Scrapy changed the method."""
    ours = _code(SlotLimitedDownloader._process_queue)
    added = [
        node
        for node in ast.walk(ours)
        if isinstance(node, ast.Expr) and ast.unparse(node) == "slot.transferring.add(request)"
    ]
    assert len(added) == 1, "the line SlotLimitedDownloader._process_queue adds to Scrapy's is gone"
    for parent in ast.walk(ours):
        if added[0] in getattr(parent, "body", ()):
            parent.body.remove(added[0])
    theirs = ast.unparse(_code(Downloader._process_queue))
    assert ast.unparse(ours) == theirs, (
        "SlotLimitedDownloader._process_queue is no longer Scrapy's Downloader._process_queue plus one line. "
        + RECHECK.format(version=scrapy.__version__, changed="Downloader._process_queue")
    )


def _private_scrapy_uses(module) -> set[str]:
    """The private Scrapy names a module imports, and the private members of Scrapy base
    classes its classes override or use."""
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    uses = {
        f"import {alias.name}"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("scrapy")
        for alias in node.names
        if alias.name.startswith("_")
    }
    for cls in vars(module).values():
        if not inspect.isclass(cls) or cls.__module__ != module.__name__:
            continue
        private = {
            name
            for base in cls.__mro__[1:]
            if base.__module__.startswith("scrapy.")
            for name in vars(base)
            if name.startswith("_") and not name.startswith("__")
        }
        uses |= {f"{cls.__name__}.{name} (override)" for name in private & set(vars(cls))}
        uses |= {
            f"{cls.__name__} uses .{node.attr}"
            for node in ast.walk(_code(cls))
            if isinstance(node, ast.Attribute) and node.attr in private
        }
    return uses


def test_private_scrapy_code_is_touched_in_this_one_module_only():
    """Everything else extends Scrapy through its public hooks (middleware methods,
    get_retry_request, signals, settings)."""
    modules = [importlib.import_module(info.name) for info in pkgutil.walk_packages(crawler.__path__, "crawler.")]
    touching = {module.__name__: uses for module in modules if (uses := _private_scrapy_uses(module))}
    assert set(touching) == {"crawler.downloader"}, touching
    assert "SlotLimitedDownloader._process_queue (override)" in touching["crawler.downloader"]
