"""Where each article's pages are in the WARC archive, for re-extraction without the network."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from storage.models import Article, Source


@dataclass(frozen=True)
class ArchivedArticle:
    """An article and the WARC pointers of its first page and its other pages."""

    id: int
    url: str
    source: str
    warc: dict[str, Any]
    page_warc: list[dict[str, Any]] = field(default_factory=list)
    text_hash: str | None = None  # as stored now
    story_id: int | None = None


def archived_articles(
    engine: Engine, *, sources: list[str] | None = None, since: datetime | None = None, batch: int = 500
) -> Iterator[ArchivedArticle]:
    """Articles that have a WARC record (of these sources; fetched on or after ``since``), by id.

    Read ``batch`` at a time, each batch in its own short read transaction: a caller that
    writes while iterating (``kabar reextract``) must not pin one snapshot for the whole run,
    which on SQLite stops WAL checkpoints and makes every later commit slower.
    """
    stmt = (
        select(
            Article.id,
            Article.url,
            Source.name,
            Article.warc_file,
            Article.warc_offset,
            Article.warc_length,
            Article.meta,
            Article.text_hash,
            Article.story_id,
        )
        .join(Source, Source.id == Article.source_id)
        .where(Article.warc_file.is_not(None))
        .order_by(Article.id)
        .limit(batch)
    )
    if sources:
        stmt = stmt.where(Source.name.in_(sources))
    if since is not None:
        stmt = stmt.where(func.coalesce(Article.fetched_at, Article.created_at) >= since)
    last = 0
    while True:
        with Session(engine) as session:
            rows = session.execute(stmt.where(Article.id > last)).all()
        for row in rows:
            yield ArchivedArticle(
                id=row.id,
                url=row.url,
                source=row.name,
                warc={"file": row.warc_file, "offset": row.warc_offset, "length": row.warc_length},
                page_warc=list((row.meta or {}).get("page_warc") or []),
                text_hash=row.text_hash,
                story_id=row.story_id,
            )
        if len(rows) < batch:
            return
        last = rows[-1].id


def count_archived(engine: Engine, *, sources: list[str] | None = None, since: datetime | None = None) -> int:
    """How many articles :func:`archived_articles` would yield."""
    stmt = select(func.count()).select_from(Article).join(Source, Source.id == Article.source_id)
    stmt = stmt.where(Article.warc_file.is_not(None))
    if sources:
        stmt = stmt.where(Source.name.in_(sources))
    if since is not None:
        stmt = stmt.where(func.coalesce(Article.fetched_at, Article.created_at) >= since)
    with Session(engine) as session:
        return int(session.scalar(stmt) or 0)
