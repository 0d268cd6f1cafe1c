"""Exact totals, counts and sort orders through the web: ``/api/counts``, ``sort=`` and
``all_copies=`` on ``/api/search``, the search page's chart, facets and paging links, and the
feed's total, against the generated archive whose true answers are known
(tests/support/planted; storage.counts itself is checked on both backends in test_counts)."""

from __future__ import annotations

import json
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import feedparser
import lxml.html
import pytest
from fastapi.testclient import TestClient

from jobs.web import create_app
from storage.counts import counts
from storage.request import BY, SearchRequest
from tests.support.planted import COMMON, DENSE_ID, RARE, WIB, expected_counts, load, matching, planted_articles
from tests.support.runner import make_runner

ARTICLES = planted_articles()


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    """The app over the planted archive (SQLite), with its engine and database URL."""
    from storage.db import open_archive

    url = f"sqlite:///{tmp_path_factory.mktemp('planted-web') / 'kabar.db'}"
    engine = open_archive(url)
    load(engine, ARTICLES)
    with TestClient(create_app(engine)) as client:
        client.engine, client.url = engine, url
        yield client
    engine.dispose()


def stories(found) -> int:
    return len({a.story for a in found})


# -- /api/counts --------------------------------------------------------------------------

CASES = [
    ({}, {}),
    ({"q": COMMON}, {"word": COMMON}),
    (
        {"q": COMMON, "source": "situs2", "region": "Palembang"},
        {"word": COMMON, "source": "situs2", "region": "Palembang"},
    ),
    (
        {"q": RARE, "since": "2023-06-01", "until": "2024-02-29"},
        {"word": RARE, "since": datetime(2023, 6, 1, tzinfo=WIB), "until": datetime(2024, 3, 1, tzinfo=WIB)},
    ),
    ({"q": COMMON, "dimension": "economy"}, {"word": COMMON, "dimension": "economy"}),
]


@pytest.mark.parametrize("by", BY)
@pytest.mark.parametrize("all_copies", [False, True], ids=["stories", "articles"])
@pytest.mark.parametrize(("params", "expect"), CASES)
def test_api_counts_are_the_true_counts(web, params, expect, by, all_copies):
    expect = dict(expect)
    found = matching(ARTICLES, expect.pop("word", None), **expect)
    total, expected, undated = expected_counts(found, by, stories=not all_copies)
    response = web.get("/api/counts", params={**params, "by": by, "all_copies": str(all_copies).lower()})
    assert response.status_code == 200, response.text
    record = response.json()
    keys = {"query", "by", "total", "counts"} | ({"undated"} if by in ("day", "week", "month", "year") else set())
    assert set(record) == keys
    assert record["query"] == params.get("q", "") and record["by"] == by
    assert record["total"] == total and record["counts"] == expected and record.get("undated", 0) == undated
    assert list(record["counts"]) == list(expected_order(by, record["counts"]))
    # the same numbers as the total of /api/search
    search = web.get("/api/search", params={**params, "all_copies": str(all_copies).lower(), "per_page": 1}).json()
    assert search["total"] == total


def expected_order(by: str, found: dict[str, int]) -> list[str]:
    if by in ("day", "week", "month", "year"):
        return sorted(found)
    return [k for k, _ in sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))]


def test_api_counts_default_to_stories_by_month_and_equal_storage_counts(web):
    record = web.get("/api/counts", params={"q": COMMON}).json()
    found = counts(web.engine, SearchRequest(query=COMMON), "month", tz=WIB)
    assert record == {
        "query": COMMON,
        "by": "month",
        "total": found.total,
        "counts": found.counts,
        "undated": found.undated,
    }


def test_api_counts_share_of_every_story_per_period(web):
    record = web.get("/api/counts", params={"q": RARE, "by": "year", "share": "true"}).json()
    _, every, _ = expected_counts(matching(ARTICLES), "year")
    assert record["all"] == every
    assert set(record["share"]) == set(record["counts"])
    for year, n in record["counts"].items():
        assert record["share"][year] == pytest.approx(n / every[year])


def test_api_counts_is_kabar_count_json(web, tmp_path):
    kabar = make_runner(tmp_path, web.url, None)
    result = kabar("count", COMMON, "--by", "week", "--source", "situs1", "--share", "--format", "json")
    assert result.returncode == 0, result.stderr
    api = web.get("/api/counts", params={"q": COMMON, "by": "week", "source": "situs1", "share": "true"})
    assert api.json() == json.loads(result.stdout)


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"by": "decade"}, "by: input should be 'day'"),
        ({"by": "source", "share": "true"}, "share is for counts over time"),
        ({"share": "sometimes"}, "share"),
        ({"since": "kemarin"}, "since"),
        ({"since": "2024-05-01", "until": "2024-01-01"}, "before"),
        ({"q": '"open'}, "quote"),
        ({"dimension": "beauty"}, "dimension"),
        ({"all_copies": "perhaps"}, "all_copies"),
    ],
)
def test_api_counts_refuses_bad_parameters_with_a_400(web, params, says):
    response = web.get("/api/counts", params=params)
    assert response.status_code == 400, response.text
    assert says in response.json()["detail"].lower()


# -- sort and all_copies ------------------------------------------------------------------


def test_sort_orders_the_api_the_page_and_the_feed(web):
    def ids(**params) -> list[int]:
        return [h["id"] for h in web.get("/api/search", params={"per_page": 100, **params}).json()["results"]]

    truth = sorted((a for a in matching(ARTICLES, RARE) if a.published), key=lambda a: a.published)
    assert ids(q=RARE, sort="oldest", all_copies="true")[: len(truth)] == [a.id for a in truth]
    assert ids(q=RARE, sort="newest", all_copies="true")[: len(truth)] == [a.id for a in reversed(truth)]
    assert ids(q=COMMON)[0] == DENSE_ID == ids(q=COMMON, sort="relevance")[0]
    assert DENSE_ID not in ids(q=COMMON, sort="newest")
    page = lxml.html.document_fromstring(web.get("/", params={"q": RARE, "sort": "oldest", "all_copies": "true"}).text)
    assert page.cssselect("#sort option[selected]")[0].get("value") == "oldest"
    assert page.cssselect("#all_copies")[0].get("checked") is not None
    shown = [int(a.get("href").rsplit("/", 1)[1]) for a in page.cssselect("li.hit h2 a")]
    assert shown == [a.id for a in truth[:20]]
    # the feed takes the oldest 50 hits (shown newest first)
    feed = feedparser.parse(web.get("/feed.atom", params={"q": RARE, "sort": "oldest", "all_copies": "true"}).content)
    assert {int(e.link.rsplit("/", 1)[1]) for e in feed.entries} == {a.id for a in truth[:50]}


def test_all_copies_counts_articles_everywhere(web):
    articles = len(matching(ARTICLES, COMMON))
    assert web.get("/api/search", params={"q": COMMON, "all_copies": "true"}).json()["total"] == articles
    page = lxml.html.document_fromstring(web.get("/", params={"q": COMMON, "all_copies": "1"}).text)
    assert page.cssselect("#total")[0].text_content() == f"{articles:,} articles"


# -- the search page ----------------------------------------------------------------------


def test_search_page_shows_the_exact_total_a_chart_and_facets(web):
    params = {"q": COMMON, "region": "Palembang"}
    found = matching(ARTICLES, COMMON, region="Palembang")
    total, per_month, undated = expected_counts(found, "month")
    assert total > 500
    doc = lxml.html.document_fromstring(web.get("/", params=params).text)
    assert doc.cssselect("#total")[0].text_content() == f"{total:,} stories"
    svg = doc.xpath("//svg[@id='matches-timeline']")[0]
    assert svg.get("data-by") == "month"
    bars = svg.xpath(".//rect[@class='bar']")
    assert {b.get("data-key"): int(b.get("data-count")) for b in bars if b.get("data-count") != "0"} == per_month
    assert f"{undated:,} stories without a date" in doc.cssselect(".matches .note")[0].text_content()
    for key in ("source", "region", "dimension"):
        shown = {
            li.cssselect("a")[0].text_content().removeprefix("smart "): int(li.cssselect(".n")[0].text)
            for li in doc.cssselect(f"#facet-{key} li")
        }
        assert shown == expected_counts(found, key)[1], key
    # a facet value adds its filter (from the first page); the one in use takes it out again
    situs2 = next(a for a in doc.cssselect("#facet-source a") if a.text_content() == "situs2")
    added = parse_qs(urlsplit(situs2.get("href")).query)
    assert added == {"q": [COMMON], "region": ["Palembang"], "source": ["situs2"]}
    palembang = doc.cssselect("#facet-region a.on")[0]
    assert palembang.text_content() == "Palembang"
    assert parse_qs(urlsplit(palembang.get("href")).query) == {"q": [COMMON]}
    narrowed = web.get("/", params=added)
    narrowed_total = stories(matching(ARTICLES, COMMON, region="Palembang", source="situs2"))
    assert lxml.html.document_fromstring(narrowed.text).cssselect("#total")[0].text_content() == (
        f"{narrowed_total:,} stories"
    )


def test_a_short_span_is_charted_by_day_and_a_bare_or_empty_page_has_no_chart(web):
    doc = lxml.html.document_fromstring(
        web.get("/", params={"q": RARE, "since": "2024-01-01", "until": "2024-02-15"}).text
    )
    svg = doc.xpath("//svg[@id='matches-timeline']")[0]
    found = matching(ARTICLES, RARE, since=datetime(2024, 1, 1, tzinfo=WIB), until=datetime(2024, 2, 16, tzinfo=WIB))
    per_day = expected_counts(found, "day")[1]
    assert svg.get("data-by") == "day"
    bars = svg.xpath(".//rect[@class='bar']")
    assert {b.get("data-key"): int(b.get("data-count")) for b in bars if b.get("data-count") != "0"} == per_day
    bare = lxml.html.document_fromstring(web.get("/").text)
    assert not bare.xpath("//svg") and not bare.cssselect("#facets")
    assert bare.cssselect("#total")[0].text_content() == f"{stories(matching(ARTICLES)):,} stories"
    nothing = lxml.html.document_fromstring(web.get("/", params={"q": "tidakadasamasekali"}).text)
    assert not nothing.xpath("//svg") and not nothing.cssselect("#facets")
    assert nothing.cssselect("#total")[0].text_content() == "No stories"


def test_paging_links_keep_per_page_and_sort(web):
    doc = lxml.html.document_fromstring(web.get("/", params={"q": COMMON, "per_page": 5, "sort": "oldest"}).text)
    query = parse_qs(urlsplit(doc.cssselect("a[rel=next]")[0].get("href")).query)
    assert query == {"q": [COMMON], "per_page": ["5"], "sort": ["oldest"], "page": ["2"]}
    second = lxml.html.document_fromstring(web.get("/", params=query).text)
    assert second.cssselect("ol.results")[0].get("start") == "6"
    assert len(second.cssselect("li.hit")) == 5
    back = parse_qs(urlsplit(second.cssselect("a[rel=prev]")[0].get("href")).query)
    assert back == {"q": [COMMON], "per_page": ["5"], "sort": ["oldest"]}
    # the default page size stays out of the links
    default = lxml.html.document_fromstring(web.get("/", params={"q": COMMON, "per_page": 20}).text)
    assert "per_page" not in default.cssselect("a[rel=next]")[0].get("href")


def test_the_feed_gives_the_exact_total(web):
    response = web.get("/feed.atom", params={"q": COMMON, "source": "situs3"})
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert len(parsed.entries) == 50
    assert int(parsed.feed.opensearch_totalresults) == stories(matching(ARTICLES, COMMON, source="situs3"))
