"""The extraction result: one frozen record per article page."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

__all__ = ["Article"]


@dataclass(frozen=True, slots=True)
class Article:
    """What extraction knows about one article page.

    ``published`` is timezone-aware or None; ``page_urls`` lists the article's other pages
    (in order) or its single-page ``?page=all`` view, empty for a one-page article.
    Empty strings stand for "not found". ``truncated_from`` is the length the text had before
    it was cut to ``storage.textlimit.MAX_TEXT_CHARS`` (at a paragraph break), None when it
    was not cut.
    """

    url: str
    canonical_url: str = ""
    title: str = ""
    author: str = ""
    published: datetime | None = None
    language: str = ""
    text: str = ""
    site_name: str = ""
    description: str = ""
    image: str = ""
    dateline: str = ""
    page_urls: tuple[str, ...] = ()
    truncated_from: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: ``published`` as ISO 8601 with offset, ``page_urls`` a list."""
        data = asdict(self)
        data["published"] = self.published.isoformat() if self.published else None
        data["page_urls"] = list(self.page_urls)
        return data
