"""Bounds that keep one pathological page or query from costing every user: the longest stored
article text (storage.textlimit), the work of a search snippet (storage.snippet) and the words
of one query (storage.querylang.MAX_TERMS), on SQLite and PostgreSQL."""

from __future__ import annotations

import inspect
import logging
import sys
import time
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from twisted.internet.defer import Deferred

from crawler.config import Config, Paths
from crawler.extract import combine_pages, extract
from jobs.reextract import reextract
from jobs.web import create_app
from storage.errors import QueryError
from storage.query import SearchRequest, count, get_article, iter_articles, search
from storage.querylang import MAX_TERMS, parse_query
from storage.snippet import REGION_CHARS, SCAN_CHARS, make_snippet, snippet_span
from storage.textlimit import MAX_TEXT_CHARS, bound_text, cut_text
from storage.textnorm import stem_word, text_hash
from storage.warc import WarcWriter
from tests.support.deferreds import fired
from tests.support.pipelines import item, pipeline_of
from tests.support.runner import make_runner

WORDS = "warga kota pemerintah jalan pelayanan sungai pasar dinas kabupaten program bupati rumah sekolah".split()
NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


def paragraphs(chars: int, *, first: str = "banjir", last: str = "ujungteks") -> str:
    """About ``chars`` characters of news-like paragraphs (60 words each); ``first`` is the
    first word and ``last`` the last, and neither occurs anywhere else."""
    parts, size, i = [], 0, 0
    while size < chars:
        part = " ".join(WORDS[(i + j) % len(WORDS)] for j in range(60)) + "."
        parts.append(part)
        size += len(part) + 2
        i += 1
    return f"{first} " + "\n\n".join(parts) + f" {last}"


def page(text: str) -> str:
    body = "".join(f"<p>{p}</p>\n" for p in text.split("\n\n"))
    return (
        f"<html lang='id'><head><title>Laporan warga</title></head><body><article>"
        f"<h1>Laporan warga</h1>{body}</article></body></html>"
    )


def assert_cut(stored: str, whole: str) -> None:
    """``stored`` is ``whole`` cut at a paragraph break within MAX_TEXT_CHARS."""
    assert MAX_TEXT_CHARS // 2 < len(stored) <= MAX_TEXT_CHARS
    assert whole.startswith(stored) and whole[len(stored) :].startswith("\n\n")


# -- where a text is cut ---------------------------------------------------------------------


def test_a_long_text_is_cut_at_its_last_paragraph_break_before_the_limit() -> None:
    short = paragraphs(5_000)
    assert cut_text(short) == short and bound_text(short) == (short, None)
    long = paragraphs(3 * MAX_TEXT_CHARS)
    assert_cut(cut_text(long), long)
    assert bound_text(long) == (cut_text(long), len(long))
    assert bound_text(cut_text(long), 12_345_678) == (cut_text(long), 12_345_678)  # cut at extraction
    # no paragraph break late enough: a line break, then a space, then the limit itself
    one_line = "kota " * MAX_TEXT_CHARS
    at_space = cut_text("Judul\n\n" + one_line)
    assert at_space.endswith(" kota") and MAX_TEXT_CHARS - 5 <= len(at_space) < MAX_TEXT_CHARS
    lines = "\n".join(["warga kota"] * MAX_TEXT_CHARS)
    assert cut_text(lines).endswith("warga kota") and lines[len(cut_text(lines))] == "\n"
    assert cut_text("x" * (MAX_TEXT_CHARS + 10)) == "x" * MAX_TEXT_CHARS


# -- storing -----------------------------------------------------------------------------------


def test_a_huge_text_stored_directly_is_cut_recorded_and_searched_quickly(archive, engine, caplog) -> None:
    source = archive.ensure_source("warga", "https://warga.example/")
    huge = paragraphs(10_000_000)
    url = "https://warga.example/2026/12/laporan"
    with caplog.at_level(logging.WARNING, logger="storage.archive"):
        article_id, created = archive.store_article(
            {
                "url": url,
                "source_id": source,
                "title": "Laporan warga",
                "text": huge,
                "text_hash": text_hash(huge),
                "meta": {"page_warc": []},
                "published_at": NOW,
            }
        )
    assert created
    assert any(url in r.getMessage() and f"{len(huge)}" in r.getMessage() for r in caplog.records)
    stored = get_article(engine, article_id)
    assert_cut(stored["text"], huge)
    assert stored["meta"] == {"page_warc": [], "truncated_from": len(huge)}
    assert stored["text_hash"] == text_hash(stored["text"])  # not the caller's hash of the whole
    exported = next(iter_articles(engine))
    assert exported["meta"]["truncated_from"] == len(huge)
    # the words kept are found, with a marked snippet, fast; what was cut off is not stored
    started = time.perf_counter()
    hits = search(engine, SearchRequest(query="banjir sekolah"))
    assert time.perf_counter() - started < 2.0  # 3 s and more before the cut, on SQLite alone
    assert [h.id for h in hits] == [article_id] and "[banjir]" in hits[0].snippet
    assert count(engine, SearchRequest(query="ujungteks")) == 0


def test_a_new_text_replaces_the_record_of_the_cut(archive, engine) -> None:
    source = archive.ensure_source("warga", "https://warga.example/")
    article_id, _ = archive.add_article(
        {
            "url": "https://warga.example/1",
            "source_id": source,
            "text": "Teks pendek.",
            "meta": {"page_warc": [{"file": "a"}]},
        }
    )
    huge = paragraphs(3 * MAX_TEXT_CHARS)
    archive.update_article(article_id, {"text": huge})
    stored = get_article(engine, article_id)
    assert_cut(stored["text"], huge)
    assert stored["meta"] == {"page_warc": [{"file": "a"}], "truncated_from": len(huge)}
    assert stored["text_hash"] == text_hash(stored["text"])
    archive.update_article(article_id, {"text": cut_text(huge), "truncated_from": 5_000_000})
    assert get_article(engine, article_id)["meta"]["truncated_from"] == 5_000_000
    archive.update_article(article_id, {"text": "Teks baru yang pendek.", "truncated_from": None})
    assert get_article(engine, article_id)["meta"] == {"page_warc": [{"file": "a"}]}


# -- extraction, the crawl and reextract -----------------------------------------------------


def test_extraction_cuts_a_huge_page_and_the_crawl_stores_the_cut(tmp_path) -> None:
    whole = paragraphs(2_500_000)
    article = extract(page(whole), "http://127.0.0.1:9/berita/laporan")
    assert_cut(article.text, whole)
    assert article.truncated_from == len(whole) and article.to_dict()["truncated_from"] == len(whole)
    small = extract(page(paragraphs(3_000, first="pengantar")), "http://127.0.0.1:9/berita/kecil")
    assert small.text and small.truncated_from is None
    # an article over several pages is cut as one text, and counts every page
    joined = combine_pages(small, [article])
    assert len(joined.text) <= MAX_TEXT_CHARS and joined.text.startswith(small.text)
    assert joined.truncated_from == len(small.text) + 2 + len(whole)
    # the crawl's store step records it
    pipeline = pipeline_of("satu", tmp_path, KABAR_STORE_GROUP_SIZE=1)
    crawled = item(article.url, text=article.text)
    crawled.article = article
    done = fired([Deferred.fromCoroutine(pipeline.process_item(crawled))])
    stored = get_article(pipeline.run.archive.engine, done[0].article_id)
    assert stored["text"] == article.text and stored["meta"]["truncated_from"] == len(whole)


def test_reextract_cuts_a_huge_archived_page(archive, engine, database_url, tmp_path) -> None:
    whole = paragraphs(1_500_000)
    url = "https://warga.example/2026/12/laporan"
    with WarcWriter(tmp_path / "warc", prefix="huge") as writer:
        pointer = writer.write(
            url,
            status=200,
            headers=[("Content-Type", "text/html; charset=utf-8")],
            body=page(whole).encode(),
            fetched_at=NOW,
        )
    source = archive.ensure_source("warga", "https://warga.example/")
    article_id, _ = archive.add_article(
        {
            "url": url,
            "source_id": source,
            "text": "Teks lama.",
            "meta": {"page_warc": []},
            "warc_file": pointer.file,
            "warc_offset": pointer.offset,
            "warc_length": pointer.length,
        }
    )
    paths = Paths(config=Config(path=None), database_url=database_url, data_dir=tmp_path)
    summary = reextract(paths, engine, sources=[], since=None, workers=0)
    assert (summary.changed, summary.errors) == (1, 0)
    stored = get_article(engine, article_id)
    assert_cut(stored["text"], whole)
    assert stored["meta"] == {"page_warc": [], "truncated_from": len(whole)}


def test_kabar_show_and_the_article_page_tell_of_the_cut(tmp_path) -> None:
    from storage.archive import Archive
    from storage.db import open_archive

    database_url = f"sqlite:///{tmp_path / 'kabar.db'}"
    engine = open_archive(database_url)
    archive = Archive(engine)
    huge = paragraphs(3 * MAX_TEXT_CHARS)
    article_id, _ = archive.add_article(
        {
            "url": "https://warga.example/1",
            "title": "Laporan warga",
            "text": huge,
            "source_id": archive.ensure_source("warga", "https://warga.example/"),
        }
    )
    kept = len(get_article(engine, article_id)["text"])
    shown = make_runner(tmp_path, database_url, None)("show", str(article_id))
    assert shown.returncode == 0, shown.stderr
    assert f"cut: text cut at a paragraph break to {kept:,} of {len(huge):,} characters" in shown.stdout
    with TestClient(create_app(engine)) as client:
        assert f"to {kept:,} of {len(huge):,} characters" in client.get(f"/article/{article_id}").text
    engine.dispose()


# -- snippets ----------------------------------------------------------------------------------


def stems_looked_up(fn, *args, **kwargs):
    """(fn's result, how many words fn stemmed) — stem_word is the snippet's work per word."""
    before = stem_word.cache_info()
    result = fn(*args, **kwargs)
    after = stem_word.cache_info()
    return result, (after.hits + after.misses) - (before.hits + before.misses)


def test_a_snippet_of_a_10_mb_text_reads_a_bounded_part_of_it() -> None:
    huge = paragraphs(10_000_000)  # "banjir" first, "ujungteks" last
    most_words = REGION_CHARS // 2 + 10
    # a match near the start: only the words of the region after it are looked at
    snippet, stemmed = stems_looked_up(make_snippet, huge, {"banjir"}, size=30)
    assert snippet.startswith("[banjir] warga kota") and snippet.endswith(" …")
    assert stemmed <= 2 * most_words
    start, end = snippet_span(huge, {"banjir"})
    assert (start, end) == (0, REGION_CHARS)
    # a match far in: looked for in the first SCAN_CHARS only, then the text's start is shown
    middle = huge[:5_000_000] + " genangan " + huge[5_000_000:]
    snippet, stemmed = stems_looked_up(make_snippet, middle, {"genang"}, size=30)
    assert "[" not in snippet and snippet.startswith("banjir warga kota")
    assert stemmed <= SCAN_CHARS // 4 + 2 * most_words
    assert snippet_span(middle, {"genang"}) == (0, REGION_CHARS)
    near = huge[:50_000] + " genangan " + huge[50_000:]
    start, end = snippet_span(near, {"genang"})
    assert start < 50_001 < end and end - start <= REGION_CHARS + 100
    assert "[genangan]" in make_snippet(near, {"genang"})
    # a generous wall-clock check as well: the whole text took 3-4 s
    started = time.perf_counter()
    for stems in ({"banjir"}, {"genang"}, {"ujungteks"}, set()):
        make_snippet(middle, stems)
    assert time.perf_counter() - started < 1.0


# -- the words of one query --------------------------------------------------------------------


def test_a_query_has_at_most_max_terms_words_or_phrases() -> None:
    with pytest.raises(QueryError, match=f"too many words in the query: 500 \\(at most {MAX_TERMS}"):
        parse_query(" ".join(["a"] * 500))
    assert parse_query(" ".join(f"kata{i}" for i in range(MAX_TERMS))) is not None
    phrases = " ".join(f'"kata{i} lain"' for i in range(MAX_TERMS + 1))
    with pytest.raises(QueryError, match="too many words"):
        parse_query(phrases[:1000])


def test_long_queries_below_the_cap_work_and_above_it_are_refused(engine, stored) -> None:
    fillers = [f"-tidakada{i}" for i in range(30)]
    sixty = "palembang " + " ".join(fillers) + " (" + " OR ".join(["banjir", *(f"x{i}" for i in range(28))]) + ")"
    assert len(sixty.replace(" OR ", " ").split()) == 60
    assert {h.url.rsplit("/", 1)[1] for h in search(engine, SearchRequest(query=sixty))} == {"banjir-palembang"}
    many_or = " OR ".join(["cctv", "qr", *(f"y{i}" for i in range(58))])
    assert {h.url.rsplit("/", 1)[1] for h in search(engine, SearchRequest(query=many_or))} == {
        "cctv-lubuklinggau",
        "pasar-digital-jakarta",
    }
    excluded = "pelayanan " + " ".join(f"-z{i}" for i in range(55)) + " -muba"
    assert {h.url.rsplit("/", 1)[1] for h in search(engine, SearchRequest(query=excluded))} == {"cctv-lubuklinggau"}
    with pytest.raises(QueryError, match="too many words"):
        search(engine, SearchRequest(query=" ".join(["a"] * 500)))
    with pytest.raises(QueryError, match="too many words"):
        count(engine, SearchRequest(query=" ".join(["a"] * 500)))


def test_a_query_at_the_cap_is_built_without_deep_nesting(engine, stored) -> None:
    """Each word used to nest the SQL one call deeper: ~760 Python frames at 64 words, and a
    RecursionError (a 500) at about 90 on PostgreSQL. Now a few hundred frames are plenty."""
    words = (
        " ".join(["palembang", *(f"-w{i}" for i in range(20))])
        + " ("
        + " OR ".join(["banjir", *(f"v{i}" for i in range(MAX_TERMS - 22))])
        + ")"
    )
    assert len(words.replace(" OR ", " ").split()) == MAX_TERMS
    search(engine, SearchRequest(query="palembang"))  # first use of the engine, at full depth
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack(0)) + 400)
    try:
        hits = search(engine, SearchRequest(query=words))
    finally:
        sys.setrecursionlimit(limit)
    assert [h.url.rsplit("/", 1)[1] for h in hits] == ["banjir-palembang"]


def test_too_many_words_are_one_clear_line_in_the_cli_and_a_400_in_the_api(
    database_url, engine, stored, tmp_path
) -> None:
    query = " ".join(["a"] * 500)
    result = make_runner(tmp_path, database_url, None)("search", query)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f'kabar: error: too many words in the query: 500 (at most {MAX_TERMS} words or "phrases")'
    ]
    with TestClient(create_app(engine)) as client:
        api = client.get("/api/search", params={"q": query})
        assert api.status_code == 400 and "too many words in the query: 500" in api.json()["detail"]
        fine = client.get("/api/search", params={"q": " ".join(["palembang"] * MAX_TERMS)})
        assert fine.status_code == 200 and len(fine.json()["results"]) == 2
