"""Revisiting young articles: which are due, and what a revisit found (unchanged, changed —
the previous text is kept as a version — or gone at the source)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, and_, func, or_, select, update
from sqlalchemy.orm import Session

from storage.models import Article, ArticleVersion, utcnow
from storage.visibility import visible


def revisit_candidates(
    engine: Engine,
    source_id: int,
    *,
    window: timedelta,
    every: timedelta,
    now: datetime | None = None,
    limit: int = 500,
) -> list[tuple[int, str]]:
    """(id, url) of the source's articles published (or first stored) within ``window``
    that were not fetched or revisited within ``every``; hidden and removed ones excluded."""
    now = now or utcnow()
    last_seen = func.coalesce(Article.revisited_at, Article.fetched_at, Article.created_at)
    stmt = (
        select(Article.id, Article.url)
        .where(
            Article.source_id == source_id,
            Article.removed_at.is_(None),
            visible(),
            or_(
                Article.published_at >= now - window,
                and_(Article.published_at.is_(None), Article.created_at >= now - window),
            ),
            last_seen <= now - every,
        )
        .order_by(Article.id)
        .limit(limit)
    )
    with Session(engine) as session:
        return [(row.id, row.url) for row in session.execute(stmt)]


def mark_revisited(engine: Engine, article_id: int, *, removed: bool = False, now: datetime | None = None) -> None:
    """A revisit happened; ``removed`` when the source now answers 404/410."""
    now = now or utcnow()
    values: dict[str, Any] = {"revisited_at": now}
    if removed:
        values["removed_at"] = now
    with Session(engine) as session, session.begin():
        session.execute(update(Article).where(Article.id == article_id).values(**values))


def keep_version(engine: Engine, article_id: int, *, now: datetime | None = None) -> None:
    """Copy the article's current title, text and WARC pointer to ``article_versions``
    before it is overwritten with a changed text."""
    with Session(engine) as session, session.begin():
        article = session.get(Article, article_id)
        if article is None:
            raise ValueError(f"no article with id {article_id}")
        session.add(
            ArticleVersion(
                article_id=article_id,
                title=article.title,
                text=article.text,
                text_hash=article.text_hash,
                extractor_version=article.extractor_version,
                replaced_at=now or utcnow(),
                warc_file=article.warc_file,
                warc_offset=article.warc_offset,
                warc_length=article.warc_length,
            )
        )


def versions(engine: Engine, article_id: int) -> list[dict[str, Any]]:
    """Earlier texts of an article, oldest first."""
    with Session(engine) as session:
        rows = session.execute(
            select(ArticleVersion).where(ArticleVersion.article_id == article_id).order_by(ArticleVersion.id)
        ).scalars()
        return [
            {"title": v.title, "text": v.text, "replaced_at": v.replaced_at, "extractor_version": v.extractor_version}
            for v in rows
        ]


def current_hash(engine: Engine, article_id: int) -> str | None:
    """The stored text hash of an article (None when the article is gone)."""
    with Session(engine) as session:
        return session.scalar(select(Article.text_hash).where(Article.id == article_id))
