"""Drop pages the archive already holds: by canonical URL, then by exact normalised text.

A duplicate is not lost: its URL becomes an alias of the article that was kept.
"""

from __future__ import annotations

from scrapy.exceptions import DropItem
from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.items import ArticlePage
from crawler.pipelines import RunPipeline
from crawler.runstate import STAT_DUPLICATES, STAT_NEW
from crawler.urls import canonicalize, same_site
from storage.models import Article
from storage.tags import store_tags
from storage.textnorm import text_hash


def page_urls(item: ArticlePage) -> set[str]:
    """Every URL the page was known under in this crawl."""
    return {u for u in (item.url, item.requested, item.canonical) if u}


def canonical_url(item: ArticlePage) -> str:
    """rel=canonical when it stays on the page's own site (an ``m.`` or ``amp.`` host of the
    same domain included), else the cleaned page URL."""
    declared = item.extracted.canonical_url
    if declared and same_site(declared, item.url):
        return canonicalize(declared)
    return canonicalize(item.url)


class DedupPipeline(RunPipeline):
    """item.canonical and item.text_hash are set here (unless extraction set the hash);
    duplicates stop the chain."""

    def process_item(self, item: ArticlePage) -> ArticlePage:
        item.canonical = canonical_url(item)
        archive = self.run.archive
        existing = archive.find_article_for(page_urls(item))
        if existing is not None and self.complete_interrupted(item, existing):
            return self._drop_completed(item, existing)
        if existing is None:
            if item.text_hash is None:
                item.text_hash = text_hash(item.extracted.text)
            existing = archive.find_by_text_hash(item.text_hash)
            if existing is None:
                return item
        self.keep_as_duplicate(item, existing)
        raise DropItem(f"duplicate of article {existing}: {item.url}")

    def keep_as_duplicate(self, item: ArticlePage, article_id: int) -> None:
        run = self.run
        self.crawler.stats.inc_value(STAT_DUPLICATES)
        for url in page_urls(item):
            run.archive.add_alias(article_id, url)
        run.record_article_fetch(item, article_id)

    def complete_interrupted(self, item: ArticlePage, article_id: int) -> bool:
        """An article found under its own URL whose storing was cut short (a crawl killed
        between the article row and its tags or story): write what is missing now."""
        run = self.run
        engine = run.archive.engine
        with Session(engine) as session:
            row = session.execute(select(Article.score, Article.story_id).where(Article.id == article_id)).one_or_none()
        if row is None or (row.score is not None and row.story_id is not None):
            return False
        if row.score is None and item.tags:
            store_tags(engine, article_id, item.tags)
        if row.story_id is None:
            run.archive.assign_story(article_id, threshold=run.config.story_threshold)
        return True

    def _drop_completed(self, item: ArticlePage, article_id: int):
        run = self.run
        self.crawler.stats.inc_value(STAT_NEW)
        for url in page_urls(item):
            run.archive.add_alias(article_id, url)
        run.record_article_fetch(item, article_id)
        raise DropItem(f"completed the interrupted store of article {article_id}: {item.url}", log_level="INFO")
