"""Runs left 'running' by a crawl killed with ``kill -9`` are closed as ``killed`` by the next
crawl (or daemon start), and shown by ``kabar runs --failed``; runs of a live crawl and of
another host (a Scrapyd node) are left alone."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import time
from datetime import UTC, datetime, timedelta

from jobs.orphans import process_alive
from storage.archive import Archive
from storage.db import open_archive
from tests.support.runner import make_runner, start_kabar, write_config


def running_runs(workdir, pid: int | None = None) -> list[tuple]:
    """(id, source, pid) of the runs the archive holds as 'running' (of ``pid`` if given)."""
    if not (workdir / "kabar.db").exists():
        return []
    with sqlite3.connect(workdir / "kabar.db") as db:
        try:
            rows = db.execute("select id, source, pid from crawl_runs where status = 'running'").fetchall()
        except sqlite3.OperationalError:  # the schema is still being made
            return []
    return [r for r in rows if pid is None or r[2] == pid]


def wait_for_runs(workdir, process: subprocess.Popen, count: int, timeout: float = 60) -> list[tuple]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = running_runs(workdir, process.pid)
        if len(runs) >= count:
            return runs
        assert process.poll() is None, (workdir / "stderr.log").read_text()[-2000:]
        time.sleep(0.1)
    raise AssertionError(f"no {count} running runs of process {process.pid}")


def kill_9(process: subprocess.Popen) -> None:
    process.kill()  # our own child only
    process.wait()


def test_a_crawl_killed_with_sigkill_has_its_runs_closed_as_killed_by_the_next_crawl(tmp_path, sites, silent_server):
    config = write_config(sites, tmp_path)
    config.write_text(
        config.read_text() + f'\n[[sources]]\nname = "diam"\nurl = "{silent_server}"\n'
        f'feeds = ["{silent_server}feed/"]\n',
        encoding="utf-8",
    )
    names = [line.split('"')[1] for line in config.read_text().splitlines() if line.startswith("name = ")]
    examples = [n for n in names if n != "diam"]
    runner = make_runner(tmp_path, f"sqlite:///{tmp_path / 'kabar.db'}", config)

    crawl = start_kabar(tmp_path, config, "crawl", *[a for n in examples for a in ("--source", n)])
    wait_for_runs(tmp_path, crawl, len(examples))
    time.sleep(1.0)  # mid-crawl
    kill_9(crawl)
    killed = running_runs(tmp_path, crawl.pid)  # the runs it had not finished are left running
    assert killed, "every run ended before the kill"

    # a live crawl that takes no lock (as the daemon's children do), hung on a silent server
    live = start_kabar(tmp_path, config, "crawl", "--no-lock", "--source", "diam")
    try:
        live_runs = wait_for_runs(tmp_path, live, 1)
        # a run of the same archive by a Scrapyd node on another host, whose pid means nothing here
        archive = Archive(open_archive(f"sqlite:///{tmp_path / 'kabar.db'}"))
        remote = archive.start_run("diam", "scrapyd")
        with sqlite3.connect(tmp_path / "kabar.db") as db:
            db.execute("update crawl_runs set host = 'node-elsewhere', pid = 999999999 where id = ?", (remote,))

        result = runner("crawl", "--source", examples[0])
        assert result.returncode == 0, result.stderr[-3000:]
        assert process_alive(live.pid)
        still_running = {r[0] for r in running_runs(tmp_path)}
        assert still_running == {live_runs[0][0], remote}  # the live crawl's run, the other host's run
    finally:
        kill_9(live)

    runs = {r["id"]: r for r in json.loads(runner("runs", "--format", "json", "--limit", "100").stdout)}
    for run_id, _source, pid in killed:
        assert runs[run_id]["status"] == "killed", runs[run_id]
        assert runs[run_id]["finished"] is not None
        assert any(f"crawl process {pid} on " in s for s in runs[run_id]["error_samples"])
    failed = json.loads(runner("runs", "--failed", "--format", "json", "--limit", "100").stdout)
    assert {r[0] for r in killed} <= {r["id"] for r in failed}

    # the hung crawl, killed too, is closed by the next start (here: the next crawl's lock)
    assert runner("crawl", "--source", examples[0]).returncode == 0
    runs = {r["id"]: r for r in json.loads(runner("runs", "--format", "json", "--limit", "100").stdout)}
    assert runs[live_runs[0][0]]["status"] == "killed"
    assert runs[remote]["status"] == "running"


def test_a_reused_pid_or_a_zombie_is_not_the_process_that_owned_a_run():
    me = os.getpid()
    assert process_alive(me)
    assert process_alive(me, datetime.now(UTC))
    # this process started long after a run started an hour ago: a reused pid
    assert not process_alive(me, datetime.now(UTC) - timedelta(hours=1))
    child = subprocess.Popen(["true"])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not _zombie(child.pid):
        time.sleep(0.01)
    assert not process_alive(child.pid)  # exited, not yet waited for
    child.wait()
    assert not process_alive(child.pid)


def _zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True
