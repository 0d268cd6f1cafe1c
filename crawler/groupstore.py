"""Store a crawl's new articles a few to a transaction.

A commit on SQLite writes every page the transaction changed (the article row, its full-text
entry, its bands, tags, story and fetch record, and the index pages above them); articles
stored together share many of those pages and one commit. :class:`GroupedStore` collects the
articles handed to it within ``delay`` seconds (at most ``size``) and writes them with one
:meth:`~storage.archive.Archive.store_articles` call. A crawl killed meanwhile loses at most
that group: those pages have no fetch record yet, so the next run fetches them again.

All crawlers of a process that write to one archive share its GroupedStore (``kabar crawl``
runs a spider per source), so a group fills from every source. Runs on the reactor thread.
"""

from __future__ import annotations

import logging
from weakref import WeakKeyDictionary

from twisted.internet.base import DelayedCall
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime

from storage.archive import Archive, NewArticle
from storage.fingerprint import STORY_THRESHOLD

logger = logging.getLogger(__name__)


class GroupedStore:
    """``add(article)`` returns a Deferred of its ``(id, created)``, fired when its group is
    written. A group that fails is written again one article at a time, so a bad article
    fails alone and the others are stored."""

    def __init__(
        self,
        archive: Archive,
        *,
        size: int,
        delay: float,
        threshold: float = STORY_THRESHOLD,
        clock: IReactorTime | None = None,
    ) -> None:
        if clock is None:
            from twisted.internet import reactor  # the one Scrapy installed

            clock = reactor
        self.clock = clock
        self.archive = archive
        self.size = max(1, size)
        self.delay = max(0.0, delay)
        self.threshold = threshold
        self.groups = self.articles = 0  # transactions written, articles in them
        self._pending: list[tuple[NewArticle, Deferred]] = []
        self._timer: DelayedCall | None = None  # what the reactor's and task.Clock's callLater return

    def add(self, article: NewArticle) -> Deferred:
        waiter: Deferred = Deferred()
        self._pending.append((article, waiter))
        if len(self._pending) >= self.size:
            self.flush()
        elif self._timer is None:
            # IReactorTime is a zope interface: without the mypy-zope plugin mypy takes the first
            # parameter of its methods (delay) for self.
            self._timer = self.clock.callLater(self.delay, self.flush)  # type: ignore[arg-type]
        return waiter

    def flush(self) -> None:
        """Write every article waiting now."""
        if self._timer is not None:
            if self._timer.active():
                self._timer.cancel()
            self._timer = None
        pending, self._pending = self._pending, []
        if pending:
            self._write(pending)

    def _write(self, pending: list[tuple[NewArticle, Deferred]]) -> None:
        try:
            results = self.archive.store_articles([a for a, _ in pending], threshold=self.threshold)
        except Exception as exc:
            if len(pending) == 1:
                pending[0][1].errback(exc)
                return
            logger.warning("storing %d articles together failed (%s): storing them one by one", len(pending), exc)
            for one in pending:
                self._write([one])
            return
        self.groups += 1
        self.articles += len(pending)
        for (_, waiter), result in zip(pending, results, strict=True):
            waiter.callback(result)


_shared: WeakKeyDictionary[Archive, dict[tuple[int, float, float], GroupedStore]] = WeakKeyDictionary()


def grouped_store(archive: Archive, *, size: int, delay: float, threshold: float) -> GroupedStore:
    """The GroupedStore of ``archive`` with these settings, shared within the process."""
    stores = _shared.setdefault(archive, {})
    key = (size, delay, threshold)
    if key not in stores:
        stores[key] = GroupedStore(archive, size=size, delay=delay, threshold=threshold)
    return stores[key]
