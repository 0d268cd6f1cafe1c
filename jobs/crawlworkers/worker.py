"""One crawl worker: a Scrapy process that stays up and crawls the sources the daemon sends it,
each in a crawler of its own, all at once in one reactor, sharing one extraction pool.

    python -m jobs.crawlworkers.worker --commands FD --events FD --db URL --data-dir DIR [--config FILE]

Commands come on the ``--commands`` pipe and events go out on ``--events`` (see
:mod:`.protocol`). The worker stops every run as killed (the run rows say so) and exits on a
``stop`` command, on SIGTERM, and when the commands pipe closes: the daemon is gone (even
killed with SIGKILL), and a worker never outlives it. SIGINT is left to the daemon.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from typing import IO, Any

from crawler.config import Paths, resolve
from jobs import logsetup
from jobs.crawl import CrawlOptions, crawler_settings
from jobs.crawlworkers.protocol import Cancel, Crawl, Done, Message, Ready, Stop, parse, send

logger = logging.getLogger(__name__)


def resident_mb() -> float:
    """This process's resident memory in MB (/proc/self/statm)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class Worker:
    """The crawls of one worker process, driven from the reactor thread."""

    def __init__(self, paths: Paths, events: IO[str], extract_workers: int, log_level: str) -> None:
        from scrapy.crawler import CrawlerRunner

        self.paths, self.events = paths, events
        self.extract_workers, self.log_level = extract_workers, log_level
        self.runner = CrawlerRunner(self._settings(CrawlOptions(trigger="daemon")))
        self.crawls: dict[int, Any] = {}  # token -> Crawler
        self.stopping = False

    def _settings(self, options: CrawlOptions) -> Any:
        settings = crawler_settings(self.paths, options)
        settings.set("KABAR_EXTRACT_WORKERS", self.extract_workers, priority="cmdline")
        return settings

    def handle(self, message: Message) -> None:
        if isinstance(message, Crawl):
            self.crawl(message)
        elif isinstance(message, Cancel):
            crawler = self.crawls.get(message.token)
            if crawler is not None:
                _stop(crawler)
        elif isinstance(message, Stop):
            self.stop()

    def crawl(self, order: Crawl) -> None:
        """Start crawling ``order.source``; a ``done`` event follows when the crawl ends."""
        from scrapy.crawler import Crawler

        from crawler.spiders.news import NewsSpider

        if self.stopping:
            self._done(order, None, "killed", "the crawl worker was stopping")
            return
        options = CrawlOptions(trigger="daemon", timeout=order.timeout, log_level=self.log_level)
        crawler = Crawler(NewsSpider, self._settings(options))
        self.crawls[order.token] = crawler
        ended = self.runner.crawl(crawler, source=order.source)
        ended.addBoth(self._ended, order, crawler)

    def _ended(self, result: Any, order: Crawl, crawler: Any) -> None:
        from twisted.python.failure import Failure

        self.crawls.pop(order.token, None)
        run = getattr(getattr(crawler, "spider", None), "run", None)
        if isinstance(result, Failure):
            reason = f"the crawl could not run: {result.getErrorMessage()}"
            logger.error("%s: %s", order.source, reason)
            self._done(order, getattr(run, "run_id", None), "failed", reason)
        elif run is None or run.recorded is None:
            self._done(order, getattr(run, "run_id", None), "failed", "the crawl ended without recording its run")
        else:
            self._done(order, run.run_id, run.recorded, "")
        if self.stopping and not self.crawls:
            self._exit()

    def _done(self, order: Crawl, run_id: int | None, status: str, reason: str) -> None:
        send(self.events, Done(order.token, order.source, run_id, status, reason, round(resident_mb(), 1)))

    def stop(self) -> None:
        """Stop every crawl (their runs end as killed), then exit."""
        if self.stopping:
            return
        self.stopping = True
        if not self.crawls:
            self._exit()
            return
        for crawler in list(self.crawls.values()):
            _stop(crawler)

    def _exit(self) -> None:
        from twisted.internet import reactor

        reactor.callLater(0, reactor.stop)  # type: ignore[attr-defined]


def _stop(crawler: Any) -> None:
    """Close a crawl now: its spider closes as shut down and its run is recorded killed, once
    its downloads in flight end (at their timeout at the latest)."""
    from scrapy.utils.defer import deferred_from_coro

    deferred_from_coro(crawler.stop_async()).addErrback(lambda failure: logger.debug("%s", failure.value))


def _read_commands(commands: IO[str], worker: Worker) -> None:
    """Hand each command to the reactor; the pipe's end (the daemon gone) stops the worker."""
    from twisted.internet import reactor

    for line in commands:
        try:
            message = parse(line)
        except ValueError as exc:
            logger.error("crawl worker: %s", exc)
            continue
        reactor.callFromThread(worker.handle, message)  # type: ignore[attr-defined]
    reactor.callFromThread(worker.stop)  # type: ignore[attr-defined]


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="kabar crawl worker", description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, required=True, help="file descriptor the commands come on")
    parser.add_argument("--events", type=int, required=True, help="file descriptor the events go to")
    parser.add_argument("--db", required=True)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--config")
    parser.add_argument("--extract-workers", type=int, default=1)
    parser.add_argument("--log-json", action="store_true")
    parser.add_argument("-v", "--verbose", action="count", default=0)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    logsetup.setup(args.verbose, args.log_json)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    paths = resolve(db=args.db, config=args.config, data_dir=args.data_dir)
    commands = os.fdopen(args.commands, "r", encoding="utf-8")
    events = os.fdopen(args.events, "w", encoding="utf-8")
    from scrapy.utils.reactor import install_reactor

    install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")
    from twisted.internet import reactor

    worker = Worker(paths, events, max(0, args.extract_workers), "INFO" if args.verbose else "WARNING")
    signal.signal(signal.SIGTERM, lambda *_: reactor.callFromThread(worker.stop))  # type: ignore[attr-defined]
    threading.Thread(target=_read_commands, args=(commands, worker), name="kabar-commands", daemon=True).start()
    reactor.callWhenRunning(send, events, Ready(os.getpid()))  # type: ignore[attr-defined]
    reactor.run(installSignalHandlers=False)  # type: ignore[attr-defined]
    return 0


if __name__ == "__main__":
    sys.exit(main())
