"""A rendered HTTP response (body + validators) and the request-key normalisation.

Pages are rendered once per server start; the server answers from a dict keyed by
:func:`request_key`, which ignores tracking parameters as real sites do.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode, urlsplit

from .dates import http_date

# Query parameters real sites ignore (campaign tracking); everything else is part of the key.
TRACKING_PREFIXES = ("utm_",)
TRACKING_KEYS = frozenset({"ref", "fbclid", "gclid", "src"})

# Last-Modified of pages that do not change with the stories (robots.txt, static pages, 404).
STATIC_MTIME = datetime(2020, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Page:
    """One response: bytes plus the headers the server sends with it."""

    body: bytes
    content_type: str
    last_modified: datetime
    status: int = 200

    @property
    def etag(self) -> str:
        """Strong ETag derived from the body."""
        return '"' + hashlib.sha1(self.body).hexdigest()[:20] + '"'

    @property
    def last_modified_http(self) -> str:
        """Last-Modified header value."""
        return http_date(self.last_modified)


def make_page(
    text: str,
    content_type: str,
    last_modified: datetime,
    *,
    encoding: str = "utf-8",
    declared: str | None = None,
    status: int = 200,
) -> Page:
    """Encode ``text`` with ``encoding`` and label it ``declared`` (default: the same)."""
    body = text.encode(encoding, errors="xmlcharrefreplace")
    label = declared or ("UTF-8" if encoding == "utf-8" else encoding)
    return Page(body, f"{content_type}; charset={label}", last_modified, status)


def request_key(target: str) -> str:
    """Normalise a request target (path + query) to the key pages are stored under."""
    parts = urlsplit(target)
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k not in TRACKING_KEYS and not k.startswith(TRACKING_PREFIXES)
    ]
    path = parts.path or "/"
    return path + ("?" + urlencode(sorted(query)) if query else "")
