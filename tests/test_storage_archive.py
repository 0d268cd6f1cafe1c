"""The write API: sources, runs, fetched URLs, articles, aliases, concurrency."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import Article, ArticleUrl, CrawlRun, FetchedUrl, Source
from storage.query import get_article, list_runs
from storage.textnorm import text_hash
from tests.support.articles import ARTICLES
from tests.support.workers import concurrent_writer, run_at_once


def test_ensure_source_is_idempotent_and_follows_url_changes(archive, engine) -> None:
    first = archive.ensure_source("sumsel", "https://sumselupdate.example/")
    assert archive.ensure_source("sumsel", "https://sumselupdate.example/") == first
    assert archive.ensure_source("sumsel", "https://www.sumselupdate.example/") == first
    assert archive.ensure_source("palpres", "https://palpres.example/") != first
    with Session(engine) as s:
        assert s.get(Source, first).url == "https://www.sumselupdate.example/"
        assert s.scalar(select(func.count()).select_from(Source)) == 2


def test_add_article_by_canonical_url(archive, engine) -> None:
    source = archive.ensure_source("sumsel", "https://sumselupdate.example/")
    fields = dict(ARTICLES["muba_smart_city"], source_id=source)
    article_id, created = archive.add_article(fields)
    assert created
    # The same URL again, even with other content, returns the stored article unchanged.
    again = archive.add_article({**fields, "title": "Judul lain"})
    assert again == (article_id, False)
    with Session(engine) as s:
        article = s.get(Article, article_id)
        assert article.title == fields["title"]
        assert article.text_hash == text_hash(fields["text"])
        assert article.relevant is True and article.meta == {}
        assert s.scalar(select(func.count()).select_from(Article)) == 1


def test_store_article_writes_tags_story_and_fetch_in_one_transaction(archive, engine) -> None:
    from storage.fingerprint import signature
    from storage.models import ArticleRegion

    source = archive.ensure_source("sumsel", "https://sumselupdate.example/")
    fields = dict(ARTICLES["muba_smart_city"], source_id=source)
    tags = {
        "relevant": True,
        "score": 3.5,
        "reasons": [],
        "dimensions": ["governance"],
        "regions": [{"code": "16.06", "name": "Musi Banyuasin", "type": "kabupaten"}],
        "provinces": [],
    }
    fetch = {"url": fields["url"] + "?utm=x", "source_id": source, "run_id": None, "kind": "article", "status": 200}
    article_id, created = archive.store_article(fields, tags=tags, signature=signature(fields["text"]), fetch=fetch)
    assert created
    with Session(engine) as s:
        article = s.get(Article, article_id)
        assert article.score == 3.5 and article.story_id is not None and article.minhash is not None
        assert s.scalar(select(ArticleRegion.code).where(ArticleRegion.article_id == article_id)) == "16.06"
        assert s.scalar(select(FetchedUrl.article_id).where(FetchedUrl.url == fetch["url"])) == article_id
    # the same URL again: not created, tags and story untouched, the fetch still recorded
    again = archive.store_article(
        {**fields, "title": "Lain"}, tags={**tags, "score": 0.0}, fetch={**fetch, "url": "https://x.example/a"}
    )
    assert again == (article_id, False)
    with Session(engine) as s:
        assert s.get(Article, article_id).score == 3.5
        assert s.scalar(select(FetchedUrl.article_id).where(FetchedUrl.url == "https://x.example/a")) == article_id
    # a bad fetch record rolls the whole article back
    other = dict(ARTICLES["banjir_palembang"], source_id=source)
    with pytest.raises(ValueError, match="unknown fetch field"):
        archive.store_article(other, tags=tags, fetch={**fetch, "colour": "red"})
    with pytest.raises(ValueError, match="unknown fetch kind"):
        archive.store_article(other, fetch={**fetch, "kind": "video"})
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Article)) == 1


def test_store_article_takes_stems_the_caller_made(archive, engine) -> None:
    from storage.textnorm import search_text

    source = archive.ensure_source("sumsel", "https://sumselupdate.example/")
    given = dict(ARTICLES["muba_smart_city"], source_id=source)
    made = dict(ARTICLES["banjir_palembang"], source_id=source)
    stems = search_text(given["title"], given["text"])
    given_id, _ = archive.store_article(given, stems=stems)
    made_id, _ = archive.store_article(made)
    with Session(engine) as s:
        stored = dict(s.execute(select(Article.id, Article.search_text)).all())
    if archive.keeps_stems:  # SQLite's full-text column
        assert stored[given_id] == stems
        assert stored[made_id] == search_text(made["title"], made["text"])
    else:
        assert stored == {given_id: None, made_id: None}


def test_store_articles_writes_several_in_one_transaction(archive, engine) -> None:
    from sqlalchemy import event

    from storage.archive import NewArticle

    source = archive.ensure_source("sumsel", "https://sumselupdate.example/")
    muba = dict(ARTICLES["muba_smart_city"], source_id=source)
    banjir = dict(ARTICLES["banjir_palembang"], source_id=source)
    copy = dict(muba, url="https://copy.example/muba")  # the same text under another URL
    again = dict(banjir, title="Judul lain")  # the same URL
    fetch = {"source_id": source, "run_id": None, "kind": "article", "status": 200}
    commits = []

    def count(conn) -> None:
        commits.append(1)

    event.listen(engine, "commit", count)
    try:
        results = archive.store_articles(
            [
                NewArticle(muba, fetch={**fetch, "url": muba["url"]}),
                NewArticle(banjir, tags={"relevant": True, "score": 2.0, "reasons": []}),
                NewArticle(copy, fetch={**fetch, "url": copy["url"]}),
                NewArticle(again),
            ]
        )
    finally:
        event.remove(engine, "commit", count)
    assert len(commits) == 1
    (muba_id, c1), (banjir_id, c2), copy_result, again_result = results
    assert c1 and c2 and muba_id != banjir_id
    assert copy_result == (muba_id, False) and again_result == (banjir_id, False)
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Article)) == 2
        assert s.get(Article, banjir_id).score == 2.0
        assert s.get(Article, muba_id).story_id is not None
        assert s.scalar(select(FetchedUrl.article_id).where(FetchedUrl.url == copy["url"])) == muba_id
    # one bad article rolls back the whole call
    other = dict(
        ARTICLES["banjir_palembang"], source_id=source, url="https://x.example/b", text="Teks lain sama sekali."
    )
    with pytest.raises(ValueError, match="unknown fetch kind"):
        archive.store_articles(
            [
                NewArticle(other),
                NewArticle(
                    dict(other, url="https://x.example/c", text="Lain lagi."),
                    fetch={**fetch, "url": "u", "kind": "video"},
                ),
            ]
        )
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Article)) == 2


def test_aliases(archive, engine, stored) -> None:
    muba = stored["muba_smart_city"]
    canonical = "https://sumselupdate.example/2024/05/muba-smart-city"
    amp = canonical + "/amp"
    archive.add_alias(muba, amp)
    archive.add_alias(muba, amp)  # idempotent
    archive.add_alias(muba, canonical)  # never an alias equal to the canonical URL
    # Another article's canonical URL never becomes an alias either.
    archive.add_alias(muba, "https://palpres.example/2024/01/banjir-palembang")
    # An alias stays with the article it belongs to.
    archive.add_alias(stored["banjir_palembang"], amp)
    assert archive.aliases(muba) == [amp]
    assert archive.aliases(stored["banjir_palembang"]) == []
    assert archive.find_article_id(amp) == muba
    assert archive.find_article_id(canonical) == muba
    assert archive.find_article_id("https://nowhere.example/") is None
    palpres = "https://palpres.example/2024/01/banjir-palembang"
    assert archive.find_article_for([amp, "https://nowhere.example/"]) == muba
    assert archive.find_article_for(["https://nowhere.example/"]) is None
    assert archive.find_article_for([]) is None
    # several known: the first in sorted order wins, whatever order they come in
    assert (
        archive.find_article_for([amp, palpres])
        == archive.find_article_for([palpres, amp])
        == stored["banjir_palembang"]
    )
    # Adding an article under an alias URL returns the article it is an alias of.
    assert archive.add_article({"url": amp, "source_id": 1, "title": "AMP"}) == (muba, False)
    assert get_article(engine, muba)["aliases"] == [amp]
    with pytest.raises(ValueError, match="no article"):
        archive.add_alias(999_999, "https://x.example/orphan")


def test_exact_duplicates_by_text_hash(archive, stored) -> None:
    original = ARTICLES["banjir_palembang"]
    # The same text with other quotes, case and spacing is the same hash.
    copy = "  " + original["text"].upper().replace(" ", "  \n") + " "
    assert text_hash(copy) == text_hash(original["text"])
    assert archive.find_by_text_hash(text_hash(copy)) == stored["banjir_palembang"]
    assert archive.find_by_text_hash(text_hash("teks lain sama sekali")) is None


def test_unknown_or_missing_fields_are_refused(archive) -> None:
    source = archive.ensure_source("sumsel", "https://sumselupdate.example/")
    with pytest.raises(ValueError, match="unknown article field.*published\\b"):
        archive.add_article({"url": "https://x.example/a", "source_id": source, "published": None})
    with pytest.raises(ValueError, match="missing article field.*url"):
        archive.add_article({"source_id": source, "title": "Tanpa URL"})
    with pytest.raises(ValueError, match="unknown article field"):
        archive.update_article(1, {"search_text": "x"})


def test_update_and_delete_article(archive, engine, stored) -> None:
    article_id = stored["banjir_palembang"]
    archive.update_article(article_id, {"text": "Teks baru hasil ekstraksi ulang.", "score": 2.5})
    with Session(engine) as s:
        article = s.get(Article, article_id)
        assert article.text_hash == text_hash("Teks baru hasil ekstraksi ulang.")
        assert article.score == 2.5
        assert article.updated_at >= article.created_at
    archive.add_alias(article_id, "https://palpres.example/amp/banjir")
    archive.record_fetch(
        "https://palpres.example/2024/01/banjir-palembang",
        source_id=None,
        run_id=None,
        kind="article",
        status=200,
        article_id=article_id,
    )
    archive.delete_article(article_id)
    with Session(engine) as s:
        assert s.get(Article, article_id) is None
        assert s.scalar(select(func.count()).select_from(ArticleUrl)) == 0  # cascade
        fetched = s.scalar(select(FetchedUrl))
        assert fetched.article_id is None  # set null
    with pytest.raises(ValueError, match="no article"):
        archive.update_article(article_id, {"title": "x"})


def test_record_fetch_upserts_by_url(archive, engine) -> None:
    source = archive.ensure_source("sumsel", "https://sumselupdate.example/")
    run = archive.start_run("sumsel", "cli")
    feed = "https://sumselupdate.example/feed/"
    archive.record_fetch(
        feed,
        source_id=source,
        run_id=run,
        kind="feed",
        status=200,
        etag='W/"abc"',
        last_modified="Tue, 14 May 2024 02:30:00 GMT",
    )
    archive.record_fetch(feed, source_id=source, run_id=run, kind="feed", status=304)
    info = archive.fetch_info(feed)
    assert info["status"] == 304
    assert info["etag"] == 'W/"abc"'  # a 304 keeps the validators
    assert info["last_modified"] == "Tue, 14 May 2024 02:30:00 GMT"
    assert info["fetched_at"].tzinfo == UTC
    archive.record_fetch(feed, source_id=source, run_id=run, kind="feed", status=200, etag='"def"')
    assert archive.fetch_info(feed)["etag"] == '"def"'
    assert archive.fetch_info("https://nowhere.example/") is None
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(FetchedUrl)) == 1
    with pytest.raises(ValueError, match="unknown fetch kind"):
        archive.record_fetch(feed, source_id=source, run_id=run, kind="page")


def test_fetched_urls_and_known_urls(archive, stored) -> None:
    sumsel = archive.ensure_source("sumsel", "https://sumselupdate.example/")
    other = archive.ensure_source("nasional", "https://kabarnasional.example/")
    ok, gone, broken, failed = (f"https://sumselupdate.example/{n}" for n in ("ok", "gone", "500", "err"))
    archive.record_fetch(ok, source_id=sumsel, run_id=None, kind="article", status=200)
    archive.record_fetch(gone, source_id=sumsel, run_id=None, kind="article", status=404)
    archive.record_fetch(broken, source_id=sumsel, run_id=None, kind="article", status=503)
    archive.record_fetch(failed, source_id=sumsel, run_id=None, kind="article", error="TimeoutError")
    archive.record_fetch("https://kabarnasional.example/a", source_id=other, run_id=None, kind="article", status=200)
    archive.record_fetch("https://sumselupdate.example/feed/", source_id=sumsel, run_id=None, kind="feed", status=200)
    assert archive.fetched_urls(sumsel) == {ok, gone}
    assert archive.fetched_urls(sumsel, include_failed=True) == {ok, gone, broken, failed}
    assert archive.fetched_urls() == {ok, gone, "https://kabarnasional.example/a"}
    assert archive.fetched_urls(sumsel, kinds=("feed",)) == {"https://sumselupdate.example/feed/"}
    archive.add_alias(stored["muba_smart_city"], "https://m.sumselupdate.example/muba")
    assert archive.is_known_url(ok)
    assert not archive.is_known_url(broken)  # fetched again next time
    assert archive.is_known_url("https://m.sumselupdate.example/muba")
    assert archive.is_known_url("https://palpres.example/2024/01/banjir-palembang")
    assert not archive.is_known_url("https://palpres.example/belum")


def test_runs(archive, engine) -> None:
    first = archive.start_run("sumsel", "cli")
    second = archive.start_run("palpres", "daemon")
    archive.finish_run(
        first,
        status="partial",
        pages=12,
        new=3,
        duplicates=2,
        errors=25,
        error_samples=[f"HTTP 500 https://x.example/{i}" for i in range(25)],
    )
    runs = list_runs(engine)
    assert [r["id"] for r in runs] == [second, first]
    assert runs[0]["status"] == "running" and runs[0]["finished"] is None
    done = runs[1]
    assert (done["source"], done["trigger"], done["status"]) == ("sumsel", "cli", "partial")
    assert (done["pages"], done["new"], done["duplicates"], done["errors"]) == (12, 3, 2, 25)
    assert len(done["error_samples"]) == 20 and done["error_samples"][0] == "HTTP 500 https://x.example/0"
    assert done["started"] <= done["finished"] and done["finished"].tzinfo == UTC
    assert [r["id"] for r in list_runs(engine, source="palpres")] == [second]
    assert len(list_runs(engine, limit=1)) == 1
    with pytest.raises(ValueError, match="unknown run status"):
        archive.finish_run(first, status="done")
    with pytest.raises(ValueError, match="no crawl run"):
        archive.finish_run(999_999, status="ok")


def test_concurrent_writers_never_duplicate(database_url: str, engine) -> None:
    rounds, workers = 40, 3
    results = run_at_once(concurrent_writer, [(database_url, w, rounds) for w in range(workers)], timeout=180)
    assert [error for _, _, error in results] == [None] * workers
    # Every worker saw the same id for each URL, and exactly one created it.
    by_round: dict[int, set[int]] = {}
    created: dict[int, int] = {}
    for _, rows, _ in results:
        for i, article_id, was_created in rows:
            by_round.setdefault(i, set()).add(article_id)
            created[i] = created.get(i, 0) + was_created
    assert all(len(ids) == 1 for ids in by_round.values())
    assert set(created.values()) == {1}
    with Session(engine) as s:
        count = lambda model: s.scalar(select(func.count()).select_from(model))  # noqa: E731
        assert count(Article) == rounds
        assert count(ArticleUrl) == rounds
        assert count(FetchedUrl) == rounds
        assert count(Source) == 3
        assert count(CrawlRun) == 0


def test_published_at_can_be_missing(archive, engine) -> None:
    source = archive.ensure_source("sumsel", "https://sumselupdate.example/")
    article_id, _ = archive.add_article(
        {
            "url": "https://x.example/tanpa-tanggal",
            "source_id": source,
            "title": "Tanpa tanggal",
            "fetched_at": datetime(2024, 6, 1, tzinfo=UTC),
            "meta": {"reasons": ["smart city"]},
        }
    )
    article = get_article(engine, article_id)
    assert article["published"] is None
    assert article["fetched_at"] == datetime(2024, 6, 1, tzinfo=UTC)
    assert article["meta"] == {"reasons": ["smart city"]}
