"""What the search index reads from the archive: the queued changes (``search_changes``,
filled by the triggers of migration 0006) and the rows of the articles to index.

Each index registered in ``search_indexes`` has its own queue (the triggers write a row per
registered index) and consumes only that. Consumed changes are deleted by their sequence
numbers, never by "up to the highest one read": on PostgreSQL a transaction can commit a
lower number after a higher one was read.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, between, case, column, delete, func, insert, or_, select, table, update

from storage.models import Article, ArticleDimension, ArticleRegion, Source
from storage.searchindex.schema import Row
from storage.textnorm import search_text, stem_text

CHANGES = table("search_changes", column("seq"), column("index_id"), column("article_id"))
INDEXES = table("search_indexes", column("id"), column("name"), column("seen_at"))
#: An index not synced for this long is forgotten (its queue dropped); if it comes back it is
#: registered again and built from the whole archive.
FORGET_AFTER = timedelta(days=30)
#: Ids per IN list, and sequence ranges per DELETE.
CHUNK = 1000

Ranges = list[tuple[int, int]]


def register(engine: Engine, name: str) -> int:
    """A new index's queue (changes from now on are queued for it); indexes not seen for
    FORGET_AFTER are forgotten on the way, with their queues."""
    now = datetime.now(UTC)
    with engine.begin() as conn:
        stale = list(conn.scalars(select(INDEXES.c.id).where(INDEXES.c.seen_at < now - FORGET_AFTER)))
        if stale:
            conn.execute(delete(CHANGES).where(CHANGES.c.index_id.in_(stale)))
            conn.execute(delete(INDEXES).where(INDEXES.c.id.in_(stale)))
        return int(conn.execute(insert(INDEXES).values(name=name, seen_at=now).returning(INDEXES.c.id)).scalar_one())


def registered(conn: Connection, index_id: int) -> bool:
    """Whether this index's queue exists (it was not forgotten)."""
    return conn.scalar(select(INDEXES.c.id).where(INDEXES.c.id == index_id)) is not None


def seen(engine: Engine, index_id: int) -> None:
    """Note that this index synced now (it is not forgotten while it is used)."""
    with engine.begin() as conn:
        conn.execute(update(INDEXES).where(INDEXES.c.id == index_id).values(seen_at=datetime.now(UTC)))


def pending(conn: Connection, index_id: int, limit: int) -> list[tuple[int, int]]:
    """This index's oldest queued changes: (seq, article id), at most ``limit``."""
    stmt = select(CHANGES.c.seq, CHANGES.c.article_id).where(CHANGES.c.index_id == index_id)
    return [(int(seq), int(article)) for seq, article in conn.execute(stmt.order_by(CHANGES.c.seq).limit(limit))]


def count_pending(conn: Connection, index_id: int) -> int:
    return int(conn.scalar(select(func.count()).select_from(CHANGES).where(CHANGES.c.index_id == index_id)) or 0)


def pending_ranges(conn: Connection, index_id: int) -> Ranges:
    """Every change queued for this index, as runs of consecutive sequence numbers, found by
    the database (a build after a bulk load sees millions of changes, nearly all in a few runs;
    the runs may hold other indexes' rows, which consume() leaves)."""
    mine = select(CHANGES.c.seq).where(CHANGES.c.index_id == index_id).subquery()
    run = (mine.c.seq - func.row_number().over(order_by=mine.c.seq)).label("run")
    numbered = select(mine.c.seq, run).subquery()
    stmt = select(func.min(numbered.c.seq), func.max(numbered.c.seq)).group_by(numbered.c.run)
    return sorted((int(lo), int(hi)) for lo, hi in conn.execute(stmt))


def ranges(seqs: Iterable[int]) -> Ranges:
    """Sorted sequence numbers as inclusive runs: [1, 2, 3, 7] -> [(1, 3), (7, 7)]."""
    found: Ranges = []
    for seq in seqs:
        if found and seq == found[-1][1] + 1:
            found[-1] = (found[-1][0], seq)
        else:
            found.append((seq, seq))
    return found


def consume(engine: Engine, index_id: int, consumed: Ranges) -> None:
    """Delete exactly this index's changes in ``consumed`` (rows queued meanwhile stay)."""
    with engine.begin() as conn:
        for start in range(0, len(consumed), CHUNK):
            runs = consumed[start : start + CHUNK]
            conn.execute(
                delete(CHANGES).where(
                    CHANGES.c.index_id == index_id, or_(*(between(CHANGES.c.seq, lo, hi) for lo, hi in runs))
                )
            )


def story_members(conn: Connection, story_ids: Iterable[int]) -> set[int]:
    """The ids of every article of these stories."""
    wanted = sorted(set(story_ids))
    found: set[int] = set()
    for part in _chunks(wanted):
        found.update(conn.scalars(select(Article.id).where(Article.story_id.in_(part))))
    return found


def article_count(conn: Connection) -> int:
    return int(conn.scalar(select(func.count()).select_from(Article)) or 0)


def read_rows(conn: Connection, ids: Iterable[int]) -> dict[int, Row]:
    """The index rows of these articles (absent ids: deleted articles)."""
    found: dict[int, Row] = {}
    for part in _chunks(sorted(set(ids))):
        found.update((row.id, row) for row in _rows(conn, Article.id.in_(part)))
    return found


def iter_rows(engine: Engine, batch: int) -> Iterator[list[Row]]:
    """Every article's index row, in batches of ``batch`` by id (one short read each)."""
    last = 0
    while True:
        with engine.connect() as conn:
            ids = list(conn.scalars(select(Article.id).where(Article.id > last).order_by(Article.id).limit(batch)))
            if not ids:
                return
            yield _rows(conn, Article.id.between(ids[0], ids[-1]))
        last = ids[-1]


_COLUMNS = (
    Article.id,
    Article.title,
    # the text only where the stems are not kept (PostgreSQL): it is read to be stemmed here
    case((Article.search_text.is_(None), Article.text)).label("text"),
    Article.search_text,
    Article.story_id,
    Article.published_at,
    Source.name,
    Article.relevant,
    Article.score,
    Article.hidden_at,
)


def _rows(conn: Connection, where: Any) -> list[Row]:
    articles = conn.execute(select(*_COLUMNS).join(Source, Source.id == Article.source_id).where(where)).all()
    ids = [a.id for a in articles]
    regions: dict[int, list[tuple[str, str, str]]] = {i: [] for i in ids}
    dimensions: dict[int, list[str]] = {i: [] for i in ids}
    stories = sorted({a.story_id for a in articles if a.story_id is not None})
    sizes: dict[int, int] = {}
    for part in _chunks(ids):
        tags = select(ArticleRegion.article_id, ArticleRegion.code, ArticleRegion.name, ArticleRegion.type)
        for article_id, code, name, kind in conn.execute(tags.where(ArticleRegion.article_id.in_(part))):
            regions[article_id].append((code, name, kind))
        dims = select(ArticleDimension.article_id, ArticleDimension.dimension)
        for article_id, dimension in conn.execute(dims.where(ArticleDimension.article_id.in_(part))):
            dimensions[article_id].append(dimension)
    for part in _chunks(stories):
        sizes_stmt = select(Article.story_id, func.count()).where(Article.story_id.in_(part)).group_by(Article.story_id)
        sizes.update({story: int(n) for story, n in conn.execute(sizes_stmt) if story is not None})
    return [
        Row(
            id=a.id,
            title_stems=stem_text(a.title or ""),
            # SQLite keeps the stems its full-text index has: the index takes the same
            stems=a.search_text if a.search_text is not None else search_text(a.title, a.text),
            story=a.story_id if a.story_id is not None else -a.id,
            multi=a.story_id is not None and sizes.get(a.story_id, 0) > 1,
            published=a.published_at,
            source=a.name,
            relevant=bool(a.relevant),
            score=a.score,
            hidden=a.hidden_at is not None,
            regions=regions[a.id],
            dimensions=dimensions[a.id],
        )
        for a in articles
    ]


def _chunks(values: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]
