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
import sys
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

from crawler.extract import Article, extract_page
from crawler.pagetype import listing_reason
from crawler.relevance import VocabularyError
from crawler.relevance.tagging import tag, vocabulary_for
from storage.fingerprint import text_keys

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
    text_hash: str | None = None  # storage.textnorm.text_hash of the text (with the tags)
    stems: str | None = None  # storage.textnorm.search_text of title and text (when asked for)


class ExtractionFailed(Exception):
    """The worker extracting a page died; the message says how."""


#: ``tag_with`` value for "do not tag" (None means the shipped vocabulary alone).
NO_TAGS = False


def analyse(
    body: bytes,
    url: str,
    fetched_at: datetime | None,
    listing: bool = True,
    tag_with: Path | None | bool = NO_TAGS,
    stems: bool = False,
) -> Analysis:
    """Extract one page and tell whether it is a listing (pure; runs in a worker). With
    ``tag_with`` (a vocabulary file, or None for the shipped one) the article is tagged,
    fingerprinted and hashed too, and with ``stems`` its full-text stems made, so that the
    crawl process does not have to."""
    article, tree = extract_page(body, url, fetched_at=fetched_at)
    reason = listing_reason(body if tree is None else tree, url, article.text) if listing else None
    if tag_with is NO_TAGS or reason:
        return Analysis(article, reason)
    try:
        tags = tag(article, vocabulary_for(tag_with))
    except VocabularyError:  # the crawl process reports it
        tags = None
    keys = text_keys(article.title, article.text, stems=stems)
    return Analysis(article, reason, tags, keys.signature, keys.text_hash, keys.stems)


#: How a process's stderr log handlers are set up again in its workers: (formatter, filters,
#: level) of each, and the root logger's level.
LogSetup = tuple[list[tuple[logging.Formatter | None, list[Any], int]], int]


def _log_setup() -> LogSetup:
    """This process's stderr log handlers (``--log-json`` and the level included)."""
    handlers = [
        (h.formatter, list(h.filters), h.level)
        for h in logging.root.handlers
        if isinstance(h, logging.StreamHandler) and getattr(h, "stream", None) is sys.stderr
    ]
    return handlers, logging.root.level


def _init_worker(owner: int, log_setup: LogSetup) -> None:
    """Worker initializer: log to stderr as the process that started the pool does (with
    ``--log-json`` every line JSON), and exit when that process is gone, even by SIGKILL
    (nothing else would end a worker blocked on its task queue)."""
    handlers, level = log_setup
    for formatter, filters, handler_level in handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(formatter)
        handler.setLevel(handler_level)
        for log_filter in filters:
            handler.addFilter(log_filter)
        logging.root.addHandler(handler)
    if handlers:
        logging.root.setLevel(level)
        logging.captureWarnings(True)
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
    return ProcessPoolExecutor(
        max_workers=workers, mp_context=_context(), initializer=_init_worker, initargs=(os.getpid(), _log_setup())
    )


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

    Pages travel in batches: while every worker has a batch in hand, new pages wait and go
    together as the next batch (at most ``MAX_BATCH``), so a busy crawl pays one round trip
    per batch instead of one per page, and an idle pool gets each page at once. When a worker
    dies, the pages of its batch are tried again one by one, so only the page that killed it
    is lost. When the last user closes the pool, pages not yet sent are cancelled.
    """

    MAX_BATCH = 8

    _executors: dict[int, ProcessPoolExecutor] = {}
    _users: dict[int, int] = {}
    _queues: dict[int, _BatchQueue] = {}
    _lock = threading.Lock()

    def __init__(self, workers: int) -> None:
        self.workers = max(0, workers)
        self._closed = False
        if self.workers:
            with self._lock:
                self._users[self.workers] = self._users.get(self.workers, 0) + 1

    async def analyse(
        self,
        body: bytes,
        url: str,
        fetched_at: datetime | None = None,
        *,
        listing: bool = True,
        tag_with: Path | None | bool = NO_TAGS,
        stems: bool = False,
    ) -> Analysis:
        if self.workers == 0:
            return analyse(body, url, fetched_at, listing, tag_with, stems)
        with self._lock:
            queue = self._queues.get(self.workers)
            if queue is None:
                queue = self._queues[self.workers] = _BatchQueue(self)
        return await queue.put((body, url, fetched_at, listing, tag_with, stems))

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
            queue = self._queues.pop(self.workers, None) if last else None
        if queue is not None:
            queue.close()
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)

    @property
    def started(self) -> bool:
        """Whether worker processes are running for this pool's size."""
        return self.workers in self._executors


_Task = tuple[bytes, str, "datetime | None", bool, "Path | None | bool", bool]


class _BatchQueue:
    """The pages waiting for a pool's workers, sent in batches (see :class:`ExtractorPool`).
    Runs on the event loop's thread only."""

    def __init__(self, pool: ExtractorPool) -> None:
        self.pool = pool
        self.waiting: deque[tuple[_Task, asyncio.Future]] = deque()
        self.in_flight = 0
        self.closed = False

    def close(self) -> None:
        """The pool is shutting down: pages not yet sent are cancelled, none is sent again."""
        self.closed = True
        while self.waiting:
            self.waiting.popleft()[1].cancel()

    def put(self, task: _Task) -> asyncio.Future:
        waiter = asyncio.get_running_loop().create_future()
        self.waiting.append((task, waiter))
        if self.in_flight < self.pool.workers:
            self._send()
        return waiter

    def _send(self, batch: list[tuple[_Task, asyncio.Future]] | None = None) -> None:
        if batch is None:
            batch = [self.waiting.popleft() for _ in range(min(len(self.waiting), self.pool.MAX_BATCH))]
        batch = [(task, waiter) for task, waiter in batch if not waiter.done()]  # cancelled meanwhile
        if self.closed:
            for _, waiter in batch:
                waiter.cancel()
            return
        if not batch:
            return
        executor = self.pool._executor()
        try:
            future = executor.submit(_analyse_batch, [task for task, _ in batch])
        except BrokenProcessPool as exc:
            self._broken(executor, batch, exc)
            return
        self.in_flight += 1
        asyncio.wrap_future(future).add_done_callback(lambda done: self._done(executor, batch, done))

    def _done(
        self, executor: ProcessPoolExecutor, batch: list[tuple[_Task, asyncio.Future]], done: asyncio.Future
    ) -> None:
        self.in_flight -= 1
        if done.cancelled():  # the pool was shut down with the batch still queued
            for _, waiter in batch:
                waiter.cancel()
            results = None
        elif isinstance(error := done.exception(), BrokenProcessPool):
            self._broken(executor, batch, error)
            results = None
        elif error is not None:
            results = [error] * len(batch)
        else:
            results = done.result()
        for (_, waiter), result in zip(batch, results or (), strict=False):
            if waiter.done():
                continue
            if isinstance(result, BaseException):
                waiter.set_exception(result)
            else:
                waiter.set_result(result)
        while self.waiting and self.in_flight < self.pool.workers:
            self._send()

    def _broken(
        self, executor: ProcessPoolExecutor, batch: list[tuple[_Task, asyncio.Future]], exc: BaseException
    ) -> None:
        """A worker died with ``batch`` in hand: one page fails, several are retried alone."""
        self.pool._discard(executor)
        if len(batch) > 1:
            for item in batch:
                self._send([item])
            return
        ((_, waiter),) = batch
        if not waiter.done():
            waiter.set_exception(ExtractionFailed(f"extraction worker died ({exc or 'killed'})"))


def _analyse_batch(tasks: list[_Task]) -> list[Analysis | Exception]:
    """:func:`analyse` of each task in a worker; a failure is returned in its page's place."""
    results: list[Analysis | Exception] = []
    for task in tasks:
        try:
            results.append(analyse(*task))
        except Exception as exc:
            results.append(exc)
    return results


def ordered_map(
    fn: Callable[[T], R], items: Iterable[T], workers: int, *, chunk: int = 8, window: int = 4
) -> Iterator[R]:
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
