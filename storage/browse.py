"""Reads for browsing the archive beside search (the web pages, the JSON API and feeds): one
visible article, the visible articles of a story, stories per month and the source names.

"Visible" is storage.visibility's rule, the one search and counts apply.
"""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from storage.models import Article, Source
from storage.query import get_article, group_key
from storage.visibility import visible

MONTHS_BATCH = 5000  # rows per fetch while counting stories per month


def visible_article(engine: Engine, article_id: int) -> dict[str, Any] | None:
    """get_article, but a hidden (taken-down) article is as absent as a missing one."""
    article = get_article(engine, article_id)
    if article is None or article.get("hidden"):
        return None
    return article


def visible_story(engine: Engine, story_id: int) -> dict[str, Any] | None:
    """``{id, articles}`` of a story's visible articles (earliest first, as get_article gives
    them), or None when the story has no visible article."""
    with Session(engine) as s:
        first = s.scalar(
            select(Article.id)
            .where(Article.story_id == story_id, visible())
            .order_by(Article.published_at.asc().nulls_last(), Article.id)
            .limit(1)
        )
    if first is None:
        return None
    article = get_article(engine, first)
    return article["story"] if article else None


def stories_per_month(engine: Engine, tz: tzinfo) -> dict[str, int]:
    """Stories (an article without a story is a story of its own) by the month, in ``tz``, of
    their first visible publication; ``{"YYYY-MM": count}`` in month order."""
    stmt = (
        select(func.min(Article.published_at)).where(visible(), Article.published_at.is_not(None)).group_by(group_key())
    )
    months: dict[str, int] = {}
    with Session(engine) as s:
        for first in s.scalars(stmt.execution_options(yield_per=MONTHS_BATCH)):
            assert first is not None  # the minimum of non-null dates
            month = first.astimezone(tz).strftime("%Y-%m")
            months[month] = months.get(month, 0) + 1
    return dict(sorted(months.items()))


def source_names(engine: Engine) -> list[str]:
    """The names of every source in the archive, sorted."""
    with Session(engine) as s:
        return list(s.scalars(select(Source.name).order_by(Source.name)))
