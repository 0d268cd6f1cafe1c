"""``kabar reextract``: run today's extraction, relevance and dedup over archived pages, from
the WARC files, without the network, and update the articles in place."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from rich.progress import MofNCompleteColumn, TimeRemainingColumn

from crawler.config import Paths
from crawler.extract import archive_fields, combine_pages, extract
from crawler.extractpool import ordered_map
from crawler.relevance.tagging import tag, vocabulary_for
from jobs.progress import bar
from storage.archive import Archive
from storage.errors import StorageError
from storage.fingerprint import signature
from storage.pages import ArchivedArticle, archived_articles, count_archived
from storage.tags import store_tags
from storage.textnorm import text_hash
from storage.warc import read_response

logger = logging.getLogger(__name__)


@dataclass
class ReextractSummary:
    articles: int = 0
    changed: int = 0
    unchanged: int = 0
    errors: int = 0


def reextract(
    paths: Paths, engine, *, sources: list[str], since: datetime | None, workers: int | None = None
) -> ReextractSummary:
    """Re-extract every matching archived article; a missing WARC record is an error, not a stop.

    Pages are read and extracted in ``workers`` processes (default ``[crawl] extract_workers``);
    this process writes the results, in article order.
    """
    archive = Archive(engine)
    config = paths.config
    workers = config.crawl.extract_workers if workers is None else workers
    summary = ReextractSummary()
    total = count_archived(engine, sources=sources, since=since)
    items = archived_articles(engine, sources=sources, since=since)
    tasks = ((item, config.vocabulary) for item in items)
    with bar("re-extracting", total, MofNCompleteColumn(), TimeRemainingColumn()) as advance:
        for item, result in ordered_map(_extract_archived, tasks, workers):
            summary.articles += 1
            if isinstance(result, str):
                summary.errors += 1
                logger.warning("article %s (%s): %s", item.id, item.url, result)
            else:
                changed = _store(archive, item, *result, threshold=config.story_threshold)
                summary.changed += changed
                summary.unchanged += not changed
            advance(1)
    return summary


def _extract_archived(
    task: tuple[ArchivedArticle, Path | None],
) -> tuple[ArchivedArticle, tuple[dict, dict, bytes | None] | str]:
    """(item, (article fields, tags, MinHash)) from the WARC records, or (item, error message)."""
    item, vocabulary = task
    try:
        response = read_response(item.warc)
        article = extract(response.body, item.url, fetched_at=response.date)
        if item.page_warc:
            pages = [read_response(p) for p in item.page_warc]
            article = combine_pages(article, [extract(p.body, p.url, fetched_at=p.date) for p in pages])
    except StorageError as exc:
        return item, str(exc)
    return item, (archive_fields(article), tag(article, vocabulary_for(vocabulary)), signature(article.text or ""))


def _store(
    archive: Archive, item: ArchivedArticle, fields: dict, tags: dict, sig: bytes | None, *, threshold: float
) -> bool:
    """Write one re-extracted article; True when its text changed (only then is its story
    rebuilt: the same text has the same fingerprint, so the same story)."""
    changed = item.text_hash != text_hash(fields["text"])
    archive.update_article(item.id, fields)
    store_tags(archive.engine, item.id, tags)
    if changed or item.story_id is None:
        archive.rebuild_story(item.id, threshold=threshold, signature=sig)
    return changed
