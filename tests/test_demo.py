"""``kabar demo``: the README's main command, and ``--serve-only`` for other commands."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tomllib
import urllib.request
from pathlib import Path

from crawler.urls import canonicalize
from jobs.examplesites.sites import SITES
from tests.support import ROOT
from tests.support.gold import gold_copies

#: The id in the first cell of a table row (continuation lines of a folded row have none).
TABLE_ROW_ID = re.compile(r"^[^\w\s]\s*(\d+)\s+[^\w\s]", re.M)


def clean_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KABAR_")}
    env["PYTHONPATH"] = str(ROOT)
    return env


def test_demo_crawls_the_example_sites_and_searches(tmp_path):
    """The README's quick start: ``.venv/bin/kabar demo`` (kabar not on PATH) in a directory
    whose ./sources.toml lists the real sources; the hints it prints work as printed."""
    (tmp_path / ".venv").symlink_to(Path(sys.executable).parent.parent)
    shutil.copy(ROOT / "sources.toml", tmp_path / "sources.toml")
    env = clean_env(tmp_path) | {"PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [".venv/bin/kabar", "demo"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Crawl summary" in result.stderr
    # it crawled the example sites: the archive holds every one of their articles
    sources = tomllib.loads((tmp_path / "data" / "demo-sources.toml").read_text())["sources"]
    demo_sources = {s["name"] for s in sources}
    assert demo_sources == set(SITES)
    with sqlite3.connect(tmp_path / "data" / "kabar.db") as db:
        stored = {canonicalize(u) for (u,) in db.execute("select url from articles union select url from article_urls")}
    missing = [
        g["url"] for g in gold_copies({s["name"]: s["url"] for s in sources}) if canonicalize(g["url"]) not in stored
    ]
    assert not missing, f"{len(missing)} example articles not archived, e.g. {missing[:3]}"

    hints = result.stderr.split("Try (on the demo's archive and sources):\n", 1)[1].splitlines()
    assert len(hints) == 4 and all(h.startswith("  .venv/bin/kabar ") for h in hints), hints
    # and searched it: the table on stdout lists, in order, the first five hits of `kabar search`
    assert "kabar search 'smart city' (first 5):" in result.stderr
    program, _, options = hints[-1].strip().partition(" runs")
    search = f'{program} search "smart city" --limit 5 --format json{options}'
    ran = subprocess.run(search, shell=True, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert ran.returncode == 0, (search, ran.stderr[-2000:])
    expected = [hit["id"] for hit in json.loads(ran.stdout)]
    assert len(expected) == 5
    assert [int(i) for i in TABLE_ROW_ID.findall(result.stdout)] == expected, result.stdout
    for hint in hints:
        command = hint.strip()
        ran = subprocess.run(command, shell=True, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
        assert ran.returncode == 0, (command, ran.stderr[-2000:])
        if " status " in command:  # the demo's sources, not ./sources.toml's real ones
            as_json = subprocess.run(
                command + " --format json",
                shell=True,
                cwd=tmp_path,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert {s["source"] for s in json.loads(as_json.stdout)} == demo_sources
            assert all(s["last_status"] for s in json.loads(as_json.stdout))
        if " search " in command:
            assert "No articles match" not in ran.stderr


def test_serve_only_prints_a_config_that_points_at_live_sites(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "jobs.cli", "demo", "--serve-only", "--port", "0"],
        cwd=tmp_path,
        env=clean_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        line = proc.stderr.readline().decode()
        while line and "serving" not in line:
            line = proc.stderr.readline().decode()
        assert "serving" in line
        config = tomllib.loads(os.read(proc.stdout.fileno(), 1 << 20).decode())
        assert len(config["sources"]) >= 5
        for source in config["sources"]:
            assert source["url"].startswith("http://127.0.0.1:")
            with urllib.request.urlopen(source["url"], timeout=10) as response:
                assert response.status == 200
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=20) == 0
