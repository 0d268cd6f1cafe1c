"""Canonical URLs and same-site checks (crawler.urls)."""

from datetime import UTC

import pytest

from crawler.urls import TRACKING_PARAMS, canonicalize, same_site


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # scheme and host lower-cased, default port dropped, fragment dropped
        ("HTTPS://Www.Republika.CO.ID:443/berita/rnk1/judul#komentar", "https://www.republika.co.id/berita/rnk1/judul"),
        ("http://example.id:80/a", "http://example.id/a"),
        # a non-default port is kept (the example sites run one port per site)
        ("http://127.0.0.1:8001/berita/1", "http://127.0.0.1:8001/berita/1"),
        # tracking parameters of every kind
        ("https://x.id/a?utm_source=fb&utm_medium=social&utm_campaign=c", "https://x.id/a"),
        ("https://x.id/a?fbclid=IwAR0&gclid=abc&ref=home", "https://x.id/a"),
        ("https://x.id/a?_ga=2.1&mc_cid=1&mc_eid=2", "https://x.id/a"),
        # the rest of the query sorted, content parameters kept
        ("https://x.id/read?page=2&id=15&utm_term=x", "https://x.id/read?id=15&page=2"),
        # mobile switch "?m=1" (Blogger) but not other values of m
        ("https://jurnal.blogspot.com/2018/02/aplikasi.html?m=1", "https://jurnal.blogspot.com/2018/02/aplikasi.html"),
        ("https://x.id/search?m=mei", "https://x.id/search?m=mei"),
        # AMP forms: trailing /amp, /amp/, ?amp, ?amp=1
        ("https://x.id/berita/judul/amp", "https://x.id/berita/judul"),
        ("https://x.id/berita/judul/amp/", "https://x.id/berita/judul"),
        ("https://x.id/berita/judul?amp", "https://x.id/berita/judul"),
        ("https://x.id/berita/judul?amp=1&page=2", "https://x.id/berita/judul?page=2"),
        # "amp" inside a path segment is not an AMP marker
        ("https://x.id/berita/lampung-kota", "https://x.id/berita/lampung-kota"),
        # empty path becomes "/"
        ("https://x.id", "https://x.id/"),
        # percent-encoding spelled one way
        ("https://x.id/caf%c3%a9", "https://x.id/caf%C3%A9"),
        ("https://x.id/café", "https://x.id/caf%C3%A9"),
    ],
)
def test_canonicalize(url, expected):
    assert canonicalize(url) == expected


def test_canonicalize_is_idempotent():
    url = "HTTPS://Www.X.id:443/a/amp/?b=2&a=1&utm_source=x#f"
    once = canonicalize(url)
    assert canonicalize(once) == once


def test_canonicalize_leaves_non_http_alone():
    assert canonicalize("mailto:redaksi@x.id") == "mailto:redaksi@x.id"
    assert canonicalize("") == ""
    assert canonicalize("   ") == ""


def test_tracking_params_are_data():
    assert "fbclid" in TRACKING_PARAMS and "ref" in TRACKING_PARAMS and "amp" in TRACKING_PARAMS


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("https://www.republika.co.id/a", "https://republika.co.id/b", True),
        ("https://m.tribunnews.com/a", "https://sumsel.tribunnews.com/b", True),
        ("http://x.id/a", "https://x.id/b", True),
        ("https://a.co.id/", "https://b.co.id/", False),
        ("http://127.0.0.1:8001/a", "http://127.0.0.1:8001/b", True),
        ("http://127.0.0.1:8001/a", "http://127.0.0.1:8002/a", False),
        ("https://x.id/", "not a url", False),
        ("", "", False),
    ],
)
def test_same_site(a, b, expected):
    assert same_site(a, b) is expected


def test_mobile_host_declaring_its_desktop_canonical_is_one_article():
    from datetime import datetime
    from types import SimpleNamespace

    from crawler.items import ArticlePage
    from crawler.pipelines.dedup import canonical_url

    def item(url: str, declared: str) -> ArticlePage:
        return ArticlePage(
            url=url,
            status=200,
            body=b"",
            encoding="utf-8",
            fetched_at=datetime.now(UTC),
            article=SimpleNamespace(canonical_url=declared),
        )

    mobile = item("https://m.sumselpos.id/2021/12/15/muba/?utm_source=wa", "https://www.sumselpos.id/2021/12/15/muba/")
    assert canonical_url(mobile) == "https://www.sumselpos.id/2021/12/15/muba/"
    elsewhere = item("https://m.sumselpos.id/x/", "https://other-portal.id/berita/1/muba")
    assert canonical_url(elsewhere) == "https://m.sumselpos.id/x/"
