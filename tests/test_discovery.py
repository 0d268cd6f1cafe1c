"""Finding article URLs in feeds, sitemaps and listing pages, including broken ones."""

import gzip
import re
from datetime import UTC, datetime

from crawler.discovery import filter_since, parse_feed, parse_listing, parse_sitemap

RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Sumsel Pos</title>
<item><title>Muba Raih Nilai Tertinggi</title><link>https://sumselpos.id/2022/12/27/muba-raih/</link>
<pubDate>Tue, 27 Dec 2022 06:32:00 +0000</pubDate></item>
<item><title>Banjir Palembang</title><link>/2023/01/02/banjir-palembang/</link></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>InfoDaerah</title>
<entry><title>Banyuasin 25 Besar</title><link href="https://infodaerah.id/berita/1/banyuasin"/>
<updated>2017-05-09T06:17:00+07:00</updated></entry></feed>"""

SITEMAP_INDEX = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>https://sumselpos.id/post-sitemap.xml</loc></sitemap>
<sitemap><loc>https://sumselpos.id/page-sitemap.xml</loc></sitemap>
<sitemap><loc>https://sumselpos.id/category-sitemap.xml</loc></sitemap>
<sitemap><loc>https://sumselpos.id/news-sitemap.xml</loc></sitemap></sitemapindex>"""

NEWS_SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
 xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>https://warta.id/berita/101/muba-cerdas</loc><news:news>
<news:publication_date>2022-12-27T13:32:00+07:00</news:publication_date></news:news></url>
<url><loc>https://warta.id/berita/102/banjir</loc><lastmod>2019-01-01</lastmod></url>
</urlset>"""

LISTING = """<html><body><nav><a href="/">Beranda</a><a href="/kategori/sumsel">Sumsel</a></nav>
<div class="posts">
<a href="/2021/12/15/muara-enim-raih-penghargaan-smart-branding/?utm_source=home">Muara Enim</a>
<a href="/2021/12/15/muara-enim-raih-penghargaan-smart-branding/?utm_source=home">again</a>
<a href="https://other.example/2021/12/15/not-ours-at-all/">elsewhere</a>
<a href="/wp-content/uploads/2021/12/foto-bupati-muara-enim.jpg">foto</a>
</div>
<div class="pagination"><a href="/category/muara-enim/page/2/">2</a>
<a href="/category/muara-enim/page/2/">Selanjutnya</a></div></body></html>"""


def test_rss_items_with_dates_and_relative_links():
    found = parse_feed(RSS, "https://sumselpos.id/feed/")
    assert found.error is None
    assert found.articles[0] == (
        "https://sumselpos.id/2022/12/27/muba-raih/",
        datetime(2022, 12, 27, 6, 32, tzinfo=UTC),
    )
    assert found.articles[1] == ("https://sumselpos.id/2023/01/02/banjir-palembang/", None)


def test_atom_entries():
    found = parse_feed(ATOM, "https://infodaerah.id/feed.atom")
    assert [u for u, _ in found.articles] == ["https://infodaerah.id/berita/1/banyuasin"]


def test_malformed_feed_is_an_error_not_an_exception():
    found = parse_feed(b"<html><body>Maintenance</body></html>", "https://a.id/feed/")
    assert found.articles == [] and found.error


def test_sitemap_index_and_news_sitemap():
    index = parse_sitemap(SITEMAP_INDEX, "https://sumselpos.id/sitemap_index.xml")
    # taxonomy and static-page sitemaps are not followed: they list no articles
    assert index.sitemaps == ["https://sumselpos.id/post-sitemap.xml", "https://sumselpos.id/news-sitemap.xml"]
    news = parse_sitemap(gzip.compress(NEWS_SITEMAP), "https://warta.id/sitemap-news.xml.gz")
    assert [u for u, _ in news.articles] == [
        "https://warta.id/berita/101/muba-cerdas",
        "https://warta.id/berita/102/banjir",
    ]
    since = datetime(2020, 1, 1, tzinfo=UTC)
    assert filter_since(news.articles, since) == ["https://warta.id/berita/101/muba-cerdas"]


def test_broken_sitemaps_are_errors():
    assert parse_sitemap(b"\x1f\x8bnot gzip", "https://a.id/s.xml.gz").error
    assert parse_sitemap(b"<html><p>hi</p></html>", "https://a.id/s.xml").error
    assert parse_sitemap(b"", "https://a.id/s.xml").error


def test_listing_links_pattern_and_pagination():
    pattern = re.compile(r"/\d{4}/\d{2}/\d{2}/[^/]+/?$")
    found = parse_listing(LISTING, "https://sumselpos.id/category/muara-enim/", pattern)
    assert [u for u, _ in found.articles] == [
        "https://sumselpos.id/2021/12/15/muara-enim-raih-penghargaan-smart-branding/?utm_source=home"
    ]
    assert found.next_pages == ["https://sumselpos.id/category/muara-enim/page/2/"]


def test_listing_default_pattern_skips_navigation():
    found = parse_listing(LISTING, "https://sumselpos.id/category/muara-enim/", None)
    urls = [u for u, _ in found.articles]
    assert urls == ["https://sumselpos.id/2021/12/15/muara-enim-raih-penghargaan-smart-branding/?utm_source=home"]


def test_listing_of_garbage_does_not_raise():
    assert parse_listing(b"\x00\x01\x02", "https://a.id/", None).articles == []
    assert parse_listing("", "https://a.id/", None).articles == []
