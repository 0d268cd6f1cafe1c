"""Property-based tests: arbitrary bytes and broken HTML into extraction, arbitrary strings into
the query parser and the SQLite search. Nothing escapes but QueryError."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.extract import Article, extract
from storage.errors import QueryError
from storage.querylang import parse_query

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

TAGS = [
    "html",
    "head",
    "body",
    "article",
    "div",
    "p",
    "h1",
    "script",
    "style",
    "meta",
    "a",
    "table",
    "tr",
    "td",
    "br",
    "time",
    "span",
    "!--",
    "![CDATA[",
    "?xml",
    "noscript",
    "template",
]
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)


@st.composite
def broken_html(draw) -> str:
    """Tag soup: unbalanced, unclosed, odd attributes, entities, charsets and Indonesian text."""
    parts = []
    for _ in range(draw(st.integers(0, 30))):
        kind = draw(st.integers(0, 5))
        tag = draw(st.sampled_from(TAGS))
        if kind == 0:
            attrs = draw(
                st.sampled_from(
                    [
                        "",
                        ' charset="x-unknown"',
                        ' content="text/html; charset=utf-16"',
                        ' property="article:published_time" content="Selasa, 31 Februari"',
                        ' class="baca-juga"',
                        ' href="javascript:"',
                        " a=b=c",
                        ' "',
                    ]
                )
            )
            parts.append(f"<{tag}{attrs}>")
        elif kind == 1:
            parts.append(f"</{tag}>")
        elif kind == 2:
            parts.append(draw(st.sampled_from(["&amp;", "&#0;", "&#xD800;", "&nbsp", "&unknown;", "&#99999999;"])))
        else:
            parts.append(draw(TEXT) or "Baca juga: Pemkab Muba luncurkan smart city 12:00 WIB")
    return "".join(parts)


FETCHED = datetime(2024, 5, 13, tzinfo=UTC)


@SETTINGS
@given(st.binary(max_size=4000))
def test_extract_never_raises_on_arbitrary_bytes(data):
    article = extract(data, "https://berita.example/2024/05/13/a", fetched_at=FETCHED)
    assert isinstance(article, Article) and isinstance(article.text, str)


@SETTINGS
@given(broken_html(), st.sampled_from(["utf-8", "cp1252", "utf-16-le", "latin-1"]))
def test_extract_never_raises_on_broken_html(html, encoding):
    for page in (html, html.encode(encoding, "replace")):
        article = extract(page, "https://berita.example/berita/1", fetched_at=FETCHED)
        assert isinstance(article, Article) and isinstance(article.text, str)


QUERY_TEXT = st.text(
    alphabet=st.sampled_from(list("ab kota\"()-OR AND NOT*^:~'\\{}[]é–\x00\t")), max_size=40
) | st.text(max_size=40)


@SETTINGS
@given(QUERY_TEXT)
def test_query_parser_raises_only_query_error(text):
    try:
        parse_query(text)
    except QueryError:
        pass


@pytest.fixture(scope="module")
def search_engine(tmp_path_factory):
    from storage.archive import Archive
    from storage.db import open_archive
    from tests.support.articles import ARTICLES

    engine = open_archive(f"sqlite:///{tmp_path_factory.mktemp('props') / 'kabar.db'}")
    archive = Archive(engine)
    source = archive.ensure_source("sumsel", "https://sumselupdate.example/")
    for fields in ARTICLES.values():
        archive.add_article({**fields, "source_id": source})
    yield engine
    engine.dispose()


@SETTINGS
@given(QUERY_TEXT)
def test_sqlite_search_raises_only_query_error(search_engine, text):
    from storage.query import SearchRequest, search

    try:
        search(search_engine, SearchRequest(query=text, limit=5))
    except QueryError:
        pass
