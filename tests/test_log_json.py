"""``--log-json``: every line on stderr is one JSON object, the daemon's crawl children and the
crawl's summary included; the daemon logs its start and stop without ``-v``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from tests.support import ROOT
from tests.support.daemon import config_for, finished
from tests.support.runner import kabar_env


def json_lines(stderr: str) -> list[dict]:
    """Every stderr line as JSON (a line that is not fails the test, named)."""
    records = []
    for line in stderr.splitlines():
        try:
            records.append(json.loads(line))
        except ValueError:
            raise AssertionError(f"not a JSON line on stderr: {line[:300]!r}") from None
    return records


def test_daemon_log_json_writes_only_json_lines_with_its_start_and_stop(kabar, sites, tmp_path):
    config = config_for(sites, tmp_path, ["infodaerah", "jurnalsilampari"], "3s", '[daemon]\ngrace = "10s"\n')
    daemon = subprocess.Popen(
        [sys.executable, "-m", "jobs.cli", "daemon", "--log-json"],
        env=kabar_env(tmp_path, kabar.database_url, config),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            result = kabar("runs", "--format", "json", "--limit", "100")
            runs = json.loads(result.stdout) if result.returncode == 0 else []
            if {r["source"] for r in finished(runs)} == {"infodaerah", "jurnalsilampari"}:
                break
            assert daemon.poll() is None, daemon.stderr.read()[-2000:]
            time.sleep(0.5)
        else:
            raise AssertionError("no finished run of each source")
    finally:
        daemon.send_signal(signal.SIGTERM)  # the daemon only: it stops its children itself
        _, err = daemon.communicate(timeout=60)
    assert daemon.returncode == 0, err[-2000:]
    records = json_lines(err)
    assert all({"time", "level", "logger", "message"} <= set(r) for r in records)
    started = [r for r in records if r.get("event") == "started"]
    assert len(started) == 1 and started[0]["level"] == "INFO"
    assert {s["source"] for s in started[0]["sources"]} == {"infodaerah", "jurnalsilampari"}
    assert all(s["trigger"] and s["next_run"] for s in started[0]["sources"])
    assert records[-1].get("event") == "stopped" and records[-1]["level"] == "INFO"
    assert any(r.get("event") == "stopping" and r["signal"] == "SIGTERM" for r in records)
    # the crawl children's summaries, as records of their own
    summaries = [r for r in records if r["logger"] == "kabar" and "pages" in r]
    assert {r["source"] for r in summaries} >= {"infodaerah", "jurnalsilampari"}


def test_crawl_log_json_summary_and_errors_are_json(kabar):
    result = kabar("crawl", "--log-json", "--source", "infodaerah")
    assert result.returncode == 0, result.stderr[-2000:]
    (summary,) = [r for r in json_lines(result.stderr) if r["logger"] == "kabar"]
    assert summary["source"] == "infodaerah" and summary["status"] == "ok" and summary["new"] > 0
    assert "Crawl summary" not in result.stderr

    bad = kabar("--log-json", "crawl", "--source", "tidak-ada")
    assert bad.returncode == 2
    (error,) = json_lines(bad.stderr)
    assert error["level"] == "ERROR" and error["message"].startswith("error: ") and "tidak-ada" in error["message"]


WORKER_SCRIPT = """
import logging
from jobs import logsetup
from crawler.extractpool import _new_executor
logsetup.setup(0, as_json=True)
with _new_executor(1) as pool:
    pool.submit(logging.getLogger("crawler.extract.core").warning, "a warning in an extraction worker").result()
"""


def test_extraction_workers_log_json_like_the_crawl():
    result = subprocess.run(
        [sys.executable, "-c", WORKER_SCRIPT],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    (record,) = json_lines(result.stderr)
    assert record["logger"] == "crawler.extract.core" and record["message"] == "a warning in an extraction worker"


def test_every_command_line_is_json_usage_errors_and_messages_included(kabar):
    """Outside crawls too: a usage error, a user error, and the one-line reports of commands."""
    cases = [
        (["--log-json", "search", "-banjir"], 2, "kabar search -- -banjir"),
        (["search", "kota", "--since", "0001-01-01", "--log-json"], 2, "out of range"),
        (["--log-json", "search", "kota", "--db", "sqlite:///typo.db"], 2, "no archive at typo.db"),
        (["db", "upgrade", "--log-json"], 0, "database is up to date"),
        (["--log-json", "export", "--format", "jsonl"], 0, "exported 0 articles"),
        (["--log-json", "search", "kota"], 0, "No articles match 'kota'."),
    ]
    for args, code, message in cases:
        result = kabar(*args)
        assert result.returncode == code, (args, result.stderr)
        records = json_lines(result.stderr)
        assert any(message in r["message"] for r in records), (args, records)
        assert "Traceback" not in result.stderr
