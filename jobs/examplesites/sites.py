"""The six example sites as data: names, URL schemes, dateline styles, feeds, sitemaps.

Every per-site difference that is not markup lives in the ``SITES`` table; templates
hold the markup (``templates/<site>/``). URL builders here are shared by the
renderer, the sources.toml writer and the tests' gold (tests/support/gold.py), so all three
always agree.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field

from .stories import Copy, Story, all_copies

PER_PAGE = 8  # items per listing page
FEED_ITEMS = 10  # newest copies in a feed
SPLIT_MIN = 7  # palembangkini splits copies with this many paragraphs or more
SPLIT_THREE = 12  # ... over three pages from this many


@dataclass(frozen=True)
class Site:
    """Everything that differs between sites, except markup."""

    key: str
    name: str
    domain: str  # the fictional host the site pretends to be
    tagline: str
    article_path: str  # format over slug, rid, nid, y, m, d
    article_pattern: str  # regex on the URL path matching article pages only
    listing: str  # path of the main listing (every copy)
    section: str  # path of a topic section, format over topic
    page_style: str  # "query": ?page=N ; "path": <listing>page/N/
    feed: str
    feed_kind: str  # "rss" or "atom"
    sitemaps: tuple[str, ...]  # listed in robots.txt
    disallow: str  # the one Disallow: path in robots.txt
    dateline: str  # format over city (upper), City (title case)
    static_pages: tuple[str, ...]  # footer pages, paths
    tracking: dict[str, str] = field(default_factory=dict)  # link context -> query string
    region: str | None = None  # default region for sources.toml
    schedule: str = "30m"
    amp: bool = False
    mobile: bool = False
    split: bool = False
    charset_tricks: bool = False
    meta_dates: bool = False  # og/article:published_time and JSON-LD on articles
    search: str | None = None  # search page path (results link to articles)
    language: str = "id"


SITES: dict[str, Site] = {
    s.key: s
    for s in (
        Site(
            key="wartanusantara",
            name="Warta Nusantara",
            domain="wartanusantara.id",
            tagline="Berita Nasional dan Daerah Terkini",
            article_path="/berita/{rid}/{slug}",
            article_pattern=r"^/berita/[a-z0-9]+/[a-z0-9-]+$",
            listing="/daerah",
            section="/kanal/{topic}",
            page_style="query",
            feed="/rss",
            feed_kind="rss",
            sitemaps=("/sitemap-news.xml", "/sitemap.xml"),
            disallow="/cari/",
            dateline="WARTANUSANTARA.ID, {city} - ",
            static_pages=("/tentang-kami", "/redaksi", "/pedoman-media-siber"),
            tracking={
                "home": "utm_source=wartanusantara&utm_medium=headline&utm_campaign=beranda",
                "sidebar": "utm_source=wartanusantara&utm_medium=terpopuler",
            },
            schedule="15m",
            amp=True,
            meta_dates=True,
            search="/cari/",
        ),
        Site(
            key="sumselpos",
            name="Sumsel Pos",
            domain="sumselpos.co.id",
            tagline="Berita Sumatera Selatan Terkini",
            article_path="/{y}/{m}/{d}/{slug}/",
            article_pattern=r"^/\d{4}/\d{2}/\d{2}/[a-z0-9-]+/$",
            listing="/category/sumsel/",
            section="/category/{topic}/",
            page_style="path",
            feed="/feed/",
            feed_kind="rss",
            sitemaps=("/sitemap_index.xml",),
            disallow="/wp-admin/",
            dateline="{city}– ",
            static_pages=("/redaksi/", "/kontak/", "/pedoman-media-siber/"),
            region="Sumatera Selatan",
            meta_dates=True,
        ),
        Site(
            key="sumaterakabar",
            name="Sumatera Kabar",
            domain="sumaterakabar.co.id",
            tagline="Kabar Banyuasin dan Sumatera Selatan",
            article_path="/{y}/{m}/{slug}/",
            article_pattern=r"^/\d{4}/\d{2}/[a-z0-9-]+/$",
            listing="/category/sumsel/",
            section="/category/{topic}/",
            page_style="path",
            feed="/feed/",
            feed_kind="rss",
            sitemaps=("/sitemap.xml",),
            disallow="/wp-admin/",
            dateline="Sumaterakabar.co.id, {city}— ",
            static_pages=("/redaksi/", "/kontak/"),
            region="Kabupaten Banyuasin",
            schedule="1h",
        ),
        Site(
            key="infodaerah",
            name="InfoDaerah",
            domain="infodaerah.go.id",
            tagline="Portal Informasi Publik Daerah",
            article_path="/kategori/nusantara/{nid}/{slug}",
            article_pattern=r"^/kategori/[a-z-]+/\d+/[a-z0-9-]+$",
            listing="/kategori/nusantara",
            section="/kategori/{topic}",
            page_style="query",
            feed="/feed.atom",
            feed_kind="atom",
            sitemaps=("/sitemap.xml",),
            disallow="/admin/",
            dateline="{City}, InfoDaerah - ",
            static_pages=("/tentang", "/kontak"),
            schedule="2h",
        ),
        Site(
            key="jurnalsilampari",
            name="Jurnal Silampari",
            domain="jurnalsilampari.com",
            tagline="Jendela Informasi Bumi Silampari",
            article_path="/{y}/{m}/{slug}.html",
            article_pattern=r"^/\d{4}/\d{2}/[a-z0-9-]+\.html$",
            listing="/berita/",
            section="/kategori/{topic}/",
            page_style="path",
            feed="/feed",
            feed_kind="rss",
            sitemaps=("/sitemap.xml",),
            disallow="/wp-admin/",
            dateline="{City}, JS – ",
            static_pages=("/redaksi/", "/kontak/"),
            region="Kabupaten Musi Rawas",
            schedule="1h",
            mobile=True,
            charset_tricks=True,
        ),
        Site(
            key="palembangkini",
            name="Palembang Kini",
            domain="palembangkini.com",
            tagline="Berita Palembang Hari Ini",
            article_path="/{y}/{m}/{d}/{slug}",
            article_pattern=r"^/\d{4}/\d{2}/\d{2}/[a-z0-9-]+$",
            listing="/news",
            section="/topic/{topic}",
            page_style="query",
            feed="/rss",
            feed_kind="rss",
            sitemaps=("/sitemap.xml", "/sitemap-news.xml"),
            disallow="/search",
            dateline="PALEMBANGKINI.COM, {city} - ",
            static_pages=("/redaksi", "/pedoman-media-siber"),
            tracking={
                "home": "ref=hl",
                "listing": "utm_source=palembangkini&utm_medium=index",
                "sidebar": "ref=terpopuler",
                "related": "ref=terkait",
            },
            region="Kota Palembang",
            schedule="15m",
            split=True,
            meta_dates=True,
            search="/search",
        ),
    )
}

TOPIC_LABELS = {
    "smart-city": "Smart City",
    "pemerintahan": "Pemerintahan",
    "banjir": "Banjir",
    "kriminal": "Kriminal",
    "olahraga": "Olahraga",
    "ekonomi": "Ekonomi",
    "politik": "Politik",
    "kesehatan": "Kesehatan",
    "pendidikan": "Pendidikan",
    "lingkungan": "Lingkungan",
}


def digest(*parts: str) -> int:
    """A stable integer hash of ``parts`` (deterministic choices and ids)."""
    return int(hashlib.sha1("\x1f".join(parts).encode()).hexdigest()[:12], 16)


def slugify(text: str, max_len: int = 80) -> str:
    """URL slug of a title the way news CMSs make them, cut at a word boundary."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    out = ""
    for w in words:
        if out and len(out) + 1 + len(w) > max_len:
            break
        out = f"{out}-{w}" if out else w
    return out or "berita"


def _base36(n: int, width: int) -> str:
    chars = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    for _ in range(width):
        n, r = divmod(n, 36)
        out = chars[r] + out
    return out


def article_path(copy: Copy) -> str:
    """Canonical URL path of ``copy`` on its site."""
    site = SITES[copy.site]
    p = copy.published
    return site.article_path.format(
        slug=slugify(copy.title),
        rid="r" + _base36(digest(copy.site, copy.slug), 8),
        nid=str(100000 + digest(copy.site, copy.slug) % 900000),
        y=f"{p.year:04d}",
        m=f"{p.month:02d}",
        d=f"{p.day:02d}",
    )


def amp_path(copy: Copy) -> str:
    """Path of the AMP variant (wartanusantara)."""
    return "/amp" + article_path(copy)


def listing_page_path(base: str, site: Site, n: int) -> str:
    """Path (with query) of page ``n`` (1-based) of the listing at ``base``."""
    if n <= 1:
        return base
    if site.page_style == "query":
        return f"{base}?page={n}"
    return f"{base.rstrip('/')}/page/{n}/"


def dateline_prefix(copy: Copy) -> str:
    """The dateline prefix ``copy``'s site puts before the first paragraph."""
    city = copy.dateline
    return SITES[copy.site].dateline.format(city=city, City=city.title())


def page_chunks(site: str, paragraphs: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The paragraphs of each page of an article (split only on palembangkini)."""
    n = len(paragraphs)
    if not SITES[site].split or n < SPLIT_MIN:
        return [paragraphs]
    pages = 3 if n >= SPLIT_THREE else 2
    size, extra = divmod(n, pages)
    chunks, start = [], 0
    for i in range(pages):
        end = start + size + (1 if i < extra else 0)
        chunks.append(paragraphs[start:end])
        start = end
    return chunks


def site_catalog(stories: list[Story]) -> dict[str, list[Copy]]:
    """Copies per site, newest first; every site key present; article paths checked unique."""
    catalog: dict[str, list[Copy]] = {key: [] for key in SITES}
    seen: dict[tuple[str, str], Copy] = {}
    for copy in all_copies(stories):
        path = article_path(copy)
        other = seen.get((copy.site, path))
        if other is not None:
            raise ValueError(
                f"stories {other.slug!r} and {copy.slug!r} get the same URL {path} on {copy.site}; change one title"
            )
        seen[(copy.site, path)] = copy
        catalog[copy.site].append(copy)
    return catalog
