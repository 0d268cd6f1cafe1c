"""Search, count and counts answered by the search index, with storage.query's and
storage.counts' definitions and return types.

Order: every hit has a key in the request's sort (rank, then newest; newest; oldest; undated
last, the id breaking ties). tantivy returns the top k by rank or by publication time; the
hits whose first key equals the k-th's may be cut anywhere, so only those before it are
taken as ordered and k grows (x4) until the page is full. One hit per story: a hit stands for
its story when it is the story's pick (best rank, then earliest; earliest without a rank),
looked up once per story met; an article alone in its story is its own pick.

Counting stories: with A the matching articles, M those in stories of several articles and
S the distinct stories among those, the stories are A - M + S; S comes from a terms
aggregation on the story key, split in ranges of stories so no aggregation passes tantivy's
bucket limit. Per facet value and per period the same decomposition holds.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from itertools import islice
from typing import Any

import tantivy
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from storage.counts import Counts
from storage.models import Article, Source
from storage.query import Plan, SearchHit, page_hits, plan_request
from storage.request import BY, PERIODS, SearchRequest
from storage.searchindex.schema import (
    DATED,
    DIMENSION,
    ID,
    MULTI,
    PROVINCE,
    PUBLISHED,
    REGION,
    SOURCE,
    STORY,
)
from storage.searchindex.translate import narrowed, request_query

DAY = 86_400_000_000  # microseconds
#: tantivy refuses an aggregation of more buckets than this (its default limit).
BUCKET_LIMIT = 65_000
#: Matching articles per story range of a terms aggregation on stories (a facet's nested one
#: makes a bucket per value and story: about two per article).
_STORY_RANGE_DOCS = 30_000
_SPARE = 32
_FACET_FIELDS = {"source": SOURCE, "region": REGION, "province": PROVINCE, "dimension": DIMENSION}


@dataclass(frozen=True)
class _Doc:
    id: int
    story: int
    multi: bool
    published: int | None
    score: float


def _docs(searcher: tantivy.Searcher, hits: list[tuple[Any, tantivy.DocAddress]], scored: bool) -> list[_Doc]:
    addresses = [address for _, address in hits]
    columns = [searcher.fast_field_values(name, addresses) for name in (ID, STORY, MULTI, PUBLISHED)]
    return [
        _Doc(int(i), int(story), bool(multi), published, float(key) if scored else 0.0)
        for (key, _), i, story, multi, published in zip(hits, *columns, strict=True)
    ]


def _n(searcher: tantivy.Searcher, query: tantivy.Query) -> int:
    result: Any = searcher.search(query, 1, count=True)  # tantivy's stub lacks SearchResult.count
    return int(result.count)


def _flag(schema: tantivy.Schema, field: str, value: int) -> tantivy.Query:
    return tantivy.Query.term_query(schema, field, value)


# -- search -------------------------------------------------------------------------------


def search(searcher: tantivy.Searcher, schema: tantivy.Schema, engine: Engine, req: SearchRequest) -> list[SearchHit]:
    """storage.query.search over the index; the page's fields, snippets and other outlets
    are read from ``engine``."""
    plan = plan_request(engine, req)
    if req.limit == 0:
        return []
    query = request_query(schema, plan.node, req)
    end = None if req.limit is None else req.offset + req.limit
    docs = _stream(searcher, schema, query, plan.sort, end)
    if req.group_stories:
        docs = _picks(searcher, schema, query, docs, plan)
    page = list(islice(docs, req.offset, end))
    if plan.node is not None and not plan.ranked:
        scores = _scores(searcher, schema, query, [d.id for d in page])
        page = [replace(d, score=scores.get(d.id, 0.0)) for d in page]
    return _hits(engine, plan, req, page)


def _stream(
    searcher: tantivy.Searcher, schema: tantivy.Schema, query: tantivy.Query, sort: str, end: int | None
) -> Iterator[_Doc]:
    """Every match of ``query`` in the order of ``sort``."""
    # a top k costs about as much for any small k (every match is scored): take enough that
    # ties at the edge and the other articles of stories rarely need a second round
    first = 2 * end + _SPARE if end is not None else None
    if sort == "relevance":
        yield from _ordered(searcher, query, first, None, tantivy.Order.Desc, _ranked_key)
        return
    order = tantivy.Order.Desc if sort == "newest" else tantivy.Order.Asc
    sign = -1 if sort == "newest" else 1
    dated, undated = (narrowed(query, _flag(schema, DATED, flag)) for flag in (1, 0))
    yield from _ordered(searcher, dated, first, PUBLISHED, order, lambda d: (sign * (d.published or 0), sign * d.id))
    yield from _ordered(searcher, undated, first, ID, order, lambda d: sign * d.id)


def _ranked_key(d: _Doc) -> tuple:
    return (-d.score, d.published is None, -(d.published or 0), -d.id)


def _ordered(
    searcher: tantivy.Searcher,
    query: tantivy.Query,
    first: int | None,
    field: str | None,
    order: tantivy.Order,
    key: Callable[[_Doc], Any],
) -> Iterator[_Doc]:
    """The matches of ``query`` in ``key`` order, whose first part is the rank (``field``
    None) or ``field``: top k, of which those before the k-th's first key are certain."""
    total = _n(searcher, query)
    k = min(total, first or total)
    consumed = 0
    while k:
        hits = searcher.search(query, k, count=False, order_by_field=field, order=order).hits
        docs = sorted(_docs(searcher, hits, scored=field is None), key=key)
        if k < total:
            edge = hits[-1][0]
            docs = [d for d in docs if _first_key(d, field) != edge]
        yield from docs[consumed:]
        consumed = len(docs)
        if k == total:
            return
        k = min(total, k * 4)


def _first_key(d: _Doc, field: str | None) -> Any:
    if field is None:
        return d.score
    return d.published if field == PUBLISHED else d.id


def _picks(
    searcher: tantivy.Searcher, schema: tantivy.Schema, query: tantivy.Query, docs: Iterator[_Doc], plan: Plan
) -> Iterator[_Doc]:
    """The hits of ``docs`` that stand for their story, in the same order."""
    picks: dict[int, int] = {}
    for d in docs:
        if not d.multi:
            yield d
        elif plan.sort == "oldest":
            # the first of a story met oldest first is its earliest: its pick
            if d.story not in picks:
                picks[d.story] = d.id
                yield d
        else:
            if d.story not in picks:
                picks[d.story] = _pick(searcher, schema, query, d.story, plan.ranked)
            if picks[d.story] == d.id:
                yield d


def _pick(searcher: tantivy.Searcher, schema: tantivy.Schema, query: tantivy.Query, story: int, ranked: bool) -> int:
    """The id of a story's pick among its matches (storage.query._grouped's row_number)."""
    members = narrowed(query, _flag(schema, STORY, story))
    hits = searcher.search(members, max(1, _n(searcher, members)), count=False).hits
    docs = _docs(searcher, hits, scored=True)
    if ranked:
        return min(docs, key=lambda d: (-d.score, d.published is None, d.published or 0, d.id)).id
    return min(docs, key=lambda d: (d.published is None, d.published or 0, d.id)).id


def _scores(
    searcher: tantivy.Searcher, schema: tantivy.Schema, query: tantivy.Query, ids: list[int]
) -> dict[int, float]:
    if not ids:
        return {}
    hits = searcher.search(narrowed(query, tantivy.Query.term_set_query(schema, ID, ids)), len(ids)).hits
    return {d.id: d.score for d in _docs(searcher, hits, scored=True)}


def _hits(engine: Engine, plan: Plan, req: SearchRequest, page: list[_Doc]) -> list[SearchHit]:
    ids = [d.id for d in page]
    if not ids:
        return []
    stmt = (
        select(Article.id, Article.url, Article.title, Article.published_at, Source.name, Article.story_id)
        .join(Source, Source.id == Article.source_id)
        .where(Article.id.in_(ids))
    )
    with Session(engine) as s:
        found = {row.id: row for row in s.execute(stmt)}
        kept = [d for d in page if d.id in found]  # an article deleted since the index was synced drops out
        ranks = [d.score if plan.fts else 0.0 for d in kept]
        return page_hits(s, plan, [found[d.id] for d in kept], ranks, req.include_hidden)


# -- counting -----------------------------------------------------------------------------


def count(searcher: tantivy.Searcher, schema: tantivy.Schema, engine: Engine, req: SearchRequest) -> int:
    """storage.query.count over the index: stories when ``group_stories``, else articles."""
    plan = plan_request(engine, req)
    return _count(searcher, schema, request_query(schema, plan.node, req), req.group_stories)


def _count(searcher: tantivy.Searcher, schema: tantivy.Schema, query: tantivy.Query, stories: bool) -> int:
    articles = _n(searcher, query)
    if not stories or not articles:
        return articles
    multi = narrowed(query, _flag(schema, MULTI, 1))
    in_multi = _n(searcher, multi)
    spec = {"s": _story_terms()}
    distinct = sum(len(result["s"]["buckets"]) for result in _by_story_range(searcher, schema, multi, in_multi, spec))
    return articles - in_multi + distinct


def _story_terms(**aggs: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {"terms": {"field": STORY, "size": BUCKET_LIMIT, "segment_size": BUCKET_LIMIT}}
    if aggs:
        spec["aggs"] = aggs
    return spec


def _by_story_range(
    searcher: tantivy.Searcher, schema: tantivy.Schema, query: tantivy.Query, docs: int, spec: dict[str, Any]
) -> Iterator[dict[str, Any]]:
    """The aggregation ``spec`` over ``query`` (``docs`` matches), once per range of story
    keys; a range whose aggregation passes the bucket limit is halved."""
    if not docs:
        return
    stats = searcher.aggregate(query, {"st": {"stats": {"field": STORY}}})["st"]
    low, high = int(stats["min"]), int(stats["max"])
    parts = math.ceil(docs / _STORY_RANGE_DOCS)
    step = (high - low) // parts + 1
    todo = [(low + i * step, min(high, low + (i + 1) * step - 1)) for i in reversed(range(parts))]
    while todo:
        lo, hi = todo.pop()
        part = narrowed(query, tantivy.Query.range_query(schema, STORY, tantivy.FieldType.Integer, lo, hi))
        try:
            yield searcher.aggregate(part, spec)
        except ValueError as exc:
            if "bucket limit" not in str(exc) or lo == hi:
                raise
            middle = (lo + hi) // 2
            todo += [(middle + 1, hi), (lo, middle)]


def counts(
    searcher: tantivy.Searcher,
    schema: tantivy.Schema,
    engine: Engine,
    req: SearchRequest,
    by: str,
    *,
    tz: tzinfo = UTC,
    share: bool = False,
) -> Counts:
    """storage.counts.counts over the index."""
    if by not in BY:
        raise ValueError(f"by must be one of {', '.join(BY)}, not {by!r}")
    if share and by not in PERIODS:
        raise ValueError("share is for counts over time (day, week, month, year)")
    plan = plan_request(engine, req)
    query = request_query(schema, plan.node, req)
    if by not in PERIODS:
        return _facet(searcher, schema, query, by, req.group_stories)
    found = _periods(searcher, schema, query, by, tz, req.group_stories)
    if share:
        every = request_query(schema, None, req)
        found.all = _periods(searcher, schema, every, by, tz, req.group_stories).counts
        found.share = True
    return found


def _periods(
    searcher: tantivy.Searcher, schema: tantivy.Schema, query: tantivy.Query, by: str, tz: tzinfo, stories: bool
) -> Counts:
    """Matches per period: a story once, in the period of its earliest matching publication."""
    offset = _offset(tz)
    alone = narrowed(query, _flag(schema, MULTI, 0)) if stories else query
    days = _days(searcher, narrowed(alone, _flag(schema, DATED, 1)), offset)
    undated = _n(searcher, narrowed(alone, _flag(schema, DATED, 0)))
    if stories:
        multi = narrowed(query, _flag(schema, MULTI, 1))
        spec = {"s": _story_terms(first={"min": {"field": PUBLISHED}})}
        for result in _by_story_range(searcher, schema, multi, _n(searcher, multi), spec):
            for bucket in result["s"]["buckets"]:
                first = bucket["first"]["value"]
                if first is None:
                    undated += 1
                else:
                    days[(int(first) + offset) // DAY] += 1
    found: Counter[str] = Counter()
    for day, n in days.items():
        found[_period(day, by)] += n
    return Counts(by, sum(found.values()) + undated, dict(sorted(found.items())), undated)


def _offset(tz: tzinfo) -> int:
    """The zone's current UTC offset in microseconds, in whole minutes as storage.counts takes it."""
    offset = tz.utcoffset(datetime.now(UTC).replace(tzinfo=None)) or timedelta(0)
    return int(offset.total_seconds() // 60) * 60_000_000


def _days(searcher: tantivy.Searcher, query: tantivy.Query, offset: int) -> Counter[int]:
    """Matches per day in the zone ``offset`` from UTC (days since 1970-01-01 there)."""
    histogram = {"histogram": {"field": PUBLISHED, "interval": DAY, "offset": -offset % DAY, "min_doc_count": 1}}
    buckets = searcher.aggregate(query, {"h": histogram})["h"]["buckets"]
    return Counter({(int(b["key"]) + offset) // DAY: int(b["doc_count"]) for b in buckets})


def _period(day: int, by: str) -> str:
    when = date(1970, 1, 1) + timedelta(days=day)
    if by == "day":
        return f"{when.year:04d}-{when.month:02d}-{when.day:02d}"
    if by == "week":
        year, week, _ = when.isocalendar()
        return f"{year:04d}-W{week:02d}"
    return f"{when.year:04d}-{when.month:02d}" if by == "month" else f"{when.year:04d}"


def _facet(searcher: tantivy.Searcher, schema: tantivy.Schema, query: tantivy.Query, by: str, stories: bool) -> Counts:
    """Matches per value: a story once under each value any of its matching articles has."""
    field = _FACET_FIELDS[by]
    found = _terms(searcher, query, field)
    if stories:
        multi = narrowed(query, _flag(schema, MULTI, 1))
        found.subtract(_terms(searcher, multi, field))
        spec = {"f": {"terms": {"field": field, "size": BUCKET_LIMIT}, "aggs": {"s": _story_terms()}}}
        for result in _by_story_range(searcher, schema, multi, _n(searcher, multi), spec):
            for bucket in result["f"]["buckets"]:
                found[bucket["key"]] += len(bucket["s"]["buckets"])
    ordered = sorted(((str(k), n) for k, n in found.items() if n), key=lambda kv: (-kv[1], kv[0]))
    return Counts(by, _count(searcher, schema, query, stories), dict(ordered))


def _terms(searcher: tantivy.Searcher, query: tantivy.Query, field: str) -> Counter[str]:
    buckets = searcher.aggregate(query, {"t": {"terms": {"field": field, "size": BUCKET_LIMIT}}})["t"]["buckets"]
    return Counter({b["key"]: int(b["doc_count"]) for b in buckets})
