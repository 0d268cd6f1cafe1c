"""Move an archive between databases (SQLite to PostgreSQL and back), verified by row counts
and content hashes of every table."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Table, func, insert, select, text
from sqlalchemy.orm import Session

from storage.errors import StorageError
from storage.models import Base

logger = logging.getLogger(__name__)

BATCH = 1000


def copy_archive(source: Engine, target: Engine, progress: Callable[[str, int], None] | None = None) -> dict[str, int]:
    """Copy every table of the archive from ``source`` to an empty, migrated ``target``, ids
    kept; returns rows per table. The target's derived full-text data is rebuilt by its own
    triggers (SQLite) or generated column (PostgreSQL)."""
    tables = Base.metadata.sorted_tables
    with Session(target) as session:
        used = [t.name for t in tables if session.scalar(select(func.count()).select_from(t))]
    if used:
        raise StorageError(f"the target archive is not empty (table {used[0]} has rows); copy into a new database")
    counts: dict[str, int] = {}
    for table in tables:
        counts[table.name] = _copy_table(table, source, target, progress)
    if target.dialect.name == "postgresql":
        _reset_sequences(target, tables)
    return counts


def _copy_table(table: Table, source: Engine, target: Engine, progress) -> int:
    columns = [c for c in table.columns if not c.computed]
    order = list(table.primary_key.columns)
    copied = 0
    with source.connect() as reader, target.begin() as writer:
        rows = reader.execute(select(*columns).order_by(*order)).yield_per(BATCH)
        for batch in rows.partitions(BATCH):
            writer.execute(insert(table), [dict(row._mapping) for row in batch])
            copied += len(batch)
            if progress:
                progress(table.name, copied)
    return copied


def _reset_sequences(engine: Engine, tables: list[Table]) -> None:
    with engine.begin() as connection:
        for table in tables:
            if "id" in table.columns and table.columns["id"].primary_key and table.columns["id"].autoincrement:
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
                    )
                )


def table_digests(engine: Engine) -> dict[str, tuple[int, str]]:
    """(row count, SHA-1 of the rows in primary-key order) per table, backend-independent."""
    digests = {}
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if not c.computed and c.name != "search_text"]
            digest = hashlib.sha1()
            count = 0
            rows = connection.execute(select(*columns).order_by(*table.primary_key.columns)).yield_per(BATCH)
            for row in rows:
                digest.update(json.dumps([_plain(v) for v in row], sort_keys=True, ensure_ascii=False).encode())
                count += 1
            digests[table.name] = (count, digest.hexdigest())
    return digests


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (bytes, memoryview)):
        return bytes(value).hex()
    if isinstance(value, float):
        return round(value, 9)
    return value
