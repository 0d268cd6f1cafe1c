"""Exact totals, counts over time and per facet, and ranking over every match, on both
backends, against a generated archive whose true answers are known (tests/support/planted)."""

from __future__ import annotations

import csv
import io
import json
import shutil
from datetime import datetime

import pytest

from storage.archive import Archive
from storage.counts import BY, counts
from storage.db import open_archive
from storage.errors import QueryError
from storage.query import SearchRequest, count, search
from tests.support.planted import (
    COMMON,
    DENSE_ID,
    RARE,
    WIB,
    expected_counts,
    load,
    matching,
    planted_articles,
)
from tests.support.runner import make_runner

ARTICLES = planted_articles()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def planted(request, tmp_path_factory):
    """The planted archive on each backend (built once per module and backend)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('planted') / 'kabar.db'}"
        yield from _built(url)
        return
    from tests.conftest_storage import _drop_pg_database, _new_pg_database

    admin = request.getfixturevalue("postgres_admin_url")
    name, url = _new_pg_database(admin)
    try:
        yield from _built(url)
    finally:
        _drop_pg_database(admin, name)


def _built(url: str):
    engine = open_archive(url)
    load(engine, ARTICLES)
    yield engine
    engine.dispose()


SINCE = datetime(2023, 6, 1, tzinfo=WIB)
UNTIL = datetime(2024, 3, 1, tzinfo=WIB)
CASES = [
    ({}, {}),
    ({"query": COMMON}, {"word": COMMON}),
    ({"query": RARE}, {"word": RARE}),
    ({"query": COMMON, "sources": ["situs2"]}, {"word": COMMON, "source": "situs2"}),
    ({"query": COMMON, "since": SINCE, "until": UNTIL}, {"word": COMMON, "since": SINCE, "until": UNTIL}),
    ({"query": COMMON, "regions": ["Palembang"]}, {"word": COMMON, "region": "Palembang"}),
    ({"query": COMMON, "dimensions": ["economy"]}, {"word": COMMON, "dimension": "economy"}),
    ({"query": "tidakadasamasekali"}, {"word": "tidakadasamasekali"}),
]


def _found(expect: dict):
    expect = dict(expect)
    return matching(ARTICLES, expect.pop("word", None), **expect)


@pytest.mark.parametrize("grouped", [True, False], ids=["stories", "articles"])
@pytest.mark.parametrize(("req", "expect"), CASES)
def test_every_total_is_exact(planted, req, expect, grouped):
    found = _found(expect)
    truth = len({a.story for a in found}) if grouped else len(found)
    assert count(planted, SearchRequest(**req, group_stories=grouped)) == truth
    # the planted COMMON word matches far more than a page: the totals are not a page's worth
    if req.get("query") == COMMON and not expect.keys() - {"word"}:
        assert truth > 2000


@pytest.mark.parametrize("by", BY)
@pytest.mark.parametrize("grouped", [True, False], ids=["stories", "articles"])
@pytest.mark.parametrize(("req", "expect"), CASES[:5])
def test_counts_by_every_key(planted, req, expect, by, grouped):
    total, expected, undated = expected_counts(_found(expect), by, stories=grouped)
    got = counts(planted, SearchRequest(**req, group_stories=grouped), by, tz=WIB)
    assert got.counts == expected
    assert got.total == total == count(planted, SearchRequest(**req, group_stories=grouped))
    assert got.undated == undated
    if by in ("day", "week", "month", "year"):
        assert list(got.counts) == sorted(got.counts)
        assert sum(got.counts.values()) + got.undated == got.total
    else:
        assert list(got.counts.values()) == sorted(got.counts.values(), reverse=True)


def test_days_are_counted_in_wib(planted):
    # 2023-01-01 16:14 UTC is still the 1st in WIB; 2023-01-02 00:21 UTC is the 2nd
    evening = [a for a in ARTICLES if a.published and a.published.hour >= 17 and not a.hidden][0]
    got = counts(planted, SearchRequest(group_stories=False), "day", tz=WIB)
    wib_day = evening.published.astimezone(WIB).strftime("%Y-%m-%d")
    utc_day = evening.published.strftime("%Y-%m-%d")
    assert wib_day != utc_day
    same_wib_day = [
        a for a in matching(ARTICLES) if a.published and a.published.astimezone(WIB).date().isoformat() == wib_day
    ]
    assert got.counts[wib_day] == len(same_wib_day)


def test_share_is_each_period_against_every_story_of_that_period(planted):
    got = counts(planted, SearchRequest(query=RARE), "month", tz=WIB, share=True)
    _, every, _ = expected_counts(matching(ARTICLES), "month")
    assert got.all == every
    shares = got.shares()
    assert set(shares) == set(got.counts)
    for month, n in got.counts.items():
        assert shares[month] == pytest.approx(n / every[month])
        assert 0 < shares[month] <= 1


@pytest.mark.parametrize("grouped", [True, False])
def test_the_densest_old_match_ranks_first_among_thousands_of_newer(planted, grouped):
    matches = matching(ARTICLES, COMMON)
    dense = next(a for a in ARTICLES if a.id == DENSE_ID)
    assert sum(a.published is not None and a.published > dense.published for a in matches) > 2000
    hits = search(planted, SearchRequest(query=COMMON, limit=5, group_stories=grouped))
    assert hits[0].id == DENSE_ID
    assert hits[0].rank > hits[1].rank


def test_sort_orders_and_pages_cover_every_match_once(planted):
    req = SearchRequest(query=RARE, sort="newest", limit=None, group_stories=False)
    newest = search(planted, req)
    oldest = search(planted, SearchRequest(query=RARE, sort="oldest", limit=None, group_stories=False))
    truth = sorted((a for a in matching(ARTICLES, RARE)), key=lambda a: (a.published is None, a.published or 0))
    dated = [h for h in newest if h.published is not None]
    assert [h.published for h in dated] == sorted((h.published for h in dated), reverse=True)
    assert [h.id for h in oldest] == [a.id for a in truth]
    assert {h.id for h in newest} == {a.id for a in truth}
    pages = []
    for page in range(0, len(truth), 7):
        pages += [h.id for h in search(planted, SearchRequest(query=RARE, sort="relevance", limit=7, offset=page))]
    assert sorted(pages) == sorted(set(pages))
    assert len(pages) == count(planted, SearchRequest(query=RARE))


def test_a_search_without_words_is_newest_first_whatever_the_sort(planted):
    hits = search(planted, SearchRequest(sort="relevance", limit=20))
    assert [h.published for h in hits] == sorted((h.published for h in hits), reverse=True)


def test_an_unknown_sort_or_key_is_refused(planted):
    with pytest.raises(QueryError, match="sort must be one of"):
        search(planted, SearchRequest(query=COMMON, sort="best"))
    with pytest.raises(ValueError, match="by must be one of"):
        counts(planted, SearchRequest(), "decade")
    with pytest.raises(ValueError, match="share is for counts over time"):
        counts(planted, SearchRequest(), "source", share=True)


# -- the same answers through the command line ---------------------------------------------


@pytest.fixture
def kabar(planted, tmp_path):
    return make_runner(tmp_path, planted.url.render_as_string(hide_password=False), None)


@pytest.mark.parametrize("by", ["week", "region"])
def test_kabar_count_json_is_the_true_count(kabar, planted, by):
    result = kabar("count", COMMON, "--by", by, "--source", "situs1", "--format", "json")
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    total, expected, undated = expected_counts(matching(ARTICLES, COMMON, source="situs1"), by)
    assert record["query"] == COMMON and record["by"] == by
    assert record["total"] == total and record["counts"] == expected
    assert record.get("undated", 0) == undated


def test_kabar_count_share_csv_and_table(kabar):
    result = kabar("count", RARE, "--by", "year", "--share", "--all-copies", "--format", "csv")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    found = matching(ARTICLES, RARE)
    _, every, _ = expected_counts(matching(ARTICLES), "year", stories=False)
    assert {r["key"]: int(r["count"]) for r in rows} == expected_counts(found, "year", stories=False)[1]
    for row in rows:
        assert int(row["all"]) == every[row["key"]]
        assert float(row["share"]) == pytest.approx(int(row["count"]) / every[row["key"]])
    table = kabar("count", RARE, "--by", "year", "--share")
    assert table.returncode == 0, table.stderr
    assert f"{len({a.story for a in found}):,} stories match 'kerlip'" in table.stdout
    assert "%" in table.stdout


def test_kabar_search_shows_the_exact_total_and_sorts(kabar):
    stories = len({a.story for a in matching(ARTICLES, COMMON)})
    result = kabar("search", COMMON, "--limit", "3")
    assert result.returncode == 0, result.stderr
    assert f"{stories:,} stories match, 3 shown (relevance)" in result.stdout
    oldest = kabar("search", COMMON, "--sort", "oldest", "--limit", "2", "--format", "json", "--all-copies")
    first = min((a for a in matching(ARTICLES, COMMON) if a.published), key=lambda a: a.published)
    assert json.loads(oldest.stdout)[0]["id"] == first.id


def test_kabar_count_refuses_share_of_a_facet_and_unknown_keys(kabar):
    result = kabar("count", "--by", "source", "--share")
    assert result.returncode == 2
    assert "kabar: error: --share is for counts over time" in result.stderr
    assert "Traceback" not in result.stderr
    bad = kabar("count", "--by", "decade")
    assert bad.returncode == 2 and "invalid choice" in bad.stderr


def test_the_cli_answers_from_the_search_index_kept_in_step(kabar, planted, tmp_path):
    found = matching(ARTICLES, RARE)
    alone = next(a for a in found if sum(b.story == a.story for b in ARTICLES) == 1)
    first = json.loads(kabar("count", RARE, "--by", "year", "--format", "json").stdout)
    assert first["total"] == len({a.story for a in found})
    states = list((tmp_path / "data" / "search-index").glob("*/kabar-search-index.json"))
    assert len(states) == 1 and json.loads(states[0].read_text())["built"] is True
    hidden = kabar("hide", str(alone.id), "--reason", "test")
    assert hidden.returncode == 0, hidden.stderr
    try:
        after = json.loads(kabar("count", RARE, "--by", "year", "--format", "json").stdout)
        assert after["total"] == first["total"] - 1
        hits = json.loads(kabar("search", RARE, "--limit", "100", "--format", "json").stdout)
        assert alone.id not in {h["id"] for h in hits} and len(hits) == after["total"]
        sql = kabar("count", RARE, "--by", "year", "--format", "json", env={"KABAR_SEARCH_INDEX": "0"})
        assert json.loads(sql.stdout) == after
    finally:
        assert kabar("unhide", str(alone.id)).returncode == 0


def test_kabar_db_reindex_builds_the_index_again_and_a_lost_one_comes_back(kabar, planted, tmp_path):
    truth = len({a.story for a in matching(ARTICLES, COMMON)})
    result = kabar("db", "reindex")
    assert result.returncode == 0, result.stderr
    assert f"search index built: {len(ARTICLES):,} articles" in result.stderr
    (directory,) = (tmp_path / "data" / "search-index").iterdir()
    shutil.rmtree(directory)
    again = kabar("count", COMMON, "--by", "year", "--format", "json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["total"] == truth
    assert (directory / "kabar-search-index.json").exists()


def test_sql_answers_when_the_index_cannot_be_brought_in_step(planted, tmp_path, caplog):
    from storage.query import answering_index, use_index
    from storage.searchindex import SearchIndex

    index = SearchIndex(tmp_path / "index")
    index.sync(planted)
    use_index(planted, index)
    try:
        assert answering_index(planted) is index
        holder = SearchIndex(index.path)._acquire(0)  # another process writing the index
        try:
            found = matching(ARTICLES, RARE)
            alone = next(a for a in found if sum(b.story == a.story for b in ARTICLES) == 1)
            Archive(planted).hide(alone.id, "test")  # a change the index cannot take in now
            assert count(planted, SearchRequest(query=RARE)) == len({a.story for a in found}) - 1
        finally:
            holder.wait_merging_threads()
            Archive(planted).unhide(alone.id)
    finally:
        use_index(planted, None)


def test_an_unusable_index_directory_leaves_sql_answering_with_a_warning(kabar, tmp_path):
    (tmp_path / "data").mkdir(exist_ok=True)
    (tmp_path / "data" / "search-index").write_text("not a directory")
    result = kabar("count", RARE, "--by", "year", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["total"] == len({a.story for a in matching(ARTICLES, RARE)})
    assert "no search index at" in result.stderr and "Traceback" not in result.stderr
