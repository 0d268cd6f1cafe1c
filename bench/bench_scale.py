"""The archive at scale, SQLite and PostgreSQL side by side: search latency (median, p95) and
the rate of inserting new articles with near-duplicate detection, at 10,000, 100,000 and
200,000 synthetic articles (bulk-loaded as ``bench.bench_search`` builds them)."""

from __future__ import annotations

import multiprocessing
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg

from bench.bench_dedup import vocabulary
from bench.bench_search import _init, _make, build, queries
from storage.archive import Archive
from storage.db import open_archive
from storage.query import SearchRequest, count, search

SIZES = (10_000, 100_000, 200_000)
ROUNDS = 3
INSERTS = 200
INSERT_WARMUP = 20
ADMIN = "postgresql://postgres@127.0.0.1/postgres"


def _search_times(url: str, words: list[str]) -> list[float]:
    engine = open_archive(url)
    times = []
    for _ in range(ROUNDS):
        for q in queries(words):
            request = SearchRequest(
                query=q.get("q", ""),
                regions=[q["region"]] if q.get("region") else [],
                dimensions=[q["dimension"]] if q.get("dimension") else [],
                limit=20,
            )
            started = time.perf_counter()
            search(engine, request)
            count(engine, request)
            times.append(time.perf_counter() - started)
    engine.dispose()
    return times


def _insert_rate(url: str, size: int) -> float:
    """New articles per second through the crawl's write path (``store_article``: the row, its
    MinHash, bands and story in one transaction); the texts are made before the clock starts."""
    engine = open_archive(url)
    archive = Archive(engine)
    source = archive.ensure_source("situs0", "https://situs0.example/")
    texts = [_make(size + 10_000_000 + k)[1:3] for k in range(INSERT_WARMUP + INSERTS)]
    added = []
    for k, (title, text) in enumerate(texts):
        if k == INSERT_WARMUP:  # caches, prepared statements and pages warm, as in a running crawl
            started = time.perf_counter()
        article_id, _ = archive.store_article(
            {"source_id": source, "url": f"https://baru.example/{size}/{k}", "title": title, "text": text}
        )
        added.append(article_id)
    elapsed = time.perf_counter() - started
    for article_id in added:  # the next size starts from the bulk-loaded archive again
        archive.delete_article(article_id)
    engine.dispose()
    return INSERTS / elapsed


def run() -> str:
    words = vocabulary()
    rows: list[dict[str, Any]] = []
    name = f"kabar_bench_scale_{int(time.time())}"
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        with (
            tempfile.TemporaryDirectory() as tmp,
            multiprocessing.Pool(2, initializer=_init, initargs=(words,)) as pool,
        ):
            backends = {
                "SQLite": f"sqlite:///{Path(tmp) / 'scale.db'}",
                "PostgreSQL": f"postgresql://postgres@127.0.0.1/{name}",
            }
            built = {b: 0 for b in backends}
            for size in SIZES:
                for backend, url in backends.items():
                    seconds = build(url, size, words, pool, start=built[backend])
                    built[backend] = size
                    times = sorted(_search_times(url, words))
                    rows.append(
                        {
                            "backend": backend,
                            "size": size,
                            "load": seconds,
                            "p50": statistics.median(times) * 1000,
                            "p95": times[int(len(times) * 0.95)] * 1000,
                            "insert": _insert_rate(url, size),
                        }
                    )
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    by = {(r["backend"], r["size"]): r for r in rows}
    table = "\n".join(
        f"| {size:,} | "
        + " | ".join(
            f"{by[(b, size)]['p50']:.1f} / {by[(b, size)]['p95']:.1f} | {by[(b, size)]['insert']:.0f}"
            for b in ("SQLite", "PostgreSQL")
        )
        + f" | {by[('PostgreSQL', size)]['p50'] / by[('SQLite', size)]['p50']:.2f}× |"
        for size in SIZES
    )
    loads = ", ".join(f"{r['backend']} {r['size']:,}: {r['load']:.0f} s" for r in rows)
    return f"""## The archive at scale: SQLite and PostgreSQL

Command: `python -m bench scale`. Synthetic archives (the generator of `bench search`: Zipf
word distribution, six sources, regions and dimensions, one in ten articles in a two-article
story) grown to each size on both backends; search = `storage.query.search` + `count` (what a
search page asks), {len(queries(words))} queries × {ROUNDS} rounds; insert = `store_article`
(the crawl's write: row, MinHash, LSH bands and story in one transaction) of {INSERTS} new
articles whose texts were made beforehand (after {INSERT_WARMUP} untimed ones).

| articles | SQLite search p50 / p95 (ms) | SQLite inserts/s | PostgreSQL search p50 / p95 (ms) | PostgreSQL inserts/s | PostgreSQL / SQLite p50 |
|---:|---:|---:|---:|---:|---:|
{table}

Search p50 at {SIZES[-1]:,} vs {SIZES[0]:,}: SQLite {by[("SQLite", SIZES[-1])]["p50"] / by[("SQLite", SIZES[0])]["p50"]:.2f}×,
PostgreSQL {by[("PostgreSQL", SIZES[-1])]["p50"] / by[("PostgreSQL", SIZES[0])]["p50"]:.2f}×. Insert rate at {SIZES[-1]:,} vs {SIZES[0]:,}:
SQLite {by[("SQLite", SIZES[-1])]["insert"] / by[("SQLite", SIZES[0])]["insert"]:.2f}×,
PostgreSQL {by[("PostgreSQL", SIZES[-1])]["insert"] / by[("PostgreSQL", SIZES[0])]["insert"]:.2f}×.
Bulk-load time per step: {loads}.
"""
