"""How many matches, over time and per facet: the counts behind ``kabar count``, ``/api/counts``
and the search page's chart and facets.

Every count is exact and covers every match of the request (storage.query's filters, the
same on SQLite and PostgreSQL). With ``group_stories`` (the default) stories are counted:

- over time (day, week, month, year), a story counts once, in the period of its earliest
  matching publication, so the periods add up to the dated total; undated matches are
  counted apart (``undated``);
- per facet (source, region, province, dimension), a story counts once under each value any
  of its matching articles has: a story carried by three outlets counts for each of them.

With ``group_stories=False`` articles are counted instead. Periods are calendar periods in the
zone given (WIB for kabar's output), with ISO weeks (``YYYY-Www``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import Engine, Integer, distinct, func, literal, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from storage.models import Article, ArticleDimension, ArticleRegion, Source
from storage.query import answering_index, group_key, matched, run_read
from storage.request import BY, PERIODS, SearchRequest

# strftime patterns of the periods (SQLite; PostgreSQL's to_char patterns below)
_SQLITE_FORMATS = {"day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}
_PG_FORMATS = {"day": "YYYY-MM-DD", "week": 'IYYY-"W"IW', "month": "YYYY-MM", "year": "YYYY"}


@dataclass
class Counts:
    """Matches of one request by one key. ``counts`` is in key order (periods in time order,
    facets by count, largest first); ``undated`` counts dated-less matches of a period count."""

    by: str
    total: int
    counts: dict[str, int]
    undated: int = 0
    # with share: every story (article) of each period under the same filters without the query
    all: dict[str, int] = field(default_factory=dict)
    share: bool = False

    def shares(self) -> dict[str, float]:
        """Each period's count as a share of ``all`` in that period (0 where nothing was published)."""
        return {key: (n / self.all[key] if self.all.get(key) else 0.0) for key, n in self.counts.items()}

    def record(self, query: str) -> dict[str, Any]:
        """The answer of ``kabar count --format json`` and ``/api/counts``: query, by, total and
        counts, ``undated`` for periods, and with share ``all`` and ``share``."""
        record: dict[str, Any] = {"query": query, "by": self.by, "total": self.total, "counts": self.counts}
        if self.by in PERIODS:
            record["undated"] = self.undated
        if self.share:
            record["all"] = self.all
            record["share"] = self.shares()
        return record


def counts(engine: Engine, req: SearchRequest, by: str, *, tz: tzinfo = UTC, share: bool = False) -> Counts:
    """Exact counts of the matches of ``req`` (limit, offset and sort ignored) by ``by``, one of BY.

    ``share`` (periods only) also counts every match of the request without its text query,
    per period, in ``Counts.all``.
    """
    if by not in BY:
        raise ValueError(f"by must be one of {', '.join(BY)}, not {by!r}")
    if share and by not in PERIODS:
        raise ValueError("share is for counts over time (day, week, month, year)")
    index = answering_index(engine)
    if index is not None:
        return index.counts(engine, req, by, tz=tz, share=share)
    if by in PERIODS:
        found = _periods(engine, req, by, tz)
        if share:
            found.all = _periods(engine, replace(req, query=""), by, tz).counts
            found.share = True
        return found
    return _facet(engine, req, by)


def _periods(engine: Engine, req: SearchRequest, by: str, tz: tzinfo) -> Counts:
    stmt, plan = matched(engine, req, group_key().label("story"), Article.published_at.label("published"))
    hits = stmt.subquery("hits")
    if req.group_stories:
        firsts = select(func.min(hits.c.published).label("published")).group_by(hits.c.story).subquery("firsts")
        published = firsts.c.published
        source: Any = firsts
    else:
        published, source = hits.c.published, hits
    key = _period_key(plan.dialect, published, by, tz).label("key")
    per_key = select(key, func.count()).select_from(source).group_by(key)
    with Session(engine) as s:
        rows = run_read(s, per_key, plan).all()
    found = {k: int(n) for k, n in rows if k is not None}
    undated = sum(int(n) for k, n in rows if k is None)
    return Counts(by, sum(found.values()) + undated, dict(sorted(found.items())), undated)


def _period_key(dialect: str, published: Any, by: str, tz: tzinfo) -> ColumnElement[Any]:
    """The period of ``published`` (UTC in the database) in ``tz`` as text, NULL when undated.

    The zone's current UTC offset is applied: exact for zones without daylight saving time,
    like Indonesia's WIB, WITA and WIT."""
    offset = tz.utcoffset(datetime.now(UTC).replace(tzinfo=None)) or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    if dialect == "postgresql":
        local = func.timezone("UTC", published) + func.make_interval(0, 0, 0, 0, 0, minutes)
        return func.to_char(local, _PG_FORMATS[by])
    shift = f"{minutes:+d} minutes"
    if by != "week":
        return func.strftime(_SQLITE_FORMATS[by], published, shift)
    # ISO week: the year and week of the Thursday of the week (Monday to Sunday) of the day
    thursday = func.date(published, shift, "-3 days", "weekday 4")
    week = (func.cast(func.strftime("%j", thursday), Integer) - 1) / 7 + 1
    return func.strftime("%Y", thursday) + literal("-W") + func.printf("%02d", week)


def _facet(engine: Engine, req: SearchRequest, by: str) -> Counts:
    counted = func.count(distinct(group_key())) if req.group_stories else func.count()
    if by == "source":
        key: Any = Source.name
        stmt, plan = matched(engine, req, key.label("key"), counted)
    elif by in ("region", "province"):
        key = ArticleRegion.name
        stmt, plan = matched(engine, req, key.label("key"), counted)
        kind = ArticleRegion.type == "provinsi" if by == "province" else ArticleRegion.type != "provinsi"
        stmt = stmt.join(ArticleRegion, ArticleRegion.article_id == Article.id).where(kind)
    else:
        key = ArticleDimension.dimension
        stmt, plan = matched(engine, req, key.label("key"), counted)
        stmt = stmt.join(ArticleDimension, ArticleDimension.article_id == Article.id)
    stmt = stmt.group_by(key)
    total_stmt, _ = matched(engine, req, func.count(distinct(group_key())) if req.group_stories else func.count())
    with Session(engine) as s:
        rows = run_read(s, stmt, plan).all()
        total = int(run_read(s, total_stmt, plan).scalar_one())
    ordered = sorted(((str(k), int(n)) for k, n in rows), key=lambda kv: (-kv[1], kv[0]))
    return Counts(by, total, dict(ordered))
