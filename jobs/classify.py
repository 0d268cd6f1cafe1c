"""``kabar classify``: relevance, dimensions and regions of texts, plain-text files or HTML
pages (extracted first), so users can try vocabulary changes before a crawl."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from crawler.config import Paths
from crawler.extract import extract
from crawler.relevance import Vocabulary, VocabularyError
from crawler.relevance.tagging import tag, vocabulary_for
from jobs.errors import UsageError

HTML_SUFFIXES = (".html", ".htm", ".xhtml", ".html.gz")


def vocabulary(paths: Paths, extra: str | None) -> Vocabulary:
    """--vocabulary beats ``[relevance] vocabulary`` in the config; a bad file is a usage error."""
    chosen = Path(extra) if extra else paths.config.vocabulary
    if chosen is not None and not chosen.is_file():
        raise UsageError(f"no such vocabulary file: {chosen}")
    try:
        return vocabulary_for(chosen)
    except VocabularyError as exc:
        raise UsageError(str(exc)) from None


def classify_inputs(
    files: list[str], text: str | None, title: str | None, vocab: Vocabulary
) -> Iterator[dict[str, Any]]:
    """One record per input: what was read (title, path) and the relevance tags."""
    if text is not None:
        yield {"title": title, **tags_of(title, text, None, vocab)}
    for name in files:
        path = Path(name)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            yield {"path": str(path), "error": exc.strerror or str(exc)}
            continue
        if path.name.lower().endswith(HTML_SUFFIXES) or raw.lstrip()[:1] == b"<":
            if path.suffix == ".gz":
                import gzip

                raw = gzip.decompress(raw)
            article = extract(raw, path.resolve().as_uri())
            yield {
                "path": str(path),
                "title": article.title,
                **tags_of(article.title, article.text, article.dateline, vocab),
            }
        else:
            body = raw.decode("utf-8", errors="replace")
            yield {"path": str(path), "title": None, **tags_of(None, body, None, vocab)}


def tags_of(title: str | None, text: str, dateline: str | None, vocab: Vocabulary) -> dict[str, Any]:
    """The relevance fields of a stored article (score, reasons, dimensions, regions, …) for a text."""
    from types import SimpleNamespace

    return tag(SimpleNamespace(title=title, text=text, dateline=dateline), vocab)
