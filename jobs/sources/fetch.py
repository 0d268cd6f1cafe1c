"""The network edge of ``kabar sources``: small synchronous GETs that obey robots.txt, identify
as kabar, time out and never hold more than a size cap. Nothing else in the package does I/O."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
from protego import Protego

from crawler.settings import USER_AGENT
from jobs.sources.rules import MAX_BYTES, TIMEOUT

HTML_TYPES = ("text/html", "application/xhtml+xml")


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
    """GET with robots.txt (cached per origin), kabar's User-Agent, a timeout and a size cap.

    Use as a context manager, or call :meth:`close`.
    """

    def __init__(self, *, timeout: float = TIMEOUT, max_bytes: int = MAX_BYTES,
                 user_agent: str = USER_AGENT, transport: httpx.BaseTransport | None = None) -> None:
        self.user_agent = user_agent
        self.max_bytes = max_bytes
        self._client = httpx.Client(headers={"User-Agent": user_agent}, timeout=timeout,
                                    follow_redirects=True, transport=transport)
        self._robots: dict[str, Protego] = {}

    def __enter__(self) -> "Fetcher":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

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
        if not self.allowed(url):
            raise Disallowed(url)
        return self.get(url)

    def get(self, url: str) -> Response:
        """GET without looking at robots.txt (robots.txt itself). Any HTTP status is returned;
        :class:`FetchError` when there is no answer or the body is too large."""
        try:
            with self._client.stream("GET", url) as answer:
                chunks, size = [], 0
                for chunk in answer.iter_bytes():
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise FetchError(url, f"larger than {self.max_bytes // (1024 * 1024)} MB")
                    chunks.append(chunk)
                content_type = answer.headers.get("content-type", "").split(";")[0].strip().lower()
                return Response(str(answer.url), answer.status_code, content_type, b"".join(chunks))
        except httpx.TimeoutException:
            raise FetchError(url, "unreachable (timed out)") from None
        except httpx.ConnectError as exc:
            raise FetchError(url, f"unreachable ({_connect_reason(exc)})") from None
        except httpx.TooManyRedirects:
            raise FetchError(url, "too many redirects") from None
        except httpx.HTTPError as exc:
            raise FetchError(url, f"unreachable ({type(exc).__name__}: {exc})") from None


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
