"""Turn a fetched page into an :class:`~crawler.extract.Article`, following the other pages of
an article split over several pages."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy import Request
from scrapy.exceptions import DropItem
from scrapy.http import TextResponse
from scrapy.utils.reactor import is_asyncio_reactor_installed

from crawler.config import default_extract_workers
from crawler.extract import Article, combine_pages
from crawler.extractpool import ExtractionFailed, ExtractorPool
from crawler.items import ArticlePage
from crawler.pipelines import RunPipeline

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

MAX_EXTRA_PAGES = 10
# Fewer words than this is not an article (the shortest real news item we have seen has 150).
MIN_ARTICLE_WORDS = 40


class ExtractPipeline(RunPipeline):
    """item.body -> item.article; a page without article text is dropped and recorded,
    and so is a listing page (a section or homepage a sitemap listed), without an error.
    For a one-page article the workers' tags, signature, text_hash and stems come along.

    Pages are extracted in ``KABAR_EXTRACT_WORKERS`` worker processes (0: in the crawl
    process), so the reactor thread keeps fetching, archiving and storing meanwhile.
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        workers = crawler.settings.getint("KABAR_EXTRACT_WORKERS", default_extract_workers())
        if workers and not is_asyncio_reactor_installed():
            logger.info("extracting in the crawl process: worker processes need the asyncio reactor")
            workers = 0
        self.pool = ExtractorPool(workers)

    def close_spider(self) -> None:
        self.pool.close()

    async def process_item(self, item: ArticlePage) -> ArticlePage:
        url, status = item.url, item.status
        try:
            analysis = await self.pool.analyse(
                item.body, url, item.fetched_at, tag_with=self.run.config.vocabulary, stems=self.run.archive.keeps_stems
            )
        except ExtractionFailed as exc:
            self.run.error(f"{url}: {exc}")
            self.run.record_fetch(url, "article", status=status, error=str(exc))
            raise DropItem(f"{exc}: {url}") from None
        article, reason = analysis.article, analysis.listing
        if reason:
            self.run.record_fetch(url, "listing", status=status)
            raise DropItem(f"not an article ({reason}): {url}", log_level="INFO")
        if article.page_urls:  # tags, fingerprints and stems are of the joined text, made later
            article = await self._join_pages(article, item)
        else:
            item.tags, item.signature = analysis.tags, analysis.signature
            item.text_hash, item.stems = analysis.text_hash, analysis.stems
        if not article.text.strip():
            self.run.error(f"{url}: no article text found")
            self.run.record_fetch(url, "article", status=status, error="no article text")
            raise DropItem(f"no article text in {url}")
        words = len(article.text.split())
        if words < MIN_ARTICLE_WORDS:  # a login form, an error page served as 200, a stub
            self.run.error(f"{url}: not an article (only {words} words of text)")
            self.run.record_fetch(url, "article", status=status, error=f"not an article ({words} words)")
            raise DropItem(f"not an article ({words} words of text): {url}")
        item.article = article
        return item

    async def _join_pages(self, first: Article, item: ArticlePage) -> Article:
        """Fetch the other pages (their WARC pointers go to item.page_warc) and join them."""
        pages, pointers = [], []
        for url in first.page_urls[:MAX_EXTRA_PAGES]:
            fetched = await self._fetch(url)
            if fetched is not None:
                pages.append(fetched[0])
                pointers.append(fetched[1])
        item.page_warc = [p for p in pointers if p]
        return combine_pages(first, pages)

    async def _fetch(self, url: str) -> tuple[Article, dict | None] | None:
        request = Request(url, meta={"kind": "article-page"}, dont_filter=True)
        try:
            response = await self.crawler.engine.download_async(request)
        except Exception as exc:  # network failure of one page: keep what we have
            self.run.error(f"{url}: page of a split article failed: {exc}")
            return None
        if not isinstance(response, TextResponse) or response.status >= 400:
            self.run.error(f"{url}: page of a split article answered {response.status}")
            return None
        try:
            analysis = await self.pool.analyse(response.body, response.url, listing=False)
        except ExtractionFailed as exc:
            self.run.error(f"{url}: page of a split article: {exc}")
            return None
        return analysis.article, request.meta.get("warc")
