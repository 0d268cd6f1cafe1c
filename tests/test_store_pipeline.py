"""StorePipeline with its articles written a group to a transaction: two spiders of one
process share the group, and a text that arrives twice in it is stored once."""

from __future__ import annotations

from datetime import datetime, timezone
from types import SimpleNamespace

import pytest
from scrapy.settings import Settings
from scrapy.statscollectors import MemoryStatsCollector
from twisted.internet.defer import Deferred
from twisted.internet.task import Clock

from crawler.extract import Article
from crawler.groupstore import GroupedStore
from crawler.items import ArticlePage
from crawler.pipelines.store import StorePipeline
from crawler.runstate import RunState
from storage.textnorm import text_hash
from tests.test_groupstore import fired

TEXT = ("Pemerintah Kabupaten Musi Banyuasin meluncurkan aplikasi layanan publik terpadu "
        "sebagai bagian dari program kota cerdas. ") * 4

CONFIG = """
[[sources]]
name = "satu"
url = "http://127.0.0.1:9/"

[[sources]]
name = "dua"
url = "http://127.0.0.2:9/"
"""


def pipeline_of(source: str, tmp_path, **grouping: float) -> StorePipeline:
    """StorePipeline of a stand-in crawler whose spider has an open run of ``source``; ``grouping``
    holds the KABAR_STORE_GROUP_* settings it is given (none by default)."""
    config = tmp_path / "sources.toml"
    if not config.exists():
        config.write_text(CONFIG, encoding="utf-8")
    settings = Settings({"KABAR_DATABASE_URL": f"sqlite:///{tmp_path / 'kabar.db'}", "KABAR_CONFIG": str(config),
                         "KABAR_DATA_DIR": str(tmp_path / "data"), **grouping})
    crawler = SimpleNamespace(settings=settings, spider=None)
    crawler.stats = MemoryStatsCollector(crawler)
    crawler.spider = SimpleNamespace(run=RunState.open(crawler, source))
    return StorePipeline(crawler)


def item(url: str, *, text: str = TEXT, requested: str | None = None) -> ArticlePage:
    """An item as DedupPipeline hands it on: extracted, canonical URL and text hash set."""
    return ArticlePage(
        url=url,
        requested=requested or url,
        canonical=url,
        status=200,
        body=b"",
        encoding="utf-8",
        fetched_at=datetime(2026, 11, 30, 4, 0, tzinfo=timezone.utc),
        article=Article(url=url, title="Aplikasi layanan publik terpadu", text=text,
                        published=datetime(2026, 11, 29, 3, 0, tzinfo=timezone.utc), language="id"),
        text_hash=text_hash(text),
        warc={"file": "kabar-1.warc.gz", "offset": 0, "length": 100},
    )


def counts(pipeline: StorePipeline) -> tuple[int, int]:
    """(new, duplicates) of the pipeline's run, as its summary reads them from the crawler's stats."""
    summary = pipeline.run.summary()
    return summary["new"], summary["duplicates"]


@pytest.fixture(autouse=True)
def deferreds_awaited_as_they_are(monkeypatch):
    """No reactor runs here: awaiting the Deferred itself is what Scrapy does under Twisted's own."""
    monkeypatch.setattr("crawler.pipelines.store.maybe_deferred_to_future", lambda d: d)


def test_a_text_arriving_twice_in_one_group_is_stored_once_and_aliased(tmp_path):
    first, second = pipeline_of("satu", tmp_path), pipeline_of("dua", tmp_path)
    archive = first.run.archive
    clock = Clock()
    first._store = second._store = GroupedStore(archive, size=32, delay=0.05, clock=clock)
    copy = item("http://127.0.0.2:9/berita/aplikasi-terpadu", requested="http://127.0.0.2:9/?p=17")
    other = item("http://127.0.0.1:9/berita/lain", text=TEXT.replace("aplikasi", "jaringan"))
    items = [item("http://127.0.0.1:9/berita/aplikasi-terpadu"), copy, other]
    pipelines = [first, second, first]
    done = fired([Deferred.fromCoroutine(p.process_item(i)) for p, i in zip(pipelines, items)])
    assert done == [] and archive.find_article_id(items[0].url) is None  # waiting for the group
    clock.advance(0.05)
    assert [type(d) for d in done] == [ArticlePage] * 3, done
    original, duplicate, unrelated = (d.article_id for d in done)
    assert duplicate == original != unrelated
    assert counts(first) == (2, 0)
    assert counts(second) == (0, 1)
    assert {copy.url, copy.requested} <= set(archive.aliases(original))
    assert archive.find_article_id(copy.url) == original
    assert archive.fetch_info(copy.url)["article_id"] == original
    assert first._store.groups == 1 and first._store.articles == 3


def test_the_group_settings_default_to_the_documented_32_articles_within_50_ms(tmp_path):
    store = pipeline_of("satu", tmp_path)._grouped()
    assert store is not None and (store.size, store.delay) == (32, 0.05)
    given = pipeline_of("dua", tmp_path, KABAR_STORE_GROUP_SIZE=8, KABAR_STORE_GROUP_DELAY=0.2)._grouped()
    assert (given.size, given.delay) == (8, 0.2)


def test_without_grouping_each_article_is_stored_at_once(tmp_path):
    pipeline = pipeline_of("satu", tmp_path, KABAR_STORE_GROUP_SIZE=1)
    done = fired([Deferred.fromCoroutine(pipeline.process_item(item("http://127.0.0.1:9/berita/a")))])
    assert done and done[0].article_id == pipeline.run.archive.find_article_id("http://127.0.0.1:9/berita/a")
    assert pipeline._store is None and counts(pipeline) == (1, 0)
