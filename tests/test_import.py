"""``kabar import`` on both backends: an export comes back as it was (stories, takedowns,
aliases, tags, WARC pointers), news-please records get the crawl's relevance and stories,
importing twice adds nothing, bad lines are reported by number and skipped; and the batch
write (``Archive.import_articles``) against what article-by-article storing gives."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bench.bench_dedup import TextMaker
from crawler.config import Config
from crawler.relevance.tagging import vocabulary_for
from crawler.urls import canonicalize
from jobs import output
from jobs.classify import tags_of
from jobs.importing import Line, RecordError, import_lines, parse_json, read_lines, read_record
from jobs.lock import ArchiveLock
from storage.archive import IMPORT_DUPLICATE, IMPORT_KNOWN, IMPORT_NEW, Archive, ImportedArticle
from storage.db import open_archive, open_existing_archive
from storage.models import Article, ArticleBand, ArticleRegion, ArticleUrl, Source, Story
from storage.query import iter_articles
from storage.request import SearchRequest
from tests.support.gold import gold_copies
from tests.support.runner import kabar_env, make_runner

EVERYTHING = SearchRequest(limit=None, include_hidden=True)
TABLES = (Article, ArticleUrl, Story, ArticleBand, ArticleRegion, Source)


def records_of(engine) -> list[dict[str, Any]]:
    """Every article as ``kabar export`` writes it, hidden ones too."""
    return [json.loads(json.dumps(output.jsonable(r), ensure_ascii=False)) for r in iter_articles(engine, EVERYTHING)]


def comparable(records: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Records by URL without their ids; the story as the set of URLs that share it."""
    records = list(records)
    members: dict[Any, set[str]] = defaultdict(set)
    for record in records:
        members[record["story_id"]].add(record["url"])
    return {
        r["url"]: {
            **{k: v for k, v in r.items() if k not in ("id", "story_id")},
            "story": sorted(members[r["story_id"]]),
        }
        for r in records
    }


def counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {m.__tablename__: conn.execute(select(func.count()).select_from(m)).scalar_one() for m in TABLES}


def write_lines(path: Path, lines: Iterable[Any]) -> Path:
    path.write_text("".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def exported(crawled, tmp_path_factory) -> Path:
    """The crawled example sites' archive as export lines (hidden articles included), after
    one article was taken down and two stories were regrouped by hand: one unrelated article
    put into another story, one copy of a syndicated story given a story of its own (what
    similarity alone would not give again)."""
    runner, _ = crawled
    work = tmp_path_factory.mktemp("exported")
    copy = work / "copy.db"
    with sqlite3.connect(runner.database_url.removeprefix("sqlite:///")) as source, sqlite3.connect(copy) as target:
        source.backup(target)
        shared = target.execute(
            "SELECT story_id, max(id) FROM articles GROUP BY story_id HAVING count(*) > 1 LIMIT 1"
        ).fetchone()
        alone = target.execute(
            "SELECT id FROM articles WHERE story_id IN (SELECT story_id FROM articles GROUP BY story_id"
            " HAVING count(*) = 1) ORDER BY id LIMIT 2"
        ).fetchall()
        target.execute("UPDATE articles SET story_id = ? WHERE id = ?", (shared[0], alone[0][0]))
        own = target.execute(
            "INSERT INTO stories (representative_id, created_at) VALUES (?, '2024-01-01 00:00:00')", (shared[1],)
        ).lastrowid
        target.execute("UPDATE articles SET story_id = ? WHERE id = ?", (own, shared[1]))
    engine = open_existing_archive(f"sqlite:///{copy}")
    first = next(iter_articles(engine))
    Archive(engine).hide(first["id"], "permintaan narasumber")
    path = work / "export.jsonl"
    with path.open("w", encoding="utf-8") as out:
        output.write_jsonl(iter_articles(engine, EVERYTHING), out=out)
    engine.dispose()
    return path


def test_an_export_imported_into_an_empty_archive_exports_the_same_records(exported, database_url, tmp_path):
    original = [json.loads(line) for line in exported.read_text(encoding="utf-8").splitlines()]
    # the file has what the round trip must keep
    assert any(r["hidden"] for r in original) and any(r["aliases"] for r in original)
    assert all(r["warc"] and r["regions"] is not None for r in original)
    shared = comparable(original)
    assert any(len(r["story"]) > 1 for r in shared.values())

    kabar = make_runner(tmp_path, database_url, None)
    result = kabar("import", str(exported))
    assert result.returncode == 0, result.stderr
    assert f"kabar: imported {len(original)} articles\n" in result.stderr
    engine = open_existing_archive(database_url)
    assert comparable(records_of(engine)) == shared
    engine.dispose()


def news_please(copy: dict[str, Any], n: int, **changes: Any) -> dict[str, Any]:
    """One example-site article as news-please writes it (its field names and date format)."""
    record = {
        "url": f"https://{copy['site']}.example/berita/{n}",
        "title": copy["title"],
        "maintext": copy["text"],
        "date_publish": copy["published"][:19].replace("T", " "),
        "date_download": "2024-06-01 10:00:00",
        "source_domain": f"{copy['site']}.example",
        "authors": [copy["author"], "Redaksi"],
        "language": "id",
        "title_page": None,
        "localpath": None,
    }
    return {**record, **changes}


@pytest.fixture(scope="module")
def gold_records() -> list[dict[str, Any]]:
    """Two copies of one smart-city story (near duplicates from two sites), another
    smart-city story, and the first copy's text again under another URL."""
    by_story: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for copy in gold_copies():
        by_story[copy["slug"]].append(copy)
    syndicated = next(cs for cs in by_story.values() if len(cs) > 1 and cs[0]["smart_city"] and cs[0]["regions"])
    other = next(cs[0] for cs in by_story.values() if cs[0]["smart_city"] and cs is not syndicated)
    first, second = syndicated[:2]
    return [
        news_please(first, 1),
        news_please(second, 2),
        news_please(other, 3, url=f"https://{other['site']}.example/berita/3?utm_source=facebook#komentar"),
        news_please(first, 4, url="https://salinan.example/berita/4", source_domain="salinan.example"),
    ]


def test_news_please_records_get_relevance_regions_and_stories(gold_records, database_url, tmp_path):
    path = write_lines(tmp_path / "news-please.jsonl", gold_records)
    kabar = make_runner(tmp_path, database_url, None)
    result = kabar("import", str(path))
    assert result.returncode == 0, result.stderr
    assert "kabar: imported 3 articles (1 kept as aliases of an article with the same text)" in result.stderr
    engine = open_existing_archive(database_url)
    stored = {r["url"]: r for r in records_of(engine)}
    first, second, other, same_text = gold_records
    canonical = other["url"].split("?")[0]  # stored as a crawl stores a page: the URL as given an alias
    assert set(stored) == {first["url"], second["url"], canonical}
    assert stored[canonical]["aliases"] == [other["url"]]
    stored[other["url"]] = stored[canonical]
    # the near copies are one story, the other story is not theirs
    assert stored[first["url"]]["story_id"] == stored[second["url"]]["story_id"] != stored[other["url"]]["story_id"]
    # the same text under another URL is an alias, as the crawl's dedup makes it
    assert stored[first["url"]]["aliases"] == [same_text["url"]]
    vocabulary = vocabulary_for(None)
    for record in (first, second, other):
        article = stored[record["url"]]
        expected = tags_of(record["title"], record["maintext"], None, vocabulary)
        assert {k: article[k] for k in ("relevant", "score", "reasons")} == {
            k: json.loads(json.dumps(expected[k])) for k in ("relevant", "score", "reasons")
        }
        assert article["dimensions"] == sorted(expected["dimensions"])  # stored in name order
        for key in ("regions", "provinces"):  # stored in code order
            assert article[key] == sorted(expected[key], key=lambda area: area["code"])
        assert article["relevant"] and article["score"] > 0 and article["regions"]
        assert article["text"] == record["maintext"] and article["source"] == record["source_domain"]
        assert article["author"] == f"{record['authors'][0]}, Redaksi"
        assert article["published"] == record["date_publish"].replace(" ", "T") + "+07:00"  # no offset: WIB
        assert article["fetched_at"] == "2024-06-01T10:00:00+07:00"
    with engine.connect() as conn:
        sources = dict(conn.execute(select(Source.name, Source.url)).all())
    assert sources[first["source_domain"]] == f"https://{first['source_domain']}/"  # created, at its site
    assert f"kabar: added source '{first['source_domain']}'" in result.stderr
    engine.dispose()


def test_importing_twice_adds_nothing(gold_records, exported, database_url, tmp_path):
    path = write_lines(tmp_path / "both.jsonl", [*exported.read_text(encoding="utf-8").splitlines(), *gold_records])
    kabar = make_runner(tmp_path, database_url, None)
    assert kabar("import", str(path)).returncode == 0
    engine = open_existing_archive(database_url)
    before, tables = records_of(engine), counts(engine)
    again = kabar("import", str(path))
    assert again.returncode == 0, again.stderr
    total = len(path.read_text(encoding="utf-8").splitlines())
    assert f"kabar: imported 0 articles ({total:,} already in the archive)" in again.stderr
    assert records_of(engine) == before and counts(engine) == tables
    engine.dispose()


def test_bad_lines_are_reported_by_number_and_skipped(gold_records, database_url, tmp_path):
    first, second, other, _ = gold_records
    kabar = make_runner(tmp_path, database_url, None)
    assert kabar("import", str(write_lines(tmp_path / "old.jsonl", [first]))).returncode == 0
    engine = open_existing_archive(database_url)
    before = records_of(engine)
    missing_date = {k: v for k, v in second.items() if k != "date_publish"}
    bad = write_lines(
        tmp_path / "bad.jsonl",
        [
            second,
            '{"url": "https://x.example/1", "title": ',
            missing_date,
            {**other, "date_publish": "kemarin sore"},
            {**first, "title": "Judul yang lain", "date_publish": "2020-13-45"},  # bad, and stored already
            {**first, "title": "Judul yang lain"},  # stored already: left as it is
            "",
            [1, 2],
            other,
        ],
    )
    result = kabar("import", str(bad))
    assert result.returncode == 1, result.stderr
    assert f"kabar: {bad}:2: not JSON (Expecting value at column" in result.stderr
    assert (
        f"kabar: {bad}:3: missing published (or date_publish, publishing_date, published_at, date_published)"
        in result.stderr
    )
    assert f"kabar: {bad}:4: bad date in published: 'kemarin sore' is not a date like 2024-05-31" in result.stderr
    assert f"kabar: {bad}:5: bad date in published: " in result.stderr
    assert f"kabar: {bad}:8: not a JSON object but a list" in result.stderr
    assert f"{bad}:6:" not in result.stderr and f"{bad}:7:" not in result.stderr
    assert "kabar: imported 2 articles (1 already in the archive), 5 lines failed" in result.stderr
    after = {r["url"]: r for r in records_of(engine)}
    assert set(after) == {canonicalize(r["url"]) for r in (first, second, other)}
    assert after[first["url"]] == next(r for r in before if r["url"] == first["url"])
    engine.dispose()


def test_a_line_the_database_refuses_fails_alone(gold_records, pg_database_url, tmp_path):
    """PostgreSQL takes no NUL in a text: that line's article is reported, the others of its
    batch are stored."""
    first, second, other, _ = gold_records
    refused = {**other, "maintext": other["maintext"] + "\u0000"}
    path = write_lines(tmp_path / "nul.jsonl", [first, refused, second])
    result = make_runner(tmp_path, pg_database_url, None)("import", str(path))
    assert result.returncode == 1, result.stderr
    assert f"kabar: {path}:2: not stored: PostgreSQL text fields cannot contain NUL (0x00) bytes" in result.stderr
    assert "kabar: imported 2 articles, 1 line failed" in result.stderr
    engine = open_existing_archive(pg_database_url)
    assert {r["url"] for r in records_of(engine)} == {first["url"], second["url"]}
    engine.dispose()


def test_stdin(gold_records, tmp_path):
    database_url = f"sqlite:///{tmp_path / 'kabar.db'}"
    lines = "".join(json.dumps(r) + "\n" for r in gold_records[:3]) + "kosong\n"
    result = subprocess.run(
        [sys.executable, "-m", "jobs.cli", "import", "-"],
        input=lines,
        cwd=tmp_path,
        env=kabar_env(tmp_path, database_url, None),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1, result.stderr
    assert "kabar: stdin:4: not JSON" in result.stderr
    assert "kabar: imported 3 articles, 1 line failed" in result.stderr
    engine = open_existing_archive(database_url)
    assert {r["url"] for r in records_of(engine)} == {canonicalize(r["url"]) for r in gold_records[:3]}
    engine.dispose()


def test_log_json_reports_lines_and_the_summary_as_records(gold_records, tmp_path):
    path = write_lines(tmp_path / "a.jsonl", ["{", gold_records[0]])
    result = make_runner(tmp_path, f"sqlite:///{tmp_path / 'kabar.db'}", None)("--log-json", "import", str(path))
    assert result.returncode == 1
    records = [json.loads(line) for line in result.stderr.splitlines()]  # nothing but JSON
    bad = next(r for r in records if "not JSON" in r["message"])
    assert (bad["file"], bad["line"], bad["level"]) == (str(path), 1, "WARNING")
    summary = records[-1]
    assert summary["message"] == "imported 1 article, 1 line failed"
    assert (summary["imported"], summary["failed"], summary["known"], summary["duplicates"]) == (1, 1, 0, 0)


def test_import_takes_the_writer_lock_and_refuses_missing_files(gold_records, tmp_path):
    database_url = f"sqlite:///{tmp_path / 'kabar.db'}"
    path = write_lines(tmp_path / "a.jsonl", gold_records)
    kabar = make_runner(tmp_path, database_url, None)
    with ArchiveLock(database_url, tmp_path / "data", "crawl"):
        held = kabar("import", str(path))
    assert held.returncode == 3 and "in use by kabar crawl" in held.stderr
    missing = kabar("import", str(path), str(tmp_path / "nothere.jsonl"))
    assert missing.returncode == 2
    assert missing.stderr.strip().splitlines() == [
        f"kabar: error: cannot read {tmp_path / 'nothere.jsonl'}: no such file, or not readable"
    ]
    assert not (tmp_path / "kabar.db").exists()  # nothing was started


# -- the batch write and the reading of records, in this process ------------------------------


def texts(n_originals: int, seed: int = 5) -> list[tuple[str, str | None]]:
    """(text, group) for originals and near copies of them: the story each must land in."""
    maker = TextMaker(seed)
    made: list[tuple[str, str | None]] = []
    for i in range(n_originals):
        original = maker.text()
        made.append((original, f"g{i}"))
        if i % 2 == 0:
            made.append((maker.near_copy(original), f"g{i}"))
    return made


def test_batches_give_the_stories_article_by_article_storing_gives(engine):
    """Near copies inside one batch and across batches, an exact copy (an alias), a URL met
    twice, and a story key carried across batches."""
    from datetime import UTC, datetime, timedelta

    archive = Archive(engine)
    source = archive.ensure_source("situs", "https://situs.example/")
    made = texts(6)
    start = datetime(2024, 1, 1, tzinfo=UTC)

    def article(i: int, text: str, **extra: Any) -> ImportedArticle:
        fields = {"url": f"https://situs.example/{i}", "source_id": source, "title": f"Judul {i}", "text": text}
        return ImportedArticle({**fields, "published_at": start + timedelta(days=(7 * i) % 11)}, **extra)

    batch = [article(i, text) for i, (text, _) in enumerate(made)]
    keys: dict[Any, int] = {}
    first = archive.import_articles(batch[:5], stories_by_key=keys)
    second = archive.import_articles(
        [
            *batch[5:],
            article(100, made[0][0]),  # the first text again: an alias of article 0
            article(3, "apa saja"),  # a URL stored already
            article(101, TextMaker(9).text(), story="carried"),
        ],
        stories_by_key=keys,
    )
    third = archive.import_articles([article(102, TextMaker(10).text(), story="carried")], stories_by_key=keys)
    outcomes = first + second + third
    assert [what for _, what in outcomes] == [IMPORT_NEW] * len(made) + [
        IMPORT_DUPLICATE,
        IMPORT_KNOWN,
        IMPORT_NEW,
        IMPORT_NEW,
    ]
    ids = [article_id for article_id, _ in outcomes]
    assert ids[len(made)] == ids[0] and ids[len(made) + 1] == ids[3]
    with engine.connect() as conn:
        story_of = dict(conn.execute(select(Article.id, Article.story_id)).all())
        stories = {s.id: s for s in conn.execute(select(Story))}
        published = dict(conn.execute(select(Article.id, Article.published_at)).all())
        aliases = conn.execute(select(ArticleUrl.article_id, ArticleUrl.url)).all()
    groups = defaultdict(set)
    for article_id, (_, group) in zip(ids, made, strict=False):
        groups[group].add(story_of[article_id])
    assert all(len(found) == 1 for found in groups.values())  # each story's copies together
    assert len({next(iter(found)) for found in groups.values()}) == len(groups)  # and apart from the others
    assert story_of[ids[-1]] == story_of[ids[-2]]  # the carried key, across batches
    assert aliases == [(ids[0], "https://situs.example/100")]
    for story_id, story in stories.items():  # as refresh_story keeps them
        members = sorted((published[a], a) for a, s in story_of.items() if s == story_id)
        assert (story.representative_id, story.first_published) == (members[0][1], members[0][0])

    # the crawl's write (article by article) finds the imported articles: another outlet's
    # copy of each text joins that text's story
    for i, (text, _) in enumerate(made):
        archive.store_article({**article(i, text).fields, "url": f"https://lain.example/{i}"})
    with engine.connect() as conn:
        again = dict(conn.execute(select(Article.url, Article.story_id)).all())
        assert conn.execute(select(func.count()).select_from(Story)).scalar_one() == len(stories)
    assert [again[f"https://lain.example/{i}"] for i in range(len(made))] == [story_of[i] for i in ids[: len(made)]]


def test_a_batch_the_archive_refuses_is_written_article_by_article(gold_records, tmp_path):
    engine = open_archive(f"sqlite:///{tmp_path / 'kabar.db'}")

    class Refusing(Archive):
        def import_articles(self, articles, **kwargs):
            if any("tolak" in a.fields["url"] for a in articles):
                raise ValueError("cannot store article: refused")
            return super().import_articles(articles, **kwargs)

    lines = [
        Line("a.jsonl", n, json.dumps(r).encode())
        for n, r in enumerate([*gold_records[:2], {**gold_records[2], "url": "https://tolak.example/1"}], 1)
    ]
    failed: list[tuple[str, int, str]] = []
    summary = import_lines(
        Refusing(engine),
        lines,
        config=Config(path=None),
        workers=0,
        report=lambda *f: failed.append(f),
        batch_size=3,
    )
    assert (summary.imported, summary.failed) == (2, 1)
    assert failed == [("a.jsonl", 3, "not stored: cannot store article: refused")]
    engine.dispose()


def test_reading_records_of_other_tools():
    fundus = read_record(
        {
            "url": "https://berita.example/a",
            "title": "Judul",
            "plaintext": "Isi berita.",
            "publishing_date": "2024-05-14T09:30:00+00:00",
            "publisher": "Berita Example",
            "authors": ["A", " ", "B"],
        }
    )
    assert fundus.source == "Berita Example" and fundus.fields["author"] == "A, B"
    assert fundus.fields["published_at"].isoformat() == "2024-05-14T09:30:00+00:00"
    assert fundus.tags is None and fundus.story is None  # computed at import
    minimal = {"url": "https://b.example/", "title": None, "text": "x", "source": "b"}
    dated = read_record({**minimal, "published": "2024-05-14"})  # no offset: WIB
    assert dated.fields["published_at"].isoformat() == "2024-05-14T00:00:00+07:00"
    assert read_record({**minimal, "published": None}).fields["published_at"] is None  # undated, as stored
    for bad, message in [
        ({"url": "ftp://b.example/", "title": "t", "text": "x", "published": None, "source": "b"}, "url: "),
        ({"url": "https://b.example/", "title": "t", "text": " ", "published": None, "source": "b"}, "text is empty"),
        ({"url": "https://b.example/", "title": 1, "text": "x", "published": None, "source": "b"}, "title: expected"),
        ({"url": "https://b.example/", "title": "t", "text": "x", "published": None, "source": ""}, "source: give"),
        (
            {"url": "https://b.example/", "title": "t", "text": "x", "published": None, "source": "b", "score": "9"},
            "score: expected a number",
        ),
    ]:
        with pytest.raises(RecordError, match=message):
            read_record(bad)
    with pytest.raises(RecordError, match="not UTF-8"):
        parse_json(b'{"title": "\xff"}')


def test_blank_lines_are_skipped_but_counted(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_bytes(b'{"a": 1}\n\n  \n{"b": 2}\n')
    assert [(line.number, line.raw) for line in read_lines([str(path)], sys.stdin.buffer)] == [
        (1, b'{"a": 1}\n'),
        (4, b'{"b": 2}\n'),
    ]
