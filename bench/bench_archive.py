"""Search and count at archive size: SQL (SQLite FTS5, PostgreSQL tsvector: storage.query)
against the search index (storage.searchindex, tantivy) over the same synthetic archives of
100,000 and 1,000,000 articles on both backends.

The archives are bench_search's (bulk inserts of Indonesian news-like texts, six sources,
regions and dimensions, one article in ten in a two-article story); the 100,000-article one
is a prefix of the 1,000,000 one. Queries: words matching about 60 %, 5 % and 0.1 % of the
articles (picked by document frequency in a sample of the generated texts), alone and with a
region filter, and the query set of ``bench search``. Each is asked as a search (the first
page of 20, one hit per story, with snippets) and a count (exact stories), after a warm-up,
through the SQL path and through the index; both must give the same totals. Also: the time
to build the index from the archive, and to sync it after 1,000 new articles.

``KABAR_BENCH_ARCHIVE_SIZES`` (default ``100000,1000000``) and ``KABAR_BENCH_ARCHIVE_BACKENDS``
(default ``sqlite,postgresql``) choose what runs; PostgreSQL is reached at
``KABAR_TEST_POSTGRES_URL`` (the tests' maintenance URL).
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from bench import bench_search

TARGETS = (0.6, 0.05, 0.001)
REGION = "Musi Banyuasin"
SAMPLE = 5000
ROUNDS_INDEX = 5
#: SQL rounds after a warm-up per size; other sizes (1,000,000: a 60 % word takes seconds a query
#: there) time one call of each count, and of each search of the share queries only
ROUNDS_SQL = {100_000: 3}
PG_ADMIN = os.environ.get("KABAR_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
BAR_SEARCH_MS, BAR_COUNT_MS = 300, 500


def _sizes() -> list[int]:
    return [int(n) for n in os.environ.get("KABAR_BENCH_ARCHIVE_SIZES", "100000,1000000").split(",")]


def _backends() -> list[str]:
    return os.environ.get("KABAR_BENCH_ARCHIVE_BACKENDS", "sqlite,postgresql").split(",")


def pick_words(words: list[str]) -> dict[float, tuple[str, float]]:
    """For each target share, the query whose share of a sample of the archive's articles is
    closest: (query, share in the sample). The texts' rarest words are in about 0.7 % of the
    articles, so the rarer targets are two words (both must match)."""
    from storage.textnorm import stem_word

    bench_search._init(words)
    where: dict[str, set[int]] = {}
    for i in range(SAMPLE):
        for word in set(bench_search._make(i)[3].split()):
            where.setdefault(word, set()).add(i)
    usable = {w: found for w, found in where.items() if len(w) > 4 and w.isalpha() and stem_word(w) == w}
    ranked = sorted(usable, key=lambda w: (len(usable[w]), w))
    pairs = [w for w in ranked if 0.02 <= len(usable[w]) / SAMPLE <= 0.1]
    candidates = {w: len(found) for w, found in usable.items()}
    candidates.update({f"{a} {b}": len(usable[a] & usable[b]) for a in pairs for b in pairs if a < b})
    found = {}
    for target in TARGETS:
        query = min(sorted(candidates), key=lambda q: abs(candidates[q] / SAMPLE - target))
        found[target] = (query, candidates[query] / SAMPLE)
    return found


@dataclass
class Case:
    name: str
    params: dict[str, Any]

    def request(self) -> Any:
        from storage.request import SearchRequest

        p = self.params
        since = datetime.fromisoformat(p["since"]).replace(tzinfo=UTC) if "since" in p else None
        return SearchRequest(
            query=p.get("q", ""),
            regions=[p["region"]] if "region" in p else [],
            dimensions=[p["dimension"]] if "dimension" in p else [],
            since=since,
        )


@dataclass
class Timed:
    samples: dict[str, list[float]] = field(default_factory=dict)  # "sql search" -> seconds

    def add(self, key: str, seconds: float) -> None:
        self.samples.setdefault(key, []).append(seconds)


def _p(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _time(fn: Callable[[], Any], rounds: int, timed: Timed, key: str) -> Any:
    """``fn()``'s result; a warm-up call, then ``rounds`` timed ones (0: the one call timed)."""
    if not rounds:
        started = time.perf_counter()
        result = fn()
        timed.add(key, time.perf_counter() - started)
        return result
    result = fn()  # warm-up
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        timed.add(key, time.perf_counter() - started)
    return result


def measure(engine, index, cases: list[Case], rounds_sql: int) -> dict[str, Timed]:
    """Per case: SQL and index search and count timings; the totals must agree. With
    ``rounds_sql`` 0 only the share queries' SQL searches are timed (one call each)."""
    from storage.query import count, search

    found = {}
    for case in cases:
        req = case.request()
        timed = Timed()
        total = _time(partial(count, engine, req), rounds_sql, timed, "sql count")
        if rounds_sql or case.name.startswith("df "):
            _time(partial(search, engine, req), rounds_sql, timed, "sql search")
        got = _time(partial(index.count, engine, req), ROUNDS_INDEX, timed, "index count")
        _time(partial(index.search, engine, req), ROUNDS_INDEX, timed, "index search")
        if got != total:
            raise AssertionError(f"{case.name}: the index counts {got:,} stories, SQL {total:,}")
        timed.samples["total"] = [total]
        found[case.name] = timed
    return found


PG_DATABASE = "kabar_bench_archive"


def _url(backend: str, directory: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{directory / 'archive.db'}"
    _drop_pg()
    _pg_admin(f"CREATE DATABASE {PG_DATABASE}")
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{PG_DATABASE}"


def _drop_pg() -> None:
    _pg_admin(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")


def _pg_admin(statement: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(statement)


def run_backend(backend: str, directory: Path, words: list[str], cases: list[Case], pool) -> list[dict[str, Any]]:
    from storage.db import open_archive
    from storage.searchindex import SearchIndex

    url = _url(backend, directory)
    results = []
    built = 0
    for size in _sizes():
        seconds = bench_search.build(url, size, words, pool, start=built)
        built = size
        engine = open_archive(url)
        index = SearchIndex(directory / f"index-{backend}")
        started = time.perf_counter()
        index.rebuild(engine)
        indexing = time.perf_counter() - started
        timings = measure(engine, index, cases, ROUNDS_SQL.get(size, 0))
        engine.dispose()
        bench_search.build(url, size + 1000, words, pool, start=size)
        built = size + 1000
        engine = open_archive(url)
        started = time.perf_counter()
        synced = index.sync(engine)
        sync_seconds = time.perf_counter() - started
        engine.dispose()
        results.append(
            {
                "backend": backend,
                "size": size,
                "archive": seconds,
                "index": indexing,
                "sync": sync_seconds,
                "synced": synced.written,
                "timings": timings,
            }
        )
    return results


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f}" if seconds < 10 else f"{seconds * 1000:,.0f}"


def stem_rate() -> float:
    """Articles stemmed per second (title and text, storage.textnorm.search_text)."""
    from storage.textnorm import search_text, stem_word

    texts = [bench_search._make(i)[1:3] for i in range(SAMPLE, SAMPLE + 2000)]
    stem_word.cache_clear()
    started = time.perf_counter()
    for title, text in texts:
        search_text(title, text)
    return len(texts) / (time.perf_counter() - started)


def report(
    results: list[dict[str, Any]], picks: dict[float, tuple[str, float]], cases: list[Case], stemming: float
) -> str:
    kinds = ("search", "count")
    lines = [
        "## Search and count at archive size: SQL against the search index",
        "",
        "Synthetic archives (bench_search's texts; one article in ten in a two-article story) on",
        "SQLite and PostgreSQL; the same requests through SQL (`storage.query`: FTS5 / tsvector) and",
        "through the search index (`storage.searchindex`: tantivy, BM25, exact counts by term",
        "aggregations). Search: the first page of 20, one hit per story, snippets and outlets read",
        "from SQL; count: the exact number of stories. Both give the same totals (checked).",
        f"Index: {ROUNDS_INDEX} rounds after a warm-up; SQL: {ROUNDS_SQL.get(100_000)} at 100,000; at 1,000,000",
        "one call of each count and of the share queries' searches only (a 60 % word takes seconds there).",
        "",
        "Words by share of articles: "
        + ", ".join(f"{int(t * 1000) / 10:g} %: `{w}` ({share:.1%} of a sample)" for t, (w, share) in picks.items())
        + f"; `+ region`: with `regions=[{REGION}]`.",
        "",
        "| backend | articles | query | stories | SQL search p50 / p95 (ms) | index search p50 / p95 (ms) "
        "| SQL count p50 / p95 (ms) | index count p50 / p95 (ms) |",
        "|---|---:|---|---:|---:|---:|---:|---:|",
    ]
    named = [c.name for c in cases if c.name.startswith("df ")]
    for r in results:
        for name in named:
            t = r["timings"][name].samples
            cells = [
                f"{_ms(statistics.median(t[f'{w} {k}']))} / {_ms(_p(t[f'{w} {k}'], 0.95))}"
                for k in kinds
                for w in ("sql", "index")
            ]
            lines.append(
                f"| {r['backend']} | {r['size']:,} | {name[3:]} | {t['total'][0]:,} | " + " | ".join(cells) + " |"
            )
    lines += [
        "",
        f"Over every query ({len(cases)}: the words above and `bench search`'s set), p50 / p95 in ms:",
        "",
        "| backend | articles | SQL search | index search | SQL count | index count | index build (s) "
        "| sync of 1,000 new articles (s) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    pooled: dict[tuple[str, int], dict[str, list[float]]] = {}
    for r in results:
        every: dict[str, list[float]] = {}
        for timed in r["timings"].values():
            for key, samples in timed.samples.items():
                every.setdefault(key, []).extend(samples)
        pooled[r["backend"], r["size"]] = every
        cells = [
            f"{_ms(statistics.median(every[f'{w} {k}']))} / {_ms(_p(every[f'{w} {k}'], 0.95))}"
            for k in kinds
            for w in ("sql", "index")
        ]
        lines.append(
            f"| {r['backend']} | {r['size']:,} | "
            + " | ".join(cells)
            + f" | {r['index']:.0f} | {r['sync']:.2f} ({r['synced']:,} documents) |"
        )
    lines += [
        "",
        _verdict(pooled),
        "",
        "Index build: the bench's archives keep the stems on both backends, so the build only reads",
        "them; a PostgreSQL archive written by the crawler keeps none, and its first build stems every",
        f"title and text in Python: {stemming:,.0f} articles/s here (1,000,000 articles: about "
        f"{1_000_000 / stemming / 60:.0f} min more, once).",
    ]
    return "\n".join(lines)


def _verdict(pooled: dict[tuple[str, int], dict[str, list[float]]]) -> str:
    sizes = sorted({size for _, size in pooled})
    largest, smallest = sizes[-1], sizes[0]
    parts = []
    for (backend, size), every in sorted(pooled.items()):
        if size != largest:
            continue
        search95, count95 = _p(every["index search"], 0.95), _p(every["index count"], 0.95)
        ok = search95 * 1000 <= BAR_SEARCH_MS and count95 * 1000 <= BAR_COUNT_MS
        text = (
            f"{backend} at {size:,}: index search p95 {_ms(search95)} ms, count p95 {_ms(count95)} ms "
            f"({'meets' if ok else 'misses'} the bar of {BAR_SEARCH_MS} / {BAR_COUNT_MS} ms)"
        )
        if smallest != largest and (backend, smallest) in pooled:
            small = pooled[backend, smallest]
            growth = max(_p(every[f"index {k}"], 0.95) / _p(small[f"index {k}"], 0.95) for k in ("search", "count"))
            text += f", p95 growth from {smallest:,} {growth:.2f}× (bar: at most 2×)"
        parts.append(text)
    return "; ".join(parts) + "." if parts else ""


def cases_for(picks: dict[float, tuple[str, float]], words: list[str]) -> list[Case]:
    cases = []
    for target, (word, _) in picks.items():
        share = f"{target * 100:g} %"
        cases.append(Case(f"df {share} `{word}`", {"q": word}))
        cases.append(Case(f"df {share} `{word}` + region", {"q": word, "region": REGION}))
    cases += [Case(f"search set {i}", params) for i, params in enumerate(bench_search.queries(words))]
    return cases


def run() -> str:
    from bench.bench_dedup import vocabulary

    words = vocabulary()
    picks = pick_words(words)
    cases = cases_for(picks, words)
    stemming = stem_rate()
    results: list[dict[str, Any]] = []
    with (
        tempfile.TemporaryDirectory(prefix="kabar-bench-archive-") as tmp,
        multiprocessing.get_context("fork").Pool(initializer=bench_search._init, initargs=(words,)) as pool,
    ):
        for backend in _backends():
            directory = Path(tmp) / backend
            directory.mkdir()
            try:
                results += run_backend(backend, directory, words, cases, pool)
            finally:
                if backend == "postgresql":
                    _drop_pg()
    return report(results, picks, cases, stemming)


if __name__ == "__main__":
    print(run())
