"""``kabar sources add``: every example site discovered from its homepage alone, over real HTTP;
the [[sources]] block written into a commented config; clear one-line refusals."""

from __future__ import annotations

import re
import tomllib

import pytest

from crawler.config import load_config, parse_config
from jobs.examplesites.sites import SITES, listing_page_path
from jobs.sources.add import SourceError, describe, discover
from jobs.sources.discover import advertised_feeds, listing_candidates
from jobs.sources.fetch import Fetcher
from jobs.sources.pattern import infer_pattern
from tests.support.faults.hosts import DRIP, TinySite, rss
from tests.support.gold import gold_copies


@pytest.fixture(scope="module")
def gold_paths(sites) -> dict[str, list[str]]:
    paths: dict[str, list[str]] = {}
    for gold in gold_copies(sites):
        paths.setdefault(gold["site"], []).append(gold["path"])
    return paths


@pytest.mark.parametrize("key", list(SITES))
def test_each_example_site_is_discovered_from_its_homepage(sites, gold_paths, key):
    site, base = SITES[key], sites.url(key).rstrip("/")
    before = len(sites.requests(key))
    with Fetcher() as fetcher:
        found = discover(sites.url(key), fetcher)
    requests = sites.requests(key)[before:]

    assert [f.url for f in found.feeds] == [base + site.feed]
    assert found.feeds[0].kind == site.feed_kind and found.feeds[0].items == 10
    assert [s.url for s in found.sitemaps] == [base + p for p in site.sitemaps]  # robots.txt order
    assert [listing.url for listing in found.listings] == [base + site.listing]
    assert found.listings[0].pages >= 1 and found.listings[0].items >= 3

    pattern = re.compile(found.pattern)
    missed = [p for p in gold_paths[key] if not pattern.search(p)]
    assert not missed, f"{found.pattern} misses {missed[:3]}"
    not_articles = [
        "/",
        site.listing,
        listing_page_path(site.listing, site, 2).split("?")[0],
        *(site.section.format(topic=t) for t in ("smart-city", "banjir")),
        *site.static_pages,
    ]
    assert not [p for p in not_articles if pattern.search(p)], found.pattern

    articles = [s for s in found.samples if s.is_article]
    assert len(found.samples) == 10 and len(articles) >= 8
    assert all(s.title and s.published and s.score is not None for s in articles)
    # polite: robots.txt read first, nothing disallowed fetched, no more than a few dozen pages
    assert requests[0].target == "/robots.txt"
    assert not [r for r in requests if r.target.startswith(site.disallow)]
    assert len(requests) <= 40
    # the entry is a valid source
    entry = found.entry(key, region="Kota Palembang")
    config = parse_config({"sources": [entry]})
    assert config.sources[0].article_pattern == found.pattern


def test_advertised_feeds_leave_comment_feeds_out():
    html = """<html><head>
      <link rel="alternate" type="application/rss+xml" title="Situs &raquo; Feed" href="/feed/">
      <link rel="alternate" type="application/rss+xml" title="Situs &raquo; Umpan Komentar" href="/comments/feed/">
      <link rel="alternate" type="application/atom+xml" href="https://situs.example/feed.atom">
      <link rel="alternate" hreflang="en" href="/en/">
      <link rel="stylesheet" type="text/css" href="/style.css">
    </head></html>"""
    assert advertised_feeds(html, "https://situs.example/") == [
        "https://situs.example/feed/",
        "https://situs.example/feed.atom",
    ]


def test_listing_candidates_put_navigation_first_and_skip_articles_feeds_and_search():
    html = """<html><body>
      <div class="top"><a href="/redaksi/">Redaksi</a></div>
      <nav><a href="/">Beranda</a><a href="/category/daerah/">Daerah</a><a href="/feed/">RSS</a>
           <a href="/cari/?q=banjir">Cari</a></nav>
      <a href="/2024/05/01/pemkab-muba-luncurkan-aplikasi-layanan/">Berita</a>
      <a href="https://lain.example/category/x/">Lain</a><a href="/images/a.png">Foto</a>
    </body></html>"""
    assert listing_candidates(html, "https://situs.example/") == [
        "https://situs.example/category/daerah/",
        "https://situs.example/redaksi/",
    ]


@pytest.mark.parametrize(
    "articles, others, expected",
    [
        (
            [
                "https://a.example/read/2024/05/12/123456/pemkab-muba-raih-penghargaan",
                "https://a.example/read/2023/11/02/98765/banjir-rendam-kota",
            ],
            ["https://a.example/read/", "https://a.example/kanal/daerah"],
            r"^/read/\d{4}/\d{2}/\d{2}/\d+/[a-z0-9-]+$",
        ),
        (
            ["/berita/12345-pemkab-oki-teken-masterplan", "/berita/678-sensor-banjir-lahat"],
            ["/berita/"],
            r"^/berita/\d+-[a-z0-9-]+$",
        ),
        (
            ["/2021/04/desa-internet-muratara.html", "/2019/11/kontingen-musi-rawas.html"],
            [],
            r"^/\d{4}/\d{2}/[a-z0-9-]+\.html$",
        ),
        (["/news/kota-cerdas-palembang/", "/news/banjir-sekanak"], [], r"^/news/[a-z0-9-]+/?$"),
        # a one-word section at the same depth forces slugs of two words or more
        (
            ["/daerah/muba-raih-nilai-tertinggi", "/daerah/pali-luncurkan-sipali"],
            ["/daerah/terkini"],
            r"^/daerah/[a-z0-9]+(?:-[a-z0-9]+)+$",
        ),
    ],
)
def test_infer_pattern(articles, others, expected):
    assert infer_pattern(articles, others) == expected
    regex = re.compile(expected)
    assert all(regex.search(re.sub(r"^https?://[^/]+", "", a)) for a in articles)


def test_infer_pattern_gives_up_rather_than_match_listings():
    assert infer_pattern([], []) is None
    assert infer_pattern(["/"], []) is None
    assert infer_pattern(["/daerah/muba", "/daerah/pali"], ["/daerah/terkini"]) is None


# --- the command -----------------------------------------------------------------------------

COMMENTED = """\
# Sumber berita kabar — disunting tangan, jangan dirapikan otomatis!
[relevance]
min_score   =   0        # simpan semua

# Situs pertama
[[sources]]
name = "lama"            # komentar di baris
url = "https://lama.example/"
feeds = [
  "https://lama.example/feed/",   # umpan utama
]

[daemon]
grace = "10s"   # cukup
"""


def test_add_prints_a_preview_and_a_valid_block(kabar, sites):
    result = kabar("sources", "add", sites.url("infodaerah"), "--name", "infodaerah2", "--region", "Kabupaten Lahat")
    assert result.returncode == 0, result.stderr
    block = tomllib.loads(result.stdout)["sources"][0]
    base = sites.url("infodaerah")
    assert block["name"] == "infodaerah2" and block["url"] == base and block["region"] == "Kabupaten Lahat"
    assert block["feeds"] == [base + "feed.atom"] and block["sitemaps"] == [base + "sitemap.xml"]
    assert block["listings"] == [base + "kategori/nusantara"]
    assert re.search(block["article_pattern"], "/kategori/nusantara/572282/pemkab-muba-raih-predikat")
    assert "Sampled articles: 10 of 10" in result.stderr and "score" in result.stderr
    assert "WIB" in result.stderr  # dates shown in Jakarta time


def test_write_keeps_the_file_and_refuses_duplicates(kabar, sites, tmp_path):
    config = tmp_path / "mine.toml"
    config.write_text(COMMENTED, encoding="utf-8")
    url = sites.url("jurnalsilampari")
    result = kabar("sources", "add", url, "--write", "--config", str(config))
    assert result.returncode == 0, result.stderr
    text = config.read_text(encoding="utf-8")
    assert text.startswith(COMMENTED)  # every byte of the file as it was, comments included
    assert "[[sources]]" in text[len(COMMENTED) :]
    loaded = load_config(config)
    assert [s.name for s in loaded.sources] == ["lama", "jurnalsilampari"]  # name from the site
    assert loaded.sources[1].feeds == (url + "feed",) and loaded.sources[1].article_pattern
    assert loaded.daemon.grace.total_seconds() == 10

    again = kabar("sources", "add", url, "--name", "js2", "--write", "--config", str(config))
    assert again.returncode == 2 and "already has" in again.stderr and "jurnalsilampari" in again.stderr
    same_name = kabar("sources", "add", sites.url("sumselpos"), "--name", "lama", "--write", "--config", str(config))
    assert same_name.returncode == 2 and "already has a source named 'lama'" in same_name.stderr
    for refused in (again, same_name):
        assert len(refused.stderr.strip().splitlines()) == 1 and "Traceback" not in refused.stderr
    assert config.read_text(encoding="utf-8") == text


@pytest.fixture
def odd_site():
    """A tiny site: a JSON API at /api/, a robots.txt that shuts kabar out under /tutup/."""
    with TinySite("127.0.0.1") as site:
        site.route("/robots.txt", "text/plain", b"User-agent: kabar\nDisallow: /tutup/\n\nUser-agent: *\nDisallow:\n")
        site.route("/api/", "application/json", b'{"berita": []}')
        site.route("/tutup/", "text/html; charset=utf-8", b"<html><body><a href='/a'>a</a></body></html>")
        yield site.url


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_clear_messages_for_urls_that_cannot_be_sources(kabar, odd_site, tmp_path):
    cases = {
        f"http://127.0.0.1:{_closed_port()}/": "unreachable (connection refused)",
        odd_site + "/api/": "not an HTML page (application/json)",
        odd_site + "/tutup/": "robots.txt disallows crawling this site for kabar",
        odd_site + "/hilang/": "the server answered HTTP 404",
        "ftp://files.example/": "is not an http(s) URL",
    }
    with Fetcher() as fetcher:
        for url, message in cases.items():
            with pytest.raises(SourceError) as raised:
                discover(url, fetcher)
            assert message in str(raised.value) and url in str(raised.value)
    # through the command: one line on stderr, exit 2, nothing on stdout, no file written
    config = tmp_path / "s.toml"
    for url in list(cases)[:3]:
        result = kabar("sources", "add", url, "--write", "--config", str(config))
        assert result.returncode == 2, (url, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and cases[url] in lines[0] and "Traceback" not in result.stderr
        assert result.stdout == ""
    assert not config.exists()


# --- private addresses and deadlines ----------------------------------------------------------

HOME = b"""<!doctype html><html><head><title>Kabar Dua</title>%s</head>
<body><nav><a href="/berita/">Berita</a></nav><p>Selamat datang.</p></body></html>"""
INTERNAL_FEED = "application/rss+xml"


@pytest.fixture
def two_hosts():
    """The site the user types, on 127.0.0.2, and an internal service on 127.0.0.3 that serves a
    good feed, sitemap and article, and must never receive a request."""
    from tests.support.faults.server import article_html

    with TinySite("127.0.0.2") as site, TinySite("127.0.0.3") as internal:
        article = internal.url + "/berita/1-rahasia-kota-cerdas.html"
        internal.route("/robots.txt", "text/plain", b"User-agent: *\nAllow: /\n")
        internal.route("/feed.xml", INTERNAL_FEED, rss([article] * 3))
        internal.route(
            "/sitemap.xml",
            "application/xml",
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>{article}'
            "</loc></url></urlset>".encode(),
        )
        internal.route("/berita/1-rahasia-kota-cerdas.html", "text/html", article_html(1).encode())
        internal.route("/", "text/html", HOME % b"")
        site.route("/robots.txt", "text/plain", b"User-agent: *\nAllow: /\n")
        yield site, internal


@pytest.mark.parametrize("hops", [1, 3])
def test_add_refuses_a_redirect_to_another_private_host(kabar, two_hosts, hops):
    site, internal = two_hosts
    for hop in range(1, hops):  # redirects on the typed host first: every hop is checked
        site.redirect("/" if hop == 1 else f"/pindah/{hop - 1}", f"/pindah/{hop}")
    site.redirect("/" if hops == 1 else f"/pindah/{hops - 1}", internal.url + "/")
    with Fetcher() as fetcher, pytest.raises(SourceError) as raised:
        discover(site.url + "/", fetcher)
    assert str(raised.value) == (
        f"{site.url}/: refused: redirects to {internal.url}/, a loopback address outside the source's own hosts"
    )
    result = kabar("sources", "add", site.url + "/")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip().splitlines() == [f"kabar: error: {raised.value}"]
    assert internal.hits == []


def test_add_never_requests_private_hosts_it_discovers(two_hosts):
    site, internal = two_hosts
    advertised = (
        f'<link rel="alternate" type="{INTERNAL_FEED}" href="{internal.url}/feed.xml">'
        f'<link rel="alternate" type="{INTERNAL_FEED}" href="/feed.xml">'
    ).encode()
    site.route("/", "text/html", HOME % advertised)
    site.route("/robots.txt", "text/plain", f"User-agent: *\nAllow: /\nSitemap: {internal.url}/sitemap.xml\n".encode())
    site.redirect("/feed.xml", internal.url + "/feed.xml")
    with Fetcher() as fetcher:
        found = discover(site.url + "/", fetcher)
    assert internal.hits == []
    assert found.url == site.url + "/" and not found.feeds and not found.sitemaps and not found.samples
    assert set(found.refused) == {internal.url + "/feed.xml", site.url + "/feed.xml", internal.url + "/sitemap.xml"}
    assert found.refused[site.url + "/feed.xml"].startswith(
        f"refused: redirects to {internal.url}/feed.xml, a loopback"
    )
    preview = "\n".join(describe(found))
    assert f"refused     {internal.url}/sitemap.xml: a loopback address outside the source's own hosts" in preview


def test_add_refuses_a_host_name_that_resolves_to_a_private_address(two_hosts):
    site, internal = two_hosts
    port = internal.url.rsplit(":", 1)[1]
    site.redirect("/", f"http://intranet.example:{port}/")
    with Fetcher(resolve=lambda host, port: ["127.0.0.3"]) as fetcher, pytest.raises(SourceError) as raised:
        discover(site.url + "/", fetcher)
    assert "refused: redirects to http://intranet.example" in str(raised.value) and "a loopback address" in str(
        raised.value
    )
    assert internal.hits == []


def test_a_host_name_is_refused_when_any_of_its_addresses_is_not_public():
    from jobs.sources.netguard import AddressGuard, Blocked

    answers = {
        "publik.example": ["8.8.8.8", "2001:4860:4860::8888"],
        "campur.example": ["8.8.8.8", "10.1.2.3"],
        "kembar.example": ["8.8.4.4", "::1"],
        "meta.example": ["169.254.169.254"],
    }
    guard = AddressGuard(resolve=lambda host, port: answers[host])
    # the addresses the connection is made to are the ones checked (no second lookup)
    assert guard.addresses("publik.example", 80) == ["8.8.8.8", "2001:4860:4860::8888"]
    for host, kind in (("campur.example", "private"), ("kembar.example", "loopback"), ("meta.example", "link-local")):
        with pytest.raises(Blocked) as raised:
            guard.addresses(host, 80)
        assert raised.value.kind == kind
    guard.trust(["http://campur.example/"])  # a host the user typed may be anywhere
    assert guard.addresses("campur.example", 80) == ["campur.example"]
    with pytest.raises(Blocked):
        guard.addresses("campur.example", 8080)  # the same name on another port may not


def test_add_through_a_proxy_never_asks_for_the_metadata_address(monkeypatch):
    """Through an HTTP proxy (the proxy logs every URL asked of it, so nothing leaves this
    machine even if the rule broke), literal non-public addresses and localhost are refused."""
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    with TinySite("127.0.0.2") as proxy:
        monkeypatch.setenv("http_proxy", proxy.url)
        proxy.route("/robots.txt", "text/plain", b"User-agent: *\nAllow: /\nSitemap: http://10.20.30.40/sitemap.xml\n")
        proxy.redirect("/", "http://169.254.169.254/latest/meta-data/")
        with Fetcher() as fetcher, pytest.raises(SourceError) as raised:
            discover("http://berita.example/", fetcher)
        assert str(raised.value) == (
            "http://berita.example/: refused: redirects to "
            "http://169.254.169.254/latest/meta-data/, a link-local address "
            "outside the source's own hosts"
        )

        feed = b'<link rel="alternate" type="application/rss+xml" href="http://169.254.169.254/latest/meta-data/">'
        proxy.route("/", "text/html", HOME % feed)
        proxy.redirect("/berita/", "http://localhost:9/admin/")
        with Fetcher() as fetcher:
            found = discover("http://berita.example/", fetcher)
        assert set(found.refused) == {
            "http://169.254.169.254/latest/meta-data/",
            "http://10.20.30.40/sitemap.xml",
            "http://berita.example/berita/",
        }
        assert proxy.hits and all(hit.startswith("http://berita.example/") for hit in proxy.hits), proxy.hits


def test_add_gives_up_on_a_server_that_drips_forever():
    """A homepage that sends a line a second, forever: one request gets ``timeout`` seconds in
    all, however often bytes arrive."""
    import time

    with TinySite("127.0.0.2") as site:
        site.route("/", "text/html", DRIP)
        started = time.monotonic()
        with Fetcher(timeout=2.5) as fetcher, pytest.raises(SourceError) as raised:
            discover(site.url + "/", fetcher)
        elapsed = time.monotonic() - started
    assert str(raised.value) == f"{site.url}/: did not answer within 2.5 s"
    assert 2.5 <= elapsed < 5, elapsed


def test_add_stops_when_its_budget_is_spent():
    """Every page answers within the request timeout, but slowly: the whole discovery gets
    ``budget`` seconds."""
    import time

    with TinySite("127.0.0.2", missing_delay=1.0) as site:
        site.route("/robots.txt", "text/plain", b"User-agent: *\nAllow: /\n")
        site.route("/", "text/html", HOME % b"")
        started = time.monotonic()
        with Fetcher(timeout=2, budget=3.5) as fetcher, pytest.raises(SourceError) as raised:
            discover(site.url + "/", fetcher)
        elapsed = time.monotonic() - started
    assert str(raised.value) == (
        f"{site.url}/: the site did not answer within 3.5 s in all (the limit for one sources add)"
    )
    assert 3.5 <= elapsed < 5, elapsed
    assert len(site.hits) < 8  # robots.txt, the homepage and a few of the feed paths
