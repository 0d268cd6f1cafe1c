"""The benchmark suite's own measuring tools: the py-spy summary and the memory sampler."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from bench.procmem import run_measured
from bench.spyprofile import AREAS, NOTES, OTHER, area_of, parse

RAW = """\
process 10:"python -m jobs.cli crawl";<module> (jobs/cli.py:5);crawl (crawler/spiders/news.py:9);execute (sqlalchemy/engine/base.py:3) 7
process 10:"python -m jobs.cli crawl";process 11:"python -c from multiprocessing.forkserver import main; main(1, 2)";process 12:"python -c from multiprocessing.forkserver import main; main(1, 2)";run (multiprocessing/process.py:1);analyse (crawler/extractpool.py:4);extract (crawler/extract/core.py:8);bare_extraction (trafilatura/core.py:4) 5
process 10:"python -m jobs.cli crawl";process 11:"python -c from multiprocessing.forkserver import main; main(1, 2)";process 12:"python -c x";analyse (crawler/extractpool.py:4);sub (re/__init__.py:185) 2
"""


def test_profile_areas_and_processes(tmp_path: Path):
    path = tmp_path / "raw.txt"
    path.write_text(RAW)
    profile = parse(path)
    assert profile.samples == 14
    assert profile.processes == {"crawl process": 7, "extraction workers": 7}
    assert profile.areas == {
        "SQLAlchemy and the database driver": 7,
        "trafilatura": 5,
        "kabar extraction rules and page typing": 2,
    }
    assert profile.functions.most_common(1)[0] == ("`execute` (sqlalchemy/engine/base.py)", 7)


def test_every_area_has_a_note():
    assert {area for area, _ in AREAS} | {OTHER} == set(NOTES)
    assert area_of(["/usr/lib/python3.11/json/decoder.py"]) == OTHER


def test_peak_memory_of_a_process_tree(tmp_path: Path):
    code = (
        "import subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'x = bytearray(80_000_000); import time; time.sleep(1.5)'])\n"
        "y = bytearray(40_000_000); time.sleep(1.5); child.wait()\n"
    )
    measured = run_measured([sys.executable, "-c", code], env=dict(os.environ), cwd=tmp_path)
    assert measured.returncode == 0
    assert measured.peak.processes == 2
    assert measured.peak.rss_tree >= 120 and measured.peak.pss_tree >= 110
    assert 40 <= measured.peak.rss_main < 100


def test_generated_site_of_5000_articles_serves_every_page_under_its_own_url(tmp_path: Path):
    from bench.sitegen import generate
    from jobs.examplesites.sites import site_catalog
    from jobs.examplesites.stories import load_stories

    assert generate(tmp_path, 5000) == 5000
    stories = load_stories(tmp_path)
    site_catalog(stories)  # raises when two stories get one URL
    assert len({s.title for s in stories}) == len(stories)


def test_cpu_of_the_whole_tree_is_counted(tmp_path: Path):
    spin = "import time\nt = time.process_time()\nwhile time.process_time() - t < 1.0: pass\n"
    code = (
        "import subprocess, sys\n"
        f"child = subprocess.Popen([sys.executable, '-c', {spin!r}], start_new_session=True)\n"
        + spin
        + "child.wait()\n"
    )
    measured = run_measured([sys.executable, "-c", code], env=dict(os.environ), cwd=tmp_path)
    assert measured.peak.cpu_tree >= 1.6  # both processes' second, less the last sample's gap
