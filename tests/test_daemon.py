"""The daemon for real, with second-level schedules against the example sites: runs on time,
records every run, stops cleanly, keeps its job store, kills hung crawls, survives crashes."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from datetime import datetime

from tests.support import ROOT
from tests.support.daemon import DaemonProcess, command_line, config_for, finished


def test_runs_on_schedule_records_and_stops_cleanly(kabar, sites, tmp_path):
    config = config_for(sites, tmp_path, ["infodaerah", "jurnalsilampari"], "3s", '[daemon]\ngrace = "10s"\n')
    daemon = DaemonProcess(kabar, config).start()
    daemon.wait_for(
        lambda: all(len(finished(daemon.runs(s))) >= 3 for s in ("infodaerah", "jurnalsilampari")),
        150,
        "three runs of each source",
    )
    status = json.loads(kabar("status", "--config", str(config), "--format", "json").stdout)
    assert {s["source"] for s in status} == {"infodaerah", "jurnalsilampari"}
    assert all(s["next_run"] and s["last_status"] for s in status)
    # a second daemon and a cron crawl on the same archive refuse at once
    started = time.monotonic()
    second = kabar("daemon", "--config", str(config))
    assert second.returncode == 3 and "in use by kabar daemon" in second.stderr
    assert time.monotonic() - started < 10
    assert kabar("crawl", "--config", str(config)).returncode == 3
    code, err = daemon.stop()
    assert code == 0, err[-2000:]
    runs = daemon.runs()
    assert all(r["trigger"] == "daemon" for r in runs)
    assert all(r["status"] in ("ok", "killed") for r in runs), runs
    assert not [r for r in runs if r["status"] == "running"]
    # the lock died with the daemon: a cron crawl can run now
    assert kabar("crawl", "--config", str(config), "--source", "infodaerah").returncode == 0


def test_restart_catches_up_a_missed_run_once(kabar, sites, tmp_path):
    config = config_for(sites, tmp_path, ["jurnalsilampari"], "30s")
    daemon = DaemonProcess(kabar, config).start()
    daemon.wait_for(lambda: len(finished(daemon.runs())) >= 1, 60, "the first run")
    assert daemon.stop()[0] == 0
    before = max(r["id"] for r in daemon.runs())
    next_run = json.loads(kabar("status", "--config", str(config), "--format", "json").stdout)[0]["next_run"]
    due = datetime.fromisoformat(next_run).timestamp()
    time.sleep(max(0.0, due - time.time() + 1))  # the next run is missed while the daemon is down
    daemon = DaemonProcess(kabar, config).start()
    daemon.wait_for(lambda: any(r["id"] > before for r in finished(daemon.runs())), 40, "the catch-up run")
    time.sleep(3)
    assert daemon.stop()[0] == 0
    after_restart = [r for r in daemon.runs() if r["id"] > before]
    assert len(after_restart) == 1, after_restart  # caught up once, not once per missed interval


def test_hung_crawl_is_killed_and_the_next_run_happens(kabar, sites, tmp_path, silent_server):
    config = config_for(
        sites,
        tmp_path,
        ["infodaerah"],
        "5s",
        '[daemon]\ncrawl_timeout = "4s"\n\n[[sources]]\nname = "diam"\n'
        f'url = "{silent_server}"\nfeeds = ["{silent_server}feed/"]\nschedule = {{ every = "5s" }}\n',
    )
    daemon = DaemonProcess(kabar, config).start()
    daemon.wait_for(lambda: len(finished(daemon.runs("diam"))) >= 2, 120, "two runs of the hung source")
    daemon.wait_for(lambda: len(finished(daemon.runs("infodaerah"))) >= 2, 60, "the other source going on")
    assert daemon.stop()[0] == 0
    hung = finished(daemon.runs("diam"))
    assert all(r["status"] in ("timeout", "killed") for r in hung), hung
    assert any("time limit" in " ".join(r["error_samples"]) or r["status"] == "timeout" for r in hung)


def test_crashed_worker_is_recorded_failed_replaced_and_the_daemon_goes_on(kabar, sites, tmp_path):
    config = config_for(sites, tmp_path, ["palembangkini"], "4s", "[daemon]\nworkers = 1\n")
    daemon = DaemonProcess(kabar, config).start()
    victim = None
    deadline = time.monotonic() + 60
    while victim is None and time.monotonic() < deadline:
        found = subprocess.run(["pgrep", "-f", "jobs.crawlworkers.worker"], capture_output=True, text=True).stdout
        ours = [pid for pid in found.split() if str(tmp_path) in command_line(int(pid))]  # not another test's
        running = [r for r in daemon.runs() if r["status"] == "running"]
        victim = int(ours[0]) if ours and running else None
        time.sleep(0.1)
    assert victim, "no crawl worker with a run in hand appeared"
    os.kill(victim, signal.SIGKILL)
    daemon.wait_for(lambda: any(r["status"] == "failed" for r in daemon.runs()), 30, "the crash recorded")
    crashed = [r for r in daemon.runs() if r["status"] == "failed"]
    daemon.wait_for(
        lambda: any(r["status"] == "ok" and r["id"] > crashed[0]["id"] for r in daemon.runs()),
        90,
        "a later run succeeding in a new worker",
    )
    assert daemon.stop()[0] == 0
    assert "crawl worker died (exit code -9)" in " ".join(crashed[0]["error_samples"])


def test_systemd_unit_and_crontab_line_name_real_commands():
    unit = (ROOT / "docs" / "kabar.service").read_text()
    assert "Restart=on-failure" in unit
    exec_start = re.search(r"^ExecStart=(\S+) (.+)$", unit, re.M)
    assert exec_start and exec_start.group(1).endswith("/kabar") and exec_start.group(2).startswith("daemon")
    assert "KillSignal=SIGTERM" in unit
    cron = (ROOT / "docs" / "crontab").read_text()
    line = next(ln for ln in cron.splitlines() if ln.strip() and not ln.startswith("#"))
    fields = line.split()
    assert len(fields) >= 6 and fields[5].endswith("/kabar") and fields[6] == "crawl"
    from jobs.cli import build_parser

    parser = build_parser()
    parser.parse_args(exec_start.group(2).split())
    parser.parse_args(fields[6 : fields.index(">>")] if ">>" in fields else fields[6:])
