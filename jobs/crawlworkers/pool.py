"""The daemon's crawl workers: a fixed number of long-lived processes (:mod:`.worker`) that
crawl every due source, each taking up to ``per_worker`` crawls at once.

:meth:`WorkerPool.submit` hands a source to the least busy worker, or queues it until one has
room; ``on_done`` is called (from a pool thread) with how the run ended. A watchdog thread,
once a second:

- cancels a run past its time limit, and kills its worker when the run is still there
  ``kill_wait`` seconds later (a cancelled crawl closes once its downloads in flight end, at
  their timeout at the latest; a worker that does not manage that is hung: its runs end as
  failed, the late one as timed out);
- replaces a worker that died (its runs end as failed, with the exit code);
- retires a worker after ``recycle_runs`` runs or past ``recycle_mb`` resident MB: it takes no
  new run, and once its runs are done it exits and a fresh one takes its place, so a leak
  stays bounded.
"""

from __future__ import annotations

import itertools
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO

from crawler.config import Paths
from jobs import logsetup
from jobs.crawlworkers.protocol import Cancel, Crawl, Done, Ready, Stop, parse, send

logger = logging.getLogger(__name__)

WATCH_EVERY = 1.0  # seconds between the watchdog's rounds
READY_WAIT = 60.0  # seconds a new worker has to say it is ready


@dataclass(frozen=True)
class Outcome:
    """How a run ended: the status recorded (or to record, when the worker could not) and why."""

    source: str
    run_id: int | None
    status: str
    reason: str
    recorded: bool  # the worker's crawl wrote the run row itself


OnDone = Callable[[Outcome], None]


@dataclass
class _Run:
    token: int
    source: str
    limit: float
    on_done: OnDone
    started: float = 0.0
    cancelled_at: float | None = None


@dataclass
class _Worker:
    number: int
    process: subprocess.Popen
    commands: IO[str]
    runs: dict[int, _Run] = field(default_factory=dict)
    finished: int = 0
    rss_mb: float = 0.0
    ready: threading.Event = field(default_factory=threading.Event)
    started: float = field(default_factory=time.monotonic)
    retiring: bool = False
    told_to_stop: float | None = None
    gone: bool = False


@dataclass(frozen=True)
class PoolSettings:
    """The pool's size and limits (``[daemon]`` of the config)."""

    workers: int
    per_worker: int
    recycle_runs: int
    recycle_mb: float
    extract_workers: int
    kill_wait: float = 10.0


class WorkerPool:
    """``workers`` crawl worker processes and the runs they have in hand."""

    def __init__(self, paths: Paths, settings: PoolSettings) -> None:
        self.paths, self.settings = paths, settings
        self._lock = threading.RLock()
        self._workers: list[_Worker] = []
        self._queue: deque[_Run] = deque()
        self._tokens = itertools.count(1)
        self._numbers = itertools.count(1)
        self._stopping = threading.Event()
        self._watchdog = threading.Thread(target=self._watch, name="kabar-workers", daemon=True)

    def start(self) -> None:
        with self._lock:
            for _ in range(self.settings.workers):
                self._workers.append(self._spawn())
        self._watchdog.start()

    # -- runs ------------------------------------------------------------------------------
    def submit(self, source: str, limit: float, on_done: OnDone) -> None:
        """Crawl ``source`` with a time limit of ``limit`` seconds; ``on_done`` gets the outcome."""
        run = _Run(next(self._tokens), source, limit, on_done)
        with self._lock:
            if self._stopping.is_set():
                done = Outcome(source, None, "killed", "the daemon is stopping", recorded=False)
            else:
                self._queue.append(run)
                self._dispatch()
                return
        on_done(done)

    def in_hand(self) -> int:
        """Runs queued or crawling."""
        with self._lock:
            return len(self._queue) + sum(len(w.runs) for w in self._workers)

    def pids(self) -> list[int]:
        with self._lock:
            return [w.process.pid for w in self._workers if not w.gone]

    def _dispatch(self) -> None:
        """Hand queued runs to the least busy ready workers with room (lock held)."""
        while self._queue:
            room = [
                w
                for w in self._workers
                if w.ready.is_set() and not w.retiring and not w.gone and len(w.runs) < self.settings.per_worker
            ]
            if not room:
                return
            worker = min(room, key=lambda w: len(w.runs))
            run = self._queue.popleft()
            run.started = time.monotonic()
            worker.runs[run.token] = run
            try:
                send(worker.commands, Crawl(run.token, run.source, run.limit * 0.9))
            except OSError:  # it died just now: the watchdog ends its runs
                worker.gone = True

    # -- workers ---------------------------------------------------------------------------
    def _spawn(self) -> _Worker:
        commands_read, commands_write = os.pipe()
        events_read, events_write = os.pipe()
        command = [
            sys.executable,
            "-m",
            "jobs.crawlworkers.worker",
            "--commands",
            str(commands_read),
            "--events",
            str(events_write),
            "--db",
            self.paths.database_url,
            "--data-dir",
            str(self.paths.data_dir),
            "--extract-workers",
            str(self.settings.extract_workers),
            *logsetup.options().child_args(),
        ]
        if self.paths.config.path:
            command += ["--config", str(self.paths.config.path)]
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, pass_fds=(commands_read, events_write)
        )
        os.close(commands_read)
        os.close(events_write)
        worker = _Worker(next(self._numbers), process, os.fdopen(commands_write, "w", encoding="utf-8"))
        events = os.fdopen(events_read, "r", encoding="utf-8")
        threading.Thread(target=self._listen, args=(worker, events), name=f"kabar-worker-{worker.number}").start()
        logger.info("crawl worker %d started (pid %d)", worker.number, process.pid)
        return worker

    def _listen(self, worker: _Worker, events: IO[str]) -> None:
        """Follow one worker's events until its pipe closes (it exited or died)."""
        with events:
            for line in events:
                try:
                    message = parse(line)
                except ValueError as exc:
                    logger.error("crawl worker %d: %s", worker.number, exc)
                    continue
                if isinstance(message, Ready):
                    worker.ready.set()
                    with self._lock:
                        self._dispatch()
                elif isinstance(message, Done):
                    self._finished(worker, message)
        with self._lock:
            worker.gone = True

    def _finished(self, worker: _Worker, done: Done) -> None:
        with self._lock:
            run = worker.runs.pop(done.token, None)
            worker.finished += 1
            worker.rss_mb = done.rss_mb
            if worker.finished >= self.settings.recycle_runs or done.rss_mb > self.settings.recycle_mb:
                self._retire(worker, f"{worker.finished} runs, {done.rss_mb:.0f} MB resident")
            self._dispatch()
        if run is not None:
            run.on_done(Outcome(done.source, done.run_id, done.status, done.reason, recorded=not done.reason))

    def _retire(self, worker: _Worker, why: str) -> None:
        """Give ``worker`` no new runs; it exits once its runs are done (lock held)."""
        if worker.retiring:
            return
        worker.retiring = True
        logger.info("crawl worker %d retires after %s", worker.number, why)
        self._workers.append(self._spawn())

    # -- the watchdog ----------------------------------------------------------------------
    def _watch(self) -> None:
        while not self._stopping.wait(WATCH_EVERY):
            ended: list[tuple[_Run, Outcome]] = []
            with self._lock:
                for worker in list(self._workers):
                    ended += self._check(worker)
                self._dispatch()
            for run, outcome in ended:
                run.on_done(outcome)

    def _check(self, worker: _Worker) -> list[tuple[_Run, Outcome]]:
        """Time limits, deaths and retirements of one worker (lock held); the runs that ended."""
        now = time.monotonic()
        code = worker.process.poll()
        if code is None and not worker.ready.is_set() and now - worker.started > READY_WAIT:
            logger.error("crawl worker %d did not start within %.0f s; replacing it", worker.number, READY_WAIT)
            return self._kill(worker, "the crawl worker did not start")
        if code is None:
            for run in list(worker.runs.values()):
                if run.cancelled_at is None and now - run.started > run.limit:
                    run.cancelled_at = now
                    self._send(worker, Cancel(run.token))
                elif run.cancelled_at is not None and now - run.cancelled_at > self.settings.kill_wait:
                    logger.error(
                        "crawl worker %d: %s did not stop at its time limit; killing the worker",
                        worker.number,
                        run.source,
                    )
                    return self._kill(worker, f"its crawl worker hung on {run.source} and was killed", late=run)
            if worker.retiring and not worker.runs:
                if worker.told_to_stop is None:
                    worker.told_to_stop = now
                    self._send(worker, Stop())
                elif now - worker.told_to_stop > self.settings.kill_wait:
                    worker.process.kill()
            return []
        self._forget(worker)
        ended = [
            (run, Outcome(run.source, None, "failed", f"crawl worker died (exit code {code})", recorded=False))
            for run in worker.runs.values()
        ]
        if worker.retiring and not ended:
            logger.info("crawl worker %d retired", worker.number)
        else:
            logger.warning("crawl worker %d exited with code %s; %d runs lost", worker.number, code, len(ended))
        if not worker.retiring and not self._stopping.is_set():
            self._workers.append(self._spawn())
        return ended

    def _kill(self, worker: _Worker, reason: str, late: _Run | None = None) -> list[tuple[_Run, Outcome]]:
        worker.process.kill()
        worker.process.wait()
        self._forget(worker)
        if not self._stopping.is_set():
            self._workers.append(self._spawn())
        limit = self.paths.config.daemon.crawl_timeout
        return [
            (
                run,
                Outcome(run.source, None, "timeout", f"crawl killed after its time limit of {limit}", recorded=False)
                if run is late
                else Outcome(run.source, None, "failed", reason, recorded=False),
            )
            for run in worker.runs.values()
        ]

    def _forget(self, worker: _Worker) -> None:
        """Drop an ended worker and close its command pipe (a long-running daemon replaces
        workers all the time: an unclosed pipe each would use up its file descriptors)."""
        self._workers.remove(worker)
        worker.gone = True
        try:
            worker.commands.close()
        except OSError:
            pass

    def _send(self, worker: _Worker, message: Cancel | Stop) -> None:
        try:
            send(worker.commands, message)
        except OSError:
            worker.gone = True

    # -- stopping --------------------------------------------------------------------------
    def stop(self, grace: float) -> None:
        """No new runs; every worker stops its runs (they end as killed) within ``grace``
        seconds, or is killed; queued runs end as killed; the ends are reported."""
        self._stopping.set()
        with self._lock:
            queued, self._queue = list(self._queue), deque()
            workers = list(self._workers)
            for worker in workers:
                self._send(worker, Stop())
        for run in queued:
            run.on_done(Outcome(run.source, None, "killed", "the daemon stopped before it ran", recorded=False))
        deadline = time.monotonic() + grace
        for worker in workers:
            try:
                worker.process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                worker.process.send_signal(signal.SIGKILL)
                worker.process.wait()
        time.sleep(0.2)  # the listeners read the last events
        with self._lock:
            left = [(run, w) for w in workers for run in w.runs.values()]
            for worker in workers:
                worker.runs.clear()
                worker.commands.close()
        for run, _worker in left:
            run.on_done(Outcome(run.source, None, "killed", "crawl killed when the daemon stopped", recorded=False))
