"""The reads the web makes beside search (storage.browse, storage.tags.tags_of, the overview's
stories per month from storage.counts) on SQLite and PostgreSQL, and the one rule of what is
visible, shared with search, counts and facets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from storage.browse import source_names, visible_article, visible_story
from storage.counts import counts
from storage.query import SearchRequest, count, get_article, search
from storage.tags import store_tags, tag_stats, tags_of
from tests.support.articles import ARTICLES

WIB = timezone(timedelta(hours=7))
STORY_KEYS = {"id", "url", "title", "source", "published", "aliases"}


def stories_per_month(engine, tz) -> dict[str, int]:
    """What the overview charts (jobs.web.data.Facets): every story by month in ``tz``."""
    return counts(engine, SearchRequest(), "month", tz=tz).counts


def add_copy(archive, original: int, *, days: int = 1) -> tuple[int, int]:
    """A near copy of muba_smart_city on the other source, ``days`` later, both in one story:
    (copy id, story id)."""
    fields = ARTICLES["muba_smart_city"]
    source = archive.ensure_source("nasional", "https://kabarnasional.example/")
    copy, created = archive.add_article(
        {
            **fields,
            "source_id": source,
            "url": "https://kabarnasional.example/2024/05/muba",
            "published_at": fields["published_at"] + timedelta(days=days),
            "text": fields["text"] + " Warga diminta memanfaatkan layanan daring tersebut.",
        }
    )
    assert created
    story = archive.assign_story(original)
    assert archive.assign_story(copy) == story
    return copy, story


def test_visible_story_and_article_leave_out_hidden_copies(engine, archive, stored) -> None:
    original = stored["muba_smart_city"]
    copy, story = add_copy(archive, original)
    archive.add_alias(copy, "https://m.kabarnasional.example/2024/05/muba")
    found = visible_story(engine, story)
    assert found["id"] == story
    assert [a["id"] for a in found["articles"]] == [original, copy]  # earliest first
    assert all(set(a) == STORY_KEYS for a in found["articles"])
    assert found["articles"][1]["aliases"] == ["https://m.kabarnasional.example/2024/05/muba"]
    assert visible_article(engine, original)["story"] == found

    archive.hide(original, "permintaan narasumber")
    assert visible_article(engine, original) is None
    assert get_article(engine, original)["hidden"]["reason"] == "permintaan narasumber"
    assert [a["id"] for a in visible_story(engine, story)["articles"]] == [copy]
    archive.hide(copy, "permintaan narasumber")
    assert visible_story(engine, story) is None
    archive.unhide(original)
    assert [a["id"] for a in visible_story(engine, story)["articles"]] == [original]
    assert visible_article(engine, 999_999) is None
    assert visible_story(engine, 999_999) is None
    assert visible_story(engine, stored["banjir_palembang"]) is None  # an article id is no story id


def test_stories_per_month_by_first_visible_publication_in_the_zone(engine, archive, stored) -> None:
    # the four stored articles: 2024-05, 2024-01, 2023-11, 2024-03 (WIB); none in a story
    assert stories_per_month(engine, WIB) == {"2023-11": 1, "2024-01": 1, "2024-03": 1, "2024-05": 1}
    copy, _ = add_copy(archive, stored["muba_smart_city"], days=20)  # June
    assert stories_per_month(engine, WIB) == {"2023-11": 1, "2024-01": 1, "2024-03": 1, "2024-05": 1}
    archive.hide(stored["muba_smart_city"], "permintaan narasumber")  # the story starts with the copy now
    assert stories_per_month(engine, WIB)["2024-06"] == 1 and "2024-05" not in stories_per_month(engine, WIB)
    source = archive.ensure_source("sumsel", "https://sumselupdate.example/")
    archive.add_article(
        {
            "url": "https://sumselupdate.example/tanpa-tanggal",
            "source_id": source,
            "title": "Tanpa tanggal",
            "text": "Berita tanpa tanggal terbit.",
        }
    )
    # 31 January 20:00 UTC is 1 February in WIB: the zone decides the month
    archive.add_article(
        {
            "url": "https://sumselupdate.example/akhir-januari",
            "source_id": source,
            "title": "Akhir Januari",
            "text": "Berita akhir Januari.",
            "published_at": datetime(2024, 1, 31, 20, 0, tzinfo=UTC),
        }
    )
    in_wib, in_utc = stories_per_month(engine, WIB), stories_per_month(engine, UTC)
    assert in_wib == {"2023-11": 1, "2024-01": 1, "2024-02": 1, "2024-03": 1, "2024-06": 1}
    assert in_utc["2024-01"] == 2 and "2024-02" not in in_utc
    assert list(in_wib) == sorted(in_wib)
    assert sum(in_wib.values()) == count(engine, SearchRequest(since=datetime(1900, 1, 1, tzinfo=UTC)))


def test_source_names_sorted(engine, archive, stored) -> None:
    assert source_names(engine) == ["nasional", "sumsel"]
    archive.ensure_source("aceh", "https://aceh.example/")
    assert source_names(engine) == ["aceh", "nasional", "sumsel"]


def test_tags_of_articles(engine, stored) -> None:
    muba = stored["muba_smart_city"]
    store_tags(
        engine,
        muba,
        {
            "relevant": True,
            "score": 3.0,
            "reasons": [],
            "dimensions": ["governance", "economy"],
            "regions": [{"code": "16.06", "name": "Musi Banyuasin", "type": "kabupaten"}],
            "provinces": [{"code": "16", "name": "Sumatera Selatan", "type": "provinsi"}],
        },
    )
    tags = tags_of(engine, [muba, stored["banjir_palembang"]])
    assert tags[muba] == {
        "dimensions": ["economy", "governance"],
        "regions": [{"code": "16.06", "name": "Musi Banyuasin", "type": "kabupaten"}],
        "provinces": [{"code": "16", "name": "Sumatera Selatan", "type": "provinsi"}],
    }
    assert tags[stored["banjir_palembang"]] == {"dimensions": [], "regions": [], "provinces": []}
    assert tags_of(engine, []) == {}


def test_one_rule_of_visible_for_search_counts_facets_and_pages(engine, archive, stored) -> None:
    muba = stored["muba_smart_city"]
    store_tags(
        engine,
        muba,
        {"dimensions": ["governance"], "regions": [{"code": "16.06", "name": "Musi Banyuasin", "type": "kabupaten"}]},
    )
    archive.hide(muba, "permintaan narasumber")
    everything = SearchRequest(limit=None)
    assert muba not in {h.id for h in search(engine, everything)}
    assert count(engine, everything) == len(stored) - 1
    stats = tag_stats(engine, WIB)
    assert stats["regions"] == [] and stats["dimensions"] == []
    assert "2024-05" not in {m["month"] for m in stats["months"]}
    assert "2024-05" not in stories_per_month(engine, WIB)
    assert visible_article(engine, muba) is None
