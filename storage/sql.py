"""Dialect-specific SQL constructs, each behind one function."""

from __future__ import annotations

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def upsert_insert(session: Session, table: Table) -> postgresql.Insert | sqlite.Insert:
    """An INSERT for ``table`` that supports ``on_conflict_do_nothing/do_update``.

    PostgreSQL and SQLite (>= 3.24) both have ``INSERT … ON CONFLICT``; SQLAlchemy exposes
    it through a dialect-specific construct with the same API, chosen here.
    """
    return upsert_dialect(session.get_bind().dialect.name, table)


def upsert_dialect(name: str, table: Table) -> postgresql.Insert | sqlite.Insert:
    """:func:`upsert_insert` for a dialect given by name."""
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"no upsert for dialect {name}")  # pragma: no cover
