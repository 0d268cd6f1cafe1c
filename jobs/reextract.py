"""``kabar reextract``: run today's extraction, relevance and dedup over archived pages, from
the WARC files, without the network, and update the articles in place."""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from datetime import datetime

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from crawler.config import Paths
from crawler.extract import EXTRACTOR_VERSION, combine_pages, extract
from crawler.pipelines.relevance import tag, vocabulary_for
from storage.archive import Archive
from storage.errors import StorageError
from storage.pages import ArchivedArticle, archived_articles, count_archived
from storage.revisits import current_hash
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


def reextract(paths: Paths, engine, *, sources: list[str], since: datetime | None) -> ReextractSummary:
    """Re-extract every matching archived article; a missing WARC record is an error, not a stop."""
    archive = Archive(engine)
    vocabulary = vocabulary_for(paths.config.vocabulary)
    summary = ReextractSummary()
    total = count_archived(engine, sources=sources, since=since)
    columns = (TextColumn("re-extracting"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=None, transient=True, disable=not sys.stderr.isatty()) as progress:
        task = progress.add_task("reextract", total=total)
        for item in archived_articles(engine, sources=sources, since=since):
            summary.articles += 1
            try:
                changed = _reextract_one(archive, item, vocabulary, paths.config.story_threshold)
            except StorageError as exc:
                summary.errors += 1
                logger.warning("article %s (%s): %s", item.id, item.url, exc)
            else:
                summary.changed += changed
                summary.unchanged += not changed
            progress.advance(task)
    return summary


def _reextract_one(archive: Archive, item: ArchivedArticle, vocabulary, threshold: float) -> bool:
    response = read_response(item.warc)
    article = extract(response.body, item.url, fetched_at=response.date)
    if item.page_warc:
        pages = [read_response(p) for p in item.page_warc]
        article = combine_pages(article, [extract(p.body, p.url, fetched_at=p.date) for p in pages])
    before = current_hash(archive.engine, item.id)
    fields = {
        "title": article.title,
        "author": article.author,
        "published_at": article.published,
        "language": article.language,
        "text": article.text,
        "site_name": article.site_name,
        "description": article.description,
        "image": article.image,
        "dateline": article.dateline,
        "extractor_version": EXTRACTOR_VERSION,
    }
    archive.update_article(item.id, fields)
    store_tags(archive.engine, item.id, tag(article, vocabulary))
    archive.rebuild_story(item.id, threshold=threshold)
    return before != text_hash(article.text)
