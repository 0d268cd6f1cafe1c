"""What the pages and the API read, all through storage.query and storage.tags, plus two
small read helpers the query module does not have yet (tags of search hits, stories per
month); cached facet lists so a page load does not count the whole archive."""

from __future__ import annotations

import threading
import time
from dataclasses import asdict
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from jobs.output import display_zone
from jobs.web.params import SearchParams, to_request
from storage.models import Article, Source
from storage.query import count, get_article, search
from storage.tags import read_tags, tag_stats

FACETS_TTL = 60.0  # seconds the overview counts and filter choices are reused


def search_page(engine: Engine, params: SearchParams) -> dict[str, Any]:
    """One page of stories for ``params``: total, pages and hits with regions and dimensions."""
    req = to_request(params)
    total = count(engine, req)
    hits = search(engine, req) if total > req.offset else []
    with Session(engine) as s:
        tags = read_tags(s, [h.id for h in hits])
    results = []
    for hit in hits:
        record = asdict(hit)
        record.pop("rank", None)
        record.update(tags[hit.id])
        results.append(record)
    pages = max(1, -(-total // params.per_page))
    return {"total": total, "page": params.page, "per_page": params.per_page, "pages": pages,
            "results": results}


def visible_article(engine: Engine, article_id: int) -> dict[str, Any] | None:
    """get_article, but a hidden (taken-down) article is as absent as a missing one."""
    article = get_article(engine, article_id)
    if article is None or article.get("hidden"):
        return None
    return article


def story(engine: Engine, story_id: int) -> dict[str, Any] | None:
    """``{id, articles}`` of a story's visible articles (earliest first), or None."""
    with Session(engine) as s:
        first = s.scalar(
            select(Article.id)
            .where(Article.story_id == story_id, Article.hidden_at.is_(None))
            .order_by(Article.published_at.asc().nulls_last(), Article.id)
            .limit(1)
        )
    if first is None:
        return None
    article = get_article(engine, first)
    return article["story"] if article else None


def stories_per_month(engine: Engine) -> dict[str, int]:
    """Stories (an unstoried article is a story of its own) by the month, in the display zone,
    of their first visible publication."""
    key = func.coalesce(Article.story_id, -Article.id)
    stmt = (
        select(func.min(Article.published_at))
        .where(Article.hidden_at.is_(None), Article.published_at.is_not(None))
        .group_by(key)
    )
    zone = display_zone()
    months: dict[str, int] = {}
    with Session(engine) as s:
        for (first,) in s.execute(stmt.execution_options(yield_per=5000)):
            month = _aware(first).astimezone(zone).strftime("%Y-%m")
            months[month] = months.get(month, 0) + 1
    return dict(sorted(months.items()))


def _aware(value):
    # func.min() bypasses the UTC type decorator on SQLite: the stored text comes back
    from datetime import datetime, timezone

    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


class Facets:
    """tag_stats and stories per month, recomputed at most every FACETS_TTL seconds."""

    def __init__(self, engine: Engine, ttl: float = FACETS_TTL) -> None:
        self.engine, self.ttl = engine, ttl
        self._lock = threading.Lock()
        self._value: dict[str, Any] | None = None
        self._at = 0.0

    def get(self) -> dict[str, Any]:
        with self._lock:
            if self._value is None or time.monotonic() - self._at > self.ttl:
                with Session(self.engine) as s:
                    sources = list(s.scalars(select(Source.name).order_by(Source.name)))
                self._value = {**tag_stats(self.engine, display_zone()),
                               "stories_per_month": stories_per_month(self.engine), "sources": sources}
                self._at = time.monotonic()
            return self._value
