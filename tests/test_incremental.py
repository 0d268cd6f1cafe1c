"""Incremental crawling: conditional GET of feeds, sitemaps and listings, and revisits of
young articles (corrections kept as versions, pages gone at the source flagged)."""

from __future__ import annotations

import json
import socket
from datetime import datetime, timedelta, timezone
from pathlib import Path

from jobs.examplesites.server import ExampleSites
from storage.db import open_archive
from storage.revisits import versions

STORY = """slug = "{slug}"
topic = "smart-city"
smart_city = true
regions = ["Kabupaten Musi Banyuasin"]
published = "{published}"
dateline = "SEKAYU"
author = "Rizky Pratama"
title = "{title}"
summary = "Diskominfo Muba memperluas layanan smart city."
paragraphs = [
  "Pemkab Musi Banyuasin melalui Diskominfo terus memperluas layanan smart city bagi warga di seluruh kecamatan.",
  "Kepala Dinas Kominfo Muba mengatakan aplikasi layanan publik kini terhubung dengan command center kabupaten.",
  "{third}",
]

[[copies]]
site = "infodaerah"
"""


def write_story(directory: Path, slug: str, title: str, third: str, published: datetime) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"001-{slug}.toml").write_text(
        STORY.format(slug=slug, title=title, third=third, published=published.isoformat(timespec="seconds")),
        encoding="utf-8",
    )


def free_base_port(count: int = 6) -> int:
    for start in range(20000, 60000, 97):
        try:
            sockets = []
            for port in range(start, start + count):
                sock = socket.socket()
                sock.bind(("127.0.0.1", port))
                sockets.append(sock)
            return start
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
    raise RuntimeError("no free ports")


def test_second_crawl_answers_304_and_parses_nothing(kabar, sites):
    assert kabar("crawl", "--source", "infodaerah").returncode == 0
    sites.clear_requests()
    again = kabar("crawl", "--source", "infodaerah")
    assert again.returncode == 0, again.stderr
    seen = sites.requests("infodaerah")
    feed = [r for r in seen if r.target == "/feed.atom"]
    assert feed and all(r.status == 304 for r in feed)
    assert [r.target for r in seen if r.status == 200 and r.target not in ("/robots.txt",)] == []
    run = json.loads(kabar("runs", "--format", "json").stdout)[0]
    assert run["new"] == 0 and run["errors"] == 0 and run["pages"] == len(seen)


def test_revisit_keeps_corrections_and_flags_removed_articles(kabar, tmp_path):
    now = datetime.now(timezone(timedelta(hours=7))).replace(microsecond=0)
    stories = tmp_path / "stories"
    write_story(
        stories,
        "muba-perluas-smart-city",
        "Muba Perluas Layanan Smart City",
        "Warga kini dapat mengurus dokumen kependudukan secara daring.",
        now - timedelta(hours=3),
    )
    base = free_base_port()
    config = tmp_path / "young.toml"
    with ExampleSites(base_port=base, stories_dir=stories) as served:
        config.write_text(served.sources_toml().replace("[crawl]", "[crawl]\nrevisit_hours = 0"))
        first = kabar("crawl", "--config", str(config), "--source", "infodaerah")
        assert first.returncode == 0, first.stderr
    articles = [json.loads(line) for line in kabar("export").stdout.splitlines()]
    assert len(articles) == 1
    article = articles[0]

    write_story(
        stories,
        "muba-perluas-smart-city",
        "Muba Perluas Layanan Smart City",
        "Ralat: warga kini dapat mengurus dokumen kependudukan dan izin usaha secara daring.",
        now - timedelta(hours=3),
    )
    with ExampleSites(base_port=base, stories_dir=stories):
        second = kabar("crawl", "--config", str(config), "--source", "infodaerah")
        assert second.returncode == 0, second.stderr
    updated = json.loads(kabar("show", str(article["id"]), "--format", "json").stdout)
    assert "izin usaha" in updated["text"] and updated["removed_at"] is None
    engine = open_archive(kabar.database_url)
    old = versions(engine, article["id"])
    assert len(old) == 1 and "izin usaha" not in old[0]["text"]

    for path in stories.glob("*.toml"):
        path.unlink()
    write_story(
        stories,
        "berita-lain-smart-city",
        "Berita Lain Smart City Muba",
        "Paragraf lain tentang layanan daring.",
        now - timedelta(days=30),
    )
    with ExampleSites(base_port=base, stories_dir=stories):
        third = kabar("crawl", "--config", str(config), "--source", "infodaerah")
        assert third.returncode == 0, third.stderr
    gone = json.loads(kabar("show", str(article["id"]), "--format", "json").stdout)
    assert gone["removed_at"] is not None
