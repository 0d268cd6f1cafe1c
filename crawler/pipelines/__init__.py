"""Item pipelines, one job each, in the order of ``ITEM_PIPELINES`` in ``crawler/settings.py``:
extract (page -> Article, with tags and fingerprints from the worker), relevance (tags; below
``min_score`` not archived), revisit (a revisited article updated in place), dedup (canonical
URL, exact text), store (archive row, story, aliases).

Items are :class:`crawler.items.ArticlePage` dataclasses: the spider yields the fetched page;
each pipeline fills in its own fields and drops the item (with the reason recorded) when the
chain should stop.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from crawler.runstate import RunState
    from crawler.spiders.news import NewsSpider


class RunPipeline:
    """Base for pipelines that need the run of the spider they serve."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler):
        return cls(crawler)

    @property
    def run(self) -> RunState:
        return cast("NewsSpider", self.crawler.spider).run  # the spider these pipelines serve
