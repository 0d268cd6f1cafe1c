"""The example sites over real HTTP: pages, feeds, sitemaps, listings, gold, HTTP semantics.

Runs against a generated set of throwaway stories (always) and the bundled stories in
jobs/examplesites/stories/ (when there are any).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import feedparser
import lxml.etree
import lxml.html
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # tests run without an installed kabar
    sys.path.insert(0, str(ROOT))

from jobs.examplesites import ExampleSites, StoryError, load_stories  # noqa: E402
from jobs.examplesites.config import default_bases, sources_toml  # noqa: E402
from jobs.examplesites.render import render_site  # noqa: E402
from jobs.examplesites.sites import PER_PAGE, SITES, site_catalog  # noqa: E402
from jobs.examplesites.stories import STORIES_DIR  # noqa: E402
from tests.support.gold import gold_copies  # noqa: E402

SITE_KEYS = list(SITES)

# ----------------------------------------------------------------------------------------
# Throwaway stories
# ----------------------------------------------------------------------------------------
CITIES = ["SEKAYU", "MUARA ENIM", "BANYUASIN", "PALEMBANG", "LUBUKLINGGAU", "MUSI RAWAS"]
REGIONS = [
    "Kabupaten Musi Banyuasin",
    "Kabupaten Muara Enim",
    "Kabupaten Banyuasin",
    "Kota Palembang",
    "Kota Lubuklinggau",
    "Kabupaten Musi Rawas",
]
TOPICS = ["smart-city", "pemerintahan", "banjir", "ekonomi", "politik", "kesehatan"]
WORDS = (
    "program layanan publik digital kabupaten pemerintah daerah aplikasi warga inovasi "
    "data terpadu kota cerdas anggaran dinas komunikasi informatika pelayanan masyarakat"
).split()


def _q(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def sample_story_toml(i: int) -> str:
    """Story i: 3..14 paragraphs, five copies on rotating sites, some with overrides."""
    n_par = 3 + (i * 5) % 12
    city = CITIES[i % 6]
    topic = TOPICS[i % 6]
    paras = []
    for j in range(n_par):
        words = " ".join(WORDS[(i + j + k) % len(WORDS)] for k in range(18))
        if j % 3 == 1:
            paras.append(
                f"“Kami terus berbenah – café dan UMKM ikut terlibat,” kata Kepala Dinas nomor {i}-{j}, {words}."
            )
        else:
            paras.append(f"Paragraf {j + 1} berita {i}: Pemkab {REGIONS[i % 6]} {words}.")
    day, month = 1 + (i * 7) % 27, 1 + (i * 5) % 12
    offset = "+08:00" if i % 5 == 4 else "+07:00"
    sites = [SITE_KEYS[(i + k) % 6] for k in range(5)]
    lines = [
        f'slug = "berita-uji-{i:02d}"',
        f'topic = "{topic}"',
        f"smart_city = {'true' if topic == 'smart-city' else 'false'}",
        f"regions = [{_q(REGIONS[i % 6])}]",
        f'published = "2023-{month:02d}-{day:02d}T{8 + i % 10:02d}:{(i * 13) % 60:02d}:00{offset}"',
        f'dateline = "{city}"',
        f'author = "Reporter Nomor {i}"',
        f'title = "Berita Uji {i} Pemkab {REGIONS[i % 6]} Gelar Evaluasi Program {topic.title()}"',
        f'summary = "Ringkasan berita uji {i} tentang {topic}"',
    ]
    if i % 2 == 0:
        lines.append(f'caption = "Foto kegiatan berita uji {i} di {city.title()}."')
    lines.append("paragraphs = [\n" + "".join(f"  {_q(p)},\n" for p in paras) + "]")
    for k, site in enumerate(sites):
        lines.append(f'\n[[copies]]\nsite = "{site}"')
        if k == 1:
            lines.append(f'title = "Salinan: Evaluasi Program di {REGIONS[i % 6]} Nomor {i}"')
            lines.append(f'published = "2023-{month:02d}-{day:02d}T{9 + i % 10:02d}:05:00+07:00"')
            lines.append('author = "Redaksi"')
        if k == 2 and n_par > 3:
            lines.append("drop = [1]")
            lines.append(f'append = ["Paragraf tambahan hanya di salinan {i} ini."]')
    return "\n".join(lines) + "\n"


def write_sample_stories(directory: Path, count: int = 16) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        (directory / f"{i:03d}-berita-uji-{i:02d}.toml").write_text(sample_story_toml(i), encoding="utf-8")
    return directory


# ----------------------------------------------------------------------------------------
# HTTP helpers
# ----------------------------------------------------------------------------------------
class Response:
    def __init__(self, status: int, headers, body: bytes, url: str) -> None:
        self.status, self.headers, self.body, self.url = status, headers, body, url

    @property
    def declared_charset(self) -> str | None:
        m = re.search(r"charset=([\w-]+)", self.headers.get("Content-Type", ""))
        return m.group(1) if m else None

    @property
    def text(self) -> str:
        """Decoded like a careful client: the declared charset, windows-1252 when that fails."""
        try:
            return self.body.decode(self.declared_charset or "utf-8")
        except UnicodeDecodeError:
            return self.body.decode("cp1252")

    def tree(self):
        return lxml.html.fromstring(self.text)


def fetch(url: str, headers: dict[str, str] | None = None, method: str = "GET") -> Response:
    req = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return Response(r.status, r.headers, r.read(), url)
    except urllib.error.HTTPError as e:
        return Response(e.code, e.headers, e.read(), url)


def clean(url: str) -> str:
    """Drop tracking parameters and fragments."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if not k.startswith("utm_") and k != "ref"]
    return urlunsplit(parts._replace(query="&".join(f"{k}={v}" for k, v in query), fragment=""))


def links(resp: Response) -> list[str]:
    return [a.get("href") for a in resp.tree().iter("a") if a.get("href")]


def page_text(resp: Response) -> str:
    tree = resp.tree()
    for bad in tree.xpath("//script|//style"):
        bad.drop_tree()
    return re.sub(r"\s+", " ", tree.text_content())


def canonical(resp: Response) -> str | None:
    found = resp.tree().xpath('//link[@rel="canonical"]/@href')
    return found[0] if found else None


def paragraphs(gold: dict) -> list[str]:
    return gold["text"].split("\n\n")


# ----------------------------------------------------------------------------------------
# Fixtures: one started server per corpus
# ----------------------------------------------------------------------------------------
def _bundled_available() -> bool:
    return any(STORIES_DIR.glob("*.toml"))


@pytest.fixture(scope="module", params=["sample", "bundled"])
def corpus(request, tmp_path_factory):
    if request.param == "sample":
        stories_dir = write_sample_stories(tmp_path_factory.mktemp("stories"))
    else:
        assert _bundled_available(), "the bundled stories are missing from jobs/examplesites/stories"
        stories_dir = STORIES_DIR
    with ExampleSites(stories_dir=stories_dir) as sites:
        yield sites, gold_copies(sites), stories_dir


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory) -> Path:
    return write_sample_stories(tmp_path_factory.mktemp("sample"))


def site_gold(golds: list[dict], site: str) -> list[dict]:
    return [g for g in golds if g["site"] == site]


# ----------------------------------------------------------------------------------------
# Stories and gold (no HTTP)
# ----------------------------------------------------------------------------------------
def _write(tmp_path: Path, name: str, text: str) -> Path:
    d = tmp_path / "bad"
    d.mkdir(exist_ok=True)
    (d / name).write_text(text, encoding="utf-8")
    return d


@pytest.mark.parametrize(
    "mutate, key",
    [
        (lambda t: t.replace('topic = "', 'colour = "red"\ntopic = "', 1), "colour"),
        (lambda t: t.replace('site = "wartanusantara"', 'site = "kompas"', 1), "copies[0].site"),
        (lambda t: re.sub(r'published = "([^"]+)\+0[78]:00"', r'published = "\1"', t, count=1), "published"),
        (lambda t: re.sub(r"^summary = .*$", "", t, count=1, flags=re.M), "summary"),
        (lambda t: t + "drop = [99]\n", "copies[4].drop[0]"),
        (lambda t: t.replace('author = "Redaksi"', 'author = "Redaksi"\nlayout = "wide"'), "copies[1].layout"),
        (lambda t: t.replace('dateline = "SEKAYU"', 'dateline = "Sekayu"'), "dateline"),
        (lambda t: t.replace('slug = "berita-uji-00"', 'slug = "lain"'), "slug"),
    ],
)
def test_invalid_story_names_file_and_key(tmp_path, mutate, key):
    d = _write(tmp_path, "000-berita-uji-00.toml", mutate(sample_story_toml(0)))
    with pytest.raises(StoryError) as err:
        load_stories(d)
    assert str(err.value).startswith(f"000-berita-uji-00.toml: {key}:"), str(err.value)


def test_invalid_toml_and_duplicate_slug(tmp_path):
    d = _write(tmp_path, "000-berita-uji-00.toml", "slug = [")
    with pytest.raises(StoryError, match="000-berita-uji-00.toml: invalid TOML"):
        load_stories(d)
    d = _write(tmp_path, "000-berita-uji-00.toml", sample_story_toml(0))
    (d / "001-berita-uji-00.toml").write_text(sample_story_toml(0), encoding="utf-8")
    with pytest.raises(StoryError, match="001-berita-uji-00.toml: slug"):
        load_stories(d)


def test_copies_apply_overrides(sample_dir):
    stories = {s.slug: s for s in load_stories(sample_dir)}
    story = stories["berita-uji-03"]
    original, edited, trimmed = story.copies[:3]
    assert original.original and original.title == story.title and original.paragraphs == story.paragraphs
    assert edited.title.startswith("Salinan") and edited.author == "Redaksi"
    assert edited.published != story.published and edited.published.utcoffset() == timedelta(hours=7)
    assert story.paragraphs[1] not in trimmed.paragraphs
    assert trimmed.paragraphs[-1] == "Paragraf tambahan hanya di salinan 3 ini."
    assert len(trimmed.paragraphs) == len(story.paragraphs)


def test_gold_fields(sample_dir):
    golds = gold_copies(stories_dir=sample_dir)
    assert len(golds) == 16 * 5
    keys = {
        "site",
        "path",
        "title",
        "published",
        "published_has_time",
        "author",
        "dateline",
        "text",
        "smart_city",
        "regions",
        "pages",
    }
    for g in golds:
        assert keys <= set(g)
        assert datetime.fromisoformat(g["published"]).utcoffset() is not None
        assert re.match(SITES[g["site"]].article_pattern, g["path"])
        assert "\n\n\n" not in g["text"] and g["text"] == g["text"].strip()
        assert g["pages"] == 1 or g["site"] == "palembangkini"
    styles = {
        "wartanusantara": "WARTANUSANTARA.ID, {C} - ",
        "sumselpos": "{C}– ",
        "sumaterakabar": "Sumaterakabar.co.id, {C}— ",
        "infodaerah": "{T}, InfoDaerah - ",
        "jurnalsilampari": "{T}, JS – ",
        "palembangkini": "PALEMBANGKINI.COM, {C} - ",
    }
    for g in golds:
        prefix = styles[g["site"]].format(C=g["dateline"], T=g["dateline"].title())
        assert g["text"].startswith(prefix + "Paragraf 1 "), g["text"][:60]
    assert {g["pages"] for g in golds if g["site"] == "palembangkini"} == {1, 2, 3}
    assert not any(g["published_has_time"] for g in golds if g["site"] == "sumaterakabar")


def test_gold_cli_writes_one_json_per_copy(sample_dir, tmp_path):
    out = tmp_path / "gold"
    proc = subprocess.run(
        [sys.executable, "-m", "tests.support.gold", "--stories", str(sample_dir), str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    files = sorted(out.glob("*/*.json"))
    golds = gold_copies(stories_dir=sample_dir)
    assert len(files) == len(golds)
    for g in golds[:10]:
        assert json.loads((out / g["site"] / f"{g['slug']}.json").read_text(encoding="utf-8")) == g


def test_rendering_is_deterministic_and_patterns_select_articles(sample_dir):
    catalog = site_catalog(load_stories(sample_dir))
    bases = default_bases()
    for key, site in SITES.items():
        pages1, _, _ = render_site(key, catalog, bases)
        pages2, _, _ = render_site(key, catalog, bases)
        assert {k: p.body for k, p in pages1.items()} == {k: p.body for k, p in pages2.items()}
        gold_paths = {g["path"] for g in gold_copies(bases, stories=load_stories(sample_dir)) if g["site"] == key}
        matching = {k for k in pages1 if "?" not in k and re.search(site.article_pattern, k)}
        assert matching == gold_paths, key


def test_examples_sources_toml_matches_default_ports():
    committed = tomllib.loads((ROOT / "examples" / "sources.toml").read_text(encoding="utf-8"))
    assert committed == tomllib.loads(sources_toml(default_bases(8701)))
    assert [s["url"] for s in committed["sources"]] == [f"http://127.0.0.1:{8701 + i}/" for i in range(6)]


# ----------------------------------------------------------------------------------------
# Over HTTP
# ----------------------------------------------------------------------------------------
def test_sources_toml_points_at_live_sites(corpus):
    sites, golds, _ = corpus
    config = tomllib.loads(sites.sources_toml())
    assert config["relevance"]["min_score"] == 0
    assert [s["name"] for s in config["sources"]] == SITE_KEYS
    for src in config["sources"]:
        assert src["url"] == sites.url(src["name"])
        for url in src["feeds"] + src["sitemaps"] + src["listings"]:
            assert fetch(url).status == 200, url
        for g in site_gold(golds, src["name"]):
            assert re.search(src["article_pattern"], g["path"])
        assert "every" in src["schedule"]
    assert {s["name"] for s in config["sources"] if "region" in s} >= {"sumselpos", "palembangkini", "jurnalsilampari"}


@pytest.mark.parametrize("site", SITE_KEYS)
def test_homepage_links_feed(corpus, site):
    sites, golds, _ = corpus
    home = fetch(sites.url(site))
    assert home.status == 200 and home.headers["Content-Type"].startswith("text/html")
    tree = home.tree()
    alt = tree.xpath('//link[@rel="alternate"][@type="application/rss+xml" or @type="application/atom+xml"]/@href')
    assert alt and alt[0] == sites.url(site).rstrip("/") + SITES[site].feed
    assert sites.url(site).rstrip("/") + SITES[site].listing in links(home), "menu links the listing"
    text = page_text(home)
    assert "Terpopuler" in text or "Berita Populer" in text
    newest = site_gold(golds, site)[:1]
    for g in newest:
        assert g["title"] in text


@pytest.mark.parametrize("site", SITE_KEYS)
def test_feed_has_newest_ten(corpus, site):
    sites, golds, _ = corpus
    resp = fetch(sites.url(site).rstrip("/") + SITES[site].feed)
    assert resp.status == 200
    feed = feedparser.parse(resp.body)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == ("atom10" if site == "infodaerah" else "rss20")
    expected = [g["url"] for g in site_gold(golds, site)][:10]
    assert [e.link for e in feed.entries] == expected
    for e, g in zip(feed.entries, site_gold(golds, site), strict=False):
        assert e.title == g["title"]
        published = datetime(*e.published_parsed[:6], tzinfo=UTC)
        assert published == datetime.fromisoformat(g["published"])


@pytest.mark.parametrize("site", SITE_KEYS)
def test_robots_and_sitemaps_cover_every_copy(corpus, site):
    sites, golds, _ = corpus
    base = sites.url(site).rstrip("/")
    robots = fetch(base + "/robots.txt")
    assert robots.status == 200 and robots.headers["Content-Type"].startswith("text/plain")
    star = robots.text.split("User-agent: *", 1)[1].split("User-agent:", 1)[0]
    assert re.findall(r"^Disallow: (\S+)$", star, re.M) == [SITES[site].disallow]
    sitemap_urls = re.findall(r"^Sitemap: (\S+)$", robots.text, re.M)
    assert sitemap_urls == [base + p for p in SITES[site].sitemaps]
    found: set[str] = set()
    todo, seen = list(sitemap_urls), set()
    news = False
    while todo:
        url = todo.pop()
        if url in seen:
            continue
        seen.add(url)
        resp = fetch(url)
        assert resp.status == 200, url
        root = lxml.etree.fromstring(resp.body)
        news |= "http://www.google.com/schemas/sitemap-news/0.9" in root.nsmap.values()
        locs = root.xpath("//*[local-name()='loc']/text()")
        if root.tag.endswith("sitemapindex"):
            todo += locs
        else:
            found |= set(locs)
    assert {g["url"] for g in site_gold(golds, site)} <= found
    if site == "sumselpos":
        assert len(seen) >= 3  # an index with child sitemaps
    if site in ("wartanusantara", "palembangkini"):
        assert news


def _listing_crawl(sites, site: str) -> tuple[list[Response], set[str]]:
    """Follow the main listing's pagination; return pages and the article URLs they link."""
    base = sites.url(site).rstrip("/")
    pattern = re.compile(SITES[site].article_pattern)
    first = base + SITES[site].listing
    pages, queue, seen, articles = [], [first], set(), set()
    page_re = re.compile(re.escape(first.rstrip("/")) + r"(/page/\d+/|\?page=\d+)?$")
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        resp = fetch(url)
        assert resp.status == 200, url
        pages.append(resp)
        for href in links(resp):
            href = clean(href)
            if page_re.match(href.rstrip("/")) or page_re.match(href):
                queue.append(href)
            elif href.startswith(base) and pattern.search(urlsplit(href).path) and not urlsplit(href).query:
                articles.add(href)
    return pages, articles


@pytest.mark.parametrize("site", SITE_KEYS)
def test_listing_pagination_reaches_every_copy(corpus, site):
    sites, golds, _ = corpus
    pages, articles = _listing_crawl(sites, site)
    expected = {g["url"] for g in site_gold(golds, site)}
    assert articles >= expected
    n_pages = max(1, -(-len(expected) // PER_PAGE))
    assert len(pages) == n_pages
    if site == "jurnalsilampari":
        assert "No More Posts Available." in page_text(pages[-1])
        assert all("No More Posts Available." not in page_text(p) for p in pages[:-1])


def test_tracking_parameters_on_two_sites(corpus):
    sites, golds, _ = corpus
    tracked_sites = set()
    for site in SITE_KEYS:
        home = fetch(sites.url(site))
        tracked = [
            h
            for h in links(home)
            if re.search(r"[?&](utm_\w+|ref)=", h) and re.search(SITES[site].article_pattern, urlsplit(h).path)
        ]
        if tracked:
            tracked_sites.add(site)
            assert fetch(tracked[0]).body == fetch(clean(tracked[0])).body
    assert len(tracked_sites) >= 2


@pytest.mark.parametrize("site", SITE_KEYS)
def test_every_copy_page_has_every_gold_paragraph(corpus, site):
    sites, golds, _ = corpus
    for g in site_gold(golds, site):
        resp = fetch(g["url"])
        assert resp.status == 200, g["url"]
        assert canonical(resp) == g["url"]
        text = page_text(resp)
        if g["pages"] > 1:
            for n in range(2, g["pages"] + 1):
                more = fetch(f"{g['url']}?page={n}")
                assert more.status == 200 and canonical(more) == g["url"]
                text += " " + page_text(more)
        assert g["title"] in text
        for para in paragraphs(g):
            assert re.sub(r"\s+", " ", para) in text, (g["url"], para[:60])


def test_split_pages_and_show_all(corpus):
    sites, golds, _ = corpus
    split = [g for g in site_gold(golds, "palembangkini") if g["pages"] > 1]
    assert split, "both corpora have palembangkini copies long enough to be split"
    for g in split:
        first = fetch(g["url"])
        nav = page_text(first)
        assert "Halaman" in nav and "Selanjutnya" in nav and "Tampilkan Semua" in nav
        hrefs = links(first)
        assert f"{g['url']}?page=2" in hrefs and f"{g['url']}?page=all" in hrefs
        assert f"{g['url']}?page={g['pages'] + 1}" not in hrefs
        # each page holds only its own share of the paragraphs
        paras = paragraphs(g)
        assert paras[-1] not in page_text(first)
        last = fetch(f"{g['url']}?page={g['pages']}")
        assert paras[0] not in page_text(last) and paras[-1] in page_text(last)
        everything = fetch(f"{g['url']}?page=all")
        assert canonical(everything) == g["url"]
        text = page_text(everything)
        assert all(re.sub(r"\s+", " ", p) in text for p in paras)
        assert fetch(f"{g['url']}?page={g['pages'] + 1}").status == 404


def test_amp_and_mobile_variants_point_back(corpus):
    sites, golds, _ = corpus
    for g in site_gold(golds, "wartanusantara"):
        desktop = fetch(g["url"])
        amp = desktop.tree().xpath('//link[@rel="amphtml"]/@href')
        assert amp and urlsplit(amp[0]).path.startswith("/amp/")
        assert not re.search(SITES["wartanusantara"].article_pattern, urlsplit(amp[0]).path)
        amp_page = fetch(amp[0])
        assert amp_page.status == 200 and "⚡" in amp_page.text[:200]
        assert canonical(amp_page) == g["url"]
        assert paragraphs(g)[-1] in page_text(amp_page)
    for g in site_gold(golds, "jurnalsilampari"):
        desktop = fetch(g["url"])
        assert g["url"] + "?m=1" in links(desktop)
        mobile = fetch(g["url"] + "?m=1")
        assert mobile.status == 200 and canonical(mobile) == g["url"]
        assert mobile.body != desktop.body
        assert paragraphs(g)[-1] in page_text(mobile)


def test_windows_1252_pages(corpus):
    sites, golds, _ = corpus
    declared_1252, liars = [], []
    for g in site_gold(golds, "jurnalsilampari"):
        resp = fetch(g["url"])
        charset = resp.declared_charset.lower()
        meta = re.search(rb'charset=([\w-]+)"', resp.body).group(1).decode().lower()
        assert meta == charset
        if charset == "windows-1252":
            declared_1252.append(g)
            resp.body.decode("cp1252")
        else:
            try:
                resp.body.decode("utf-8")
            except UnicodeDecodeError:
                liars.append(g)
                assert b"\x96" in resp.body  # an en dash in windows-1252
                assert all(p in page_text(resp) for p in paragraphs(g))
    assert declared_1252 and len(liars) == 1
    assert any(b in fetch(liars[0]["url"]).body for b in (b"\x93", b"\xe9", b"\x96"))


@pytest.mark.parametrize("site", SITE_KEYS)
def test_conditional_get(corpus, site):
    sites, golds, _ = corpus
    base = sites.url(site).rstrip("/")
    targets = [base + SITES[site].feed, base + SITES[site].listing, base + "/robots.txt"]
    targets += [g["url"] for g in site_gold(golds, site)[:2]]
    for url in targets:
        first = fetch(url)
        etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
        assert etag and modified
        assert fetch(url, {"If-None-Match": etag}).status == 304
        assert fetch(url, {"If-None-Match": '"other"'}).status == 200
        assert fetch(url, {"If-Modified-Since": modified}).status == 304
        earlier = format_datetime(datetime(2000, 1, 1, tzinfo=UTC), usegmt=True)
        assert fetch(url, {"If-Modified-Since": earlier}).status == 200
        again = fetch(url)
        assert again.body == first.body and again.headers["ETag"] == etag
    head = fetch(targets[0], method="HEAD")
    assert head.status == 200 and head.body == b"" and int(head.headers["Content-Length"]) > 0


@pytest.mark.parametrize("site", SITE_KEYS)
def test_unknown_paths_are_404_pages(corpus, site):
    sites, _, _ = corpus
    base = sites.url(site).rstrip("/")
    for path in ("/tidak-ada/", "/berita/x/y/z", "/2020/01/01/tidak-ada/", "/feed/extra"):
        resp = fetch(base + path)
        assert resp.status == 404
        assert resp.headers["Content-Type"].startswith("text/html")
        assert "404" in resp.text or "tidak ditemukan" in resp.text.lower()


def test_disallowed_search_holds_real_links(corpus):
    sites, golds, _ = corpus
    base = sites.url("wartanusantara").rstrip("/")
    home = fetch(base + "/")
    search_links = [h for h in links(home) if urlsplit(h).path == "/cari/"]
    assert search_links
    results = fetch(search_links[0])
    assert results.status == 200
    paths = {urlsplit(h).path for h in links(results)}
    assert paths & {g["path"] for g in site_gold(golds, "wartanusantara")}
    assert "Disallow: /cari/" in fetch(base + "/robots.txt").text


def test_server_restart_serves_identical_pages(corpus):
    sites, golds, stories_dir = corpus
    g = golds[0]
    port = urlsplit(g["url"]).port
    first = fetch(g["url"]).body.replace(str(port).encode(), b"PORT")
    with ExampleSites(stories_dir=stories_dir) as again:
        other = gold_copies(again)[0]
        body = fetch(other["url"]).body.replace(str(urlsplit(other["url"]).port).encode(), b"PORT")
    assert body == first
    assert any(r.target == urlsplit(g["url"]).path for r in sites.requests(g["site"]))


def test_request_log(corpus):
    sites, golds, _ = corpus
    assert sites.sites == tuple(SITE_KEYS)
    sites.clear_log()
    fetch(golds[0]["url"] + "?utm_source=x")
    fetch(sites.url("infodaerah") + "nope")
    log = sites.request_log()
    assert (golds[0]["site"], golds[0]["path"] + "?utm_source=x") in log
    assert [r.status for r in sites.requests("infodaerah") if r.target == "/nope"] == [404]
