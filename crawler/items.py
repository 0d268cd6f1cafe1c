"""The items the ``news`` spider yields, typed: one dataclass per kind of thing it yields
(Scrapy takes dataclass instances as items through itemadapter).

The spider yields one kind, :class:`ArticlePage`: a fetched page that should be an article.
The pipelines of ``ITEM_PIPELINES`` (crawler/settings.py) fill in what they learn of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the spider's process need not import the extraction code to yield items
    from crawler.extract import Article


@dataclass(slots=True, eq=False)
class ArticlePage:
    """An article page fetched by the spider, and what the pipelines learn of it, in the
    order they learn it. Each field group below is set by one component; a field stays at its
    default until then (or for good, when that component has nothing to say).

    **The fetch** (``NewsSpider.parse_article``): ``url`` as fetched (after redirects),
    ``status``, ``body`` and its ``encoding``, ``fetched_at``; ``found_at``, the feed, sitemap
    or listing URL that linked it (``"retry"`` for a failed article tried again);
    ``requested``, the URL as linked, before it was canonicalised; the validators ``etag``
    and ``last_modified``; ``warc``, the pointer ``{file, offset, length}`` of the response
    record (None when the WARC write failed); ``revisit_of``, the archived article's id when
    this is a revisit of it (``NewsSpider.parse_revisit``).

    **Extraction** (``ExtractPipeline``): ``article``; for a one-page article, what the
    extraction worker made of it as well: ``tags`` (relevance, dimensions, regions; None when
    the worker could not tag), ``signature`` (MinHash; None for a text too short),
    ``text_hash`` and ``stems`` (full-text stems, on SQLite); for an article split over pages,
    ``page_warc``, the WARC pointers of its other pages.

    **Relevance** (``RelevancePipeline``): ``tags``, when extraction left them unset.

    **Dedup** (``DedupPipeline``): ``canonical``, the URL the article is stored under, and
    ``text_hash`` when extraction left it unset.

    **Store** (``StorePipeline``): ``article_id`` of the stored article.
    """

    # The fetch
    url: str
    status: int
    body: bytes = field(repr=False)  # the raw page: kept out of reprs and log lines
    encoding: str
    fetched_at: datetime
    found_at: str | None = None
    requested: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    warc: dict[str, Any] | None = None
    revisit_of: int | None = None
    # Extraction
    article: Article | None = field(default=None, repr=False)
    tags: dict[str, Any] | None = None
    signature: bytes | None = field(default=None, repr=False)
    text_hash: str | None = None
    stems: str | None = field(default=None, repr=False)
    page_warc: list[dict[str, Any]] = field(default_factory=list)
    # Dedup
    canonical: str | None = None
    # Store
    article_id: int | None = None

    @property
    def extracted(self) -> Article:
        """The extracted article (the pipelines after ``ExtractPipeline`` rely on it)."""
        if self.article is None:
            raise ValueError(f"{self.url}: not extracted yet")
        return self.article
