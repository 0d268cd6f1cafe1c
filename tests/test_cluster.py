"""Crawls on Scrapyd nodes for real: two Scrapyd processes on 127.0.0.1, one PostgreSQL, the
daemon dispatching the example sites' sources to both."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from jobs.cluster import ScrapydNode, build_egg
from jobs.examplesites.gold import gold_copies
from tests.test_daemon import DaemonProcess, finished

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Scrapyd:
    """One Scrapyd server in its own directory and process group."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        directory.mkdir(parents=True)
        (directory / "scrapyd.conf").write_text(
            "[scrapyd]\nbind_address = 127.0.0.1\n"
            f"http_port = {self.port}\neggs_dir = {directory / 'eggs'}\nlogs_dir = {directory / 'logs'}\n"
            f"dbs_dir = {directory / 'dbs'}\npoll_interval = 0.5\nmax_proc = 4\n"
        )
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.process = subprocess.Popen([sys.executable, "-m", "scrapyd"], cwd=directory, env=env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        start_new_session=True)
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(self.url + "/daemonstatus.json", timeout=2).read()
                return
            except OSError:
                assert time.monotonic() < deadline, "scrapyd did not start"
                time.sleep(0.3)

    def finished_jobs(self) -> int:
        jobs = json.loads(urllib.request.urlopen(f"{self.url}/listjobs.json?project=kabar", timeout=5).read())
        return len(jobs.get("finished", []))

    def kill(self) -> None:
        """The whole node at once: Scrapyd and the crawls it runs."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


@pytest.fixture
def nodes(tmp_path):
    started = [Scrapyd(tmp_path / "node1"), Scrapyd(tmp_path / "node2")]
    yield started
    for node in started:
        if node.process.poll() is None:
            node.kill()


def test_egg_names_the_settings_module():
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(build_egg("kabar", "9.9"))) as egg:
        assert "settings = crawler.settings" in egg.read("EGG-INFO/entry_points.txt").decode()
        assert "Version: 9.9" in egg.read("EGG-INFO/PKG-INFO").decode()


def test_daemon_dispatches_to_two_nodes_and_survives_a_dead_one(tmp_path, sites, nodes, pg_database_url):
    from tests.conftest import make_runner

    config = tmp_path / "cluster.toml"
    body = re.sub(r'schedule = \{ every = "[^"]+" \}', 'schedule = { every = "15s" }', sites.sources_toml())
    config.write_text(f'[cluster]\nscrapyd = ["{nodes[0].url}", "{nodes[1].url}"]\n\n' + body)
    kabar = make_runner(tmp_path, pg_database_url, config)
    deployed = kabar("cluster", "deploy")
    assert deployed.returncode == 0, deployed.stderr
    daemon = DaemonProcess(kabar, config).start()
    try:
        names = [s for s in sites.sites]
        daemon.wait_for(lambda: all(any(r["status"] == "ok" for r in daemon.runs(n)) for n in names),
                        240, "one good run of every source")
        assert all(node.finished_jobs() > 0 for node in nodes), "both nodes should have run crawls"
        articles = [json.loads(l) for l in kabar("export").stdout.splitlines()]
        gold = gold_copies(sites)
        assert len(articles) == len({" ".join(g["text"].split()) for g in gold})
        assert len({a["url"] for a in articles}) == len(articles)
        assert len({a["story_id"] for a in articles}) == len({g["slug"] for g in gold})
        assert all(a["warc"] and "/nodes/127.0.0.1_" in a["warc"]["file"] for a in articles)

        # a node dies in the middle of a run: recorded failed, the source crawled again later
        victim = nodes[0]
        before = {n: len(finished(daemon.runs(n))) for n in names}
        daemon.wait_for(lambda: any(r["status"] == "running" for r in daemon.runs()), 60, "a running crawl")
        victim.kill()
        daemon.wait_for(lambda: any("stopped answering" in " ".join(r["error_samples"])
                                    for r in daemon.runs() if r["status"] == "failed"), 60, "the failure recorded")
        failed = next(r for r in daemon.runs() if r["status"] == "failed")
        daemon.wait_for(lambda: sum(1 for r in daemon.runs(failed["source"])
                                    if r["status"] == "ok" and r["id"] > failed["id"]) >= 1,
                        120, "the failed source crawled again on the other node")
        assert all(len(finished(daemon.runs(n))) >= before[n] for n in names)
    finally:
        code, err = daemon.stop()
    assert code == 0, err[-2000:]
