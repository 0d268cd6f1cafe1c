"""Dialect-specific SQL constructs, each behind one function."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
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


def reserve_ids(conn: Connection, table: Table, n: int) -> list[int]:
    """``n`` new ids of ``table``'s integer primary key ``id``, for rows a bulk insert gives
    them explicitly (no RETURNING, whose rows SQLite inserts one statement each). PostgreSQL:
    from the column's sequence; SQLite: after the largest id, as SQLite itself numbers rows
    (the caller's transaction holds the write lock, ``BEGIN IMMEDIATE``)."""
    if n <= 0:
        return []
    if conn.dialect.name == "postgresql":
        sequence = func.pg_get_serial_sequence(table.name, "id")
        return list(conn.execute(select(func.nextval(sequence)).select_from(func.generate_series(1, n))).scalars())
    last = conn.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
    return list(range(last + 1, last + 1 + n))


def bulk_insert(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert many rows (each with the same columns) the way each database takes them best:
    PostgreSQL's COPY, the values made by the columns' SQLAlchemy types (UTC times, JSONB);
    SQLite's executemany. (psycopg's executemany sends one statement per row, and a multi-row
    VALUES statement is parsed for its thousands of placeholders each time.)"""
    if not rows:
        return
    if conn.dialect.name != "postgresql":
        conn.execute(insert(table), list(rows))
        return
    dialect = conn.dialect
    columns = list(rows[0])
    made = [(name, table.c[name].type.dialect_impl(dialect).bind_processor(dialect)) for name in columns]
    values = ([row[name] if make is None else make(row[name]) for name, make in made] for row in rows)
    _copy(conn, table, columns, values)


def insert_rows(conn: Connection, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Insert many rows of plain values (numbers, text: no JSON, no datetimes) of ``columns``
    without SQLAlchemy's per-row work: PostgreSQL's COPY, SQLite's executemany."""
    if conn.dialect.name == "postgresql":
        _copy(conn, table, columns, rows)
        return
    names, values = ", ".join(columns), ", ".join("?" * len(columns))
    conn.exec_driver_sql(f"INSERT INTO {table.name} ({names}) VALUES ({values})", [tuple(row) for row in rows])


def _copy(conn: Connection, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """PostgreSQL: ``COPY table (columns) FROM STDIN`` of driver values, in the connection's
    transaction; the driver's errors raised as SQLAlchemy's (IntegrityError, DataError, …),
    as a statement's would be."""
    statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    dbapi = conn.dialect.loaded_dbapi
    try:
        with conn.connection.driver_connection.cursor() as cursor:  # type: ignore[union-attr]
            with cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
    except dbapi.Error as exc:
        raise DBAPIError.instance(statement, None, exc, dbapi.Error, dialect=conn.dialect) from exc
