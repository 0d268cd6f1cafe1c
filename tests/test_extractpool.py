"""Extraction in worker processes: same result as in the crawl process, a dead worker costs one
page (recorded), and a crawl with a pool stores exactly what a crawl without one stores."""

from __future__ import annotations

import asyncio
import json
import os
import signal
from pathlib import Path

import pytest

from crawler.config import ConfigError, load_config
from crawler.extractpool import ExtractionFailed, ExtractorPool, analyse, ordered_map
from crawler.relevance.tagging import tag, vocabulary_for
from storage.fingerprint import signature
from storage.textnorm import search_text, text_hash
from tests.support.gold import gold_copies
from tests.support.runner import make_runner, write_config


def _pages(sites, n: int = 12) -> list[tuple[bytes, str]]:
    import urllib.request

    out = []
    for copy in gold_copies(sites)[:n]:
        with urllib.request.urlopen(copy["url"], timeout=10) as response:
            out.append((response.read(), copy["url"]))
    return out


def test_pool_gives_what_in_process_extraction_gives(sites):
    pages = _pages(sites)
    pool = ExtractorPool(2)

    async def run_all():
        return await asyncio.gather(*(pool.analyse(body, url, tag_with=None, stems=True) for body, url in pages))

    try:
        pooled = asyncio.run(run_all())
    finally:
        pool.close()
    for (body, url), result in zip(pages, pooled, strict=True):
        local = analyse(body, url, None)
        assert result.article.text == local.article.text and result.article.text
        assert result.article.title == local.article.title
        assert result.listing == local.listing
        if not result.listing:  # tagged and fingerprinted in the worker as the crawl process would
            assert result.tags == tag(local.article, vocabulary_for(None))
            assert result.signature == signature(local.article.text)
            assert result.text_hash == text_hash(local.article.text)
            assert result.stems == search_text(local.article.title, local.article.text)
    assert analyse(*pages[0], None, tag_with=None).stems is None  # only when asked for


def test_dead_worker_fails_one_page_and_the_pool_recovers(sites):
    ((body, url),) = _pages(sites, 1)
    pool = ExtractorPool(1)

    async def scenario():
        first = await pool.analyse(body, url)
        for pid in list(pool._executors[1]._processes):
            os.kill(pid, signal.SIGKILL)
        await asyncio.sleep(0.5)
        with pytest.raises(ExtractionFailed, match="worker died"):
            await pool.analyse(body, url)
        return first, await pool.analyse(body, url)

    try:
        first, again = asyncio.run(scenario())
    finally:
        pool.close()
    assert again.article.text == first.article.text != ""


def test_pages_go_in_batches_and_a_dead_worker_costs_no_page_of_a_batch(sites):
    """While the worker is busy, pages wait and go together; when the worker dies with a batch
    in hand, its pages are retried one by one (only a page that kills a worker alone is lost)."""
    pages = _pages(sites, 12)
    pool = ExtractorPool(1)

    async def scenario():
        calls = [asyncio.ensure_future(pool.analyse(body, url)) for body, url in pages]
        await asyncio.sleep(0)
        queue = ExtractorPool._queues[1]
        assert len(queue.waiting) == len(pages) - 1  # the first page went alone, the rest wait
        while len(queue.waiting) != len(pages) - 1 - ExtractorPool.MAX_BATCH:  # then a batch
            await asyncio.sleep(0.001)
        for pid in list(pool._executors[1]._processes):
            os.kill(pid, signal.SIGKILL)
        return await asyncio.gather(*calls)

    try:
        results = asyncio.run(scenario())
    finally:
        pool.close()
    for (body, url), result in zip(pages, results, strict=True):
        assert result.article.text == analyse(body, url, None).article.text != ""


def test_closing_the_pool_cancels_pages_not_yet_sent_and_starts_no_new_workers(sites):
    pages = _pages(sites, 12)
    pool = ExtractorPool(1)

    async def scenario():
        calls = [asyncio.ensure_future(pool.analyse(body, url)) for body, url in pages]
        first = await calls[0]
        pool.close()  # as a crawl stopped midway closes its spider
        done, pending = await asyncio.wait(calls[1:], timeout=30)
        return first, done, pending

    first, done, pending = asyncio.run(scenario())
    assert first.article.text and not pending
    assert any(call.cancelled() for call in done)  # the pages still waiting
    assert all(call.cancelled() or call.result().article.text for call in done)
    assert not pool.started and 1 not in ExtractorPool._queues


def test_in_process_mode_starts_no_pool(sites):
    ((body, url),) = _pages(sites, 1)
    pool = ExtractorPool(0)
    result = asyncio.run(pool.analyse(body, url))
    assert result.article.text and not pool.started


def test_ordered_map_keeps_input_order_across_chunks_and_workers():
    items = list(range(-203, 0))  # not a multiple of the chunk size
    assert list(ordered_map(abs, iter(items), 2, chunk=8, window=2)) == [abs(i) for i in items]
    assert list(ordered_map(abs, iter(items), 1)) == [abs(i) for i in items]
    assert list(ordered_map(abs, iter([]), 2)) == []


def test_extract_workers_config(tmp_path: Path):
    path = tmp_path / "sources.toml"
    path.write_text("[crawl]\nextract_workers = 0\n")
    assert load_config(path).crawl.extract_workers == 0
    path.write_text("[crawl]\nextract_workers = -1\n")
    with pytest.raises(ConfigError, match="extract_workers: must not be negative"):
        load_config(path)
    path.write_text("")
    assert load_config(path).crawl.extract_workers >= 1


def _crawl_export(tmp_path: Path, sites, workers: int) -> dict[str, str]:
    workdir = tmp_path / f"w{workers}"
    workdir.mkdir()
    config = write_config(sites, workdir)
    config.write_text(config.read_text().replace("[crawl]\n", f"[crawl]\nextract_workers = {workers}\n", 1))
    runner = make_runner(workdir, f"sqlite:///{workdir / 'kabar.db'}", config)
    result = runner("crawl", "-v")
    assert result.returncode == 0, result.stderr
    # the six sources' spiders share one set of workers
    assert result.stderr.count(f"extracting pages in {workers} worker process") == (1 if workers else 0)
    exported = runner("export", "--format", "jsonl")
    assert exported.returncode == 0, exported.stderr
    return {a["url"]: a["text"] for a in map(json.loads, exported.stdout.splitlines())}


def test_crawl_with_workers_stores_what_a_crawl_without_stores(tmp_path: Path, sites):
    pooled = _crawl_export(tmp_path, sites, 2)
    inline = _crawl_export(tmp_path, sites, 0)
    assert len(pooled) >= 90
    assert pooled == inline


KILLED_OWNER = """
import asyncio, os, signal, sys
from crawler.extractpool import ExtractorPool
pool = ExtractorPool(2)
PARAGRAPH = b"<p>Warga kota menerima layanan baru dari pemerintah daerah.</p>"
body = b"<html><body><article>" + PARAGRAPH * 20 + b"</article></body></html>"
asyncio.run(pool.analyse(body, "http://127.0.0.1/2026/01/01/x"))
executor = pool._executors[2]
print(" ".join(str(p) for p in executor._processes), flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_workers_exit_when_the_crawl_process_is_killed(tmp_path: Path):
    import subprocess
    import sys
    import time

    result = subprocess.run(
        [sys.executable, "-c", KILLED_OWNER],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)},
    )
    assert result.returncode == -signal.SIGKILL, result.stderr
    workers = [int(p) for p in result.stdout.split()]
    assert workers  # started on demand: one page, one worker
    deadline = time.monotonic() + 15
    while any(map(_running, workers)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(map(_running, workers)), "extraction workers outlived the killed crawl"
