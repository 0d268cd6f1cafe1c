"""The pieces of ``python -m bench sources``: the site farm (publishes on its timetable, answers
conditional GETs), its config, the lateness of runs against their schedule, and the CPU of
processes orphaned in a measured tree."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bench.procmem import PeakMemory
from bench.sitefarm import BACKLOG, Farm, Timetable, publications, sources_toml
from bench.sourcestats import archived_in_time, cpu_between, lateness, percentile
from crawler.config import load_config

START = 1_800_000_000.0


def _get(url: str, etag: str | None = None) -> tuple[int, bytes, str]:
    request = urllib.request.Request(url, headers={"If-None-Match": etag} if etag else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read(), response.headers["ETag"]
    except urllib.error.HTTPError as exc:
        return exc.code, b"", exc.headers["ETag"]


@pytest.fixture
def farm():
    clock = [START]
    farm = Farm(Timetable(START, sites=2, interval=60), clock=lambda: clock[0])
    thread = threading.Thread(target=farm.serve_forever, daemon=True)
    thread.start()
    yield farm, clock
    farm.stop()
    thread.join(timeout=5)
    farm.close()


def test_a_site_publishes_on_its_timetable_and_answers_304_while_unchanged(farm):
    farm, clock = farm
    feed = f"http://127.0.0.3:{farm.port}/feed/"  # the second site: its phase is half an interval
    status, body, etag = _get(feed)
    assert status == 200 and body.count(b"<item>") == BACKLOG
    assert _get(feed, etag)[0] == 304
    clock[0] = START + 31
    status, body, newer = _get(feed, etag)
    assert status == 200 and body.count(b"<item>") == BACKLOG + 1 and newer != etag
    published = [url for url, at in publications(farm.timetable, farm.port, clock[0]) if "127.0.0.3" in url]
    assert len(published) == BACKLOG + 1 and published[-1].encode() in body
    assert _get(published[-1])[0] == 200
    assert _get(f"http://127.0.0.3:{farm.port}/robots.txt")[0] == 200


def test_no_article_after_the_timetable_ends():
    table = Timetable(START, sites=1, interval=60, until=START + 90)
    assert table.times(0, START + 1000) == [START - 120, START - 60, START, START + 60]


def test_the_config_has_every_site_on_its_own_loopback_address(tmp_path: Path):
    path = tmp_path / "sources.toml"
    path.write_text(sources_toml(300, 8080))
    config = load_config(path)
    hosts = {source.url for source in config.sources}
    assert len(hosts) == 300 and "http://127.0.0.2:8080/" in hosts and "http://127.0.1.45:8080/" in hosts
    assert {source.schedule.every.total_seconds() for source in config.sources} == {60}


def test_lateness_against_the_slot_each_run_served():
    # on time, 5 s late, one slot skipped (run 70 s after its slot), then nothing until the end
    starts = [100.0, 165.0, 290.0]
    assert lateness(starts, 100, 60, 400) == [0.0, 5.0, 70.0, 60.0]
    assert lateness([], 100, 60, 120) == []  # the first slot unserved for under half an interval
    assert lateness([], 100, 60, 200) == [100.0]
    assert lateness([99.0, 100.5], 100, 60, 130) == [0.5]  # a run before the grid is an extra one


def test_percentile_shares_and_cpu_between():
    assert percentile([1, 2, 3, 4], 0.5) == 2 and percentile([1, 2, 3, 4], 0.95) == 4 and percentile([], 0.5) is None
    assert archived_in_time([("a", 0), ("b", 0), ("c", 0)], {"a": 100, "b": 121}, 120) == (1, 3)
    assert cpu_between([(0, 1.0), (10, 3.0), (20, 7.0)], 5, 25) == 6.0


def test_a_process_orphaned_in_the_tree_is_adopted_and_its_cpu_counted(tmp_path: Path):
    spin = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.8: pass\n"
    code = f"import subprocess, sys\nsubprocess.Popen([sys.executable, '-c', {spin!r}])\n"  # exits, never waits
    process = subprocess.Popen([sys.executable, "-c", code], env=dict(os.environ), cwd=tmp_path)
    with PeakMemory(process, interval=0.05, adopt=True) as peak:
        process.wait()
    assert peak.adopted == 1 and peak.adopted_cpu >= 0.7
