"""Relevance tags of articles: score, reasons, dimensions, regions and provinces.

Written once per (re-)classification, replacing what was there; read back for display and
used by the search filters (``article_regions``/``article_dimensions`` are indexed).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import UTC, tzinfo
from typing import Any, cast

from sqlalchemy import Connection, Engine, Table, bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from storage.models import Article, ArticleDimension, ArticleRegion
from storage.sql import bulk_insert
from storage.visibility import visible

_ARTICLES = cast(Table, Article.__table__)
_SET_SCORE = (
    update(_ARTICLES)
    .where(_ARTICLES.c.id == bindparam("article"))
    .values(relevant=bindparam("is_relevant"), score=bindparam("score_value"), reasons=bindparam("reason_list"))
)
_DROP_REGIONS = delete(ArticleRegion).where(ArticleRegion.article_id == bindparam("id"))
_DROP_DIMENSIONS = delete(ArticleDimension).where(ArticleDimension.article_id == bindparam("id"))
_REGIONS = cast(Table, ArticleRegion.__table__)
_DIMENSIONS = cast(Table, ArticleDimension.__table__)


def store_tags(engine: Engine, article_id: int, tags: Mapping[str, Any]) -> None:
    """Replace the article's relevance tags with ``tags`` (the shape of
    ``Relevance.to_dict()``: relevant, score, reasons, dimensions, regions, provinces)."""
    with engine.begin() as conn:
        write_tags(conn, article_id, tags)


def score_fields(tags: Mapping[str, Any]) -> dict[str, Any]:
    """The article columns that hold the verdict of ``tags``: relevant, score, reasons."""
    return {
        "relevant": bool(tags.get("relevant", True)),
        "score": tags.get("score"),
        "reasons": list(tags.get("reasons") or []),
    }


def write_tags(conn: Connection, article_id: int, tags: Mapping[str, Any]) -> None:
    """:func:`store_tags` inside a caller's transaction."""
    verdict = score_fields(tags)
    conn.execute(
        _SET_SCORE,
        {
            "article": article_id,
            "is_relevant": verdict["relevant"],
            "score_value": verdict["score"],
            "reason_list": verdict["reasons"],
        },
    )
    conn.execute(_DROP_REGIONS, {"id": article_id})
    conn.execute(_DROP_DIMENSIONS, {"id": article_id})
    write_tag_rows(conn, article_id, tags)


def write_tag_rows(conn: Connection, article_id: int, tags: Mapping[str, Any]) -> None:
    """Insert the region and dimension rows of ``tags`` for an article that has none yet (the
    verdict columns are the caller's to write, see :func:`score_fields`)."""
    insert_tag_rows(conn, [tag_rows(article_id, tags)])


def tag_rows(article_id: int, tags: Mapping[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The ``article_regions`` rows (regions and provinces, one per code) and the
    ``article_dimensions`` rows of ``tags`` for one article."""
    areas = _unique_areas([*(tags.get("regions") or []), *(tags.get("provinces") or [])])
    dimensions = sorted(set(tags.get("dimensions") or []))
    return (
        [{"article_id": article_id, **area} for area in areas],
        [{"article_id": article_id, "dimension": d} for d in dimensions],
    )


def insert_tag_rows(conn: Connection, rows: Iterable[tuple[list[dict[str, Any]], list[dict[str, Any]]]]) -> None:
    """Insert :func:`tag_rows` of several articles, one statement per table."""
    areas: list[dict[str, Any]] = []
    dimensions: list[dict[str, Any]] = []
    for article_areas, article_dimensions in rows:
        areas.extend(article_areas)
        dimensions.extend(article_dimensions)
    bulk_insert(conn, _REGIONS, areas)
    bulk_insert(conn, _DIMENSIONS, dimensions)


def read_tags(session: Session, article_ids: Iterable[int]) -> dict[int, dict[str, list]]:
    """``{article_id: {"dimensions": [...], "regions": [...], "provinces": [...]}}``."""
    ids = list(article_ids)
    result: dict[int, dict[str, list]] = {i: {"dimensions": [], "regions": [], "provinces": []} for i in ids}
    if not ids:
        return result
    for row in session.execute(
        select(ArticleRegion).where(ArticleRegion.article_id.in_(ids)).order_by(ArticleRegion.code)
    ).scalars():
        key = "provinces" if row.type == "provinsi" else "regions"
        result[row.article_id][key].append({"code": row.code, "name": row.name, "type": row.type})
    for dim in session.execute(
        select(ArticleDimension).where(ArticleDimension.article_id.in_(ids)).order_by(ArticleDimension.dimension)
    ).scalars():
        result[dim.article_id]["dimensions"].append(dim.dimension)
    return result


def tags_of(engine: Engine, article_ids: Iterable[int]) -> dict[int, dict[str, list]]:
    """:func:`read_tags` in a session of its own."""
    with Session(engine) as session:
        return read_tags(session, article_ids)


def _unique_areas(areas: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    seen: dict[str, dict[str, str]] = {}
    for area in areas:
        code = str(area["code"])
        seen.setdefault(code, {"code": code, "name": str(area["name"]), "type": str(area["type"])})
    return list(seen.values())


def tag_stats(engine: Engine, tz: tzinfo = UTC) -> dict[str, Any]:
    """Counts of visible articles per region, province, dimension and month (in ``tz``)."""
    shown = select(Article.id).where(visible())
    with Session(engine) as session:
        areas = session.execute(
            select(ArticleRegion.type, ArticleRegion.code, ArticleRegion.name, func.count())
            .where(ArticleRegion.article_id.in_(shown))
            .group_by(ArticleRegion.type, ArticleRegion.code, ArticleRegion.name)
            .order_by(func.count().desc(), ArticleRegion.code)
        ).all()
        dimensions = session.execute(
            select(ArticleDimension.dimension, func.count())
            .where(ArticleDimension.article_id.in_(shown))
            .group_by(ArticleDimension.dimension)
            .order_by(func.count().desc(), ArticleDimension.dimension)
        ).all()
        months: Counter[str] = Counter()
        published = session.execute(
            select(Article.published_at).where(visible()).execution_options(yield_per=5000)
        ).scalars()
        for value in published:
            if value is not None:
                months[value.astimezone(tz).strftime("%Y-%m")] += 1
    return {
        "regions": [{"code": c, "name": n, "type": t, "articles": k} for t, c, n, k in areas if t != "provinsi"],
        "provinces": [{"code": c, "name": n, "articles": k} for t, c, n, k in areas if t == "provinsi"],
        "dimensions": [{"dimension": d, "articles": k} for d, k in dimensions],
        "months": [{"month": m, "articles": months[m]} for m in sorted(months)],
    }
