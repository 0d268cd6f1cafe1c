"""``kabar daemon``: crawl every source on its schedule until SIGTERM/SIGINT.

APScheduler 3.11 with its job store in the archive database, one job per source (coalesce,
misfire grace of half the interval). A job hands its source to the long-lived crawl workers
(:mod:`jobs.crawlworkers`: ``[daemon] workers`` processes crawling many sources at once) and
returns; the run's end is recorded when the worker reports it, and what a worker could not
record (it died, hung, was stopped) the daemon records. A source still crawling when it is due
again is skipped, with one INFO line when that starts. With ``[cluster] scrapyd`` nodes the
job hands the crawl to the least busy node instead and follows it there.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from crawler.config import Config, Paths, SourceConfig
from jobs import logsetup, metrics
from jobs.cluster import NodeError, ScrapydNode, least_busy
from jobs.crawlworkers.pool import Outcome, PoolSettings, WorkerPool
from jobs.schedules import describe, interval_of, misfire_grace, next_poll_seconds, trigger_for
from storage.archive import Archive
from storage.db import create_engine_for, open_archive
from storage.runs import close_unfinished_runs, latest_run, poll_interval, record_poll_interval

logger = logging.getLogger(__name__)
# The daemon's start (sources and schedules) and stop: logged at INFO, shown without -v too.
lifecycle = logging.getLogger(f"{__name__}.lifecycle")

JOBSTORE_TABLE = "kabar_schedule"
JOB_PREFIX = "source:"
KILL_WAIT = 10  # seconds between SIGTERM and SIGKILL for a crawl past its limit
JOB_THREADS = 4  # scheduler threads with local workers (a job only hands its source over)
CHECK_JOB = "checks:daily"  # the daily `kabar sources check` of every source
CHECK_EVERY = timedelta(days=1)
CHECK_PROCESS = "(sources check)"  # its key among the running children (not a source name)


@dataclass
class DaemonContext:
    """What the job function needs; set once by :class:`Daemon` in this process."""

    paths: Paths
    scheduler: BackgroundScheduler
    archive: Archive
    pool: WorkerPool | None = None  # None: crawls go to Scrapyd nodes
    running: dict[str, subprocess.Popen] = field(default_factory=dict)  # the daily check's process
    crawling: dict[str, datetime] = field(default_factory=dict)  # source -> when its run started
    overrun: set[str] = field(default_factory=set)  # sources whose overrun was logged
    lock: threading.Lock = field(default_factory=threading.Lock)
    stopping: threading.Event = field(default_factory=threading.Event)


_context: DaemonContext | None = None


def job_id(source: str) -> str:
    return JOB_PREFIX + source


def crawl_source(source_name: str) -> None:
    """The job of one source: its crawl handed to a crawl worker (or a Scrapyd node), recorded
    whatever happens; skipped while the source's previous crawl still runs."""
    context = _context
    if context is None or context.stopping.is_set():
        return
    config = context.paths.config
    try:
        source = config.source(source_name)
    except Exception:  # a job left in the store for a source that is gone
        logger.warning("%s: not in the config any more; skipping", source_name)
        return
    started = datetime.now(UTC)
    with context.lock:
        running_since = context.crawling.get(source_name)
        if running_since is None:
            context.crawling[source_name] = started
    if running_since is not None:
        _overrun(context, source_name, started - running_since)
        return
    limit = config.daemon.crawl_timeout.total_seconds()
    metrics.crawl_started()
    if context.pool is None:
        status, reason = _crawl_on_node(context, source_name, limit)
        _ended(context, source, started, status, reason)
        return

    def done(outcome: Outcome) -> None:
        _ended(context, source, started, None if outcome.recorded else outcome.status, outcome.reason)

    context.pool.submit(source_name, limit, done)


def _overrun(context: DaemonContext, source_name: str, running: timedelta) -> None:
    """One INFO line when a source's crawl outlasts its interval (not one per skipped run)."""
    with context.lock:
        if source_name in context.overrun:
            return
        context.overrun.add(source_name)
    job = context.scheduler.get_job(job_id(source_name))
    interval = interval_of(job.trigger) if job is not None else None
    logger.info(
        "%s: a crawl takes %s, longer than its %s interval; runs are skipped until it ends",
        source_name,
        _span(running),
        _span(interval) if interval else "scheduled",
    )


def _span(delta: timedelta) -> str:
    """``45 s``, ``7 min``, ``2.5 h``."""
    seconds = delta.total_seconds()
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _ended(context: DaemonContext, source: SourceConfig, started: datetime, status: str | None, reason: str) -> None:
    """A run ended: recorded (by the daemon when the crawl could not), then the source may run again."""
    try:
        _record_outcome(context, source.name, started, status, reason)
        if source.schedule is None and not context.stopping.is_set():
            _adapt(context, source, started)
    except Exception:  # the archive away: the next run tries again
        logger.exception("%s: could not record the end of its run", source.name)
    finally:
        with context.lock:
            context.crawling.pop(source.name, None)
            context.overrun.discard(source.name)


def _crawl_on_node(context: DaemonContext, source_name: str, limit: float) -> tuple[str | None, str]:
    """The crawl as a job on the least-busy Scrapyd node, followed until it ends."""
    cluster, paths = context.paths.config.cluster, context.paths
    try:
        node = least_busy([ScrapydNode(url) for url in cluster.scrapyd])
        settings = {
            "KABAR_DATABASE_URL": paths.database_url,
            "KABAR_DATA_DIR": str(paths.data_dir / "nodes" / node.name),
            "KABAR_TRIGGER": "scrapyd",
            "CLOSESPIDER_TIMEOUT": f"{limit * 0.9:.0f}",
        }
        if paths.config.path:
            settings["KABAR_CONFIG"] = str(paths.config.path)
        job = node.schedule(cluster.project, source_name, settings)
    except NodeError as exc:
        return "failed", str(exc)
    logger.info("%s: crawl started on %s as job %s", source_name, node.url, job)
    deadline = time.monotonic() + limit
    while True:
        time.sleep(1)
        try:
            state = node.state(cluster.project, job)
        except NodeError:
            return "failed", f"Scrapyd node {node.url} stopped answering during the crawl"
        if state == "finished":
            return None, ""
        if state is None:
            return "failed", f"Scrapyd node {node.url} lost job {job}"
        if context.stopping.is_set() or time.monotonic() > deadline:
            try:
                node.cancel(cluster.project, job)
            except NodeError as exc:
                logger.warning("%s", exc)
            if context.stopping.is_set():
                return "killed", f"crawl on {node.url} cancelled when the daemon stopped"
            return "timeout", f"crawl on {node.url} cancelled after its time limit"


def _wait(process: subprocess.Popen, limit: float, context: DaemonContext) -> str | None:
    """None when the child ended by itself; 'timeout' or 'killed' when the daemon ended it."""
    try:
        process.wait(timeout=limit)
        return "killed" if context.stopping.is_set() and process.returncode < 0 else None
    except subprocess.TimeoutExpired:
        process.terminate()
        try:
            process.wait(timeout=KILL_WAIT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        return "timeout"


def _record_outcome(context: DaemonContext, source: str, started: datetime, status: str | None, reason: str) -> None:
    """Whatever the crawl could not record itself, the daemon records."""
    engine = context.archive.engine
    since = started - timedelta(seconds=1)
    if status is None:
        run = latest_run(engine, source, since=since)
        if run is not None and run["status"] != "running":
            metrics.crawl_finished(source, run["status"], started, run)
            counts = {k: run[k] for k in ("pages", "new", "errors")}
            logsetup.say(
                f"{source}: crawl {run['status']} ({counts['pages']} pages, {counts['new']} new, "
                f"{counts['errors']} errors)",
                fields={"source": source, "status": run["status"], **counts},
            )
            return
        status, reason = "failed", "the crawl ended without recording its run"
    if not close_unfinished_runs(engine, source, since=since, status=status, reason=reason):
        run_id = context.archive.start_run(source, "daemon")
        context.archive.finish_run(run_id, status=status, errors=1, error_samples=[reason])
    metrics.crawl_finished(source, status, started, None)
    logger.warning("%s: %s", source, reason)


def _adapt(context: DaemonContext, source: SourceConfig, started: datetime) -> None:
    """Sources without a schedule: poll more often when they publish, less when they do not."""
    daemon = context.paths.config.daemon
    engine = context.archive.engine
    run = latest_run(engine, source.name, since=started - timedelta(seconds=1))
    current = poll_interval(engine, source.name) or int(daemon.poll_start.total_seconds())
    found_new = bool(run and run["new"])
    seconds = next_poll_seconds(current, found_new, daemon)
    record_poll_interval(engine, source.name, seconds, found_new=found_new)
    if seconds != current:
        trigger = trigger_for(source, daemon, seconds)
        context.scheduler.reschedule_job(job_id(source.name), trigger=trigger)
        logger.info(
            "%s: next polls every %s s (%s)", source.name, seconds, "new articles" if found_new else "nothing new"
        )


class Daemon:
    """The scheduler, its jobs synced from the config, and a clean stop on SIGTERM/SIGINT."""

    def __init__(self, paths: Paths, metrics_port: int | None = None) -> None:
        self.paths = paths
        self.metrics_port = metrics_port
        self._stopper: threading.Thread | None = None

    def run(self) -> int:
        global _context
        logsetup.show_info(lifecycle.name)
        engine = open_archive(self.paths.database_url)
        config = self.paths.config
        daemon = config.daemon
        pool = None if config.cluster.scrapyd else WorkerPool(self.paths, pool_settings(config))
        threads = JOB_THREADS if pool is not None else daemon.max_parallel + 1
        scheduler = BackgroundScheduler(
            jobstores={
                "default": SQLAlchemyJobStore(
                    engine=create_engine_for(self.paths.database_url), tablename=JOBSTORE_TABLE
                )
            },
            executors={"default": ThreadPoolExecutor(max_workers=threads)},
            # a job finding its source still crawling returns at once (crawl_source): the second
            # instance is let in to say so once, instead of APScheduler's warning every interval
            job_defaults={"coalesce": True, "max_instances": 2},
            timezone=UTC,
        )
        _context = DaemonContext(paths=self.paths, scheduler=scheduler, archive=Archive(engine), pool=pool)
        if pool is not None:
            pool.start()
        if self.metrics_port is not None:
            metrics.serve(self.metrics_port)
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._on_signal)
        # started paused, so the job store can be synced with the config before anything runs
        # (a BlockingScheduler would block in start(); this thread waits below instead)
        scheduler.start(paused=True)
        sync_jobs(scheduler, self.paths, engine)
        scheduler.resume()
        _log_start(scheduler, self.paths)
        while scheduler.running:
            time.sleep(0.2)
        if self._stopper is not None:  # the last crawls record how they ended first
            self._stopper.join()
        lifecycle.info("daemon: stopped", extra={"fields": {"event": "stopped"}})
        return 0

    def _on_signal(self, signum: int, _frame: Any) -> None:
        context = _context
        if context is None or context.stopping.is_set():
            return
        context.stopping.set()
        lifecycle.info(
            "daemon: %s received, stopping",
            signal.Signals(signum).name,
            extra={"fields": {"event": "stopping", "signal": signal.Signals(signum).name}},
        )
        self._stopper = threading.Thread(target=self._stop, args=(context,), name="kabar-stop", daemon=True)
        self._stopper.start()

    def _stop(self, context: DaemonContext) -> None:
        """No new runs; running crawls get the grace period to finish and flush, then die."""
        context.scheduler.pause()
        grace = context.paths.config.daemon.grace.total_seconds()
        deadline = time.monotonic() + grace
        with context.lock:
            children = dict(context.running)
        for process in children.values():
            process.send_signal(signal.SIGTERM)
        if context.pool is not None:
            context.pool.stop(grace)
        for process in children.values():
            try:
                process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
        context.scheduler.shutdown(wait=True)


def pool_settings(config: Config) -> PoolSettings:
    """The crawl workers' size and limits from ``[daemon]``; the extraction processes of
    ``[crawl] extract_workers`` shared out among the workers (at least one each)."""
    daemon = config.daemon
    return PoolSettings(
        workers=daemon.workers,
        per_worker=daemon.crawls_per_worker,
        recycle_runs=daemon.worker_runs,
        recycle_mb=daemon.worker_memory_mb,
        extract_workers=max(1, config.crawl.extract_workers // daemon.workers) if config.crawl.extract_workers else 0,
        kill_wait=close_wait(),
    )


def close_wait() -> float:
    """Seconds a cancelled crawl may take to close before its worker counts as hung: Scrapy
    closes a spider only once its downloads in flight end, at the latest at their timeout."""
    import crawler.settings
    from crawler.environment import environment_settings

    timeout = environment_settings(os.environ).get("DOWNLOAD_TIMEOUT", crawler.settings.DOWNLOAD_TIMEOUT)
    return float(timeout) + KILL_WAIT


def _log_start(scheduler: BackgroundScheduler, paths: Paths) -> None:
    """One line: the daemon runs, with every source's schedule and next run."""
    jobs = [(s.name, scheduler.get_job(job_id(s.name))) for s in paths.config.sources]
    schedules = [
        {
            "source": name,
            "trigger": describe(job.trigger) if job else None,
            "next_run": job.next_run_time.isoformat() if job and job.next_run_time else None,
        }
        for name, job in jobs
    ]
    lifecycle.info(
        "daemon: started (pid %d), %d sources scheduled: %s",
        os.getpid(),
        len(schedules),
        ", ".join(f"{s['source']} {s['trigger']}" for s in schedules),
        extra={"fields": {"event": "started", "pid": os.getpid(), "sources": schedules}},
    )


def sync_jobs(scheduler: BackgroundScheduler, paths: Paths, engine) -> None:
    """Make the job store match the config: add new sources, replace changed ones (a job whose
    trigger is unchanged keeps its next run time, so a missed run is caught up once), remove
    sources that are gone."""
    daemon = paths.config.daemon
    wanted = {job_id(s.name): s for s in paths.config.sources}
    for job in scheduler.get_jobs():
        if job.id.startswith(JOB_PREFIX) and job.id not in wanted:
            scheduler.remove_job(job.id)
            logger.info("daemon: removed the job of %s (no longer in the config)", job.id[len(JOB_PREFIX) :])
    for identifier, source in wanted.items():
        trigger = trigger_for(source, daemon, poll_interval(engine, source.name))
        existing = scheduler.get_job(identifier)
        if existing is not None and describe(existing.trigger) == describe(trigger):
            continue
        first_run = {"next_run_time": datetime.now(UTC)} if existing is None else {}
        scheduler.add_job(
            crawl_source,
            trigger=trigger,
            args=(source.name,),
            id=identifier,
            name=f"crawl {source.name}",
            replace_existing=True,
            misfire_grace_time=misfire_grace(trigger),
            **first_run,
        )
        logger.info("daemon: %s the job of %s (%s)", "added" if existing is None else "changed", source.name, trigger)
    sync_check_job(scheduler, engine)


def sync_check_job(scheduler: BackgroundScheduler, engine) -> None:
    """The daily health check of every source: added once, first due a day after the last
    recorded check (at once when there is none); an existing job keeps its next run time."""
    from apscheduler.triggers.interval import IntervalTrigger

    from storage.checks import last_check_time

    if scheduler.get_job(CHECK_JOB) is not None:
        return
    last = last_check_time(engine)
    now = datetime.now(UTC)
    first = max(now, last + CHECK_EVERY) if last else now
    trigger = IntervalTrigger(seconds=int(CHECK_EVERY.total_seconds()), start_date=first, timezone=UTC)
    scheduler.add_job(
        check_sources,
        trigger=trigger,
        id=CHECK_JOB,
        name="check every source",
        misfire_grace_time=misfire_grace(trigger),
        next_run_time=first,
    )
    logger.info("daemon: added the daily source check (first at %s)", first.isoformat(timespec="seconds"))


def check_sources() -> None:
    """The daily check: ``kabar sources check`` in a child process, which records its results
    in the archive (``kabar status`` shows the failing and quiet sources from them)."""
    context = _context
    if context is None or context.stopping.is_set():
        return
    paths = context.paths
    command = [
        sys.executable,
        "-m",
        "jobs.cli",
        "sources",
        "check",
        "--format",
        "json",
        "--db",
        paths.database_url,
        "--data-dir",
        str(paths.data_dir),
        *logsetup.options().child_args(),
    ]
    if paths.config.path:
        command += ["--config", str(paths.config.path)]
    logger.info("daemon: checking every source")
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    with context.lock:
        context.running[CHECK_PROCESS] = process
    status = _wait(process, paths.config.daemon.crawl_timeout.total_seconds(), context)
    with context.lock:
        context.running.pop(CHECK_PROCESS, None)
    if status is not None or process.returncode not in (0, 1):
        logger.warning("daemon: the source check %s", status or f"exited with code {process.returncode}")
    else:
        logger.info("daemon: source check done (%s)", "some sources failing" if process.returncode else "all ok")


def next_runs(database_url: str) -> dict[str, datetime | None]:
    """Next run time per source from the daemon's job store (empty when it never ran)."""
    from sqlalchemy import inspect

    engine = create_engine_for(database_url)
    if not inspect(engine).has_table(JOBSTORE_TABLE):
        return {}
    store = SQLAlchemyJobStore(engine=engine, tablename=JOBSTORE_TABLE)
    store.start(None, "default")
    try:
        return {
            job.id[len(JOB_PREFIX) :]: job.next_run_time
            for job in store.get_all_jobs()
            if job.id.startswith(JOB_PREFIX)
        }
    finally:
        store.shutdown()
