"""Incremental crawling and archiving costs, on example sites served on 127.0.0.1.

- A second full crawl of unchanged sites, as a ratio of the first: requests the sites
  answered and CPU time of the crawl process (bar: < 0.1 for both), on the six example sites
  grown to ARTICLES pages by ``bench.sitegen``.
- WARC overhead: a full crawl with archiving on vs off, same sites, same run (wall and CPU).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

from bench.procmem import kabar_env, run_measured
from bench.sitegen import generate
from jobs.examplesites.server import ExampleSites

ROOT = Path(__file__).resolve().parent.parent
REPEATS = 2
ARTICLES = 1000


def _crawl(workdir: Path, config: Path, tag: str) -> tuple[float, float]:
    """Run ``kabar crawl`` in a child process; (wall seconds, CPU seconds of the crawl and its
    extraction workers)."""
    result = run_measured(
        [sys.executable, "-m", "jobs.cli", "crawl"], env=kabar_env(workdir, config, tag, ROOT), cwd=workdir
    )
    if result.returncode != 0:
        raise RuntimeError(f"kabar crawl failed: {result.stderr[-2000:]}")
    return result.wall, max(result.cpu, result.peak.cpu_tree)


def run() -> str:
    with tempfile.TemporaryDirectory() as tmp:
        pages = generate(Path(tmp) / "stories", ARTICLES)
        with ExampleSites(base_port=None, stories_dir=Path(tmp) / "stories") as sites:
            return _measure(Path(tmp), sites, pages)


def _measure(workdir: Path, sites: ExampleSites, pages: int) -> str:
    config = workdir / "sources.toml"
    config.write_text(sites.sources_toml())
    no_warc = workdir / "no-warc.toml"
    no_warc.write_text("[archive]\nwarc = false\n\n" + sites.sources_toml())

    first_req, second_req, first_cpu, second_cpu = [], [], [], []
    for i in range(REPEATS):
        sites.clear_requests()
        _, cpu1 = _crawl(workdir, config, f"inc{i}")
        first_req.append(len(sites.requests()))
        sites.clear_requests()
        _, cpu2 = _crawl(workdir, config, f"inc{i}")
        second_req.append(len(sites.requests()))
        first_cpu.append(cpu1)
        second_cpu.append(cpu2)
        second_statuses = sorted({r.status for r in sites.requests()})

    on_wall, on_cpu, off_wall, off_cpu = [], [], [], []
    for i in range(REPEATS):
        wall, cpu = _crawl(workdir, no_warc, f"off{i}")
        off_wall.append(wall)
        off_cpu.append(cpu)
        wall, cpu = _crawl(workdir, config, f"on{i}")
        on_wall.append(wall)
        on_cpu.append(cpu)
    warc_bytes = sum(p.stat().st_size for p in (workdir / "data-on0" / "warc").glob("*.warc.gz"))

    med = statistics.median
    rows = []
    rows.append(
        (
            "requests answered by the sites",
            f"{med(first_req):.0f}",
            f"{med(second_req):.0f}",
            f"{med(second_req) / med(first_req):.3f}",
        )
    )
    rows.append(
        (
            "CPU seconds of the crawl (its extraction workers included)",
            f"{med(first_cpu):.2f}",
            f"{med(second_cpu):.2f}",
            f"{med(second_cpu) / med(first_cpu):.3f}",
        )
    )
    table = "\n".join(f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows)
    return f"""## Incremental crawling and WARC overhead

Command: `python -m bench incremental`. A full `kabar crawl` of the six example sites grown to
{pages} article pages (`bench/sitegen.py`; served on 127.0.0.1, politeness lifted), then the
same crawl again with nothing changed; medians of {REPEATS} fresh archives. The second crawl sends conditional GETs for feeds,
sitemaps and listings (the sites answered with statuses {second_statuses}) and fetches no
article page.

| measure | first crawl | second crawl | ratio (bar < 0.1) |
|---|---|---|---|
{table}

The second crawl still fetches robots.txt, feeds, sitemaps and the first listing pages of
every site (about 27 requests whatever the archive size), and its CPU time is mostly the fixed
cost of starting Python, Scrapy and the database.

WARC overhead, full crawl into a fresh archive, archiving on vs off (medians of {REPEATS}):

| | off | on | ratio |
|---|---|---|---|
| wall seconds | {med(off_wall):.2f} | {med(on_wall):.2f} | {med(on_wall) / med(off_wall):.2f} |
| CPU seconds | {med(off_cpu):.2f} | {med(on_cpu):.2f} | {med(on_cpu) / med(off_cpu):.2f} |

One crawl writes {warc_bytes / 1e6:.1f} MB of gzip'd WARC records (every response, robots.txt
and feeds included). The crawls alternate off/on; a ratio near or below 1 means archiving costs
less than the run-to-run noise of a shared 2-core machine.
"""
