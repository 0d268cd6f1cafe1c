"""Search hits as records, and the columns of the table that shows them to people
(``kabar search``, ``kabar demo``)."""

from __future__ import annotations

from typing import Any

SEARCH_COLUMNS = [
    ("id", "ID"),
    ("published", "Published (WIB)"),
    ("source", "Source"),
    ("title", "Title"),
    ("also_in", "Also in"),
    ("snippet", "Snippet"),
]


def hit_record(hit: Any) -> dict[str, Any]:
    """A ``storage.query.SearchHit`` (or a record already) as a record for jobs.output."""
    record = (
        hit
        if isinstance(hit, dict)
        else {
            key: getattr(hit, key)
            for key in ("id", "url", "title", "published", "source", "snippet", "rank", "story_id", "also_in")
        }
    )
    return record
