"""Extension: write every response the crawler receives to WARC files, and tell the spider where.

Listens to ``response_received`` (feeds, sitemaps, listings, articles, robots.txt, 304s and
error pages alike), writes the exchange through :class:`storage.warc.WarcWriter` into
``<data_dir>/warc/`` and puts the pointer dict in ``request.meta["warc"]`` for the spider and
pipelines. One writer per process, shared by every crawler of that process. A failing disk is
logged once per file and counted in the stats (``kabar/warc_errors``); the crawl goes on.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy import Request, Spider, signals
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from storage.errors import StorageError
from storage.location import WARC_MAX_BYTES
from storage.warc import WarcWriteError, WarcWriter

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

WARC_SUBDIR = "warc"
STAT_RECORDS = "kabar/warc_records"
STAT_BYTES = "kabar/warc_bytes"
STAT_ERRORS = "kabar/warc_errors"

# The process-wide writers, one per directory, with the number of crawlers using each.
_writers: dict[Path, tuple[WarcWriter, int]] = {}
_writers_lock = threading.Lock()


def acquire_writer(directory: Path, max_bytes: int) -> WarcWriter:
    """The process's writer for ``directory`` (created on first use); release it when done."""
    directory = directory.absolute()
    with _writers_lock:
        writer, users = _writers.get(directory, (None, 0))
        if writer is None:
            writer = WarcWriter(directory, max_bytes=max_bytes)
        _writers[directory] = (writer, users + 1)
        return writer


def release_writer(writer: WarcWriter) -> None:
    """One crawler is done with ``writer``; the last one closes it."""
    with _writers_lock:
        entry = _writers.get(writer.directory)
        if entry is None or entry[0] is not writer:
            return
        users = entry[1] - 1
        if users > 0:
            _writers[writer.directory] = (writer, users)
            return
        del _writers[writer.directory]
    writer.close()


class WarcArchive:
    """Archive each received response and store its WARC pointer in ``request.meta["warc"]``."""

    def __init__(self, crawler: Crawler, max_bytes: int) -> None:
        self.crawler = crawler
        self.max_bytes = max_bytes
        self.writer: WarcWriter | None = None
        self.disabled = False  # the directory could not even be worked out
        self.failed_paths: set[str] = set()
        crawler.signals.connect(self.response_received, signal=signals.response_received)
        crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcArchive:
        settings = crawler.settings
        if not settings.getbool("KABAR_WARC_ENABLED", True):
            raise NotConfigured("WARC archiving is off (KABAR_WARC_ENABLED)")
        max_bytes = settings.getint("KABAR_WARC_MAX_BYTES", WARC_MAX_BYTES)
        if max_bytes <= 0:
            raise NotConfigured(f"KABAR_WARC_MAX_BYTES must be positive, not {max_bytes}")
        return cls(crawler, max_bytes)

    def response_received(self, response: Response, request: Request, spider: Spider | None = None) -> None:
        writer = self._writer(spider or self.crawler.spider)
        if writer is None:
            return
        try:
            pointer = writer.write(
                response.url,
                status=response.status,
                reason="",
                headers=_headers(response.headers),
                body=response.body,
                request_method=request.method,
                request_headers=_headers(request.headers),
                fetched_at=datetime.now(UTC),
                ip_address=str(response.ip_address) if response.ip_address else None,
            )
        except StorageError as exc:
            self._failed(exc, response.url)
            return
        except Exception as exc:  # a bug must not stop the crawl either; keep the traceback
            self._count_error()
            logger.exception("WARC: cannot archive %s: %s", response.url, exc)
            return
        request.meta["warc"] = pointer.to_dict()
        stats = self.crawler.stats
        if stats is not None:
            stats.inc_value(STAT_RECORDS)
            stats.inc_value(STAT_BYTES, pointer.length)

    def engine_stopped(self) -> None:
        if self.writer is not None:
            release_writer(self.writer)
            self.writer = None

    def _writer(self, spider: Spider | None) -> WarcWriter | None:
        if self.writer is None and not self.disabled:
            try:
                directory = self._data_dir(spider) / WARC_SUBDIR
            except Exception as exc:
                self.disabled = True
                self._count_error()
                logger.error("WARC: archiving off for this crawl, no data directory: %s", exc)
                return None
            self.writer = acquire_writer(directory, self.max_bytes)
        return self.writer

    def _data_dir(self, spider: Spider | None) -> Path:
        run = getattr(spider, "run", None)
        data_dir = getattr(run, "data_dir", None)
        if data_dir is not None:
            return Path(data_dir)
        from crawler.config import resolve

        settings = self.crawler.settings
        return resolve(
            db=settings.get("KABAR_DATABASE_URL"),
            config=settings.get("KABAR_CONFIG"),
            data_dir=settings.get("KABAR_DATA_DIR"),
            require_config=False,  # only the data directory is wanted here
        ).data_dir

    def _failed(self, exc: StorageError, url: str) -> None:
        self._count_error()
        where = str(getattr(exc, "path", "") or exc)
        if where not in self.failed_paths:
            self.failed_paths.add(where)
            hint = "" if isinstance(exc, WarcWriteError) else f" ({url})"
            logger.error("WARC: %s%s; the crawl goes on without archiving what fails", exc, hint)

    def _count_error(self) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(STAT_ERRORS)


def _headers(headers) -> list[tuple[str, str]]:
    """Scrapy's multi-valued bytes headers as (name, value) text pairs, in order."""
    return [(name.decode("latin-1"), value.decode("latin-1")) for name, values in headers.items() for value in values]
