"""Opening the archive for a command: its engine (schema upgraded) and the writer lock.

Shared by the CLI's commands and the demo; heavy imports (SQLAlchemy, migrations) wait until
a function needs them, so a refused start stays fast.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from crawler.config import Paths
from jobs.errors import Locked, UsageError

if TYPE_CHECKING:
    from sqlalchemy import Engine


def engine_for(paths: Paths, *, create: bool = False) -> Engine:
    """The archive's engine, schema upgraded. Only commands that write pass ``create``:
    for the others a database that holds no archive is an error (a mistyped --db)."""
    from storage.db import open_archive, open_existing_archive

    return (open_archive if create else open_existing_archive)(paths.database_url)


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
