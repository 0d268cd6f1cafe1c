"""What a homepage says about a site: advertised feeds, candidate section and category pages,
and which probed pages are the best listings. Pure functions over bodies and URLs."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urljoin, urlsplit

import lxml.etree
import lxml.html

from crawler.discovery import Found
from crawler.discovery_rules import DEFAULT_ARTICLE_PATTERN, NON_ARTICLE_EXTENSIONS
from crawler.urls import canonicalize
from jobs.sources.rules import (
    FEED_TYPES,
    LISTING_HINT,
    MAX_LISTINGS,
    MIN_LISTING_ARTICLES,
    NAV_TAGS,
    NAV_WORDS,
    NOT_ARTICLE_FEED,
    NOT_LISTING,
)

T = TypeVar("T")


def _tree(html: bytes | str, url: str) -> lxml.html.HtmlElement | None:
    try:
        return lxml.html.fromstring(html, base_url=url)
    except (lxml.etree.ParserError, ValueError):
        return None


def advertised_feeds(html: bytes | str, url: str) -> list[str]:
    """Article feeds a page advertises with ``<link rel="alternate" type="...rss/atom...">``
    (comment feeds left out), absolute, in page order."""
    tree = _tree(html, url)
    if tree is None:
        return []
    feeds: list[str] = []
    for link in tree.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").lower().strip()
        href = (link.get("href") or "").strip()
        if "alternate" not in rel or kind not in FEED_TYPES or not href:
            continue
        absolute = urljoin(url, href)
        if NOT_ARTICLE_FEED.search(absolute) or NOT_ARTICLE_FEED.search(link.get("title") or ""):
            continue
        if absolute not in feeds:
            feeds.append(absolute)
    return feeds


def listing_candidates(html: bytes | str, url: str) -> list[str]:
    """Same-site links of a homepage that may be section, category or index pages: not the
    homepage, not article-like, not feeds, files, accounts or search. Navigation links and
    paths with listing words come first, then the rest, each group in page order."""
    tree = _tree(html, url)
    if tree is None:
        return []
    host = urlsplit(url).netloc
    home = canonicalize(url)
    first: list[str] = []
    rest: list[str] = []
    seen: set[str] = set()
    for anchor in tree.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith(("#", "mailto:", "javascript:", "tel:")):
            continue
        absolute = canonicalize(urljoin(url, href).split("#", 1)[0])
        parts = urlsplit(absolute)
        if parts.netloc != host or absolute in seen or absolute == home:
            continue
        seen.add(absolute)
        target = parts.path + ("?" + parts.query if parts.query else "")
        if (
            DEFAULT_ARTICLE_PATTERN.search(parts.path)
            or NOT_LISTING.search(target)
            or parts.path.lower().endswith(NON_ARTICLE_EXTENSIONS)
        ):
            continue
        (first if _in_navigation(anchor) or LISTING_HINT.search(parts.path) else rest).append(absolute)
    return first + rest


def _in_navigation(element: lxml.html.HtmlElement) -> bool:
    node = element.getparent()
    while node is not None:
        if node.tag in NAV_TAGS:
            return True
        if NAV_WORDS.search(f"{node.get('class') or ''} {node.get('id') or ''}".replace("-", " ").replace("_", " ")):
            return True
        node = node.getparent()
    return False


@dataclass(frozen=True)
class ListingProbe:
    """A candidate page after fetching it: what parse_listing found on it."""

    url: str
    order: int  # position among the candidates (navigation order)
    found: Found

    @property
    def articles(self) -> int:
        return len(self.found.articles)

    @property
    def pages(self) -> int:
        return len(self.found.next_pages)


def best_listings(probes: Iterable[ListingProbe], limit: int = MAX_LISTINGS) -> list[ListingProbe]:
    """The listings worth crawling: pages with enough article links and pagination, in
    navigation order (a site's main listing comes before its sections); a page without
    pagination only when no page has it."""
    listings = [p for p in probes if p.found.error is None and p.articles >= MIN_LISTING_ARTICLES]
    paged = [p for p in listings if p.pages]
    return sorted(paged or listings, key=lambda p: p.order)[:limit]


def interleave(*lists: Iterable[T]) -> Iterator[T]:
    """a1, b1, c1, a2, b2, ... (for drawing samples from every kind of endpoint)."""
    iterators = [iter(items) for items in lists]
    while iterators:
        for iterator in list(iterators):
            try:
                yield next(iterator)
            except StopIteration:
                iterators.remove(iterator)


def same_host(url: str, base: str) -> bool:
    return urlsplit(url).netloc.lower() == urlsplit(base).netloc.lower()
