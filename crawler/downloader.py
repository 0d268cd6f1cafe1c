"""Scrapy's downloader, with its per-site concurrency kept (``DOWNLOADER`` in crawler/settings.py).

Scrapy 2.19 on the asyncio reactor starts each download as an asyncio task, and a request only
counts against its slot's concurrency (``CONCURRENT_REQUESTS_PER_DOMAIN``) once that task
runs. Without a download delay, ``_process_queue`` therefore hands out every queued request of
the slot at once: a site configured for 8 requests at a time got 16 (``CONCURRENT_REQUESTS``),
and as the HTTP connection pool keeps at most 8 idle connections per site, every burst closed
the extra connections and opened new ones (about three requests per connection). Here a
request counts from the moment it is handed out.

This is the one module where kabar overrides a private Scrapy method: Scrapy offers no public
hook into how a slot hands out its queue (middlewares, signals and the ``download_slot`` meta
act before or after it). ``tests/test_downloader.py`` fails loudly when Scrapy changes the
method copied here or those it relies on, and tells whether the override is still needed.
"""

from __future__ import annotations

from time import monotonic

from scrapy.core.downloader import Downloader, Slot
from scrapy.utils.asyncio import call_later
from scrapy.utils.defer import _schedule_coro


class SlotLimitedDownloader(Downloader):
    """:class:`scrapy.core.downloader.Downloader` whose slots never have more requests in
    flight than their concurrency."""

    def _process_queue(self, slot: Slot) -> None:
        # Scrapy's Downloader._process_queue, with the request counted as transferring when
        # it is handed out (Downloader._download adds it again, a no-op, and removes it).
        if slot.latercall:
            return
        now = monotonic()
        delay = slot.download_delay()
        if delay:
            penalty = delay - now + slot.lastseen
            if penalty > 0:
                slot.latercall = call_later(penalty, self._latercall, slot)
                return
        while slot.queue and slot.free_transfer_slots() > 0:
            slot.lastseen = now
            request, queue_dfd = slot.queue.popleft()
            slot.transferring.add(request)
            _schedule_coro(self._wait_for_download(slot, request, queue_dfd))
            if delay:
                self._process_queue(slot)
                break
