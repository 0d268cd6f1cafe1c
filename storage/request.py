"""What a search or a count asks for: the request, its sort orders and the keys counts go by.

Plain data without SQLAlchemy, so the CLI can build its parser without loading the database
layer; storage.query runs requests, storage.counts counts them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

#: How hits are ordered: by rank (a text query only), by publication time newest or oldest first.
SORTS = ("relevance", "newest", "oldest")
#: Counts over time (calendar periods in the display zone; ISO weeks) and per facet.
PERIODS = ("day", "week", "month", "year")
FACETS = ("source", "region", "province", "dimension")
BY = PERIODS + FACETS


@dataclass
class SearchRequest:
    """What to look for. ``limit=None`` means no limit; ``since`` is inclusive and
    ``until`` exclusive, both on the publication time (undated articles drop out)."""

    query: str = ""
    sources: list[str] = field(default_factory=list)
    since: datetime | None = None
    until: datetime | None = None
    limit: int | None = 20
    offset: int = 0
    relevant_only: bool = False
    regions: list[str] = field(default_factory=list)  # kabupaten/kota: BPS code or name
    provinces: list[str] = field(default_factory=list)  # BPS code or name
    dimensions: list[str] = field(default_factory=list)
    min_score: float | None = None
    # one hit per story (search, count); False shows every copy (--all-copies)
    group_stories: bool = True
    # taken-down articles (Archive.hide) are left out unless this is set
    include_hidden: bool = False
    # one of SORTS; None: by relevance for a text query, else newest first
    sort: str | None = None
