"""Find article URLs in feeds, sitemaps and listing pages (pure functions, no Scrapy).

Each function takes a body and the URL it came from and returns absolute URLs; none of them
raises on malformed input: they return what they could read and say what went wrong.
"""

from __future__ import annotations

import gzip
import io
import logging
import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

import feedparser
import lxml.etree
import lxml.html

from crawler.discovery_rules import (
    DEFAULT_ARTICLE_PATTERN,
    NEXT_PAGE_TEXTS,
    NON_ARTICLE_EXTENSIONS,
    NON_ARTICLE_SITEMAP,
    PAGINATION_HREF,
)

logger = logging.getLogger(__name__)

MAX_SITEMAP_BYTES = 50 * 1024 * 1024


@dataclass
class Found:
    """What one feed, sitemap or listing page yielded."""

    articles: list[tuple[str, datetime | None]] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)
    next_pages: list[str] = field(default_factory=list)
    error: str | None = None


def parse_feed(body: bytes, url: str) -> Found:
    """Entries of an RSS or Atom feed, with their dates where the feed gives them."""
    parsed = feedparser.parse(body)
    found = Found()
    for entry in parsed.entries:
        link = entry.get("link") or next((ln.get("href") for ln in entry.get("links", []) if ln.get("href")), None)
        if link:
            found.articles.append((urljoin(url, link.strip()), _feed_date(entry)))
    if not found.articles and (parsed.bozo or not parsed.get("version")):
        reason = getattr(parsed.get("bozo_exception"), "args", [""])
        found.error = f"not a readable feed ({reason[0] if reason else 'no entries'})"
    return found


def parse_sitemap(body: bytes, url: str) -> Found:
    """URLs of a sitemap (urlset) or child sitemaps of a sitemap index; gzip is undone."""
    if body[:2] == b"\x1f\x8b":
        try:
            body = _gunzip(body)
        except (OSError, EOFError, ValueError, zlib.error) as exc:
            return Found(error=f"broken gzip sitemap: {exc}")
    found = Found()
    try:
        root = lxml.etree.fromstring(
            body,
            parser=lxml.etree.XMLParser(recover=True, resolve_entities=False, no_network=True),
        )
    except lxml.etree.XMLSyntaxError as exc:
        return Found(error=f"not a readable sitemap: {exc}")
    if root is None:
        return Found(error="not a readable sitemap: empty document")
    kind = _local(root.tag)
    if kind not in {"urlset", "sitemapindex"}:
        return Found(error=f"not a sitemap (root element <{kind}>)")
    for element in root:
        if not isinstance(element.tag, str):
            continue
        values = {_local(child.tag): child for child in element.iter() if isinstance(child.tag, str)}
        loc = values.get("loc")
        if loc is None or not (loc.text or "").strip():
            continue
        absolute = urljoin(url, loc.text.strip())
        if kind == "sitemapindex":
            if not NON_ARTICLE_SITEMAP.search(urlsplit(absolute).path):
                found.sitemaps.append(absolute)
        else:
            date_el = values.get("publication_date")
            if date_el is None:
                date_el = values.get("lastmod")
            found.articles.append((absolute, _iso_date(date_el.text if date_el is not None else None)))
    return found


def parse_listing(html: bytes | str, url: str, pattern: re.Pattern[str] | None) -> Found:
    """Article links on a listing page (matching ``pattern``) and its pagination links."""
    found = Found()
    try:
        tree = lxml.html.fromstring(html, base_url=url)
    except (lxml.etree.ParserError, ValueError) as exc:
        return Found(error=f"not a readable HTML page: {exc}")
    pattern = pattern or DEFAULT_ARTICLE_PATTERN
    host = urlsplit(url).netloc
    seen: set[str] = set()
    for anchor in tree.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith(("#", "mailto:", "javascript:", "tel:")):
            continue
        absolute = urljoin(url, href).split("#", 1)[0]
        parts = urlsplit(absolute)
        if parts.scheme not in {"http", "https"} or parts.netloc != host or absolute in seen:
            continue
        seen.add(absolute)
        if _is_next_page(anchor, parts):
            found.next_pages.append(absolute)
        elif pattern.search(parts.path) and not parts.path.lower().endswith(NON_ARTICLE_EXTENSIONS):
            found.articles.append((absolute, None))
    for link in tree.xpath("//link[@rel='next']/@href"):
        absolute = urljoin(url, link.strip())
        if absolute not in found.next_pages:
            found.next_pages.append(absolute)
    return found


def filter_since(entries: Iterable[tuple[str, datetime | None]], since: datetime | None) -> list[str]:
    """URLs whose date is unknown or not before ``since``."""
    return [u for u, d in entries if since is None or d is None or d >= since]


def _is_next_page(anchor: lxml.html.HtmlElement, parts) -> bool:
    if "next" in (anchor.get("rel") or "").lower().split():
        return True
    text = " ".join(anchor.text_content().split()).lower()
    if text in NEXT_PAGE_TEXTS:
        return True
    target = parts.path + ("?" + parts.query if parts.query else "")
    return bool(PAGINATION_HREF.search(target)) and (text.isdigit() or text in NEXT_PAGE_TEXTS)


def _gunzip(body: bytes) -> bytes:
    with gzip.GzipFile(fileobj=io.BytesIO(body)) as handle:
        data = handle.read(MAX_SITEMAP_BYTES + 1)
    if len(data) > MAX_SITEMAP_BYTES:
        raise ValueError("sitemap larger than 50 MB after decompression")
    return data


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower()


def _feed_date(entry) -> datetime | None:
    for key in ("published_parsed", "updated_parsed"):
        value = entry.get(key)
        if value:
            year, month, day, hour, minute, second = value[:6]
            return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    return None


def _iso_date(text: str | None) -> datetime | None:
    if not text:
        return None
    text = text.strip().replace("Z", "+00:00")
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)
