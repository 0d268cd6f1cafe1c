"""The search index on disk and how it is kept in step with the archive.

Each index has its own queue in the archive (``search_indexes``; registered by its first
build, forgotten when unused for a month): several indexes of one archive each see every
change. ``sync`` applies the changes queued in ``search_changes``: it reads the changed articles
again, with every article of the stories they were and are in (a story that gains or loses
an article changes its other articles' ``multi`` flag), replaces their documents (delete by
id, add), commits the index and only then deletes the consumed change rows, by sequence
number. An interruption anywhere leaves the rows queued: the next sync applies them again
(re-indexing is idempotent). An index that was never built is built from the whole archive.

One writer at a time: tantivy locks the index directory for its writer. A sync that finds
the lock taken (another process syncing) waits up to ``wait`` seconds, then gives up and
reports ``skipped`` with the changes still queued; the index stays readable and answers as
of its last commit, and the next sync applies what was skipped. Reads never wait.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, tzinfo
from pathlib import Path
from typing import cast

import tantivy
from sqlalchemy import Engine

from storage.counts import Counts
from storage.errors import StorageError
from storage.query import SearchHit
from storage.request import SearchRequest
from storage.searchindex import read, rows
from storage.searchindex.schema import ID, STORY, VERSION, build_schema, document

logger = logging.getLogger(__name__)

#: Articles read from the archive per step of a build, and changes applied per commit.
BUILD_BATCH = 2000
SYNC_BATCH = 20_000
#: Seconds a sync waits for another process's writer before it reports itself skipped.
WRITER_WAIT = 5.0
_WRITER_HEAP = 128_000_000
_STATE = "kabar-search-index.json"

Progress = Callable[[int, int], None]


@dataclass
class SyncReport:
    """What one sync did."""

    full: bool = False  # built from the whole archive
    written: int = 0  # documents written (new or replaced)
    deleted: int = 0  # documents of articles no longer in the archive
    changes: int = 0  # queued change rows consumed
    skipped: bool = False  # another process held the writer: nothing applied
    pending: int = 0  # change rows still queued when skipped


class SearchIndex:
    """A tantivy index of the archive's articles in the directory ``path`` (created if need
    be; the caller chooses where). Reads answer as storage.query and storage.counts do."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        state = self._state()
        if state.get("version") not in (None, VERSION):
            logger.info("search index at %s is of version %s: building it again", self.path, state.get("version"))
            shutil.rmtree(self.path)
            self.path.mkdir()
        try:
            self._index = tantivy.Index(build_schema(), path=str(self.path), reuse=True)
        except ValueError as exc:
            raise StorageError(f"{self.path} holds another search index ({exc}); remove it or choose another") from None
        self.schema = self._index.schema

    # -- state --------------------------------------------------------------------------

    def _state(self) -> dict:
        try:
            return json.loads((self.path / _STATE).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}

    def _set_state(self, **state: object) -> None:
        tmp = self.path / f"{_STATE}.tmp"
        tmp.write_text(json.dumps({"version": VERSION, **state}), encoding="utf-8")
        os.replace(tmp, self.path / _STATE)

    @property
    def built(self) -> bool:
        """Whether the index was built from the whole archive (then syncs apply changes)."""
        return bool(self._state().get("built"))

    def _queue(self, engine: Engine) -> int | None:
        """This index's queue in the archive (``search_indexes`` id), None when it has none
        (never built, or forgotten after FORGET_AFTER unused): then it must be built again."""
        queue = self._state().get("queue")
        if not isinstance(queue, int):
            return None
        with engine.connect() as conn:
            return queue if rows.registered(conn, queue) else None

    def pending(self, engine: Engine) -> int:
        """Changes queued in the archive and not yet in the index."""
        queue = self._queue(engine)
        if queue is None:
            with engine.connect() as conn:
                return rows.article_count(conn)
        with engine.connect() as conn:
            return rows.count_pending(conn, queue)

    # -- writing ------------------------------------------------------------------------

    def sync(self, engine: Engine, *, progress: Progress | None = None, wait: float = WRITER_WAIT) -> SyncReport:
        """Bring the index in step with the archive: the queued changes, or on first use a
        build of the whole archive (``progress(done, total)`` after each batch). Costs one
        small query when nothing changed."""
        queue = self._queue(engine) if self.built else None
        if queue is None:
            return self.rebuild(engine, progress=progress, wait=wait)
        with engine.connect() as conn:
            changes = rows.pending(conn, queue, SYNC_BATCH)
        if not changes:
            return SyncReport()
        report = SyncReport()
        with self._writer(engine, wait, report) as writer:
            if writer is None:
                return report
            while changes:
                self._apply(engine, writer, queue, changes, report)
                if len(changes) < SYNC_BATCH:
                    break
                with engine.connect() as conn:
                    changes = rows.pending(conn, queue, SYNC_BATCH)
        rows.seen(engine, queue)
        return report

    def rebuild(self, engine: Engine, *, progress: Progress | None = None, wait: float = WRITER_WAIT) -> SyncReport:
        """Index the whole archive again, from nothing; consumes every change queued before."""
        report = SyncReport(full=True)
        with self._writer(engine, wait, report) as writer:
            if writer is None:
                return report
            queue = self._queue(engine)
            if queue is None:  # changes from now on are queued for this index, then it reads everything
                queue = rows.register(engine, f"{socket.gethostname()}:{self.path.resolve()}")
                self._set_state(built=False, queue=queue)
            with engine.connect() as conn:
                consumed = rows.pending_ranges(conn, queue)
                total = rows.article_count(conn)
            writer.delete_all_documents()
            for batch in rows.iter_rows(engine, BUILD_BATCH):
                for row in batch:
                    writer.add_document(document(row))
                report.written += len(batch)
                if progress is not None:
                    progress(report.written, max(total, report.written))
            writer.commit()
            self._set_state(built=True, queue=queue)
            rows.consume(engine, queue, consumed)
            report.changes = sum(hi - lo + 1 for lo, hi in consumed)
        logger.info("search index built: %d articles", report.written)
        return report

    def _apply(
        self, engine: Engine, writer: tantivy.IndexWriter, queue: int, changes: list[tuple[int, int]], report
    ) -> None:
        changed = {article for _, article in changes}
        with engine.connect() as conn:
            current = rows.read_rows(conn, changed)
            stories = {row.story for row in current.values()} | set(self._indexed_stories(changed).values())
            ids = changed | rows.story_members(conn, (s for s in stories if s > 0))
            current.update(rows.read_rows(conn, ids - current.keys()))
        for article_id in sorted(ids):
            writer.delete_documents_by_term(ID, article_id)
            row = current.get(article_id)
            if row is not None:
                writer.add_document(document(row))
                report.written += 1
            else:
                report.deleted += 1
        writer.commit()
        rows.consume(engine, queue, rows.ranges(sorted(seq for seq, _ in changes)))
        report.changes += len(changes)

    def _indexed_stories(self, ids: set[int]) -> dict[int, int]:
        """The story key each of these articles has in the index (those indexed)."""
        searcher = self._searcher()
        query = tantivy.Query.term_set_query(self.schema, ID, sorted(ids))
        hits = searcher.search(query, len(ids), count=False).hits
        addresses = [address for _, address in hits]
        found, stories = (searcher.fast_field_values(name, addresses) for name in (ID, STORY))
        return {cast(int, i): cast(int, story) for i, story in zip(found, stories, strict=True)}

    @contextmanager
    def _writer(self, engine: Engine, wait: float, report: SyncReport) -> Iterator[tantivy.IndexWriter | None]:
        """The index writer, or None (and ``report`` skipped) when another holds it for longer
        than ``wait``. Uncommitted work is rolled back on error; the lock is released on leaving."""
        writer = self._acquire(wait)
        if writer is None:
            report.skipped = True
            report.pending = self.pending(engine)
            logger.info("search index %s is written by another process: %d changes wait", self.path, report.pending)
            yield None
            return
        try:
            yield writer
        except BaseException:
            writer.rollback()
            raise
        finally:
            writer.wait_merging_threads()  # and gives the lock back

    def _acquire(self, wait: float) -> tantivy.IndexWriter | None:
        deadline = time.monotonic() + wait
        while True:
            try:
                return self._index.writer(heap_size=_WRITER_HEAP, num_threads=1)
            except ValueError as exc:
                if "LockBusy" not in str(exc):
                    raise
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.05)

    # -- reading ------------------------------------------------------------------------

    def _searcher(self) -> tantivy.Searcher:
        self._index.reload()  # what other processes committed
        return self._index.searcher()

    def search(self, engine: Engine, req: SearchRequest) -> list[SearchHit]:
        """storage.query.search, answered by the index (the page's fields read from ``engine``)."""
        return read.search(self._searcher(), self.schema, engine, req)

    def count(self, engine: Engine, req: SearchRequest) -> int:
        """storage.query.count, answered by the index."""
        return read.count(self._searcher(), self.schema, engine, req)

    def counts(self, engine: Engine, req: SearchRequest, by: str, *, tz: tzinfo = UTC, share: bool = False) -> Counts:
        """storage.counts.counts, answered by the index."""
        return read.counts(self._searcher(), self.schema, engine, req, by, tz=tz, share=share)
