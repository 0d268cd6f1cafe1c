"""SQLAlchemy models of the archive (dialect-neutral; full-text objects live in migrations)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    true,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

FETCH_KINDS = ("article", "feed", "sitemap", "listing", "robots", "other")
RUN_STATUSES = ("running", "ok", "failed", "partial", "timeout", "killed")
MAX_ERROR_SAMPLES = 20


def utcnow() -> datetime:
    """The current time as an aware UTC datetime."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes stored as UTC; always read back as aware UTC (SQLite too).

    Naive datetimes are refused: a time without a zone is a bug upstream.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} (give it a timezone)")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# JSON everywhere, JSONB on PostgreSQL (indexable, compact).
JSONType = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSONType, list[str]: JSONType}


class Source(Base):
    """A news site from sources.toml."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    url: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # adaptive polling of sources without an explicit schedule
    poll_seconds: Mapped[int | None] = mapped_column(Integer)
    last_new_at: Mapped[datetime | None]


class Article(Base):
    """One archived article under its canonical URL.

    Full text: on SQLite ``search_text`` (stemmed title + text, filled by the write API)
    feeds the FTS5 table ``article_fts``; on PostgreSQL a generated ``search_vector``
    tsvector column (not mapped here) with a GIN index. Both are created by migrations.
    """

    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    url: Mapped[str] = mapped_column(Text, unique=True)
    title: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    language: Mapped[str | None] = mapped_column(String(16))
    text: Mapped[str | None] = mapped_column(Text)
    text_hash: Mapped[str | None] = mapped_column(String(40), index=True)
    site_name: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    image: Mapped[str | None] = mapped_column(Text)
    dateline: Mapped[str | None] = mapped_column(Text)
    fetched_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    extractor_version: Mapped[str | None] = mapped_column(String(50))
    relevant: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    score: Mapped[float | None] = mapped_column(Float)
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)
    search_text: Mapped[str | None] = mapped_column(Text, deferred=True)
    # where the response record of the page is (absolute WARC path, offset, length)
    warc_file: Mapped[str | None] = mapped_column(Text)
    warc_offset: Mapped[int | None] = mapped_column(BigInteger)
    warc_length: Mapped[int | None] = mapped_column(BigInteger)
    # near duplicates: the story it belongs to and its MinHash signature
    story_id: Mapped[int | None] = mapped_column(Integer, index=True)
    minhash: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    # takedowns (kabar hide) and pages gone at the source (404/410 on a revisit)
    hidden_at: Mapped[datetime | None]
    hidden_reason: Mapped[str | None] = mapped_column(Text)
    removed_at: Mapped[datetime | None]
    revisited_at: Mapped[datetime | None]
    # why the relevance score is what it is: [{"term", "where", "weight"}, ...]
    reasons: Mapped[list[Any] | None] = mapped_column(JSONType)


class ArticleRegion(Base):
    """A kabupaten/kota (type kabupaten or kota) or province (type provinsi) an article is
    about, by BPS code."""

    __tablename__ = "article_regions"

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(16), primary_key=True, index=True)
    name: Mapped[str] = mapped_column(Text)
    type: Mapped[str] = mapped_column(String(16))


class ArticleDimension(Base):
    """A smart-city dimension an article is about (governance, branding, economy, ...)."""

    __tablename__ = "article_dimensions"

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    dimension: Mapped[str] = mapped_column(String(20), primary_key=True, index=True)


class Story(Base):
    """Articles that are near duplicates of each other (one press release on several sites).

    ``story_id`` on articles has no foreign key (SQLite cannot add one to an existing table);
    the write API keeps it consistent.
    """

    __tablename__ = "stories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    representative_id: Mapped[int | None] = mapped_column(Integer)
    first_published: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ArticleBand(Base):
    """One LSH band hash of an article's MinHash signature, indexed by (band, hash)."""

    __tablename__ = "article_bands"

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    band: Mapped[int] = mapped_column(Integer, primary_key=True)
    hash: Mapped[int] = mapped_column(BigInteger)


class ArticleVersion(Base):
    """An earlier text of an article, kept when a revisit found the text changed."""

    __tablename__ = "article_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    title: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str | None] = mapped_column(Text)
    text_hash: Mapped[str | None] = mapped_column(String(40))
    extractor_version: Mapped[str | None] = mapped_column(String(50))
    replaced_at: Mapped[datetime] = mapped_column(default=utcnow)
    warc_file: Mapped[str | None] = mapped_column(Text)
    warc_offset: Mapped[int | None] = mapped_column(BigInteger)
    warc_length: Mapped[int | None] = mapped_column(BigInteger)


class ArticleUrl(Base):
    """Another URL the same article was found under (alias)."""

    __tablename__ = "article_urls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(Text, unique=True)


class FetchedUrl(Base):
    """Every URL fetched, with the outcome of its latest fetch."""

    __tablename__ = "fetched_urls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(Text, unique=True)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id"), index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="SET NULL"), index=True)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    body_hash: Mapped[str | None] = mapped_column(String(40))
    warc_file: Mapped[str | None] = mapped_column(Text)
    warc_offset: Mapped[int | None] = mapped_column(BigInteger)
    warc_length: Mapped[int | None] = mapped_column(BigInteger)


class CrawlRun(Base):
    """One crawl of one source."""

    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(100), index=True)
    trigger: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="running")
    started_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    finished_at: Mapped[datetime | None]
    pages: Mapped[int] = mapped_column(Integer, default=0)
    new: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    error_samples: Mapped[list[str]] = mapped_column(default=list)
    # feed and sitemap items not followed because they are on another host than the source's
    offsite_dropped: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # the process that runs the crawl: a run left "running" whose process is gone was killed
    pid: Mapped[int | None] = mapped_column(Integer)
    host: Mapped[str | None] = mapped_column(String(255))


class SourceCheck(Base):
    """One health check of a source (``kabar sources check``, daily in the daemon): its status
    (ok, warning, failing), the reason in words, and every finding as JSON."""

    __tablename__ = "source_checks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(100), index=True)
    checked_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
