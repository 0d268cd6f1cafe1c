"""Which articles readers see: every article not taken down with ``Archive.hide``.

The one statement of that rule, applied by search and counts (storage.query), the facet
counts (storage.tags) and the reads of single articles and stories (storage.browse).
"""

from __future__ import annotations

from sqlalchemy.sql.elements import ColumnElement

from storage.models import Article


def visible() -> ColumnElement[bool]:
    """The SQL condition "this article is not hidden", for a statement over ``articles``."""
    return Article.hidden_at.is_(None)
