"""Crawls on Scrapyd nodes for real: two Scrapyd processes on 127.0.0.1, one PostgreSQL, the
daemon dispatching the example sites' sources to both."""

from __future__ import annotations

import json
import re

import pytest

from jobs.cluster import LocalScrapyd, build_egg
from tests.support.daemon import DaemonProcess, command_line
from tests.support.gold import gold_copies
from tests.support.runner import make_runner


@pytest.fixture
def nodes(tmp_path):
    started = [LocalScrapyd(tmp_path / "node1"), LocalScrapyd(tmp_path / "node2")]
    yield started
    for node in started:
        node.kill()


def test_egg_names_the_settings_module():
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(build_egg("kabar", "9.9"))) as egg:
        assert "settings = crawler.settings" in egg.read("EGG-INFO/entry_points.txt").decode()
        assert "Version: 9.9" in egg.read("EGG-INFO/PKG-INFO").decode()


def running_sources(node: LocalScrapyd) -> list[str]:
    """The sources of the crawls running on a local node, read off their command lines."""
    return [
        name
        for job in node.jobs().get("running", [])
        for name in re.findall(r"(?:^| )source=(\S+)", command_line(job["pid"]))
    ]


def test_daemon_dispatches_to_two_nodes_and_survives_a_dead_one(tmp_path, sites, nodes, pg_database_url, silent_server):
    config = tmp_path / "cluster.toml"
    body = re.sub(r'schedule = \{ every = "[^"]+" \}', 'schedule = { every = "15s" }', sites.sources_toml())
    # a source whose server never answers: its crawl is surely running when its node is killed
    hung = (
        f'\n[[sources]]\nname = "diam"\nurl = "{silent_server}"\nfeeds = ["{silent_server}feed/"]\n'
        'schedule = { every = "15s" }\n'
    )
    config.write_text(f'[cluster]\nscrapyd = ["{nodes[0].url}", "{nodes[1].url}"]\n\n' + body + hung)
    kabar = make_runner(tmp_path, pg_database_url, config)
    deployed = kabar("cluster", "deploy")
    assert deployed.returncode == 0, deployed.stderr
    daemon = DaemonProcess(kabar, config).start()
    try:
        names = [s for s in sites.sites]
        daemon.wait_for(
            lambda: all(any(r["status"] == "ok" for r in daemon.runs(n)) for n in names),
            240,
            "one good run of every source",
        )
        assert all(node.finished_jobs() > 0 for node in nodes), "both nodes should have run crawls"
        articles = [json.loads(line) for line in kabar("export").stdout.splitlines()]
        gold = gold_copies(sites)
        assert len(articles) == len({" ".join(g["text"].split()) for g in gold})
        assert len({a["url"] for a in articles}) == len(articles)
        assert len({a["story_id"] for a in articles}) == len({g["slug"] for g in gold})
        assert all(a["warc"] and "/nodes/127.0.0.1_" in a["warc"]["file"] for a in articles)

        # the node running the hung crawl dies: the run recorded failed, the source sent to the other node
        daemon.wait_for(lambda: any("diam" in running_sources(n) for n in nodes), 60, "the hung crawl running")
        victim = next(n for n in nodes if "diam" in running_sources(n))
        survivor = next(n for n in nodes if n is not victim)
        victim.kill()
        daemon.wait_for(
            lambda: any(
                "stopped answering" in " ".join(r["error_samples"])
                for r in daemon.runs("diam")
                if r["status"] == "failed"
            ),
            30,
            "the failure recorded",
        )
        failed = next(r for r in daemon.runs("diam") if r["status"] == "failed")
        assert victim.url in " ".join(failed["error_samples"])
        daemon.wait_for(lambda: "diam" in running_sources(survivor), 60, "the failed source sent to the other node")
        daemon.wait_for(
            lambda: any(r["status"] == "ok" and r["id"] > failed["id"] for r in daemon.runs()),
            60,
            "a good run after the node died",
        )
    finally:
        code, err = daemon.stop()
    assert code == 0, err[-2000:]
