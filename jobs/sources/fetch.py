"""The network edge of ``kabar sources``: small synchronous GETs that obey robots.txt, identify
as kabar, never hold more than a size cap, keep to the private-address rule (``netguard``) and
to two deadlines: one for each request, redirects and body included, and one for all the work on
one source. Nothing else in the package does I/O."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx
from protego import Protego

from crawler.settings import USER_AGENT
from jobs.sources.netguard import AddressGuard, Blocked, GuardedBackend, Resolver, guarded_client, resolve_all
from jobs.sources.rules import BUDGET, MAX_BYTES, MAX_REDIRECTS, TIMEOUT

logger = logging.getLogger(__name__)

HTML_TYPES = ("text/html", "application/xhtml+xml")
REDIRECT_CODES = (301, 302, 303, 307, 308)


class FetchError(Exception):
    """A URL could not be fetched at all; the message says why in a few words."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


class Disallowed(FetchError):
    """robots.txt does not let kabar fetch this URL."""

    def __init__(self, url: str) -> None:
        super().__init__(url, "robots.txt disallows crawling it for kabar")


class Refused(FetchError):
    """The URL, or a redirect on the way, is on a non-public address outside the source's own
    hosts: it was never requested."""


class OutOfTime(Exception):
    """The work on one source has used up its time (``budget`` seconds) before it was done."""

    def __init__(self, budget: float) -> None:
        super().__init__(f"the site did not answer within {budget:g} s in all")
        self.budget = budget


@dataclass(frozen=True)
class Response:
    """What a GET returned; ``url`` is the final URL after redirects."""

    url: str
    status: int
    content_type: str
    body: bytes

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def is_html(self) -> bool:
        if self.content_type:
            return self.content_type in HTML_TYPES
        return self.body.lstrip()[:200].lower().startswith((b"<!doctype html", b"<html"))


class Fetcher:
    """GET with robots.txt (cached per origin), kabar's User-Agent, a size cap, the
    private-address rule and two deadlines: ``timeout`` seconds for each request in all, and
    ``budget`` seconds for everything between two :meth:`begin` calls (or since creation).

    Use as a context manager, or call :meth:`close`. ``resolve`` gives a host name's addresses
    (the system resolver by default).
    """

    def __init__(
        self,
        *,
        timeout: float = TIMEOUT,
        budget: float = BUDGET,
        max_bytes: int = MAX_BYTES,
        user_agent: str = USER_AGENT,
        resolve: Resolver = resolve_all,
    ) -> None:
        self.timeout = timeout
        self.budget = budget
        self.user_agent = user_agent
        self.max_bytes = max_bytes
        self.guard = AddressGuard(resolve)
        self._backend = GuardedBackend(self.guard)
        self._client = self._new_client()
        self._robots: dict[str, Protego] = {}
        self._ends = time.monotonic() + budget
        self.refused: dict[str, str] = {}  # URL -> why it was not requested, since begin()

    def _new_client(self) -> httpx.Client:
        return guarded_client(
            self._backend, headers={"User-Agent": self.user_agent}, timeout=self.timeout, follow_redirects=False
        )

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def begin(self, urls: Iterable[str]) -> None:
        """Start the work on one source: the hosts of ``urls`` (what the user typed or
        configured) are its own, reachable whatever their address; its budget starts now."""
        self.guard.trust(urls)
        self._client.close()  # no open connection outlives the own hosts that allowed it
        self._client = self._new_client()
        self._ends = time.monotonic() + self.budget
        self.refused = {}

    def robots(self, url: str) -> Protego:
        """The parsed robots.txt of ``url``'s origin; a missing or unreadable one allows all.

        Raises :class:`FetchError` when the origin cannot be reached at all."""
        origin = _origin(url)
        if origin not in self._robots:
            response = self.get(origin + "/robots.txt")
            text = response.body.decode("utf-8", "replace") if response.ok else ""
            self._robots[origin] = Protego.parse(text)
        return self._robots[origin]

    def allowed(self, url: str) -> bool:
        return self.robots(url).can_fetch(url, self.user_agent)

    def fetch(self, url: str) -> Response:
        """GET ``url`` if robots.txt allows it; :class:`Disallowed` otherwise."""
        try:
            self.guard.check_url(url)  # before its robots.txt, so that the refusal names it
        except Blocked as exc:
            raise self._refused(url, [url], exc) from None
        if not self.allowed(url):
            raise Disallowed(url)
        return self.get(url)

    def get(self, url: str) -> Response:
        """GET without looking at robots.txt (robots.txt itself), following redirects, every
        hop checked before it is requested. Any HTTP status is returned; :class:`FetchError`
        when there is no answer in time, the body is too large or a hop is refused;
        :class:`OutOfTime` when the source's budget is spent."""
        deadline = self._deadline()
        chain = [url]
        try:
            while True:
                answer = self._open(chain[-1], deadline)
                try:
                    target = _redirect_target(answer, chain[-1])
                    if target is None:
                        return self._read(answer, url, deadline)
                finally:
                    answer.close()
                if urlsplit(target).scheme not in ("http", "https"):
                    raise FetchError(url, f"redirects to a non-HTTP URL ({target})")
                if target in chain:
                    raise FetchError(url, f"redirect loop (back to {target})")
                if len(chain) > MAX_REDIRECTS:
                    raise FetchError(url, f"more than {MAX_REDIRECTS} redirects")
                chain.append(target)
        except Blocked as exc:
            raise self._refused(url, chain, exc) from None
        except httpx.TimeoutException:
            if deadline >= self._ends:
                raise OutOfTime(self.budget) from None
            raise FetchError(url, f"did not answer within {self.timeout:g} s") from None
        except httpx.ConnectError as exc:
            raise FetchError(url, f"unreachable ({_connect_reason(exc)})") from None
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise FetchError(url, f"unreachable ({type(exc).__name__}: {exc})") from None

    def _deadline(self) -> float:
        """When the next request must be done: ``timeout`` from now, or the budget's end."""
        now = time.monotonic()
        if now >= self._ends:
            raise OutOfTime(self.budget)
        return min(now + self.timeout, self._ends)

    def _open(self, url: str, deadline: float) -> httpx.Response:
        """Send one GET (no redirects followed) once ``url``'s host passes the name check;
        the headers are read, the body is left to stream."""
        self.guard.check_url(url)
        self._backend.deadline = deadline
        left = deadline - time.monotonic()
        if left <= 0:
            raise httpx.ReadTimeout("the request's deadline has passed")
        return self._client.send(self._client.build_request("GET", url, timeout=left), stream=True)

    def _read(self, answer: httpx.Response, url: str, deadline: float) -> Response:
        """The body, up to the size cap, by the deadline (checked after every chunk too, for
        connections the guarded backend does not make: those through a proxy)."""
        chunks, size = [], 0
        for chunk in answer.iter_bytes():
            size += len(chunk)
            if size > self.max_bytes:
                raise FetchError(url, f"larger than {self.max_bytes // (1024 * 1024)} MB")
            chunks.append(chunk)
            if time.monotonic() > deadline:
                raise httpx.ReadTimeout("the request's deadline has passed")
        content_type = answer.headers.get("content-type", "").split(";")[0].strip().lower()
        return Response(str(answer.url), answer.status_code, content_type, b"".join(chunks))

    def _refused(self, url: str, chain: list[str], exc: Blocked) -> Refused:
        where = f"{'an' if exc.kind[0] in 'aeiou' else 'a'} {exc.kind} address outside the source's own hosts"
        hop = f"redirects to {chain[-1]}, " if len(chain) > 1 else ""
        refused = Refused(url, f"refused: {hop}{where}")
        self.refused[url] = refused.reason
        logger.info("%s", refused)
        return refused


def _redirect_target(answer: httpx.Response, current: str) -> str | None:
    """The absolute URL a redirect answer points to (fragment dropped), else None."""
    location = answer.headers.get("location", "").strip()
    if answer.status_code not in REDIRECT_CODES or not location:
        return None
    return urljoin(current, location).split("#", 1)[0]


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _connect_reason(exc: httpx.ConnectError) -> str:
    text = str(exc).lower()
    if "refused" in text:
        return "connection refused"
    if "name or service not known" in text or "nodename nor servname" in text or "getaddrinfo" in text:
        return "host name not found"
    return str(exc) or "cannot connect"
