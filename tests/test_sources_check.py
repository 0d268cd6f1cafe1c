"""``kabar sources check``: live checks over real HTTP against an example site that is changed
mid-test (feed removed, template redesigned, robots.txt closed), the archive side on SQLite and
PostgreSQL, the record kept for ``kabar status``, and the daemon's daily check."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest

from crawler.config import SourceConfig
from jobs.examplesites.sites import SITES
from jobs.sources.check import check_source
from jobs.sources.fetch import Fetcher
from storage.checks import latest_checks, record_check, source_activity
from storage.models import utcnow
from tests.support.faults.hosts import DRIP, TinySite, rss

REDESIGN = (
    b"<!doctype html><html><head><title>Sumsel Pos</title></head><body><div id='app'></div>"
    b"<script src='/static/app.js'></script></body></html>"
)


class ChangingSite(TinySite):
    """One example site served through a proxy that a test can change while it runs."""

    def __init__(self, upstream: str, key: str) -> None:
        super().__init__("127.0.0.1")
        self.upstream = upstream.rstrip("/")
        self.site = SITES[key]
        self.gone: set[str] = set()
        self.redesigned = False
        self.robots: bytes | None = None

    def answer(self, target: str) -> tuple[int, dict[str, str], bytes]:
        path = target.split("?", 1)[0]
        if path in self.gone:
            return 404, {"Content-Type": "text/html"}, b"<html><body>Halaman tidak ditemukan</body></html>"
        if path == "/robots.txt" and self.robots is not None:
            return 200, {"Content-Type": "text/plain"}, self.robots
        if self.redesigned and re.search(self.site.article_pattern, path):
            return 200, {"Content-Type": "text/html; charset=utf-8"}, REDESIGN
        try:
            with urllib.request.urlopen(self.upstream + target) as answer:
                status, kind, body = answer.status, answer.headers["Content-Type"], answer.read()
        except urllib.error.HTTPError as exc:
            status, kind, body = exc.code, exc.headers["Content-Type"], exc.read()
        return status, {"Content-Type": kind}, body.replace(self.upstream.encode() + b"/", self.url.encode() + b"/")

    def source(self, name: str = "berubah") -> SourceConfig:
        return SourceConfig(
            name=name,
            url=self.url + "/",
            feeds=(self.url + self.site.feed,),
            sitemaps=tuple(self.url + p for p in self.site.sitemaps),
            listings=(self.url + self.site.listing,),
            article_pattern=self.site.article_pattern,
        )


@pytest.fixture
def changing(sites):
    with ChangingSite(sites.url("sumselpos"), "sumselpos") as site:
        yield site


def _check(source: SourceConfig, activity=None) -> dict:
    with Fetcher() as fetcher:
        return check_source(source, fetcher, activity)


def test_a_site_changed_mid_test_turns_warning_then_failing(changing):
    source = changing.source()
    healthy = _check(source)
    assert healthy["status"] == "ok", healthy["reason"]
    assert healthy["reason"] == "all checks passed" and healthy["reachable"] and healthy["robots_allows"]
    assert healthy["feeds"][0]["items"] == 10 and healthy["sitemaps"][0]["kind"] == "index"
    assert healthy["listings"][0]["articles"] >= 8
    assert len(healthy["samples"]) == 3 and all(s["ok"] and s["title"] for s in healthy["samples"])

    changing.gone.add(changing.site.feed)  # the feed moved away
    no_feed = _check(source)
    assert no_feed["status"] == "warning"
    assert no_feed["reason"] == f"feed {source.feeds[0]} answers HTTP 404 (gone)"
    assert no_feed["feeds"][0] == {"url": source.feeds[0], "ok": False, "items": 0, "error": "HTTP 404"}

    changing.redesigned = True  # a new template: article pages are an empty JavaScript shell
    broken = _check(source)
    assert broken["status"] == "failing"
    assert broken["reason"].startswith("sampled articles extract no title or text (3 of 3)")
    assert "template" in broken["reason"] and "feed" in broken["reason"]  # the warning stays listed

    changing.robots = b"User-agent: *\nDisallow: /\n"
    closed = _check(source)
    assert closed["status"] == "failing" and "robots.txt now disallows kabar" in closed["reason"]
    assert closed["robots_allows"] is False


def test_unreachable_source_fails_at_once():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = _check(
        SourceConfig(name="mati", url=f"http://127.0.0.1:{port}/", feeds=(f"http://127.0.0.1:{port}/feed/",))
    )
    assert result["status"] == "failing" and result["reason"] == "homepage unreachable (connection refused)"
    assert result["reachable"] is False


def test_listing_whose_pattern_no_longer_matches(changing):
    source = changing.source()
    stale = SourceConfig(**{**source.__dict__, "article_pattern": r"^/berita/\d+/[a-z-]+$"})
    result = _check(stale)
    assert result["status"] == "warning"
    assert "yields no article links (article_pattern matches none of its links)" in result["reason"]


# --- the archive side -----------------------------------------------------------------------


def _history(archive, name: str, *, weekly: int, weeks: int, recent: int, last_run_ok: bool = True):
    """``weekly`` articles a week for ``weeks`` weeks before the last 7 days, ``recent`` in them."""
    source = archive.ensure_source(name, f"https://{name}.example/")
    now = utcnow()
    dates = [now - timedelta(days=8 + 7 * w + d) for w in range(weeks) for d in range(weekly)]
    dates += [now - timedelta(days=1, hours=i) for i in range(recent)]
    for i, published in enumerate(dates):
        archive.add_article(
            {
                "url": f"https://{name}.example/berita/{i}",
                "source_id": source,
                "title": f"Berita {i}",
                "text": f"Isi berita nomor {i} dari {name}.",
                "published_at": published,
            }
        )
    first = archive.start_run(name, "daemon")
    archive.finish_run(first, status="ok")
    archive.finish_run(archive.start_run(name, "daemon"), status="ok")
    if not last_run_ok:
        failed = archive.start_run(name, "daemon")
        archive.finish_run(failed, status="failed", errors=1, error_samples=["DNS lookup failed"])
    from sqlalchemy import update

    from storage.models import CrawlRun

    with archive.engine.begin() as conn:  # the source has been crawled for 100 days
        conn.execute(update(CrawlRun).where(CrawlRun.id == first).values(started_at=now - timedelta(days=100)))


def test_activity_against_the_usual_rate(archive, engine):
    _history(archive, "rajin", weekly=5, weeks=12, recent=6)
    _history(archive, "sepi", weekly=5, weeks=12, recent=0)
    _history(archive, "diam", weekly=5, weeks=12, recent=0, last_run_ok=False)
    _history(archive, "baru", weekly=0, weeks=0, recent=2)
    activity = {a["source"]: a for a in source_activity(engine, ["rajin", "sepi", "diam", "baru", "kosong"])}
    assert activity["rajin"]["articles_7d"] == 6 and activity["rajin"]["usual_per_week"] == pytest.approx(
        60 / (90 / 7), 0.01
    )
    assert (
        activity["sepi"]["articles_7d"] == 0 and activity["sepi"]["articles_30d"] == 16
    )  # days 8-12, 15-19, 22-26, 29
    assert activity["diam"]["last_status"] == "failed" and activity["diam"]["last_error"] == "DNS lookup failed"
    assert activity["diam"]["last_success"] is not None
    assert activity["kosong"]["usual_per_week"] is None and activity["kosong"]["last_run"] is None


def test_quiet_and_failing_runs_in_words(sites, archive, engine):
    _history(archive, "sepi", weekly=5, weeks=12, recent=0)
    _history(archive, "diam", weekly=5, weeks=12, recent=0, last_run_ok=False)
    activity = {a["source"]: a for a in source_activity(engine, ["sepi", "diam"])}
    live = SourceConfig(name="x", url=sites.url("infodaerah"), feeds=(sites.url("infodaerah") + "feed.atom",))
    quiet = _check(live, activity["sepi"])
    assert quiet["status"] == "warning", quiet["reason"]
    assert quiet["reason"] == "quiet: no articles in 7 days (usually about 4.67 a week)"
    stale = _check(live, {**activity["diam"], "articles_30d": 0, "last_success": utcnow() - timedelta(days=5)})
    assert stale["status"] == "failing"
    assert stale["reason"].startswith("no articles in 30 days (usually about 4.67 a week); no successful crawl since ")
    assert stale["reason"].endswith("; last crawl failed: DNS lookup failed")


def test_checks_are_recorded_and_read_back(engine):
    record_check(engine, "a", status="ok", reason="all checks passed", details={"feeds": []})
    record_check(engine, "a", status="failing", reason="homepage unreachable (timed out)")
    record_check(engine, "b", status="warning", reason="quiet", details={"articles_7d": 0})
    latest = latest_checks(engine)
    assert latest["a"]["status"] == "failing" and latest["a"]["reason"] == "homepage unreachable (timed out)"
    assert latest["b"]["details"] == {"articles_7d": 0} and latest["b"]["checked_at"].tzinfo is not None
    assert set(latest_checks(engine, ["b", "c"])) == {"b"}
    with pytest.raises(ValueError, match="unknown check status"):
        record_check(engine, "a", status="broken", reason="?")


# --- the command, kabar status and the daemon ----------------------------------------------------


def _config_for(changing: ChangingSite, sites, path: Path) -> Path:
    source = changing.source()
    infodaerah = sites.url("infodaerah")
    path.write_text(
        "[[sources]]\n"
        f'name = "berubah"\nurl = "{source.url}"\nfeeds = ["{source.feeds[0]}"]\n'
        f'sitemaps = {json.dumps(list(source.sitemaps))}\nlistings = ["{source.listings[0]}"]\n'
        f"article_pattern = '{source.article_pattern}'\n\n"
        "[[sources]]\n"
        f'name = "infodaerah"\nurl = "{infodaerah}"\nfeeds = ["{infodaerah}feed.atom"]\n',
        encoding="utf-8",
    )
    return path


def test_command_exit_codes_json_and_status(kabar, sites, changing, tmp_path):
    config = _config_for(changing, sites, tmp_path / "cek.toml")
    ok = kabar("sources", "check", "--config", str(config), "--format", "json")
    assert ok.returncode == 0, ok.stderr
    assert [(r["source"], r["status"]) for r in json.loads(ok.stdout)] == [("berubah", "ok"), ("infodaerah", "ok")]

    changing.redesigned = True
    table = kabar("sources", "check", "--config", str(config), "--source", "berubah", env={"COLUMNS": "250"})
    assert table.returncode == 1 and "failing: berubah" in table.stderr
    assert "extract no title or text" in table.stdout and "Source health" in table.stdout

    status = json.loads(kabar("status", "--config", str(config), "--format", "json").stdout)
    health = {row["source"]: (row["health"], row["health_reason"]) for row in status}
    assert health["infodaerah"] == ("ok", "all checks passed")
    assert health["berubah"][0] == "failing" and "template" in health["berubah"][1]
    shown = kabar("status", "--config", str(config), env={"COLUMNS": "250"})
    assert "Failing or quiet sources" in shown.stdout and "has the site's template changed?" in shown.stdout

    unknown = kabar("sources", "check", "--config", str(config), "--source", "tidakada")
    assert unknown.returncode == 2 and "no source named 'tidakada'" in unknown.stderr


def test_the_daemon_checks_every_source_once_a_day(kabar, sites, tmp_path):
    from tests.support.daemon import DaemonProcess, config_for

    config = config_for(sites, tmp_path, ["infodaerah"], "1h")
    daemon = DaemonProcess(kabar, config).start()
    from storage.db import open_archive

    engine = open_archive(kabar.database_url)
    try:
        daemon.wait_for(lambda: "infodaerah" in latest_checks(engine), 60, "the first daily check")
        assert daemon.stop()[0] == 0
        check = latest_checks(engine)["infodaerah"]
        assert check["status"] == "ok" and check["details"]["feeds"][0]["items"] == 10
        # restarted within the day: the check is not run again, it is due a day after the last
        daemon = DaemonProcess(kabar, config).start()
        import time

        time.sleep(4)
        assert daemon.stop()[0] == 0
        from sqlalchemy import func, select
        from sqlalchemy.orm import Session

        from storage.models import SourceCheck

        with Session(engine) as session:
            assert session.scalar(select(func.count()).select_from(SourceCheck)) == 1
    finally:
        engine.dispose()


def test_web_overview_lists_failing_and_quiet_sources(tmp_path):
    from fastapi.testclient import TestClient

    from jobs.web.app import create_app
    from storage.checks import record_check
    from storage.db import open_archive

    engine = open_archive(f"sqlite:///{tmp_path / 'k.db'}")
    record_check(engine, "sumselpos", status="failing", reason="sampled articles extract no title or text (3 of 3)")
    record_check(engine, "infodaerah", status="ok", reason="")
    page = TestClient(create_app(engine)).get("/overview")
    assert page.status_code == 200
    assert "Sources failing or gone quiet" in page.text and "sumselpos" in page.text
    assert (
        "extract no title or text" in page.text
        and "infodaerah" not in page.text.split("Sources failing")[1].split("</table>")[0]
    )


# --- private addresses and deadlines ----------------------------------------------------------

HOME = b"<!doctype html><html><head><title>Kabar Dua</title></head><body><p>Beranda</p></body></html>"
ALLOW_ALL = b"User-agent: *\nAllow: /\n"


@pytest.fixture
def two_hosts():
    """A source on 127.0.0.2 whose feed lists an article on 127.0.0.3 (an internal service that
    must never receive a request), one that redirects there, and one good article of its own."""
    from tests.support.faults.server import article_html

    with TinySite("127.0.0.2") as site, TinySite("127.0.0.3") as internal:
        secret = article_html(1).replace("Luncurkan", "Rahasia Internal").encode()
        internal.route("/robots.txt", "text/plain", ALLOW_ALL)
        for path in ("/berita/1-rahasia-kota-cerdas.html", "/berita/3-rahasia-kota-cerdas.html"):
            internal.route(path, "text/html", secret)
        site.route("/robots.txt", "text/plain", ALLOW_ALL)
        site.route("/", "text/html", HOME)
        items = [
            internal.url + "/berita/1-rahasia-kota-cerdas.html",
            site.url + "/berita/2-pindah-kota-cerdas.html",
            site.url + "/berita/4-program-kota-cerdas.html",
        ]
        site.route("/feed.xml", "application/rss+xml", rss(items))
        site.redirect("/berita/2-pindah-kota-cerdas.html", internal.url + "/berita/3-rahasia-kota-cerdas.html")
        site.route("/berita/4-program-kota-cerdas.html", "text/html", article_html(4).encode())
        yield site, internal, items


def test_check_never_requests_private_hosts_its_feed_lists(two_hosts, engine):
    from jobs.sources.check import run_checks

    site, internal, (secret, moved, good) = two_hosts
    source = SourceConfig(name="dua", url=site.url + "/", feeds=(site.url + "/feed.xml",))
    with Fetcher() as fetcher:
        [result] = run_checks([source], engine, fetcher=fetcher)
    assert internal.hits == []
    assert [r["url"] for r in result["refused"]] == [secret, moved]
    samples = {s["url"]: s for s in result["samples"]}
    assert samples[secret]["error"] == "refused: a loopback address outside the source's own hosts"
    assert samples[moved]["error"] == (
        f"refused: redirects to {internal.url}/berita/3-rahasia-kota-cerdas.html, "
        "a loopback address outside the source's own hosts"
    )
    assert not samples[secret]["title"] and not samples[moved]["title"] and samples[good]["ok"]
    assert result["status"] == "warning"
    assert result["reason"] == f"refused {secret} and 1 more: non-public address outside the source's own hosts"
    stored = latest_checks(engine)["dua"]
    assert stored["status"] == "warning" and "Rahasia" not in json.dumps(stored["details"])


def test_check_through_a_proxy_never_asks_for_private_addresses(monkeypatch):
    """Through an HTTP proxy (which logs every URL asked of it, so nothing leaves this machine
    even if the rule broke), literal non-public addresses and localhost names are refused."""
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    items = [
        "http://169.254.169.254/latest/meta-data/",
        "http://localhost:9/rahasia",
        "http://berita.example/berita/pindah",
    ]
    with TinySite("127.0.0.2") as proxy:
        monkeypatch.setenv("http_proxy", proxy.url)
        proxy.route("/robots.txt", "text/plain", ALLOW_ALL)
        proxy.route("/", "text/html", HOME)
        proxy.route("/feed.xml", "application/rss+xml", rss(items))
        proxy.redirect("/berita/pindah", "http://169.254.169.254/latest/meta-data/iam/")
        with Fetcher() as fetcher:
            result = check_source(
                SourceConfig(name="publik", url="http://berita.example/", feeds=("http://berita.example/feed.xml",)),
                fetcher,
            )
    assert proxy.hits and all(hit.startswith("http://berita.example/") for hit in proxy.hits), proxy.hits
    refused = {r["url"]: r["reason"] for r in result["refused"]}
    assert sorted(refused) == sorted(items)
    assert refused[items[-1]] == (
        "refused: redirects to http://169.254.169.254/latest/meta-data/iam/, "
        "a link-local address outside the source's own hosts"
    )


def test_check_gives_up_on_a_homepage_that_drips_forever():
    """A homepage that sends a line a second, forever: one request gets ``timeout`` seconds in
    all, however often bytes arrive."""
    import time

    with TinySite("127.0.0.2") as site:
        site.route("/", "text/html", DRIP)
        started = time.monotonic()
        with Fetcher(timeout=2) as fetcher:
            result = check_source(
                SourceConfig(name="lambat", url=site.url + "/", feeds=(site.url + "/feed.xml",)), fetcher
            )
        elapsed = time.monotonic() - started
    assert result["status"] == "failing" and result["reason"] == "homepage did not answer within 2 s"
    assert 2 <= elapsed < 4, elapsed


def test_each_source_gets_its_own_time_budget():
    """Every page of the first source answers within the request timeout, but slowly: its
    check stops when its budget is spent, and the next source starts with a whole budget."""
    import time

    from tests.support.faults.server import article_html

    with TinySite("127.0.0.2", missing_delay=1.0) as site:
        site.route("/robots.txt", "text/plain", ALLOW_ALL)
        site.route("/", "text/html", HOME)
        site.route(
            "/lambat.xml",
            "application/rss+xml",
            rss([f"{site.url}/berita/{n}-hilang-kota-cerdas.html" for n in range(9)]),
        )
        site.route("/cepat.xml", "application/rss+xml", rss([f"{site.url}/berita/1-program-kota-cerdas.html"]))
        site.route("/berita/1-program-kota-cerdas.html", "text/html", article_html(1).encode())
        slow = SourceConfig(name="lambat", url=site.url + "/", feeds=(site.url + "/lambat.xml",))
        fast = SourceConfig(name="cepat", url=site.url + "/", feeds=(site.url + "/cepat.xml",))
        with Fetcher(timeout=2, budget=3) as fetcher:
            started = time.monotonic()
            spent = check_source(slow, fetcher)
            elapsed = time.monotonic() - started
            fine = check_source(fast, fetcher)
    assert spent["status"] == "failing"
    assert spent["reason"] == "the site did not answer within 3 s in all; the live check stopped there"
    assert spent["feeds"][0]["items"] == 9 and 3 <= elapsed < 4.5, elapsed
    assert fine["status"] == "ok", fine["reason"]
