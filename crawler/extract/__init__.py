"""Article extraction: ``extract(html, url) -> Article``; pure code, no Scrapy, no network.

Rules live in data modules: ``boilerplate`` (pruning tokens, XPaths, line rules) and
``datewords`` (months, weekdays, zones); ``dates``, ``prune``, ``lines``, ``metadata`` and
``pages`` apply them; ``batch`` runs extraction over many files with a process pool.
"""

from .article import Article
from .core import EXTRACTOR_VERSION, archive_fields, combine_pages, extract, extract_page, extract_text

__all__ = ["Article", "EXTRACTOR_VERSION", "archive_fields", "combine_pages", "extract", "extract_page", "extract_text"]
