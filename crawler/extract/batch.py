"""Extraction over many files with a process pool (for ``kabar extract`` and benchmarks).

Each file yields one JSON-ready dict, in input order; a file that cannot be read, is empty or
is binary yields the same keys, empty, with ``error`` set, instead of stopping the batch.
"""

from __future__ import annotations

import gzip
import logging
import os
import zlib
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from crawler.extractpool import ordered_map

from .article import Article
from .core import EXTRACTOR_VERSION, extract

__all__ = ["HTML_SUFFIXES", "expand_paths", "extract_file", "extract_paths", "not_html"]

logger = logging.getLogger(__name__)

#: File names taken from a directory (a ".gz" of any of them is read decompressed).
HTML_SUFFIXES: tuple[str, ...] = (".html", ".htm", ".xhtml", ".html.gz", ".htm.gz")
#: Bytes looked at to tell a binary file from a page; UTF-16/32 text has NUL bytes but a BOM.
_SNIFF = 4096
_TEXT_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf")


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


def not_html(data: bytes) -> str | None:
    """Why ``data`` cannot be an HTML page ("empty file", "binary data"), or None."""
    if not data.strip():
        return "empty file"
    head = data[:_SNIFF]
    if b"\x00" in head and not head.startswith(_TEXT_BOMS):
        return "binary data, not an HTML page"
    return None


def _error_record(path: Path, url: str | None, error: str) -> dict[str, Any]:
    """Every field a page record has, empty, and ``error``."""
    record: dict[str, Any] = {"path": str(path)}
    record.update(Article(url=url or "").to_dict())
    record["extractor_version"] = EXTRACTOR_VERSION
    record["error"] = error
    return record


def extract_file(
    path: str | os.PathLike[str], url: str | None = None, fetched_at: datetime | None = None
) -> dict[str, Any]:
    """Extract one file into a dict (``published`` as ISO 8601); never raises for bad files.

    A file that cannot be read, is empty or is binary gives the same keys, empty, and ``error``.
    """
    p = Path(path)
    try:
        data = _read(p)
    except (OSError, EOFError, gzip.BadGzipFile, zlib.error) as exc:
        return _error_record(p, url, f"{type(exc).__name__}: {exc}")
    reason = not_html(data)
    if reason:
        return _error_record(p, url, reason)
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
    workers = min(workers or os.cpu_count() or 1, len(tasks))
    yield from ordered_map(_task, tasks, workers)
