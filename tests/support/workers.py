"""Functions that spawned child processes run in the archive's concurrency tests (a spawned child
imports them by module name, so they live in a plain module), and :func:`run_at_once` that
starts them."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any


def run_at_once(target: Callable[..., None], each: list[tuple[Any, ...]], timeout: float) -> list[Any]:
    """``target(start, queue, *args)`` in one spawned process per ``args`` in ``each``, all
    released at the same moment; what they put on the queue, in the order it came."""
    ctx = multiprocessing.get_context("spawn")
    start, queue = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=target, args=(start, queue, *args)) for args in each]
    for p in procs:
        p.start()
    start.set()
    results = [queue.get(timeout=timeout) for _ in procs]
    for p in procs:
        p.join(60)
    return results


def concurrent_writer(start, queue, url: str, worker: int, rounds: int) -> None:
    """Write the same URLs as the other workers, as fast as possible."""
    from storage.archive import Archive
    from storage.db import create_engine_for

    engine = create_engine_for(url)
    archive = Archive(engine)
    start.wait(30)
    try:
        results = []
        for i in range(rounds):
            source = archive.ensure_source(f"src{i % 3}", f"https://src{i % 3}.example/")
            article_id, created = archive.add_article(
                {
                    "url": f"https://src.example/berita/{i}",
                    "source_id": source,
                    "title": f"Berita ke-{i} tentang pelayanan kota cerdas",
                    "text": f"Isi berita nomor {i} dari penulis {worker}.",
                    "published_at": datetime(2024, 1, 1, tzinfo=UTC) + timedelta(hours=i),
                }
            )
            archive.add_alias(article_id, f"https://m.src.example/berita/{i}")
            archive.record_fetch(
                f"https://src.example/berita/{i}",
                source_id=source,
                run_id=None,
                kind="article",
                status=200,
                article_id=article_id,
            )
            results.append((i, article_id, created))
        queue.put((worker, results, None))
    except Exception as exc:  # pragma: no cover - reported to the parent
        queue.put((worker, [], repr(exc)))
    finally:
        engine.dispose()


def concurrent_opener(start, queue, url: str) -> None:
    """Open (and so upgrade) a fresh archive at the same moment as another process."""
    from storage.db import current_revision, open_archive

    start.wait(30)
    try:
        engine = open_archive(url)
        queue.put(current_revision(engine))
        engine.dispose()
    except Exception as exc:  # pragma: no cover - reported to the parent
        queue.put(repr(exc))
