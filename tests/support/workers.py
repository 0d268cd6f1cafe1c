"""Functions that spawned child processes run in the archive's concurrency tests (a spawned child
imports them by module name, so they live in a plain module)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def concurrent_writer(url: str, worker: int, start, rounds: int, queue) -> None:
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


def concurrent_opener(url: str, start, queue) -> None:
    """Open (and so upgrade) a fresh archive at the same moment as another process."""
    from storage.db import current_revision, open_archive

    start.wait(30)
    try:
        engine = open_archive(url)
        queue.put(current_revision(engine))
        engine.dispose()
    except Exception as exc:  # pragma: no cover - reported to the parent
        queue.put(repr(exc))
