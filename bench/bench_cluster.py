"""Crawl throughput on Scrapyd: the six example sites (grown by ``bench.sitegen``) crawled
into one PostgreSQL archive by one Scrapyd node, then by two, same run, same machine."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import psycopg
from sqlalchemy import func, select

from bench.sitegen import generate
from jobs.cluster import LocalScrapyd, ScrapydNode
from jobs.examplesites.server import ExampleSites
from storage.db import open_archive
from storage.models import Article

ARTICLES = 600
ADMIN = "postgresql://postgres@127.0.0.1/postgres"


def _crawl(nodes: list[ScrapydNode], sites: ExampleSites, workdir: Path, database: str) -> tuple[float, int]:
    """Every source scheduled round-robin on ``nodes``; (seconds until all jobs ended, articles)."""
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{database}"')
    url = f"postgresql://postgres@127.0.0.1/{database}"
    engine = open_archive(url)  # migrated before the crawls start
    config = workdir / f"{database}.toml"
    config.write_text(sites.sources_toml())
    try:
        started = time.perf_counter()
        jobs = []
        for i, source in enumerate(sites.sites):
            node = nodes[i % len(nodes)]
            settings = {
                "KABAR_DATABASE_URL": url,
                "KABAR_CONFIG": str(config),
                "KABAR_TRIGGER": "scrapyd",
                "KABAR_DATA_DIR": str(workdir / database / node.name),
            }
            jobs.append((node, node.schedule("kabar", source, settings)))
        while any(node.state("kabar", job) != "finished" for node, job in jobs):
            time.sleep(0.5)
        elapsed = time.perf_counter() - started
        with engine.connect() as conn:
            articles = conn.execute(select(func.count()).select_from(Article)).scalar_one()
    finally:
        engine.dispose()
        with psycopg.connect(ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    return elapsed, articles


def run() -> str:
    stamp = int(time.time())
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        pages = generate(workdir / "stories", ARTICLES)
        servers = [LocalScrapyd(workdir / "node1"), LocalScrapyd(workdir / "node2")]
        try:
            with ExampleSites(base_port=None, stories_dir=workdir / "stories") as sites:
                for server in servers:
                    server.node.deploy("kabar")
                one = _crawl([servers[0].node], sites, workdir, f"kabar_bench_one_{stamp}")
                two = _crawl([s.node for s in servers], sites, workdir, f"kabar_bench_two_{stamp}")
        finally:
            for server in servers:
                server.kill()
    rate_one, rate_two = one[1] / one[0], two[1] / two[0]
    return f"""## Crawl throughput: one Scrapyd node vs two

Command: `python -m bench cluster`. The six example sites grown to {pages} article pages
(`bench/sitegen.py`, politeness lifted), crawled into a fresh PostgreSQL archive by Scrapyd
jobs (one per source, scheduled through `schedule.json` as the daemon does), first all on one
node, then spread over two nodes; both nodes are local processes on this 2-core machine.

| nodes | seconds | articles stored | articles/s |
|---:|---:|---:|---:|
| 1 | {one[0]:.1f} | {one[1]} | {rate_one:.1f} |
| 2 | {two[0]:.1f} | {two[1]} | {rate_two:.1f} |

Two nodes vs one: **{rate_two / rate_one:.2f}×**. On one machine both nodes share the same
two cores, so this measures the dispatch and the shared database, not added hardware; with
nodes on their own machines the crawl work (fetching, extraction) divides between them and the
shared PostgreSQL is what remains common.
"""
