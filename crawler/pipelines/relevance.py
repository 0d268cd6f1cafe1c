"""Score the article for smart-city relevance, tag dimensions and regions, and keep only what
``[relevance] min_score`` asks the archive to keep (the raw page is in the WARC either way)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from scrapy.exceptions import DropItem

from crawler.pipelines import RunPipeline
from crawler.relevance import Vocabulary, classify, load_vocabulary


@lru_cache(maxsize=4)
def vocabulary_for(extra: Path | None) -> Vocabulary:
    """The shipped vocabulary merged with the user's file, compiled once per process."""
    return load_vocabulary(extra)


def tag(article, vocabulary: Vocabulary) -> dict[str, Any]:
    """``relevant`` is the classifier's verdict at the vocabulary's own threshold."""
    result = classify(
        article.title,
        article.text,
        dateline=article.dateline,
        min_score=vocabulary.min_score,
        vocabulary=vocabulary,
    )
    return result.to_dict()


class RelevancePipeline(RunPipeline):
    """item["tags"] = relevance, dimensions, regions; below min_score the chain stops."""

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        config = self.run.config
        item["tags"] = tags = tag(item["article"], vocabulary_for(config.vocabulary))
        if tags["score"] < config.min_score and not item.get("revisit_of"):
            self.run.not_relevant += 1
            self.run.record_article_fetch(item, None)
            raise DropItem(
                f"not archived: score {tags['score']} < min_score {config.min_score}: {item['url']}",
                log_level="INFO",
            )
        return item

