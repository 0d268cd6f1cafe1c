"""What the pages and the API show, read through storage (query, counts, tags, browse): search
hits shaped for the templates and the JSON API, the search page's counts over time and per
facet, and the archive's facet lists, cached so that a page load does not count the whole
archive."""

from __future__ import annotations

import threading
import time
from dataclasses import asdict
from typing import Any

from sqlalchemy import Engine

from jobs.output import display_zone
from jobs.web import timeline
from jobs.web.params import SearchParams, to_request
from storage.browse import source_names
from storage.counts import counts
from storage.query import count, search
from storage.request import SearchRequest
from storage.tags import tag_stats, tags_of

FACETS_TTL = 60.0  # seconds the overview counts and filter choices are reused
#: the facets beside the search page's filters, and how many values of each it shows
PAGE_FACETS = ("source", "region", "dimension")
FACET_VALUES = 10


def search_page(engine: Engine, params: SearchParams) -> dict[str, Any]:
    """One page of stories for ``params``: total, pages and hits with regions and dimensions."""
    req = to_request(params)
    total = count(engine, req)
    hits = search(engine, req) if total > req.offset else []
    tags = tags_of(engine, [h.id for h in hits])
    results = []
    for hit in hits:
        record = asdict(hit)
        record.pop("rank", None)
        record.update(tags[hit.id])
        results.append(record)
    pages = max(1, -(-total // params.per_page))
    return {"total": total, "page": params.page, "per_page": params.per_page, "pages": pages, "results": results}


def match_counts(engine: Engine, params: SearchParams) -> dict[str, Any]:
    """The search page's counts of every match of ``params``: ``chart`` (a timeline.Timeline
    by the period timeline.period_for chooses, or None), ``undated`` and ``facets`` (the
    FACET_VALUES largest values of each of PAGE_FACETS, as ``[(value, count)]``)."""
    req = to_request(params)
    zone = display_zone()
    months = counts(engine, req, "month", tz=zone)
    by = timeline.period_for(months.counts)
    per_period = months if by == "month" else counts(engine, req, by, tz=zone)
    facets = {key: list(counts(engine, req, key).counts.items())[:FACET_VALUES] for key in PAGE_FACETS}
    return {"chart": timeline.build(per_period.counts, by), "undated": months.undated, "facets": facets}


class Facets:
    """tag_stats, stories per month and the source names, recomputed at most every
    FACETS_TTL seconds."""

    def __init__(self, engine: Engine, ttl: float = FACETS_TTL) -> None:
        self.engine, self.ttl = engine, ttl
        self._lock = threading.Lock()
        self._value: dict[str, Any] | None = None
        self._at = 0.0

    def get(self) -> dict[str, Any]:
        with self._lock:
            if self._value is None or time.monotonic() - self._at > self.ttl:
                zone = display_zone()
                self._value = {
                    **tag_stats(self.engine, zone),
                    "stories_per_month": counts(self.engine, SearchRequest(), "month", tz=zone).counts,
                    "sources": source_names(self.engine),
                }
                self._at = time.monotonic()
            return self._value
