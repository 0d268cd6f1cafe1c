"""The search index (storage.searchindex) gives the SQL answers, on both backends: every total
and count of tests/test_counts.py, the orders and pages of search, and again after the
archive changes (new, hidden, shown again, joined into a story, deleted, re-tagged) and a
sync; a sync with nothing to do is cheap, and an interrupted one loses nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from storage.archive import Archive
from storage.counts import counts
from storage.db import open_archive
from storage.errors import QueryError
from storage.query import SearchRequest, count, search
from storage.request import BY
from storage.searchindex import SearchIndex, rows
from storage.tags import store_tags
from tests.support.planted import (
    COMMON,
    DENSE_ID,
    RARE,
    WIB,
    expected_counts,
    load,
    planted_articles,
)
from tests.test_counts import ARTICLES, CASES, SINCE, UNTIL, _found, planted  # noqa: F401 (planted: the fixture)


@pytest.fixture(scope="module")
def index(planted, tmp_path_factory):  # noqa: F811
    found = SearchIndex(tmp_path_factory.mktemp("index"))
    report = found.sync(planted)
    assert report.full and report.written == len(ARTICLES)
    return found


def _ids(hits) -> list[int]:
    return [h.id for h in hits]


# -- the same answers as SQL --------------------------------------------------------------


@pytest.mark.parametrize("grouped", [True, False], ids=["stories", "articles"])
@pytest.mark.parametrize(("req", "expect"), CASES)
def test_every_total_is_the_sql_total(planted, index, req, expect, grouped):  # noqa: F811
    found = _found(expect)
    truth = len({a.story for a in found}) if grouped else len(found)
    request = SearchRequest(**req, group_stories=grouped)
    assert index.count(planted, request) == count(planted, request) == truth


@pytest.mark.parametrize("by", BY)
@pytest.mark.parametrize("grouped", [True, False], ids=["stories", "articles"])
@pytest.mark.parametrize(("req", "expect"), CASES[:5])
def test_counts_by_every_key_are_the_sql_counts(planted, index, req, expect, by, grouped):  # noqa: F811
    request = SearchRequest(**req, group_stories=grouped)
    got = index.counts(planted, request, by, tz=WIB)
    assert got == counts(planted, request, by, tz=WIB)
    total, expected, undated = expected_counts(_found(expect), by, stories=grouped)
    assert (got.total, got.counts, got.undated) == (total, expected, undated)
    assert list(got.counts) == list(counts(planted, request, by, tz=WIB).counts)  # the same key order


def test_share_is_the_sql_share(planted, index):  # noqa: F811
    request = SearchRequest(query=RARE)
    assert index.counts(planted, request, "month", tz=WIB, share=True) == counts(
        planted, request, "month", tz=WIB, share=True
    )


FILTERS = [
    {"query": COMMON, "relevant_only": True, "min_score": 7},
    {"query": COMMON, "provinces": ["16"], "regions": ["16.71", "Kabupaten Banyuasin"]},
    {"query": COMMON, "provinces": ["sumatera selatan"], "dimensions": ["Smart Economy", "society"]},
    {"query": RARE, "include_hidden": True},
    {"query": COMMON, "since": SINCE},
    {"query": COMMON, "until": UNTIL, "sources": ["situs0", "situs4", "nosuch"]},
    {"query": '"kantor kecamatan" -kerlip'},
    {"query": f"{RARE} OR nomor 1200"},
    {"query": '"nomor 12 pemerintah"'},  # a phrase from the title into the text, as in SQL
    {"query": "(sungsang OR kerlip) -(layanan baru)"},
    {"regions": ["muara enim"], "until": SINCE},
]


@pytest.mark.parametrize("req", FILTERS)
@pytest.mark.parametrize("grouped", [True, False], ids=["stories", "articles"])
def test_every_filter_and_query_finds_what_sql_finds(planted, index, req, grouped):  # noqa: F811
    request = SearchRequest(**req, group_stories=grouped, limit=None, sort="oldest")
    expected = _ids(search(planted, request))
    assert expected, "a case that matches nothing tells nothing"
    assert _ids(index.search(planted, request)) == expected
    assert index.count(planted, request) == count(planted, request) == len(expected)
    for by in ("month", "region"):
        assert index.counts(planted, request, by, tz=WIB) == counts(planted, request, by, tz=WIB)


@pytest.mark.parametrize("sort", ["newest", "oldest"])
@pytest.mark.parametrize("grouped", [True, False], ids=["stories", "articles"])
@pytest.mark.parametrize("query", [COMMON, ""])
def test_sorted_by_date_every_hit_is_in_the_sql_order(planted, index, sort, grouped, query):  # noqa: F811
    request = SearchRequest(query=query, sort=sort, limit=None, group_stories=grouped)
    expected = search(planted, request)
    got = index.search(planted, request)
    assert _ids(got) == _ids(expected)
    assert [(h.story_id, h.source, h.also_in, h.published) for h in got] == [
        (h.story_id, h.source, h.also_in, h.published) for h in expected
    ]
    if query:
        assert all(h.rank > 0 for h in got)


@pytest.mark.parametrize("grouped", [True, False])
def test_the_densest_old_match_ranks_first(planted, index, grouped):  # noqa: F811
    hits = index.search(planted, SearchRequest(query=COMMON, limit=5, group_stories=grouped))
    assert hits[0].id == DENSE_ID
    assert hits[0].rank > hits[1].rank
    assert "sungsang" in hits[0].snippet.lower()


@pytest.mark.parametrize("grouped", [True, False], ids=["stories", "articles"])
def test_ranked_pages_cover_every_match_once_newest_first_among_equals(planted, index, grouped):  # noqa: F811
    total = count(planted, SearchRequest(query=COMMON, group_stories=grouped))
    pages: list = []
    for offset in range(0, total, 500):
        request = SearchRequest(query=COMMON, limit=500, offset=offset, group_stories=grouped)
        pages += index.search(planted, request)
    assert len(pages) == len({h.id for h in pages}) == total
    everything = search(planted, SearchRequest(query=COMMON, limit=None, group_stories=grouped))
    assert {h.story_id if grouped else h.id for h in pages} == {h.story_id if grouped else h.id for h in everything}
    keys = [(-h.rank, h.published is None, -(h.published.timestamp() if h.published else 0), -h.id) for h in pages]
    assert keys == sorted(keys)
    if grouped:
        assert len({h.story_id for h in pages}) == total


def test_a_bad_request_is_refused_as_sql_refuses_it(planted, index):  # noqa: F811
    with pytest.raises(QueryError, match="sort must be one of"):
        index.search(planted, SearchRequest(query=COMMON, sort="best"))
    with pytest.raises(QueryError, match="unbalanced quotes"):
        index.count(planted, SearchRequest(query='"banjir'))
    with pytest.raises(ValueError, match="by must be one of"):
        index.counts(planted, SearchRequest(), "decade")
    assert index.search(planted, SearchRequest(query=COMMON, limit=0)) == []


# -- keeping in step ----------------------------------------------------------------------


@pytest.fixture
def fresh(database_url, tmp_path):
    """A planted archive of its own (it is changed) with its index built."""
    engine = open_archive(database_url)
    load(engine, planted_articles(600))
    found = SearchIndex(tmp_path / "index")
    found.sync(engine)
    yield engine, found
    engine.dispose()


REQUESTS = [
    SearchRequest(limit=None),
    SearchRequest(query=COMMON, limit=None),
    SearchRequest(query="warga", limit=None),
    SearchRequest(query=COMMON, regions=["Palembang"], dimensions=["economy"], limit=None),
]


def assert_same(engine, index: SearchIndex) -> None:
    """Every answer of the index is SQL's, for stories and for articles."""
    for base in REQUESTS:
        for grouped in (True, False):
            request = SearchRequest(**{**base.__dict__, "group_stories": grouped, "sort": "newest"})
            assert index.count(engine, request) == count(engine, request)
            assert _ids(index.search(engine, request)) == _ids(search(engine, request))
            for by in ("week", "source", "region", "dimension"):
                assert index.counts(engine, request, by, tz=WIB) == counts(engine, request, by, tz=WIB)


def _new_article(archive: Archive, n: int, text_: str, **fields) -> int:
    source = archive.ensure_source("situs0", "https://situs0.example/")
    fields = {
        "url": f"https://situs0.example/baru/{n}",
        "source_id": source,
        "title": f"Warga {COMMON} baru {n}",
        "text": text_,
        "published_at": datetime(2024, 5, n, 10, tzinfo=UTC),
        **fields,
    }
    return archive.add_article(fields)[0]


LONG = " ".join(f"kalimat{i} warga membangun jembatan desa" for i in range(60))


def test_after_every_kind_of_change_a_sync_gives_the_sql_answers_again(fresh):
    engine, index = fresh
    archive = Archive(engine)
    assert_same(engine, index)
    first = _new_article(archive, 1, LONG)
    index.sync(engine)
    assert_same(engine, index)
    assert index.count(engine, SearchRequest(query="kalimat7")) == 1

    archive.hide(first, "takedown")
    archive.hide(5, "takedown")
    assert index.sync(engine).written >= 2
    assert_same(engine, index)
    archive.unhide(5)
    index.sync(engine)
    assert_same(engine, index)

    # two articles joined into one story: the first one's story gains a member
    archive.unhide(first)
    second = _new_article(archive, 2, LONG + " tambahan")
    story = archive.assign_story(first)
    assert archive.assign_story(second) == story
    index.sync(engine)
    assert_same(engine, index)
    assert index.count(engine, SearchRequest(query="kalimat7")) == 1
    assert index.count(engine, SearchRequest(query="kalimat7", group_stories=False)) == 2

    # a story loses members: a two-article story of the planted archive (7 joined 6)
    archive.delete_article(7)
    archive.delete_article(second)
    store_tags(engine, 6, {"relevant": False, "score": 1, "regions": [], "dimensions": ["living"]})
    palembang = {"code": "16.71", "name": "Palembang", "type": "kota"}
    store_tags(engine, 8, {"relevant": True, "score": 9, "regions": [palembang]})
    report = index.sync(engine)
    assert report.deleted == 2
    assert_same(engine, index)
    assert index.count(engine, SearchRequest(query="kalimat7")) == 1
    assert index.counts(engine, SearchRequest(), "dimension").counts["living"] == 1
    assert index.pending(engine) == 0


def test_a_sync_with_nothing_changed_writes_nothing(fresh, monkeypatch):
    engine, index = fresh
    Archive(engine).update_article(3, {"author": "Redaksi"})  # not a field the index holds
    assert index.pending(engine) == 0
    monkeypatch.setattr(SearchIndex, "_acquire", lambda *a: pytest.fail("took the writer"))
    report = index.sync(engine)
    assert (report.written, report.deleted, report.changes, report.full) == (0, 0, 0, False)


def test_an_interrupted_sync_loses_nothing(fresh, monkeypatch):
    engine, index = fresh
    archive = Archive(engine)
    archive.hide(10, "takedown")
    archive.delete_article(14)
    # fails while writing documents: nothing committed, the changes stay queued
    with monkeypatch.context() as patch:
        patch.setattr("storage.searchindex.index.document", _fail)
        with pytest.raises(RuntimeError):
            index.sync(engine)
    assert index.pending(engine) > 0
    assert index.count(engine, SearchRequest(group_stories=False)) != count(engine, SearchRequest(group_stories=False))
    # fails after the index committed, before the consumed changes are deleted
    with monkeypatch.context() as patch:
        patch.setattr(rows, "consume", _fail)
        with pytest.raises(RuntimeError):
            index.sync(engine)
    assert index.pending(engine) > 0
    assert index.sync(engine).changes > 0
    assert index.pending(engine) == 0
    assert_same(engine, index)


def _fail(*args, **kwargs):
    raise RuntimeError("interrupted")


def test_a_change_committed_late_with_a_lower_number_is_not_lost(fresh, monkeypatch):
    # PostgreSQL hands out sequence numbers before commit: a sync can read 12 before 11 exists
    engine, index = fresh
    archive = Archive(engine)
    archive.hide(20, "takedown")
    archive.hide(21, "takedown")
    with engine.connect() as conn:
        (late, _), later = conn.execute(text("SELECT seq, article_id FROM search_changes ORDER BY seq")).all()
    real = rows.pending
    monkeypatch.setattr(
        rows, "pending", lambda conn, queue, limit: [c for c in real(conn, queue, limit) if c[0] != late]
    )
    index.sync(engine)
    assert index.pending(engine) == 1  # the one not read is still queued
    monkeypatch.setattr(rows, "pending", real)
    index.sync(engine)
    assert index.pending(engine) == 0
    assert_same(engine, index)


def test_while_another_process_writes_the_index_a_sync_says_it_skipped(fresh):
    engine, index = fresh
    Archive(engine).hide(30, "takedown")
    other = SearchIndex(index.path)
    writer = other._acquire(0)
    try:
        report = index.sync(engine, wait=0.2)
        assert report.skipped and report.pending == 1
    finally:
        writer.wait_merging_threads()
    assert index.sync(engine).changes == 1
    assert_same(engine, index)


def test_two_indexes_of_one_archive_each_see_every_change(fresh, tmp_path):
    # a server's index and a laptop's over the same PostgreSQL: neither takes the other's changes
    engine, index = fresh
    other = SearchIndex(tmp_path / "laptop")
    assert other.sync(engine).full
    archive = Archive(engine)
    archive.hide(40, "takedown")
    assert index.sync(engine).changes == 1
    assert other.pending(engine) == 1
    archive.unhide(40)
    archive.hide(41, "takedown")
    assert other.sync(engine).changes == 3
    assert index.sync(engine).changes == 2
    assert_same(engine, index)
    assert_same(engine, other)


def test_an_index_forgotten_by_the_archive_is_built_again(fresh):
    engine, index = fresh
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM search_indexes"))
    Archive(engine).hide(50, "takedown")  # queued for nobody
    report = index.sync(engine)
    assert report.full
    assert_same(engine, index)
