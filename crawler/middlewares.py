"""Downloader middlewares for a hostile web, each wired by one line in ``crawler/settings.py``.

- :class:`PrivateAddressGuard` refuses requests to loopback, private, link-local and other
  non-public addresses (no SSRF through redirects or links), except to the source's own hosts.
- :class:`BackoffRetryMiddleware` is Scrapy's retry with a pause before each retry: the
  server's ``Retry-After`` when it gives one (up to a cap), exponential backoff otherwise.
- :class:`RedirectMiddleware` is Scrapy's, but a redirect loop and a too-long chain fail with
  a message that says so (Scrapy's dupe filter would drop a loop silently).

Both extend Scrapy's middlewares through their public methods (``process_response``,
``process_exception``) and ``scrapy.downloadermiddlewares.retry.get_retry_request``; the one
private Scrapy method kabar overrides is in crawler/downloader.py.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.redirect import RedirectMiddleware as ScrapyRedirectMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware, get_retry_request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.response import response_status_message

from crawler.addresses import addresses_refusal, host_port, host_refusal, needs_resolving

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)


class BlockedAddress(IgnoreRequest):
    """A request to a non-public address outside the source's own hosts (not retried)."""


class RedirectLoop(IgnoreRequest):
    """A redirect that comes back to a URL of its own chain."""


class TooManyRedirects(IgnoreRequest):
    """A redirect chain longer than REDIRECT_MAX_TIMES."""


class PrivateAddressGuard:
    """Refuse requests to non-public addresses unless the host is one of the source's own.

    A source's own hosts are those of its ``url``, feeds, sitemaps and listings: a source on
    127.0.0.1 or a private network (the example sites, an intranet portal) is crawled as
    configured, and its redirects may stay on that host and port. Any other host is checked
    by its literal address, or by the address the resolver gives (Scrapy's cached resolver,
    the one the download then uses); through a proxy, names are left to the proxy and only
    literal addresses and ``localhost`` names are checked. A refused request fails with
    :class:`BlockedAddress`, which the spider records as an error of the run.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self._own: set[tuple[str, int | None]] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PrivateAddressGuard:
        return cls(crawler)

    def own_hosts(self) -> set[tuple[str, int | None]]:
        if self._own is None:
            from urllib.parse import urlsplit

            netlocs = getattr(self.crawler.spider, "allowed_hosts", None) or set()
            # A netloc without a port stands for both schemes' default ports.
            self._own = {
                host_port(urlsplit(f"{scheme}://{netloc}/")) for netloc in netlocs for scheme in ("http", "https")
            }
        return self._own

    async def process_request(self, request: Request) -> None:
        parts = urlparse_cached(request)
        host, port = host_port(parts)
        if (host, port) in self.own_hosts():
            return None
        reason = await self._why_refused(host, proxied=bool(request.meta.get("proxy")))
        if reason:
            raise BlockedAddress(
                f"refused {request.url}: {reason} address, not one of the source's own hosts"
                " (no requests to private networks)"
            )
        return None

    async def _why_refused(self, host: str, proxied: bool) -> str | None:
        reason = host_refusal(host)
        if reason or proxied or not needs_resolving(host):
            return reason
        from twisted.internet import reactor

        try:
            # IReactorCore is a zope interface: mypy without the mypy-zope plugin takes name for self.
            resolved = await maybe_deferred_to_future(reactor.resolve(host))  # type: ignore[arg-type]
        except Exception:  # the download reports the DNS failure itself
            return None
        return addresses_refusal([str(resolved)])


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retry (RETRY_TIMES, RETRY_HTTP_CODES, RETRY_EXCEPTIONS) with a pause first.

    The pause before retry *n* is ``KABAR_RETRY_BACKOFF * 2 ** (n - 1)`` seconds, or the
    response's ``Retry-After`` (seconds or an HTTP date) when that is longer; never more than
    ``KABAR_RETRY_MAX_DELAY``: a server that asks for longer is not retried in this run (the
    answer is recorded, and the URL is tried again by the next run). The pause holds only this
    request; other downloads go on.
    """

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.backoff = settings.getfloat("KABAR_RETRY_BACKOFF", 1.0)
        self.max_delay = settings.getfloat("KABAR_RETRY_MAX_DELAY", 60.0)

    # Scrapy (2.13+) takes coroutine methods without the deprecated spider argument; its
    # RetryMiddleware and RedirectMiddleware still declare the old synchronous signatures.
    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        delay = self._backoff(request)
        asked = retry_after(response)
        if asked is not None:
            if asked > self.max_delay:
                logger.warning(
                    "not retrying %s: Retry-After %.0f s is longer than the %.0f s kabar waits",
                    request.url,
                    asked,
                    self.max_delay,
                )
                return response
            delay = max(delay, asked)
        spider = self.crawler.spider
        assert spider is not None  # set for the whole crawl (Scrapy's own retry asserts it too)
        retry = get_retry_request(request, spider=spider, reason=response_status_message(response.status))
        if retry is None:
            return response
        await _sleep(delay)
        return retry

    async def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception
    ) -> Request | Response | None:
        retry = super().process_exception(request, exception)
        if retry is not None:
            await _sleep(self._backoff(request))
        return retry

    def _backoff(self, request: Request) -> float:
        attempt = request.meta.get("retry_times", 0)
        return min(self.backoff * 2**attempt, self.max_delay)


def retry_after(response: Response) -> float | None:
    """Seconds a ``Retry-After`` header asks for (delta-seconds or HTTP date), or None."""
    value = response.headers.get(b"Retry-After")
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


async def _sleep(seconds: float) -> None:
    if seconds <= 0:
        return
    from twisted.internet import reactor
    from twisted.internet.task import deferLater

    await maybe_deferred_to_future(deferLater(reactor, seconds, lambda: None))


class RedirectMiddleware(ScrapyRedirectMiddleware):
    """Scrapy's redirects; a loop or a chain past REDIRECT_MAX_TIMES fails, saying which."""

    def process_response(  # type: ignore[override]  # without the deprecated spider argument
        self, request: Request, response: Response
    ) -> Request | Response:
        chain = [*request.meta.get("redirect_urls", []), request.url]
        try:
            result = super().process_response(request, response)
        except IgnoreRequest:  # Scrapy's own refusal: the chain is too long
            raise TooManyRedirects(
                f"more than {self.max_redirect_times} redirects from {chain[0]} (gave up at {request.url})"
            ) from None
        if isinstance(result, Request) and result.url in chain:
            raise RedirectLoop(f"redirect loop: {' -> '.join(chain)} -> {result.url}")
        return result
