"""The archive as users reach it: WARC pointers in export, stories in search and show,
takedowns, and re-extraction from the WARC files without the network."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator


def export(runner, *args: str) -> list[dict]:
    result = runner("export", "--format", "jsonl", *args)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_export_points_at_the_warc_record_of_each_article(crawled):
    runner, _ = crawled
    articles = export(runner)
    assert articles and all(a["story_id"] for a in articles)
    for article in articles:
        warc = article["warc"]
        assert Path(warc["file"]).is_absolute()
        with open(warc["file"], "rb") as handle:
            handle.seek(warc["offset"])
            record = next(iter(ArchiveIterator(handle)))
        assert record.rec_type == "response"
        assert record.rec_headers.get_header("WARC-Target-URI") in [article["url"], *article["aliases"]]


def test_syndicated_copies_are_one_story_in_search_and_show(crawled):
    runner, _ = crawled
    grouped = json.loads(runner("search", "masterplan smart city OKI", "--format", "json", "--limit", "50").stdout)
    every = json.loads(
        runner("search", "masterplan smart city OKI", "--format", "json", "--limit", "50", "--all-copies").stdout
    )
    assert len(every) > len(grouped)
    assert len({h["story_id"] for h in grouped}) == len(grouped)
    shared = next(h for h in grouped if h["also_in"])
    shown = runner("show", str(shared["id"]))
    assert "The same story, also carried by:" in shown.stdout
    story = json.loads(runner("show", str(shared["id"]), "--format", "json").stdout)["story"]
    assert {a["source"] for a in story["articles"]} >= {shared["source"], *shared["also_in"]}


def test_hide_and_unhide(kabar):
    assert kabar("crawl", "--source", "infodaerah").returncode == 0
    article = export(kabar)[0]
    hidden = kabar("hide", str(article["id"]), "--reason", "permintaan narasumber")
    assert hidden.returncode == 0, hidden.stderr
    assert article["id"] not in {a["id"] for a in export(kabar)}
    hits = json.loads(kabar("search", article["title"].split()[0], "--format", "json", "--limit", "100").stdout)
    assert article["id"] not in {h["id"] for h in hits}
    shown = kabar("show", str(article["id"]))
    assert "HIDDEN" in shown.stdout and "permintaan narasumber" in shown.stdout
    assert kabar("unhide", str(article["id"])).returncode == 0
    assert article["id"] in {a["id"] for a in export(kabar)}
    assert kabar("hide", "999999", "--reason", "x").returncode == 2
    assert kabar("hide", str(article["id"])).returncode == 2  # a reason is required


def test_reextract_rebuilds_articles_from_the_warc_files(kabar):
    assert kabar("crawl", "--source", "sumselpos").returncode == 0
    before = {a["id"]: a for a in export(kabar)}
    assert before
    db = kabar.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(db) as con:
        con.execute("update articles set text = 'teks lama', text_hash = 'lama', extractor_version = 'old'")
    result = kabar("reextract")
    assert result.returncode == 0, result.stderr
    assert f"re-extracted {len(before)} articles: {len(before)} changed" in result.stderr
    after = {a["id"]: a for a in export(kabar)}
    assert all(after[i]["text"] == before[i]["text"] for i in before)
    assert all(a["extractor_version"] != "old" for a in after.values())
    assert json.loads(kabar("search", "teks lama", "--format", "json").stdout) == []
    # in this process (no workers) the result is the same
    with sqlite3.connect(db) as con:
        con.execute("update articles set text = 'teks lama', text_hash = 'lama'")
    inline = kabar("reextract", "--workers", "0")
    assert inline.returncode == 0 and f"{len(before)} changed" in inline.stderr, inline.stderr
    assert {i: a["text"] for i, a in after.items()} == {a["id"]: a["text"] for a in export(kabar)}
    assert kabar("reextract", "--workers", "-1").returncode == 2
    # nothing changed: nothing rewritten, every article keeps its story
    with sqlite3.connect(db) as con:
        stories_before = dict(con.execute("select id, story_id from articles"))
        search_before = dict(con.execute("select id, search_text from articles"))
    again = kabar("reextract")
    assert f"0 changed, {len(before)} unchanged, 0 errors" in again.stderr, again.stderr
    with sqlite3.connect(db) as con:
        assert dict(con.execute("select id, story_id from articles")) == stories_before
        assert dict(con.execute("select id, search_text from articles")) == search_before
    # a WARC file that went missing is an error on that article, not a crash
    first = next(iter(before.values()))
    Path(first["warc"]["file"]).rename(first["warc"]["file"] + ".moved")
    broken = kabar("reextract", "--source", "sumselpos")
    assert broken.returncode == 1 and "Traceback" not in broken.stderr
    assert f"0 changed, 0 unchanged, {len(before)} errors" in broken.stderr  # one WARC file holds them all
