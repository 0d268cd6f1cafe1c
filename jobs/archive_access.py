"""Opening the archive for a command: its engine (schema upgraded) and the writer lock.

Shared by the CLI's commands and the demo; heavy imports (SQLAlchemy, migrations) wait until
a function needs them, so a refused start stays fast.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crawler.config import Paths
from jobs.errors import Locked, UsageError

if TYPE_CHECKING:
    from sqlalchemy import Engine

logger = logging.getLogger(__name__)

#: Set to 0 to answer searches and counts from the database alone (slower; the same answers).
SEARCH_INDEX_ENV = "KABAR_SEARCH_INDEX"


def engine_for(paths: Paths, *, create: bool = False) -> Engine:
    """The archive's engine, schema upgraded. Only commands that write pass ``create``:
    for the others a database that holds no archive is an error (a mistyped --db)."""
    from storage.db import open_archive, open_existing_archive

    return (open_archive if create else open_existing_archive)(paths.database_url)


def search_engine_for(paths: Paths) -> Engine:
    """:func:`engine_for` a reading command that searches or counts: its answers come from the
    archive's search index (built on first use, kept in step at every answer) unless
    ``KABAR_SEARCH_INDEX=0``, or the index cannot be opened (then SQL answers, with a warning)."""
    engine = engine_for(paths)
    attach_search_index(engine, paths)
    return engine


def search_index_dir(paths: Paths, engine: Engine) -> Path:
    """Where the search index of this archive lives: under the data directory, one directory
    per archive (named by the database it indexes), so archives sharing a data directory keep
    their own."""
    url = engine.url
    where = (
        str(Path(url.database or "").resolve())
        if url.get_backend_name() == "sqlite"
        else (f"{url.host}:{url.port or 5432}/{url.database}")
    )
    name = hashlib.sha1(where.encode("utf-8")).hexdigest()[:12]
    return paths.data_dir / "search-index" / name


def attach_search_index(engine: Engine, paths: Paths) -> None:
    """Let the search index answer for ``engine`` (see :func:`search_engine_for`)."""
    from storage.errors import StorageError
    from storage.query import use_index
    from storage.searchindex import SearchIndex

    if os.environ.get(SEARCH_INDEX_ENV, "1").strip() == "0":
        return
    directory = search_index_dir(paths, engine)
    try:
        index = SearchIndex(directory)
        if not index.built:  # the first build of a large archive takes a while: show it
            _build(index, engine)
    except (OSError, ValueError, StorageError) as exc:
        logger.warning("no search index at %s (%s): searching the database, slower at size", directory, exc)
        return
    use_index(engine, index)


def _build(index: Any, engine: Engine) -> None:
    from rich.progress import MofNCompleteColumn

    from jobs.progress import bar

    with bar("building the search index", None, MofNCompleteColumn()) as update:
        index.sync(engine, progress=lambda done, total: update(completed=done, total=total))


@contextmanager
def archive_lock(paths: Paths, purpose: str, skip: bool = False) -> Iterator[None]:
    """Hold the archive's writer lock; a held lock raises :class:`Locked` (exit code 3). Once
    held, runs left 'running' by crawl processes that are gone are closed as killed (jobs.orphans)."""
    from jobs.lock import ArchiveLock, LockHeld
    from jobs.orphans import close_orphaned_runs_in

    try:
        paths.data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot use the data directory {paths.data_dir}: {exc.strerror or exc}") from None
    if skip:
        yield
        return
    try:
        lock = ArchiveLock(paths.database_url, paths.data_dir, purpose).acquire()
    except LockHeld as exc:
        raise Locked(str(exc)) from None
    except OSError as exc:
        raise UsageError(f"cannot use the data directory {paths.data_dir}: {exc.strerror or exc}") from None
    try:
        close_orphaned_runs_in(paths.database_url)
        yield
    finally:
        lock.release()
