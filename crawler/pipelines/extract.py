"""Turn a fetched page into an :class:`~crawler.extract.Article`, following the other pages of
an article split over several pages."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from scrapy import Request
from scrapy.exceptions import DropItem
from scrapy.http import TextResponse

from crawler.extract import Article, extract
from crawler.pagetype import listing_reason
from crawler.pipelines import RunPipeline

logger = logging.getLogger(__name__)

MAX_EXTRA_PAGES = 10


class ExtractPipeline(RunPipeline):
    """item["body"] -> item["article"]; a page without article text is dropped and recorded,
    and so is a listing page (a section or homepage a sitemap listed), without an error."""

    async def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        article = extract(item["body"], item["url"], fetched_at=item["fetched_at"])
        reason = listing_reason(item["body"], item["url"], article.text)
        if reason:
            self.run.record_fetch(item["url"], "listing", status=item["status"])
            raise DropItem(f"not an article ({reason}): {item['url']}", log_level="INFO")
        if article.page_urls:
            article = await self._join_pages(article, item)
        if not article.text.strip():
            self.run.error(f"{item['url']}: no article text found")
            self.run.record_fetch(item["url"], "article", status=item["status"], error="no article text")
            raise DropItem(f"no article text in {item['url']}")
        item["article"] = article
        return item

    async def _join_pages(self, first: Article, item: dict[str, Any]) -> Article:
        """Fetch the other pages; a page holding the whole text (``?page=all``) wins."""
        texts = [first.text]
        for url in first.page_urls[:MAX_EXTRA_PAGES]:
            page = await self._fetch(url)
            if page is None:
                continue
            if first.text and first.text[:200] in page.text and len(page.text) > len(first.text):
                return replace(first, text=page.text, page_urls=first.page_urls)
            texts.append(page.text)
        return replace(first, text="\n\n".join(t for t in texts if t))

    async def _fetch(self, url: str) -> Article | None:
        request = Request(url, meta={"kind": "article-page"}, dont_filter=True)
        try:
            response = await self.crawler.engine.download_async(request)
        except Exception as exc:  # network failure of one page: keep what we have
            self.run.error(f"{url}: page of a split article failed: {exc}")
            return None
        if not isinstance(response, TextResponse) or response.status >= 400:
            self.run.error(f"{url}: page of a split article answered {response.status}")
            return None
        return extract(response.body, response.url)
