"""Extraction over many files with a process pool (for ``kabar extract`` and benchmarks).

Each file yields one JSON-ready dict, in input order; a file that cannot be read yields
``{"path", "url", "error"}`` instead of stopping the batch.
"""

from __future__ import annotations

import gzip
import logging
import os
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

from .core import EXTRACTOR_VERSION, extract

__all__ = ["HTML_SUFFIXES", "expand_paths", "extract_file", "extract_paths"]

LOGGER = logging.getLogger(__name__)

#: File names taken from a directory (a ".gz" of any of them is read decompressed).
HTML_SUFFIXES: tuple[str, ...] = (".html", ".htm", ".xhtml", ".html.gz", ".htm.gz")


def expand_paths(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Files as given, and the HTML files under each directory (sorted), recursively."""
    out: list[Path] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.name.lower().endswith(HTML_SUFFIXES)))
        else:
            out.append(path)
    return out


def _read(path: Path) -> bytes:
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return data


def extract_file(path: str | os.PathLike[str], url: str | None = None, fetched_at: datetime | None = None) -> dict[str, Any]:
    """Extract one file into a dict (``published`` as ISO 8601); never raises for bad files."""
    p = Path(path)
    try:
        data = _read(p)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        return {"path": str(p), "url": url or "", "error": f"{type(exc).__name__}: {exc}"}
    article = extract(data, url or "", fetched_at=fetched_at)
    record = {"path": str(p)}
    record.update(article.to_dict())
    if not url:
        record["url"] = article.canonical_url if article.canonical_url.startswith("http") else ""
    record["extractor_version"] = EXTRACTOR_VERSION
    return record


def _task(args: tuple[str, str | None, datetime | None]) -> dict[str, Any]:
    return extract_file(*args)


def extract_paths(
    paths: Iterable[str | os.PathLike[str]],
    url: str | Mapping[str, str] | None = None,
    workers: int | None = None,
    *,
    fetched_at: datetime | None = None,
) -> Iterator[dict[str, Any]]:
    """Extract every file (directories are expanded) and yield one dict per file, in order.

    ``url`` is one URL for all files or a mapping from path (as given or resolved) to URL.
    ``workers`` defaults to every core; with one worker or one file no pool is started.
    """
    files = expand_paths(paths)

    def url_for(p: Path) -> str | None:
        if url is None or isinstance(url, str):
            return url
        return url.get(str(p)) or url.get(str(p.resolve())) or url.get(p.name)

    tasks = [(str(p), url_for(p), fetched_at) for p in files]
    workers = workers or os.cpu_count() or 1
    if workers <= 1 or len(tasks) <= 1:
        yield from map(_task, tasks)
        return
    chunksize = max(1, min(16, len(tasks) // (workers * 4) or 1))
    with ProcessPoolExecutor(max_workers=min(workers, len(tasks))) as pool:
        yield from pool.map(_task, tasks, chunksize=chunksize)
