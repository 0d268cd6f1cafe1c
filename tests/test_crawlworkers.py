"""The long-lived crawl workers (jobs.crawlworkers) for real: one process crawls several
sources at once and keeps taking runs; a worker that dies costs only its own runs and is
replaced; a worker is recycled after its runs; stopping ends runs as killed; a worker never
outlives the daemon."""

from __future__ import annotations

import io
import os
import queue
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.config import resolve
from jobs.archive_access import engine_for
from jobs.crawlworkers.pool import Outcome, PoolSettings, WorkerPool
from jobs.crawlworkers.protocol import Crawl, Done, Stop, parse, send
from storage.models import CrawlRun
from storage.runs import latest_run
from tests.support.daemon import config_for

SOURCES = ["infodaerah", "jurnalsilampari", "palembangkini"]


def settings(**changes) -> PoolSettings:
    base = {"workers": 1, "per_worker": 8, "recycle_runs": 1000, "recycle_mb": 4000, "extract_workers": 1}
    return PoolSettings(**{**base, **changes}, kill_wait=5)


@pytest.fixture
def paths(sites, tmp_path):
    config = config_for(sites, tmp_path, SOURCES, "1h")
    paths = resolve(db=f"sqlite:///{tmp_path / 'kabar.db'}", config=str(config), data_dir=str(tmp_path / "data"))
    engine_for(paths, create=True)
    return paths


class Outcomes:
    def __init__(self) -> None:
        self.queue: queue.Queue[Outcome] = queue.Queue()

    def __call__(self, outcome: Outcome) -> None:
        self.queue.put(outcome)

    def take(self, n: int, timeout: float = 120) -> list[Outcome]:
        deadline = time.monotonic() + timeout
        return [self.queue.get(timeout=max(0.1, deadline - time.monotonic())) for _ in range(n)]


def run_of(paths, source: str) -> dict | None:
    engine = engine_for(paths)
    try:
        return latest_run(engine, source)
    finally:
        engine.dispose()


def runs_by_id(paths, ids: list) -> list[CrawlRun]:
    engine = engine_for(paths)
    try:
        with Session(engine) as session:
            return list(session.scalars(select(CrawlRun).where(CrawlRun.id.in_(ids))))
    finally:
        engine.dispose()


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_protocol_round_trip_and_refuses_other_lines():
    out = io.StringIO()
    for message in (Crawl(3, "sumselpos", 60.0), Stop(), Done(3, "sumselpos", 17, "ok", "", 140.5)):
        send(out, message)
    assert [parse(line) for line in out.getvalue().splitlines()] == [
        Crawl(3, "sumselpos", 60.0),
        Stop(),
        Done(3, "sumselpos", 17, "ok", "", 140.5),
    ]
    for bad in ('{"op": "explode"}', "[1]", '"crawl"'):
        with pytest.raises(ValueError, match="not a crawl worker message"):
            parse(bad)


def test_one_worker_crawls_several_sources_at_once_and_takes_more(paths):
    pool = WorkerPool(paths, settings())
    pool.start()
    outcomes = Outcomes()
    try:
        for source in SOURCES:
            pool.submit(source, 120, outcomes)
        first = outcomes.take(3)
        pids = pool.pids()
        pool.submit("infodaerah", 120, outcomes)  # the same process takes the next run
        again = outcomes.take(1)
        assert pool.pids() == pids and len(pids) == 1
    finally:
        pool.stop(10)
    assert sorted(o.source for o in first) == sorted(SOURCES)
    assert all(o.recorded and o.status == "ok" and o.run_id for o in first + again), first + again
    runs = runs_by_id(paths, [o.run_id for o in first])
    assert all(r.status == "ok" and r.new > 0 for r in runs), runs
    assert max(r.started_at for r in runs) < min(r.finished_at for r in runs), "the three crawls ran at once"


def test_a_dead_worker_costs_only_its_runs_and_is_replaced(paths):
    pool = WorkerPool(paths, settings(workers=2, per_worker=1))
    pool.start()
    outcomes = Outcomes()
    try:
        wait_for(lambda: pool.in_hand() == 0 and len(pool.pids()) == 2, 60, "two workers")
        pool.submit("infodaerah", 120, outcomes)
        pool.submit("jurnalsilampari", 120, outcomes)
        wait_for(lambda: run_of(paths, "infodaerah") is not None, 60, "the first run to start")
        victim = pool.pids()[0]
        os.kill(victim, signal.SIGKILL)
        ended = outcomes.take(2)
        wait_for(lambda: len(pool.pids()) == 2 and victim not in pool.pids(), 60, "a new worker")
        pool.submit("palembangkini", 120, outcomes)
        later = outcomes.take(1)
    finally:
        pool.stop(10)
    died = [o for o in ended if not o.recorded]
    assert len(died) == 1 and died[0].status == "failed"
    assert died[0].reason == "crawl worker died (exit code -9)"
    survived = [o for o in ended if o.recorded]
    assert len(survived) == 1 and survived[0].status == "ok"
    assert later[0].status == "ok" and later[0].recorded


def test_a_worker_is_recycled_after_its_runs(paths):
    pool = WorkerPool(paths, settings(recycle_runs=1))
    pool.start()
    outcomes = Outcomes()
    try:
        wait_for(lambda: len(pool.pids()) == 1, 30, "the worker")
        first = pool.pids()[0]
        pool.submit("jurnalsilampari", 120, outcomes)
        assert outcomes.take(1)[0].status == "ok"
        wait_for(lambda: first not in pool.pids() and len(pool.pids()) == 1, 60, "the worker recycled")
        pool.submit("jurnalsilampari", 120, outcomes)
        assert outcomes.take(1)[0].status == "ok"
    finally:
        pool.stop(10)
    with pytest.raises(ProcessLookupError):
        os.kill(first, 0)


def test_stopping_ends_running_crawls_as_killed(paths, silent_server, tmp_path):
    config = Path(paths.config.path)
    config.write_text(
        config.read_text()
        + f'\n[[sources]]\nname = "diam"\nurl = "{silent_server}"\nfeeds = ["{silent_server}feed/"]\n',
        encoding="utf-8",
    )
    paths = resolve(db=paths.database_url, config=str(config), data_dir=str(paths.data_dir))
    pool = WorkerPool(paths, settings())
    pool.start()
    outcomes = Outcomes()
    pool.submit("diam", 600, outcomes)
    wait_for(lambda: run_of(paths, "diam") is not None, 60, "the run to start")
    workers = pool.pids()
    started = time.monotonic()
    pool.stop(5)  # the silent server never answers: the crawl cannot close before its download times out
    [outcome] = outcomes.take(1, timeout=5)
    assert time.monotonic() - started < 15
    assert outcome.status == "killed"
    assert outcome.recorded or outcome.reason == "crawl killed when the daemon stopped"
    assert all(_gone(pid) for pid in workers)


def test_a_worker_never_outlives_the_daemon(paths, tmp_path):
    script = (
        "import sys, time\n"
        "from crawler.config import resolve\n"
        "from jobs.crawlworkers.pool import PoolSettings, WorkerPool\n"
        f"paths = resolve(db={paths.database_url!r}, config={str(paths.config.path)!r}, "
        f"data_dir={str(paths.data_dir)!r})\n"
        "pool = WorkerPool(paths, PoolSettings(1, 4, 100, 4000, 1))\n"
        "pool.start()\n"
        "time.sleep(2)\n"
        "print(pool.pids()[0], flush=True)\n"
        "time.sleep(600)\n"
    )
    daemon = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=tmp_path)
    worker = int(daemon.stdout.readline())
    daemon.kill()
    daemon.wait()
    wait_for(lambda: _gone(worker), 30, "the worker to exit after the daemon's SIGKILL")


def _gone(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[1].split()[0] == "Z"
    except FileNotFoundError:
        return True
