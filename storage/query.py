"""The one read API of the archive, used by the CLI, the web pages, the JSON API and feeds.
(storage.browse adds, on top of it, the reads of one visible article or story.)

Full-text search runs on SQLite FTS5 (over a column of Indonesian stems) or on a PostgreSQL
tsvector (``indonesian`` configuration); the query language (storage.querylang) and the
results are the same on both. Datetimes returned are aware UTC datetimes.

Stories: search shows one hit per story (near duplicates grouped by storage.stories) with
the other outlets that carried it in ``also_in``, unless ``group_stories=False``. Hidden
articles (``Archive.hide``, the rule of storage.visibility) never appear in search, count or
iter_articles unless ``include_hidden=True``; get_article returns them with ``hidden: {at, reason}``.
"""

from __future__ import annotations

import logging
import re
import weakref
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Engine,
    Float,
    Select,
    column,
    distinct,
    func,
    literal_column,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from storage.errors import QueryError
from storage.models import (
    Article,
    ArticleDimension,
    ArticleRegion,
    ArticleUrl,
    CrawlRun,
    FetchedUrl,
    Source,
)
from storage.querylang import Node, Or, Term, parse_query, positive_terms, to_fts5
from storage.request import SORTS, SearchRequest
from storage.snippet import SCAN_CHARS as SNIPPET_SCAN_CHARS
from storage.snippet import make_snippet
from storage.tags import read_tags
from storage.textnorm import stem_word
from storage.visibility import visible

logger = logging.getLogger(__name__)

SNIPPET_WORDS = 30
STREAM_BATCH = 500
_PG_CONFIG: ColumnElement[Any] = literal_column("'indonesian'::regconfig")
_PG_VECTOR = literal_column("articles.search_vector", type_=TSVECTOR)
_PG_HEADLINE_OPTIONS = (
    f'StartSel="[", StopSel="]", MaxWords={SNIPPET_WORDS}, MinWords=15, ShortWord=2, '
    'MaxFragments=2, FragmentDelimiter=" … "'
)
_PG_RANK_NORMALISATION = 1


@dataclass
class SearchHit:
    id: int
    url: str
    title: str | None
    published: datetime | None
    source: str
    snippet: str
    rank: float
    story_id: int | None = None
    # the other sources that carried the story (source names, earliest first)
    also_in: list[str] = field(default_factory=list)


# -- building the statement --------------------------------------------------------------


@dataclass
class Plan:
    """A request ready to run: the parsed query (None without words), dialect and sort."""

    node: Node | None
    dialect: str
    sort: str

    @property
    def fts(self) -> bool:
        return self.node is not None

    @property
    def ranked(self) -> bool:
        return self.sort == "relevance"


def plan_request(engine: Engine, req: SearchRequest) -> Plan:
    """The checked request as the statements need it: its parsed query, dialect and sort; a bad
    limit, offset or sort is a QueryError, a naive date a ValueError."""
    if req.limit is not None and req.limit < 0:
        raise QueryError("limit must be 0 or more")
    if req.offset < 0:
        raise QueryError("offset must be 0 or more")
    for name in ("since", "until"):
        value = getattr(req, name)
        if value is not None and (value.tzinfo is None or value.utcoffset() is None):
            raise ValueError(f"SearchRequest.{name} must be timezone-aware, got {value!r}")
    if req.sort is not None and req.sort not in SORTS:
        raise QueryError(f"sort must be one of {', '.join(SORTS)}, not {req.sort!r}")
    node = parse_query(req.query or "")
    sort = req.sort or ("relevance" if node is not None else "newest")
    if node is None and sort == "relevance":
        sort = "newest"  # without words there is nothing to rank by
    return Plan(node, engine.dialect.name, sort)


def _pg_tsquery(node: Node) -> ColumnElement[Any]:
    if isinstance(node, Term):
        return func.phraseto_tsquery(_PG_CONFIG, " ".join(node.words))
    if isinstance(node, Or):
        return _balanced(func.tsquery_or, [_pg_tsquery(item) for item in node.items])
    parts = [_pg_tsquery(item) for item in node.include]
    parts += [func.tsquery_not(_pg_tsquery(item)) for item in node.exclude]
    return _balanced(func.tsquery_and, parts)


def _balanced(combine: Any, parts: list[ColumnElement[Any]]) -> ColumnElement[Any]:
    """``combine`` (tsquery_and or tsquery_or: associative) over ``parts`` in order, as a tree
    log2(n) calls deep: SQLAlchemy compiles nested calls recursively, and a chain n deep ran
    out of Python's stack at about 90 terms."""
    while len(parts) > 1:
        pairs = range(0, len(parts) - 1, 2)
        parts = [combine(parts[i], parts[i + 1]) for i in pairs] + parts[len(parts) - len(parts) % 2 :]
    return parts[0]


def _pg_positive(node: Node) -> ColumnElement[Any]:
    terms = positive_terms(node)
    return _pg_tsquery(terms[0] if len(terms) == 1 else Or(tuple(terms)))


_FTS_TABLE = table("article_fts", column("rowid"))


def _fts_table():
    """The SQLite FTS5 table (one object, so that every use refers to the same FROM)."""
    return _FTS_TABLE


def _rank(plan: Plan) -> ColumnElement[float]:
    assert plan.node is not None
    if plan.dialect == "postgresql":
        return func.ts_rank_cd(_PG_VECTOR, _pg_tsquery(plan.node), _PG_RANK_NORMALISATION, type_=Float)
    # bm25() is lower-is-better; negate so that higher is better on both backends.
    return -func.bm25(literal_column("article_fts"), type_=Float)


def _filtered(stmt: Select, plan: Plan, req: SearchRequest) -> Select:
    stmt = stmt.join(Source, Source.id == Article.source_id)
    if plan.node is not None:
        if plan.dialect == "postgresql":
            stmt = stmt.where(_PG_VECTOR.op("@@")(_pg_tsquery(plan.node)))
        else:
            fts = _fts_table()
            stmt = stmt.join(fts, fts.c.rowid == Article.id).where(
                text("article_fts MATCH :fts_query").bindparams(fts_query=to_fts5(plan.node))
            )
    if req.sources:
        stmt = stmt.where(Source.name.in_(list(req.sources)))
    if req.since is not None:
        stmt = stmt.where(Article.published_at >= req.since)
    if req.until is not None:
        stmt = stmt.where(Article.published_at < req.until)
    if req.relevant_only:
        stmt = stmt.where(Article.relevant.is_(True))
    if req.min_score is not None:
        stmt = stmt.where(Article.score >= req.min_score)
    for values, provinces in ((req.regions, False), (req.provinces, True)):
        if values:
            stmt = stmt.where(Article.id.in_(area_filter(values, provinces=provinces)))
    if req.dimensions:
        wanted = [d.strip().lower().removeprefix("smart ") for d in req.dimensions]
        stmt = stmt.where(
            Article.id.in_(select(ArticleDimension.article_id).where(ArticleDimension.dimension.in_(wanted)))
        )
    if not req.include_hidden:
        stmt = stmt.where(visible())
    return stmt


def group_key() -> ColumnElement[int]:
    """What groups articles into stories: the story id, or for an article not (yet) in a story
    its -id (a group of its own; -id never clashes with a story id)."""
    return func.coalesce(Article.story_id, -Article.id)


def _grouped(stmt: Select, plan: Plan, req: SearchRequest) -> Select:
    """One row per story: the best-ranked match (sorted by relevance), else the earliest
    published (the story's representative when it matches), in search order and paged.

    ``stmt`` selects at least id, published_at, story_id (and rank when ranked). The
    window runs over a subquery because SQLite allows bm25() only beside its MATCH.
    """
    hits = stmt.subquery("matched")
    order = [hits.c.published_at.asc().nulls_last(), hits.c.id.asc()]
    if plan.ranked:
        order.insert(0, hits.c.rank.desc())
    group = func.coalesce(hits.c.story_id, -hits.c.id)
    pick = func.row_number().over(partition_by=group, order_by=order).label("pick")
    picked = select(hits, pick).subquery("picked")
    outer = select(*(c for c in picked.c if c.name != "pick")).where(picked.c.pick == 1)
    return _paged(outer.order_by(*_order(plan, picked.c.published_at, picked.c.id, picked.c.get("rank"))), req)


def area_filter(values: list[str], *, provinces: bool) -> Select:
    """Ids of articles tagged with any of these regions (or provinces), by code or by name
    (case-insensitive, with or without the Kabupaten/Kota/Provinsi prefix)."""
    codes, names = [], []
    for value in values:
        value = value.strip()
        if value.replace(".", "").isdigit():
            codes.append(value)
        else:
            names.append(AREA_PREFIX.sub("", value).lower())
    kind = ArticleRegion.type == "provinsi" if provinces else ArticleRegion.type != "provinsi"
    match = or_(ArticleRegion.code.in_(codes), func.lower(ArticleRegion.name).in_(names))
    return select(ArticleRegion.article_id).where(kind, match)


def _order(plan: Plan, published: Any, ident: Any, rank: Any | None) -> list[Any]:
    """ORDER BY terms of ``plan.sort``: by rank then newest first, newest first, or oldest
    first (undated last in every order; the id breaks ties, so pages never overlap)."""
    if plan.sort == "oldest":
        return [published.asc().nulls_last(), ident.asc()]
    by_date = [published.desc().nulls_last(), ident.desc()]
    if plan.ranked and rank is not None:
        return [rank.desc(), *by_date]
    return by_date


def _ordered(stmt: Select, plan: Plan, rank: ColumnElement[float] | None) -> Select:
    return stmt.order_by(*_order(plan, Article.published_at, Article.id, rank))


def _paged(stmt: Select, req: SearchRequest) -> Select:
    if req.limit is not None:
        stmt = stmt.limit(req.limit)
    return stmt.offset(req.offset) if req.offset else stmt


def run_read(session: Session, stmt: Any, plan: Plan) -> Any:
    """Execute a search statement: a failing full-text query becomes a QueryError."""
    try:
        return session.execute(stmt)
    except DBAPIError as exc:
        if plan.fts:
            # Our compiled queries are always valid; stay safe all the same.
            logger.warning("full-text query failed: %s", exc)
            raise QueryError(f"cannot run this search: {str(exc.orig).splitlines()[0]}") from None
        raise


# -- the search index ---------------------------------------------------------------------

# engine -> storage.searchindex.SearchIndex answering its searches and counts
_INDEXES: weakref.WeakKeyDictionary[Engine, Any] = weakref.WeakKeyDictionary()


def use_index(engine: Engine, index: Any | None) -> None:
    """Answer :func:`search`, :func:`count` and storage.counts for ``engine`` from ``index`` (a
    storage.searchindex.SearchIndex), brought in step with the archive before each answer;
    None answers from SQL again. The answers are the same; the index is fast at any size."""
    if index is None:
        _INDEXES.pop(engine, None)
    else:
        _INDEXES[engine] = index


def answering_index(engine: Engine) -> Any | None:
    """The index that answers for ``engine`` now, synced; None when there is none, or when it
    cannot be brought in step (another process is writing it, or it failed): SQL answers
    then, exactly, only slower."""
    index = _INDEXES.get(engine)
    if index is None:
        return None
    try:
        report = index.sync(engine)
    except Exception as exc:  # noqa: BLE001 - the archive stays the record; SQL answers
        logger.warning("search index %s could not be brought in step (%s): answering from the archive", index.path, exc)
        return None
    return None if report.skipped else index


# -- public API ---------------------------------------------------------------------------


def search(engine: Engine, req: SearchRequest) -> list[SearchHit]:
    """Articles matching ``req`` in ``req.sort`` order (default: by rank for a text query,
    newest first otherwise). Every match is ranked, whatever the size of the archive.

    With ``group_stories`` (the default) a story is one hit: its best-ranked matching
    article, or without a text query its earliest published matching article (the
    representative); ``also_in`` names the other sources that carried the story.
    """
    plan = plan_request(engine, req)
    index = answering_index(engine)
    if index is not None:
        return index.search(engine, req)
    columns = [
        Article.id,
        Article.url,
        Article.title,
        Article.published_at,
        Source.name.label("name"),
        Article.story_id,
    ]
    stmt = _filtered(select(*columns).select_from(Article), plan, req)
    rank = _rank(plan) if plan.fts else None
    if rank is not None:
        stmt = stmt.add_columns(rank.label("rank"))
    if req.group_stories:
        stmt = _grouped(stmt, plan, req)
    else:
        stmt = _paged(_ordered(stmt, plan, rank), req)
    with Session(engine) as s:
        rows = run_read(s, stmt, plan).all()
        ranks = [float(row.rank) if rank is not None else 0.0 for row in rows]
        return page_hits(s, plan, rows, ranks, req.include_hidden)


def page_hits(
    s: Session, plan: Plan, rows: Sequence[Any], ranks: Sequence[float], include_hidden: bool
) -> list[SearchHit]:
    """The hits of one page: ``rows`` (id, url, title, published_at, name, story_id) in order
    with their ``ranks``; snippets and the story's other outlets are read here."""
    snippets = _snippets(s, plan, [row.id for row in rows])
    outlets = _story_sources(s, [row.story_id for row in rows], include_hidden)
    return [
        SearchHit(
            id=row.id,
            url=row.url,
            title=row.title,
            published=row.published_at,
            source=row.name,
            snippet=snippets.get(row.id, ""),
            rank=rank,
            story_id=row.story_id,
            also_in=[name for name in outlets.get(row.story_id, []) if name != row.name],
        )
        for row, rank in zip(rows, ranks, strict=True)
    ]


def _story_sources(s: Session, story_ids: list[int | None], include_hidden: bool) -> dict[int, list[str]]:
    """The source names of each story's articles, by their earliest article in the story."""
    wanted = sorted({i for i in story_ids if i is not None})
    if not wanted:
        return {}
    stmt = (
        select(Article.story_id, Source.name, func.min(Article.published_at), func.min(Article.id))
        .join(Source, Source.id == Article.source_id)
        .where(Article.story_id.in_(wanted))
        .group_by(Article.story_id, Source.name)
    )
    if not include_hidden:
        stmt = stmt.where(visible())
    rows = sorted(s.execute(stmt).all(), key=lambda r: (r[2] is None, r[2].timestamp() if r[2] else 0, r[3]))
    found: dict[int, list[str]] = {}
    for story_id, name, _first, _id in rows:
        if story_id is not None:
            found.setdefault(story_id, []).append(name)
    return found


def _snippets(s: Session, plan: Plan, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    body = func.coalesce(Article.text, Article.description, "")
    if plan.node is not None and plan.dialect == "postgresql":
        start = func.substr(body, 1, SNIPPET_SCAN_CHARS)  # as storage.snippet reads on SQLite
        headline = func.ts_headline(_PG_CONFIG, start, _pg_positive(plan.node), _PG_HEADLINE_OPTIONS)
        rows = s.execute(select(Article.id, headline).where(Article.id.in_(ids)))
        return {row[0]: " ".join(row[1].split()) for row in rows}
    stems: set[str] = set()
    if plan.node is not None:
        stems = {stem_word(w) or w for term in positive_terms(plan.node) for w in term.words}
    rows = s.execute(select(Article.id, body).where(Article.id.in_(ids)))
    return {row[0]: make_snippet(row[1], stems, size=SNIPPET_WORDS) for row in rows}


def count(engine: Engine, req: SearchRequest) -> int:
    """How many hits ``search`` gives for ``req`` without limit and offset, exactly: stories
    when ``group_stories``, else articles."""
    plan = plan_request(engine, req)
    index = answering_index(engine)
    if index is not None:
        return int(index.count(engine, req))
    counted = func.count(distinct(group_key())) if req.group_stories else func.count()
    stmt = _filtered(select(counted).select_from(Article), plan, req)
    with Session(engine) as s:
        return int(run_read(s, stmt, plan).scalar_one())


def matched(engine: Engine, req: SearchRequest, *columns: Any) -> tuple[Select, Plan]:
    """The statement selecting ``columns`` of every article matching ``req`` (no order, no
    paging) and its plan, for the counts of storage.counts. Source is joined."""
    plan = plan_request(engine, req)
    return _filtered(select(*columns).select_from(Article), plan, req), plan


_ARTICLE_COLUMNS = (
    Article.id,
    Article.url,
    Article.title,
    Article.author,
    Article.published_at,
    Source.name.label("source"),
    Article.language,
    Article.text,
    Article.site_name,
    Article.description,
    Article.image,
    Article.dateline,
    Article.text_hash,
    Article.fetched_at,
    Article.relevant,
    Article.score,
    Article.extractor_version,
    Article.meta,
    Article.created_at,
    Article.updated_at,
    Article.reasons,
    Article.story_id,
    Article.removed_at,
    Article.warc_file,
    Article.warc_offset,
    Article.warc_length,
    Article.hidden_at,
    Article.hidden_reason,
)


AREA_PREFIX = re.compile(r"^(?:kabupaten|kab\.?|kota|provinsi|prov\.?)\s+", re.IGNORECASE)


def _article_dict(row: Any, aliases: list[str]) -> dict[str, Any]:
    data = {("published" if key == "published_at" else key): value for key, value in row._mapping.items()}
    data["aliases"] = aliases
    warc = (data.pop("warc_file"), data.pop("warc_offset"), data.pop("warc_length"))
    data["warc"] = dict(zip(("file", "offset", "length"), warc, strict=True)) if warc[0] else None
    hidden = (data.pop("hidden_at"), data.pop("hidden_reason"))
    data["hidden"] = {"at": hidden[0], "reason": hidden[1]} if hidden[0] else None
    return data


def _aliases_of(s: Session, ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {i: [] for i in ids}
    if ids:
        rows = s.execute(
            select(ArticleUrl.article_id, ArticleUrl.url).where(ArticleUrl.article_id.in_(ids)).order_by(ArticleUrl.id)
        )
        for article_id, url in rows:
            found[article_id].append(url)
    return found


def iter_articles(engine: Engine, req: SearchRequest | None = None) -> Iterator[dict[str, Any]]:
    """Stream matching articles with every stored field and their aliases, in search order.

    ``req=None`` streams the whole archive (hidden articles left out). Every matching
    article is streamed, copies of one story too (``group_stories`` does not apply: this is
    the export). Rows come through a server-side cursor in batches of 500, so memory use
    does not grow with the archive.
    Fields: id, url, title, author, published, source, language, text, site_name,
    description, image, dateline, text_hash, fetched_at, relevant, score,
    extractor_version, meta, created_at, updated_at, aliases, story_id, removed_at,
    warc (``{file, offset, length}`` or None), hidden (``{at, reason}`` or None), and the
    relevance tags.
    """
    req = req if req is not None else SearchRequest(limit=None)
    plan = plan_request(engine, req)
    rank = _rank(plan) if plan.fts else None
    stmt = select(*_ARTICLE_COLUMNS).select_from(Article)
    stmt = _paged(_ordered(_filtered(stmt, plan, req), plan, rank), req)
    with Session(engine) as s:
        result = run_read(s, stmt.execution_options(yield_per=STREAM_BATCH), plan)
        for batch in result.partitions():
            ids = [row.id for row in batch]
            aliases, tags = _aliases_of(s, ids), read_tags(s, ids)
            for row in batch:
                yield {**_article_dict(row, aliases[row.id]), **tags[row.id]}


def get_article(engine: Engine, article_id: int) -> dict[str, Any] | None:
    """One article with every stored field, its aliases and its fetches; None if absent.

    Hidden articles are returned too, with ``hidden: {at, reason}`` (None when visible).
    ``story`` is ``{id, articles: [{id, url, title, source, published, aliases}]}``: every
    outlet and URL that carried the story (earliest first, other hidden copies left out),
    or None when the article has no story yet.
    """
    from storage.stories import members

    stmt = (
        select(*_ARTICLE_COLUMNS)
        .select_from(Article)
        .join(Source, Source.id == Article.source_id)
        .where(Article.id == article_id)
    )
    with Session(engine) as s:
        row = s.execute(stmt).first()
        if row is None:
            return None
        data = _article_dict(row, _aliases_of(s, [article_id])[article_id])
        data.update(read_tags(s, [article_id])[article_id])
        fetches = s.execute(
            select(
                FetchedUrl.url,
                FetchedUrl.kind,
                FetchedUrl.status,
                FetchedUrl.error,
                FetchedUrl.fetched_at,
                FetchedUrl.run_id,
            )
            .where(FetchedUrl.article_id == article_id)
            .order_by(FetchedUrl.fetched_at, FetchedUrl.id)
        )
        data["fetches"] = [dict(f._mapping) for f in fetches]
        data["story"] = None
        if data["story_id"] is not None:
            keys = ("id", "url", "title", "source", "published", "aliases")
            data["story"] = {
                "id": data["story_id"],
                "articles": [
                    {key: m[key] for key in keys}
                    for m in members(s, data["story_id"])
                    if m["hidden"] is None or m["id"] == article_id
                ],
            }
    return data


def _run_dict(run: CrawlRun) -> dict[str, Any]:
    return {
        "id": run.id,
        "source": run.source,
        "trigger": run.trigger,
        "status": run.status,
        "started": run.started_at,
        "finished": run.finished_at,
        "pages": run.pages,
        "new": run.new,
        "duplicates": run.duplicates,
        "errors": run.errors,
        "error_samples": list(run.error_samples or []),
        "offsite_dropped": run.offsite_dropped or 0,
        "host": run.host,
        "pid": run.pid,
    }


def list_runs(engine: Engine, source: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """The latest crawl runs, newest first (of one source if given)."""
    stmt = select(CrawlRun).order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc()).limit(limit)
    if source is not None:
        stmt = stmt.where(CrawlRun.source == source)
    with Session(engine) as s:
        return [_run_dict(run) for run in s.scalars(stmt)]


def stats(engine: Engine) -> dict[str, Any]:
    """Archive totals: articles, aliases, fetched URLs, per-source counts and runs by status.

    ``sources`` lists every source with ``source, url, articles, relevant, latest_published,
    last_run`` (the newest run as in list_runs, or None).
    """
    with Session(engine) as s:
        per_source = s.execute(
            select(
                Source.name,
                Source.url,
                func.count(Article.id),
                func.count(Article.id).filter(Article.relevant.is_(True)),
                func.max(Article.published_at),
            )
            .select_from(Source)
            .outerjoin(Article, Article.source_id == Source.id)
            .group_by(Source.id, Source.name, Source.url)
            .order_by(Source.name)
        ).all()
        latest_runs = {
            run.source: run
            for run in s.scalars(
                select(CrawlRun).where(CrawlRun.id.in_(select(func.max(CrawlRun.id)).group_by(CrawlRun.source)))
            )
        }
        by_status = {
            status: n for status, n in s.execute(select(CrawlRun.status, func.count()).group_by(CrawlRun.status))
        }
        return {
            "articles": s.scalar(select(func.count()).select_from(Article)) or 0,
            "aliases": s.scalar(select(func.count()).select_from(ArticleUrl)) or 0,
            "fetched_urls": s.scalar(select(func.count()).select_from(FetchedUrl)) or 0,
            "sources": [
                {
                    "source": name,
                    "url": url,
                    "articles": total,
                    "relevant": relevant,
                    "latest_published": latest,
                    "last_run": _run_dict(latest_runs[name]) if name in latest_runs else None,
                }
                for name, url, total, relevant, latest in per_source
            ],
            "runs": {"total": sum(by_status.values()), "by_status": by_status},
        }
