"""The read API and full-text search, the same on SQLite FTS5 and PostgreSQL tsvector."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from types import GeneratorType

import pytest
from sqlalchemy import text

from storage.errors import QueryError
from storage.query import SearchRequest, count, get_article, iter_articles, search, stats
from tests.support.articles import ARTICLES

WIB = timezone(timedelta(hours=7))


def found(engine, query: str, **kw) -> set[str]:
    hits = search(engine, SearchRequest(query=query, limit=50, **kw))
    assert count(engine, SearchRequest(query=query, **kw)) == len(hits)
    return {hit.url.rsplit("/", 1)[1] for hit in hits}


def test_stemmed_words_all_must_match(engine, stored) -> None:
    # "pelayanan" finds "layanan" and "melayani"-family words; every word must match.
    assert found(engine, "pelayanan") == {"muba-smart-city", "cctv-lubuklinggau"}
    assert found(engine, "layanan") == {"muba-smart-city", "cctv-lubuklinggau"}
    assert found(engine, "banjir") == {"banjir-palembang"}
    assert found(engine, "Palembang") == {"banjir-palembang", "pasar-digital-jakarta"}
    assert found(engine, "palembang banjir") == {"banjir-palembang"}
    assert found(engine, "banjir jakarta") == set()
    assert found(engine, "kata-yang-tidak-ada") == set()


def test_phrases_or_and_exclusion(engine, stored) -> None:
    assert found(engine, '"smart city"') == {"muba-smart-city"}
    assert found(engine, '"city smart"') == set()
    assert found(engine, "smart-city") == {"muba-smart-city"}
    assert found(engine, '"kota cerdas" OR "smart city"') == {"muba-smart-city", "cctv-lubuklinggau"}
    assert found(engine, "banjir OR cctv") == {"banjir-palembang", "cctv-lubuklinggau"}
    assert found(engine, "palembang -banjir") == {"pasar-digital-jakarta"}
    assert found(engine, 'palembang -"rumah di Palembang"') == {"pasar-digital-jakarta"}
    assert found(engine, "pelayanan -(muba OR lubuklinggau)") == set()
    assert found(engine, "pelayanan NOT muba") == {"cctv-lubuklinggau"}
    assert found(engine, "(banjir OR qr) palembang") == {"banjir-palembang", "pasar-digital-jakarta"}


def test_rank_title_first_and_snippets(engine, stored) -> None:
    hits = search(engine, SearchRequest(query="palembang"))
    assert [h.url.rsplit("/", 1)[1] for h in hits] == ["banjir-palembang", "pasar-digital-jakarta"]
    assert hits[0].rank > hits[1].rank > 0
    assert "[Palembang]" in hits[0].snippet
    assert hits[0].source == "sumsel" and hits[1].source == "nasional"
    assert hits[0].published == datetime(2024, 1, 5, 9, 0, tzinfo=UTC)
    hit = search(engine, SearchRequest(query="pelayanan"))
    assert any("[layanan]" in h.snippet or "[pelayanan]" in h.snippet for h in hit)
    # An excluded word is not highlighted.
    (only,) = search(engine, SearchRequest(query="palembang -banjir"))
    assert "[Palembang]" in only.snippet and "[" not in only.snippet.replace("[Palembang]", "")


def test_empty_query_lists_everything_by_date(engine, stored) -> None:
    hits = search(engine, SearchRequest())
    assert [h.id for h in hits] == [
        stored["muba_smart_city"],
        stored["pasar_jakarta"],
        stored["banjir_palembang"],
        stored["cctv_lubuklinggau"],
    ]
    assert all(h.rank == 0.0 and h.snippet for h in hits)
    assert count(engine, SearchRequest()) == 4
    assert [h.id for h in search(engine, SearchRequest(limit=2, offset=1))] == [
        stored["pasar_jakarta"],
        stored["banjir_palembang"],
    ]


def test_filters(engine, archive, stored) -> None:
    def ids(**kw) -> set[int]:
        return {h.id for h in search(engine, SearchRequest(**kw))}

    since = datetime(2024, 1, 5, 16, 0, tzinfo=WIB)  # exactly the banjir article: inclusive
    assert ids(since=since) == {stored["muba_smart_city"], stored["pasar_jakarta"], stored["banjir_palembang"]}
    assert ids(until=since) == {stored["cctv_lubuklinggau"]}  # exclusive
    assert ids(since=datetime(2024, 1, 1, tzinfo=UTC), until=datetime(2024, 4, 1, tzinfo=UTC)) == {
        stored["pasar_jakarta"],
        stored["banjir_palembang"],
    }
    assert ids(sources=["nasional"]) == {stored["pasar_jakarta"]}
    assert ids(sources=["nasional", "sumsel"]) == set(stored.values())
    assert ids(sources=["tidak-ada"]) == set()
    assert ids(query="palembang", sources=["sumsel"]) == {stored["banjir_palembang"]}
    archive.update_article(stored["pasar_jakarta"], {"relevant": False})
    assert ids(relevant_only=True) == set(stored.values()) - {stored["pasar_jakarta"]}
    assert count(engine, SearchRequest(query="palembang", relevant_only=True)) == 1
    with pytest.raises(ValueError, match="timezone-aware"):
        search(engine, SearchRequest(since=datetime(2024, 1, 1)))


def test_full_text_follows_insert_update_delete(engine, archive, stored) -> None:
    source = archive.ensure_source("sumsel", "https://sumselupdate.example/")
    article_id, _ = archive.add_article(
        {
            "url": "https://sumselupdate.example/2024/06/sampah",
            "source_id": source,
            "title": "Bank Sampah Digital di Prabumulih",
            "text": "Warga Prabumulih menukar sampah plastik dengan saldo uang elektronik.",
            "published_at": datetime(2024, 6, 1, tzinfo=WIB),
        }
    )
    assert found(engine, "prabumulih") == {"sampah"}
    archive.update_article(
        article_id, {"title": "Bank Sampah Digital di Pagar Alam", "text": "Warga Pagar Alam menukar sampah plastik."}
    )
    assert found(engine, "prabumulih") == set()
    assert found(engine, '"pagar alam"') == {"sampah"}
    archive.update_article(article_id, {"text": "Warga menukar botol bekas."})
    assert found(engine, "botol") == {"sampah"} and found(engine, "plastik") == set()
    assert found(engine, '"pagar alam"') == {"sampah"}  # still in the title
    archive.delete_article(article_id)
    assert found(engine, "sampah") == set()
    # Deleting through SQL directly keeps the index in sync too (triggers / generated column).
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM articles WHERE id = :id"), {"id": stored["banjir_palembang"]})
    assert found(engine, "banjir") == set()
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:  # the FTS5 index agrees with its content table
            conn.exec_driver_sql("INSERT INTO article_fts(article_fts, rank) VALUES ('integrity-check', 1)")


MALFORMED = [
    '"banjir palembang',
    "OR",
    "-",
    "AND",
    "banjir OR",
    "OR banjir",
    "-banjir",
    "(banjir",
    "banjir)",
    "banjir OR -palembang",
    "*",
    '""',
    "^ : ( )",
    "NEAR(",
    "- -",
    "NOT",
    "_",
]


@pytest.mark.parametrize("query", MALFORMED)
def test_malformed_queries_are_query_errors(engine, stored, query: str) -> None:
    with pytest.raises(QueryError) as info:
        search(engine, SearchRequest(query=query))
    assert str(info.value) and "\n" not in str(info.value)
    with pytest.raises(QueryError):
        count(engine, SearchRequest(query=query))


@pytest.mark.parametrize(
    "query, expected",
    [
        ("banjir*", {"banjir-palembang"}),  # the word, not a prefix query
        ("title:banjir", set()),  # the phrase "title banjir", not a column filter
        ("banjir^2", set()),  # the phrase "banjir 2", not a boost
        ('"banjir" AND "palembang"', {"banjir-palembang"}),
        ("NEAR(banjir palembang)", set()),  # the word "near" and (banjir palembang)
        ("banjir's", set()),  # the phrase "banjir s"
        ("banjir!!", {"banjir-palembang"}),
        ("'banjir'", {"banjir-palembang"}),
        ("{banjir}", {"banjir-palembang"}),
        ("banjir + palembang", {"banjir-palembang"}),
        ("c++", set()),  # the word "c"
    ],
)
def test_fts_syntax_characters_never_reach_the_engine(engine, stored, query: str, expected: set[str]) -> None:
    """Engine syntax in a query is words and punctuation of kabar's query language: each query
    answers (no error) with what the language says, not what FTS5 or tsquery would make of it."""
    assert found(engine, query) == expected


def test_limits_are_checked(engine) -> None:
    with pytest.raises(QueryError, match="limit"):
        search(engine, SearchRequest(limit=-1))
    with pytest.raises(QueryError, match="offset"):
        count(engine, SearchRequest(offset=-5))


def test_iter_articles_streams_every_field(engine, archive, stored) -> None:
    source = archive.ensure_source("massal", "https://massal.example/")
    base = datetime(2022, 1, 1, tzinfo=UTC)
    for i in range(1_100):
        archive.add_article(
            {
                "url": f"https://massal.example/{i}",
                "source_id": source,
                "title": f"Berita {i}",
                "text": f"Kabar pembangunan jalan desa ke-{i}.",
                "published_at": base + timedelta(hours=i),
            }
        )
    archive.add_alias(stored["muba_smart_city"], "https://sumselupdate.example/amp/muba")
    stream = iter_articles(engine)
    assert isinstance(stream, GeneratorType)
    first = next(stream)
    assert first["id"] == stored["muba_smart_city"]
    assert first["aliases"] == ["https://sumselupdate.example/amp/muba"]
    expected = {
        "id",
        "url",
        "title",
        "author",
        "published",
        "source",
        "language",
        "text",
        "site_name",
        "description",
        "image",
        "dateline",
        "text_hash",
        "fetched_at",
        "aliases",
        "relevant",
        "score",
        "extractor_version",
        "meta",
        "created_at",
        "updated_at",
        "reasons",
        "dimensions",
        "regions",
        "provinces",
        "story_id",
        "warc",
        "removed_at",
        "hidden",
    }
    assert expected == set(first)
    assert first["warc"] is None and first["hidden"] is None and first["story_id"] is None
    assert first["published"].tzinfo == UTC and first["dateline"] == "Sekayu"
    rest = list(stream)
    assert len(rest) == 1_103
    assert len({a["id"] for a in rest}) == 1_103
    assert all(a["aliases"] == [] for a in rest)
    # With a request: the same filters and order as search; limit=None means all.
    assert [a["url"] for a in iter_articles(engine, SearchRequest(query="palembang", limit=None))] == [
        h.url for h in search(engine, SearchRequest(query="palembang"))
    ]
    assert len(list(iter_articles(engine, SearchRequest(sources=["massal"], limit=None)))) == 1_100
    assert len(list(iter_articles(engine, SearchRequest(sources=["massal"])))) == 20


def test_get_article(engine, archive, stored) -> None:
    article_id = stored["muba_smart_city"]
    fields = ARTICLES["muba_smart_city"]
    run = archive.start_run("sumsel", "cli")
    archive.record_fetch(fields["url"], source_id=1, run_id=run, kind="article", status=200, article_id=article_id)
    article = get_article(engine, article_id)
    assert article["title"] == fields["title"] and article["author"] == fields["author"]
    assert article["published"] == fields["published_at"]
    assert article["source"] == "sumsel"
    assert [(f["url"], f["status"], f["run_id"]) for f in article["fetches"]] == [(fields["url"], 200, run)]
    assert get_article(engine, 999_999) is None


def test_stats(engine, archive, stored) -> None:
    run = archive.start_run("sumsel", "cli")
    archive.finish_run(run, status="ok", pages=5, new=3)
    archive.start_run("sumsel", "daemon")
    archive.ensure_source("kosong", "https://kosong.example/")
    result = stats(engine)
    assert result["articles"] == 4
    by_source = {s["source"]: s for s in result["sources"]}
    assert by_source["sumsel"]["articles"] == 3 and by_source["nasional"]["articles"] == 1
    assert by_source["kosong"]["articles"] == 0 and by_source["kosong"]["last_run"] is None
    assert by_source["sumsel"]["latest_published"] == datetime(2024, 5, 14, 2, 30, tzinfo=UTC)
    assert by_source["sumsel"]["last_run"]["trigger"] == "daemon"
    assert result["runs"] == {"total": 2, "by_status": {"ok": 1, "running": 1}}
