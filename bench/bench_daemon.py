"""Daemon memory over time: resident memory of ``kabar daemon`` after its first run and after
50 runs of the six example sites (second-level schedules, 127.0.0.1). Bar: within 20%."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from jobs.examplesites.server import ExampleSites

ROOT = Path(__file__).resolve().parent.parent
RUNS = 50


def rss_mb(pid: int) -> float:
    """Resident set size of a process, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def _finished_runs(env: dict[str, str]) -> int:
    result = subprocess.run(
        [sys.executable, "-m", "jobs.cli", "runs", "--format", "json", "--limit", "10000"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return sum(1 for r in json.loads(result.stdout) if r["status"] != "running")


def run() -> str:
    with tempfile.TemporaryDirectory() as tmp, ExampleSites(base_port=None) as sites:
        workdir = Path(tmp)
        config = workdir / "sources.toml"
        config.write_text(re.sub(r'every = "[^"]+"', 'every = "2s"', sites.sources_toml()))
        env = {k: v for k, v in os.environ.items() if not k.startswith("KABAR_")}
        env.update(
            PYTHONPATH=str(ROOT),
            KABAR_CONFIG=str(config),
            KABAR_DATABASE_URL=f"sqlite:///{workdir / 'kabar.db'}",
            KABAR_DATA_DIR=str(workdir / "data"),
        )
        daemon = subprocess.Popen(
            [sys.executable, "-m", "jobs.cli", "daemon"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            samples: list[tuple[int, float]] = []
            started = time.monotonic()
            done = 0
            while done < RUNS and time.monotonic() - started < 900:
                time.sleep(1)
                done = _finished_runs(env)
                if done >= 1 and (not samples or samples[-1][0] != done):
                    samples.append((done, rss_mb(daemon.pid)))
            elapsed = time.monotonic() - started
        finally:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(timeout=60)
    first, last = samples[0], samples[-1]
    peak = max(mb for _, mb in samples)
    return f"""## Daemon memory over {last[0]} runs

Command: `python -m bench daemon`. `kabar daemon` with the six example sites on 2-second
schedules (127.0.0.1; each crawl is a child process, so crawl memory is not the daemon's);
resident memory of the daemon process sampled whenever a run finished.

| after | daemon RSS (MB) |
|---|---|
| run {first[0]} (baseline) | {first[1]:.1f} |
| run {last[0]} | {last[1]:.1f} |
| peak | {peak:.1f} |

Ratio after {last[0]} runs vs after the first: **{last[1] / first[1]:.2f}×** (bar: ≤ 1.20×);
{last[0]} runs took {elapsed:.0f} s.
"""
