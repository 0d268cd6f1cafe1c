"""The crawl end to end, against the same pipeline without the network and against fetching
alone, on the six example sites grown to ARTICLES article pages (``bench.sitegen``), served
on 127.0.0.1 with politeness lifted (the example config: no delay, 8 requests per site).

1. ``kabar crawl`` into a fresh SQLite archive: fetch, WARC, extraction (in worker
   processes), relevance, dedup, store. Wall and CPU seconds, peak memory of the process tree.
2. ``kabar reextract`` of the same archive: the same extraction, relevance and dedup over the
   pages read back from the WARC files, no network (bar: crawl articles/s >= 0.8x this), as
   after an extractor change: every stored text is marked outdated first, so every article is
   written again (text, full-text index, tags, fingerprint, story), as the crawl wrote it.
   Then once more with nothing changed (reextract's fast path: nothing to rewrite).
3. A bare Scrapy spider (``bench.fetchonly``) fetching exactly the requests the crawl made.
4. The crawl again into a fresh archive under ``py-spy record --subprocesses`` (sampling),
   summarised by area of the code (``bench.spyprofile``).
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.procmem import Measured, kabar_env, run_measured
from bench.sitegen import generate
from bench.spyprofile import NOTES, parse
from jobs.examplesites.server import ExampleSites

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = 5000
PROFILE_RATE = 50  # samples per second per process
MEMORY_BAR_MB = 500


def _env(workdir: Path, config: Path, tag: str) -> dict[str, str]:
    return kabar_env(workdir, config, tag, ROOT)


def _kabar(args: list[str], env: dict[str, str], workdir: Path) -> Measured:
    result = run_measured([sys.executable, "-m", "jobs.cli", *args], env=env, cwd=workdir)
    if result.returncode != 0:
        raise RuntimeError(f"kabar {' '.join(args)} failed ({result.returncode}): {result.stderr[-2000:]}")
    return result


def _stored(db: Path) -> int:
    with sqlite3.connect(db) as con:
        return con.execute("select count(*) from articles").fetchone()[0]


def _reextracted(stderr: str, *, changed: bool) -> int:
    """Articles re-extracted, checking that all (or none) of them changed."""
    found = re.search(r"re-extracted (\d+) articles: (\d+) changed, (\d+) unchanged, (\d+) errors", stderr)
    if not found:
        raise RuntimeError(f"kabar reextract said: {stderr[-500:]}")
    total, n_changed, _, errors = map(int, found.groups())
    if errors or n_changed != (total if changed else 0):
        raise RuntimeError(f"kabar reextract: unexpected result: {found.group(0)}")
    return total


def run() -> str:
    with tempfile.TemporaryDirectory(prefix="kabar-bench-crawl-") as tmp:
        workdir = Path(tmp)
        pages = generate(workdir / "stories", ARTICLES)
        with ExampleSites(base_port=None, stories_dir=workdir / "stories") as sites:
            return _measure(workdir, sites, pages)


def _measure(workdir: Path, sites: ExampleSites, pages: int) -> str:
    config = workdir / "sources.toml"
    config.write_text(sites.sources_toml(), encoding="utf-8")
    env = _env(workdir, config, "crawl")

    sites.clear_requests()
    server_before = os.times()
    crawl = _kabar(["crawl"], env, workdir)
    server_after = os.times()
    server_cpu = (server_after.user - server_before.user) + (server_after.system - server_before.system)
    requests = [r for r in sites.requests() if r.method == "GET"]
    stored = _stored(workdir / "crawl.db")

    with sqlite3.connect(workdir / "crawl.db") as con:  # as if extracted by an older version
        con.execute("update articles set text = 'teks lama', text_hash = 'lama', extractor_version = 'lama'")
    reextract = _kabar(["reextract"], env, workdir)
    reextracted = _reextracted(reextract.stderr, changed=True)
    unchanged = _kabar(["reextract"], env, workdir)
    _reextracted(unchanged.stderr, changed=False)

    bases = sites.base_urls()
    urls = workdir / "urls.txt"
    urls.write_text("\n".join(bases[r.site].rstrip("/") + r.target for r in requests), encoding="utf-8")
    fetch = run_measured(
        [sys.executable, "-m", "bench.fetchonly", str(urls)], env=env, cwd=workdir, stdout=subprocess.PIPE
    )
    if fetch.returncode != 0:
        raise RuntimeError(f"fetch-only spider failed: {fetch.stderr[-2000:]}")

    split_wall, split_stored = _split_crawl(workdir, sites, config)
    profile_md = _profile(workdir, config)
    return _report(
        pages, stored, len(requests), crawl, server_cpu, reextract, unchanged, reextracted, fetch, profile_md
    ) + _split_note(split_wall, split_stored, stored / crawl.wall, reextracted / reextract.wall)


def _split_crawl(workdir: Path, sites: ExampleSites, config: Path) -> tuple[float, int]:
    """The same crawl as two ``kabar crawl`` processes of three sources each (one extraction
    worker each), run side by side as the daemon runs its crawls; (wall seconds, stored)."""
    env = _env(workdir, config, "split")
    env_one = dict(env)
    split_config = workdir / "split.toml"
    split_config.write_text(config.read_text().replace("[crawl]\n", "[crawl]\nextract_workers = 1\n", 1))
    env_one["KABAR_CONFIG"] = str(split_config)
    subprocess.run(
        [sys.executable, "-m", "jobs.cli", "db", "upgrade"], env=env_one, cwd=workdir, check=True, capture_output=True
    )
    names = list(sites.sites)
    started = time.perf_counter()
    children = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "jobs.cli",
                "crawl",
                "--no-lock",
                *[arg for name in names[i::2] for arg in ("--source", name)],
            ],
            env=env_one,
            cwd=workdir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(2)
    ]
    for child in children:
        _, err = child.communicate()
        if child.returncode != 0:
            raise RuntimeError(f"split crawl failed: {err[-2000:]}")
    return time.perf_counter() - started, _stored(workdir / "split.db")


def _split_note(wall: float, stored: int, one_rate: float, reextract_rate: float) -> str:
    rate = stored / wall
    return f"""
### The same crawl as two processes

Split over two `kabar crawl` processes of three sources each, one extraction worker each, side
by side (as `kabar daemon` and Scrapyd nodes run crawls): {stored:,} articles in {wall:.1f} s,
**{rate:.1f} articles/s**: {rate / one_rate:.2f}× the one-process crawl, {rate / reextract_rate:.2f}×
reextract. Two reactor threads can share the fetching and storing that one thread does, but
not past the two cores, which the one-process crawl and its workers nearly fill already; each
process then has a single extraction worker, so one slow page holds up its whole source.
"""


def _profile(workdir: Path, config: Path) -> str:
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists():
        return "py-spy is not installed (`pip install '.[bench]'`): no profile this run."
    out = workdir / "profile.txt"
    env = _env(workdir, config, "profiled")
    argv = [
        spy,
        "record",
        "--subprocesses",
        "--nonblocking",
        "--rate",
        str(PROFILE_RATE),
        "--format",
        "raw",
        "--output",
        str(out),
        "--",
        sys.executable,
        "-m",
        "jobs.cli",
        "crawl",
    ]
    result = subprocess.run(argv, env=env, cwd=workdir, capture_output=True, text=True)
    if result.returncode != 0 or not out.exists():
        return f"py-spy could not profile the crawl here ({result.stderr.strip()[-300:]})."
    profile = parse(out)
    total = profile.samples or 1
    lines = [
        f"{profile.samples:,} CPU samples at {PROFILE_RATE}/s per process (idle time excluded): "
        + ", ".join(f"{role} {n / total:.0%}" for role, n in profile.processes.most_common())
        + ".",
        "",
        "| # | area of the code | share of CPU | what would remove it |",
        "|---:|---|---:|---|",
    ]
    for i, (area, n) in enumerate(profile.areas.most_common(5), 1):
        lines.append(f"| {i} | {area} | {n / total:.1%} | {NOTES[area]} |")
    rest = sum(n for _, n in profile.areas.most_common()[5:])
    lines += [
        f"| | everything else | {rest / total:.1%} | |",
        "",
        "The functions with the most samples of their own:",
        "",
        "| function | share of CPU |",
        "|---|---:|",
    ]
    lines += [f"| {name} | {n / total:.1%} |" for name, n in profile.functions.most_common(10)]
    return "\n".join(lines)


def _report(pages, stored, requests, crawl, server_cpu, reextract, unchanged, reextracted, fetch, profile_md) -> str:
    crawl_rate = stored / crawl.wall
    reextract_rate = reextracted / reextract.wall
    fetch_rate = stored / fetch.wall
    ratio = crawl_rate / reextract_rate
    verdict = "meets" if ratio >= 0.8 else "misses"
    memory = crawl.peak.pss_tree
    mem_verdict = "under" if memory < MEMORY_BAR_MB else "over"
    rows = [
        ("`kabar crawl` (fetch, WARC, extract, relevance, dedup, store)", crawl, crawl_rate, f"{stored:,} stored"),
        (
            "`kabar reextract` of the same archive (no network), every text outdated",
            reextract,
            reextract_rate,
            f"{reextracted:,} rewritten",
        ),
        ("`kabar reextract` again, nothing changed", unchanged, reextracted / unchanged.wall, "none rewritten"),
        ("bare Scrapy spider, the same requests, fetch only", fetch, fetch_rate, f"{requests:,} requests"),
    ]
    table = "\n".join(
        f"| {name} | {m.wall:.1f} | {m.cpu:.1f} / {max(m.cpu, m.peak.cpu_tree):.1f} | {rate:.1f} | {m.peak.pss_tree:.0f} / {m.peak.rss_tree:.0f} "
        f"({m.peak.processes}) | {what} |"
        for name, m, rate, what in rows
    )
    return f"""## Crawl end to end, against reextract and against fetching alone

Command: `python -m bench crawl`. The six example sites grown to {pages:,} article pages
(`bench/sitegen.py`), served on 127.0.0.1 by the benchmark process, politeness lifted (no
delay, 8 requests at a time per site, one spider per site in one process); a fresh SQLite archive; extraction in
worker processes (`[crawl] extract_workers`, default one per core: 2 here). The crawl made
{requests:,} requests (robots.txt, feeds, sitemaps, listings and the articles).

| run | wall s | CPU s: main process / all processes | articles/s | peak MB, PSS / RSS (processes) | |
|---|---:|---:|---:|---:|---|
{table}

- Crawl vs reextract with every text outdated (the same pipeline and writes, without the
  network): **{ratio:.2f}×** the articles/s ({verdict} the bar of ≥ 0.8×). CPU per article,
  all processes: crawl {crawl.peak.cpu_tree / stored * 1000:.1f} ms, reextract
  {reextract.peak.cpu_tree / reextracted * 1000:.1f} ms, the fetch-only spider
  {fetch.cpu / stored * 1000:.1f} ms, the sites' server {server_cpu / stored * 1000:.1f} ms.
- Crawl vs fetching alone: the bare spider fetches the same pages {crawl.wall / fetch.wall:.1f}× faster;
  fetching is {fetch.wall / crawl.wall:.0%} of the crawl's wall time.
- Peak memory of the crawl: **{memory:.0f} MB** PSS over the crawl process and its extraction
  workers ({mem_verdict} the {MEMORY_BAR_MB} MB bar; RSS summed over processes, which counts pages
  the fork server's children share once each: {crawl.peak.rss_tree:.0f} MB; the crawl process alone:
  {crawl.peak.rss_main:.0f} MB).
- The example sites' server ran in the benchmark process and used {server_cpu:.1f} CPU s of the
  same two cores during the crawl (a real crawl's servers are elsewhere).

### Profile of the crawl

`py-spy record --subprocesses` over the same crawl into a fresh archive (a separate run, so
sampling does not slow the timed one). Each sample goes to the innermost frame of a known area.

{profile_md}
"""
