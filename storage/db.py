"""Opening an archive: engine set-up for SQLite and PostgreSQL, and Alembic upgrades."""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from storage.errors import StorageError
from storage.location import default_database_url  # noqa: F401 (part of this module's API)

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000
# Any constant works; it only has to be the same for every kabar process.
_PG_MIGRATION_LOCK = 0x6B61626172  # "kabar"


def _parse_url(url: str) -> URL:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StorageError(
            f"not a database URL: {url!r} (expected sqlite:///path/kabar.db or postgresql://user@host/dbname)"
        ) from None
    backend = parsed.get_backend_name()
    if backend in ("postgresql", "postgres"):
        # psycopg 3 is the one PostgreSQL driver we ship.
        return parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        return parsed.set(drivername="sqlite")
    raise StorageError(
        f"unsupported database {parsed.drivername!r} in {_safe(parsed)}: use sqlite:///path or postgresql://…"
    )


def _safe(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip().splitlines()
    return text[0] if text else type(orig).__name__


def _sqlite_on_connect(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def create_engine_for(url: str) -> Engine:
    """Create an engine for ``url`` and check that the database can be reached.

    SQLite files get their parent directory created, WAL, foreign keys, a 30 s busy
    timeout and ``synchronous=NORMAL``; ``postgresql://`` and ``postgres://`` use psycopg 3.
    Raises StorageError with one clear line when the URL is bad or the database unreachable.
    """
    parsed = _parse_url(url)
    shown = _safe(make_url(url))
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            try:
                Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StorageError(f"cannot create the directory for {database}: {exc.strerror}") from None
        engine = create_engine(parsed, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_on_connect)
    else:
        try:
            engine = create_engine(parsed, pool_pre_ping=True, connect_args={"connect_timeout": 10})
        except NoSuchModuleError as exc:  # pragma: no cover - psycopg is a dependency
            raise StorageError(f"no driver for {_safe(parsed)}: {exc}") from None
    try:
        with engine.connect():
            pass
    except DBAPIError as exc:
        engine.dispose()
        raise StorageError(f"cannot open database {shown}: {_first_line(exc)}") from None
    return engine


def _alembic_config(connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


@lru_cache(maxsize=1)
def head_revision() -> str | None:
    """The newest migration this code knows."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(config).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at (None for an empty database)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest revision (Alembic ``upgrade head``).

    Cheap when the schema is current. Concurrent first use is serialised by a lock that
    is held for the whole upgrade: an advisory lock on PostgreSQL, ``BEGIN IMMEDIATE`` on
    SQLite; the process that waited finds the schema current and does nothing.
    """
    head = head_revision()
    try:
        if current_revision(engine) == head:
            return
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_MIGRATION_LOCK})")
            else:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            # The transaction is open: Alembic runs every migration inside it.
            before = MigrationContext.configure(conn).get_current_revision()
            if before != head:
                logger.info("upgrading database schema from %s to %s", before or "empty", head)
                command.upgrade(_alembic_config(conn), "head")
            conn.commit()
    except CommandError as exc:
        raise StorageError(
            f"cannot upgrade the database schema: {exc} (was the database written by a newer kabar?)"
        ) from None
    except DBAPIError as exc:
        raise StorageError(f"cannot upgrade the database schema: {_first_line(exc)}") from None


def open_existing_archive(url: str) -> Engine:
    """:func:`open_archive` for commands that only read: a URL that holds no archive yet (a
    missing SQLite file, a PostgreSQL database without kabar's tables) is refused, so a
    mistyped URL is an error rather than an empty archive."""
    parsed = _parse_url(url)
    shown = _safe(make_url(url))
    hint = "; run kabar crawl or kabar db upgrade first"
    database = parsed.database or ""
    if (
        parsed.get_backend_name() == "sqlite"
        and database
        and database != ":memory:"
        and not database.startswith("file:")
        and not Path(database).expanduser().is_file()
    ):
        raise StorageError(f"no archive at {database}{hint}")
    engine = create_engine_for(url)
    try:
        if current_revision(engine) is None:
            raise StorageError(f"no archive at {shown}{hint}")
        upgrade(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine


def open_archive(url: str) -> Engine:
    """Create the engine for ``url`` and upgrade its schema: what every command calls first."""
    engine = create_engine_for(url)
    try:
        upgrade(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine
