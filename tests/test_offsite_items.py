"""Feed items on another host than the source's are not fetched, and the run says how many
there were (``offsite_dropped`` in ``kabar runs --format json``)."""

from __future__ import annotations

import json
import sqlite3
import urllib.request

import pytest

from tests.support.faults.hosts import TinySite, rss
from tests.support.gold import gold_copies
from tests.support.runner import make_runner


@pytest.fixture
def partner_site(sites):
    """A site on 127.0.0.2 whose feed lists one story of its own (a copy of an example page)
    and one story of an example site on 127.0.0.1 (another host)."""
    own_gold, other_gold = [g for g in gold_copies(sites) if g["site"] == "sumselpos"][:2]
    with urllib.request.urlopen(own_gold["url"], timeout=30) as response:
        page = response.read()
    with TinySite("127.0.0.2") as site:
        site.route("/feed/", "application/rss+xml", rss([f"{site.url}/2024/01/berita-sendiri.html", other_gold["url"]]))
        site.route("/2024/01/berita-sendiri.html", "text/html; charset=utf-8", page)
        yield f"{site.url}/", other_gold["url"], site.hits


def test_a_feed_item_on_another_host_is_counted_not_fetched(tmp_path, partner_site):
    base, offsite_url, served = partner_site
    config = tmp_path / "sources.toml"
    config.write_text(
        f'[relevance]\nmin_score = 0\n\n[[sources]]\nname = "mitra"\nurl = "{base}"\nfeeds = ["{base}feed/"]\n',
        encoding="utf-8",
    )
    runner = make_runner(tmp_path, f"sqlite:///{tmp_path / 'kabar.db'}", config)
    result = runner("crawl")
    assert result.returncode == 0, result.stderr[-3000:]
    (run,) = json.loads(runner("runs", "--format", "json").stdout)
    assert run["status"] == "ok" and run["new"] == 1, run
    assert run["offsite_dropped"] == 1
    assert "/2024/01/berita-sendiri.html" in served
    with sqlite3.connect(tmp_path / "kabar.db") as db:
        fetched = {url for (url,) in db.execute("select url from fetched_urls")}
        stored = {url for (url,) in db.execute("select url from articles")}
    assert offsite_url not in fetched and offsite_url not in stored
    assert stored == {f"{base}2024/01/berita-sendiri.html"}
