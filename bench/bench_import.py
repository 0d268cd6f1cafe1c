"""``kabar import`` throughput on SQLite and PostgreSQL: synthetic news-please records (relevance,
regions, dimensions and stories all computed) written by the batch path
(``Archive.import_articles``, 500 articles a transaction) against the per-article path of the
crawl (``Archive.store_article``: one transaction per article) in the same run, with the same
preparation (``jobs.importing.prepare`` in the same worker processes).

The records: Indonesian news-like texts from the example sites' vocabulary (``bench_dedup``'s
generator: Zipf-weighted words, 5-8 paragraphs, about 260 words), one in ten a near copy of an
earlier one (another outlet's edit: they must land in one story), six sites, dates over five
years without an offset (news-please's ``date_publish``), authors as a list.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from bench.bench_dedup import synthetic_article, vocabulary
from bench.procmem import _cpu_seconds, descendants

ROOT = Path(__file__).resolve().parent.parent
ADMIN = "postgresql://postgres@127.0.0.1/postgres"
RECORDS = 5_000
BASELINE_RECORDS = 1_000  # the per-article path is timed on the first records only
ROUNDS = 2  # the better of two runs of each path: the machine is shared
BAR = 500  # articles/s the batch import is to reach on each backend
SEED = 23
SITES = ("sumselupdate.com", "palembangpos.id", "infomuba.id", "okukini.com", "lahatnews.id", "prabumulihpos.com")
_START = datetime(2020, 1, 1, tzinfo=UTC)


def records(n: int, words: list[str], seed: int = SEED) -> Iterator[dict[str, Any]]:
    """``n`` news-please records (its field names), about one in ten a near copy of an earlier one."""
    for i in range(n):
        article = synthetic_article(seed, i, words)
        site = SITES[i % len(SITES)]
        published = _START + timedelta(minutes=(37 * i * 613) % 2_600_000)
        yield {
            "url": f"https://{site}/berita/{i}",
            "title": article["title"],
            "maintext": article["text"],
            "date_publish": published.strftime("%Y-%m-%d %H:%M:%S"),
            "date_download": "2024-06-01 10:00:00",
            "source_domain": site,
            "authors": [f"Penulis {i % 17}"],
            "description": article["text"].split(".")[0] + ".",
            "image_url": f"https://{site}/img/{i}.jpg",
            "language": "id",
            "copy_of": article["of"],  # not a news-please field: for the check below, ignored by kabar
        }


def write_records(path: Path, n: int, words: list[str]) -> list[dict[str, Any]]:
    made = list(records(n, words))
    with path.open("w", encoding="utf-8") as out:
        for record in made:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return made


def _batch(url: str, path: Path) -> dict[str, float]:
    """Seconds of ``import_lines`` (the batch path) over the file into a new archive, and the
    CPU seconds it took: this process (reading, writing), its worker processes (preparing),
    and the PostgreSQL server process of its connection, sampled from /proc."""
    from crawler.config import Config
    from jobs.importing import import_lines, read_lines
    from storage.archive import Archive
    from storage.db import open_archive

    engine = open_archive(url)
    config = Config(path=None)
    server = None
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:  # the connection the import then takes from the pool
            server = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    me = os.getpid()
    before = {pid: _cpu_seconds(pid) or 0.0 for pid in [*descendants(me), *([server] if server else [])]}
    started = time.perf_counter()
    with _CpuSeen(me) as seen:  # the workers end with the import: their CPU is sampled meanwhile
        summary = import_lines(
            Archive(engine),
            read_lines([str(path)], sys.stdin.buffer),
            config=config,
            workers=config.crawl.extract_workers,
            report=_refuse,
        )
        elapsed = time.perf_counter() - started
        seen.cpu[me] = _cpu_seconds(me) or 0.0
    used = {pid: cpu - before.get(pid, 0.0) for pid, cpu in seen.cpu.items()}
    result = {
        "seconds": elapsed,
        "cpu_main": used.pop(me),
        "cpu_workers": sum(used.values()),
        "cpu_server": (_cpu_seconds(server) or 0.0) - before[server] if server else 0.0,
    }
    engine.dispose()
    if summary.failed:
        raise RuntimeError(f"{summary.failed} lines failed")
    return result


class _CpuSeen:
    """CPU seconds last seen of each process below ``pid``, sampled every half second (only
    /proc/PID/stat: the sampling thread runs in the measured process)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.cpu: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> _CpuSeen:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            for pid in descendants(self.pid):
                cpu = _cpu_seconds(pid)
                if cpu is not None:
                    self.cpu[pid] = cpu


def _per_article(url: str, path: Path) -> float:
    """Seconds of the same preparation written with ``store_article``, one transaction each."""
    from crawler.config import Config
    from crawler.extractpool import ordered_map
    from jobs.importing import prepare, read_lines
    from storage.archive import Archive
    from storage.db import open_archive

    engine = open_archive(url)
    archive = Archive(engine)
    config = Config(path=None)
    sources: dict[str, int] = {}
    started = time.perf_counter()
    tasks = ((line, None, archive.keeps_stems) for line in read_lines([str(path)], sys.stdin.buffer))
    for prepared in ordered_map(prepare, tasks, config.crawl.extract_workers, chunk=32, window=8):
        record = prepared.record
        assert record is not None
        if record.source not in sources:
            sources[record.source] = archive.ensure_source(record.source, f"https://{record.source}/")
        fields = {**record.fields, "source_id": sources[record.source]}
        archive.store_article(fields, tags=record.tags, signature=prepared.signature, stems=prepared.stems)
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


def _command(url: str, path: Path, workdir: Path) -> float:
    """Seconds of the whole ``kabar import FILE`` command (process start included)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KABAR_")}
    env.update(PYTHONPATH=str(ROOT), KABAR_DATABASE_URL=url, KABAR_DATA_DIR=str(workdir / "data"))
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "jobs.cli", "import", str(path)], cwd=workdir, env=env, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"kabar import failed: {result.stderr[-2000:]}")
    return elapsed


def _stories_kept(url: str, made: list[dict[str, Any]]) -> tuple[int, int]:
    """(near copies in their original's story, near copies) in the archive at ``url``."""
    from sqlalchemy import select

    from storage.db import open_archive
    from storage.models import Article

    engine = open_archive(url)
    with engine.connect() as conn:
        story = dict(conn.execute(select(Article.url, Article.story_id)).all())
    engine.dispose()
    copies = [r for r in made if r["copy_of"] is not None]
    joined = sum(story[r["url"]] == story[made[r["copy_of"]]["url"]] for r in copies)
    return joined, len(copies)


def _refuse(where: str, number: int, message: str) -> None:
    raise RuntimeError(f"{where}:{number}: {message}")


def _fresh_postgres() -> tuple[str, Callable[[], None]]:
    name = f"kabar_bench_import_{time.time_ns()}"
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return f"postgresql://postgres@127.0.0.1/{name}", drop


def run() -> str:
    words = vocabulary()
    rows = []
    with tempfile.TemporaryDirectory(prefix="kabar-bench-import-") as tmp:
        work = Path(tmp)
        full, head = work / "records.jsonl", work / "head.jsonl"
        made = write_records(full, RECORDS, words)
        write_records(head, BASELINE_RECORDS, words)
        for backend in ("SQLite", "PostgreSQL"):
            results: dict[str, Any] = {"backend": backend, "batch": 0.0, "per_article": 0.0}
            for attempt in range(ROUNDS):
                for step in ("batch", "per_article", "command"):
                    if step == "command" and attempt:
                        continue
                    if backend == "SQLite":
                        url, drop = f"sqlite:///{work / f'{step}-{attempt}.db'}", None
                    else:
                        url, drop = _fresh_postgres()
                    try:
                        if step == "batch":
                            measured = _batch(url, full)
                            if RECORDS / measured["seconds"] > results["batch"]:
                                results["batch"] = RECORDS / measured["seconds"]
                                results["cpu"] = {k: v / RECORDS * 1000 for k, v in measured.items() if k != "seconds"}
                                results["stories"] = _stories_kept(url, made)
                        elif step == "per_article":
                            rate = BASELINE_RECORDS / _per_article(url, head)
                            results["per_article"] = max(results["per_article"], rate)
                        else:
                            results["command"] = RECORDS / _command(url, full, work)
                    finally:
                        if drop is not None:
                            drop()
            rows.append(results)
    table = "\n".join(
        f"| {r['backend']} | {r['per_article']:,.0f} | **{r['batch']:,.0f}** | {r['batch'] / r['per_article']:.1f}× "
        f"| {r['command']:,.0f} | {r['stories'][0]:,} of {r['stories'][1]:,} |"
        for r in rows
    )
    cores = os.cpu_count() or 1
    cpu = "\n".join(
        f"| {r['backend']} | {r['cpu']['cpu_workers']:.2f} | {r['cpu']['cpu_main']:.2f} | {r['cpu']['cpu_server']:.2f} "
        f"| {sum(r['cpu'].values()):.2f} | {cores * 1000 / sum(r['cpu'].values()):,.0f} |"
        for r in rows
    )
    return f"""## Import

Command: `python -m bench import`. {RECORDS:,} synthetic news-please records (fields
`url, title, maintext, date_publish, source_domain, authors, …`; the texts of `bench dedup`:
about 260 Indonesian words, one in ten a near copy of an earlier record) imported into a new
archive on each backend: relevance, regions, dimensions, MinHash and stories computed for
every record, prepared in the default worker processes (`[crawl] extract_workers`, here
{_workers()}). Batch = `import_lines` writing with `Archive.import_articles`
(500 articles a transaction, bulk inserts); per article = the same preparation written with
`Archive.store_article`, the crawl's write (one transaction per article), over the first
{BASELINE_RECORDS:,} records, each the better of {ROUNDS} runs; whole command = `kabar import FILE` as a
user runs it, process start and imports included, once. Figures in articles per second.

| backend | per article | batch | batch / per article | whole command | near copies in their original's story |
|---|---:|---:|---:|---:|---:|
{table}

Bar (issue 18): at least {BAR} articles/s with stories computed, on each backend: {_verdict(rows)}.

The machine is shared: the load average was {_load()} when this section was written, so
the figures above are what was left of {cores} cores. Where the batch import's CPU time goes,
in milliseconds per article (sampled from /proc: the worker processes that read, classify,
fingerprint and stem each record; the process that writes the batches; the PostgreSQL
server process of its connection), and the most {cores} idle cores could give at that cost:

| backend | workers | writer | database server | total | articles/s on {cores} idle cores |
|---|---:|---:|---:|---:|---:|
{cpu}
"""


def _verdict(rows: list[dict[str, Any]]) -> str:
    return "; ".join(
        f"{'met' if r['batch'] >= BAR else 'not met'} on {r['backend']} ({r['batch']:,.0f}/s)" for r in rows
    )


def _load() -> str:
    return ", ".join(f"{x:.1f}" for x in os.getloadavg()) + " (1, 5, 15 minutes)"


def _workers() -> int:
    from crawler.config import default_extract_workers

    return default_extract_workers()
