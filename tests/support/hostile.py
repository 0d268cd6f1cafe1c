"""An archive that attacks its reader: a stored article whose title, text, author, reasons and
archived original carry markup and script, a hidden article, and a failed run with markup in its
errors. The web tests (TestClient, the real browser, the schema fuzzer) check it all stays inert."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import Engine

from storage.archive import Archive
from storage.db import open_archive
from storage.tags import store_tags
from storage.warc import WarcWriter

WIB = timezone(timedelta(hours=7))
XSS_TITLE = (
    '<script>window.__xss="title"</script><img src=x onerror="window.__xss=\'img\'">Smart city Palembang <b>tebal</b>'
)
XSS_TEXT = (
    'Pemerintah Kota Palembang meluncurkan aplikasi smart city. <script>window.__xss="text"</script>\n\n'
    '<svg onload="window.__xss=\'svg\'"></svg> "><iframe src="javascript:window.__xss=1"></iframe> '
    "<a href=\"javascript:window.__xss='a'\">klik</a> ]]></summary><entry>\x01 layanan publik digital."
)
XSS_ORIGINAL = """<!DOCTYPE html><html><head><title>Asli</title>
<meta http-equiv="refresh" content="0;url={site}/refresh">
<link rel="stylesheet" href="{site}/style.css"><base href="{site}/">
<style>body {{ background: url({site}/bg.png); color: #123 }} @import "{site}/more.css";</style>
<script src="{site}/app.js"></script><script>window.__xss = "original"</script>
</head><body onload="window.__xss='body'">
<h1 style="background-image:url({site}/h1.png)">Smart city Palembang</h1>
<p>Isi berita <a href="{site}/lain">tautan</a> <img src="{site}/foto.jpg" onerror="window.__xss='img'">
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" alt="titik"></p>
<iframe src="{site}/frame"></iframe><object data="{site}/x.swf"></object>
<form action="{site}/kirim"><input name="a"></form>
<a href="javascript:window.__xss='js'">js</a>
<svg><script>window.__xss='svg'</script></svg>
</body></html>"""
HIDDEN_WORD = "rahasiatersembunyi"


def add_hostile(engine, data_dir: Path, site: str = "http://127.0.0.1:9") -> dict[str, int]:
    """Store an article whose title, text, reasons and archived original are hostile, and a
    hidden article; returns their ids (``hostile``, ``hidden``)."""
    archive = Archive(engine)
    source = archive.ensure_source("hostile<b>", "https://hostile.example/")
    with WarcWriter(data_dir / "warc", prefix="hostile") as writer:
        pointer = writer.write(
            "https://hostile.example/berita/1",
            status=200,
            headers=[("Content-Type", "text/html; charset=utf-8")],
            body=XSS_ORIGINAL.format(site=site).encode(),
            fetched_at=datetime.now(UTC),
        )
    ids = {}
    ids["hostile"], _ = archive.add_article(
        {
            "url": "https://hostile.example/berita/1",
            "source_id": source,
            "title": XSS_TITLE,
            "text": XSS_TEXT,
            "author": "<i onmouseover=alert(1)>penulis</i>",
            "published_at": datetime(2024, 6, 1, 9, 0, tzinfo=WIB),
            "language": "id",
            "warc_file": pointer.file,
            "warc_offset": pointer.offset,
            "warc_length": pointer.length,
        }
    )
    store_tags(
        engine,
        ids["hostile"],
        {
            "relevant": True,
            "score": 3.5,
            "reasons": [{"term": "<svg onload=alert(1)>", "where": "body", "weight": 1.0}],
            "dimensions": ["governance"],
            "regions": [{"code": "16.71", "name": "Palembang", "type": "kota"}],
            "provinces": [{"code": "16", "name": "Sumatera Selatan", "type": "provinsi"}],
        },
    )
    ids["hidden"], _ = archive.add_article(
        {
            "url": "https://hostile.example/berita/2",
            "source_id": source,
            "title": f"Smart city {HIDDEN_WORD} Palembang",
            "text": f"Berita {HIDDEN_WORD} smart city Palembang.",
            "published_at": datetime(2024, 6, 2, 9, 0, tzinfo=WIB),
        }
    )
    store_tags(
        engine,
        ids["hidden"],
        {
            "relevant": True,
            "score": 2.0,
            "dimensions": ["governance"],
            "regions": [{"code": "16.71", "name": "Palembang", "type": "kota"}],
        },
    )
    archive.hide(ids["hidden"], "permintaan narasumber")
    run = archive.start_run("hostile<b>", "cli")
    archive.finish_run(run, status="failed", pages=3, errors=3, error_samples=["<script>x</script> timeout"])
    return ids


def hostile_copy(database_url: str, workdir: Path) -> tuple[Engine, dict[str, int]]:
    """``workdir/kabar.db``: a copy of the SQLite archive at ``database_url`` with the hostile
    articles added (:func:`add_hostile`, originals under ``workdir``); its engine and their ids."""
    copy = workdir / "kabar.db"
    with sqlite3.connect(database_url.removeprefix("sqlite:///")) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
    engine = open_archive(f"sqlite:///{copy}")
    return engine, add_hostile(engine, workdir)
