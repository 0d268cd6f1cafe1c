"""Write a new article to the archive, with every URL it was found under as an alias."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy.utils.defer import maybe_deferred_to_future

from crawler import settings as defaults
from crawler.extract import archive_fields
from crawler.groupstore import GroupedStore, grouped_store
from crawler.items import ArticlePage
from crawler.pipelines import RunPipeline
from crawler.pipelines.dedup import page_urls
from crawler.runstate import STAT_DUPLICATES, STAT_NEW, warc_fields
from storage.archive import NewArticle

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class StorePipeline(RunPipeline):
    """The last step: one row per article with its tags, story and fetch record (one
    transaction, shared with the articles stored at the same moment on SQLite: see
    crawler/groupstore.py), aliases, counters updated."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        settings = crawler.settings
        self.group_size = settings.getint("KABAR_STORE_GROUP_SIZE", defaults.KABAR_STORE_GROUP_SIZE)
        self.group_delay = settings.getfloat("KABAR_STORE_GROUP_DELAY", defaults.KABAR_STORE_GROUP_DELAY)
        self._store: GroupedStore | None = None

    def close_spider(self) -> None:
        store = self._store
        if store is not None:
            store.flush()
            logger.info(
                "%d new articles stored in %d transactions (this process, so far)", store.articles, store.groups
            )

    def _grouped(self) -> GroupedStore | None:
        """The process's GroupedStore of this run's archive, or None to store each alone."""
        run = self.run
        if self._store is None and self.group_size > 1 and run.archive.can_group_articles:
            self._store = grouped_store(
                run.archive, size=self.group_size, delay=self.group_delay, threshold=run.config.story_threshold
            )
        return self._store

    async def process_item(self, item: ArticlePage) -> ArticlePage:
        run = self.run
        new = self._new_article(item)
        store = self._grouped()
        if store is None:
            article_id, created = run.archive.store_articles([new], threshold=run.config.story_threshold)[0]
        else:
            article_id, created = await maybe_deferred_to_future(store.add(new))
        if created:
            self.crawler.stats.inc_value(STAT_NEW)
            aliases = page_urls(item) - {item.canonical}
        else:  # its URL or (stored in the same group) its text was there first
            self.crawler.stats.inc_value(STAT_DUPLICATES)
            aliases = page_urls(item)
        for url in aliases:
            run.archive.add_alias(article_id, url)
        item.article_id = article_id
        return item

    def _new_article(self, item: ArticlePage) -> NewArticle:
        run = self.run
        article = item.extracted
        return NewArticle(
            {
                "source_id": run.source_id,
                "url": item.canonical,
                **archive_fields(article),
                "text_hash": item.text_hash,
                "fetched_at": item.fetched_at,
                "meta": {"page_warc": item.page_warc} if item.page_warc else {},
                **warc_fields(item.warc),
            },
            tags=item.tags or {},
            signature=item.signature,
            fetch=run.article_fetch_fields(item),
            stems=item.stems,
        )
