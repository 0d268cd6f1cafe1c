"""The gold of every copy: what a perfect extractor returns for its page.

``gold_copies()`` returns one dict per copy; ``write_gold(dir)`` writes them as
``dir/<site>/<slug>.json`` (``python -m jobs.examplesites gold DIR``).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from .dates import site_shows_time
from .sites import article_path, body_text, page_chunks, site_catalog
from .stories import Copy, Story, load_stories

if TYPE_CHECKING:
    from .server import ExampleSites

log = logging.getLogger(__name__)


def copy_gold(copy: Copy, base_url: str | None = None) -> dict[str, Any]:
    """Gold for one copy; with ``base_url`` (the site's "http://host:port/") also ``url``."""
    path = article_path(copy)
    gold: dict[str, Any] = {
        "site": copy.site,
        "slug": copy.slug,
        "path": path,
        "title": copy.title,
        "published": copy.published.isoformat(),
        "published_has_time": site_shows_time(copy.site),
        "author": copy.author,
        "dateline": copy.dateline,
        "text": body_text(copy),
        "smart_city": copy.smart_city,
        "regions": list(copy.regions),
        "pages": len(page_chunks(copy.site, copy.paragraphs)),
        "original": copy.original,
    }
    if base_url is not None:
        gold["url"] = base_url.rstrip("/") + path
    return gold


def _bases(sites: "ExampleSites | Mapping[str, str] | None") -> Mapping[str, str] | None:
    if sites is None or isinstance(sites, Mapping):
        return sites
    return sites.base_urls()


def gold_copies(
    sites: "ExampleSites | Mapping[str, str] | None" = None,
    *,
    stories: list[Story] | None = None,
    stories_dir: Path | str | None = None,
) -> list[dict[str, Any]]:
    """Gold of every copy, newest first; ``url`` included when ``sites`` gives base URLs.

    ``sites`` is a started ExampleSites or a mapping site key -> base URL. Stories come
    from ``stories`` or are loaded from ``stories_dir`` (default: the bundled ones); an
    ExampleSites instance brings its own stories.
    """
    if stories is None and sites is not None and not isinstance(sites, Mapping):
        stories = sites.stories
    if stories is None:
        stories = load_stories(stories_dir)
    bases = _bases(sites)
    catalog = site_catalog(stories)
    copies = sorted((c for cs in catalog.values() for c in cs),
                    key=lambda c: (-c.published.timestamp(), c.site, c.slug))
    return [copy_gold(c, bases[c.site] if bases else None) for c in copies]


def write_gold(directory: Path | str, **kwargs: Any) -> list[Path]:
    """Write ``<directory>/<site>/<slug>.json`` per copy; return the paths written."""
    root = Path(directory)
    written = []
    for gold in gold_copies(**kwargs):
        path = root / gold["site"] / f"{gold['slug']}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(gold, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        written.append(path)
    log.info("wrote %d gold files under %s", len(written), root)
    return written
