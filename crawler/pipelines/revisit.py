"""A revisited article: when its text changed, keep the previous one as a version and update
the article in place (text, title, tags, WARC pointer); otherwise only note the revisit."""

from __future__ import annotations

from scrapy.exceptions import DropItem

from crawler.extract import EXTRACTOR_VERSION
from crawler.items import ArticlePage
from crawler.pipelines import RunPipeline
from crawler.runstate import STAT_UPDATED, warc_fields
from storage import revisits
from storage.tags import store_tags
from storage.textnorm import text_hash


class RevisitPipeline(RunPipeline):
    """Handles items with ``revisit_of``; every other item passes untouched."""

    def process_item(self, item: ArticlePage) -> ArticlePage:
        article_id = item.revisit_of
        if article_id is None:
            return item
        run, article = self.run, item.extracted
        engine = run.archive.engine
        new_hash = item.text_hash or text_hash(article.text)
        stored = revisits.current_hash(engine, article_id)
        if stored is not None and stored != new_hash:
            revisits.keep_version(engine, article_id)
            run.archive.update_article(
                article_id,
                {
                    "title": article.title,
                    "text": article.text,
                    "truncated_from": article.truncated_from,
                    "text_hash": new_hash,
                    "author": article.author,
                    "extractor_version": EXTRACTOR_VERSION,
                    **warc_fields(item.warc),
                },
            )
            if item.tags:
                store_tags(engine, article_id, item.tags)
            self.crawler.stats.inc_value(STAT_UPDATED)
        revisits.mark_revisited(engine, article_id)
        run.record_article_fetch(item, article_id)
        changed = "changed" if stored != new_hash else "unchanged"
        raise DropItem(f"revisited article {article_id}: {changed}", log_level="INFO")
