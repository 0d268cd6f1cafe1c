"""StorePipeline with its articles written a group to a transaction: two spiders of one
process share the group, and a text that arrives twice in it is stored once."""

from __future__ import annotations

import pytest
from twisted.internet.defer import Deferred
from twisted.internet.task import Clock

from crawler.groupstore import GroupedStore
from crawler.items import ArticlePage
from crawler.pipelines.store import StorePipeline
from tests.support.deferreds import fired
from tests.support.pipelines import TEXT, item, pipeline_of


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
    done = fired([Deferred.fromCoroutine(p.process_item(i)) for p, i in zip(pipelines, items, strict=True)])
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
