"""The write API the crawler uses: sources, runs, fetched URLs, articles and aliases,
stories of near duplicates (storage.stories) and takedowns.

Every method is one short transaction, safe with concurrent writer processes: inserts use
``INSERT … ON CONFLICT`` on the unique URL/name columns, so a race never makes duplicates.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable, Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import (
    Connection,
    CursorResult,
    Engine,
    Table,
    bindparam,
    delete,
    func,
    literal,
    select,
    union_all,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage import stories
from storage.fingerprint import STORY_THRESHOLD, signature
from storage.models import (
    FETCH_KINDS,
    MAX_ERROR_SAMPLES,
    RUN_STATUSES,
    Article,
    ArticleUrl,
    CrawlRun,
    FetchedUrl,
    Source,
    utcnow,
)
from storage.runs import process_identity
from storage.sql import bulk_insert, reserve_ids, upsert_dialect, upsert_insert
from storage.tags import insert_tag_rows, score_fields, tag_rows, write_tag_rows
from storage.textlimit import MAX_TEXT_CHARS, TRUNCATED_FROM, bound_text
from storage.textnorm import search_text, text_hash

logger = logging.getLogger(__name__)

# Fields a caller may set on an article; the rest are managed here. ``truncated_from`` (the
# length of a text cut at extraction, see storage.textlimit) is kept in ``meta``.
ARTICLE_FIELDS = frozenset(
    {
        "url",
        "source_id",
        "title",
        "author",
        "published_at",
        "language",
        "text",
        "text_hash",
        "site_name",
        "description",
        "image",
        "dateline",
        "fetched_at",
        "extractor_version",
        "relevant",
        "score",
        "meta",
        "reasons",
        "warc_file",
        "warc_offset",
        "warc_length",
        "revisited_at",
        "removed_at",
        "truncated_from",
    }
)
MAX_ERROR_SAMPLE_CHARS = 300


#: What :meth:`Archive.import_articles` may set besides ARTICLE_FIELDS: an article restored
#: from an export keeps its archive times and its takedown.
IMPORT_FIELDS = ARTICLE_FIELDS | {"created_at", "updated_at", "hidden_at", "hidden_reason"}

#: What became of an article given to :meth:`Archive.import_articles`.
IMPORT_NEW, IMPORT_KNOWN, IMPORT_DUPLICATE = "new", "known", "duplicate"

#: URLs or text hashes looked up per statement by :meth:`Archive.import_articles`.
_LOOKUP_CHUNK = 1000


def validate_article_fields(
    fields: Mapping[str, Any], *, required: Iterable[str] = (), known: frozenset[str] = ARTICLE_FIELDS
) -> None:
    """Raise ValueError naming unknown (not in ``known``) or missing article fields."""
    unknown = sorted(set(fields) - known)
    if unknown:
        raise ValueError(f"unknown article field(s): {', '.join(unknown)} (known: {', '.join(sorted(known))})")
    missing = [name for name in required if fields.get(name) in (None, "")]
    if missing:
        raise ValueError(f"missing article field(s): {', '.join(missing)}")


@dataclass(frozen=True)
class NewArticle:
    """One article for :meth:`Archive.store_articles` (the arguments of
    :meth:`Archive.store_article`)."""

    fields: Mapping[str, Any]
    tags: Mapping[str, Any] | None = None
    signature: bytes | None = None
    fetch: Mapping[str, Any] | None = None
    stems: str | None = None


@dataclass(frozen=True)
class ImportedArticle(NewArticle):
    """One article for :meth:`Archive.import_articles`: a NewArticle whose ``fields`` may hold
    IMPORT_FIELDS and carry the verdict columns (relevant, score, reasons) themselves, whose
    ``tags`` give only its region and dimension rows, and which has no fetch; with the other
    URLs it is known under, and the key of the story it shares with other articles of the
    same import (None: its story is found by similarity, as a crawl finds it)."""

    aliases: tuple[str, ...] = ()
    story: Hashable | None = None


class Archive:
    """Write access to the archive behind ``engine`` (whose schema is already upgraded)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sqlite = engine.dialect.name == "sqlite"

    def _session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    # -- sources and runs ---------------------------------------------------------------

    def source_ids(self) -> dict[str, int]:
        """The id of every source, by name."""
        with self.engine.connect() as conn:
            return {name: source_id for source_id, name in conn.execute(select(Source.id, Source.name))}

    def ensure_source(self, name: str, url: str) -> int:
        """The id of source ``name``, created (or its URL updated) as needed."""
        table = cast(Table, Source.__table__)
        with self._session() as s, s.begin():
            stmt = upsert_insert(s, table).values(name=name, url=url, created_at=utcnow())
            upsert = stmt.on_conflict_do_update(
                index_elements=[table.c.name],
                set_={"url": stmt.excluded.url},
                where=table.c.url != stmt.excluded.url,
            ).returning(table.c.id)
            source_id = s.execute(upsert).scalar()
            if source_id is None:
                source_id = s.scalar(select(Source.id).where(Source.name == name))
            assert source_id is not None  # inserted, or already there with this URL
            return source_id

    def start_run(self, source: str, trigger: str) -> int:
        """Record the start of a crawl of ``source`` by this process; returns the run id."""
        pid, host = process_identity()
        with self._session() as s, s.begin():
            run = CrawlRun(
                source=source,
                trigger=trigger,
                status="running",
                started_at=utcnow(),
                pages=0,
                new=0,
                duplicates=0,
                errors=0,
                error_samples=[],
                offsite_dropped=0,
                pid=pid,
                host=host,
            )
            s.add(run)
            s.flush()
            return run.id

    def finish_run(
        self,
        run_id: int,
        *,
        status: str,
        pages: int = 0,
        new: int = 0,
        duplicates: int = 0,
        errors: int = 0,
        error_samples: Iterable[str] = (),
        offsite_dropped: int = 0,
    ) -> None:
        """Record the end of run ``run_id`` with its counts (at most 20 error samples kept)."""
        if status not in RUN_STATUSES:
            raise ValueError(f"unknown run status {status!r} (one of {', '.join(RUN_STATUSES)})")
        samples = [str(x)[:MAX_ERROR_SAMPLE_CHARS] for x in list(error_samples)[:MAX_ERROR_SAMPLES]]
        values = dict(
            status=status,
            finished_at=utcnow(),
            pages=pages,
            new=new,
            duplicates=duplicates,
            errors=errors,
            error_samples=samples,
            offsite_dropped=offsite_dropped,
        )
        stmt = update(CrawlRun).where(CrawlRun.id == run_id).values(**values)
        self._update_one(stmt, f"no crawl run with id {run_id}")

    def _update_one(self, stmt: Any, missing: str) -> None:
        """Run an UPDATE of one row by id in its own transaction; ValueError(``missing``) when
        no row has that id."""
        with self._session() as s, s.begin():
            if cast(CursorResult, s.execute(stmt)).rowcount == 0:
                raise ValueError(missing)

    # -- fetched URLs ---------------------------------------------------------------------

    def record_fetch(
        self,
        url: str,
        *,
        source_id: int | None,
        run_id: int | None,
        kind: str,
        status: int | None = None,
        error: str | None = None,
        article_id: int | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        body_hash: str | None = None,
        warc_file: str | None = None,
        warc_offset: int | None = None,
        warc_length: int | None = None,
    ) -> None:
        """Record (upsert by URL) the latest fetch of ``url``.

        ``article_id``, ``etag``, ``last_modified``, ``body_hash`` and the WARC pointer keep
        their stored value when given as None (a 304 carries no new validators or body; a
        feed fetch has no article).
        """
        values = dict(
            url=url,
            source_id=source_id,
            run_id=run_id,
            kind=kind,
            status=status,
            error=error,
            article_id=article_id,
            etag=etag,
            last_modified=last_modified,
            body_hash=body_hash,
            warc_file=warc_file,
            warc_offset=warc_offset,
            warc_length=warc_length,
        )
        with self.engine.begin() as conn:
            _write_fetch(conn, values)

    def fetch_info(self, url: str) -> dict[str, Any] | None:
        """The stored outcome of the latest fetch of ``url`` (for conditional GET), or None."""
        with self.engine.connect() as conn:
            row = conn.execute(_FETCH_INFO, {"url": url}).first()
        return None if row is None else dict(row._mapping)

    @staticmethod
    def _succeeded():
        # Transient failures (network errors, 429, 5xx) are fetched again next run.
        return (FetchedUrl.error.is_(None)) & (
            FetchedUrl.status.is_(None) | ((FetchedUrl.status < 500) & (FetchedUrl.status != 429))
        )

    def fetched_urls(
        self,
        source_id: int | None = None,
        kinds: Iterable[str] = ("article",),
        *,
        include_failed: bool = False,
    ) -> set[str]:
        """URLs already fetched (of ``kinds``, of one source or all) that need no new fetch.

        Fetches that failed transiently (an error, 429 or 5xx) are left out unless
        ``include_failed``.
        """
        stmt = select(FetchedUrl.url).where(FetchedUrl.kind.in_(list(kinds)))
        if source_id is not None:
            stmt = stmt.where(FetchedUrl.source_id == source_id)
        if not include_failed:
            stmt = stmt.where(self._succeeded())
        with self._session() as s:
            return set(s.scalars(stmt))

    def is_known_url(self, url: str) -> bool:
        """Whether ``url`` was fetched successfully, is an article URL, or an alias."""
        stmt = union_all(
            select(FetchedUrl.id).where(FetchedUrl.url == url, self._succeeded()),
            select(Article.id).where(Article.url == url),
            select(ArticleUrl.id).where(ArticleUrl.url == url),
        ).limit(1)
        with self._session() as s:
            return s.execute(stmt).first() is not None

    # -- articles and aliases -------------------------------------------------------------

    def find_article_id(self, url: str) -> int | None:
        """The id of the article whose canonical URL or alias is ``url``."""
        return self.find_article_for([url])

    def find_article_for(self, urls: Iterable[str]) -> int | None:
        """The article known under any of ``urls`` (as canonical URL or alias), in one query;
        when several are, the first URL in sorted order wins, a canonical URL over an alias."""
        wanted = sorted(set(urls))
        if not wanted:
            return None
        with self.engine.connect() as conn:
            return _known_article(conn, wanted)

    def find_by_text_hash(self, text_hash: str) -> int | None:
        """The id of the oldest article with this normalised-text hash."""
        with self.engine.connect() as conn:
            return conn.execute(_BY_TEXT_HASH, {"text_hash": text_hash}).scalar()

    @property
    def keeps_stems(self) -> bool:
        """Whether articles carry ``search_text`` (SQLite's full-text column): see
        :func:`storage.textnorm.search_text` and ``store_article(stems=…)``."""
        return self._sqlite

    @property
    def can_group_articles(self) -> bool:
        """Whether :meth:`store_articles` may take several articles from a crawl: on SQLite
        (one writer at a time); not on PostgreSQL, where each article's story locks are
        taken in an order of their own and two grouped writers could deadlock."""
        return self._sqlite

    def _derived(self, fields: dict[str, Any], stems: str | None = None) -> dict[str, Any]:
        if fields.get("text_hash") is None and fields.get("text"):
            fields["text_hash"] = text_hash(fields["text"])
        if self._sqlite:
            fields["search_text"] = stems if stems is not None else search_text(fields.get("title"), fields.get("text"))
        return fields

    def add_article(self, fields: Mapping[str, Any]) -> tuple[int, bool]:
        """Insert an article under its canonical ``url``; returns ``(id, created)``.

        If the URL is already an article URL or an alias, the stored article is left as it
        is and ``(its id, False)`` returned. ``text_hash`` is computed from ``text`` when
        not given. Unknown field names raise ValueError.
        """
        values, _ = self._article_values(fields)
        with self.engine.begin() as conn:
            return _insert_article(conn, values)

    def store_article(
        self,
        fields: Mapping[str, Any],
        *,
        tags: Mapping[str, Any] | None = None,
        threshold: float = STORY_THRESHOLD,
        signature: bytes | None = None,
        fetch: Mapping[str, Any] | None = None,
        stems: str | None = None,
    ) -> tuple[int, bool]:
        """:meth:`add_article`, and for a new article its ``tags``, its story
        (:meth:`assign_story`) and ``fetch`` (the :meth:`record_fetch` fields of the page it
        came from, given the article's id), all in one transaction: a crawl killed midway
        leaves the article whole or absent. Returns ``(id, created)``.

        ``signature`` and ``stems`` (:func:`~storage.textnorm.search_text` of the title and
        text) are computed here unless the caller has them (the crawl's extraction workers do)."""
        new = NewArticle(fields, tags=tags, signature=signature, fetch=fetch, stems=stems)
        return self.store_articles([new], threshold=threshold)[0]

    def store_articles(
        self, articles: Sequence[NewArticle], *, threshold: float = STORY_THRESHOLD
    ) -> list[tuple[int, bool]]:
        """:meth:`store_article` of each of ``articles`` in one transaction (one commit for
        all: SQLite writes the pages they share once); ``(id, created)`` of each, in order.

        An article whose text hash is that of one created earlier in the same call is not
        created again: it gets ``(that id, False)``, as the crawl's text dedup would have
        given it had the first been stored already. Any error rolls back the whole call."""
        prepared = []
        for new in articles:
            values, cut = self._article_values(new.fields, new.stems)
            if new.tags:
                values.update(score_fields(new.tags))
            prepared.append((new, values, None if cut else new.signature))
        results: list[tuple[int, bool]] = []
        created_by_hash: dict[str, int] = {}
        with self.engine.begin() as conn:
            stories.begin_write(conn)
            for new, values, sig in prepared:
                earlier = created_by_hash.get(values.get("text_hash") or "")
                if earlier is not None:
                    article_id, created = earlier, False
                else:
                    article_id, created = _insert_article(conn, values)
                if created:
                    if values.get("text_hash"):
                        created_by_hash[values["text_hash"]] = article_id
                    if new.tags:
                        write_tag_rows(conn, article_id, new.tags)
                    stories.assign_new(
                        conn,
                        article_id,
                        values.get("published_at"),
                        values.get("text") or "",
                        threshold=threshold,
                        sig=sig,
                    )
                if new.fetch is not None:
                    _write_fetch(conn, {**new.fetch, "article_id": article_id})
                results.append((article_id, created))
        return results

    def _article_values(
        self, fields: Mapping[str, Any], stems: str | None = None, known: frozenset[str] = ARTICLE_FIELDS
    ) -> tuple[dict[str, Any], bool]:
        """The row of a new article, and whether its text was cut here (then the caller's
        hash, stems and signature, made of the whole text, are not used)."""
        validate_article_fields(fields, required=("url", "source_id"), known=known)
        now = utcnow()
        values = dict(fields)
        values.setdefault("meta", {})
        cut = _bound_text(values, values["meta"], values["url"])
        values = self._derived(values, None if cut else stems)
        values.setdefault("relevant", True)
        values.setdefault("created_at", now)
        values.setdefault("updated_at", now)
        return values, cut

    def import_articles(
        self,
        articles: Sequence[ImportedArticle],
        *,
        stories_by_key: MutableMapping[Hashable, int],
        threshold: float = STORY_THRESHOLD,
    ) -> list[tuple[int, str]]:
        """Store a batch of imported articles in one transaction (bulk inserts; the batch
        write of ``kabar import``); ``(article id, what became of it)`` of each, in order:

        - IMPORT_KNOWN: its URL or one of its aliases is already an article's URL or alias
          (stored, or of an earlier article of the batch): nothing of it is stored but its
          other URLs, as aliases of that article;
        - IMPORT_DUPLICATE: an article without a story key whose text hash is that of a
          stored or earlier article: its URLs become that article's aliases (the crawl's
          text dedup);
        - IMPORT_NEW: stored with its tag rows, aliases, MinHash, bands and story
          (:func:`storage.stories.place_batch`: as :meth:`store_article` would place it, or
          with the other articles of its story key).

        ``stories_by_key`` maps the story keys of earlier batches of the import to their
        stories; the batch's are added once it is committed. Any error rolls back the whole
        batch. The caller is the archive's only writer (it holds the writer lock)."""
        prepared = []
        for new in articles:
            values, cut = self._article_values(new.fields, new.stems, known=IMPORT_FIELDS)
            sig = new.signature if new.signature is not None and not cut else signature(values.get("text") or "")
            prepared.append((new, values, sig))
        outcomes: list[tuple[tuple[bool, int], str]] = []  # ((stored, id or batch position), what)
        aliases: list[tuple[tuple[bool, int], str]] = []
        fresh: list[int] = []
        with self.engine.begin() as conn:
            stories.begin_write(conn)
            urls = {u for new, values, _ in prepared for u in (values["url"], *new.aliases)}
            target = {url: (True, article_id) for url, article_id in _known_urls(conn, urls).items()}
            hashes = {v["text_hash"] for new, v, _ in prepared if new.story is None and v.get("text_hash")}
            by_hash = {h: (True, article_id) for h, article_id in _oldest_by_hash(conn, hashes).items()}
            for position, (new, values, _) in enumerate(prepared):
                own = list(dict.fromkeys((values["url"], *new.aliases)))
                found = next((target[url] for url in own if url in target), None)
                what = IMPORT_KNOWN
                if found is None and new.story is None:
                    found, what = by_hash.get(values.get("text_hash") or ""), IMPORT_DUPLICATE
                if found is None:
                    found, what = (False, position), IMPORT_NEW
                    fresh.append(position)
                    if values.get("text_hash"):
                        by_hash.setdefault(values["text_hash"], found)
                for url in own:
                    if url not in target:
                        target[url] = found
                        if what != IMPORT_NEW or url != values["url"]:
                            aliases.append((found, url))
                outcomes.append((found, what))
            batch = [
                stories.BatchArticle(prepared[p][1].get("published_at"), prepared[p][2], articles[p].story)
                for p in fresh
            ]
            plan = stories.place_batch(conn, batch, stories_by_key, threshold=threshold)
            ids = reserve_ids(conn, _ARTICLES, len(fresh))
            new_stories = stories.new_batch_stories(conn, plan, batch, ids)
            rows = [
                {**prepared[p][1], "id": article_id, "story_id": story_id, "minhash": prepared[p][2]}
                for p, article_id, story_id in zip(fresh, ids, stories.story_ids(plan, new_stories), strict=True)
            ]
            if rows:
                columns = set().union(*rows)  # every row the same columns, for one statement
                bulk_insert(conn, _ARTICLES, [{name: row.get(name) for name in columns} for row in rows])
            stories.write_batch(conn, plan, ids)
            id_at = dict(zip(fresh, ids, strict=True))
            insert_tag_rows(conn, [tag_rows(id_at[p], articles[p].tags or {}) for p in fresh])

            def article_id(found: tuple[bool, int]) -> int:
                return found[1] if found[0] else id_at[found[1]]

            alias_rows = [{"article_id": article_id(found), "url": url} for found, url in aliases]
            bulk_insert(conn, cast(Table, ArticleUrl.__table__), alias_rows)
        for key, (stored, ref) in plan.groups.items():
            stories_by_key[key] = ref if stored else new_stories[ref]
        return [(article_id(found), what) for found, what in outcomes]

    def update_article(self, article_id: int, fields: Mapping[str, Any]) -> None:
        """Change stored fields of an article (re-extraction); full text is kept in sync.

        A new ``text`` is cut to MAX_TEXT_CHARS and its ``truncated_from`` (given, or made by
        that cut, or none) replaces the one in ``meta``."""
        validate_article_fields(fields)
        if not fields:
            return
        with self._session() as s, s.begin():
            current = s.execute(
                select(Article.title, Article.text, Article.url, Article.meta).where(Article.id == article_id)
            ).first()
            if current is None:
                raise ValueError(f"no article with id {article_id}")
            values = dict(fields)
            _bound_text(values, current.meta, current.url)
            if values.get("title", current.title) == current.title and values.get("text", current.text) == current.text:
                values.pop("title", None)  # same words: no new hash, stems or full-text entry
                values.pop("text", None)
            if "title" in values or "text" in values:
                merged = {"title": current.title, "text": current.text, **values}
                if "text" in values and "text_hash" not in values:
                    merged["text_hash"] = None
                derived = self._derived(merged)
                values["text_hash"] = derived.get("text_hash")
                if "search_text" in derived:
                    values["search_text"] = derived["search_text"]
            values["updated_at"] = utcnow()
            s.execute(update(Article).where(Article.id == article_id).values(**values))

    def delete_article(self, article_id: int) -> None:
        """Remove an article with its aliases and bands (fetched URLs keep their record);
        its story gets a new representative, or goes when it was the last article."""
        with self.engine.begin() as conn:
            stories.begin_write(conn)
            story_id = conn.scalar(select(Article.story_id).where(Article.id == article_id))
            conn.execute(delete(Article).where(Article.id == article_id))
            if story_id is not None:
                stories.refresh_story(conn, story_id)

    def add_alias(self, article_id: int, url: str) -> None:
        """Record ``url`` as another URL of article ``article_id`` (idempotent).

        A URL that is already some article's canonical URL is never made an alias; a URL
        that is already an alias stays with the article it belongs to.
        """
        table = cast(Table, ArticleUrl.__table__)
        with self._session() as s, s.begin():
            if s.scalar(select(Article.id).where(Article.url == url)) is not None:
                return
            stmt = (
                upsert_insert(s, table)
                .values(article_id=article_id, url=url)
                .on_conflict_do_nothing(index_elements=[table.c.url])
            )
            try:
                s.execute(stmt)
            except IntegrityError:
                raise ValueError(f"no article with id {article_id}") from None

    def aliases(self, article_id: int) -> list[str]:
        """The alias URLs of an article, oldest first."""
        with self._session() as s:
            return list(
                s.scalars(select(ArticleUrl.url).where(ArticleUrl.article_id == article_id).order_by(ArticleUrl.id))
            )

    # -- stories (near duplicates) ----------------------------------------------------------

    def assign_story(
        self, article_id: int, *, threshold: float = STORY_THRESHOLD, signature: bytes | None = None
    ) -> int:
        """Put an article into the story of its most similar stored article (estimated
        Jaccard of word 3-grams >= ``threshold``) or into a new story; returns the story id.

        Stores the article's MinHash signature and LSH bands; candidates come from the
        indexed band lookup and are verified with their signatures. One transaction, safe
        with concurrent writer processes (see storage.stories). An article that already has
        a story keeps it (use rebuild_story after its text changed); a text too short to
        fingerprint gets a story of its own. Unknown id: ValueError. ``signature``: the
        text's MinHash when the caller computed it already (the crawl's extraction workers do).
        """
        with self.engine.begin() as conn:
            stories.begin_write(conn)
            return stories.assign(conn, article_id, threshold=threshold, sig=signature)

    def rebuild_story(
        self, article_id: int, *, threshold: float = STORY_THRESHOLD, signature: bytes | None = None
    ) -> int:
        """Re-fingerprint an article whose text changed (re-extraction): drop its bands, take
        it out of its story and assign it again, in one transaction; returns the story id.

        The other articles of its old story stay together even if this one was what linked
        them. ``signature``: as for :meth:`assign_story`."""
        with self.engine.begin() as conn:
            stories.begin_write(conn)
            stories.detach(conn, article_id)
            return stories.assign(conn, article_id, threshold=threshold, sig=signature)

    def story_articles(self, story_id: int) -> list[dict[str, Any]]:
        """Every article of a story, earliest published first, hidden ones included:
        ``id, url, title, source, published, aliases, hidden`` (None or ``{at, reason}``)."""
        with self.engine.connect() as conn:
            return stories.members(conn, story_id)

    # -- takedowns --------------------------------------------------------------------------

    def hide(self, article_id: int, reason: str) -> None:
        """Take an article out of search, export, web, API and feeds; it stays in the archive
        with ``reason`` and the time. Hiding again replaces both. Unknown id: ValueError."""
        reason = (reason or "").strip()
        if not reason:
            raise ValueError("a reason is required to hide an article")
        self._set_hidden(article_id, hidden_at=utcnow(), hidden_reason=reason)

    def unhide(self, article_id: int) -> None:
        """Show a hidden article again (a no-op for a visible one). Unknown id: ValueError."""
        self._set_hidden(article_id, hidden_at=None, hidden_reason=None)

    def _set_hidden(self, article_id: int, **values: Any) -> None:
        # not an edit of the article: updated_at stays
        stmt = update(Article).where(Article.id == article_id).values(**values, updated_at=Article.updated_at)
        self._update_one(stmt, f"no article with id {article_id}")


def _bound_text(values: dict[str, Any], stored_meta: Mapping[str, Any] | None, url: str) -> bool:
    """Cut ``values["text"]`` (when given) to MAX_TEXT_CHARS and record in ``values["meta"]``
    (``stored_meta`` unless ``values`` has one) the length the text had: the caller's
    ``truncated_from`` (or the one in its ``meta``), or the length cut here. True when the text
    was cut here: the caller's ``text_hash`` is dropped, and its stems and signature, made of
    the whole text, are stale too."""
    given = values.pop("truncated_from", None)
    if "text" not in values:
        return False
    text = values["text"] or ""
    meta = dict(values["meta"] if "meta" in values else stored_meta or {})
    given = given or (values.get("meta") or {}).get(TRUNCATED_FROM)
    kept, truncated_from = bound_text(text, given)
    meta.pop(TRUNCATED_FROM, None)
    if truncated_from:
        meta[TRUNCATED_FROM] = truncated_from
        logger.warning(
            "%s: article text cut to %d of %d characters (at most %d are stored)",
            url,
            len(kept),
            truncated_from,
            MAX_TEXT_CHARS,
        )
    values["meta"] = meta
    if len(kept) == len(text):
        return False
    values["text"] = kept
    values.pop("text_hash", None)
    return True


#: Every column of a fetch record a caller may give (the rest default to None).
_FETCH_FIELDS = (
    "url",
    "source_id",
    "run_id",
    "kind",
    "status",
    "error",
    "article_id",
    "etag",
    "last_modified",
    "body_hash",
    "warc_file",
    "warc_offset",
    "warc_length",
)


def _write_fetch(conn: Connection, fields: Mapping[str, Any]) -> None:
    """Upsert one fetched-URL row inside the caller's transaction."""
    unknown = set(fields) - set(_FETCH_FIELDS)
    if unknown:
        raise ValueError(f"unknown fetch field(s): {', '.join(sorted(unknown))}")
    kind = fields.get("kind")
    if kind not in FETCH_KINDS:
        raise ValueError(f"unknown fetch kind {kind!r} (one of {', '.join(FETCH_KINDS)})")
    values = {**dict.fromkeys(_FETCH_FIELDS), **fields, "fetched_at": utcnow()}
    conn.execute(_fetch_upsert(conn.dialect.name), values)


#: Columns of a fetch record that keep their stored value when a new fetch brings None.
_FETCH_KEPT = ("article_id", "etag", "last_modified", "body_hash", "warc_file", "warc_offset", "warc_length")


@lru_cache(maxsize=4)
def _fetch_upsert(dialect: str):
    """The upsert of one fetched-URL row, built once per dialect (a crawl runs it per page)."""
    table = cast(Table, FetchedUrl.__table__)
    stmt = upsert_dialect(dialect, table)
    ex = stmt.excluded
    return stmt.on_conflict_do_update(
        index_elements=[table.c.url],
        set_={
            "source_id": func.coalesce(ex.source_id, table.c.source_id),
            "run_id": ex.run_id,
            "kind": ex.kind,
            "status": ex.status,
            "error": ex.error,
            "fetched_at": ex.fetched_at,
            **{c: func.coalesce(getattr(ex, c), table.c[c]) for c in _FETCH_KEPT},
        },
    )


# The lookups a crawl makes for every article page, built once.
_KNOWN = union_all(
    select(Article.url, literal(0).label("alias"), Article.id).where(
        Article.url.in_(bindparam("urls", expanding=True))
    ),
    select(ArticleUrl.url, literal(1).label("alias"), ArticleUrl.article_id).where(
        ArticleUrl.url.in_(bindparam("urls", expanding=True))
    ),
)
_BY_TEXT_HASH = select(Article.id).where(Article.text_hash == bindparam("text_hash")).order_by(Article.id).limit(1)
_ID_BY_URL = select(Article.id).where(Article.url == bindparam("url"))
_FETCH_INFO = select(
    *(
        cast(Table, FetchedUrl.__table__).c[name]
        for name in (
            "url",
            "source_id",
            "run_id",
            "kind",
            "status",
            "error",
            "fetched_at",
            "article_id",
            "etag",
            "last_modified",
            "body_hash",
        )
    )
).where(FetchedUrl.url == bindparam("url"))


def _known_urls(conn: Connection, urls: Iterable[str]) -> dict[str, int]:
    """The article of each of ``urls`` that is an article URL or alias (an article URL first)."""
    found: dict[str, tuple[int, int]] = {}
    wanted = sorted(urls)
    for start in range(0, len(wanted), _LOOKUP_CHUNK):
        for url, alias, article_id in conn.execute(_KNOWN, {"urls": wanted[start : start + _LOOKUP_CHUNK]}):
            if url not in found or alias < found[url][0]:
                found[url] = (alias, article_id)
    return {url: article_id for url, (_, article_id) in found.items()}


def _oldest_by_hash(conn: Connection, hashes: Iterable[str]) -> dict[str, int]:
    """The oldest article with each of these text hashes (as :meth:`Archive.find_by_text_hash`)."""
    found: dict[str, int] = {}
    wanted = sorted(hashes)
    for start in range(0, len(wanted), _LOOKUP_CHUNK):
        rows = conn.execute(
            select(Article.text_hash, func.min(Article.id))
            .where(Article.text_hash.in_(wanted[start : start + _LOOKUP_CHUNK]))
            .group_by(Article.text_hash)
        )
        found.update({text_hash: article_id for text_hash, article_id in rows if text_hash is not None})
    return found


_ARTICLES = cast(Table, Article.__table__)


def _known_article(conn: Connection, wanted: list[str]) -> int | None:
    """:meth:`Archive.find_article_for` of sorted, distinct ``wanted`` on an open connection."""
    rows = conn.execute(_KNOWN, {"urls": wanted}).all()
    if not rows:
        return None
    return min(rows, key=lambda r: (wanted.index(r[0]), r[1]))[2]


@lru_cache(maxsize=4)
def _article_insert(dialect: str):
    """INSERT of an article row that does nothing when its URL is taken, returning the id
    (the columns are those of the values it is run with)."""
    table = cast(Table, Article.__table__)
    return upsert_dialect(dialect, table).on_conflict_do_nothing(index_elements=[table.c.url]).returning(table.c.id)


def _insert_article(conn: Connection, values: dict[str, Any]) -> tuple[int, bool]:
    """Insert the article unless its URL is an article URL or alias already: (id, created)."""
    existing = _known_article(conn, [values["url"]])
    if existing is not None:
        return existing, False
    try:
        article_id = conn.execute(_article_insert(conn.dialect.name), values).scalar()
    except IntegrityError as exc:
        raise ValueError(f"cannot store article {values['url']}: {exc.orig}") from None
    if article_id is not None:
        return article_id, True
    # The URL was taken between the lookup and the insert: the article is there now.
    existing = conn.execute(_ID_BY_URL, {"url": values["url"]}).scalar()
    assert existing is not None
    return existing, False
