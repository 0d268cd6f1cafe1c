"""A hostile web: one crawl of a site whose pages fail in every way
(tests/support/faults/server.py).

In each case the crawl goes on, nothing crashes, the run records the error, and the good pages
of the same run are stored. The download timeout is 2 s here (KABAR_DOWNLOAD_TIMEOUT; the
default is 30 s) and the retry backoff 0.2 s, so the whole crawl takes seconds.
"""

from __future__ import annotations

import json
import resource
import sqlite3
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from crawler.addresses import literal_address, non_public
from tests.support.faults.server import (
    FAULT_ARTICLE_NUMBER,
    FAULTS,
    GOOD_ARTICLES,
    REDIRECTED_ARTICLE,
    STORED_FAULTS,
    TRUNCATED_SITEMAP_ARTICLE,
    FaultSite,
)
from tests.support.runner import make_runner

FAST = {"KABAR_DOWNLOAD_TIMEOUT": "2", "KABAR_RETRY_BACKOFF": "0.2", "KABAR_RETRY_MAX_DELAY": "5"}
PUBLIC_HOST = "berita-sumsel.example"


@pytest.fixture(scope="module")
def faultsite():
    with FaultSite() as site:
        yield site


def _crawl(workdir: Path, config_text: str, env: dict[str, str] | None = None):
    config = workdir / "sources.toml"
    config.write_text(config_text, encoding="utf-8")
    runner = make_runner(workdir, f"sqlite:///{workdir / 'kabar.db'}", config)
    started = time.monotonic()
    result = runner("crawl", env={**FAST, **(env or {})}, timeout=300)
    elapsed = time.monotonic() - started
    return runner, result, elapsed


@pytest.fixture(scope="module")
def fault_crawl(tmp_path_factory, faultsite):
    """One ``kabar crawl`` of the hostile source (and its robots-blocked sibling)."""
    faultsite.reset()
    workdir = tmp_path_factory.mktemp("faults")
    runner, result, elapsed = _crawl(workdir, faultsite.sources_toml())
    db = sqlite3.connect(workdir / "kabar.db")
    db.row_factory = sqlite3.Row
    crawl = SimpleNamespace(
        runner=runner,
        result=result,
        elapsed=elapsed,
        db=db,
        site=faultsite,
        hits=faultsite.hits(),  # a snapshot: later tests reset the server's log
        max_rss_kb=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
        articles={r["url"]: r for r in db.execute("select * from articles")},
        fetches={r["url"]: r for r in db.execute("select * from fetched_urls")},
        runs={r["source"]: r for r in json.loads(runner("runs", "--format", "json").stdout)},
    )
    yield crawl
    db.close()


def hits(crawl, *, server: str | None = None, path: str | None = None):
    return [h for h in crawl.hits if (server is None or h.server == server) and (path is None or h.path == path)]


def url(crawl, path: str) -> str:
    return crawl.site.url.rstrip("/") + path


def fetch(crawl, path: str):
    row = crawl.fetches.get(url(crawl, path))
    assert row is not None, f"{path}: no fetch recorded"
    return row


def assert_recorded(crawl, path: str, *, status: int | None = None, error: str | None = None) -> None:
    """The fetch of ``path`` is recorded as failed (with this status / error text), and no
    article came of it."""
    row = fetch(crawl, path)
    assert row["article_id"] is None and url(crawl, path) not in crawl.articles, path
    if status is not None:
        assert row["status"] == status, (path, dict(row))
    if error is not None:
        assert error in (row["error"] or ""), (path, dict(row))
    assert row["status"] != 200 or row["error"], (path, dict(row))


def test_fault_crawl_finishes_in_time_and_memory_without_a_traceback(fault_crawl):
    result = fault_crawl.result
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    # the hostile source is partial; the robots-blocked one failed as a whole: exit 1
    assert result.returncode == 1, result.stderr[-3000:]
    assert "failed as a whole: tertutup" in result.stderr
    assert fault_crawl.elapsed < 120, fault_crawl.elapsed
    assert fault_crawl.max_rss_kb < 1024 * 1024, f"{fault_crawl.max_rss_kb} kB"


def test_run_records_the_errors_and_keeps_the_good_pages(fault_crawl):
    run = fault_crawl.runs["rusak"]
    assert run["status"] == "partial"
    assert run["errors"] >= len(FAULTS) - len(STORED_FAULTS) - 2  # loop-b / short-chain are steps
    good = [*GOOD_ARTICLES, REDIRECTED_ARTICLE, TRUNCATED_SITEMAP_ARTICLE, *STORED_FAULTS]
    missing = [p for p in good if url(fault_crawl, p) not in fault_crawl.articles]
    assert not missing, missing
    assert run["new"] == len(good) == len(fault_crawl.articles)
    for path in good:
        article = fault_crawl.articles[url(fault_crawl, path)]
        number = GOOD_ARTICLES.get(path) or FAULT_ARTICLE_NUMBER[path]
        assert f"(Seri {number})" in article["title"], (path, article["title"])
        assert len(article["text"].split()) > 100 and article["score"] is not None


def test_server_errors_are_retried_with_backoff_then_recorded(fault_crawl):
    for path, status in (("/x/error-500", 500), ("/x/unavailable-503", 503)):
        seen = hits(fault_crawl, path=path)
        assert len(seen) == 3, (path, seen)  # RETRY_TIMES = 2
        assert_recorded(fault_crawl, path, status=status)
    times = [h.at for h in hits(fault_crawl, path="/x/unavailable-503")]
    assert times[1] - times[0] >= 0.9 and times[2] - times[1] >= 0.9  # Retry-After: 1


def test_429_with_retry_after_is_honoured(fault_crawl):
    first, second = (h.at for h in hits(fault_crawl, path="/x/rate-limited"))
    assert second - first >= 0.9  # waited the second Retry-After asked for, then got the page
    assert url(fault_crawl, "/x/rate-limited") in fault_crawl.articles
    # asking for an hour is more than kabar waits: not retried now, recorded, tried next run
    assert len(hits(fault_crawl, path="/x/rate-limited-long")) == 1
    assert_recorded(fault_crawl, "/x/rate-limited-long", status=429)


def test_connection_refused_and_reset_are_recorded(fault_crawl):
    site = fault_crawl.site
    refused = fault_crawl.fetches[site.closed_url + "berita/"]
    assert "refused" in refused["error"].lower()
    assert_recorded(fault_crawl, "/x/reset", error="Connection")
    # 3 attempts (RETRY_TIMES = 2); Twisted retries a reset on a reused connection once more
    assert 3 <= len(hits(fault_crawl, path="/x/reset")) <= 6


def test_silent_and_dripping_servers_time_out(fault_crawl):
    for path in ("/x/hang", "/x/drip"):
        assert_recorded(fault_crawl, path, error="took longer than 2.0 seconds")
        assert len(hits(fault_crawl, path=path)) == 3


def test_truncated_body_is_recorded(fault_crawl):
    assert_recorded(fault_crawl, "/x/truncated", error="truncated response")


def test_redirect_loops_and_long_chains_are_recorded(fault_crawl):
    assert_recorded(fault_crawl, "/x/loop-a", error="redirect loop")
    assert_recorded(fault_crawl, "/x/loop-self", error="redirect loop")
    assert_recorded(fault_crawl, "/x/chain/1", error="more than 10 redirects")
    chain = [h for h in hits(fault_crawl) if h.path.startswith("/x/chain/")]
    assert len(chain) == 11
    assert url(fault_crawl, REDIRECTED_ARTICLE) in fault_crawl.articles  # a short chain is fine


def test_no_ssrf_through_redirects(fault_crawl):
    assert hits(fault_crawl, server="internal") == []
    for path, kind in (
        ("/x/to-metadata", "link-local"),
        ("/x/to-private", "private"),
        ("/x/to-internal", "loopback"),
        ("/x/to-localhost", "loopback"),
    ):
        assert_recorded(fault_crawl, path, error=f"{kind} address, not one of the source's own hosts")


def test_public_host_redirecting_to_private_addresses_is_refused(tmp_path, faultsite):
    """The same pages under a public-looking host (this server as an HTTP proxy)."""
    faultsite.reset()
    runner, result, _ = _crawl(
        tmp_path, faultsite.public_sources_toml(PUBLIC_HOST), env={"http_proxy": faultsite.proxy_url, "no_proxy": ""}
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    hosts = {h.host for h in faultsite.hits()}
    assert hosts == {PUBLIC_HOST}, hosts  # nothing else went through the proxy
    assert faultsite.hits(server="internal") == []
    with sqlite3.connect(tmp_path / "kabar.db") as db:
        stored = [u for (u,) in db.execute("select url from articles")]
        errors = dict(db.execute("select url, error from fetched_urls where error is not null"))
    assert stored == [f"http://{PUBLIC_HOST}/berita/1-program-kota-cerdas.html"]
    for path in ("/x/to-internal", "/x/to-metadata", "/x/to-private", "/x/to-localhost"):
        assert "refused" in errors[f"http://{PUBLIC_HOST}{path}"]


def test_own_hosts_without_a_port_count_for_http_and_https():
    from types import SimpleNamespace

    from crawler.middlewares import PrivateAddressGuard

    spider = SimpleNamespace(allowed_hosts={"intranet.example", "portal.example:8443"})
    own = PrivateAddressGuard(SimpleNamespace(spider=spider)).own_hosts()
    assert own == {("intranet.example", 80), ("intranet.example", 443), ("portal.example", 8443)}


@pytest.mark.parametrize(
    ("host", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("2130706433", "loopback"),
        ("0x7f.1", "loopback"),
        ("::1", "loopback"),
        ("::ffff:10.0.0.1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("192.168.1.10", "private"),
        ("0.0.0.0", "unspecified"),
        ("100.64.0.1", "non-public"),
        ("8.8.8.8", None),
        ("berita.example", None),
    ],
)
def test_address_classification(host, kind):
    address = literal_address(host)
    assert (non_public(address) if address is not None else None) == kind


def test_huge_bodies_and_gzip_bombs_are_cut_at_the_size_limit(fault_crawl):
    assert_recorded(fault_crawl, "/x/huge", error="DOWNLOAD_MAXSIZE")
    assert_recorded(fault_crawl, "/x/huge-declared", error="larger than download max size (10485760)")
    assert_recorded(fault_crawl, "/x/gzip-bomb", error="exceeded DOWNLOAD_MAXSIZE")


def test_binary_and_pdf_bodies_served_as_html_are_recorded(fault_crawl):
    for path in ("/x/pdf", "/x/binary"):
        assert_recorded(fault_crawl, path, status=200)


def test_wrong_or_missing_charset_keeps_the_text(fault_crawl):
    declared_wrong = fault_crawl.articles[url(fault_crawl, "/x/cp1252-as-utf8")]["text"]
    assert "PANGKALAN BALAI – Pemerintah" in declared_wrong and "\ufffd" not in declared_wrong
    undeclared = fault_crawl.articles[url(fault_crawl, "/x/no-charset")]["text"]
    assert "MUARA BELITI – Pemerintah" in undeclared and "\ufffd" not in undeclared
    stray = fault_crawl.articles[url(fault_crawl, "/x/invalid-utf8")]["text"]
    assert "Bappeda" in stray  # stored, whatever became of the three bad bytes


def test_utf8_page_with_stray_bytes_keeps_its_dashes(fault_crawl):
    stray = fault_crawl.articles[url(fault_crawl, "/x/invalid-utf8")]["text"]
    assert "LUBUKLINGGAU – Pemerintah" in stray


def test_empty_pages_and_pages_that_are_not_articles_are_recorded(fault_crawl):
    assert_recorded(fault_crawl, "/x/empty", status=200, error="no article text")
    assert_recorded(fault_crawl, "/x/not-article", status=200, error="not an article")
    assert_recorded(fault_crawl, "/x/gone", status=404)


def test_malformed_feed_and_sitemap_are_recorded(fault_crawl):
    stderr = fault_crawl.result.stderr
    assert f"{url(fault_crawl, '/broken-feed.xml')}: not a readable feed" in stderr
    assert f"{url(fault_crawl, '/broken-sitemap.xml.gz')}: broken gzip sitemap" in stderr
    # a sitemap cut off mid-way still gives what it holds
    assert url(fault_crawl, TRUNCATED_SITEMAP_ARTICLE) in fault_crawl.articles


def test_robots_txt_that_disallows_everything_fails_that_source_only(fault_crawl):
    run = fault_crawl.runs["tertutup"]
    assert run["status"] == "failed" and run["new"] == 0
    assert any("Forbidden by robots.txt" in s for s in run["error_samples"])
    assert [h.path for h in hits(fault_crawl, server="blocked")] == ["/robots.txt"]
