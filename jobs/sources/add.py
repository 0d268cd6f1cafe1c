"""``kabar sources add URL``: from a homepage alone, find the site's feeds, sitemaps and listing
pages, sample and extract some articles, infer an ``article_pattern``, and build the
``[[sources]]`` entry. The fetcher is passed in; parsing is crawler.discovery's."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from crawler.discovery import parse_feed, parse_listing, parse_sitemap
from crawler.extract import core as extract_core
from crawler.extract import extract
from crawler.pagetype import listing_reason
from crawler.relevance import classify
from crawler.urls import canonicalize
from jobs.errors import UsageError
from jobs.sources.discover import (
    ListingProbe,
    advertised_feeds,
    best_listings,
    interleave,
    listing_candidates,
    same_host,
)
from jobs.sources.fetch import Disallowed, Fetcher, FetchError, OutOfTime, Response
from jobs.sources.pattern import infer_pattern
from jobs.sources.rules import (
    ADD_SAMPLES,
    FEED_PATHS,
    MAX_LISTING_PROBES,
    MIN_ARTICLE_TEXT,
    PREVIEW_CHARS,
    SITEMAP_CHILDREN_READ,
    SITEMAP_PATHS,
)

logger = logging.getLogger(__name__)


class SourceError(UsageError):
    """The URL given to ``sources add`` cannot become a source (one line, exit 2)."""


@dataclass
class Endpoint:
    """A feed, sitemap or listing that works, with what it yielded."""

    url: str
    kind: str  # "rss"/"atom" feed, "sitemap"/"sitemap index", "listing"
    items: int
    pages: int = 0  # listings: pagination links
    articles: list[str] = field(default_factory=list, repr=False)
    next_pages: list[str] = field(default_factory=list, repr=False)


@dataclass
class Sample:
    """One sampled article page after extraction."""

    url: str
    title: str = ""
    published: datetime | None = None
    author: str = ""
    text: str = ""
    score: float | None = None
    relevant: bool = False
    removed: int = 0  # boilerplate lines the extraction rules removed
    error: str | None = None  # fetch problem, or why the page is not an article

    @property
    def is_article(self) -> bool:
        return self.error is None and bool(self.title) and len(self.text) >= MIN_ARTICLE_TEXT


@dataclass
class Discovery:
    """Everything ``sources add`` found for one site."""

    url: str
    site_name: str
    robots_sitemaps: int
    feeds: list[Endpoint]
    sitemaps: list[Endpoint]
    listings: list[Endpoint]
    samples: list[Sample]
    pattern: str | None
    non_articles: list[str] = field(default_factory=list, repr=False)
    refused: dict[str, str] = field(default_factory=dict)  # URL -> why it was not requested

    def entry(self, name: str, region: str | None = None) -> dict[str, Any]:
        """The ``[[sources]]`` entry, keys in the order of the documented example."""
        entry: dict[str, Any] = {"name": name, "url": self.url}
        for key in ("feeds", "sitemaps", "listings"):
            urls = [e.url for e in getattr(self, key)]
            if urls:
                entry[key] = urls
        if self.pattern:
            entry["article_pattern"] = self.pattern
        if region:
            entry["region"] = region
        return entry


def discover(url: str, fetcher: Fetcher, *, samples: int = ADD_SAMPLES, vocabulary=None) -> Discovery:
    """Discover a site from its homepage. Raises :class:`SourceError` for a URL that is
    unreachable, not HTML, an HTTP error, disallowed by robots.txt, redirected to a private
    address, or too slow (the fetcher's budget). Only ``url``'s own host may be on a
    non-public address: redirects and links to any other such host are refused, unrequested."""
    fetcher.begin([url])
    try:
        return _discover(url, fetcher, samples, vocabulary)
    except OutOfTime as exc:
        raise SourceError(f"{url}: {exc} (the limit for one sources add)") from None


def _discover(url: str, fetcher: Fetcher, samples: int, vocabulary) -> Discovery:
    home = _homepage(url, fetcher)
    base = home.url
    try:
        robots = fetcher.robots(base)
    except FetchError as exc:  # the homepage redirected to another host, whose robots.txt fails
        raise SourceError(f"{url}: {exc}") from None
    feeds = _feeds(home, fetcher)
    sitemaps = _sitemaps(base, list(robots.sitemaps), fetcher)
    candidates = listing_candidates(home.body, base)
    listings, probed = _listings(candidates, fetcher)
    skip = {canonicalize(base), *candidates}  # pages known not to be articles (sitemaps list them)
    picks = _sample_urls(base, feeds, sitemaps, listings, home, samples, fetcher, skip)
    sampled = [sample_article(u, fetcher, vocabulary) for u in picks]
    non_articles = [base] + probed + [n for e in listings for n in e.next_pages]
    non_articles += [s.url for s in sampled if s.error and s.error.startswith("not an article")]
    pattern = infer_pattern([s.url for s in sampled if s.is_article], non_articles)
    return Discovery(
        url=base,
        site_name=_site_name(home),
        robots_sitemaps=len(list(robots.sitemaps)),
        feeds=feeds,
        sitemaps=sitemaps,
        listings=listings,
        samples=sampled,
        pattern=pattern,
        non_articles=non_articles,
        refused=dict(fetcher.refused),
    )


def _homepage(url: str, fetcher: Fetcher) -> Response:
    if not re.match(r"^https?://[^/\s]+", url):
        raise SourceError(f"{url!r} is not an http(s) URL")
    if not urlsplit(url).path:
        url += "/"
    try:
        home = fetcher.fetch(url)
    except Disallowed:
        raise SourceError(f"{url}: robots.txt disallows crawling this site for kabar") from None
    except FetchError as exc:
        raise SourceError(f"{url}: {exc.reason}") from None
    if not home.ok:
        raise SourceError(f"{url}: the server answered HTTP {home.status}")
    if not home.is_html:
        raise SourceError(f"{url}: not an HTML page ({home.content_type or 'unknown type'}); give the site's homepage")
    return home


def _get(url: str, fetcher: Fetcher) -> Response | None:
    """A successful response, or None (not found, disallowed, unreachable)."""
    try:
        response = fetcher.fetch(url)
    except FetchError as exc:
        logger.info("%s", exc)
        return None
    return response if response.ok else None


def _feeds(home: Response, fetcher: Fetcher) -> list[Endpoint]:
    """Advertised feeds that parse; the common paths only when none does."""
    found = _read_feeds(advertised_feeds(home.body, home.url), fetcher)
    if not found:
        found = _read_feeds([urljoin(home.url, p) for p in FEED_PATHS], fetcher, first_only=True)
    return found


def _read_feeds(urls: list[str], fetcher: Fetcher, first_only: bool = False) -> list[Endpoint]:
    found: list[Endpoint] = []
    seen: set[str] = set()
    for url in urls:
        response = _get(url, fetcher)
        if response is None or canonicalize(response.url) in seen:
            continue
        parsed = parse_feed(response.body, response.url)
        if parsed.error or not parsed.articles:
            continue
        seen.add(canonicalize(response.url))
        kind = "atom" if b"<feed" in response.body[:2000] else "rss"
        found.append(Endpoint(url, kind, len(parsed.articles), articles=[u for u, _ in parsed.articles]))
        if first_only:
            break
    return found


def _sitemaps(base: str, from_robots: list[str], fetcher: Fetcher) -> list[Endpoint]:
    """Sitemaps named in robots.txt; the common paths only when it names none that works."""
    found = _read_sitemaps(from_robots, fetcher)
    if not found:
        found = _read_sitemaps([urljoin(base, p) for p in SITEMAP_PATHS], fetcher, first_only=True)
    return found


def _read_sitemaps(urls: list[str], fetcher: Fetcher, first_only: bool = False) -> list[Endpoint]:
    found: list[Endpoint] = []
    for url in dict.fromkeys(urls):
        response = _get(url, fetcher)
        if response is None:
            continue
        parsed = parse_sitemap(response.body, response.url)
        if parsed.error or not (parsed.articles or parsed.sitemaps):
            continue
        articles = [u for u, _ in parsed.articles]
        if parsed.sitemaps:
            for child in parsed.sitemaps[:SITEMAP_CHILDREN_READ]:
                child_response = _get(child, fetcher)
                if child_response is not None:
                    articles += [u for u, _ in parse_sitemap(child_response.body, child_response.url).articles]
            endpoint = Endpoint(url, "sitemap index", len(parsed.sitemaps), articles=articles)
        else:
            endpoint = Endpoint(url, "sitemap", len(articles), articles=articles)
        found.append(endpoint)
        if first_only:
            break
    return found


def _listings(candidates: list[str], fetcher: Fetcher) -> tuple[list[Endpoint], list[str]]:
    """Probe candidate pages; return the best listings and every page probed."""
    probes: list[ListingProbe] = []
    probed: list[str] = []
    for order, url in enumerate(candidates):
        if len(probed) >= MAX_LISTING_PROBES:
            break
        try:
            if not fetcher.allowed(url):
                continue
        except FetchError:
            continue
        response = _get(url, fetcher)
        probed.append(url)
        if response is None or not response.is_html:
            continue
        probes.append(ListingProbe(url, order, parse_listing(response.body, response.url, None)))
    chosen = best_listings(probes)
    return [
        Endpoint(
            p.url,
            "listing",
            p.articles,
            pages=p.pages,
            articles=[u for u, _ in p.found.articles],
            next_pages=list(p.found.next_pages),
        )
        for p in chosen
    ], probed


def _sample_urls(
    base: str,
    feeds: list[Endpoint],
    sitemaps: list[Endpoint],
    listings: list[Endpoint],
    home: Response,
    limit: int,
    fetcher: Fetcher,
    skip: set[str],
) -> list[str]:
    """Up to ``limit`` article URLs drawn in turn from feeds, listings and sitemaps (from the
    homepage's own links when the site has none of them), same site, allowed by robots.txt."""
    pools = [e.articles for e in feeds + listings + sitemaps]
    if not any(pools):
        pools = [[u for u, _ in parse_listing(home.body, base, None).articles]]
    picks: list[str] = []
    seen: set[str] = set(skip)
    for url in interleave(*pools):
        key = canonicalize(url)
        if key in seen or not same_host(url, base):
            continue
        seen.add(key)
        try:
            if not fetcher.allowed(key):
                continue
        except FetchError:
            continue
        picks.append(key)
        if len(picks) >= limit:
            break
    return picks


def sample_article(url: str, fetcher: Fetcher, vocabulary=None) -> Sample:
    """Fetch and extract one article page; score it for relevance."""
    try:
        response = fetcher.fetch(url)
    except FetchError as exc:
        return Sample(url, error=exc.reason)
    if not response.ok:
        return Sample(url, error=f"HTTP {response.status}")
    if not response.is_html:
        return Sample(url, error=f"not HTML ({response.content_type})")
    with _removed_lines() as removed:
        article = extract(response.body, response.url)
    sample = Sample(
        url,
        title=article.title,
        published=article.published,
        author=article.author,
        text=article.text,
        removed=len(removed),
    )
    reason = listing_reason(response.body, response.url, article.text)
    if reason:
        sample.error = f"not an article: {reason}"
        return sample
    relevance = classify(article.title, article.text, dateline=article.dateline or None, vocabulary=vocabulary)
    sample.score, sample.relevant = round(relevance.score, 2), relevance.relevant
    return sample


@contextmanager
def _removed_lines() -> Iterator[list[str]]:
    """Collect the boilerplate lines extraction removes: it reports each one at DEBUG on its
    logger (the Article record does not carry them), so listen there for one call."""
    collected: list[str] = []
    target = extract_core.logger

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if ": rule " in str(record.msg) and " removed " in str(record.msg):
                collected.append(record.getMessage())

    handler = Collect(level=logging.DEBUG)
    level, propagate = target.level, target.propagate
    target.addHandler(handler)
    target.setLevel(logging.DEBUG)
    target.propagate = False
    try:
        yield collected
    finally:
        target.removeHandler(handler)
        target.setLevel(level)
        target.propagate = propagate


def _site_name(home: Response) -> str:
    import lxml.html

    from crawler.extract.metadata import read_meta, site_name_of

    try:
        tree = lxml.html.fromstring(home.body)
    except Exception:  # an unparseable page has no name; the host stands in
        return urlsplit(home.url).hostname or ""
    host = urlsplit(home.url).hostname or ""
    name = site_name_of(read_meta(tree), {}, host)
    if not name or name == host.removeprefix("www."):
        title = tree.findtext(".//title") or ""
        name = re.split(r"\s+[-|–—:]\s+", title.strip())[0]
    return name.strip()


def suggest_name(url: str, site_name: str) -> str:
    """A source name from the host (``sumselpos.co.id`` -> ``sumselpos``), or from the site's
    name when the host is an IP address or localhost."""
    from crawler.urls import site_key

    host = (urlsplit(url).hostname or "").lower()
    if host and not re.match(r"^[\d.]+$|^\[|^localhost$", host):
        label = site_key(url).split(":")[0].split(".")[0]
        name = re.sub(r"[^a-z0-9_-]+", "-", label).strip("-")
        if name:
            return name
    name = re.sub(r"[^a-z0-9]+", "", site_name.lower())
    return name or f"site-{urlsplit(url).port or 80}"


def describe(found: Discovery) -> list[str]:
    """The preview for people: what was found and what each sampled article looks like."""
    from jobs.output import human

    lines = [f"{found.site_name or found.url} — {found.url}"]
    lines.append(f"  robots.txt  allows kabar; names {found.robots_sitemaps} sitemap(s)")
    for endpoint in found.feeds:
        lines.append(f"  feed        {endpoint.url} ({endpoint.kind}, {endpoint.items} items)")
    for endpoint in found.sitemaps:
        what = f"{endpoint.items} child sitemaps" if endpoint.kind == "sitemap index" else f"{endpoint.items} URLs"
        lines.append(f"  sitemap     {endpoint.url} ({endpoint.kind}, {what})")
    for endpoint in found.listings:
        lines.append(
            f"  listing     {endpoint.url} ({endpoint.items} article links, {endpoint.pages} more pages linked)"
        )
    if not (found.feeds or found.sitemaps or found.listings):
        lines.append("  no feed, sitemap or listing found: the crawler will start from the homepage")
    for url, reason in found.refused.items():
        lines.append(f"  refused     {url}: {reason.removeprefix('refused: ')} (not requested)")
    articles = [s for s in found.samples if s.is_article]
    if found.pattern:
        lines.append(
            f"  pattern     {found.pattern} (matches {len(articles)} sampled articles, "
            f"none of {len(found.non_articles)} listing and section pages)"
        )
    else:
        lines.append("  pattern     none inferred: the generic default applies")
    lines.append("")
    lines.append(f"Sampled articles: {len(articles)} of {len(found.samples)} extract as articles")
    for i, sample in enumerate(found.samples, 1):
        lines.append(f"{i:>3}. {sample.title or '(no title)'}")
        lines.append(f"     {sample.url}")
        if sample.error:
            lines.append(f"     skipped: {sample.error}")
            continue
        relevance = "relevant" if sample.relevant else "not relevant"
        lines.append(
            f"     {human(sample.published) if sample.published else 'no date'} · "
            f"{sample.author or 'no author'} · score {sample.score} ({relevance}) · "
            f"{sample.removed} boilerplate lines removed"
        )
        text = " ".join(sample.text.split())
        lines.append(f"     {text[:PREVIEW_CHARS]}{'…' if len(text) > PREVIEW_CHARS else ''}")
    return lines
