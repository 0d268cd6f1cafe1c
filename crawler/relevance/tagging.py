"""Tags of one article for the archive: relevance, dimensions and regions, with the shipped
vocabulary merged with the user's (compiled once per process). Pure; used by the crawl (in
the extraction workers), ``kabar reextract`` and ``kabar classify``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from crawler.relevance import Vocabulary, classify, load_vocabulary


@lru_cache(maxsize=4)
def vocabulary_for(extra: Path | None) -> Vocabulary:
    """The shipped vocabulary merged with the user's file, compiled once per process."""
    return load_vocabulary(extra)


def tag(article, vocabulary: Vocabulary) -> dict[str, Any]:
    """``relevant`` is the classifier's verdict at the vocabulary's own threshold."""
    result = classify(
        article.title,
        article.text,
        dateline=article.dateline,
        min_score=vocabulary.min_score,
        vocabulary=vocabulary,
    )
    return result.to_dict()
