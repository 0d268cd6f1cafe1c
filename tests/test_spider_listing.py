"""The news spider follows a listing's pagination once per run: every page of a listing links
its neighbours, and only the first link to a page asks the archive for its validators."""

from __future__ import annotations

from types import SimpleNamespace

from scrapy.http import HtmlResponse, Request

from crawler.spiders.news import NewsSpider

BASE = "https://warta.id/kanal/smart-city/"


def _page(number: int, last: int) -> bytes:
    links = "".join(f'<a href="{BASE}page/{n}/">{n}</a>' for n in range(1, last + 1) if n != number)
    return f"<html><body><h1>Smart City</h1><nav>{links}</nav></body></html>".encode()


class _Archive:
    def __init__(self) -> None:
        self.looked_up: list[str] = []

    def fetch_info(self, url: str) -> None:
        self.looked_up.append(url)
        return None


def _spider() -> tuple[NewsSpider, _Archive]:
    spider = NewsSpider(source="warta")
    archive = _Archive()
    spider.run = SimpleNamespace(
        archive=archive,
        known_urls=set(),
        source=SimpleNamespace(article_regex=None),
        error=lambda message: None,
    )
    spider.backfill, spider.max_depth, spider.allowed_hosts = False, 5, {"warta.id"}
    return spider, archive


def _parse(spider: NewsSpider, number: int, last: int, depth: int) -> list[str]:
    url = f"{BASE}page/{number}/"
    request = Request(url, meta={"depth_listing": depth})
    response = HtmlResponse(url, body=_page(number, last), encoding="utf-8", request=request)
    return [r.url for r in spider.parse_listing(response)]


def test_each_listing_page_is_requested_and_looked_up_once():
    spider, archive = _spider()
    assert [r.url for r in spider._follow(f"{BASE}page/1/", spider.parse_listing, "listing", 0)] == [f"{BASE}page/1/"]
    first = _parse(spider, 1, 4, depth=0)
    assert first == [f"{BASE}page/{n}/" for n in (2, 3, 4)]
    assert _parse(spider, 2, 4, depth=1) == []  # pages 1, 3 and 4 are known already
    assert _parse(spider, 3, 5, depth=2) == [f"{BASE}page/5/"]  # a page that appears later
    assert archive.looked_up == [f"{BASE}page/1/", *first, f"{BASE}page/5/"]
