"""Write a new article to the archive, with every URL it was found under as an alias."""

from __future__ import annotations

from typing import Any

from crawler.extract import EXTRACTOR_VERSION
from crawler.pipelines import RunPipeline
from crawler.pipelines.dedup import page_urls
from crawler.runstate import warc_fields


class StorePipeline(RunPipeline):
    """The last step: one row per article with its tags, story and fetch record (one
    transaction), aliases, counters updated."""

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        run = self.run
        article = item["article"]
        tags = item.get("tags") or {}
        article_id, created = run.archive.store_article(
            {
                "source_id": run.source_id,
                "url": item["canonical"],
                "title": article.title,
                "author": article.author,
                "published_at": article.published,
                "language": article.language,
                "text": article.text,
                "text_hash": item["text_hash"],
                "site_name": article.site_name,
                "description": article.description,
                "image": article.image,
                "dateline": article.dateline,
                "fetched_at": item["fetched_at"],
                "extractor_version": EXTRACTOR_VERSION,
                "meta": {"page_warc": item["page_warc"]} if item.get("page_warc") else {},
                **warc_fields(item),
            },
            tags=tags,
            threshold=run.config.story_threshold,
            signature=item.get("signature"),
            fetch=run.article_fetch_fields(item),
            stems=item.get("stems"),
        )
        if created:
            run.new += 1
        else:
            run.duplicates += 1
        for url in page_urls(item) - {item["canonical"]}:
            run.archive.add_alias(article_id, url)
        item["article_id"] = article_id
        return item
