"""Stories: near-duplicate articles (one press release on several sites) grouped by MinHash.

Every article gets a story when it is assigned: the story of its most similar earlier
article (estimated Jaccard >= threshold), or a new one. Candidates come from the indexed
``article_bands (band, hash)`` lookup, so the cost of an assignment does not depend on the
size of the archive; each candidate is then verified with its stored signature.

Concurrency (two writer processes assigning near duplicates at the same moment):

- SQLite: the transaction starts with ``BEGIN IMMEDIATE``, so assignments are serialised
  and the second one sees the bands of the first.
- PostgreSQL (READ COMMITTED): before looking up candidates, the transaction takes a
  transaction-scoped advisory lock per band hash of the new article, in sorted order (no
  deadlocks). Two articles can only be candidates of each other if they share a band hash,
  and then they share a lock: the second waits until the first commits and its next
  statement sees the first's bands. The story row is locked (``FOR UPDATE``) before its
  representative is recomputed, so concurrent joins of one story keep it consistent.
- Many articles at once (:func:`place_batch`, ``kabar import``): no band locks (a batch has
  thousands of band hashes); the caller holds the archive's writer lock, so no crawl of this
  archive writes meanwhile.

Functions here take an open Connection inside a transaction; ``storage.archive.Archive``
wraps them in one transaction each. The statements a crawl runs for every new article are
built once (bound parameters), so each costs an execution and not a compilation.
"""

from __future__ import annotations

import json
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, TypeVar, cast

from sqlalchemy import Connection, Row, Table, and_, bindparam, delete, func, insert, or_, select, text, update
from sqlalchemy.orm import Session

from storage.fingerprint import BANDS, ROWS, STORY_THRESHOLD, band_hashes, signature, similarity
from storage.models import Article, ArticleBand, ArticleUrl, Source, Story, utcnow
from storage.sql import bulk_insert, insert_rows, reserve_ids

# An article shares bands with at most this many others that are looked at (those sharing the
# most bands first): a bound on the cost when one text was copied thousands of times.
MAX_CANDIDATES = 200
# Advisory-lock namespace (first key of pg_advisory_xact_lock(int, int)): "kbst".
_PG_LOCK_NAMESPACE = 0x6B627374
# Story bookkeeping is not an edit of the article: keep ``updated_at`` (it has an onupdate).
_KEEP = {"updated_at": Article.updated_at}

T = TypeVar("T")


def begin_write(conn: Connection) -> None:
    """Make the connection's transaction a write transaction from its first statement (SQLite:
    ``BEGIN IMMEDIATE``, so a read followed by a write cannot lose a race)."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _lock_bands(conn: Connection, bands: list[tuple[int, int]]) -> None:
    if conn.dialect.name != "postgresql":
        return
    # Fold each 63-bit (band, hash) into a signed 32-bit key; a collision only costs a wait.
    keys = sorted({((h ^ (h >> 31) ^ (b * 0x9E3779B1)) & 0xFFFFFFFF) - (1 << 31) for b, h in bands})
    for key in keys:
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(%s, %s)", (_PG_LOCK_NAMESPACE, key))


def _candidates(conn: Connection, article_id: int, bands: list[tuple[int, int]]) -> Sequence[Row[Any]]:
    """Articles sharing at least one band with ``bands`` (most shared bands first)."""
    params: dict[str, Any] = {"article_id": article_id}
    for i, (band, hash_) in enumerate(bands):
        params[f"b{i}"], params[f"h{i}"] = band, hash_
    return conn.execute(_candidates_query(len(bands)), params).all()


@lru_cache(maxsize=8)
def _candidates_query(n: int):
    """The candidate lookup for ``n`` bands, built once: an OR of (band, hash) pairs, which
    both databases answer from the (band, hash) index (a row-value IN makes SQLite scan)."""
    match = or_(
        *(and_(ArticleBand.band == bindparam(f"b{i}"), ArticleBand.hash == bindparam(f"h{i}")) for i in range(n))
    )
    shared = (
        select(ArticleBand.article_id, func.count().label("n"))
        .where(match, ArticleBand.article_id != bindparam("article_id"))
        .group_by(ArticleBand.article_id)
        .order_by(func.count().desc(), ArticleBand.article_id)
        .limit(MAX_CANDIDATES)
        .subquery()
    )
    return (
        select(Article.id, Article.minhash, Article.story_id, Article.published_at)
        .join(shared, shared.c.article_id == Article.id)
        .where(Article.story_id.is_not(None), Article.minhash.is_not(None))
    )


# The statements of an assignment, built once (on the tables: Core statements, not ORM ones).
_ARTICLES = cast(Table, Article.__table__)
_STORIES = cast(Table, Story.__table__)
_ROW = select(Article.text, Article.published_at, Article.story_id).where(Article.id == bindparam("id"))
_DROP_BANDS = delete(ArticleBand).where(ArticleBand.article_id == bindparam("id"))
_BANDS = cast(Table, ArticleBand.__table__)
_INSERT_BANDS = insert(_BANDS)
_NEW_STORY = insert(_STORIES).returning(_STORIES.c.id)
_SET_STORY = (
    update(_ARTICLES)
    .where(_ARTICLES.c.id == bindparam("article"))
    .values(story_id=bindparam("story"), minhash=bindparam("signature"), **_KEEP)
)
_FIRST = (
    select(Article.id)
    .where(Article.story_id == bindparam("story_id"))
    .order_by(Article.published_at.asc().nulls_last(), Article.id)
    .limit(1)
)
_EARLIEST = select(func.min(Article.published_at)).where(Article.story_id == bindparam("story_id"))
_UPDATE_STORY = (
    update(_STORIES)
    .where(_STORIES.c.id == bindparam("story"))
    .values(representative_id=bindparam("first"), first_published=bindparam("earliest"))
)


def refresh_story(conn: Connection, story_id: int) -> None:
    """Recompute a story's representative (earliest published article, undated last, then
    lowest id) and first publication; delete the story when no article is left in it."""
    if conn.dialect.name == "postgresql":
        conn.execute(select(Story.id).where(Story.id == story_id).with_for_update())
    first = conn.execute(_FIRST, {"story_id": story_id}).scalar()
    if first is None:
        conn.execute(delete(Story).where(Story.id == story_id))
        return
    earliest = conn.execute(_EARLIEST, {"story_id": story_id}).scalar()
    conn.execute(_UPDATE_STORY, {"story": story_id, "first": first, "earliest": earliest})


def _new_story(conn: Connection, article_id: int, published: datetime | None) -> int:
    return conn.execute(
        _NEW_STORY, {"representative_id": article_id, "first_published": published, "created_at": utcnow()}
    ).scalar_one()


def _set_story(conn: Connection, article_id: int, story_id: int | None, sig: bytes | None) -> None:
    conn.execute(_SET_STORY, {"article": article_id, "story": story_id, "signature": sig})


def assign(conn: Connection, article_id: int, *, threshold: float = STORY_THRESHOLD, sig: bytes | None = None) -> int:
    """Give article ``article_id`` its story (see the module docstring); returns the story id.

    An article that already has a story keeps it. A text too short to fingerprint gets a
    story of its own and no bands, so nothing ever joins it. ``sig``: the MinHash signature
    of the stored text, when the caller has it (else it is computed here).
    """
    _check(threshold)
    row = conn.execute(_ROW, {"id": article_id}).first()
    if row is None:
        raise ValueError(f"no article with id {article_id}")
    if row.story_id is not None:
        return row.story_id
    conn.execute(_DROP_BANDS, {"id": article_id})
    if sig is None:
        sig = signature(row.text or "")
    return _place(conn, article_id, row.published_at, sig, threshold)


def assign_new(
    conn: Connection,
    article_id: int,
    published: datetime | None,
    text: str,
    *,
    threshold: float = STORY_THRESHOLD,
    sig: bytes | None = None,
) -> int:
    """:func:`assign` for an article inserted in this transaction, whose date and text the
    caller has (so nothing is read back and there are no old bands to drop)."""
    _check(threshold)
    if sig is None:
        sig = signature(text or "")
    return _place(conn, article_id, published, sig, threshold)


def _check(threshold: float) -> None:
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")


def _place(conn: Connection, article_id: int, published: datetime | None, sig: bytes | None, threshold: float) -> int:
    """The story of the most similar earlier article sharing a band with ``sig``, or a new
    one; the article's bands and signature are stored with it."""
    if sig is None:
        story_id = _new_story(conn, article_id, published)
        _set_story(conn, article_id, story_id, None)
        return story_id
    bands = band_hashes(sig, BANDS, ROWS)
    _lock_bands(conn, bands)
    best = _most_similar(sig, ((c.minhash, c.story_id) for c in _candidates(conn, article_id, bands)), threshold)
    conn.execute(_INSERT_BANDS, [{"article_id": article_id, "band": b, "hash": h} for b, h in bands])
    if best is None:
        story_id = _new_story(conn, article_id, published)
        _set_story(conn, article_id, story_id, sig)
        return story_id
    story_id = best
    _set_story(conn, article_id, story_id, sig)
    refresh_story(conn, story_id)
    return story_id


def _most_similar(sig: bytes, candidates: Iterable[tuple[bytes, T]], threshold: float) -> T | None:
    """The story of the candidate ``(signature, story)`` most similar to ``sig`` at
    ``threshold`` or above (the first of equals), or None."""
    best: tuple[float, T] | None = None
    for other, story in candidates:
        score = similarity(sig, other)
        if score >= threshold and (best is None or score > best[0]):
            best = (score, story)
    return None if best is None else best[1]


# -- many new articles at once (kabar import) ----------------------------------------------

#: The stored articles that have any of many (band, hash) pairs, in one statement whose one
#: parameter is the pairs as a JSON list, so it is compiled (and sent) as one value.
_PG_BAND_MATCHES = text(
    "SELECT b.article_id, b.band, b.hash FROM json_array_elements(CAST(:pairs AS json)) AS w(pair)"
    " JOIN article_bands b ON b.band = (w.pair->>0)::integer AND b.hash = (w.pair->>1)::bigint"
)
_SQLITE_BAND_MATCHES = text(
    "SELECT b.article_id, b.band, b.hash FROM json_each(:pairs) AS w"
    " JOIN article_bands b ON b.band = json_extract(w.value, '$[0]') AND b.hash = json_extract(w.value, '$[1]')"
)
_IDS_PER_LOOKUP = 2000
_UNDATED = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class BatchArticle:
    """A new article of a batch: its date, its MinHash (None: too short to compare) and the
    key of the story it shares with other articles of the same import, if it carries one."""

    published: datetime | None
    signature: bytes | None
    group: Hashable | None = None


@dataclass
class BatchStories:
    """The stories of a batch (:func:`place_batch`), for :func:`write_batch`: each article's
    story as ``(True, stored story id)`` or ``(False, n)`` for the batch's n-th new story, and
    its band hashes."""

    refs: list[tuple[bool, int]]
    bands: list[list[tuple[int, int]]]
    new_stories: int
    # the stored story (or the batch's new story) of each group key met in the batch
    groups: dict[Hashable, tuple[bool, int]] = field(default_factory=dict)


def place_batch(
    conn: Connection,
    articles: Sequence[BatchArticle],
    groups: Mapping[Hashable, int],
    *,
    threshold: float = STORY_THRESHOLD,
) -> BatchStories:
    """The story of each of ``articles`` (new, not yet inserted), in order, as :func:`assign`
    would give them one after another: the story of the most similar article stored or
    earlier in the batch, else a new one. An article with a ``group`` key joins that group's
    story instead (``groups`` maps the keys met in earlier batches to their stored stories),
    or starts a new one, without looking at similarity: the grouping it carries is kept.

    The candidates of the whole batch are read with a few statements, not one per article.
    No band locks are taken: the caller is the archive's only writer (it holds the writer
    lock, as ``kabar import`` does)."""
    _check(threshold)
    bands = [band_hashes(a.signature, BANDS, ROWS) if a.signature is not None else [] for a in articles]
    stored = _stored_candidates(
        conn, {pair for a, own in zip(articles, bands, strict=True) if a.group is None for pair in own}
    )
    plan = BatchStories(refs=[], bands=bands, new_stories=0)
    in_batch: dict[tuple[int, int], list[int]] = {}  # band pair -> earlier articles of the batch
    for i, (article, own) in enumerate(zip(articles, bands, strict=True)):
        ref: tuple[bool, int] | None = None
        if article.group is not None:
            if article.group in groups:
                ref = (True, groups[article.group])
            else:
                ref = plan.groups.get(article.group)
        elif article.signature is not None:
            ref = _most_similar(article.signature, _batch_candidates(own, stored, in_batch, plan, articles), threshold)
        if ref is None:
            ref = (False, plan.new_stories)
            plan.new_stories += 1
        if article.group is not None:
            plan.groups.setdefault(article.group, ref)
        plan.refs.append(ref)
        if article.signature is not None:
            for pair in own:
                in_batch.setdefault(pair, []).append(i)
    return plan


#: A stored candidate of :func:`place_batch`: article id, signature, story id.
_Stored = tuple[int, bytes, int]


def _stored_candidates(conn: Connection, pairs: set[tuple[int, int]]) -> dict[tuple[int, int], list[_Stored]]:
    """The stored articles with a story and a signature that have each band pair."""
    matches: dict[tuple[int, int], list[int]] = {}
    if pairs:
        wanted = sorted(pairs)
        lookup = _PG_BAND_MATCHES if conn.dialect.name == "postgresql" else _SQLITE_BAND_MATCHES
        rows = conn.execute(lookup, {"pairs": json.dumps(wanted)})
        for article_id, band, hash_ in rows:
            matches.setdefault((band, hash_), []).append(article_id)
    ids = sorted({i for found in matches.values() for i in found})
    known: dict[int, _Stored] = {}
    for start in range(0, len(ids), _IDS_PER_LOOKUP):
        for article_id, minhash, story_id in conn.execute(
            select(Article.id, Article.minhash, Article.story_id).where(
                Article.id.in_(ids[start : start + _IDS_PER_LOOKUP]),
                Article.story_id.is_not(None),
                Article.minhash.is_not(None),
            )
        ):
            assert minhash is not None and story_id is not None  # the statement asks for both
            known[article_id] = (article_id, minhash, story_id)
    return {pair: [known[i] for i in found if i in known] for pair, found in matches.items()}


def _batch_candidates(
    own: list[tuple[int, int]],
    stored: Mapping[tuple[int, int], list[_Stored]],
    in_batch: Mapping[tuple[int, int], list[int]],
    plan: BatchStories,
    articles: Sequence[BatchArticle],
) -> list[tuple[bytes, tuple[bool, int]]]:
    """``(signature, story)`` of the stored and earlier batch articles sharing a band with
    ``own``: those sharing the most bands first (stored ones by id, then the batch's in
    order), at most MAX_CANDIDATES, as :func:`_candidates` orders them."""
    shared: dict[tuple[int, int], int] = {}  # (0, stored id) or (1, batch index) -> bands shared
    rows: dict[int, _Stored] = {}
    for pair in own:
        for row in stored.get(pair, ()):
            rows[row[0]] = row
            shared[(0, row[0])] = shared.get((0, row[0]), 0) + 1
        for index in in_batch.get(pair, ()):
            shared[(1, index)] = shared.get((1, index), 0) + 1
    ranked = sorted(shared, key=lambda key: (-shared[key], key))[:MAX_CANDIDATES]
    found: list[tuple[bytes, tuple[bool, int]]] = []
    for kind, key in ranked:
        if kind == 0:
            found.append((rows[key][1], (True, rows[key][2])))
        else:
            sig = articles[key].signature
            assert sig is not None  # only articles with a signature have bands
            found.append((sig, plan.refs[key]))
    return found


def new_batch_stories(
    conn: Connection, plan: BatchStories, articles: Sequence[BatchArticle], article_ids: Sequence[int]
) -> list[int]:
    """Insert the batch's new stories, whose articles will have ``article_ids`` (reserved, not
    yet inserted): each with its representative and first publication as
    :func:`refresh_story` picks them (the earliest published, undated last, then the lowest
    id). Their ids, in order."""
    if not plan.new_stories:
        return []
    firsts: dict[int, tuple[bool, datetime, int]] = {}
    earliest: dict[int, datetime] = {}
    for (stored, n), article, article_id in zip(plan.refs, articles, article_ids, strict=True):
        if stored:
            continue
        rank = (article.published is None, article.published or _UNDATED, article_id)
        if n not in firsts or rank < firsts[n]:
            firsts[n] = rank
        if article.published is not None:
            earliest[n] = min(earliest.get(n, article.published), article.published)
    now = utcnow()
    ids = reserve_ids(conn, _STORIES, plan.new_stories)
    rows = [
        {"id": story_id, "representative_id": firsts[n][2], "first_published": earliest.get(n), "created_at": now}
        for n, story_id in enumerate(ids)
    ]
    bulk_insert(conn, _STORIES, rows)
    return ids


def story_ids(plan: BatchStories, new_ids: Sequence[int]) -> list[int]:
    """The story id of each article of the batch."""
    return [ref if stored else new_ids[ref] for stored, ref in plan.refs]


def write_batch(conn: Connection, plan: BatchStories, article_ids: Sequence[int]) -> None:
    """After the batch's articles are inserted (with their story ids and signatures): their
    bands, and the stored stories they joined refreshed."""
    band_rows = [
        (article_id, band, hash_)
        for article_id, own in zip(article_ids, plan.bands, strict=True)
        for band, hash_ in own
    ]
    if band_rows:
        insert_rows(conn, _BANDS, ("article_id", "band", "hash"), band_rows)
    for story_id in sorted({ref for stored, ref in plan.refs if stored}):
        refresh_story(conn, story_id)


def detach(conn: Connection, article_id: int) -> None:
    """Take an article out of its story (bands and signature dropped, story refreshed)."""
    old = conn.execute(select(Article.story_id).where(Article.id == article_id)).first()
    if old is None:
        raise ValueError(f"no article with id {article_id}")
    conn.execute(_DROP_BANDS, {"id": article_id})
    _set_story(conn, article_id, None, None)
    if old.story_id is not None:
        refresh_story(conn, old.story_id)


def members(conn: Connection | Session, story_id: int) -> list[dict[str, Any]]:
    """Every article of a story, hidden ones included, earliest published first."""
    rows = conn.execute(
        select(
            Article.id,
            Article.url,
            Article.title,
            Source.name.label("source"),
            Article.published_at,
            Article.hidden_at,
            Article.hidden_reason,
        )
        .join(Source, Source.id == Article.source_id)
        .where(Article.story_id == story_id)
        .order_by(Article.published_at.asc().nulls_last(), Article.id)
    ).all()
    aliases: dict[int, list[str]] = {row.id: [] for row in rows}
    if rows:
        for aid, url in conn.execute(
            select(ArticleUrl.article_id, ArticleUrl.url)
            .where(ArticleUrl.article_id.in_(list(aliases)))
            .order_by(ArticleUrl.id)
        ):
            aliases[aid].append(url)
    return [
        {
            "id": row.id,
            "url": row.url,
            "title": row.title,
            "source": row.source,
            "published": row.published_at,
            "aliases": aliases[row.id],
            "hidden": {"at": row.hidden_at, "reason": row.hidden_reason} if row.hidden_at else None,
        }
        for row in rows
    ]
