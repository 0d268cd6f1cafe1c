"""A run's counts live in the crawler's stats collector; the summary and the run row read them
there (crawler/runstate.py)."""

from __future__ import annotations

from types import SimpleNamespace

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.extensions.corestats import CoreStats
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from crawler.runstate import (
    STAT_DUPLICATES,
    STAT_NEW,
    STAT_NOT_RELEVANT,
    STAT_OFFSITE_DROPPED,
    STAT_UPDATED,
    RunRecorder,
    RunState,
)
from storage.query import list_runs

SITE = "http://127.0.0.1:9"
CONFIG = f"""
[[sources]]
name = "satu"
url = "{SITE}/"
"""
NOTHING_YET = {
    "source": "satu",
    "status": "ok",
    "pages": 0,
    "new": 0,
    "duplicates": 0,
    "not_relevant": 0,
    "updated": 0,
    "errors": 0,
    "offsite_dropped": 0,
}


def _settings(tmp_path) -> dict:
    config = tmp_path / "sources.toml"
    config.write_text(CONFIG, encoding="utf-8")
    return {
        "KABAR_DATABASE_URL": f"sqlite:///{tmp_path / 'kabar.db'}",
        "KABAR_CONFIG": str(config),
        "KABAR_DATA_DIR": str(tmp_path / "data"),
        "KABAR_WARC_ENABLED": False,
    }


def _crawl(tmp_path):
    """A crawler as a crawl has it (stats, Scrapy's CoreStats, kabar's RunRecorder) with an open run."""
    crawler = get_crawler(Spider, _settings(tmp_path))
    CoreStats.from_crawler(crawler)
    recorder = RunRecorder.from_crawler(crawler)
    crawler.spider = SimpleNamespace(run=RunState.open(crawler, "satu"))
    return crawler, recorder, crawler.spider.run


def _receive(crawler, path: str, status: int, kind: str) -> None:
    request = Request(SITE + path, meta={"kind": kind})
    response = HtmlResponse(SITE + path, status=status, body=b"<html></html>", request=request)
    crawler.signals.send_catch_log(signals.response_received, response=response, request=request, spider=crawler.spider)


def test_the_summary_and_the_run_row_are_the_crawlers_stats(tmp_path):
    crawler, recorder, run = _crawl(tmp_path)
    _receive(crawler, "/feed.xml", 200, "feed")
    _receive(crawler, "/robots.txt", 404, "robots")  # an answer, not an error
    _receive(crawler, "/berita/rusak", 500, "article")
    stats = crawler.stats
    stats.inc_value(STAT_NEW, 3)
    stats.inc_value(STAT_DUPLICATES, 2)
    stats.inc_value(STAT_NOT_RELEVANT)
    stats.inc_value(STAT_UPDATED)
    stats.inc_value(STAT_OFFSITE_DROPPED, 4)
    counts = {"pages": 3, "new": 3, "duplicates": 2, "not_relevant": 1, "updated": 1, "errors": 1, "offsite_dropped": 4}
    assert stats.get_value("response_received_count") == 3 and stats.get_value("kabar/errors") == 1
    assert run.summary() == {"source": "satu", "status": "partial", **counts}
    recorder.spider_closed(crawler.spider, "finished")
    (row,) = list_runs(run.archive.engine, "satu")
    assert {key: row[key] for key in ("status", "pages", "new", "duplicates", "errors", "offsite_dropped")} == {
        "status": "partial",
        "pages": 3,
        "new": 3,
        "duplicates": 2,
        "errors": 1,
        "offsite_dropped": 4,
    }
    assert row["error_samples"] == [f"HTTP 500 {SITE}/berita/rusak"]


def test_a_run_of_nothing_but_errors_failed_and_an_empty_one_is_ok(tmp_path):
    crawler, recorder, run = _crawl(tmp_path)
    assert run.summary() == NOTHING_YET
    _receive(crawler, "/robots.txt", 200, "robots")  # robots.txt alone does not make the source reachable
    run.error("feed.xml: not a readable feed")
    assert run.status == "failed"
    recorder.spider_closed(crawler.spider, "closespider_timeout")
    (row,) = list_runs(run.archive.engine, "satu")
    assert (row["status"], row["pages"], row["errors"]) == ("timeout", 1, 1)


def test_a_run_opened_before_the_crawl_starts_reads_zero_counts(tmp_path):
    """Scrapy makes the spider (and so the run) before it sets ``crawler.stats``: a progress
    tick or summary in between reads nothing counted yet, not an error."""
    run = RunState.open(Crawler(Spider, _settings(tmp_path)), "satu")
    assert run.summary() == NOTHING_YET
