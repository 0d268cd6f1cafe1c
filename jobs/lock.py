"""One writer per archive: the lock a crawl or the daemon holds while it runs.

The lock dies with its holder, so a process killed with SIGKILL never blocks the next run:
for SQLite an OS file lock (flock) on ``<database>.lock``; for PostgreSQL a session-level
advisory lock on a connection of its own. Only the standard library is imported at the top,
so a refused start answers within a second, before migrations or heavy imports.
"""

from __future__ import annotations

import fcntl
import os
import zlib
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

LOCK_NAME = "kabar-archive-writer"


class LockHeld(Exception):
    """Another kabar process holds the archive's lock; the message says which."""


class ArchiveLock:
    """Context manager; ``acquire()`` raises :class:`LockHeld` at once when taken."""

    def __init__(self, database_url: str, data_dir: Path, purpose: str) -> None:
        self.database_url = database_url
        self.data_dir = Path(data_dir)
        self.purpose = purpose
        self._handle: Any = None
        self._pg: Any = None

    def acquire(self) -> ArchiveLock:
        scheme = urlsplit(self.database_url).scheme.split("+")[0]
        if scheme in ("postgresql", "postgres"):
            self._acquire_postgres()
        else:
            self._acquire_file(self._lock_path())
        return self

    def release(self) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None
        if self._pg is not None:
            self._pg.close()  # the advisory lock goes with the session
            self._pg = None

    def __enter__(self) -> ArchiveLock:
        return self.acquire()

    def __exit__(self, *exc: Any) -> None:
        self.release()

    def _lock_path(self) -> Path:
        url = self.database_url
        if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
            return Path(unquote(url[len("sqlite:///") :]) + ".lock")
        return self.data_dir / "kabar.lock"

    def _acquire_file(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another kabar process"
            handle.close()
            raise LockHeld(f"the archive is in use by {holder} (lock {path}); try again when it ends") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"kabar {self.purpose} (pid {os.getpid()})\n")
        handle.flush()
        self._handle = handle

    def _acquire_postgres(self) -> None:
        import psycopg

        url = self.database_url.replace("postgresql+psycopg://", "postgresql://", 1)
        connection = psycopg.connect(url, autocommit=True, connect_timeout=10, application_name=f"kabar {self.purpose}")
        key = zlib.crc32(LOCK_NAME.encode())
        if not connection.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()[0]:
            holder = connection.execute(
                "SELECT a.application_name, a.pid FROM pg_locks l JOIN pg_stat_activity a "
                "ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.objid = %s LIMIT 1",
                (key,),
            ).fetchone()
            connection.close()
            who = f"{holder[0]} (backend pid {holder[1]})" if holder else "another kabar process"
            raise LockHeld(f"the archive is in use by {who}; try again when it ends")
        self._pg = connection
