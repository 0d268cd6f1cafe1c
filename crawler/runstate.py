"""One crawl of one source: its archive handle, its counts, and the extension that records it.

The spider owns a :class:`RunState`; pipelines reach it through ``crawler.spider.run``. The
counts live in the crawler's stats collector (``crawler.stats``, under the ``STAT_*`` keys
below; pages are Scrapy's own ``response_received_count``): the spider and pipelines increment
them there, and :meth:`RunState.summary` (the live progress, the crawl summary) and the run row
read them from there. :class:`RunRecorder` listens to Scrapy signals, counts successful
responses and errors, and writes the run row when the spider closes.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import Request, Spider, signals
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.config import Config, SourceConfig, resolve
from storage.archive import Archive
from storage.db import open_archive

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from crawler.items import ArticlePage

logger = logging.getLogger(__name__)

MAX_ERROR_SAMPLES = 20
OK_STATUSES = range(200, 400)
# Answers that are an outcome, not an error: robots.txt may be missing, a revisited
# article may be gone at the source.
EXPECTED_FAILURES = {"robots": range(400, 500), "revisit": (404, 410)}
# Why Scrapy closed a spider early -> the run's status.
CLOSE_REASONS = {"closespider_timeout": "timeout", "shutdown": "killed", "memusage_exceeded": "failed"}
# Pages whose validators (ETag, Last-Modified, body hash) let the next run skip parsing them:
# kept back until the run finishes, so a crawl killed before it followed their links does not
# make the next one skip them (the previous validators stay until then).
DEFERRED_VALIDATOR_KINDS = frozenset({"feed", "sitemap", "listing"})
# Request kinds of the spider recorded under another fetch kind.
RECORDED_KIND = {"article-page": "other", "revisit": "article"}

# The run's counts in the crawler's stats collector.
STAT_PAGES = "response_received_count"  # every HTTP response, robots.txt and 304s included (CoreStats)
STAT_OK_PAGES = "kabar/ok_pages"  # responses of 200-399 other than robots.txt
STAT_NEW = "kabar/new"  # articles stored
STAT_DUPLICATES = "kabar/duplicates"  # article pages kept as another article's alias
STAT_NOT_RELEVANT = "kabar/not_relevant"  # articles below min_score, not archived
STAT_UPDATED = "kabar/updated"  # revisited articles whose text changed
STAT_ERRORS = "kabar/errors"
STAT_OFFSITE_DROPPED = "kabar/offsite_dropped"  # feed and sitemap entries on another host, not followed
# The counts of a run's summary (and its row), in order, and where each is kept.
SUMMARY_STATS = {
    "pages": STAT_PAGES,
    "new": STAT_NEW,
    "duplicates": STAT_DUPLICATES,
    "not_relevant": STAT_NOT_RELEVANT,
    "updated": STAT_UPDATED,
    "errors": STAT_ERRORS,
    "offsite_dropped": STAT_OFFSITE_DROPPED,
}


def warc_fields(pointer: dict[str, Any] | None) -> dict[str, Any]:
    """A page's WARC pointer as the ``warc_file/offset/length`` columns (empty when none)."""
    return {f"warc_{k}": v for k, v in (pointer or {}).items()}


def body_hash(body: bytes) -> str:
    """Fingerprint of a response body, to skip parsing a feed or listing that did not change."""
    return hashlib.sha1(body).hexdigest()


@lru_cache(maxsize=8)
def archive_for(database_url: str) -> Archive:
    """One engine per database for the whole process (several crawlers may share it)."""
    return Archive(open_archive(database_url))


@dataclass
class RunState:
    """Handles of one source's crawl, and the reader of its counts (kept in ``crawler.stats``,
    which Scrapy sets only once the crawl starts: after the spider, and so this, is made)."""

    source: SourceConfig
    config: Config
    archive: Archive
    source_id: int
    run_id: int
    trigger: str
    data_dir: Path
    crawler: Crawler
    known_urls: set[str] = field(default_factory=set)
    error_samples: list[str] = field(default_factory=list)
    pending_validators: list[tuple[str, str, int, dict[str, Any]]] = field(default_factory=list)
    recorded: str | None = None  # the status the run row was closed with

    @classmethod
    def open(cls, crawler: Crawler, source_name: str) -> RunState:
        """Resolve config and database from the crawler's settings and start a run row."""
        settings = crawler.settings
        paths = resolve(
            db=settings.get("KABAR_DATABASE_URL"),
            config=settings.get("KABAR_CONFIG"),
            data_dir=settings.get("KABAR_DATA_DIR"),
        )
        source = paths.config.source(source_name)
        archive = archive_for(paths.database_url)
        source_id = archive.ensure_source(source.name, source.url)
        trigger = settings.get("KABAR_TRIGGER", "scrapy")
        run_id = archive.start_run(source.name, trigger)
        known = archive.fetched_urls(None, kinds=("article",))
        logger.info("%s: run %s started, %d article URLs already archived", source.name, run_id, len(known))
        return cls(
            source=source,
            config=paths.config,
            archive=archive,
            source_id=source_id,
            run_id=run_id,
            trigger=trigger,
            data_dir=paths.data_dir,
            crawler=crawler,
            known_urls=known,
        )

    def error(self, message: str) -> None:
        """Count one error and keep a short sample of it."""
        self.crawler.stats.inc_value(STAT_ERRORS)
        logger.warning("%s: %s", self.source.name, message)
        if len(self.error_samples) < MAX_ERROR_SAMPLES:
            self.error_samples.append(message[:300])

    def record_fetch(self, url: str, kind: str, **fields: Any) -> None:
        self.archive.record_fetch(url, source_id=self.source_id, run_id=self.run_id, kind=kind, **fields)

    def record_article_fetch(self, item: ArticlePage, article_id: int | None) -> None:
        """The fetch of an article page, with its validators and WARC pointer."""
        fields = self.article_fetch_fields(item)
        self.archive.record_fetch(fields.pop("url"), article_id=article_id, **fields)

    def article_fetch_fields(self, item: ArticlePage) -> dict[str, Any]:
        """The :meth:`Archive.record_fetch` fields of an article page's fetch (no article id)."""
        return {
            "url": item.url,
            "source_id": self.source_id,
            "run_id": self.run_id,
            "kind": "article",
            "status": item.status,
            "etag": item.etag,
            "last_modified": item.last_modified,
            **warc_fields(item.warc),
        }

    def count(self, key: str) -> int:
        """One of the run's counts (a ``STAT_*`` key), 0 until something was counted."""
        try:
            stats = self.crawler.stats
        except RuntimeError:  # the crawl has not started (or could not)
            return 0
        return stats.get_value(key, 0)

    @property
    def status(self) -> str:
        """ok, partial (some errors) or failed (nothing but errors: the source as a whole)."""
        errors = self.count(STAT_ERRORS)
        if errors and self.count(STAT_OK_PAGES) == 0:
            return "failed"
        return "partial" if errors else "ok"

    def summary(self) -> dict[str, Any]:
        """Source, status and the counts of :data:`SUMMARY_STATS`, as they stand now."""
        return {
            "source": self.source.name,
            "status": self.status,
            **{name: self.count(key) for name, key in SUMMARY_STATS.items()},
        }


class RunRecorder:
    """Extension: count the successful responses and the errors of a run, record the fetches
    the pipelines do not, and write the run row at the end."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        # WarcArchive (an earlier extension) puts each response's pointer in request.meta["warc"]
        self.warc_enabled = crawler.settings.getbool("KABAR_WARC_ENABLED", True)
        crawler.signals.connect(self.response_received, signal=signals.response_received)
        crawler.signals.connect(self.spider_error, signal=signals.spider_error)
        crawler.signals.connect(self.item_error, signal=signals.item_error)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunRecorder:
        return cls(crawler)

    @staticmethod
    def _run(spider: Spider | None) -> RunState | None:
        return getattr(spider, "run", None)

    def response_received(self, response: Response, request: Request, spider: Spider | None = None) -> None:
        run = self._run(spider or self.crawler.spider)
        if run is None:
            return
        if self.warc_enabled and "warc" not in request.meta:  # a full disk, a lost directory
            run.error(f"WARC: {response.url} not archived (the WARC write failed, see the log)")
        kind = request.meta.get("kind") or ("robots" if response.url.endswith("/robots.txt") else "other")
        if response.status in OK_STATUSES:
            if kind != "robots":
                self.crawler.stats.inc_value(STAT_OK_PAGES)
        elif kind not in EXPECTED_FAILURES or response.status not in EXPECTED_FAILURES[kind]:
            run.error(f"HTTP {response.status} {response.url}")
        if kind in {"article", "article-page", "revisit"} and response.status in OK_STATUSES:
            return  # the pipelines record these once they know the article
        kind = RECORDED_KIND.get(kind, kind)
        validators = {
            "etag": _header(response, b"ETag"),
            "last_modified": _header(response, b"Last-Modified"),
            "body_hash": body_hash(response.body) if response.status == 200 else None,
        }
        if kind in DEFERRED_VALIDATOR_KINDS and response.status == 200:
            run.pending_validators.append((response.url, kind, response.status, validators))
            validators = {}
        run.record_fetch(
            response.url, kind, status=response.status, **validators, **warc_fields(request.meta.get("warc"))
        )

    def spider_error(self, failure: Failure, response: Response, spider: Spider) -> None:
        run = self._run(spider)
        if run is not None:
            run.error(f"{failure.type.__name__}: {failure.getErrorMessage()} at {response.url}")

    def item_error(self, item: Any, response: Response, spider: Spider, failure: Failure) -> None:
        run = self._run(spider)
        if run is not None:
            url = getattr(item, "url", "?")
            run.error(f"{failure.type.__name__} while processing {url}: {failure.getErrorMessage()}")

    def spider_closed(self, spider: Spider, reason: str) -> None:
        run = self._run(spider)
        if run is None:
            return
        status = run.status if reason == "finished" else CLOSE_REASONS.get(reason, "failed")
        if reason == "finished":  # every link of these pages was followed: skip them next time
            for url, kind, code, validators in run.pending_validators:
                run.record_fetch(url, kind, status=code, **validators)
        if reason not in {"finished"} and not run.count(STAT_ERRORS):
            run.error(f"crawl closed early: {reason}")
        summary = run.summary()
        run.archive.finish_run(
            run.run_id,
            status=status,
            pages=summary["pages"],
            new=summary["new"],
            duplicates=summary["duplicates"],
            errors=summary["errors"],
            error_samples=run.error_samples,
            offsite_dropped=summary["offsite_dropped"],
        )
        run.recorded = status
        logger.info("%s: run %s %s: %s", run.source.name, run.run_id, status, summary)


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def utcnow() -> datetime:
    return datetime.now(UTC)
