"""Reads for browsing the archive beside search (the web pages, the JSON API and feeds): one
visible article, the visible articles of a story and the source names. Counts over time and
per facet are storage.counts'.

"Visible" is storage.visibility's rule, the one search and counts apply.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from storage.models import Article, Source
from storage.query import get_article
from storage.visibility import visible


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


def source_names(engine: Engine) -> list[str]:
    """The names of every source in the archive, sorted."""
    with Session(engine) as s:
        return list(s.scalars(select(Source.name).order_by(Source.name)))
