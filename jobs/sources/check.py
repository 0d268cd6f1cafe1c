"""``kabar sources check``: is each configured source still healthy? Live (reachable, robots.txt,
feeds and sitemaps parse, listings yield article links, a sample of articles extracts) and from
the archive (recent articles against the source's usual rate, last successful run, last error).
Each source gets ok, warning or failing with the reason in words. The fetcher is passed in; only
the hosts of the source's configured URLs may be on non-public addresses."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from crawler.config import SourceConfig
from crawler.discovery import parse_feed, parse_listing, parse_sitemap
from crawler.discovery_rules import DEFAULT_ARTICLE_PATTERN
from crawler.urls import canonicalize
from jobs.sources.add import sample_article
from jobs.sources.discover import interleave
from jobs.sources.fetch import Disallowed, Fetcher, FetchError, OutOfTime
from jobs.sources.rules import (
    CHECK_SAMPLES,
    FAILED_RUN_STATUSES,
    FALLING_SHARE,
    FALLING_WEEKLY,
    QUIET_WEEKLY,
    SILENT_WEEKLY,
    SITEMAP_CHILDREN_READ,
    STALE_DAYS,
)
from storage.models import utcnow

LEVELS = ("ok", "warning", "failing")


@dataclass
class Findings:
    """Problems found, each with its level; the worst level is the source's status."""

    items: list[tuple[str, str]] = field(default_factory=list)

    def warn(self, text: str) -> None:
        self.items.append(("warning", text))

    def fail(self, text: str) -> None:
        self.items.append(("failing", text))

    @property
    def status(self) -> str:
        return max((level for level, _ in self.items), key=LEVELS.index, default="ok")

    @property
    def reason(self) -> str:
        """The problems in words, the worst first; "all checks passed" when there are none."""
        ordered = sorted(self.items, key=lambda item: -LEVELS.index(item[0]))
        return "; ".join(text for _, text in ordered) or "all checks passed"


def check_source(
    source: SourceConfig,
    fetcher: Fetcher,
    activity: dict[str, Any] | None = None,
    *,
    now: datetime | None = None,
    vocabulary=None,
) -> dict[str, Any]:
    """Check one source live and against its ``activity`` (storage.checks.source_activity)."""
    now = now or utcnow()
    findings = Findings()
    record: dict[str, Any] = {
        "source": source.name,
        "url": source.url,
        "checked_at": now,
        "reachable": False,
        "robots_allows": None,
        "feeds": [],
        "sitemaps": [],
        "listings": [],
        "samples": [],
        "refused": [],
    }
    fetcher.begin([source.url, *source.feeds, *source.sitemaps, *source.listings])
    try:
        _live(source, fetcher, record, findings, vocabulary)
    except OutOfTime as exc:
        findings.fail(f"{exc}; the live check stopped there")
    _refused(fetcher.refused, record, findings)
    if activity is not None:
        _archive(activity, record, findings, now)
    record["status"], record["reason"] = findings.status, findings.reason
    record["problems"] = [{"level": level, "text": text} for level, text in findings.items]
    return record


def _live(source: SourceConfig, fetcher: Fetcher, record: dict[str, Any], findings: Findings, vocabulary) -> None:
    try:
        home = fetcher.get(source.url)
        robots_ok = fetcher.allowed(source.url)
    except FetchError as exc:
        findings.fail(f"homepage {exc.reason}")
        return
    record["reachable"] = True
    if not home.ok:
        findings.warn(f"homepage answers HTTP {home.status}")
    endpoints = [*source.feeds, *source.sitemaps, *source.listings] or [source.url]
    blocked = [u for u in endpoints if not _allowed(fetcher, u)]
    record["robots_allows"] = robots_ok and not blocked
    if blocked and len(blocked) == len(endpoints):
        findings.fail(
            "robots.txt now disallows kabar on " + ("the whole site" if not robots_ok else ", ".join(blocked))
        )
    elif blocked or not robots_ok:
        findings.warn("robots.txt disallows " + ", ".join(blocked or [source.url]))

    pools: list[list[str]] = []
    for url in source.feeds:
        entry, urls = _feed(url, fetcher, findings)
        record["feeds"].append(entry)
        pools.append(urls)
    for url in source.sitemaps:
        entry, urls = _sitemap(url, fetcher, findings)
        record["sitemaps"].append(entry)
        pools.append(urls)
    listings = list(source.listings) or ([] if source.feeds or source.sitemaps else [source.url])
    for url in listings:
        entry, urls = _listing(url, source, fetcher, findings)
        record["listings"].append(entry)
        pools.append(urls)
    if not any(pools) and not blocked:
        findings.fail("no feed, sitemap or listing yields article URLs any more")
    _samples(pools, source, fetcher, record, findings, vocabulary)


def _refused(refused: dict[str, str], record: dict[str, Any], findings: Findings) -> None:
    """URLs found on the site (feed items, redirects) that were not requested because they
    point to a non-public address outside the source's own hosts."""
    record["refused"] = [{"url": url, "reason": reason} for url, reason in refused.items()]
    if refused:
        first = next(iter(refused))
        more = f" and {len(refused) - 1} more" if len(refused) > 1 else ""
        findings.warn(f"refused {first}{more}: non-public address outside the source's own hosts")


def _allowed(fetcher: Fetcher, url: str) -> bool:
    try:
        return fetcher.allowed(url)
    except FetchError:
        return True  # unreachable is reported where it is fetched


def _fetch(url: str, kind: str, fetcher: Fetcher, findings: Findings):
    """The body of a working endpoint, or None with the problem recorded."""
    try:
        response = fetcher.fetch(url)
    except Disallowed:
        return None, "disallowed by robots.txt"
    except FetchError as exc:
        findings.warn(f"{kind} {url} {exc.reason}")
        return None, exc.reason
    if not response.ok:
        gone = " (gone)" if response.status in (404, 410) else ""
        findings.warn(f"{kind} {url} answers HTTP {response.status}{gone}")
        return None, f"HTTP {response.status}"
    return response, None


def _feed(url: str, fetcher: Fetcher, findings: Findings) -> tuple[dict[str, Any], list[str]]:
    response, error = _fetch(url, "feed", fetcher, findings)
    if response is None:
        return {"url": url, "ok": False, "items": 0, "error": error}, []
    parsed = parse_feed(response.body, response.url)
    if parsed.error:
        findings.warn(f"feed {url} is {parsed.error}")
    elif not parsed.articles:
        findings.warn(f"feed {url} has no items")
    urls = [u for u, _ in parsed.articles]
    return {"url": url, "ok": bool(urls), "items": len(urls), "error": parsed.error}, urls


def _sitemap(url: str, fetcher: Fetcher, findings: Findings) -> tuple[dict[str, Any], list[str]]:
    response, error = _fetch(url, "sitemap", fetcher, findings)
    if response is None:
        return {"url": url, "ok": False, "items": 0, "error": error}, []
    parsed = parse_sitemap(response.body, response.url)
    urls = [u for u, _ in parsed.articles]
    entry = {
        "url": url,
        "ok": False,
        "kind": "index" if parsed.sitemaps else "urlset",
        "items": len(parsed.sitemaps) if parsed.sitemaps else len(urls),
        "error": parsed.error,
    }
    for child in parsed.sitemaps[:SITEMAP_CHILDREN_READ]:
        child_response, child_error = _fetch(child, "sitemap", fetcher, findings)
        if child_response is not None:
            urls += [u for u, _ in parse_sitemap(child_response.body, child_response.url).articles]
    if parsed.error:
        findings.warn(f"sitemap {url} is {parsed.error}")
    elif not urls:
        findings.warn(f"sitemap {url} lists no URLs")
    entry["ok"] = bool(urls)
    return entry, urls


def _listing(url: str, source: SourceConfig, fetcher: Fetcher, findings: Findings) -> tuple[dict[str, Any], list[str]]:
    response, error = _fetch(url, "listing", fetcher, findings)
    if response is None:
        return {"url": url, "ok": False, "articles": 0, "error": error}, []
    found = parse_listing(response.body, response.url, source.article_regex)
    urls = [u for u, _ in found.articles]
    if found.error:
        findings.warn(f"listing {url} is {found.error}")
    elif not urls:
        findings.warn(
            f"listing {url} yields no article links"
            + (" (article_pattern matches none of its links)" if source.article_pattern else "")
        )
    return {"url": url, "ok": bool(urls), "articles": len(urls), "error": found.error}, urls


def _samples(
    pools: list[list[str]],
    source: SourceConfig,
    fetcher: Fetcher,
    record: dict[str, Any],
    findings: Findings,
    vocabulary,
) -> None:
    """Extract the newest article URL of each endpoint in turn, up to CHECK_SAMPLES; URLs that
    look like articles (the source's pattern, else the generic one) first, since sitemaps
    also list sections and the homepage."""
    pattern = source.article_regex or DEFAULT_ARTICLE_PATTERN
    urls = list(dict.fromkeys(canonicalize(u) for u in interleave(*pools)))
    urls.sort(key=lambda u: not pattern.search(urlsplit(u).path))  # stable: newest first within
    samples = []
    for url in urls[: CHECK_SAMPLES * 3]:
        sample = sample_article(url, fetcher, vocabulary)
        if sample.error and sample.error.startswith("not an article") and not pattern.search(urlsplit(url).path):
            continue  # a section or the homepage listed in a sitemap: not what we sample
        samples.append(sample)
        if len(samples) >= CHECK_SAMPLES:
            break
    record["samples"] = [
        {
            "url": s.url,
            "title": s.title,
            "published": s.published,
            "author": s.author,
            "text_chars": len(s.text),
            "ok": s.is_article and s.published is not None,
            "error": s.error,
        }
        for s in samples
    ]
    fetched = [s for s in samples if s.error is None or s.error.startswith("not an article")]
    if not samples or not fetched:
        if samples:
            findings.warn(f"none of {len(samples)} sampled articles could be fetched ({samples[0].error})")
        return
    without_text = [s for s in fetched if not s.is_article]
    if len(without_text) == len(fetched):
        findings.fail(
            f"sampled articles extract no title or text ({len(fetched)} of {len(fetched)}): "
            "has the site's template changed?"
        )
    elif without_text:
        findings.warn(f"{len(without_text)} of {len(fetched)} sampled articles extract no title or text")
    articles = [s for s in fetched if s.is_article]
    undated = [s for s in articles if s.published is None]
    if articles and undated:
        findings.warn(f"{len(undated)} of {len(articles)} sampled articles have no publication date")


def _archive(activity: dict[str, Any], record: dict[str, Any], findings: Findings, now: datetime) -> None:
    """Recent articles against the source's usual rate; runs that fail or never succeed."""
    week, month, usual = activity["articles_7d"], activity["articles_30d"], activity["usual_per_week"]
    record.update(
        {
            key: activity.get(key)
            for key in (
                "articles_7d",
                "articles_30d",
                "usual_per_week",
                "last_run",
                "last_status",
                "last_success",
                "last_error",
                "last_error_at",
            )
        }
    )
    if usual is not None:
        if month == 0 and usual >= SILENT_WEEKLY:
            findings.fail(f"no articles in 30 days (usually about {usual:g} a week)")
        elif week == 0 and usual >= QUIET_WEEKLY:
            findings.warn(f"quiet: no articles in 7 days (usually about {usual:g} a week)")
        elif usual >= FALLING_WEEKLY and week < usual * FALLING_SHARE:
            findings.warn(f"only {week} articles in 7 days (usually about {usual:g} a week)")
    last_run, last_success = activity.get("last_run"), activity.get("last_success")
    if last_run is None:
        return
    if last_success is None or last_success < now - timedelta(days=STALE_DAYS):
        if activity.get("first_run") and activity["first_run"] < now - timedelta(days=STALE_DAYS):
            since = f"since {last_success:%Y-%m-%d}" if last_success else "ever"
            findings.fail(f"no successful crawl {since}")
    if activity.get("last_status") in FAILED_RUN_STATUSES:
        error = activity.get("last_error")
        findings.warn(f"last crawl {activity['last_status']}" + (f": {error}" if error else ""))


def run_checks(
    sources: list[SourceConfig], engine, *, record: bool = True, vocabulary=None, fetcher: Fetcher | None = None
) -> list[dict[str, Any]]:
    """Check ``sources`` one by one against the archive at ``engine``; store each result
    (storage.checks) unless ``record`` is false. Returns the records in config order."""
    from jobs.output import jsonable
    from storage.checks import record_check, source_activity

    now = utcnow()
    activity = {a["source"]: a for a in source_activity(engine, [s.name for s in sources], now=now)}
    own = fetcher is None
    fetcher = fetcher or Fetcher()
    try:
        results = []
        for source in sources:
            result = check_source(source, fetcher, activity.get(source.name), now=now, vocabulary=vocabulary)
            if record:
                record_check(
                    engine,
                    source.name,
                    status=result["status"],
                    reason=result["reason"],
                    details=jsonable(result),
                    checked_at=now,
                )
            results.append(result)
        return results
    finally:
        if own:
            fetcher.close()
