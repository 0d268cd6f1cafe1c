"""What the search index reads from the archive: the queued changes (``search_changes``,
filled by the triggers of migration 0006) and the rows of the articles to index.

Consumed changes are deleted by their sequence numbers, never by "up to the highest one
read": on PostgreSQL a transaction can commit a lower number after a higher one was read.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, between, case, column, delete, func, or_, select, table

from storage.models import Article, ArticleDimension, ArticleRegion, Source
from storage.searchindex.schema import Row
from storage.textnorm import search_text, stem_text

CHANGES = table("search_changes", column("seq"), column("article_id"))
#: Ids per IN list, and sequence ranges per DELETE.
CHUNK = 1000

Ranges = list[tuple[int, int]]


def pending(conn: Connection, limit: int) -> list[tuple[int, int]]:
    """The oldest queued changes: (seq, article id), at most ``limit``."""
    stmt = select(CHANGES.c.seq, CHANGES.c.article_id).order_by(CHANGES.c.seq).limit(limit)
    return [(int(seq), int(article)) for seq, article in conn.execute(stmt)]


def count_pending(conn: Connection) -> int:
    return int(conn.scalar(select(func.count()).select_from(CHANGES)) or 0)


def pending_ranges(conn: Connection) -> Ranges:
    """Every queued change, as runs of consecutive sequence numbers, found by the database (a
    build after a bulk load sees millions of changes, nearly all in a few runs)."""
    run = (CHANGES.c.seq - func.row_number().over(order_by=CHANGES.c.seq)).label("run")
    numbered = select(CHANGES.c.seq, run).subquery()
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


def consume(engine: Engine, consumed: Ranges) -> None:
    """Delete exactly the changes in ``consumed`` (rows queued meanwhile stay)."""
    with engine.begin() as conn:
        for start in range(0, len(consumed), CHUNK):
            runs = consumed[start : start + CHUNK]
            conn.execute(delete(CHANGES).where(or_(*(between(CHANGES.c.seq, lo, hi) for lo, hi in runs))))


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
