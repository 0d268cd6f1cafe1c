"""``kabar serve``'s application through FastAPI's TestClient: the pages, the JSON API, the
Atom feed, the sandboxed archived originals, hostile scraped text, malformed queries,
hidden articles and the serve/auth rules. The real browser run is tests/test_web_browser.py."""

from __future__ import annotations

import base64
import http.client
import re
import socket
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree

import feedparser
import lxml.html
import pytest
from fastapi.testclient import TestClient

from jobs.errors import UsageError
from jobs.web import create_app, timeline
from jobs.web.feed import ATOM
from jobs.web.original import ORIGINAL_CSP
from jobs.web.serve import auth_settings
from tests.support.hostile import HIDDEN_WORD, XSS_TITLE, add_hostile
from tests.support.runner import RUN_FIELDS, kabar_serve


def assert_inert(html: str) -> None:
    """No script elements, no event-handler attributes, no javascript: URLs in ``html``."""
    doc = lxml.html.document_fromstring(html)
    assert doc.xpath("//script") == []
    for el in doc.iter():
        if not isinstance(el.tag, str):
            continue
        for name, value in el.attrib.items():
            assert not name.lower().startswith("on"), (el.tag, name, value)
            assert not value.strip().lower().startswith("javascript:"), (el.tag, name, value)


# -- fixtures -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(crawled):
    """The app over the crawled example sites (read-only)."""
    from storage.db import open_archive

    runner, _ = crawled
    engine = open_archive(runner.database_url)
    with TestClient(create_app(engine)) as client:
        yield client
    engine.dispose()


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """An app over a small archive: the storage sample articles plus the hostile ones."""
    from storage.archive import Archive
    from storage.db import open_archive
    from tests.support.articles import ARTICLES

    workdir = tmp_path_factory.mktemp("hostile")
    engine = open_archive(f"sqlite:///{workdir / 'kabar.db'}")
    archive = Archive(engine)
    sumsel = archive.ensure_source("sumsel", "https://sumselupdate.example/")
    for fields in ARTICLES.values():
        archive.add_article({**fields, "source_id": sumsel})
    ids = add_hostile(engine, workdir)
    with TestClient(create_app(engine)) as client:
        client.ids = ids
        client.engine = engine
        yield client
    engine.dispose()


def story_hit(client: TestClient) -> dict:
    hits = client.get("/api/search", params={"q": "masterplan smart city OKI", "per_page": 50}).json()["results"]
    return next(h for h in hits if h["also_in"])


# -- search -------------------------------------------------------------------------------


def test_search_page_shows_stories_with_outlets_dates_tags_and_marked_snippets(demo):
    page = demo.get("/", params={"q": "masterplan smart city OKI"})
    assert page.status_code == 200
    doc = lxml.html.document_fromstring(page.text)
    hits = doc.cssselect("li.hit")
    assert hits
    assert doc.cssselect("li.hit .snippet mark")
    assert all(re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d WIB", h.cssselect("time")[0].text) for h in hits)
    also = [h for h in hits if h.cssselect(".also-in")]
    assert also, "a syndicated press release shows its other outlets"
    api = demo.get("/api/search", params={"q": "masterplan smart city OKI"}).json()
    assert [int(h.cssselect("h2 a")[0].get("href").rsplit("/", 1)[1]) for h in hits] == [
        r["id"] for r in api["results"]
    ]
    assert {r["story_id"] for r in api["results"]}.__len__() == len(api["results"])  # one hit per story
    assert any(r["regions"] for r in api["results"]) and any(r["dimensions"] for r in api["results"])
    assert all(
        re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+07:00", r["published"])
        for r in api["results"]
        if r["published"]
    )


def test_filters_use_the_cli_names_and_the_url_holds_the_whole_search(demo):
    params = {"q": "smart", "region": "Musi Banyuasin", "dimension": "governance", "per_page": 2}
    first = demo.get("/api/search", params=params).json()
    assert first["total"] > 2 and first["pages"] > 1 and len(first["results"]) == 2
    for hit in first["results"]:
        assert "Musi Banyuasin" in [r["name"] for r in hit["regions"]]
        assert "governance" in hit["dimensions"]
    page = demo.get("/", params={**params, "page": 1})
    doc = lxml.html.document_fromstring(page.text)
    assert doc.cssselect("select#region option[selected]")[0].get("value") == "Musi Banyuasin"
    assert doc.cssselect("#q")[0].get("value") == "smart"
    next_link = doc.cssselect("a[rel=next]")
    assert next_link  # two hits a page, as asked
    query = parse_qs(urlsplit(next_link[0].get("href")).query)
    assert {k: query[k] for k in ("q", "region", "dimension", "page")} == {
        "q": ["smart"],
        "region": ["Musi Banyuasin"],
        "dimension": ["governance"],
        "page": ["2"],
    }, query
    second = demo.get("/api/search", params={**params, "page": 2}).json()
    assert not {h["id"] for h in first["results"]} & {h["id"] for h in second["results"]}
    # the same filter by BPS code and by province
    by_code = demo.get("/api/search", params={**params, "region": "16.06"}).json()
    assert by_code["total"] == first["total"]
    assert demo.get("/api/search", params={"province": "Sumatera Selatan"}).json()["total"] > 0
    since = demo.get("/api/search", params={"since": "2020-01-01", "until": "2020-12-31", "per_page": 100}).json()
    assert since["results"] and all("2020-" in h["published"] for h in since["results"])
    assert demo.get("/api/search", params={"min_score": "1000"}).json()["total"] == 0


def test_pagination_links_keep_the_query(demo):
    page = demo.get("/")  # every story, newest first
    doc = lxml.html.document_fromstring(page.text)
    assert len(doc.cssselect("li.hit")) == 20
    href = doc.cssselect("a[rel=next]")[0].get("href")
    second = lxml.html.document_fromstring(demo.get(href).text)
    assert second.cssselect("ol.results")[0].get("start") == "21"
    assert second.cssselect("a[rel=prev]")


# -- article, story, original -------------------------------------------------------------


def test_article_page_shows_text_reasons_and_every_outlet_of_the_story(demo):
    hit = story_hit(demo)
    page = demo.get(f"/article/{hit['id']}")
    assert page.status_code == 200
    doc = lxml.html.document_fromstring(page.text)
    article = demo.get(f"/api/article/{hit['id']}").json()
    assert doc.cssselect("h1")[0].text_content() == article["title"]
    assert doc.cssselect(".reasons li") and article["reasons"]
    outlets = {li.cssselect(".outlet")[0].text for li in doc.cssselect("#story li")}
    assert outlets >= {hit["source"], *hit["also_in"]}
    links = {a.get("href") for a in doc.cssselect("#story a")}
    assert all(member["url"] in links for member in article["story"]["articles"])
    assert doc.cssselect("a#original")[0].get("href") == f"/article/{hit['id']}/original"
    story = demo.get(f"/api/story/{hit['story_id']}").json()
    assert {a["id"] for a in story["articles"]} == {a["id"] for a in article["story"]["articles"]}
    assert demo.get(f"/story/{hit['story_id']}", follow_redirects=False).status_code == 303
    assert demo.get("/api/story/999999").status_code == 404
    assert demo.get("/article/999999").status_code == 404
    assert demo.get("/api/article/999999").json() == {"detail": "no article 999999"}


def test_archived_original_is_served_sandboxed_from_the_warc_record(demo):
    hit = story_hit(demo)
    response = demo.get(f"/article/{hit['id']}/original")
    assert response.status_code == 200
    assert response.headers["content-security-policy"] == ORIGINAL_CSP
    assert response.headers["content-security-policy"].startswith(
        "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'"
    )
    assert "Archived copy of" in response.text
    assert_inert(response.text)
    doc = lxml.html.document_fromstring(response.text)
    assert not doc.xpath("//@src[not(starts-with(., 'data:'))] | //@href | //@srcset | //link | //iframe")
    title = demo.get(f"/api/article/{hit['id']}").json()["title"]
    assert title.split()[0] in response.text


def test_overview_counts_and_timeline_svg(demo):
    page = demo.get("/overview")
    assert page.status_code == 200
    doc = lxml.html.document_fromstring(page.text)
    bars = doc.xpath("//svg[@id='timeline']//rect[@class='bar']")
    assert bars
    stats = demo.get("/api/stats").json()
    per_month = stats["stories_per_month"]
    assert sum(int(b.get("data-count")) for b in bars) == sum(per_month.values())
    assert {b.get("data-key") for b in bars if b.get("data-count") != "0"} == set(per_month)
    assert all(float(b.get("height")) >= 0 for b in bars)
    regions = demo.get("/api/regions").json()
    names = [a.text for a in doc.cssselect("#regions td a")]
    assert names == [r["name"] for r in regions["regions"]]
    assert {"regions", "provinces", "dimensions"} <= set(regions)


def test_timeline_geometry():
    chart = timeline.build({"2023-11": 3, "2024-02": 6})
    assert [b.key for b in chart.bars] == ["2023-11", "2023-12", "2024-01", "2024-02"]
    assert [b.count for b in chart.bars] == [3, 0, 0, 6]
    tallest = max(chart.bars, key=lambda b: b.height)
    assert tallest.key == "2024-02" and tallest.y + tallest.height == chart.baseline
    assert timeline.build({}) is None
    # any period: ISO weeks across a year end, days across a month end, years
    weeks = timeline.build({"2020-W52": 1, "2021-W02": 2}, "week")
    assert [b.key for b in weeks.bars] == ["2020-W52", "2020-W53", "2021-W01", "2021-W02"]
    days = timeline.build({"2024-02-28": 1, "2024-03-01": 1}, "day")
    assert [b.key for b in days.bars] == ["2024-02-28", "2024-02-29", "2024-03-01"]
    assert [b.key for b in timeline.build({"2019": 4, "2021": 1}, "year").bars] == ["2019", "2020", "2021"]


def test_the_search_chart_reads_by_month_unless_the_matches_span_decades_or_weeks():
    assert timeline.period_for({"2023-01": 5, "2024-06": 1}) == "month"
    assert timeline.period_for({"2001-01": 5, "2024-06": 1}) == "year"
    assert timeline.period_for({"2024-05": 5, "2024-06": 1}) == "day"
    assert timeline.period_for({"2024-05": 5, "2024-07": 1}) == "month"
    assert timeline.period_for({}) == "month"


def test_runs_page_highlights_failures(hostile, demo):
    doc = lxml.html.document_fromstring(hostile.get("/runs").text)
    failed = doc.cssselect("tr.failed")
    assert failed and "failed" in failed[0].text_content()
    assert "<script>x</script>" in failed[0].text_content()  # shown as text
    ok = lxml.html.document_fromstring(demo.get("/runs").text)
    assert ok.cssselect("tr.ok") and not ok.cssselect("tr.failed")
    runs = demo.get("/api/runs", params={"limit": 3}).json()
    assert len(runs) == 3 and RUN_FIELDS <= set(runs[0])
    assert hostile.get("/api/runs", params={"failed": "true"}).json()[0]["status"] == "failed"


# -- feeds and schema ---------------------------------------------------------------------


def test_atom_feed_of_a_search_is_valid(demo):
    response = demo.get("/feed.atom", params={"q": "smart city", "region": "Musi Banyuasin"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.feed.id and parsed.feed.title and parsed.feed.updated_parsed
    assert parsed.entries
    api = demo.get("/api/search", params={"q": "smart city", "region": "Musi Banyuasin", "per_page": 50}).json()
    assert {e.link for e in parsed.entries} == {f"http://testserver/article/{h['id']}" for h in api["results"]}
    for entry in parsed.entries:
        assert entry.id and entry.title and entry.link and entry.updated_parsed and entry.summary
    dates = [e.updated_parsed for e in parsed.entries]
    assert dates == sorted(dates, reverse=True)
    assert not feedparser.parse(demo.get("/feed.atom").content).bozo
    assert demo.get("/feed.atom", params={"q": '"open'}).status_code == 400


def test_openapi_schema_is_served(demo):
    schema = demo.get("/openapi.json").json()
    assert {
        "/api/search",
        "/api/counts",
        "/api/article/{article_id}",
        "/api/story/{story_id}",
        "/api/regions",
        "/api/stats",
        "/api/runs",
        "/feed.atom",
    } <= set(schema["paths"])
    search = {p["name"]: p for p in schema["paths"]["/api/search"]["get"]["parameters"]}
    assert set(search) >= {"q", "region", "province", "dimension", "source", "since", "until", "min_score", "page"}
    assert set(search) >= {"per_page", "sort", "all_copies"}
    counts = {p["name"]: p for p in schema["paths"]["/api/counts"]["get"]["parameters"]}
    assert set(counts) == set(search) - {"sort", "page", "per_page"} | {"by", "share"}
    feed = {p["name"] for p in schema["paths"]["/feed.atom"]["get"]["parameters"]}
    assert feed == set(search) - {"page", "per_page"}

    def enum(parameter: dict) -> list[str]:
        return next(s["enum"] for s in [parameter["schema"], *parameter["schema"].get("anyOf", [])] if "enum" in s)

    assert enum(search["sort"]) == ["relevance", "newest", "oldest"]
    assert enum(counts["by"]) == ["day", "week", "month", "year", "source", "region", "province", "dimension"]
    response = schema["paths"]["/api/counts"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    fields = schema["components"]["schemas"][response["$ref"].rsplit("/", 1)[1]]["properties"]
    assert set(fields) == {"query", "by", "total", "counts", "undated", "all", "share"}


# -- HEAD and the public base URL ---------------------------------------------------------

PUBLIC = "https://kabar.example.id/"
EVIL_HOST = {"host": "evil.example"}


def every_get_path(client: TestClient, values: dict[str, int]) -> list[str]:
    """Each GET route of the app, its path parameters filled from ``values`` (a new route
    with a new parameter fails here until the test gives it a value)."""
    return [route.path.format(**values) for route in client.app.routes if "GET" in getattr(route, "methods", ())]


def test_head_answers_like_get_without_a_body_on_every_route(demo):
    hit = story_hit(demo)
    paths = every_get_path(demo, {"article_id": hit["id"], "story_id": hit["story_id"]})
    assert len(paths) >= 15 and "/feed.atom" in paths
    for path in paths:
        get = demo.get(path, follow_redirects=False)
        head = demo.head(path, follow_redirects=False)
        assert get.status_code in (200, 303), (path, get.status_code)
        assert (path, head.status_code) == (path, get.status_code)
        assert head.headers == get.headers, path  # content-length and content-type included
    assert demo.head("/article/999999").status_code == 404
    assert demo.post("/api/search").status_code == 405


def test_head_is_run_as_get_and_sent_without_the_body():
    # TestClient and uvicorn drop a HEAD body themselves; the middleware must not rely on it
    import asyncio

    from jobs.web.head import HeadAsGet

    methods, sent = [], []

    async def app(scope, receive, send):
        methods.append(scope["method"])
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"10")]})
        await send({"type": "http.response.body", "body": b"kabar", "more_body": True})
        await send({"type": "http.response.body", "body": b"kabar"})

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "HEAD", "path": "/"}
    asyncio.run(HeadAsGet(app)(scope, None, send))
    assert methods == ["GET"] and scope["method"] == "HEAD"  # the server's own scope still says HEAD
    assert sent == [
        {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"10")]},
        {"type": "http.response.body", "body": b"", "more_body": True},
        {"type": "http.response.body", "body": b""},
    ]


def atom_urls(feed: bytes) -> list[str]:
    """The feed's own URLs: every id, and every link but the outlets' (rel=related)."""
    root = ElementTree.fromstring(feed)
    ids = [el.text for el in root.iter(f"{{{ATOM}}}id")]
    links = [el.get("href") for el in root.iter(f"{{{ATOM}}}link") if el.get("rel") != "related"]
    return ids + links


def test_absolute_links_follow_the_host_header_unless_a_base_url_is_set(hostile):
    hostile_id = hostile.ids["hostile"]
    # no base_url: the request's own scheme and host, as before
    assert hostile.get(f"/api/article/{hostile_id}", headers=EVIL_HOST).json()["original"] == (
        f"http://evil.example/article/{hostile_id}/original"
    )
    with TestClient(create_app(hostile.engine, base_url=PUBLIC)) as client:
        article = client.get(f"/api/article/{hostile_id}", headers=EVIL_HOST).json()
        assert article["original"] == f"{PUBLIC}article/{hostile_id}/original"
        feed = client.get("/feed.atom", params={"q": "palembang"}, headers=EVIL_HOST)
        urls = atom_urls(feed.content)
        assert f"{PUBLIC}article/{hostile_id}" in urls
        assert f"{PUBLIC}feed.atom?q=palembang" in urls
        assert len(urls) >= 5 and all(u.startswith(PUBLIC) for u in urls), urls
        assert "evil.example" not in feed.text + client.get("/api/search", headers=EVIL_HOST).text


def test_kabar_serve_takes_the_base_url_from_the_config_or_the_flag(tmp_path):
    from storage.db import open_archive

    open_archive(f"sqlite:///{tmp_path / 'kabar.db'}").dispose()
    config = tmp_path / "sources.toml"
    config.write_text(f'[web]\nbase_url = "{PUBLIC}"\n', encoding="utf-8")
    with kabar_serve(tmp_path, "--config", str(config)) as port:
        feed = fetch(port, "GET", "/feed.atom?q=banjir", EVIL_HOST)
        assert feed.status == 200 and atom_urls(feed.body)[0] == f"{PUBLIC}feed.atom?q=banjir"
        page, head = fetch(port, "GET", "/"), fetch(port, "HEAD", "/")
        assert head.status == 200
        assert head.headers["content-length"] == page.headers["content-length"] == str(len(page.body))
    with kabar_serve(tmp_path, "--config", str(config), "--base-url", "http://arsip.example.id/kabar") as port:
        feed = fetch(port, "GET", "/feed.atom", EVIL_HOST)
        assert atom_urls(feed.body)[0] == "http://arsip.example.id/kabar/feed.atom"


@dataclass
class Fetched:
    status: int
    headers: dict[str, str]
    body: bytes


def fetch(port: int, method: str, path: str, headers: dict[str, str] | None = None) -> Fetched:
    """One request to the server on 127.0.0.1:``port`` with exactly these headers."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return Fetched(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
    finally:
        connection.close()


# -- hostile input ------------------------------------------------------------------------


def test_hostile_title_and_text_are_escaped_everywhere(hostile):
    hostile_id = hostile.ids["hostile"]
    search = hostile.get("/", params={"q": "palembang"})
    assert search.status_code == 200
    assert_inert(search.text)
    assert "&lt;script&gt;" in search.text
    doc = lxml.html.document_fromstring(search.text)
    assert any(XSS_TITLE == a.text_content() for a in doc.cssselect("li.hit h2 a"))
    article = hostile.get(f"/article/{hostile_id}")
    assert article.status_code == 200
    assert_inert(article.text)
    doc = lxml.html.document_fromstring(article.text)
    assert doc.cssselect("h1")[0].text_content() == XSS_TITLE
    assert "<svg onload=alert(1)>" in doc.cssselect(".reasons")[0].text_content()
    assert not doc.cssselect(".text b, .text svg, .text iframe, h1 b, h1 img")
    # the API gives the stored text back as data; the feed stays well-formed XML
    assert hostile.get(f"/api/article/{hostile_id}").json()["title"] == XSS_TITLE
    feed = feedparser.parse(hostile.get("/feed.atom", params={"q": "palembang"}).content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert any(e.title == XSS_TITLE for e in feed.entries)
    for path in ("/overview", "/runs", f"/article/{hostile_id}/original"):
        assert_inert(hostile.get(path).text)


def test_archived_original_of_a_hostile_page_loads_nothing(hostile):
    response = hostile.get(f"/article/{hostile.ids['hostile']}/original")
    assert response.status_code == 200
    assert response.headers["content-security-policy"] == ORIGINAL_CSP
    assert_inert(response.text)
    doc = lxml.html.document_fromstring(response.text)
    assert not doc.xpath("//iframe | //object | //form | //base | //link | //meta[@http-equiv]")
    assert "127.0.0.1:9" not in "".join(doc.xpath("//@src | //@href | //@style | //style/text()"))
    assert doc.xpath("//img[starts-with(@src, 'data:image/gif')]")
    assert "tautan" in doc.text_content()


def test_pages_carry_a_script_free_csp(hostile):
    for path in ("/", "/overview", "/runs", f"/article/{hostile.ids['hostile']}", "/api/stats"):
        response = hostile.get(path)
        csp = response.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "script-src" not in csp
        assert response.headers["x-content-type-options"] == "nosniff"


def test_hidden_articles_never_appear(hostile):
    hidden = hostile.ids["hidden"]
    for response in (
        hostile.get("/", params={"q": HIDDEN_WORD}),
        hostile.get("/api/search", params={"q": HIDDEN_WORD}),
        hostile.get("/feed.atom", params={"q": HIDDEN_WORD}),
        hostile.get("/api/search", params={"per_page": 100}),
        hostile.get("/feed.atom"),
        hostile.get("/", params={"region": "Palembang"}),
    ):
        assert response.status_code == 200
        assert f"Smart city {HIDDEN_WORD}" not in response.text and "hostile.example/berita/2" not in response.text
        assert f'/article/{hidden}"' not in response.text and f"/article/{hidden}<" not in response.text
    assert hostile.get("/api/search", params={"q": HIDDEN_WORD}).json()["total"] == 0
    assert hostile.get(f"/article/{hidden}").status_code == 404
    assert hostile.get(f"/article/{hidden}/original").status_code == 404
    assert hostile.get(f"/api/article/{hidden}").status_code == 404
    counts = hostile.get("/api/stats").json()
    assert sum(m for m in counts["stories_per_month"].values()) == len(
        hostile.get("/api/search", params={"per_page": 100}).json()["results"]
    )


# -- malformed queries --------------------------------------------------------------------

BAD = [
    ({"q": '"unbalanced'}, "quote"),
    ({"q": "(banjir OR"}, None),
    ({"q": "banjir)"}, "parenthes"),
    ({"q": "*"}, "no words"),
    ({"q": "x" * 10_000}, "too long"),
    ({"q": "a " * 5_000}, "too long"),
    ({"since": "2024-13-45"}, "since"),
    ({"since": "kemarin"}, "since"),
    ({"until": "0001-01-01"}, "until"),
    ({"until": "9999-12-31"}, "until"),
    ({"since": "2024-05-01", "until": "2024-01-01"}, "before"),
    ({"page": "-1"}, "page"),
    ({"page": "0"}, "page"),
    ({"page": "abc"}, "page"),
    ({"page": "99999999999999999999"}, "page"),
    ({"per_page": "1000"}, "per_page"),
    ({"min_score": "nan"}, "min_score"),
    ({"min_score": "tinggi"}, "min_score"),
    ({"dimension": "<script>"}, "dimension"),
    ({"sort": "best"}, "sort"),
    ({"sort": ["newest", "oldest"]}, "sort"),
    ({"all_copies": "perhaps"}, "all_copies"),
    ({"q": ["a", "b"]}, "once"),
]
ODD = [
    "NEAR(smart city)",
    "smart AND OR city",
    "smart NOT",
    "-smart",
    "title:smart",
    "^smart",
    "smart*",
    '"" smart',
    "'; DROP TABLE articles; --",
    "((((((((((((smart))))))))))))",
    "smart OR OR",
    "\x00",
    "kota\u200bcerdas",
    "🙂 smart",
    "NOT",
    "OR",
    "AND",
    "-",
    '"-"',
    "{smart}",
    "smart:city",
]


@pytest.mark.parametrize("params,says", BAD)
def test_malformed_queries_get_a_clear_400(hostile, params, says):
    api = hostile.get("/api/search", params=params)
    assert api.status_code == 400, api.text
    detail = api.json()["detail"]
    assert detail and "Traceback" not in detail
    if says:
        assert says in detail.lower()
    page = hostile.get("/", params=params)
    assert page.status_code == 400
    message = lxml.html.document_fromstring(page.text).cssselect(".error")[0].text_content()
    assert message and (not says or says in message.lower())
    if "per_page" not in params:  # a feed has a fixed length
        assert hostile.get("/feed.atom", params=params).status_code == 400


@pytest.mark.parametrize("query", ODD)
def test_odd_queries_never_fail(hostile, query):
    for path in ("/api/search", "/", "/feed.atom"):
        response = hostile.get(path, params={"q": query})
        assert response.status_code in (200, 400), (path, response.status_code, response.text[:300])
        if response.status_code == 400 and path == "/api/search":
            assert response.json()["detail"]


def test_bad_paths_are_clean_errors(hostile):
    assert hostile.get("/article/abc").status_code == 400
    assert hostile.get("/api/article/abc").status_code == 400
    assert hostile.get("/api/article/-5").status_code == 400
    assert hostile.get("/api/article/9223372036854775808").status_code == 400
    assert hostile.get("/article/99999999999999999999/original").status_code == 400
    assert hostile.get("/api/runs", params={"limit": "0"}).status_code == 400
    assert hostile.get("/nowhere").status_code == 404
    assert hostile.post("/api/search").status_code == 405


# -- serving rules ------------------------------------------------------------------------


def test_binding_beyond_loopback_needs_a_password_or_no_auth():
    assert auth_settings("127.0.0.1", False, {}) == (None, "kabar")
    assert auth_settings("::1", False, {}) == (None, "kabar")
    assert auth_settings("localhost", False, {}) == (None, "kabar")
    with pytest.raises(UsageError, match="KABAR_WEB_PASSWORD"):
        auth_settings("0.0.0.0", False, {})
    with pytest.raises(UsageError):
        auth_settings("192.168.1.5", False, {})
    assert auth_settings("0.0.0.0", True, {}) == (None, "kabar")
    assert auth_settings("0.0.0.0", False, {"KABAR_WEB_PASSWORD": "s3cret", "KABAR_WEB_USER": "redaksi"}) == (
        "s3cret",
        "redaksi",
    )


def test_basic_auth_when_a_password_is_set(tmp_path):
    from storage.db import open_archive

    engine = open_archive(f"sqlite:///{tmp_path / 'kabar.db'}")
    with TestClient(create_app(engine, password="s3cret", user="redaksi")) as client:
        for path in ("/", "/api/search", "/feed.atom", "/openapi.json"):
            denied = client.get(path)
            assert denied.status_code == 401 and denied.headers["www-authenticate"].startswith("Basic")
        assert client.get("/", auth=("redaksi", "salah")).status_code == 401
        assert client.get("/", headers={"Authorization": "Basic !!!"}).status_code == 401
        assert client.get("/", auth=("redaksi", "s3cret")).status_code == 200
        token = base64.b64encode(b"redaksi:s3cret").decode()
        assert client.get("/api/search", headers={"Authorization": f"Basic {token}"}).json()["total"] == 0
    engine.dispose()


def test_kabar_serve_refuses_an_open_address_without_a_password(kabar):
    result = kabar("serve", "--host", "0.0.0.0", "--port", "8080")
    assert result.returncode == 2
    assert "KABAR_WEB_PASSWORD" in result.stderr and "--no-auth" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        taken = kabar("serve", "--port", str(port))
    assert taken.returncode == 2 and "cannot listen" in taken.stderr
    assert kabar("serve", "--port", "70000").returncode == 2
    bad = kabar("serve", "--base-url", "kabar.example.id", timeout=30)
    assert bad.returncode == 2 and bad.stderr.startswith(
        "kabar: error: --base-url: 'kabar.example.id' is not an http(s) URL"
    )
    assert len(bad.stderr.strip().splitlines()) == 1
