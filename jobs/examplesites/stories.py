"""Load and validate the story files (``stories/*.toml``) into Story and Copy.

A story is what a reporter wrote; a copy is that story as one site published it,
with the copy's overrides (title, published, author, drop, append) applied.
"""

from __future__ import annotations

import logging
import re
import tomllib
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

STORIES_DIR = Path(__file__).resolve().parent / "stories"

SITES = ("wartanusantara", "sumselpos", "sumaterakabar", "infodaerah", "jurnalsilampari", "palembangkini")
TOPICS = (
    "smart-city",
    "pemerintahan",
    "banjir",
    "kriminal",
    "olahraga",
    "ekonomi",
    "politik",
    "kesehatan",
    "pendidikan",
    "lingkungan",
)
ALLOWED_OFFSETS = {timedelta(hours=7), timedelta(hours=8), timedelta(hours=9)}

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
FILE_RE = re.compile(r"^(\d{3,})-(.+)\.toml$")

STORY_KEYS = {
    "slug",
    "topic",
    "smart_city",
    "regions",
    "published",
    "dateline",
    "author",
    "title",
    "summary",
    "caption",
    "paragraphs",
    "copies",
}
REQUIRED_STORY_KEYS = STORY_KEYS - {"caption"}
COPY_KEYS = {"site", "title", "published", "author", "drop", "append"}


class StoryError(ValueError):
    """A story file is invalid; the message names the file and the key."""

    def __init__(self, path: Path | str, key: str | None, message: str) -> None:
        where = f"{Path(path).name}" + (f": {key}" if key else "")
        super().__init__(f"{where}: {message}")
        self.path = Path(path)
        self.key = key


@dataclass(frozen=True)
class Copy:
    """A story as one site publishes it (overrides applied)."""

    slug: str  # the story's slug (unique across stories)
    site: str
    index: int  # 0 for the original, then syndicated copies in file order
    title: str
    published: datetime  # aware, local time
    author: str
    paragraphs: tuple[str, ...]  # kept paragraphs then appended ones, no dateline prefix
    summary: str
    caption: str | None
    dateline: str  # upper-case city
    topic: str
    smart_city: bool
    regions: tuple[str, ...]

    @property
    def original(self) -> bool:
        """True for the first copy of the story (the original publication)."""
        return self.index == 0


@dataclass(frozen=True)
class Story:
    """One story file."""

    slug: str
    topic: str
    smart_city: bool
    regions: tuple[str, ...]
    published: datetime
    dateline: str
    author: str
    title: str
    summary: str
    caption: str | None
    paragraphs: tuple[str, ...]
    copies: tuple[Copy, ...]
    path: Path


def _need(path: Path, key: str, value: Any, kind: type | tuple[type, ...], what: str) -> Any:
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise StoryError(path, key, f"must be {what}, got {type(value).__name__} {value!r:.60}")
    return value


def _text(path: Path, key: str, value: Any) -> str:
    _need(path, key, value, str, "a string")
    if not value.strip():
        raise StoryError(path, key, "must not be empty")
    if value != value.strip():
        raise StoryError(path, key, "has leading or trailing whitespace")
    return value


def _texts(path: Path, key: str, value: Any, *, allow_empty: bool = False) -> tuple[str, ...]:
    _need(path, key, value, list, "a list of strings")
    if not value and not allow_empty:
        raise StoryError(path, key, "must not be empty")
    return tuple(_text(path, f"{key}[{i}]", v) for i, v in enumerate(value))


def _datetime(path: Path, key: str, value: Any) -> datetime:
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, str):
        try:
            dt = datetime.fromisoformat(value)
        except ValueError:
            raise StoryError(path, key, f"is not an ISO 8601 datetime: {value!r}") from None
    else:
        raise StoryError(path, key, f"must be an ISO 8601 datetime with offset, got {value!r}")
    if dt.utcoffset() is None:
        raise StoryError(path, key, f"needs a UTC offset (+07:00 WIB, +08:00 WITA, +09:00 WIT): {value!r}")
    if dt.utcoffset() not in ALLOWED_OFFSETS:
        raise StoryError(path, key, f"offset must be +07:00, +08:00 or +09:00: {value!r}")
    return dt


def _parse_copy(path: Path, i: int, raw: Any, story: dict[str, Any]) -> Copy:
    key = f"copies[{i}]"
    _need(path, key, raw, dict, "a table")
    unknown = sorted(set(raw) - COPY_KEYS)
    if unknown:
        raise StoryError(path, f"{key}.{unknown[0]}", "unknown key")
    if "site" not in raw:
        raise StoryError(path, f"{key}.site", "missing")
    site = _need(path, f"{key}.site", raw["site"], str, "a string")
    if site not in SITES:
        raise StoryError(path, f"{key}.site", f"unknown site {site!r} (one of {', '.join(SITES)})")
    paragraphs = story["paragraphs"]
    drop = _need(path, f"{key}.drop", raw.get("drop", []), list, "a list of paragraph indexes")
    for j, d in enumerate(drop):
        _need(path, f"{key}.drop[{j}]", d, int, "an integer")
        if not 0 <= d < len(paragraphs):
            raise StoryError(path, f"{key}.drop[{j}]", f"index {d} out of range 0..{len(paragraphs) - 1}")
    if len(set(drop)) != len(drop):
        raise StoryError(path, f"{key}.drop", "repeats an index")
    append = _texts(path, f"{key}.append", raw.get("append", []), allow_empty=True)
    kept = tuple(p for j, p in enumerate(paragraphs) if j not in set(drop)) + append
    if not kept:
        raise StoryError(path, f"{key}.drop", "drops every paragraph")
    return Copy(
        slug=story["slug"],
        site=site,
        index=i,
        title=_text(path, f"{key}.title", raw["title"]) if "title" in raw else story["title"],
        published=_datetime(path, f"{key}.published", raw["published"]) if "published" in raw else story["published"],
        author=_text(path, f"{key}.author", raw["author"]) if "author" in raw else story["author"],
        paragraphs=kept,
        summary=story["summary"],
        caption=story["caption"],
        dateline=story["dateline"],
        topic=story["topic"],
        smart_city=story["smart_city"],
        regions=story["regions"],
    )


def parse_story(path: Path, data: dict[str, Any]) -> Story:
    """Validate one parsed story file; raise StoryError naming the file and key."""
    unknown = sorted(set(data) - STORY_KEYS)
    if unknown:
        raise StoryError(path, unknown[0], "unknown key")
    missing = sorted(REQUIRED_STORY_KEYS - set(data))
    if missing:
        raise StoryError(path, missing[0], "missing")
    slug = _text(path, "slug", data["slug"])
    if not SLUG_RE.match(slug):
        raise StoryError(path, "slug", f"must match [a-z0-9-] words: {slug!r}")
    m = FILE_RE.match(path.name)
    if not m:
        raise StoryError(path, None, "file name must be NNN-slug.toml")
    if m.group(2) != slug:
        raise StoryError(path, "slug", f"{slug!r} differs from the file name slug {m.group(2)!r}")
    topic = _text(path, "topic", data["topic"])
    if topic not in TOPICS:
        raise StoryError(path, "topic", f"unknown topic {topic!r} (one of {', '.join(TOPICS)})")
    dateline = _text(path, "dateline", data["dateline"])
    if dateline != dateline.upper():
        raise StoryError(path, "dateline", f"must be upper case: {dateline!r}")
    story: dict[str, Any] = {
        "slug": slug,
        "topic": topic,
        "smart_city": _need(path, "smart_city", data["smart_city"], bool, "true or false"),
        "regions": _texts(path, "regions", data["regions"], allow_empty=True),
        "published": _datetime(path, "published", data["published"]),
        "dateline": dateline,
        "author": _text(path, "author", data["author"]),
        "title": _text(path, "title", data["title"]),
        "summary": _text(path, "summary", data["summary"]),
        "caption": _text(path, "caption", data["caption"]) if "caption" in data else None,
        "paragraphs": _texts(path, "paragraphs", data["paragraphs"]),
    }
    raw_copies = _need(path, "copies", data["copies"], list, "an array of [[copies]] tables")
    if not raw_copies:
        raise StoryError(path, "copies", "needs at least one [[copies]] entry")
    copies = tuple(_parse_copy(path, i, c, story) for i, c in enumerate(raw_copies))
    seen: set[str] = set()
    for i, c in enumerate(copies):
        if c.site in seen:
            raise StoryError(path, f"copies[{i}].site", f"site {c.site!r} carries this story twice")
        seen.add(c.site)
    return Story(copies=copies, path=path, **story)


def load_story(path: Path) -> Story:
    """Read and validate one story file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise StoryError(path, None, f"invalid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise StoryError(path, None, f"not UTF-8: {exc}") from None
    return parse_story(path, data)


def load_stories(directory: Path | str | None = None) -> list[Story]:
    """Load every ``*.toml`` in ``directory`` (default: the bundled stories), sorted by file name."""
    root = Path(directory) if directory is not None else STORIES_DIR
    stories = [load_story(p) for p in sorted(root.glob("*.toml"))]
    by_slug: dict[str, Path] = {}
    for s in stories:
        if s.slug in by_slug:
            raise StoryError(s.path, "slug", f"{s.slug!r} already used by {by_slug[s.slug].name}")
        by_slug[s.slug] = s.path
    logger.debug("loaded %d stories from %s", len(stories), root)
    return stories


def all_copies(stories: list[Story]) -> list[Copy]:
    """Every copy of every story, newest first (ties broken by site and slug)."""
    copies = [c for s in stories for c in s.copies]
    return sorted(copies, key=lambda c: (-c.published.timestamp(), c.site, c.slug))
