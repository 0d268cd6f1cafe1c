"""The gold of every example-site copy: what a perfect extractor returns for its page.

``gold_copies()`` returns one dict per copy; ``write_gold(dir)`` writes them as
``dir/<site>/<slug>.json`` (``python -m tests.support.gold [--stories DIR] DIR [--base-port 8701]``).
Tests and benchmarks only: the product ships the sites (jobs/examplesites), not their gold.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jobs.examplesites.config import default_bases
from jobs.examplesites.dates import SITE_FORMATS
from jobs.examplesites.server import ExampleSites
from jobs.examplesites.sites import article_path, dateline_prefix, page_chunks, site_catalog
from jobs.examplesites.stories import Copy, Story, StoryError, load_stories

log = logging.getLogger(__name__)


def body_text(copy: Copy) -> str:
    """The article body as a careful reader would copy it (dateline prefix + paragraphs)."""
    paras = list(copy.paragraphs)
    paras[0] = dateline_prefix(copy) + paras[0]
    return "\n\n".join(paras)


def copy_gold(copy: Copy, base_url: str | None = None) -> dict[str, Any]:
    """Gold for one copy; with ``base_url`` (the site's "http://host:port/") also ``url``."""
    path = article_path(copy)
    _, shows_time = SITE_FORMATS[copy.site]
    gold: dict[str, Any] = {
        "site": copy.site,
        "slug": copy.slug,
        "path": path,
        "title": copy.title,
        "published": copy.published.isoformat(),
        "published_has_time": shows_time,
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


def _bases(sites: ExampleSites | Mapping[str, str] | None) -> Mapping[str, str] | None:
    if sites is None or isinstance(sites, Mapping):
        return sites
    return sites.base_urls()


def gold_copies(
    sites: ExampleSites | Mapping[str, str] | None = None,
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
    copies = sorted(
        (c for cs in catalog.values() for c in cs), key=lambda c: (-c.published.timestamp(), c.site, c.slug)
    )
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


def main(argv: list[str] | None = None) -> int:
    """``python -m tests.support.gold``: write the gold files; returns the exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m tests.support.gold", description="write DIR/<site>/<slug>.json for every copy"
    )
    parser.add_argument("--stories", help="directory of story TOML files (default: bundled)")
    parser.add_argument("directory")
    parser.add_argument(
        "--base-port", type=int, default=None, help="include absolute URLs for sites on ports BASE_PORT.. (e.g. 8701)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    bases = default_bases(args.base_port) if args.base_port else None
    try:
        paths = write_gold(args.directory, sites=bases, stories_dir=args.stories)
    except (StoryError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{len(paths)} gold files written to {args.directory}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
