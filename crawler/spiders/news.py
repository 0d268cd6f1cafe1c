"""The generic ``news`` spider: one source per crawl, articles found through feeds, sitemaps
and listing pages, never fetching an article URL the archive already holds.

Run it with ``kabar crawl`` or ``scrapy crawl news -a source=NAME``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response, TextResponse
from twisted.python.failure import Failure

from crawler import discovery
from crawler.config import resolve, scrapy_settings
from crawler.items import ArticlePage
from crawler.runstate import STAT_OFFSITE_DROPPED, RunState, body_hash
from crawler.urls import canonicalize
from storage import revisits

logger = logging.getLogger(__name__)

# Fetched again every run, with the validators of the last fetch (a 304 costs no parsing).
CONDITIONAL_KINDS = frozenset({"feed", "sitemap", "listing", "revisit"})
# Pages the config names or that lead to articles: robots.txt forbidding one is an error of the
# run (the source cannot be crawled as configured); a forbidden article link is only skipped.
ENTRY_KINDS = frozenset({"feed", "sitemap", "listing"})
ROBOTS_FORBIDDEN = "Forbidden by robots.txt"


class NewsSpider(scrapy.Spider):
    """Crawl one source from ``sources.toml``."""

    name = "news"

    # Set by from_crawler, from the crawler's settings and the source's config.
    run: RunState
    backfill: bool  # --backfill: no conditional GETs, listings followed to backfill_depth
    max_depth: int  # listing pages followed from each entry listing
    since: datetime | None  # with backfill: feed and sitemap entries older than this skipped
    allowed_hosts: set[str]  # netlocs of the source's entry points

    def __init__(self, source: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not source:
            raise ValueError("the news spider needs a source: -a source=NAME")
        self.source_name = source
        self.scheduled: set[str] = set()

    @classmethod
    def update_settings(cls, settings) -> None:
        """Apply the config's politeness and WARC settings, whoever starts the spider."""
        super().update_settings(settings)
        paths = resolve(
            db=settings.get("KABAR_DATABASE_URL"),
            config=settings.get("KABAR_CONFIG"),
            data_dir=settings.get("KABAR_DATA_DIR"),
        )
        settings.setdict(scrapy_settings(paths.config), priority="spider")

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.run = RunState.open(crawler, spider.source_name)
        settings = crawler.settings
        spider.backfill = settings.getbool("KABAR_BACKFILL")
        crawl = spider.run.config.crawl
        spider.max_depth = crawl.backfill_depth if spider.backfill else crawl.listing_depth
        since = settings.get("KABAR_SINCE")
        spider.since = _parse_since(since) if since else None
        source = spider.run.source
        entry_points = (source.url, *source.feeds, *source.sitemaps, *source.listings)
        spider.allowed_hosts = {urlsplit(url).netloc for url in entry_points}
        return spider

    async def start(self) -> AsyncIterator[Request]:
        source = self.run.source
        for request in self._revisits_and_retries():
            yield request
        for url in source.feeds:
            yield self._request(url, self.parse_feed, "feed")
        for url in source.sitemaps:
            for request in self._follow(url, self.parse_sitemap, "sitemap"):
                yield request
        listings = source.listings or (() if source.feeds or source.sitemaps else (source.url,))
        for url in listings:
            for request in self._follow(url, self.parse_listing, "listing", depth=0):
                yield request

    def parse_feed(self, response: Response) -> Iterator[Request]:
        if self._unchanged(response):
            return
        found = discovery.parse_feed(response.body, response.url)
        self._record_error(response, found.error)
        yield from self._follow_entries(found.articles, response.url)

    def parse_sitemap(self, response: Response) -> Iterator[Request]:
        if self._unchanged(response):
            return
        found = discovery.parse_sitemap(response.body, response.url)
        self._record_error(response, found.error)
        for url in found.sitemaps:
            if self._on_site(url):
                yield from self._follow(url, self.parse_sitemap, "sitemap")
            else:
                self._drop_offsite(url, response.url)
        yield from self._follow_entries(found.articles, response.url)

    def parse_listing(self, response: Response) -> Iterator[Request]:
        if self._unchanged(response):
            return
        if not isinstance(response, TextResponse):
            self.run.error(f"{response.url}: listing page is not HTML")
            return
        found = discovery.parse_listing(response.body, response.url, self.run.source.article_regex)
        self._record_error(response, found.error)
        for url, _ in found.articles:
            yield from self._follow_article(url, response.url)
        depth = response.meta.get("depth_listing", 0)
        if depth < self.max_depth:
            for url in found.next_pages:
                yield from self._follow(url, self.parse_listing, "listing", depth=depth + 1)

    def parse_revisit(self, response: Response) -> Iterator[ArticlePage]:
        """A young article fetched again: unchanged (304), gone (404/410) or maybe corrected."""
        article_id = response.meta["article_id"]
        engine = self.run.archive.engine
        if response.status == 304:
            revisits.mark_revisited(engine, article_id)
        elif response.status in (404, 410):
            logger.info("%s: article %s removed at the source (%s)", self.source_name, article_id, response.status)
            revisits.mark_revisited(engine, article_id, removed=True)
        else:
            for item in self.parse_article(response):
                item.revisit_of = article_id
                yield item

    def parse_article(self, response: Response) -> Iterator[ArticlePage]:
        if not isinstance(response, TextResponse):
            content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1") or "unknown"
            self.run.error(f"{response.url}: not an HTML page ({content_type})")
            self.run.record_fetch(response.url, "article", status=response.status, error="not HTML")
            return
        yield ArticlePage(
            url=response.url,
            found_at=response.meta.get("found_at"),
            requested=response.meta.get("requested"),
            body=response.body,
            encoding=response.encoding,
            status=response.status,
            fetched_at=datetime.now(UTC),
            etag=_header(response, b"ETag"),
            last_modified=_header(response, b"Last-Modified"),
            warc=response.meta.get("warc"),
        )

    def on_error(self, failure: Failure) -> None:
        request: Request = failure.request  # type: ignore[attr-defined]  # Scrapy sets it for errbacks
        url = (request.meta.get("redirect_urls") or [request.url])[0]  # the URL we asked for
        kind = request.meta.get("kind", "other")
        reason = describe_failure(failure)
        if failure.check(IgnoreRequest) and reason == ROBOTS_FORBIDDEN and kind not in ENTRY_KINDS:
            logger.info("%s: skipped %s (%s)", self.source_name, request.url, reason)
            return
        status = getattr(getattr(failure.value, "response", None), "status", None)
        if status is None:  # an HTTP error status is already counted when it arrives (RunRecorder)
            self.run.error(f"{failure.type.__name__}: {reason} ({request.url})")
        self.run.record_fetch(url, kind, status=status, error=reason[:500])

    def _revisits_and_retries(self) -> Iterator[Request]:
        """Young articles due for a revisit, and article URLs whose last fetch failed."""
        crawl, archive = self.run.config.crawl, self.run.archive
        due = revisits.revisit_candidates(
            archive.engine,
            self.run.source_id,
            window=timedelta(days=crawl.revisit_days),
            every=timedelta(hours=crawl.revisit_hours),
        )
        for article_id, url in due:
            request = self._request(url, self.parse_revisit, "revisit")
            request.meta["article_id"] = article_id
            request.meta["handle_httpstatus_list"] = [304, 404, 410]
            self.scheduled.add(url)
            yield request
        failed = archive.fetched_urls(self.run.source_id, include_failed=True) - self.run.known_urls
        for url in sorted(failed)[: crawl.retry_failed]:
            yield from self._follow_article(url, "retry")

    def _unchanged(self, response: Response) -> bool:
        """A 304, or a body identical to the last one: nothing to parse."""
        if response.status == 304:
            return True
        previous = response.meta.get("previous") or {}
        return bool(previous.get("body_hash")) and previous["body_hash"] == body_hash(response.body)

    def _record_error(self, response: Response, error: str | None) -> None:
        """What made a feed, sitemap or listing page unreadable (in part), as an error of the run."""
        if error:
            self.run.error(f"{response.url}: {error}")

    def _follow_entries(self, entries: list[tuple[str, datetime | None]], found_at: str) -> Iterator[Request]:
        """The articles a feed or sitemap lists (with --backfill --since, only the recent ones)."""
        for url in discovery.filter_since(entries, self.since if self.backfill else None):
            yield from self._follow_article(url, found_at)

    def _follow_article(self, url: str, found_at: str) -> Iterator[Request]:
        if not self._on_site(url):
            self._drop_offsite(url, found_at)
            return
        canonical = canonicalize(url)
        if canonical in self.scheduled or canonical in self.run.known_urls or url in self.run.known_urls:
            return
        self.scheduled.add(canonical)
        request = self._request(canonical, self.parse_article, "article")
        request.meta["found_at"] = found_at
        request.meta["requested"] = url
        yield request

    def _follow(self, url: str, callback, kind: str, depth: int | None = None) -> Iterator[Request]:
        """A request for a sitemap or listing page linked from another, once per run (every
        page of a listing links its neighbours: only the first link costs a lookup)."""
        if url in self.scheduled:
            return
        self.scheduled.add(url)
        yield self._request(url, callback, kind, depth)

    def _request(self, url: str, callback, kind: str, depth: int | None = None) -> Request:
        meta: dict[str, Any] = {"kind": kind}
        headers: dict[str, str] = {}
        if depth is not None:
            meta["depth_listing"] = depth
        if kind in CONDITIONAL_KINDS and not (self.backfill and kind != "revisit"):
            previous = self.run.archive.fetch_info(url)
            if previous and previous.get("status") == 200:
                meta["previous"] = previous
                meta["handle_httpstatus_list"] = [304]
                headers = conditional_headers(previous)
        return Request(url, callback=callback, errback=self.on_error, meta=meta, headers=headers)

    def _on_site(self, url: str) -> bool:
        return urlsplit(url).netloc in self.allowed_hosts

    def _drop_offsite(self, url: str, found_at: str) -> None:
        """A feed or sitemap entry on a host that is not one of the source's: not followed
        (a feed may list another site's story; fetching it would archive that site under this
        source), counted in the run's ``offsite_dropped``."""
        self.crawler.stats.inc_value(STAT_OFFSITE_DROPPED)
        logger.debug("%s: not following %s from %s: not on the source's hosts", self.source_name, url, found_at)


def describe_failure(failure: Failure) -> str:
    """One readable line for a failed download (Scrapy leaves some of them empty or nested)."""
    reason = failure.getErrorMessage() or ""
    nested = re.findall(r"Failure [\w.]+\.(\w+): ([^>]*)>", reason)
    if nested:  # "[<twisted.python.failure.Failure twisted...ConnectionLost: ...>]"
        reason = "; ".join(f"{name}: {message.strip()}" for name, message in nested)
    if not reason or reason == failure.type.__name__:
        reason = FAILURE_HINTS.get(failure.type.__name__, failure.type.__name__)
    return reason


# What a download failure that carries no message means.
FAILURE_HINTS = {
    "DownloadCancelledError": "download cancelled: the body passed the DOWNLOAD_MAXSIZE limit",
    "ResponseDataLossError": "truncated response: the connection closed before the whole body arrived",
}


def conditional_headers(previous: dict[str, Any]) -> dict[str, str]:
    """If-None-Match / If-Modified-Since from the validators of the last fetch."""
    headers = {}
    if previous.get("etag"):
        headers["If-None-Match"] = previous["etag"]
    if previous.get("last_modified"):
        headers["If-Modified-Since"] = previous["last_modified"]
    return headers


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def _parse_since(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
