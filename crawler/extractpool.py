"""Run page extraction in worker processes, off the crawl's reactor thread, so that fetching,
archiving and storing go on while pages are parsed and both cores are used; and
:func:`ordered_map` for batch jobs (``kabar extract``, ``kabar reextract``) that do the same.

``ExtractorPool(workers)`` with ``workers == 0`` extracts in the calling process (no pool);
otherwise pages go to a ``ProcessPoolExecutor`` started on first use from a fork server that
has the extraction code imported already. A worker that dies (a page that exhausted memory,
a kill from outside) costs that page an error and the pool is started afresh.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import select
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from crawler.extract import Article, extract, extract_page
from crawler.pagetype import listing_reason
from crawler.relevance import VocabularyError
from crawler.relevance.tagging import tag, vocabulary_for
from storage.fingerprint import signature

logger = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Analysis:
    """What the crawl needs to know of one fetched page."""

    article: Article
    listing: str | None  # why this is a listing page rather than an article, or None
    tags: dict[str, Any] | None = None  # relevance, dimensions, regions (when asked for)
    signature: bytes | None = None  # MinHash of the text (when asked for; None: too short)


class ExtractionFailed(Exception):
    """The worker extracting a page died; the message says how."""


#: ``tag_with`` value for "do not tag" (None means the shipped vocabulary alone).
NO_TAGS = False


def analyse(body: bytes, url: str, fetched_at: datetime | None, listing: bool = True,
            tag_with: Path | None | bool = NO_TAGS) -> Analysis:
    """Extract one page and tell whether it is a listing (pure; runs in a worker). With
    ``tag_with`` (a vocabulary file, or None for the shipped one) the article is tagged and
    fingerprinted too, so that the crawl process does not have to."""
    article, tree = extract_page(body, url, fetched_at=fetched_at)
    reason = listing_reason(body if tree is None else tree, url, article.text) if listing else None
    if tag_with is NO_TAGS or reason:
        return Analysis(article, reason)
    try:
        tags = tag(article, vocabulary_for(tag_with))
    except VocabularyError:  # the crawl process reports it
        tags = None
    return Analysis(article, reason, tags, signature(article.text or ""))


def _exit_with(owner: int) -> None:
    """Worker initializer: exit when the process that started the pool is gone, even by
    SIGKILL (nothing else would end a worker blocked on its task queue)."""
    threading.Thread(target=_wait_for_exit, args=(owner,), name="owner-watch", daemon=True).start()


def _wait_for_exit(pid: int) -> None:
    try:
        fd = os.pidfd_open(pid)
    except (AttributeError, OSError):  # not Linux >= 5.3: poll instead
        while _alive(pid):
            time.sleep(1.0)
    else:
        select.select([fd], [], [])  # readable once the process has ended (zombies included)
    os._exit(0)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by someone else
        pass
    return True


def _new_executor(workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=workers, mp_context=_context(), initializer=_exit_with,
                               initargs=(os.getpid(),))


def _context() -> multiprocessing.context.BaseContext:
    """A fork server: workers start fast with the extraction code loaded, and never inherit
    the crawl's threads, sockets or database connections."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["crawler.extractwarm"])
    return context


class ExtractorPool:
    """``await pool.analyse(body, url, fetched_at)`` in a worker process (or in-process).

    Every ExtractorPool of a process with the same worker count shares one set of workers (a
    ``kabar crawl`` of six sources runs six spiders in one process, and two workers for all of
    them is what two cores want); the workers stop when the last user closes.
    """

    _executors: dict[int, ProcessPoolExecutor] = {}
    _users: dict[int, int] = {}
    _lock = threading.Lock()

    def __init__(self, workers: int) -> None:
        self.workers = max(0, workers)
        self._closed = False
        if self.workers:
            with self._lock:
                self._users[self.workers] = self._users.get(self.workers, 0) + 1

    async def analyse(self, body: bytes, url: str, fetched_at: datetime | None = None, *, listing: bool = True,
                      tag_with: Path | None | bool = NO_TAGS) -> Analysis:
        if self.workers == 0:
            return analyse(body, url, fetched_at, listing, tag_with)
        executor = self._executor()
        try:
            future: Future = executor.submit(analyse, body, url, fetched_at, listing, tag_with)
            return await asyncio.wrap_future(future)
        except BrokenProcessPool as exc:
            self._discard(executor)
            raise ExtractionFailed(f"extraction worker died ({exc or 'killed'})") from exc

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            executor = self._executors.get(self.workers)
            if executor is None:
                executor = _new_executor(self.workers)
                self._executors[self.workers] = executor
                logger.info("extracting pages in %d worker process(es)", self.workers)
            return executor

    def _discard(self, executor: ProcessPoolExecutor) -> None:
        """Drop a broken pool (the next page starts a new one)."""
        with self._lock:
            if self._executors.get(self.workers) is executor:
                del self._executors[self.workers]
        executor.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        """Stop using the workers; the last user stops them (after the pages in hand)."""
        if self.workers == 0 or self._closed:
            return
        self._closed = True
        with self._lock:
            self._users[self.workers] -= 1
            last = self._users[self.workers] == 0
            executor = self._executors.pop(self.workers, None) if last else None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)

    @property
    def started(self) -> bool:
        """Whether worker processes are running for this pool's size."""
        return self.workers in self._executors


def ordered_map(fn: Callable[[T], R], items: Iterable[T], workers: int, *, chunk: int = 8,
                window: int = 4) -> Iterator[R]:
    """``map(fn, items)`` over ``workers`` processes, in input order. Items travel in chunks
    of ``chunk`` (one round trip per chunk, not per item) and at most ``window`` chunks per
    worker are in flight, so a slow consumer never piles up results and a long input is
    never read ahead into memory. ``workers <= 1`` maps in this process."""
    if workers <= 1:
        yield from map(fn, items)
        return
    with _new_executor(workers) as pool:
        pending: deque[Future] = deque()
        for batch in _chunks(items, chunk):
            pending.append(pool.submit(_map_chunk, fn, batch))
            if len(pending) >= workers * window:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _map_chunk(fn: Callable[[T], R], batch: list[T]) -> list[R]:
    return [fn(item) for item in batch]
