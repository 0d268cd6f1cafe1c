"""The whole path as a user walks it: the example sites served on 127.0.0.1, ``kabar crawl``
into a real SQLite archive, then search, show, export and runs."""

from __future__ import annotations

import csv
import io
import json
import socket
import sqlite3

import pytest

from crawler.urls import canonicalize
from tests.support.gold import gold_copies
from tests.support.runner import RUN_FIELDS, scrapy_crawl

SEED_WORDS = {
    # seed story -> words from its body (not its title) that a user would search for
    "muba": "Herryandi Sinulingga",
    "muara-enim": "Ardian Arifanardi",
    "banyuasin-2019": "Rapat Evaluasi Program Menuju 100 Smart City",
    "banyuasin-2017": "PUSTIKNAS Ciputat",
    "musi-rawas": "Hendra Gunawan Ridwan Kamil",
}


def export(runner) -> list[dict]:
    result = runner("export", "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_full_crawl_stores_every_article_exactly_once(crawled, sites):
    runner, first = crawled
    articles = export(runner)
    by_url: dict[str, dict] = {}
    for article in articles:
        for url in [article["url"], *article["aliases"]]:
            by_url[canonicalize(url)] = article
    gold = gold_copies(sites)
    missing = [g["url"] for g in gold if canonicalize(g["url"]) not in by_url]
    assert not missing, f"{len(missing)} gold pages not stored, e.g. {missing[:3]}"
    # one stored article per gold copy, except copies whose text is identical to another's
    distinct_texts = {" ".join(g["text"].split()) for g in gold}
    assert len(articles) == len(distinct_texts)
    assert len({a["url"] for a in articles}) == len(articles)
    for g in gold:
        article = by_url[canonicalize(g["url"])]
        if " ".join(g["text"].split()) == " ".join(article["text"].split()):
            continue
        assert article["title"], g["url"]
    assert "Crawl summary" in first.stderr
    assert "WARNING scrapy" not in first.stderr  # Scrapy's components configured as they expect


def test_fields_made_in_the_workers_are_those_the_archive_would_make(crawled):
    """Hash and full-text stems come from the extraction workers; they must equal what the
    archive computes from the stored title and text."""
    from storage.textnorm import search_text, text_hash

    runner, _ = crawled
    with sqlite3.connect(runner.database_url.removeprefix("sqlite:///")) as con:
        rows = con.execute("select title, text, text_hash, search_text from articles").fetchall()
    assert len(rows) >= 90
    for title, text, hash_, stems in rows:
        assert hash_ == text_hash(text)
        assert stems == search_text(title, text) and stems


def test_second_crawl_fetches_no_article_again(crawled, sites):
    runner, _ = crawled
    before = len(export(runner))
    sites.clear_requests()
    result = runner("crawl")
    assert result.returncode == 0, result.stderr
    article_paths = {g["path"] for g in gold_copies(sites)}
    fetched_again = [r.target for r in sites.requests() if r.target.split("?")[0] in article_paths]
    assert fetched_again == []
    assert len(export(runner)) == before
    runs = json.loads(runner("runs", "--format", "json").stdout)
    latest = {r["source"]: r for r in sorted(runs, key=lambda r: r["id"])}
    assert set(latest) == set(sites.sites)
    assert all(r["new"] == 0 for r in latest.values())
    assert all(r["status"] == "ok" for r in latest.values()), latest


@pytest.mark.parametrize("key", sorted(SEED_WORDS))
def test_search_finds_seed_stories_by_words_in_their_body(crawled, key):
    runner, _ = crawled
    result = runner("search", SEED_WORDS[key], "--format", "json")
    assert result.returncode == 0, result.stderr
    hits = json.loads(result.stdout)
    assert hits, f"nothing found for {SEED_WORDS[key]!r}"
    assert {"id", "url", "title", "published", "source", "snippet"} <= set(hits[0])


def test_search_stems_indonesian_affixes(crawled):
    runner, _ = crawled
    plain = json.loads(runner("search", "layanan", "--format", "json", "--limit", "100").stdout)
    affixed = json.loads(runner("search", "pelayanan", "--format", "json", "--limit", "100").stdout)
    assert plain and {h["id"] for h in plain} == {h["id"] for h in affixed}


def test_search_filters_and_formats(crawled):
    runner, _ = crawled
    hits = json.loads(
        runner("search", "smart city", "--source", "infodaerah", "--format", "json", "--limit", "50").stdout
    )
    assert hits and {h["source"] for h in hits} == {"infodaerah"}
    old = json.loads(
        runner("search", "smart city", "--until", "2018-12-31", "--format", "json", "--limit", "50").stdout
    )
    assert old and all(h["published"] < "2019-01-01" for h in old)
    assert all(h["published"].endswith("+07:00") for h in old)
    table = runner("search", "smart city", "--limit", "3")
    assert table.returncode == 0 and "Published" in table.stdout
    rows = list(csv.DictReader(io.StringIO(runner("search", "banjir", "--format", "csv").stdout)))
    assert rows and set(rows[0]) == {"id", "url", "title", "published", "source", "story_id", "also_in", "snippet"}


def test_malformed_query_is_a_clear_error(crawled):
    runner, _ = crawled
    for query in ('"smart city', "OR", "   "):
        result = runner("search", query)
        assert result.returncode == 2, (query, result.stdout, result.stderr)
        assert result.stderr.startswith("kabar: error:"), result.stderr
        assert "Traceback" not in result.stderr
    assert runner("search", "x", "--since", "yesterday").returncode == 2


def test_show_and_export_fields(crawled):
    runner, _ = crawled
    articles = export(runner)
    first = articles[0]
    assert {"id", "url", "title", "author", "published", "source", "language", "text"} <= set(first)
    shown = json.loads(runner("show", str(first["id"]), "--format", "json").stdout)
    assert shown["text"] == first["text"]
    text = runner("show", str(first["id"]))
    assert first["title"] in text.stdout
    missing = runner("show", "999999")
    assert missing.returncode == 2 and "no article with id 999999" in missing.stderr
    filtered = runner("export", "--source", "sumselpos", "--format", "jsonl").stdout.splitlines()
    assert filtered and all(json.loads(line)["source"] == "sumselpos" for line in filtered)
    rows = list(csv.DictReader(io.StringIO(runner("export", "--format", "csv").stdout)))
    assert len(rows) == len(articles)


def test_runs_are_recorded(crawled, sites):
    runner, _ = crawled
    runs = json.loads(runner("runs", "--format", "json").stdout)
    assert {r["source"] for r in runs} == set(sites.sites)
    for run in runs:
        assert RUN_FIELDS <= set(run)
        assert run["pages"] > 0 and run["trigger"] == "cli"


def test_bad_config_is_one_clear_line(kabar, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[[sources]]\nname = 'x'\nurl = 'https://x.id/'\ncolour = 'red'\n")
    result = kabar("crawl", "--config", str(bad))
    assert result.returncode == 2
    assert "unknown key 'colour'" in result.stderr and "Traceback" not in result.stderr
    assert kabar("crawl", "--source", "nope").returncode == 2
    assert kabar("search", "x", "--db", "mysql://nobody@127.0.0.1/x").returncode == 2


def test_unreachable_source_fails_alone(kabar, sites, tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead_port = sock.getsockname()[1]
    config = tmp_path / "with-dead.toml"
    config.write_text(
        sites.sources_toml() + f'\n[[sources]]\nname = "mati"\nurl = "http://127.0.0.1:{dead_port}/"\n'
        f'feeds = ["http://127.0.0.1:{dead_port}/feed/"]\n'
    )
    result = kabar("crawl", "--config", str(config), "--source", "mati", "--source", "infodaerah")
    assert result.returncode == 1, result.stderr
    assert "mati" in result.stderr and "Traceback" not in result.stderr
    runs = {r["source"]: r for r in json.loads(kabar("runs", "--format", "json").stdout)}
    assert runs["mati"]["status"] == "failed" and runs["mati"]["errors"] >= 1
    assert runs["infodaerah"]["status"] == "ok" and runs["infodaerah"]["new"] > 0


def test_scrapy_crawl_from_the_repo_root(tmp_path, sites):
    config = tmp_path / "sources.toml"
    config.write_text(sites.sources_toml())
    result = scrapy_crawl(tmp_path, config, "jurnalsilampari", "-s", "DOWNLOAD_DELAY=0", timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    with sqlite3.connect(tmp_path / "k.db") as con:
        count = con.execute("select count(*) from articles").fetchone()[0]
    expected = len([g for g in gold_copies(sites) if g["site"] == "jurnalsilampari"])
    assert count == expected


def test_robots_disallowed_links_are_not_followed(crawled, sites):
    # wartanusantara's robots.txt disallows /cari/, a search page the homepage links to
    assert all(not r.target.startswith("/cari") for r in sites.requests("wartanusantara"))
    assert any(r.target == "/robots.txt" for r in sites.requests("wartanusantara"))


def test_backfill_follows_listings_deeper(kabar, sites, tmp_path):
    """With only listing pages to go on, the default depth stops early and --backfill does not."""
    base = sites.url("sumselpos").rstrip("/")
    config = tmp_path / "listing-only.toml"
    config.write_text(
        "[relevance]\nmin_score = 0\n\n[crawl]\ndownload_delay = 0\nautothrottle = false\nlisting_depth = 0\n\n"
        f'[[sources]]\nname = "sumselpos"\nurl = "{base}/"\nlistings = ["{base}/category/sumsel/"]\n'
        "article_pattern = '^/\\d{4}/\\d{2}/\\d{2}/[a-z0-9-]+/$'\n"
    )
    shallow = kabar("crawl", "--config", str(config))
    assert shallow.returncode == 0, shallow.stderr
    first = json.loads(kabar("runs", "--format", "json").stdout)[0]
    total = len([g for g in gold_copies(sites) if g["site"] == "sumselpos"])
    assert 0 < first["new"] < total
    deep = kabar("crawl", "--config", str(config), "--backfill")
    assert deep.returncode == 0, deep.stderr
    second = json.loads(kabar("runs", "--format", "json").stdout)[0]
    assert first["new"] + second["new"] == total
    assert kabar("crawl", "--config", str(config), "--since", "2024-01-01").returncode == 2
