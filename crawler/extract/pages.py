"""Split articles: find the other pages of an article ("Halaman 1 2 Selanjutnya", ``?page=N``,
``/N``) or its single-page view (``?page=all``), from the links on one of its pages.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from lxml import etree
from lxml.html import HtmlElement

from ..urls import canonicalize

__all__ = ["PAGE_PARAMS", "ALL_VALUES", "page_urls", "page_number"]

#: Query parameters that number an article's pages.
PAGE_PARAMS: tuple[str, ...] = ("page", "halaman", "hal", "p", "pg", "paged")
#: Values (or flag parameters) that ask for the whole article on one page.
ALL_VALUES: tuple[str, ...] = ("all", "semua", "full", "single")
ALL_FLAGS: tuple[tuple[str, str], ...] = (("single", "1"), ("showall", "1"), ("full", "1"), ("all", "1"))
#: Cheap test on a raw href before it is parsed: does it carry any page marker at all?
_MAYBE_PAGE = re.compile(
    r"[?&](?:" + "|".join(PAGE_PARAMS) + r")=|[?&](?:single|showall|full|all)="
    r"|/(?:page|halaman|hal)[/-]?\d|/\d{1,2}/?(?:[?#]|$)",
    re.I,
)
#: Every link target on the page, as plain strings (no element objects to build).
_HREFS = etree.XPath("//a/@href", smart_strings=False)
#: Path suffixes that number pages: "/judul/2", "/judul/page/2", "/judul/halaman-2".
_PATH_PAGE = re.compile(r"(?:/(?:page|halaman|hal)[/-]?|/)(\d{1,2})/?$", re.I)


def _split(url: str) -> tuple[str, int | None, bool]:
    """(base URL without page marker, page number or None, is-all-view)."""
    parts = urlsplit(canonicalize(url))
    query = parse_qsl(parts.query, keep_blank_values=True)
    number: int | None = None
    is_all = False
    rest = []
    for k, v in query:
        low, val = k.lower(), v.lower()
        if low in PAGE_PARAMS and val.isdigit():
            number = int(val)
        elif low in PAGE_PARAMS and val in ALL_VALUES:
            is_all = True
        elif (low, val) in ALL_FLAGS:
            is_all = True
        else:
            rest.append((k, v))
    path = parts.path
    if number is None and not is_all:
        m = _PATH_PAGE.search(path)
        if m and int(m.group(1)) <= 50 and m.start() > 0:
            number, path = int(m.group(1)), path[: m.start()] or "/"
    base = urlunsplit((parts.scheme, parts.netloc, path.rstrip("/") or "/", urlencode(rest), ""))
    return base, number, is_all


def page_number(url: str) -> int:
    """Page number of a URL of a split article (1 when it has none)."""
    return _split(url)[1] or 1


def page_urls(tree: HtmlElement, url: str, canonical_url: str = "") -> tuple[str, ...]:
    """The article's other pages in order, or ``(all_view,)`` when the site offers one.

    Only links whose URL differs from this page's by a page marker count, so links to other
    articles, and category pagination, are never taken.
    """
    own_base, own_number, own_all = _split(url)
    if own_all:
        return ()
    bases = {own_base}
    if canonical_url:
        bases.add(_split(canonical_url)[0])
    pages: dict[int, str] = {}
    all_view = ""
    for href in _HREFS(tree):
        if not href or href.startswith(("#", "javascript:", "mailto:")) or not _MAYBE_PAGE.search(href):
            continue
        try:
            full = urljoin(url, href.strip())
        except ValueError:
            continue
        base, number, is_all = _split(full)
        if base not in bases:
            continue
        if is_all and not all_view:
            all_view = canonicalize(full)
        elif number is not None and number >= 1:
            pages.setdefault(number, canonicalize(full))
    if all_view:
        return (all_view,)
    current = own_number or 1
    if not pages or max(pages) < 2:
        return ()
    if current != 1 and 1 not in pages:
        pages[1] = own_base
    pages.pop(current, None)
    return tuple(pages[n] for n in sorted(pages))
