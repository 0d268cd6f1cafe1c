"""Storage fixtures: a fresh archive per test on SQLite (tmp_path) and on the real PostgreSQL.

Each PostgreSQL test gets its own database ``kabar_test_<random>``, created through the
maintenance connection and dropped afterwards. Without a reachable PostgreSQL those tests
are skipped, unless ``KABAR_REQUIRE_SERVICES=1``, which makes them fail instead.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.articles import ARTICLES

PG_ADMIN_URL = os.environ.get("KABAR_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
BACKENDS = ("sqlite", "postgresql")


def _pg_connect(url: str):
    import psycopg

    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True, connect_timeout=5)


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    """The maintenance URL of a reachable PostgreSQL, else skip (or fail when required)."""
    try:
        with _pg_connect(PG_ADMIN_URL):
            pass
    except Exception as exc:  # noqa: BLE001 - any failure means "not available"
        message = f"PostgreSQL not reachable at {PG_ADMIN_URL}: {str(exc).strip().splitlines()[0]}"
        if os.environ.get("KABAR_REQUIRE_SERVICES") == "1":
            pytest.fail(message + " (KABAR_REQUIRE_SERVICES=1)", pytrace=False)
        pytest.skip(message)
    return PG_ADMIN_URL


def _new_pg_database(admin_url: str) -> tuple[str, str]:
    name = f"kabar_test_{secrets.token_hex(6)}"
    with _pg_connect(admin_url) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = admin_url.rsplit("/", 1)[0]
    return name, f"{base}/{name}"


def _drop_pg_database(admin_url: str, name: str) -> None:
    with _pg_connect(admin_url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A freshly created, empty PostgreSQL database, dropped after the test."""
    admin = request.getfixturevalue("postgres_admin_url")
    name, url = _new_pg_database(admin)
    try:
        yield url
    finally:
        _drop_pg_database(admin, name)


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database on each backend: a SQLite file in tmp_path, or a new PostgreSQL DB."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'data' / 'kabar.db'}"
    return request.getfixturevalue("pg_database_url")


@pytest.fixture
def engine(database_url: str):
    """An upgraded archive engine on each backend."""
    from storage.db import open_archive

    engine = open_archive(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def archive(engine):
    from storage.archive import Archive

    return Archive(engine)


@pytest.fixture
def stored(archive) -> dict[str, int]:
    """The ARTICLES stored under two sources: their ids by key."""
    sumsel = archive.ensure_source("sumsel", "https://sumselupdate.example/")
    nasional = archive.ensure_source("nasional", "https://kabarnasional.example/")
    ids = {}
    for key, fields in ARTICLES.items():
        source = nasional if key == "pasar_jakarta" else sumsel
        ids[key], created = archive.add_article({**fields, "source_id": source})
        assert created
    return ids
