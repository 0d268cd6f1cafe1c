"""Generate a larger example site for benchmarks: the bundled stories cloned N times with
distinct slugs, titles and dates, written as story files the example-site server reads.

A clone keeps its original's lead paragraph and takes the rest from the paragraphs of all
the bundled stories (a fixed draw per clone) plus one paragraph of its own, so clones are
different stories (estimated similarity well under the story threshold), while the copies a
story has on other sites stay copies: stories as large as in the bundled set, not one
story of every clone of an original.
"""

from __future__ import annotations

import random
import tomllib
from datetime import datetime, timedelta
from pathlib import Path

import tomlkit

from jobs.examplesites.stories import STORIES_DIR

WORDS = (
    "jalan",
    "pasar",
    "sungai",
    "desa",
    "kantor",
    "sekolah",
    "puskesmas",
    "taman",
    "jembatan",
    "terminal",
    "masjid",
    "lapangan",
    "gedung",
    "perumahan",
    "kebun",
    "pelabuhan",
)


def clone_story(story: dict, serial: int, pool: list[str]) -> dict:
    """Story file data of clone number ``serial`` of ``story`` (parsed TOML): a distinct slug,
    title and date, the original's lead, paragraphs drawn from ``pool`` and one of its own."""
    clone = dict(story)
    marker = f"{WORDS[serial % len(WORDS)]} {serial}"
    clone["slug"] = f"{story['slug'][:60]}-{serial}"
    clone["title"] = f"{marker.capitalize()}: {story['title']}"  # first: slugs cut long titles
    published = datetime.fromisoformat(story["published"]) - timedelta(days=serial % 2000, minutes=serial)
    clone["published"] = published.isoformat()
    extra = f"Catatan redaksi nomor {serial}: liputan ini bagian dari arsip {marker} tahun {published.year}."
    drawn = random.Random(serial).sample(pool, max(3, len(story["paragraphs"]) - 1))
    clone["paragraphs"] = [story["paragraphs"][0], *drawn, extra]
    clone["copies"] = [
        {k: v for k, v in copy.items() if k not in ("drop", "title", "published")} for copy in story["copies"]
    ]
    return clone


def originals() -> list[dict]:
    """The bundled story files, parsed (not validated)."""
    return [tomllib.loads(p.read_text(encoding="utf-8")) for p in sorted(STORIES_DIR.glob("*.toml"))]


def paragraph_pool(stories: list[dict]) -> list[str]:
    """Every paragraph but the lead of ``stories``: what clones draw from."""
    return [para for story in stories for para in story["paragraphs"][1:]]


def generate(directory: Path, articles: int) -> int:
    """Write story files until they yield at least ``articles`` pages; return the page count."""
    directory.mkdir(parents=True, exist_ok=True)
    stories = originals()
    pool = paragraph_pool(stories)
    pages = serial = 0
    while pages < articles:
        for story in stories:
            if pages >= articles:
                break
            serial += 1
            clone = clone_story(story, serial, pool)
            (directory / f"{serial:06d}-{clone['slug']}.toml").write_text(tomlkit.dumps(clone), encoding="utf-8")
            pages += len(clone["copies"])
    return pages
