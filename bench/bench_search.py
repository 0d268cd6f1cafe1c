"""Search latency through the JSON API (``GET /api/search``, the whole FastAPI stack in
process) at 10,000 and 100,000 archived articles, against a LIKE scan over the same archive.

The archives are synthetic SQLite archives built with bulk inserts (the FTS triggers fill
the index as the crawler's inserts do): Indonesian news-like texts from the example sites'
vocabulary with Zipf-weighted words (bench_dedup.TextMaker, about 260 words), six sources,
dates over five years, one or two regions and dimensions per article, one in ten a member
of a two-article story. The 10,000-article archive is a prefix of the 100,000 one. Queries
are what people type: topic words of low, middle and high document frequency, two-word
queries, a phrase, an OR and an exclusion, some with a region or dimension filter, asked
in rounds after a warm-up. Figures: median and p95 per size, the p50 ratio 100k / 10k (bar:
at most 2x), and the API against ``LIKE '%word%'`` (newest first, with a count) on the same
archive.
"""

from __future__ import annotations

import multiprocessing
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

SIZES = (10_000, 100_000)
ROUNDS = 5  # timed passes over the query set
CHUNK = 5_000
SEED = 11
REGIONS = [
    ("16.06", "Musi Banyuasin", "kabupaten"),
    ("16.71", "Palembang", "kota"),
    ("16.03", "Muara Enim", "kabupaten"),
    ("16.07", "Banyuasin", "kabupaten"),
    ("16.02", "Ogan Komering Ilir", "kabupaten"),
    ("16.73", "Lubuklinggau", "kota"),
]
DIMENSIONS = ["governance", "branding", "economy", "society", "living", "environment"]
_START = datetime(2020, 1, 1, tzinfo=UTC)
_WORDS: list[str] = []


def _init(words: list[str]) -> None:
    global _WORDS
    _WORDS = words


def _make(i: int) -> tuple[int, str, str, str]:
    from bench.bench_dedup import TextMaker
    from storage.textnorm import search_text

    maker = TextMaker(SEED * 1_000_003 + i, _WORDS)
    title, text = maker.title(), maker.text()
    return i, title, text, search_text(title, text)


def build(path: Path | str, n: int, words: list[str], pool, start: int = 0) -> float:
    """Synthetic articles ``start`` .. ``n`` into the archive at ``path`` (a SQLite file) or
    database URL; returns the seconds it took."""
    from sqlalchemy import insert

    from storage.archive import Archive
    from storage.db import open_archive
    from storage.models import Article, ArticleDimension, ArticleRegion, Story, utcnow

    started = time.perf_counter()
    url = path if isinstance(path, str) else f"sqlite:///{path}"
    engine = open_archive(url)
    sqlite = engine.dialect.name == "sqlite"
    archive = Archive(engine)
    sources = [archive.ensure_source(f"situs{k}", f"https://situs{k}.example/") for k in range(6)]
    now = utcnow()
    rng = random.Random(SEED + start)
    with engine.begin() as conn:
        if sqlite:
            conn.exec_driver_sql("PRAGMA cache_size = -200000")
        batch: list[tuple] = []

        def flush() -> None:
            rows, regions, dimensions, stories = [], [], [], []
            for i, title, text, stemmed in batch:
                aid = i + 1
                story = aid - 1 if i % 10 == 1 else aid  # one in ten joins the previous story
                if story == aid:
                    stories.append(
                        {
                            "id": aid,
                            "representative_id": aid,
                            "created_at": now,
                            "first_published": _START + timedelta(minutes=27 * i % 2_600_000),
                        }
                    )
                rows.append(
                    {
                        "id": aid,
                        "source_id": sources[i % 6],
                        "url": f"https://situs{i % 6}.example/berita/{i}",
                        "title": title,
                        "text": text,
                        "search_text": stemmed,
                        "language": "id",
                        "published_at": _START + timedelta(minutes=(27 * i) % 2_600_000),
                        "relevant": True,
                        "score": round(rng.uniform(0, 6), 2),
                        "reasons": [],
                        "meta": {},
                        "story_id": story,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                for code, name, kind in rng.sample(REGIONS, rng.randint(1, 2)):
                    regions.append({"article_id": aid, "code": code, "name": name, "type": kind})
                regions.append({"article_id": aid, "code": "16", "name": "Sumatera Selatan", "type": "provinsi"})
                for dimension in rng.sample(DIMENSIONS, rng.randint(1, 2)):
                    dimensions.append({"article_id": aid, "dimension": dimension})
            if stories:
                conn.execute(insert(Story.__table__), stories)
            conn.execute(insert(Article.__table__), rows)
            conn.execute(insert(ArticleRegion.__table__), regions)
            conn.execute(insert(ArticleDimension.__table__), dimensions)
            batch.clear()

        for item in pool.imap(_make, range(start, n), chunksize=250):
            batch.append(item)
            if len(batch) == CHUNK:
                flush()
        if batch:
            flush()
        if sqlite:
            conn.exec_driver_sql("PRAGMA cache_size = -2000")
    with engine.connect() as conn:
        if sqlite:
            conn.exec_driver_sql("ANALYZE")
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            conn.exec_driver_sql(
                "SELECT setval(pg_get_serial_sequence('articles', 'id'), (SELECT MAX(id) FROM articles))"
            )
            conn.exec_driver_sql(
                "SELECT setval(pg_get_serial_sequence('stories', 'id'), (SELECT MAX(id) FROM stories))"
            )
            conn.commit()
            # as autovacuum leaves a settled archive: not running during the timings that follow
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM (ANALYZE)")
    engine.dispose()
    return time.perf_counter() - started


def queries(words: list[str]) -> list[dict[str, Any]]:
    """The query set: topic words by document frequency (the 60 most frequent words are
    function words nobody searches for), combinations, and filters."""
    topic = [w for w in words[60:] if len(w) > 4]
    high, mid, low = topic[:5], topic[200:205], topic[1500:1505]
    qs: list[dict[str, Any]] = [{"q": w} for w in high + mid + low]
    qs += [{"q": f"{a} {b}"} for a, b in zip(mid, low, strict=True)]
    qs += [{"q": f'"{high[0]} {high[1]}"'}, {"q": f"{mid[0]} OR {low[0]}"}, {"q": f"{high[2]} -{mid[1]}"}]
    qs += [
        {"q": mid[2], "region": "Musi Banyuasin"},
        {"q": high[3], "dimension": "governance"},
        {"q": low[2], "region": "Palembang", "since": "2021-01-01"},
    ]
    qs += [{"region": "Banyuasin"}, {}]  # browsing without a text query
    return qs


def _time_api(client, qs) -> list[float]:
    for params in qs:  # warm-up: caches, statement compilation
        assert client.get("/api/search", params=params).status_code == 200
    samples = []
    for _ in range(ROUNDS):
        for params in qs:
            started = time.perf_counter()
            response = client.get("/api/search", params=params)
            samples.append(time.perf_counter() - started)
            assert response.status_code == 200, response.text
    return samples


def _time_like(path: Path, qs) -> list[float]:
    import sqlite3

    con = sqlite3.connect(path)
    words = [p["q"].split()[0].strip('"-') for p in qs if p.get("q")]
    samples = []
    for round_ in range(ROUNDS + 1):
        for word in words:
            started = time.perf_counter()
            pattern = f"%{word}%"
            con.execute(
                "SELECT count(*) FROM articles WHERE hidden_at IS NULL AND (title LIKE ? OR text LIKE ?)",
                (pattern, pattern),
            ).fetchone()
            con.execute(
                "SELECT id, url, title, published_at FROM articles WHERE hidden_at IS NULL AND "
                "(title LIKE ? OR text LIKE ?) ORDER BY published_at DESC LIMIT 20",
                (pattern, pattern),
            ).fetchall()
            if round_:  # the first round warms the page cache
                samples.append(time.perf_counter() - started)
    con.close()
    return samples


def _p(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def measure(size: int, directory: Path, words: list[str], pool) -> dict[str, Any]:
    from fastapi.testclient import TestClient

    from jobs.web import create_app
    from storage.db import open_archive

    path = directory / f"search-{size}.db"
    built = build(path, size, words, pool)
    qs = queries(words)
    engine = open_archive(f"sqlite:///{path}")
    with TestClient(create_app(engine)) as client:
        api = _time_api(client, qs)
        hits = [client.get("/api/search", params=p).json()["total"] for p in qs]
    engine.dispose()
    like = _time_like(path, qs)
    return {
        "size": size,
        "built": built,
        "api": api,
        "like": like,
        "queries": len(qs),
        "median_hits": statistics.median(hits),
    }


def run() -> str:
    from bench.bench_dedup import vocabulary

    words = vocabulary()
    results = []
    with (
        tempfile.TemporaryDirectory(prefix="kabar-bench-search-") as tmp,
        multiprocessing.get_context("fork").Pool(initializer=_init, initargs=(words,)) as pool,
    ):
        for size in SIZES:
            results.append(measure(size, Path(tmp), words, pool))
    small, large = results
    ratio = statistics.median(large["api"]) / statistics.median(small["api"])
    lines = [
        "## Search latency through the API",
        "",
        f"`GET /api/search` (FastAPI in process, SQLite FTS5, {small['queries']} queries × {ROUNDS} rounds after a",
        "warm-up: topic words of high, middle and low document frequency, pairs, a phrase, OR, an",
        "exclusion, region/dimension/date filters, browsing without a query), against a",
        "`LIKE '%word%'` scan (count + newest 20) over the same archive.",
        "",
        "| articles | build (s) | stories matched (median) | API p50 (ms) | API p95 (ms) | LIKE p50 (ms) | LIKE p95 (ms) | LIKE p50 / API p50 |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        api50, like50 = statistics.median(r["api"]), statistics.median(r["like"])
        lines.append(
            f"| {r['size']:,} | {r['built']:.0f} | {r['median_hits']:,.0f} | {api50 * 1000:.1f} | "
            f"{_p(r['api'], 0.95) * 1000:.1f} | {like50 * 1000:.1f} | {_p(r['like'], 0.95) * 1000:.1f} | "
            f"{like50 / api50:.1f}× |"
        )
    verdict = "meets" if ratio <= 2 else "misses"
    lines += [
        "",
        f"API p50 at {large['size']:,} / p50 at {small['size']:,}: **{ratio:.2f}×** ({verdict} the bar of at most 2×).",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(run())
