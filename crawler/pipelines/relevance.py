"""Score the article for smart-city relevance, tag dimensions and regions, and keep only what
``[relevance] min_score`` asks the archive to keep (the raw page is in the WARC either way)."""

from __future__ import annotations

from scrapy.exceptions import DropItem

from crawler.items import ArticlePage
from crawler.pipelines import RunPipeline
from crawler.relevance.tagging import tag, vocabulary_for
from crawler.runstate import STAT_NOT_RELEVANT


class RelevancePipeline(RunPipeline):
    """item.tags = relevance, dimensions, regions; below min_score the chain stops."""

    def process_item(self, item: ArticlePage) -> ArticlePage:
        config = self.run.config
        if item.tags is None:  # the extraction worker tags the article when it can
            item.tags = tag(item.extracted, vocabulary_for(config.vocabulary))
        tags = item.tags
        if tags["score"] < config.min_score and not item.revisit_of:
            self.crawler.stats.inc_value(STAT_NOT_RELEVANT)
            self.run.record_article_fetch(item, None)
            raise DropItem(
                f"not archived: score {tags['score']} < min_score {config.min_score}: {item.url}",
                log_level="INFO",
            )
        return item
