"""The spider's typed item (crawler/items.py): what the spider fills in, and what Scrapy and the
log lines see of it."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from itemadapter import ItemAdapter
from scrapy.http import HtmlResponse, Request

from crawler.items import ArticlePage
from crawler.logformat import PageLogFormatter
from crawler.spiders.news import NewsSpider

URL = "http://warta.id/2026/06/01/kabar-kota-cerdas/"
BODY = b"<html><body><article><p>Kabar kota cerdas.</p></article></body></html>"
WARC = {"file": "/data/warc/kabar-1.warc.gz", "offset": 120, "length": 900}


def _spider() -> NewsSpider:
    spider = NewsSpider(source="warta")
    spider.run = SimpleNamespace(archive=SimpleNamespace(engine=None))
    return spider


def _response(status: int = 200, **meta) -> HtmlResponse:
    request = Request(
        URL, meta={"found_at": "http://warta.id/feed/", "requested": URL + "?utm_source=rss", "warc": WARC, **meta}
    )
    return HtmlResponse(
        URL,
        status=status,
        body=BODY,
        encoding="utf-8",
        request=request,
        headers={"ETag": '"v1"', "Last-Modified": "Mon, 01 Jun 2026 02:00:00 GMT"},
    )


def test_the_spider_yields_an_article_page_with_the_fetch_filled_in():
    before = datetime.now(UTC)
    (page,) = _spider().parse_article(_response())
    assert isinstance(page, ArticlePage)
    assert (page.url, page.status, page.body, page.encoding) == (URL, 200, BODY, "utf-8")
    assert (page.found_at, page.requested, page.warc) == ("http://warta.id/feed/", URL + "?utm_source=rss", WARC)
    assert (page.etag, page.last_modified) == ('"v1"', "Mon, 01 Jun 2026 02:00:00 GMT")
    assert before <= page.fetched_at <= datetime.now(UTC)
    # what the pipelines fill in is still unset
    assert (page.revisit_of, page.article, page.tags, page.signature, page.text_hash, page.stems) == (None,) * 6
    assert (page.page_warc, page.canonical, page.article_id) == ([], None, None)


def test_a_changed_revisited_article_names_the_article_it_revisits():
    (page,) = _spider().parse_revisit(_response(article_id=42))
    assert isinstance(page, ArticlePage) and page.revisit_of == 42


def test_scrapy_takes_it_as_an_item_with_every_field():
    page = ArticlePage(url=URL, status=200, body=BODY, encoding="utf-8", fetched_at=datetime.now(UTC))
    adapter = ItemAdapter(page)
    assert ItemAdapter.is_item(page)
    assert list(adapter.field_names()) == [
        "url",
        "status",
        "body",
        "encoding",
        "fetched_at",
        "found_at",
        "requested",
        "etag",
        "last_modified",
        "warc",
        "revisit_of",
        "article",
        "tags",
        "signature",
        "text_hash",
        "stems",
        "page_warc",
        "canonical",
        "article_id",
    ]
    adapter["canonical"] = URL
    assert page.canonical == URL
    with pytest.raises(KeyError):  # a typo is an error, not a new key
        adapter["canonnical"] = URL


def test_it_is_picklable_and_its_repr_leaves_the_body_out():
    page = ArticlePage(
        url=URL,
        status=200,
        body=BODY * 1000,
        encoding="utf-8",
        fetched_at=datetime(2026, 6, 1, tzinfo=UTC),
        warc=WARC,
        tags={"score": 2.0},
    )
    copy = pickle.loads(pickle.dumps(page))
    assert (copy.url, copy.body, copy.warc, copy.tags) == (page.url, page.body, WARC, {"score": 2.0})
    assert not hasattr(page, "__dict__")  # slots: no per-item dict
    assert "body" not in repr(page) and len(repr(page)) < 500


def test_the_extracted_article_is_asked_for_only_after_extraction():
    page = ArticlePage(url=URL, status=200, body=BODY, encoding="utf-8", fetched_at=datetime.now(UTC))
    with pytest.raises(ValueError, match="not extracted yet"):
        _ = page.extracted


def test_log_lines_name_the_page_by_its_url():
    page = ArticlePage(url=URL, status=200, body=BODY, encoding="utf-8", fetched_at=datetime.now(UTC))
    spider = _spider()
    formatter = PageLogFormatter()
    line = formatter.scraped(page, _response(), spider)
    assert line["args"]["item"] == URL
    failed = formatter.item_error(page, ValueError("x"), _response(), spider)
    assert failed["args"]["item"] == URL
