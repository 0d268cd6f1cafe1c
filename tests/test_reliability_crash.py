"""Crashes and contention: ``kill -9`` of crawls (also mid-migration), readers holding the SQLite
archive while a crawl writes, and a full disk under the WARC files.

After each kill: the database passes ``PRAGMA integrity_check``, the schema is either untouched
or at head, every article row is whole, every WARC record reads back, and every article
committed before is still there; the next crawl completes the rest with no duplicates.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.urls import canonicalize
from storage.db import head_revision
from storage.textnorm import text_hash
from storage.warc import read_response
from tests.support.gold import gold_copies
from tests.support.runner import kabar_env, make_runner, start_kabar, write_config

KILLS = int(os.environ.get("KABAR_TEST_KILLS", "6"))
SEED = int(os.environ.get("KABAR_TEST_KILL_SEED", "20240513"))
MIGRATION_KILL_DELAYS = (0.0, 0.01, 0.03, 0.06, 0.1, 0.2)


def check_archive(workdir: Path) -> dict[int, tuple[str, str]]:
    """Every invariant that must hold whenever no kabar process runs; returns the articles
    as ``{id: (url, text_hash)}``."""
    db_path = workdir / "kabar.db"
    if not db_path.exists():
        return {}
    with sqlite3.connect(db_path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        tables = {name for (name,) in db.execute("select name from sqlite_master where type = 'table'")}
        if "alembic_version" not in tables:
            assert not tables, f"schema half-built without a version: {sorted(tables)}"
            return {}
        assert db.execute("select version_num from alembic_version").fetchone()[0] == head_revision()
        rows = db.execute(
            "select id, url, title, text, text_hash, warc_file, warc_offset, warc_length from articles"
        ).fetchall()
        pointers = db.execute(
            "select warc_file, warc_offset, warc_length from fetched_urls where warc_file is not null"
        ).fetchall()
    articles = {}
    for id_, url, title, text, hash_, *pointer in rows:
        assert title and text and hash_ == text_hash(text), f"article {id_} is not whole"
        if pointer[0]:
            assert read_response(dict(zip(("file", "offset", "length"), pointer, strict=True))).status == 200
        articles[id_] = (url, hash_)
    for file, offset, length in pointers:
        read_response({"file": file, "offset": offset, "length": length})
    for path in sorted((workdir / "data" / "warc").glob("*.warc.gz")):
        with open(path, "rb") as handle:
            for record in ArchiveIterator(handle, check_digests="raise"):
                record.content_stream().read()
    return articles


def assert_complete(workdir: Path, sites) -> dict[int, tuple[str, str]]:
    """The archive holds every gold article exactly once, each with its tags and story."""
    articles = check_archive(workdir)
    with sqlite3.connect(workdir / "kabar.db") as db:
        incomplete = db.execute("select id, url from articles where score is null or story_id is null").fetchall()
        aliases = db.execute("select url from article_urls").fetchall()
    assert not incomplete, f"half-written articles: {incomplete}"
    known = {canonicalize(u) for u, _ in articles.values()} | {canonicalize(u) for (u,) in aliases}
    gold = gold_copies(sites)
    missing = [g["url"] for g in gold if canonicalize(g["url"]) not in known]
    assert not missing, f"{len(missing)} articles missing, e.g. {missing[:3]}"
    distinct = {" ".join(g["text"].split()) for g in gold}
    assert len(articles) == len(distinct), "duplicates or extra articles"
    assert len({u for u, _ in articles.values()}) == len({h for _, h in articles.values()}) == len(articles)
    return articles


def test_kill_9_at_random_points_loses_nothing_and_the_next_crawl_completes(tmp_path, sites):
    config = write_config(sites, tmp_path)
    rng = random.Random(SEED)
    committed: dict[int, tuple[str, str]] = {}
    kills = []
    for _ in range(KILLS):
        process = start_kabar(tmp_path, config, "crawl")
        delay = rng.uniform(0.5, 6.0)  # start-up and migration, discovery, pipelines
        try:
            process.wait(timeout=delay)
            killed = False
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            killed = True
        articles = check_archive(tmp_path)
        lost = {i: a for i, a in committed.items() if articles.get(i) != a}
        assert not lost, f"articles lost after a kill at {delay:.2f} s: {lost}"
        committed = articles
        if killed:
            kills.append((round(delay, 2), len(articles)))
    assert kills, "no crawl was killed"
    result = make_runner(tmp_path, f"sqlite:///{tmp_path / 'kabar.db'}", config)("crawl")
    assert result.returncode == 0, result.stderr[-3000:]
    final = assert_complete(tmp_path, sites)
    assert all(final.get(i) == a for i, a in committed.items())
    print(f"killed crawls at (seconds, articles then): {kills}; {len(final)} articles after the last run")


def test_kill_9_during_the_first_use_migration(tmp_path, sites):
    config = write_config(sites, tmp_path)
    states = []
    for i, delay in enumerate(MIGRATION_KILL_DELAYS):
        workdir = tmp_path / f"m{i}"
        workdir.mkdir()
        process = start_kabar(workdir, config, "crawl")
        deadline = time.monotonic() + 30
        while not (workdir / "kabar.db").exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.002)
        time.sleep(delay)
        process.kill()
        process.wait()
        check_archive(workdir)  # rolled back entirely, or at head: never half a schema
        with sqlite3.connect(workdir / "kabar.db") as db:
            has_version = db.execute("select count(*) from sqlite_master where name = 'alembic_version'").fetchone()[0]
        states.append("head" if has_version else "rolled back")
        result = make_runner(workdir, f"sqlite:///{workdir / 'kabar.db'}", config)("db", "upgrade")
        assert result.returncode == 0, result.stderr
        check_archive(workdir)
        with sqlite3.connect(workdir / "kabar.db") as db:
            assert db.execute("select version_num from alembic_version").fetchone()[0] == head_revision()
    print(f"migration kills left the schema: {states}")
    assert "rolled back" in states  # at least one kill landed inside the migration


def test_readers_holding_the_database_do_not_block_a_crawl(tmp_path, sites):
    """An open read transaction, a stalled ``kabar export`` and searches in a loop, all while
    a crawl writes: no "database is locked", no lost write."""
    from storage.db import create_engine_for
    from storage.query import SearchRequest, search

    config = write_config(sites, tmp_path)
    runner = make_runner(tmp_path, f"sqlite:///{tmp_path / 'kabar.db'}", config)
    first = runner("crawl", "--source", "sumselpos")
    assert first.returncode == 0, first.stderr[-2000:]
    reader = sqlite3.connect(tmp_path / "kabar.db", isolation_level=None)
    reader.execute("BEGIN")
    before = reader.execute("select count(*) from articles").fetchone()[0]  # holds a snapshot
    export = start_kabar(tmp_path, config, "export", "--format", "jsonl", stdout=subprocess.PIPE)
    export_first_line = export.stdout.readline()  # then stop reading: the export stalls on the pipe
    engine = create_engine_for(f"sqlite:///{tmp_path / 'kabar.db'}")
    stop, failures, searches = threading.Event(), [], [0]

    def search_loop() -> None:
        while not stop.is_set():
            try:
                search(engine, SearchRequest(query="kota", limit=5))
                searches[0] += 1
            except Exception as exc:  # noqa: BLE001 - collected and asserted on
                failures.append(repr(exc))
            time.sleep(0.05)

    thread = threading.Thread(target=search_loop)
    thread.start()
    try:
        result = runner("crawl")
    finally:
        stop.set()
        thread.join()
        engine.dispose()
    assert result.returncode == 0, result.stderr[-3000:]
    assert "locked" not in result.stderr and not failures, failures[:3]
    assert searches[0] > 0
    assert reader.execute("select count(*) from articles").fetchone()[0] == before  # its snapshot
    reader.execute("COMMIT")
    rest, _ = export.communicate(timeout=60)
    assert export.returncode == 0
    exported = [json.loads(line) for line in [export_first_line, *rest.split(b"\n")] if line.strip()]
    assert len(exported) == before  # the export read one consistent snapshot
    runs = json.loads(runner("runs", "--format", "json").stdout)
    assert runs and all(r["errors"] == 0 and r["status"] == "ok" for r in runs), runs
    assert_complete(tmp_path, sites)
    reader.close()


@pytest.fixture
def small_disk(tmp_path):
    """``tmp_path/data/warc`` on a 96 kB tmpfs, or None where mounting is not allowed."""
    warc = tmp_path / "data" / "warc"
    warc.mkdir(parents=True)
    mounted = (
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=96k", "tmpfs", str(warc)], capture_output=True).returncode
        == 0
    )
    yield warc if mounted else None
    if mounted:
        subprocess.run(["umount", "-l", str(warc)], check=False)


def test_disk_full_under_the_warc_files(tmp_path, sites, small_disk):
    config = write_config(sites, tmp_path)
    runner = make_runner(tmp_path, f"sqlite:///{tmp_path / 'kabar.db'}", config)
    args = ["crawl", "--source", "sumselpos", "--source", "infodaerah"]
    if small_disk is None:  # no tmpfs here: the same failure, raised at the write call
        env = kabar_env(tmp_path, runner.database_url, config) | {"KABAR_TEST_DISK_BYTES": "98304"}
        result = subprocess.run(
            [sys.executable, "-m", "tests.support.faults.diskfull", *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    else:
        result = runner(*args)
    assert "Traceback" not in result.stderr
    assert "No space left on device" in result.stderr  # the clear error, on stderr
    assert result.returncode == 0, result.stderr[-3000:]  # the crawl went on
    runs = json.loads(runner("runs", "--format", "json").stdout)
    assert runs and all(r["status"] == "partial" for r in runs), runs
    assert all(any("not archived" in s for s in r["error_samples"]) for r in runs)
    articles = check_archive(tmp_path)  # integrity, whole rows, every stored pointer readable
    expected = {g["url"] for g in gold_copies(sites) if g["site"] in ("sumselpos", "infodaerah")}
    with sqlite3.connect(tmp_path / "kabar.db") as db:
        stored = {canonicalize(u) for (u,) in db.execute("select url from articles union select url from article_urls")}
        unarchived = db.execute("select count(*) from articles where warc_file is null").fetchone()[0]
    assert {canonicalize(u) for u in expected} <= stored
    assert unarchived > 0 and len(articles) > 0


def test_an_article_stored_without_its_tags_and_story_is_completed_by_the_next_crawl(tmp_path, sites):
    """An archive written by a crawl killed between the article row and its tags or story
    (before storing was one transaction): the page is fetched again, found under its own URL,
    and what is missing is written, without a second row."""
    config = write_config(sites, tmp_path)
    runner = make_runner(tmp_path, f"sqlite:///{tmp_path / 'kabar.db'}", config)
    assert runner("crawl", "--source", "sumselpos").returncode == 0
    with sqlite3.connect(tmp_path / "kabar.db") as db:
        before = db.execute("select count(*) from articles").fetchone()[0]
        article_id, url = db.execute("select id, url from articles order by id limit 1").fetchone()
        db.execute("delete from article_bands where article_id = ?", (article_id,))
        db.execute("update articles set score = null, story_id = null where id = ?", (article_id,))
        # its fetch is forgotten, and so are the feeds' and sitemaps' validators: found again
        db.execute("delete from fetched_urls where article_id = ? or kind != 'article'", (article_id,))
    result = runner("crawl", "--source", "sumselpos")
    assert result.returncode == 0, result.stderr[-2000:]
    with sqlite3.connect(tmp_path / "kabar.db") as db:
        assert db.execute("select count(*) from articles").fetchone()[0] == before
        score, story = db.execute("select score, story_id from articles where id = ?", (article_id,)).fetchone()
        assert score is not None and story is not None
        assert db.execute("select article_id from fetched_urls where url = ?", (url,)).fetchone() == (article_id,)
