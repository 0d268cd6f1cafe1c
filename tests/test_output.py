"""What kabar prints for people and programs when the crawled text is hostile: CSV that a
spreadsheet opens without running formulas, with lists as JSON and plain snippets; tables
that show rich markup in titles and errors literally."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from jobs import output

WIB = timezone(timedelta(hours=7))
FORMULA_TITLE = '=HYPERLINK("http://x")'
ARITHMETIC_TITLE = "-2+3"
MARKUP_TITLE = "[bold red]MERAH[/bold red] Palembang"
ERRNO = "[Errno 111] Connection refused [link=http://x]klik[/link]"
PALEMBANG = {"code": "16.71", "name": "Palembang", "type": "kota"}
SUMSEL = {"code": "16", "name": "Sumatera Selatan", "type": "provinsi"}


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


# -- write_csv and write_table on their own ------------------------------------------------


@pytest.mark.parametrize("value", [FORMULA_TITLE, ARITHMETIC_TITLE, "+62 811", "@SUM(A1)", "\tx", "\r=1"])
def test_csv_cells_that_a_spreadsheet_would_run_get_a_quote(value):
    out = io.StringIO()
    output.write_csv([{"title": value, "snippet": value}], ["title", "snippet"], out=out)
    row = read_csv(out.getvalue())[0]
    assert row == {"title": "'" + value, "snippet": "'" + value}


def test_csv_writes_lists_and_objects_as_json_snippets_plain_and_times_with_offset():
    record = {
        "id": 7,
        "score": -1.5,
        "title": "Kota [cerdas] Palembang",
        "snippet": "… [Smart] [city] -[Palembang] …",
        "published": datetime(2024, 6, 1, 2, 0, tzinfo=UTC),
        "regions": [PALEMBANG],
        "provinces": [SUMSEL],
        "dimensions": ["governance", "living"],
        "aliases": ["https://a.example/1?amp=1"],
        "also_in": [],
        "warc": {"file": "/w.warc.gz", "offset": 0},
        "reasons": [{"term": "smart city", "where": "title", "weight": 2.0}],
    }
    columns = list(record)
    out = io.StringIO()
    assert output.write_csv([record], columns, out=out) == 1
    row = read_csv(out.getvalue())[0]
    assert row["id"] == "7" and row["score"] == "-1.5"  # numbers are not formulas
    assert row["title"] == "Kota [cerdas] Palembang"  # only snippets carry match markers
    assert row["snippet"] == "… Smart city -Palembang …"
    assert row["published"] == "2024-06-01T09:00:00+07:00"
    for key in ("regions", "provinces", "dimensions", "aliases", "also_in", "warc", "reasons"):
        assert json.loads(row[key]) == record[key], key


def test_tables_show_markup_literally_and_bold_only_the_snippet_matches():
    out = io.StringIO()
    output.write_table(
        [{"title": MARKUP_TITLE, "error": ERRNO, "snippet": "kota [MERAH] :smile:"}],
        [("title", "Title"), ("error", "Error"), ("snippet", "Snippet")],
        out=out,
    )
    text = out.getvalue()
    assert MARKUP_TITLE in text and ERRNO in text
    assert "kota MERAH :smile:" in text


# -- the commands -------------------------------------------------------------------------


@pytest.fixture
def hostile_archive(kabar):
    """The kabar runner over an archive holding articles with hostile titles, and a failed run
    of a configured source whose error carries markup."""
    from storage.archive import Archive
    from storage.db import open_archive
    from storage.tags import store_tags

    engine = open_archive(kabar.database_url)
    archive = Archive(engine)
    source = archive.ensure_source("infodaerah", "https://infodaerah.example/")
    for n, title in enumerate((FORMULA_TITLE, ARITHMETIC_TITLE, MARKUP_TITLE)):
        article, _ = archive.add_article(
            {
                "url": f"https://infodaerah.example/berita/{n}",
                "source_id": source,
                "title": title,
                "text": f"-{n} MERAH: pemerintah kota Palembang meluncurkan layanan smart city nomor {n}.",
                "published_at": datetime(2024, 6, 1 + n, 9, 0, tzinfo=WIB),
                "language": "id",
            }
        )
        store_tags(
            engine,
            article,
            {
                "relevant": True,
                "score": 2.0,
                "dimensions": ["governance"],
                "regions": [PALEMBANG],
                "provinces": [SUMSEL],
                "reasons": [{"term": "smart city", "where": "body", "weight": 2.0}],
            },
        )
    run = archive.start_run("infodaerah", "cli")
    archive.finish_run(run, status="failed", pages=1, errors=1, error_samples=[ERRNO])
    engine.dispose()
    return kabar


def test_search_and_export_csv_are_safe_for_spreadsheets(hostile_archive):
    kabar = hostile_archive
    search = kabar("search", "merah", "--format", "csv")
    assert search.returncode == 0, search.stderr
    hits = read_csv(search.stdout)
    assert {h["title"] for h in hits} == {"'" + FORMULA_TITLE, "'" + ARITHMETIC_TITLE, MARKUP_TITLE}
    assert all(
        h["snippet"].endswith(f" MERAH: pemerintah kota Palembang meluncurkan layanan smart city nomor {h['url'][-1]}.")
        for h in hits
    )  # no [MERAH] markers
    assert all(json.loads(h["also_in"]) == [] for h in hits)
    export = kabar("export", "--format", "csv")
    assert export.returncode == 0, export.stderr
    rows = read_csv(export.stdout)
    assert {r["title"] for r in rows} == {"'" + FORMULA_TITLE, "'" + ARITHMETIC_TITLE, MARKUP_TITLE}
    for row in rows:
        assert json.loads(row["regions"]) == [PALEMBANG]
        assert json.loads(row["provinces"]) == [SUMSEL]
        assert json.loads(row["dimensions"]) == ["governance"]
        assert json.loads(row["aliases"]) == []
        assert row["text"].startswith("'-")
        assert datetime.fromisoformat(row["published"]).utcoffset() == timedelta(hours=7)


def test_tables_print_crawled_text_literally(hostile_archive):
    kabar = hostile_archive
    table = kabar("search", "merah")
    assert table.returncode == 0, table.stderr
    assert "[bold red]MERAH[/bold red]" in table.stdout
    assert FORMULA_TITLE in table.stdout  # a table is for people: shown as stored
    status = kabar("status")
    assert status.returncode == 0, status.stderr
    assert "[Errno 111]" in status.stdout and "[link=http://x]klik[/link]" in status.stdout
