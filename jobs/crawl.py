"""Run one crawl pass over some sources in this process and report what each run did."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings

from crawler.config import ConfigError, Paths, SourceConfig
from crawler.spiders.news import NewsSpider
from jobs import logsetup, output
from jobs.archive_access import engine_for
from jobs.errors import EXIT_OK, EXIT_SOURCE_FAILED
from jobs.progress import Progress

logger = logging.getLogger(__name__)

SUMMARY_COLUMNS = [
    ("source", "Source"),
    ("status", "Status"),
    ("pages", "Pages"),
    ("new", "New"),
    ("duplicates", "Duplicates"),
    ("not_relevant", "Not relevant"),
    ("errors", "Errors"),
]


@dataclass
class CrawlOptions:
    """What one ``kabar crawl`` (or demo) pass asks of the crawler."""

    trigger: str = "cli"
    backfill: bool = False
    since: datetime | None = None
    log_level: str = "WARNING"
    timeout: float | None = None  # seconds; Scrapy closes the spiders after it (CLOSESPIDER_TIMEOUT)
    memory_limit_mb: int = 1024


def crawler_settings(paths: Paths, options: CrawlOptions) -> Settings:
    """crawler/settings.py, overridden by the archive paths and this run's options (the
    ``[crawl]`` table is applied by the spider itself, see ``NewsSpider.update_settings``)."""
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.setdict(
        {
            "KABAR_DATABASE_URL": paths.database_url,
            "KABAR_CONFIG": str(paths.config.path) if paths.config.path else None,
            "KABAR_DATA_DIR": str(paths.data_dir),
            "KABAR_TRIGGER": options.trigger,
            "KABAR_BACKFILL": options.backfill,
            "KABAR_SINCE": options.since.isoformat() if options.since else None,
            "LOG_LEVEL": options.log_level,
            "LOG_INSTALL_ROOT_HANDLER": False,  # the CLI's own stderr handler decides
            "CLOSESPIDER_TIMEOUT": options.timeout or 0,
            "MEMUSAGE_ENABLED": True,
            "MEMUSAGE_LIMIT_MB": options.memory_limit_mb,
        },
        priority="cmdline",
    )
    return settings


def run_crawl(
    paths: Paths,
    sources: Sequence[SourceConfig],
    options: CrawlOptions,
    on_tick: Callable[[list[dict[str, Any]]], None] | None = None,
) -> list[dict[str, Any]]:
    """Crawl ``sources`` concurrently (one spider each) and return one summary per source.

    ``on_tick`` is called twice a second with the live summaries (for a progress display).
    """
    process = CrawlerProcess(crawler_settings(paths, options))
    crawlers: list[tuple[SourceConfig, Crawler]] = []
    for source in sources:
        crawler = process.create_crawler(NewsSpider)
        crawlers.append((source, crawler))
        deferred = process.crawl(crawler, source=source.name)
        deferred.addErrback(_crawl_failed, source.name)

    def summaries() -> list[dict[str, Any]]:
        return [_summary(source, crawler) for source, crawler in crawlers]

    if on_tick is not None:
        from twisted.internet import reactor, task

        ticker = task.LoopingCall(lambda: on_tick(summaries()))
        reactor.callWhenRunning(ticker.start, 0.5)
    process.start()
    result = summaries()
    if on_tick is not None:
        on_tick(result)
    return result


def _summary(source: SourceConfig, crawler: Crawler) -> dict[str, Any]:
    run = getattr(getattr(crawler, "spider", None), "run", None)
    if run is None:
        return {"source": source.name, "status": "failed", "pages": 0, "new": 0, "duplicates": 0, "errors": 1}
    return run.summary()


def _crawl_failed(failure, source_name: str) -> None:
    logsetup.say(f"{source_name}: crawl could not start: {failure.getErrorMessage()}", logging.ERROR)


def crawl_and_report(
    paths: Paths,
    names: Sequence[str],
    *,
    trigger: str,
    backfill: bool = False,
    since: datetime | None = None,
    verbose: int = 0,
    timeout: float | None = None,
) -> int:
    """Crawl, show progress on a terminal, print the summary table; return the exit code."""
    sources = [paths.config.source(n) for n in names] if names else list(paths.config.sources)
    if not sources:
        raise ConfigError(f"{paths.config.path}: no [[sources]] to crawl")
    engine_for(paths, create=True)  # migrations and a reachable database before the reactor starts
    options = CrawlOptions(
        trigger=trigger, backfill=backfill, since=since, log_level="INFO" if verbose else "WARNING", timeout=timeout
    )
    with Progress(sys.stderr) as progress:
        summaries = run_crawl(paths, sources, options, on_tick=progress.update)
    if logsetup.json_mode():  # every stderr line a JSON record: the summary too
        for summary in summaries:
            logsetup.say(f"{summary['source']}: {summary['status']}", fields=summary)
    else:
        output.write_table(summaries, SUMMARY_COLUMNS, title="Crawl summary", out=sys.stderr)
    failed = [s["source"] for s in summaries if s["status"] == "failed"]
    if failed:
        logsetup.say(f"failed as a whole: {', '.join(failed)} (see kabar runs)", logging.ERROR)
        return EXIT_SOURCE_FAILED
    return EXIT_OK
