"""Engine set-up, migrations and time zones on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from storage.db import (
    create_engine_for,
    current_revision,
    default_database_url,
    head_revision,
    open_archive,
    upgrade,
)
from storage.errors import StorageError
from storage.models import Article, CrawlRun, Source
from tests.support.workers import concurrent_opener, run_at_once

WIB = timezone(timedelta(hours=7))
TABLES = {
    "sources",
    "articles",
    "article_urls",
    "fetched_urls",
    "crawl_runs",
    "alembic_version",
    "stories",
    "article_bands",
    "article_versions",
    "article_regions",
    "article_dimensions",
}


def test_migrates_an_empty_database_to_head(database_url: str) -> None:
    engine = create_engine_for(database_url)
    try:
        assert current_revision(engine) is None
        upgrade(engine)
        assert current_revision(engine) == head_revision()
        inspector = inspect(engine)
        assert TABLES <= set(inspector.get_table_names())
        columns = {c["name"] for c in inspector.get_columns("articles")}
        assert {"search_text", "text_hash", "meta", "extractor_version"} <= columns
        if engine.dialect.name == "postgresql":
            assert "search_vector" in columns
            indexes = {i["name"] for i in inspector.get_indexes("articles")}
            assert "ix_articles_search_vector" in indexes
        else:
            with engine.connect() as conn:
                names = set(
                    conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')").scalars()
                )
            assert {"article_fts", "articles_fts_insert", "articles_fts_update", "articles_fts_delete"} <= names
    finally:
        engine.dispose()


def test_upgrade_again_is_a_no_op(database_url: str) -> None:
    engine = open_archive(database_url)
    try:
        with Session(engine) as s, s.begin():
            s.add(Source(name="sumsel", url="https://sumselupdate.example/"))
        upgrade(engine)
        upgrade(engine)
        engine2 = open_archive(database_url)
        with Session(engine2) as s:
            assert s.query(Source).count() == 1
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
        engine2.dispose()
    finally:
        engine.dispose()


def test_two_processes_opening_a_new_archive_at_once(database_url: str) -> None:
    results = run_at_once(concurrent_opener, [(database_url,)] * 3, timeout=120)
    assert results == [head_revision()] * 3
    engine = create_engine_for(database_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [head_revision()]
    engine.dispose()


def test_times_round_trip_as_aware_utc(engine, archive) -> None:
    source = archive.ensure_source("sumsel", "https://sumselupdate.example/")
    published = datetime(2024, 5, 14, 9, 30, 15, 123456, tzinfo=WIB)
    article_id, _ = archive.add_article({"url": "https://x.example/a", "source_id": source, "published_at": published})
    with Session(engine) as s:
        article = s.get(Article, article_id)
        assert article.published_at == published
        assert article.published_at.tzinfo == UTC
        assert article.published_at.hour == 2
        assert article.created_at.tzinfo == UTC
        assert abs(article.created_at - datetime.now(UTC)) < timedelta(minutes=5)
    run_id = archive.start_run("sumsel", "cli")
    with Session(engine) as s:
        assert s.get(CrawlRun, run_id).started_at.tzinfo == UTC


def test_naive_datetimes_are_refused(archive) -> None:
    source = archive.ensure_source("sumsel", "https://sumselupdate.example/")
    with pytest.raises(StatementError, match="naive datetime"):
        archive.add_article({"url": "https://x.example/a", "source_id": source, "published_at": datetime(2024, 1, 1)})


def test_sqlite_engine_settings(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'deep' / 'er' / 'kabar.db'}"
    engine = create_engine_for(url)
    try:
        assert (tmp_path / "deep" / "er").is_dir()
        with engine.connect() as conn:
            pragma = lambda name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
            assert pragma("journal_mode") == "wal"
            assert pragma("foreign_keys") == 1
            assert pragma("busy_timeout") == 30000
            assert pragma("synchronous") == 1  # NORMAL
    finally:
        engine.dispose()


def test_default_database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert default_database_url(Path("data")) == f"sqlite:///{tmp_path.resolve()}/data/kabar.db"


def test_postgres_scheme_aliases(pg_database_url: str) -> None:
    for scheme in ("postgresql://", "postgres://"):
        url = scheme + pg_database_url.split("://", 1)[1]
        engine = open_archive(url)
        assert engine.dialect.name == "postgresql"
        assert engine.dialect.driver == "psycopg"
        engine.dispose()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "not a database URL"),
        ("mysql://root@localhost/kabar", "unsupported database"),
        ("postgresql://postgres@127.0.0.1:1/kabar", "cannot open database"),
        ("sqlite:////proc/kabar-no-such-dir/kabar.db", "cannot create the directory"),
    ],
)
def test_bad_urls_are_one_clear_storage_error(url: str, message: str) -> None:
    with pytest.raises(StorageError, match=message) as info:
        open_archive(url)
    assert "\n" not in str(info.value)


def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "kabar.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StorageError, match="cannot open database"):
        open_archive(f"sqlite:///{path}")


def test_missing_postgres_database(postgres_admin_url: str) -> None:
    url = postgres_admin_url.rsplit("/", 1)[0] + "/kabar_no_such_database"
    with pytest.raises(StorageError, match="does not exist"):
        open_archive(url)


def test_schema_newer_than_the_code(database_url: str) -> None:
    engine = open_archive(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
        with pytest.raises(StorageError, match="newer kabar"):
            upgrade(engine)
    finally:
        engine.dispose()
